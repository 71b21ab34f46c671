// Graph in, shared library out: plans every kernel of an (optimised) graph, compiles the ones the
// cache lacks, packs the weights, generates the executor and links libNAME.so + NAME.h. The only
// entry point the driver needs from codegen.
#pragma once

#include "codegen/BranchConcurrency.h"
#include "codegen/KernelSignature.h"
#include "ir/Graph.h"

#include <string>

namespace cnnc::codegen {

struct CompileOptions {
    std::string library_path;   // libNAME.so
    std::string target = "host"; // a Halide target string, or host
    std::string cache_dir;      // empty: $CNNC_CACHE_DIR or ~/.cache/cnnc
    int jobs = 0;               // parallel kernel compilations; 0: one per core
    // Progress (kernels compiled / cached / total, elapsed) on one updating line; the driver
    // turns it on when stderr is a terminal. Off, nothing is printed.
    bool progress = false;
    // A tuning database (codegen/TuningDatabase.h): its best record per workload replaces the
    // template's schedule; workloads without one keep the template's.
    std::string tuning_db;
    // Or the schedules themselves (what `cnnc tune` compiles its candidates with).
    TunedSchedules tuned;
    // GPU targets: a folder to write each distinct kernel's device code into (NAME.ptx for
    // CUDA, NAME.cl for OpenCL), e.g. to check it with ptxas.
    std::string device_code_dir;
    // "cnnc" (or empty): the schedule templates; adams2019, mullapudi2016, li2018: that Halide
    // autoscheduler schedules every kernel instead (codegen/Autoscheduler.h).
    std::string scheduler;
    // Which fork/join regions run their branches concurrently (codegen/BranchConcurrency.h).
    BranchConcurrencyOptions concurrency;
};

struct CompileStats {
    int kernels = 0;  // kernel calls in the executor
    int distinct = 0; // distinct signatures among them
    int compiled = 0; // compiled now
    int cached = 0;   // found in the cache
    int tuned = 0;    // kernel calls whose schedule came from tuning
    int stale_records = 0; // records of the tuning db that another code generation measured (not applied)
    double seconds = 0;
};

CompileStats compile_model(const ir::Graph &g, const CompileOptions &options);

} // namespace cnnc::codegen
