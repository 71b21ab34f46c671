// What one generated kernel is: the op (or one result of a split) it computes, the algorithm
// codegen implements for it, the buffers it reads as it reads them (shape, layout, weight
// packing), its schedule knobs and the target. All of that is printed into one signature string
// whose hash names the kernel: two ops with the same signature share one compiled object, within
// a model and, through the on-disk cache, across models. Weight values are not part of it: a
// kernel takes its weights as a buffer.
#pragma once

#include "codegen/TensorLayout.h"
#include "ir/Graph.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cnnc::codegen {

// The target a library is compiled for, as codegen's planning needs it (the Halide Target lives
// in the .cpp files that build pipelines).
struct TargetInfo {
    std::string halide_target; // Halide's target string, e.g. x86-64-linux-avx512_skylake-...
    int vector_width = 8;      // natural f32 lanes per vector on this target
    // The GPU API kernels run on ("cuda", "opencl"), empty for the CPU; see GpuSchedules.h.
    std::string gpu_api;
    bool gpu() const { return !gpu_api.empty(); }
    // A Halide autoscheduler scheduling every kernel instead of cnnc's templates (adams2019,
    // mullapudi2016, li2018; empty: the templates), and the MachineParams it is given (see
    // Autoscheduler.h). Both are part of every signature and workload key.
    std::string scheduler, scheduler_params;
};

// The knobs of a GPU schedule template (GpuSchedules.cpp); all zero for a CPU schedule.
struct GpuSchedule {
    int threads_c = 0, threads_x = 0; // threads of a block across output channels and pixels
    int tile_c = 1, tile_x = 1;       // outputs per thread (a register tile)
    int reduction_chunk = 1;          // input channels staged through shared memory per step
    bool active() const { return threads_c > 0; }
    std::string to_string() const;
};

// A kernel's schedule knobs. Templates choose them from the shapes and the target; a tuning
// record may later replace them (they are part of the signature, so a change recompiles).
struct Schedule {
    int vector_width = 8;     // f32 lanes per vector
    int channel_vectors = 1;  // output-channel vectors held in registers per tile
    int pixel_tile = 1;       // output pixels (along x) held in registers per tile
    int reduction_unroll = 1; // unroll factor of the innermost reduction loop
    bool parallel = true;     // run the outer loop across threads
    // Blocked convolutions (conv-direct, conv-gemm-1x1, blocked conv-grouped, conv-depthwise):
    int row_tile = 1;   // output rows per parallel task (conv-strided-1x1, conv-im2col-gemm:
                        // pixel tiles per task when > 1)
    int task_order = 0; // 0: tasks over (rows, channel blocks); 1: a task runs every channel
                        // block of its rows (input rows reused across blocks, weights re-read)
    int winograd_tile = 0; // conv-winograd: output tile m of F(m x m, 3 x 3), 2 or 4 (0: not Winograd)
    GpuSchedule gpu;          // set on GPU targets: the GPU template's knobs replace the above

    std::string to_string() const;
};

// How a constant operand is re-packed at compile time into what its kernel reads.
enum class Packing {
    none,              // the value in its standard layout (arena, or the weights blob)
    conv_weights,      // [O,I,kh,kw] -> Halide (co, ci, kx, ky): output channels innermost
    depthwise_weights, // [O,1,kh,kw] -> (c, kx, ky)
    grouped_weights,   // [O,I/g,kh,kw] -> (co in group, ci in group, kx, ky, group)
    transposed_matrix, // [N,K] -> [K,N] standard (a gemm's trans_b folded into the weights)
    blocked_matrix,    // [N,K] -> (lane, k, block): B columns of a gemm's trans_b weights per block,
                       // each block one contiguous stream over k (zero past the last column)
    blocked_conv,      // [O,I/g,kh,kw] -> (lane, k, kx, ky, block): each block of B output
                       // channels contiguous, its reduction over k input channels (a grouped
                       // conv's block spans whole groups; weights outside a lane's group are 0)
    winograd_weights,  // [O,I,3,3] -> U = G g G^T as (lane, k, e, block), e the t*t transform
                       // points (WinogradConvKernel.h); computed here, never at run time
};
const char *packing_name(Packing packing);

