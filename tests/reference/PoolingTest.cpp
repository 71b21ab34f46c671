// max_pool, avg_pool and the global pools of the reference interpreter against hand-computed
// values. x4 = 1x1x4x4 holding 1..16 (x(i,j) = 4i + j + 1); x5 = 1x1x5x5 holding 1..25.
#include "RunOp.h"

using namespace cnnc;
using namespace cnnc::reference::test;
using ir::OpKind;

namespace {

ir::PoolAttrs pool(ir::Hw kernel, ir::Hw stride, ir::Pads pad = {0, 0, 0, 0},
                   bool ceil_mode = false, bool count_include_pad = false,
                   ir::Hw dilation = {1, 1}) {
    ir::PoolAttrs a;
    a.kernel = kernel, a.stride = stride, a.pad = pad, a.dilation = dilation;
    a.ceil_mode = ceil_mode, a.count_include_pad = count_include_pad;
    return a;
}

} // namespace

TEST_CASE("max_pool 2x2 stride 2") {
    const auto y = run_one(OpKind::max_pool, pool({2, 2}, {2, 2}), {iota({1, 1, 4, 4})});
    check_tensor(y, {1, 1, 2, 2}, {6, 8, 14, 16});
}

TEST_CASE("max_pool 3x3 stride 1 pad 1: each output is its clipped neighbourhood's max") {
    // The max of x around (i,j) is x(min(i+1,3), min(j+1,3)).
    const auto y =
        run_one(OpKind::max_pool, pool({3, 3}, {1, 1}, {1, 1, 1, 1}), {iota({1, 1, 4, 4})});
    check_tensor(y, {1, 1, 4, 4}, {6, 7, 8, 8, 10, 11, 12, 12, 14, 15, 16, 16, 14, 15, 16, 16});
}

TEST_CASE("max_pool padding never wins against negative inputs") {
    // 2x2 windows, stride 2, pad 1 on [[-1,-2],[-3,-4]]: each window holds one real element.
    // Padding with 0 instead of ignoring it would give 0 everywhere.
    const auto y = run_one(OpKind::max_pool, pool({2, 2}, {2, 2}, {1, 1, 1, 1}),
                           {tensor({1, 1, 2, 2}, {-1, -2, -3, -4})});
    check_tensor(y, {1, 1, 2, 2}, {-1, -2, -3, -4});
}

TEST_CASE("max_pool with dilation 2") {
    // 2x2 taps spaced 2 apart (extent 3), stride 1, output 2x2:
    // (0,0): max(x00=9, x02=2, x20=5, x22=0) = 9     (0,1): max(x01=1, x03=8, x21=6, x23=1) = 8
    // (1,0): max(x10=3, x12=4, x30=2, x32=10) = 10   (1,1): max(x11=7, x13=0, x31=11, x33=3) = 11
    // An undilated 2x2 window would give 7 at (0,1).
    const auto x = tensor({1, 1, 4, 4}, {9, 1, 2, 8, 3, 7, 4, 0, 5, 6, 0, 1, 2, 11, 10, 3});
    const auto y =
        run_one(OpKind::max_pool, pool({2, 2}, {1, 1}, {0, 0, 0, 0}, false, false, {2, 2}), {x});
    check_tensor(y, {1, 1, 2, 2}, {9, 8, 10, 11});
}

TEST_CASE("max_pool ceil_mode adds the partial last window") {
    // 2x2 stride 2 on 5x5: floor mode gives 2x2, ceil mode 3x3 whose last row/column of windows
    // covers only row/column 4. x(i,j) = 5i + j + 1.
    const auto floor_y = run_one(OpKind::max_pool, pool({2, 2}, {2, 2}), {iota({1, 1, 5, 5})});
    check_tensor(floor_y, {1, 1, 2, 2}, {7, 9, 17, 19});
    const auto ceil_y =
        run_one(OpKind::max_pool, pool({2, 2}, {2, 2}, {0, 0, 0, 0}, true), {iota({1, 1, 5, 5})});
    check_tensor(ceil_y, {1, 1, 3, 3}, {7, 9, 10, 17, 19, 20, 22, 24, 25});
}

