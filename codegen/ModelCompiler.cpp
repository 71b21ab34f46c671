// The model compiler (see ModelCompiler.h).
#include "codegen/ModelCompiler.h"

#include "codegen/Autoscheduler.h"
#include "codegen/DeviceExecutor.h"
#include "codegen/ExecutorGenerator.h"
#include "codegen/KernelBuilder.h"
#include "codegen/KernelCache.h"
#include "codegen/LibraryLinker.h"
#include "codegen/TuningDatabase.h"
#include "ir/Error.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include <unistd.h>

namespace cnnc::codegen {

namespace fs = std::filesystem;

namespace {

// A private scratch folder, removed on scope exit.
struct ScratchDir {
    std::string path;
    ScratchDir() {
        std::string pattern = (fs::temp_directory_path() / "cnnc-link-XXXXXX").string();
        if (!mkdtemp(pattern.data())) user_error("cannot create a temporary folder under {}", fs::temp_directory_path().string());
        path = pattern;
    }
    ~ScratchDir() {
        // CNNC_KEEP_TEMPS=1 keeps the executor, weights and link log for inspection.
        if (const char *keep = std::getenv("CNNC_KEEP_TEMPS"); keep && *keep) {
            std::fprintf(stderr, "cnnc: kept %s\n", path.c_str());
            return;
        }
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

} // namespace

CompileStats compile_model(const ir::Graph &g, const CompileOptions &options) {
    const auto start = std::chrono::steady_clock::now();
    auto elapsed = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    if (options.library_path.empty()) user_error("no output library given (-o libNAME.so)");
    const TargetInfo target = with_scheduler(parse_target(options.target), options.scheduler);
    TunedSchedules tuned = options.tuned;
    CompileStats stats;
    if (!options.tuning_db.empty()) {
        if (!fs::exists(options.tuning_db)) user_error("--db {}: no such tuning database", options.tuning_db);
        const TuningDatabase db = TuningDatabase::load(options.tuning_db);
        for (auto &[workload, schedule] : db.best()) tuned.emplace(workload, schedule);
        stats.stale_records = db.stale_records();
    }
    const ModelPlan plan = plan_model(g, target, &tuned, options.concurrency);

    stats.kernels = static_cast<int>(plan.kernels.size());
    for (const KernelPlan &k : plan.kernels)
        if (tuned.count(workload_key(g, k.op, k.result_index, target))) ++stats.tuned;
    std::map<std::string, const KernelPlan *> distinct;
    for (const KernelPlan &k : plan.kernels) distinct.emplace(k.function_name, &k);
    stats.distinct = static_cast<int>(distinct.size());
    std::vector<const KernelPlan *> to_build;
    for (const auto &[name, k] : distinct) to_build.push_back(k);

    KernelCache cache(options.cache_dir);
    auto report = [&](bool final) {
        if (!options.progress) return;
        std::fprintf(stderr, "\r[cnnc] kernels: %d compiled, %d cached, %d/%d done, %.1fs%s", stats.compiled,
                     stats.cached, stats.compiled + stats.cached, stats.distinct, elapsed(), final ? "\n" : "");
        std::fflush(stderr);
    };
    report(false);
    const int jobs = options.jobs > 0 ? options.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    cache.compile(g, to_build, target, jobs, [&](const KernelPlan &, bool cached) {
        ++(cached ? stats.cached : stats.compiled);
        report(false);
    });
    std::vector<std::string> objects;
    for (const KernelPlan *k : to_build) objects.push_back(cache.object_path(*k));
    objects.push_back(cache.runtime_object(target));
    if (!options.device_code_dir.empty()) {
        if (!target.gpu()) user_error("--emit-device-code needs a GPU target (host-cuda, host-opencl)");
        std::error_code ec;
        fs::create_directories(options.device_code_dir, ec);
        for (const KernelPlan *k : to_build) {
            const std::string from = cache.object_path(*k) + ".device";
            if (!fs::exists(from)) user_error("the kernel cache has {} without its device code; clear {}", k->function_name, cache.dir());
            fs::copy_file(from, fmt::format("{}/{}.{}", options.device_code_dir, k->function_name, target.gpu_api == "cuda" ? "ptx" : "cl"),
                          fs::copy_options::overwrite_existing);
        }
    }

    ScratchDir scratch;
    LinkJob job;
    job.library_path = options.library_path;
    job.work_dir = scratch.path;
    job.executor_source = generate_executor(g, plan) + generate_device_executor(g, plan, target);
    job.weights_path = scratch.path + "/weights.bin";
    {
        std::ofstream out(job.weights_path, std::ios::binary);
        out.write(reinterpret_cast<const char *>(plan.weights.data()), static_cast<std::streamsize>(plan.weights.size()));
        if (!out) user_error("cannot write {}", job.weights_path);
    }
    job.objects = objects;
    const fs::path parent = fs::absolute(options.library_path).parent_path();
    std::error_code ec;
    fs::create_directories(parent, ec);
    link_library(job);
    write_model_header(g, options.library_path);
    stats.seconds = elapsed();
    report(true);
    return stats;
}

} // namespace cnnc::codegen
