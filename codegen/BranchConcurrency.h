// Branch-level concurrency: the independent branches of a fork/join region (an Inception module,
// a ResNet projection-shortcut block, a ShuffleNet unit) run side by side instead of one after
// another. schedule-branches marks each op's region and branch (OpPlan::group/branch) and leaves
// every region's ops contiguous in the execution order; here each maximal run of consecutive
// kernels of one region that spans at least two branches becomes a concurrent stage. The
// generated executor runs a stage as one halide_do_par_for over its branches (each branch's
// kernels in order, on whichever thread of Halide's pool takes it); the kernels' own parallel
// loops nest inside, so a thread that finishes its branch early helps the others' loops.
//
// Why: the late layers of Inception-style models (14x14, 7x7) are many kernels of 20-300 us whose
// parallel loops have too little work to keep two cores busy; running two branches at once gives
// each core a kernel of its own. Large early layers already fill the cores, and for them branch
// concurrency only adds the region's buffers staying alive together (see below), so `auto` takes
// a region only when all its kernels are small. The default is off: on the shared 2-core machine
// no variant measured faster than off on any zoo model (docs/branch-concurrency.md), so nothing
// turns it on until a measurement on the deployment machine says it pays
// (bench/branch_concurrency.py compares off, on and auto in one interleaved session).
//
// Memory: values of branches that may run at the same time must not share arena bytes. The
// memory planner gets each stage's ops as one concurrent set (MemoryPlanOptions::concurrent) and
// keeps every buffer alive anywhere in the stage alive over all of it; concurrent_overlaps()
// checks the finished plan independently, kernel by kernel.
#pragma once

#include "codegen/KernelSignature.h"
#include "ir/Graph.h"
#include "passes/MemoryPlanner.h"

#include <cstdint>
#include <string>
#include <vector>

namespace cnnc::codegen {

enum class BranchConcurrencyMode {
    off,       // every kernel in order, one at a time (each kernel still parallel inside)
    on,        // every region with two or more branches of kernels runs them concurrently
    automatic, // only regions whose kernels are all small (auto_max_pixels)
};

struct BranchConcurrencyOptions {
    BranchConcurrencyMode mode = BranchConcurrencyMode::off;
    // `automatic`: a region runs concurrently when no op of it writes a result of more than this
    // many pixels (H*W of a 4-D result; other results count as one pixel).
    int64_t auto_max_pixels = 14 * 14;
};

// "off", "on" or "auto"; anything else is a user error naming the flag.
BranchConcurrencyMode parse_branch_concurrency(const std::string &text);
const char *branch_concurrency_name(BranchConcurrencyMode mode);

// The ops of one concurrent stage, per branch in the order they run (a branch lists the ops of
// the stages nested in it too). A region nested in a branch of another (Inception: the 3x3
// branches after the merged 1x1 of one side) is a stage of its own run inside that branch.
struct ConcurrentOps {
    int64_t group = -1;
    std::vector<std::vector<ir::OpId>> branches;
    int parent = -1, parent_branch = -1; // the enclosing stage (an index before this one), -1: none
};

// The stages the options select in `g` (ops in ir::topological_order, live ops only), enclosing
// stages before the ones nested in them, checked independent: no op of a stage reads what another
// branch of the stage produces.
std::vector<ConcurrentOps> concurrent_stages(const ir::Graph &g, const BranchConcurrencyOptions &options);

// A stage as the executor runs it: kernels [begin, end) of the plan, split into branches of
// kernel indices (each in execution order; together exactly [begin, end)).
struct ConcurrentKernels {
    int32_t begin = 0, end = 0;
    std::vector<std::vector<int32_t>> branches;
    int32_t parent = -1, parent_branch = -1; // the enclosing stage, whose branch runs this one
};

// Maps op stages onto the kernel list (kernels of in-place ops are gone); stages left with fewer
// than two branches of kernels are dropped, and the stages nested in them move to the enclosing
// stage's branch. Enclosing stages come before the ones nested in them.
std::vector<ConcurrentKernels> kernel_stages(const std::vector<ConcurrentOps> &stages,
                                             const std::vector<KernelPlan> &kernels);

// Every pair of kernels in different branches of one stage where one writes bytes the other reads
// or writes, as messages ("stage 3: kernel 12 writes %a, kernel 15 reads %b: same bytes");
// empty when the plan is safe to run concurrently. Two arena values conflict when they lie in
// different roots whose byte ranges meet, or in one root as boxes that intersect.
std::vector<std::string> concurrent_overlaps(const ir::Graph &g, const passes::MemoryPlan &memory,
                                             const std::vector<KernelPlan> &kernels,
                                             const std::vector<ConcurrentKernels> &stages);

} // namespace cnnc::codegen