struct KernelOperand {
    ir::ValueId value = -1;
    Packing packing = Packing::none;
    BufferShape shape; // as the kernel reads it (may view the value under another shape)
    int64_t groups = 1; // blocked_conv: the conv's groups (the packing zero-fills across them)
};

struct KernelPlan {
    ir::OpId op = -1;
    int result_index = 0;   // which result of the op (split has several)
    std::string algorithm;  // conv-direct, conv-gemm-1x1, conv-depthwise, pointwise, ...
    Schedule schedule;
    std::vector<KernelOperand> inputs;
    KernelOperand output;
    std::string signature;     // everything the generated code depends on, as text
    std::string function_name; // cnnc_k_<16 hex digits of the signature's hash>
};

// Plans the kernel computing result `result_index` of op `op`. Ops that need no kernel (input,
// constant) are not planned. Throws CompileError naming the op for what codegen cannot compile
// (a non-f32 tensor, a conv whose weights are not constant).
// `forced`, when given, replaces the template's schedule (a tuning record or a tuning candidate);
// the packings follow it.
// `views`, when given, lists values that do not lie in their standard layout but in a strided box
// of a bigger buffer (a slice of a copy-free concat, the result of an in-place split; see
// passes/MemoryPlanner.h): the kernel reads or writes them through those strides.
using ValueViews = std::map<ir::ValueId, BufferShape>;
KernelPlan plan_kernel(const ir::Graph &g, ir::OpId op, int result_index, const TargetInfo &target,
                       const Schedule *forced = nullptr, const ValueViews *views = nullptr);

// `shape` (how a kernel addresses a value: its standard layout or a dense reshaping of it, such
// as a 1x1 conv's pixels as one axis) re-based onto `view` (the value's standard extents with
// other strides). False where the view's strides cannot express the reshaping (pixels that are
// not evenly spaced cannot be one axis).
bool rebase_shape(const BufferShape &shape, const BufferShape &standard, const BufferShape &view, BufferShape &out);

// What a kernel computes, independent of how: the op kind, attributes, epilogue, operand and
// result types and the target. Tuning records are keyed by it, so a record applies to any model
// with the same layer. Empty for kinds nothing tunes (only conv2d is tuned: convolutions are nearly all the time).
std::string workload_key(const ir::Graph &g, ir::OpId op, int result_index, const TargetInfo &target);

// Schedules chosen by tuning, by workload_key() (from a tuning database).
using TunedSchedules = std::map<std::string, Schedule>;

// Test-only: when $CNNC_TEST_ONLY_WRONG_KERNEL names an algorithm (conv-direct, pointwise op
// names, ...), plan_kernel marks kernels of that algorithm and compile_kernel builds them wrong on
// purpose (their outputs at x == 0, the left padding border, are off by 0.5), so that tests can
// show `cnnc test-kernels` catches a wrong kernel. The mark is part of the signature, so a wrong
// object never enters the cache under a correct kernel's name; the variable's name keeps it from
// being set by accident, and test-kernels warns while it is set.
bool is_deliberately_wrong(const KernelPlan &plan);
extern const char *const wrong_kernel_variable; // "CNNC_TEST_ONLY_WRONG_KERNEL"

// Stable 64-bit FNV-1a of a string (the same on every platform and run).
uint64_t stable_hash(const std::string &text);

// The version of the code generators: part of every signature, bumped whenever the code any
// kernel builder emits changes, so stale objects in a cache are never reused.
extern const char *const codegen_version;
// The version of the GPU templates (GpuSchedules.cpp), part of their kernels' signatures. CPU
// kernel families that keep a generation of their own are listed in KernelSignature.cpp.
extern const char *const gpu_template_version;
// All of these in one string. Tuning records carry it: a schedule's measured time says
// nothing about the code another generation emits for it, so records of other generations are
// not applied (TuningDatabase::best()).
std::string generator_generation();

} // namespace cnnc::codegen
