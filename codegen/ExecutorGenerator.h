// Plans a whole model for execution and writes its executor: the kernels in topological order,
// one activation arena per instance laid out by passes/MemoryPlanner.h (the planner plan-memory
// uses, so there is one set of memory rules), and the weights blob (constants packed for the
// kernels that read them). The executor is a C++ source that calls the kernels through Halide's
// buffer ABI and describes the model to the runtime (runtime/ModelInterface.h).
//
// Copy-free concat: the planner may put a value in a box of a bigger buffer (a concat's channel
// slice, an in-place split's result). In the channels-innermost layout that box is a strided view
// (the bigger buffer's strides, first element c0 floats in), so codegen lets it happen only where
// every kernel writing or reading the value can address it through those strides: on CPU targets,
// when each operand's shape is the value's standard layout or a dense reshaping the view's strides
// can express (checked with rebase_shape). Kernels are then planned with the view, compiled with
// those exact strides (part of the signature), and concats and splits placed in this way run no
// kernel. GPU targets keep dense operands (OpenCL sub-buffers must start aligned), so their
// concats copy.
//
// Branch concurrency (BranchConcurrency.h): run() executes a concurrent stage as one
// halide_do_par_for over its branches; the first failing kernel of the stage (lowest index) is
// reported, with the message Halide gave on the thread that ran it.
#pragma once

#include "codegen/BranchConcurrency.h"
#include "codegen/KernelSignature.h"
#include "passes/MemoryPlanner.h"

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace cnnc::codegen {

struct ModelPlan {
    std::vector<KernelPlan> kernels;          // in execution order
    std::map<ir::ValueId, int64_t> arena;     // byte offset of each value kept in the arena
    int64_t arena_bytes = 0;
    std::vector<unsigned char> weights;       // the blob, entries aligned to `alignment`
    std::map<std::pair<ir::ValueId, Packing>, int64_t> weight_offsets;
    // 64 bytes for CPU vector loads; 512 on GPU targets (OpenCL sub-buffers start at multiples of
    // the device's base address alignment, up to 4096 bits on current GPUs).
    int64_t alignment = 64;
    // What the memory plan did: concats that run no kernel and those that copy, and the bytes one
    // buffer per arena value would take (against arena_bytes).
    int copy_free_concats = 0, copied_concats = 0;
    int64_t unplanned_bytes = 0;
    // Fork/join regions whose branches the executor runs concurrently (BranchConcurrency.h), and
    // the memory plan that keeps them apart (for concurrent_overlaps).
    std::vector<ConcurrentKernels> concurrent;
    passes::MemoryPlan memory;
};

// `tuned` (by workload_key()) replaces the template schedules of the workloads it lists.
// `concurrency` picks the regions whose branches run concurrently (CPU targets only).
ModelPlan plan_model(const ir::Graph &g, const TargetInfo &target, const TunedSchedules *tuned = nullptr,
                     const BranchConcurrencyOptions &concurrency = {});

// The executor's C++ source for `plan`.
std::string generate_executor(const ir::Graph &g, const ModelPlan &plan);

} // namespace cnnc::codegen
