// The GPU half of a library's executor: for a CUDA or OpenCL target, the table of every kernel
// operand's place in device memory and the function that calls the kernels on the per-instance
// device buffers the runtime builds from it (runtime/DeviceModel.h); for a CPU target, the
// definition saying there is none. Appended to the executor generate_executor() writes.
#pragma once

#include "codegen/ExecutorGenerator.h"

#include <string>

namespace cnnc::codegen {

std::string generate_device_executor(const ir::Graph &g, const ModelPlan &plan, const TargetInfo &target);

} // namespace cnnc::codegen