TEST_CASE("max_pool ceil_mode drops a window that would start in the end padding") {
    // 2x2 stride 3 pad 1 on 4x4: ceil((4+2-2)/3)+1 = 3 windows, but the third would start at
    // 2*3 - 1 = 5, past the input (and the begin padding), so there are 2: rows {-1,0} and {2,3}.
    // (0,0): x(0,0) = 1; (0,1): max x(0,2..3) = 4; (1,0): max x(2..3,0) = 13; (1,1): 16.
    const auto y =
        run_one(OpKind::max_pool, pool({2, 2}, {3, 3}, {1, 1, 1, 1}, true), {iota({1, 1, 4, 4})});
    check_tensor(y, {1, 1, 2, 2}, {1, 4, 13, 16});
}

TEST_CASE("avg_pool 2x2 stride 2") {
    // (1+2+5+6)/4 = 3.5, (3+4+7+8)/4 = 5.5, ...
    const auto y = run_one(OpKind::avg_pool, pool({2, 2}, {2, 2}), {iota({1, 1, 4, 4})});
    check_tensor(y, {1, 1, 2, 2}, {3.5f, 5.5f, 11.5f, 13.5f});
}

TEST_CASE("avg_pool 3x3 pad 1: count_include_pad changes the border divisors") {
    // Window sums (zero padding): 14 24 30 22 / 33 54 63 45 / 57 90 99 69 / 46 72 78 54.
    // Excluding pad, corners divide by 4, edges by 6, the inside by 9: 14/4 = 3.5, 24/6 = 4, ...
    const auto excluded =
        run_one(OpKind::avg_pool, pool({3, 3}, {1, 1}, {1, 1, 1, 1}), {iota({1, 1, 4, 4})});
    check_tensor(excluded, {1, 1, 4, 4},
                 {3.5f, 4, 5, 5.5f, 5.5f, 6, 7, 7.5f, 9.5f, 10, 11, 11.5f, 11.5f, 12, 13, 13.5f});
    // Including pad, everything divides by 9.
    const auto included = run_one(OpKind::avg_pool, pool({3, 3}, {1, 1}, {1, 1, 1, 1}, false, true),
                                  {iota({1, 1, 4, 4})});
    check_tensor(included, {1, 1, 4, 4},
                 {14 / 9.0f, 24 / 9.0f, 30 / 9.0f, 22 / 9.0f, 33 / 9.0f, 6, 7, 45 / 9.0f, 57 / 9.0f,
                  10, 11, 69 / 9.0f, 46 / 9.0f, 8, 78 / 9.0f, 6});
}

TEST_CASE("avg_pool ceil_mode without padding: the partial windows average what they cover") {
    // 2x2 stride 2 on 5x5 (x(i,j) = 5i + j + 1): (0,2) covers x(0..1, 4) = (5+10)/2 = 7.5,
    // (2,0) covers x(4, 0..1) = (21+22)/2, (2,2) only x(4,4) = 25. count_include_pad has no pad to
    // count and the overhang past the input is never counted, so both settings agree.
    for (bool include : {false, true}) {
        CAPTURE(include);
        const auto y = run_one(OpKind::avg_pool, pool({2, 2}, {2, 2}, {0, 0, 0, 0}, true, include),
                               {iota({1, 1, 5, 5})});
        check_tensor(y, {1, 1, 3, 3}, {4, 6, 7.5f, 14, 16, 17.5f, 21.5f, 23.5f, 25});
    }
}

