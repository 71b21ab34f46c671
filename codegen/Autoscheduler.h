// Halide's own autoschedulers as an alternative to cnnc's schedule templates (`--scheduler`).
//
// The algorithm stays cnnc's: the kernel builders define the same Funcs (blocked conv with packed
// weights, depthwise, pooling, ...) and schedule them by template; for an autoscheduler the
// template's directives are dropped by re-defining every Func of the kernel unscheduled, and the
// plugin Debian ships with Halide 14 (Adams2019, Mullapudi2016, Li2018) schedules the copy from
// the kernel's known shapes (inputs, output: exact estimates). The scheduler is part of the
// target, so it is part of every kernel signature: autoscheduled objects never mix with cnnc's in
// the kernel cache, and tuning records are kept apart by workload key.
#pragma once

#include "codegen/KernelSignature.h"

#include <string>
#include <vector>

namespace cnnc::codegen {

struct KernelBuild; // HalideHelpers.h (this header is also read where Halide's headers are not)

// "cnnc" (the templates, the default), then the Halide plugins by their lower-case names.
const std::vector<std::string> &scheduler_names();

// The plugin file a Halide autoscheduler is loaded from.
std::string autoscheduler_plugin_path(const std::string &scheduler);

// `target` scheduled by `scheduler` ("cnnc" or empty: the templates). Checked before any kernel
// is compiled: an unknown name, a missing plugin file (named by path) or a GPU target the plugin
// cannot schedule is a CompileError.
TargetInfo with_scheduler(TargetInfo target, const std::string &scheduler);

// Replaces build.output by an unscheduled copy of its algorithm (same Funcs, same definitions, the
// same parameters), with output bounds and input/output estimates from `plan`'s shapes, and
// schedules it with target.scheduler's plugin. For compile_kernel; target.scheduler is set.
void autoschedule_kernel(KernelBuild &build, const KernelPlan &plan, const TargetInfo &target);

} // namespace cnnc::codegen
