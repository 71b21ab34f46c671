// Plans a whole model for execution and writes its executor: the kernels in topological order,
// one activation arena per instance with offsets from a liveness-based planner, and the weights
// blob (constants packed for the kernels that read them). The executor is a C++ source that calls
// the kernels through Halide's buffer ABI and describes the model to the runtime
// (runtime/ModelInterface.h).
//
// Memory: the passes' plan-memory annotation does not exist yet, so codegen assigns offsets
// itself: each value is allocated first-fit when produced and freed after its last reader runs
// (graph outputs live to the end); a kernel never writes over a buffer it reads.
#pragma once

#include "codegen/KernelSignature.h"

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
    std::vector<unsigned char> weights;       // the blob, 64-byte aligned entries
    std::map<std::pair<ir::ValueId, Packing>, int64_t> weight_offsets;
};

// `tuned` (by workload_key()) replaces the template schedules of the workloads it lists.
ModelPlan plan_model(const ir::Graph &g, const TargetInfo &target, const TunedSchedules *tuned = nullptr);

// The executor's C++ source for `plan`.
std::string generate_executor(const ir::Graph &g, const ModelPlan &plan);

} // namespace cnnc::codegen
