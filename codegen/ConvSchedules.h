// The CPU schedule space of the blocked convolutions and the analytic cost model that ranks it.
//
// A blocked conv (BlockedConvKernels.cpp) computes a register tile of channel_vectors x
// pixel_tile output vectors per step of its reduction; the tile's shape decides how many loads
// feed each FMA, how much is computed twice at ragged edges, and how many tasks the two cores
// share. The model turns those into an estimated time from the machine's throughputs (2 FMAs and
// 2 loads per cycle per core, 32 vector registers with AVX-512, 16 before). It serves twice: the
// default template is the candidate the model ranks first (so defaults need no measurement), and
// `cnnc tune` measures candidates in the model's order, skipping those it ranks far behind.
#pragma once

#include "codegen/KernelSignature.h"

#include <vector>

namespace cnnc::codegen {

// A convolution as the blocked kernels see it (a 1x1 conv over an NHWC image, a strided 1x1 conv
// and an im2col GEMM are one long row of output pixels).
struct ConvShape {
    int64_t in_channels = 0, out_channels = 0, groups = 1;
    int64_t kernel_h = 1, kernel_w = 1;
    int64_t width = 1, height = 1; // output pixels along x and y in the kernel's view
    bool depthwise = false;
    int64_t stride_w = 1; // depthwise: how far apart along x the windows of adjacent outputs lie
    bool im2col = false; // conv-im2col-gemm: the pixels' windows are copied to a buffer first
    // conv-gemm-1x1, conv-strided-1x1, conv-im2col-gemm: a long row whose tasks may take
    // row_tile pixel tiles each (so a task reuses its block's weights across them) instead of one
    // 16th of the row.
    bool pixel_chunks = false;
    // conv-grouped-broadcast: a block holds whole groups and reduces over one group's input
    // channels (GroupedConvKernel.cpp), after spreading its input rows once per task.
    bool grouped_broadcast = false;
    int64_t stride_h = 1;
    bool padded = false; // the blocked kernels copy a padded input first
};

// The shape of the conv `plan` computes (its operand shapes and algorithm already planned).
ConvShape conv_shape_of(const ir::Conv2DAttrs &attrs, const KernelPlan &plan);

// Whether the blocked kernel can run `s` on `shape`: a block of output channels lies in one group
// or covers whole groups, and a grouped conv's channels fill whole blocks.
bool blocked_conv_feasible(const ConvShape &shape, const Schedule &s);

// The reduction length of one output block (input channels per block times the window).
int64_t blocked_reduction(const ConvShape &shape, const Schedule &s);

// Task order 2 of a conv with rows (a k x k direct conv in one group): tasks are (row strips,
// channel blocks) as with order 0, but the block's reduction runs in chunks of this many input
// channels (the whole window each): every tile of the strip adds one chunk to its accumulators
// (kept in L1 for the task) before the next chunk starts, so each chunk of weights arrives from
// beyond L1 once per task instead of once per tile, and a far weight stream (a 512-channel 3x3's
// 9.4 MB) is spread over all of the strip's FMAs instead of stalling its first tile.
// 0: not task order 2, or no chunk of at least two chunks fits the L1 budget.
int strip_reduction_chunk(const ConvShape &shape, const Schedule &s);

// Task order 2 of a long row (conv-gemm-1x1, conv-strided-1x1): tasks are (pixel chunks, channel
// blocks) as with order 0, but the block's reduction runs in chunks of this many input channels
// across the task's tiles, each adding its sums to the task's accumulators in L1, so that a
// chunk's weights are read from L1 by every tile after the first, and weights from beyond L2
// stream at the pace of the whole task's FMAs instead of its first tile's.
// 0: not task order 2 on a long row, or the task's accumulators or the chunks do not fit.
int row_reduction_chunk(const ConvShape &shape, const Schedule &s);

// Estimated milliseconds of the kernel (both cores), for ranking; not a prediction to report.
double estimate_conv_ms(const ConvShape &shape, const Schedule &s, const TargetInfo &target);

// Every schedule the template admits for `shape` (feasible ones only), best estimate first.
std::vector<Schedule> conv_candidates(const ConvShape &shape, const TargetInfo &target);

// Whether a grouped conv (planned as the block-diagonal conv-grouped) is estimated faster as
// conv-grouped-broadcast: its blocks of whole groups skip the zero weights across groups but
// spread every input pixel to lanes x cig values first, which a stride of 2 reads 4x as often.
bool grouped_broadcast_pays(const ConvShape &block_diagonal, const TargetInfo &target);

// The default: the candidate the model ranks first.
Schedule default_conv_schedule(const ConvShape &shape, const TargetInfo &target);

} // namespace cnnc::codegen
