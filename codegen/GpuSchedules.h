// GPU code generation (CUDA, OpenCL): the knobs a GPU schedule template takes, chosen from a
// kernel's shapes, and the templates themselves. A GPU kernel never runs a stage on the host:
// the library keeps every activation and weight in device memory (see DeviceExecutor.h), so a
// host stage would read stale memory. Hence every Func of a GPU pipeline is either inlined,
// computed inside a block (registers or shared memory), or its own gpu_blocks loop nest.
//
// Convolutions follow the structure of a hand-written CUDA convolution: a thread block owns a
// tile of output channels x output pixels; each thread owns a contiguous tile_c channels x
// tile_x pixels of it (unrolled). The reduction over input channels runs in chunks: for each
// chunk the block stages the input patch it needs in shared memory, cooperatively loaded by all
// its threads, then each thread sums the chunk for its tile in registers and adds that to the
// block's running sums in shared memory (two barriers per chunk, none per multiply-add); weights
// are read from global memory. The epilogue (bias, residual, activation) is the output stage of
// the same kernel. Depthwise convs and pooling are one output per thread (their reduction is a
// small window, nothing to share);
// every other kernel is a gpu_tile of its output.
#pragma once

#include "codegen/KernelSignature.h"

#include <Halide.h>

namespace cnnc::codegen {

struct KernelBuild;

// Fills plan.schedule.gpu for a GPU target and puts graph inputs and outputs in NCHW order in
// device memory (the layout callers hand the library), so a run copies them without transposing.
// A conv's knobs come from `forced` (a tuning record) when it has GPU knobs that fit the kernel,
// else from the template's rule.
void plan_for_gpu(const ir::Graph &g, KernelPlan &plan, const TargetInfo &target, const Schedule *forced = nullptr);

// conv2d for a GPU target, every algorithm (direct, gemm-1x1, depthwise, grouped), with its
// GPU schedule.
void build_conv_gpu(const ir::Graph &g, const ir::Op &op, const KernelPlan &plan, KernelBuild &build);

// One output per thread, threads across the innermost dimension: the schedule of pointwise and
// data-movement kernels. `vars` innermost first.
void schedule_gpu_pointwise(Halide::Func f, const std::vector<Halide::Var> &vars, const BufferShape &shape);
// A reduction computed per output element (pooling, conv_transpose): `acc` in the thread's
// registers, `out` tiled as schedule_gpu_pointwise does.
void schedule_gpu_reduction(Halide::Func out, Halide::Func acc, const std::vector<Halide::Var> &vars,
                            const BufferShape &shape);
// A gemm: threads over output columns, each a few rows in registers, K innermost.
void schedule_gpu_gemm(Halide::Func out, Halide::Func acc, Halide::Var col, Halide::Var row,
                       Halide::RDom k, const BufferShape &shape, const GpuSchedule &s);
// An update stage writing a box (concat's copies): threads over its first two dims.
void schedule_gpu_update(Halide::Stage stage, const Halide::RDom &r);

} // namespace cnnc::codegen
