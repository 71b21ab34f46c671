// The fused output stage of conv2d and gemm in the reference interpreter: after the kernel has
// produced conv(x, w) + bias (rounded to f32 once), the residual is added and the activation
// applied, each in f32 as the separate add / relu / clip ops compute them, so a graph before
// fuse-epilogue and after it give bit-identical results on this oracle (sigmoid is evaluated in
// double and rounded once, as the sigmoid kernel does). It mirrors the kernels of Elementwise.cpp
// rather than calling ir::Epilogue::activate (double) so that equality is exact, not approximate.
#include "reference/Kernels.h"

#include "ir/Error.h"

#include <algorithm>
#include <cmath>

namespace cnnc::reference::kernels {

void apply_epilogue(Tensor &y, const ir::Epilogue &epilogue, const Tensor *residual) {
    internal_assert(epilogue.residual.has_value() == (residual != nullptr),
                    "epilogue residual operand given {}, expected {}", residual != nullptr,
                    epilogue.residual.has_value());
    if (residual) {
        internal_assert(residual->type == y.type, "residual {} for a result {}",
                        ir::to_string(residual->type), ir::to_string(y.type));
        for (size_t i = 0; i < y.data.size(); ++i) y.data[i] += residual->data[i];
    }
    if (epilogue.activation == "none") return;
    if (epilogue.activation == "relu") {
        for (float &v : y.data) v = std::isnan(v) ? v : std::max(v, 0.0f); // as the relu kernel
        return;
    }
    if (epilogue.activation == "clip") {
        const auto lo = static_cast<float>(epilogue.clip_min);
        const auto hi = static_cast<float>(epilogue.clip_max);
        for (float &v : y.data) v = std::isnan(v) ? v : std::min(std::max(v, lo), hi);
        return;
    }
    if (epilogue.activation == "leaky_relu") {
        const auto alpha = static_cast<float>(epilogue.alpha);
        for (float &v : y.data) v = v < 0 ? alpha * v : v;
        return;
    }
    internal_assert(epilogue.activation == "sigmoid", "unknown epilogue activation '{}'",
                    epilogue.activation);
    for (float &v : y.data) {
        const double d = v;
        v = static_cast<float>(d >= 0 ? 1.0 / (1.0 + std::exp(-d)) : std::exp(d) / (1.0 + std::exp(d)));
    }
}

} // namespace cnnc::reference::kernels
