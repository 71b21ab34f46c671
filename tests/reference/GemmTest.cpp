// gemm of the reference interpreter: every transpose combination, alpha/beta, and each way C can
// broadcast. A = [[1,2,3],[4,5,6]], B = [[1,2],[3,4],[5,6]], so
// A B = [[1+6+15, 2+8+18], [4+15+30, 8+20+36]] = [[22, 28], [49, 64]].
#include "RunOp.h"

using namespace cnnc;
using namespace cnnc::reference::test;
using ir::OpKind;

namespace {

ir::GemmAttrs gemm(bool trans_a, bool trans_b, double alpha = 1, double beta = 1) {
    ir::GemmAttrs a;
    a.trans_a = trans_a, a.trans_b = trans_b, a.alpha = alpha, a.beta = beta;
    return a;
}

ir::Tensor a() {
    return tensor({2, 3}, {1, 2, 3, 4, 5, 6});
}
ir::Tensor a_t() {
    return tensor({3, 2}, {1, 4, 2, 5, 3, 6});
}
ir::Tensor b() {
    return tensor({3, 2}, {1, 2, 3, 4, 5, 6});
}
ir::Tensor b_t() {
    return tensor({2, 3}, {1, 3, 5, 2, 4, 6});
}

} // namespace

TEST_CASE("gemm with every transpose combination gives A B") {
    const std::vector<float> ab = {22, 28, 49, 64};
    check_tensor(run_one(OpKind::gemm, gemm(false, false), {a(), b()}), {2, 2}, ab);
    check_tensor(run_one(OpKind::gemm, gemm(true, false), {a_t(), b()}), {2, 2}, ab);
    check_tensor(run_one(OpKind::gemm, gemm(false, true), {a(), b_t()}), {2, 2}, ab);
    check_tensor(run_one(OpKind::gemm, gemm(true, true), {a_t(), b_t()}), {2, 2}, ab);
}

TEST_CASE("gemm transposes really transpose") {
    // With trans_a, a [3,2] stored as a() reads differently: op(A) = [[1,3,5],[2,4,6]],
    // op(A) B = [[1+9+25, 2+12+30], [2+12+30, 4+16+36]] = [[35, 44], [44, 56]].
    check_tensor(run_one(OpKind::gemm, gemm(true, false), {b(), b()}), {2, 2}, {35, 44, 44, 56});
}

TEST_CASE("gemm alpha and beta with a row-vector C [N]") {
    // 0.5 * [[22,28],[49,64]] + 2 * [1,-1] per row = [[11+2, 14-2], [24.5+2, 32-2]].
    check_tensor(
        run_one(OpKind::gemm, gemm(false, false, 0.5, 2), {a(), b(), tensor({2}, {1, -1})}), {2, 2},
        {13, 12, 26.5f, 30});
    // The same with trans_b, to see that alpha/beta apply whatever the layout.
    check_tensor(
        run_one(OpKind::gemm, gemm(false, true, 0.5, 2), {a(), b_t(), tensor({1, 2}, {1, -1})}),
        {2, 2}, {13, 12, 26.5f, 30});
}

TEST_CASE("gemm C as a column [M,1], a scalar, and a full [M,N]") {
    // Column [10, 20] added across each row: [[32, 38], [69, 84]].
    check_tensor(run_one(OpKind::gemm, gemm(false, false), {a(), b(), tensor({2, 1}, {10, 20})}),
                 {2, 2}, {32, 38, 69, 84});
    // Scalar 5 with beta 0.1: + 0.5 everywhere.
    check_tensor(run_one(OpKind::gemm, gemm(false, false, 1, 0.1), {a(), b(), tensor({}, {5})}),
                 {2, 2}, {22.5f, 28.5f, 49.5f, 64.5f});
    // Full C with beta -1: [[22-1, 28-2], [49-3, 64-4]].
    check_tensor(run_one(OpKind::gemm, gemm(true, true, 1, -1),
                         {a_t(), b_t(), tensor({2, 2}, {1, 2, 3, 4})}),
                 {2, 2}, {21, 26, 46, 60});
}

TEST_CASE("gemm as a fully connected layer: [1,K] x [N,K]^T + bias") {
    // x = [1, 2, 3, 4], W rows [1,0,0,0], [0,1,0,1], [1,1,1,1]: dots 1, 6, 10; bias [0.5,0,-10].
    const auto y =
        run_one(OpKind::gemm, gemm(false, true),
                {tensor({1, 4}, {1, 2, 3, 4}), tensor({3, 4}, {1, 0, 0, 0, 0, 1, 0, 1, 1, 1, 1, 1}),
                 tensor({3}, {0.5f, 0, -10})});
    check_tensor(y, {1, 3}, {1.5f, 6, 0});
}
