// Reading ONNX window attributes into the IR's (h, w) kernels and (top, left, bottom, right)
// pads, including auto_pad. See Window.h.
#include "frontend/onnx/Window.h"

#include "frontend/onnx/OpTable.h"

namespace cnnc::frontend::onnximport {

namespace {
ir::Hw pair_attr(const Context &ctx, const char *name, ir::Hw fallback) {
    std::optional<std::vector<int64_t>> v = ctx.attr_ints(name);
    if (!v)
        return fallback;
    if (v->size() != 2)
        ctx.fail("attribute '{}' has {} entries; cnnc supports 2-D windows only", name, v->size());
    for (int64_t x : *v)
        if (x < 1)
            ctx.fail("attribute '{}' must be positive, got {}", name, x);
    return {(*v)[0], (*v)[1]};
}
} // namespace

Window read_window(const Context &ctx, const ir::Hw &in, std::optional<ir::Hw> kernel) {
    Window w;
    if (kernel) {
        w.kernel = *kernel;
        ir::Hw declared = pair_attr(ctx, "kernel_shape", *kernel);
        if (declared != *kernel)
            ctx.fail("kernel_shape [{},{}] disagrees with the weights' kernel [{},{}]",
                     declared[0], declared[1], (*kernel)[0], (*kernel)[1]);
    } else {
        if (!ctx.attr("kernel_shape"))
            ctx.fail("attribute 'kernel_shape' is required");
        w.kernel = pair_attr(ctx, "kernel_shape", {1, 1});
    }
    w.stride = pair_attr(ctx, "strides", {1, 1});
    w.dilation = pair_attr(ctx, "dilations", {1, 1});
    w.auto_pad = ctx.attr_string("auto_pad", "NOTSET");
    if (w.auto_pad == "NOTSET") {
        if (std::optional<std::vector<int64_t>> pads = ctx.attr_ints("pads")) {
            if (pads->size() != 4)
                ctx.fail("attribute 'pads' has {} entries; a 2-D window needs 4", pads->size());
            for (int64_t p : *pads)
                if (p < 0)
                    ctx.fail("attribute 'pads' must not be negative, got {}", p);
            w.pad = {(*pads)[0], (*pads)[1], (*pads)[2], (*pads)[3]};
        }
    } else if (w.auto_pad == "SAME_UPPER" || w.auto_pad == "SAME_LOWER") {
        for (int a = 0; a < 2; ++a) {
            const int64_t out = (in[a] + w.stride[a] - 1) / w.stride[a];
            const int64_t extent = (w.kernel[a] - 1) * w.dilation[a] + 1;
            const int64_t total = std::max<int64_t>(0, (out - 1) * w.stride[a] + extent - in[a]);
            const int64_t small = total / 2, big = total - small;
            const bool upper = w.auto_pad == "SAME_UPPER";
            w.pad[a] = upper ? small : big;     // begin
            w.pad[a + 2] = upper ? big : small; // end
        }
    } else if (w.auto_pad != "VALID") {
        ctx.fail("auto_pad '{}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID", w.auto_pad);
    }
    return w;
}

void check_window(const onnx::NodeProto &node, std::vector<std::string> &problems) {
    NodeAttrs attrs(node);
    const std::string auto_pad = attrs.get_string("auto_pad", "NOTSET");
    if (auto_pad != "NOTSET" && auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER" &&
        auto_pad != "VALID")
        problems.push_back(fmt::format("auto_pad '{}' is not one of NOTSET, SAME_UPPER, "
                                       "SAME_LOWER, VALID",
                                       auto_pad));
    for (const char *name : {"kernel_shape", "strides", "dilations"})
        if (auto v = attrs.get_ints(name); v && v->size() != 2) {
            problems.push_back(fmt::format("{}-D window ({} has {} entries): cnnc supports 2-D "
                                           "windows only",
                                           v->size(), name, v->size()));
            return; // one line per node: the other window attributes say the same
        }
}

} // namespace cnnc::frontend::onnximport