TEST_CASE("avg_pool ceil_mode with padding: pad counts, the overhang past it does not") {
    // 3x3 stride 2 pad 1 on 4x4, ceil: ceil((4+2-3)/2)+1 = 3 windows per axis, starting at
    // -1, 1, 3. Real rows per window: {0,1}, {1,2,3}, {3}; rows inside the padded input
    // [-1, 5): 3, 3, 2 (row 5 is overhang). Sums: 14 30 12 / 57 99 36 / 27 45 16.
    // Excluding pad: divide by real counts 2x2=4, 2x3=6, 2x1=2 / 6, 9, 3 / 2, 3, 1.
    const auto excluded =
        run_one(OpKind::avg_pool, pool({3, 3}, {2, 2}, {1, 1, 1, 1}, true), {iota({1, 1, 4, 4})});
    check_tensor(excluded, {1, 1, 3, 3}, {3.5f, 5, 6, 9.5f, 11, 12, 13.5f, 15, 16});
    // Including pad: divide by 3x3=9, 9, 3x2=6 / 9, 9, 6 / 6, 6, 2x2=4.
    const auto included = run_one(OpKind::avg_pool, pool({3, 3}, {2, 2}, {1, 1, 1, 1}, true, true),
                                  {iota({1, 1, 4, 4})});
    check_tensor(included, {1, 1, 3, 3},
                 {14 / 9.0f, 30 / 9.0f, 2, 57 / 9.0f, 11, 6, 4.5f, 7.5f, 4});
}

TEST_CASE("avg_pool asymmetric pads") {
    // 2x2 stride 2, pad top 1 left 0 bottom 1 right 0 on 4x4: 3 rows of windows starting at rows
    // -1, 1, 3 and 2 columns at 0, 2. Row -1 and row 4 are padding.
    // Excluding pad: (0,0) = (1+2)/2 = 1.5, (0,1) = (3+4)/2 = 3.5, (1,0) = (5+6+9+10)/4 = 7.5,
    // (1,1) = 9.5, (2,0) = (13+14)/2 = 13.5, (2,1) = 15.5. Including pad: the first and last rows
    // divide by 4: 0.75, 1.75, 6.75, 7.75.
    const auto excluded =
        run_one(OpKind::avg_pool, pool({2, 2}, {2, 2}, {1, 0, 1, 0}), {iota({1, 1, 4, 4})});
    check_tensor(excluded, {1, 1, 3, 2}, {1.5f, 3.5f, 7.5f, 9.5f, 13.5f, 15.5f});
    const auto included = run_one(OpKind::avg_pool, pool({2, 2}, {2, 2}, {1, 0, 1, 0}, false, true),
                                  {iota({1, 1, 4, 4})});
    check_tensor(included, {1, 1, 3, 2}, {0.75f, 1.75f, 7.5f, 9.5f, 6.75f, 7.75f});
}

TEST_CASE("pools treat each (n, c) plane separately") {
    // 2x2x2x2: planes [1..4], [5..8], [9..12], [13..16].
    const auto y = run_one(OpKind::max_pool, pool({2, 2}, {2, 2}), {iota({2, 2, 2, 2})});
    check_tensor(y, {2, 2, 1, 1}, {4, 8, 12, 16});
    const auto z = run_one(OpKind::avg_pool, pool({2, 2}, {2, 2}), {iota({2, 2, 2, 2})});
    check_tensor(z, {2, 2, 1, 1}, {2.5f, 6.5f, 10.5f, 14.5f});
}

TEST_CASE("global_avg_pool and global_max_pool keep [N,C,1,1]") {
    // Channel 0 = [1, -2, 3, 4] (mean 1.5, max 4); channel 1 = [-5, -6, -7, -8] (mean -6.5, max
    // -5).
    const auto x = tensor({1, 2, 2, 2}, {1, -2, 3, 4, -5, -6, -7, -8});
    check_tensor(run_one(OpKind::global_avg_pool, ir::NoAttrs{}, {x}), {1, 2, 1, 1}, {1.5f, -6.5f});
    check_tensor(run_one(OpKind::global_max_pool, ir::NoAttrs{}, {x}), {1, 2, 1, 1}, {4, -5});
    // Over a larger plane: the mean of 1..16 is 8.5, in each of two batches offset by 16.
    check_tensor(run_one(OpKind::global_avg_pool, ir::NoAttrs{}, {iota({2, 1, 4, 4})}),
                 {2, 1, 1, 1}, {8.5f, 24.5f});
}
