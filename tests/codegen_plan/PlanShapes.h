// Conv shapes and register tiles the cost-model plan tests build by hand.
#pragma once

#include "codegen/ConvSchedules.h"

namespace cnnc::testing {

// A square `kernel` x `kernel` conv with stride `stride` and `size` x `size` outputs.
inline codegen::ConvShape square_conv(int64_t in_channels, int64_t out_channels, int64_t kernel, int64_t stride,
                                      int64_t size, bool padded) {
    codegen::ConvShape c;
    c.in_channels = in_channels;
    c.out_channels = out_channels;
    c.kernel_h = c.kernel_w = kernel;
    c.stride_w = c.stride_h = stride;
    c.width = c.height = size;
    c.padded = padded;
    return c;
}

// A 3x3 depthwise conv of `channels` with `size` x `size` outputs (padding left as ConvShape's default).
inline codegen::ConvShape depthwise_3x3(int64_t channels, int64_t size, int64_t stride) {
    codegen::ConvShape c = square_conv(channels, channels, 3, stride, size, false);
    c.groups = channels;
    c.depthwise = true;
    return c;
}

// A 1x1 conv's output as one long row of `pixels` (as KernelSignature.cpp views it).
inline codegen::ConvShape long_row(int64_t in_channels, int64_t out_channels, int64_t pixels) {
    codegen::ConvShape c;
    c.in_channels = in_channels;
    c.out_channels = out_channels;
    c.width = pixels;
    c.pixel_chunks = true;
    return c;
}

// A tile of `channel_vectors` 16-lane vectors x `pixels`, `row_tile` rows (or pixel tiles) a task.
inline codegen::Schedule avx512_tile(int channel_vectors, int pixels, int row_tile, int task_order,
                                     int reduction_unroll) {
    codegen::Schedule s;
    s.vector_width = 16;
    s.channel_vectors = channel_vectors;
    s.pixel_tile = pixels;
    s.row_tile = row_tile;
    s.task_order = task_order;
    s.reduction_unroll = reduction_unroll;
    return s;
}

} // namespace cnnc::testing
