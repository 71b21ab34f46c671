// The reference interpreter's kernels, one family per .cpp file, private to reference/.
// Each takes concrete operands, the op's attribute struct and the result type(s) that shape
// inference recorded in the graph, and returns freshly allocated results. They check only what a
// broken caller could get wrong (internal_assert): the graph they come from has been verified.
//
// Precision, for every family: arithmetic that combines many terms (convolution, gemm, pooling
// averages, normalisation, softmax, resize interpolation) accumulates in double and rounds to f32
// once at the end; single-operation elementwise ops (add, relu, ...) are computed in f32, which is
// already the correctly rounded result. The oracle is therefore at least as accurate as any f32
// kernel it checks, so a tolerance measures the kernel's error, not the oracle's.
#pragma once

#include "ir/Attributes.h"
#include "ir/Epilogue.h"
#include "ir/OpKind.h"
#include "ir/Tensor.h"

#include <cstdint>
#include <vector>

namespace cnnc::reference::kernels {

using ir::Dims;
using ir::Tensor;
using ir::TensorType;

// --- shared index helpers (Elementwise.cpp) ---------------------------------------------------

// Row-major (C order) element strides of `dims`.
std::vector<int64_t> row_major_strides(const Dims &dims);
// Strides for reading a tensor of shape `in` as if it had the broadcast shape `out` (numpy rules,
// dims aligned on the right): stride 0 on every axis `in` lacks or has extent 1.
std::vector<int64_t> broadcast_strides(const Dims &in, const Dims &out);
// Axis in [-rank, rank) mapped to [0, rank).
int64_t normalize_axis(int64_t axis, int64_t rank);
// Floor and ceiling of a / b for b > 0 and any sign of a.
int64_t floor_div(int64_t a, int64_t b);
int64_t ceil_div(int64_t a, int64_t b);

// --- Convolution.cpp ----------------------------------------------------------------------------
Tensor conv2d(const Tensor &x, const Tensor &w, const Tensor *bias, const ir::Conv2DAttrs &attrs,
              const TensorType &result);
Tensor conv_transpose(const Tensor &x, const Tensor &w, const Tensor *bias,
                      const ir::ConvTransposeAttrs &attrs, const TensorType &result);

// --- Epilogue.cpp -------------------------------------------------------------------------------
// y = activation(y + residual) in place: the fused output stage of conv2d / gemm, after the
// kernel has added the bias. `residual` is given exactly when the epilogue has one.
void apply_epilogue(Tensor &y, const ir::Epilogue &epilogue, const Tensor *residual);

// --- Pooling.cpp --------------------------------------------------------------------------------
Tensor max_pool(const Tensor &x, const ir::PoolAttrs &attrs, const TensorType &result);
Tensor avg_pool(const Tensor &x, const ir::PoolAttrs &attrs, const TensorType &result);
Tensor global_avg_pool(const Tensor &x, const TensorType &result);
Tensor global_max_pool(const Tensor &x, const TensorType &result);

// --- Elementwise.cpp ----------------------------------------------------------------------------
Tensor relu(const Tensor &x);
Tensor clip(const Tensor &x, const ir::ClipAttrs &attrs);
Tensor leaky_relu(const Tensor &x, const ir::LeakyReluAttrs &attrs);
Tensor sigmoid(const Tensor &x);
Tensor neg(const Tensor &x);
// add, sub, mul or div of `a` and `b` broadcast to `result`.
Tensor binary(ir::OpKind kind, const Tensor &a, const Tensor &b, const TensorType &result);

// --- Normalization.cpp --------------------------------------------------------------------------
Tensor batch_norm(const Tensor &x, const Tensor &scale, const Tensor &bias, const Tensor &mean,
                  const Tensor &var, const ir::BatchNormAttrs &attrs);
Tensor scale_shift(const Tensor &x, const Tensor &scale, const Tensor &shift,
                   const ir::Epilogue &epilogue);
Tensor lrn(const Tensor &x, const ir::LrnAttrs &attrs);
Tensor softmax(const Tensor &x, const ir::SoftmaxAttrs &attrs);

// --- DataMovement.cpp ---------------------------------------------------------------------------
Tensor concat(const std::vector<const Tensor *> &parts, const ir::ConcatAttrs &attrs,
              const TensorType &result);
std::vector<Tensor> split(const Tensor &x, const ir::SplitAttrs &attrs,
                          const std::vector<TensorType> &results);
Tensor slice(const Tensor &x, const ir::SliceAttrs &attrs, const TensorType &result);
// flatten, reshape, identity and dropout: the same elements in the same order, retyped.
Tensor retype(const Tensor &x, const TensorType &result);
Tensor transpose(const Tensor &x, const ir::TransposeAttrs &attrs, const TensorType &result);
// Result channel j*groups + i = input channel i*(C/groups) + j, of an [N,C,H,W] tensor.
Tensor channel_shuffle(const Tensor &x, const ir::ChannelShuffleAttrs &attrs);
Tensor pad(const Tensor &x, const ir::PadAttrs &attrs, const TensorType &result);

// --- Gemm.cpp -----------------------------------------------------------------------------------
Tensor gemm(const Tensor &a, const Tensor &b, const Tensor *c, const ir::GemmAttrs &attrs,
            const TensorType &result);

// --- Resize.cpp ---------------------------------------------------------------------------------
Tensor resize(const Tensor &x, const ir::ResizeAttrs &attrs, const TensorType &result);

} // namespace cnnc::reference::kernels
