// The on-disk cache of compiled kernels: one object per signature hash, under $CNNC_CACHE_DIR or
// ~/.cache/cnnc/, with the full signature beside it (so a hash collision is a miss, never a wrong
// kernel). Entries are written to a temporary name and renamed, so concurrent compilers and
// interrupted ones never leave a partial object. Missing kernels are compiled in parallel worker
// processes (Halide's compiler is single-threaded per pipeline).
#pragma once

#include "codegen/KernelSignature.h"

#include <functional>
#include <string>
#include <vector>

namespace cnnc::codegen {

class KernelCache {
  public:
    // `dir` empty: $CNNC_CACHE_DIR, else $HOME/.cache/cnnc.
    explicit KernelCache(std::string dir = {});

    const std::string &dir() const { return dir_; }
    std::string object_path(const KernelPlan &plan) const;
    bool contains(const KernelPlan &plan) const;

    // Compiles every plan not in the cache, up to `jobs` at once; `done(plan, was_cached)` is
    // called once per plan, in the calling thread. Plans must have distinct signatures.
    void compile(const ir::Graph &g, const std::vector<const KernelPlan *> &plans,
                 const TargetInfo &target, int jobs,
                 const std::function<void(const KernelPlan &, bool)> &done);

    // The Halide runtime object for `target`, compiled on first use.
    std::string runtime_object(const TargetInfo &target);

  private:
    std::string dir_;
};

} // namespace cnnc::codegen
