// conv-im2col-gemm: a k x k convolution as an im2col stage feeding the register-blocked GEMM.
//
// select-algorithm sends here the convs with few output pixels and a long reduction (late
// ResNet/VGG layers: 7x7 and 14x14 outputs, C_in x kh x kw >= 1024). There the direct kernel's
// register tiles, which run along one output row, are cut short by the row (a 7-wide row holds
// no 8-pixel tile), and every tile walks the window through a padded copy. Here the output is one
// long row of Ho*Wo pixels (its NHWC memory viewed as [Co, Ho*Wo, 1, N]), and each pixel's whole
// reduction K = kh*kw*C_in is one contiguous vector of the im2col buffer
//   col(ci, kx, ky, p, n) = x(ci, p % Wo * sx + kx * dx - pad_left, p / Wo * sy + ky * dy - pad_top, n)
// (zero outside the image: the boundary condition is applied while copying, so no padded image is
// materialised). The GEMM [Ho*Wo, K] x [K, Co] then runs the same blocked product as the direct
// conv over the same packed weights ([block][ky][kx][ci][B] is [block][K][B] with K ordered
// (ky, kx, ci), exactly col's order), so the weights are packed once at compile time and tiles of
// pixel_tile pixels run across row ends.
//
// Where col is computed follows the schedule's task order: with tasks over (pixel chunks,
// channel blocks), all of it once per call, in parallel over pixels (the buffer is at most
// 256 x K floats, 4.7 MB for 512 channels 3x3); with tasks that run every channel block of their
// pixels (task_order 1), each task copies only its chunk's rows, which stay in cache while the
// blocks re-read them.
#include "codegen/BlockedProduct.h"

#include "ir/Error.h"
#include "ir/ShapeInference.h"

namespace cnnc::codegen {

using namespace Halide;

void build_im2col_conv(const ir::Graph &g, const ir::Op &op, const KernelPlan &plan, KernelBuild &build) {
    const auto &a = op.attr<ir::Conv2DAttrs>();
    internal_assert(a.groups == 1, "{}: im2col-gemm with {} groups", ir::describe_op(g, op), a.groups);
    const Schedule &s = plan.schedule;
    const ImageParam image = build.params.at(0);
    const int ci_total = static_cast<int>(plan.inputs[0].shape.extents[0]);
    const int out_w = static_cast<int>(g.type(op.outputs[0]).dims[3]);
    const int sx = static_cast<int>(a.stride[1]), sy = static_cast<int>(a.stride[0]);
    const int dx = static_cast<int>(a.dilation[1]), dy = static_cast<int>(a.dilation[0]);
    const int pl = static_cast<int>(a.pad[1]), pt = static_cast<int>(a.pad[0]);

    Var ci("ci"), kx("kx"), ky("ky"), p("p"), n("n");
    Func zero_outside = BoundaryConditions::constant_exterior(image, 0.0f);
    Func col("im2col");
    col(ci, kx, ky, p, n) = zero_outside(ci, (p % out_w) * sx + kx * dx - pl, (p / out_w) * sy + ky * dy - pt, n);

    const BlockedProductTask task = build_blocked_product(op, plan, build, [=](Expr k, Expr wx, Expr wy, Var x, Var, Var on) {
        return col(k, wx, wy, x, on);
    });
    if (task.every_block) {
        col.compute_at(*task.every_block);
    } else {
        col.compute_root();
        Var po("po"), pi("pi");
        const int pixels = static_cast<int>(plan.output.shape.extents[1]);
        if (s.parallel) col.split(p, po, pi, std::max(1, pixels / 16), TailStrategy::GuardWithIf).parallel(po);
    }
    if (ci_total >= s.vector_width && s.vector_width > 1) col.vectorize(ci, s.vector_width);
}

} // namespace cnnc::codegen
