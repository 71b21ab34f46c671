// Turns a planned kernel into a native object with Halide's ahead-of-time compiler, and compiles
// the Halide runtime each library embeds. This is the only place (with the builders it calls)
// that runs Halide's compiler; nothing that runs a compiled model links it.
#pragma once

#include "codegen/KernelSignature.h"

#include <string>

namespace cnnc::codegen {

// The host's target (whatever ISA it has) with its natural f32 vector width.
TargetInfo host_target();
// A target from Halide's target string ("host" is the host).
TargetInfo parse_target(const std::string &name);

// Builds the Halide pipeline of `plan` and compiles it to an object file at `object_path`
// exporting `plan.function_name` (args: the inputs in plan order, then the output; Halide's
// halide_buffer_t ABI). No runtime inside: the library links one runtime for all kernels.
void compile_kernel(const ir::Graph &g, const KernelPlan &plan, const TargetInfo &target,
                    const std::string &object_path);

// Compiles Halide's runtime (thread pool, allocation, errors) for `target` to an object file.
void compile_runtime(const TargetInfo &target, const std::string &object_path);

} // namespace cnnc::codegen
