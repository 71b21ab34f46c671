// The kernel cache (see KernelCache.h).
#include "codegen/KernelCache.h"

#include "codegen/KernelBuilder.h"
#include "ir/Error.h"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <sys/wait.h>
#include <unistd.h>

namespace cnnc::codegen {

namespace fs = std::filesystem;

namespace {

std::string read_text(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_atomically(const std::string &path, const std::string &text) {
    const std::string tmp = fmt::format("{}.tmp.{}", path, getpid());
    {
        std::ofstream out(tmp, std::ios::binary);
        out << text;
        if (!out) user_error("cannot write {}", tmp);
    }
    fs::rename(tmp, path);
}

// Compiles one kernel into the cache; run in a worker process (or inline with one job).
void compile_into(const ir::Graph &g, const KernelPlan &plan, const TargetInfo &target,
                  const std::string &object) {
    const std::string tmp = fmt::format("{}.tmp.{}", object, getpid());
    compile_kernel(g, plan, target, tmp);
    if (target.gpu()) fs::rename(tmp + ".device", object + ".device");
    write_atomically(object + ".sig", plan.signature);
    fs::rename(tmp, object);
}

} // namespace

KernelCache::KernelCache(std::string dir) : dir_(std::move(dir)) {
    if (dir_.empty()) {
        if (const char *env = std::getenv("CNNC_CACHE_DIR"); env && *env) dir_ = env;
        else if (const char *home = std::getenv("HOME"); home && *home)
            dir_ = std::string(home) + "/.cache/cnnc";
        else dir_ = fs::temp_directory_path().string() + "/cnnc-cache";
    }
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec) user_error("cannot create the kernel cache folder {}: {}", dir_, ec.message());
}

std::string KernelCache::object_path(const KernelPlan &plan) const {
    return fmt::format("{}/{}.o", dir_, plan.function_name);
}

bool KernelCache::contains(const KernelPlan &plan) const {
    const std::string object = object_path(plan);
    return fs::exists(object) && read_text(object + ".sig") == plan.signature;
}

void KernelCache::compile(const ir::Graph &g, const std::vector<const KernelPlan *> &plans,
                          const TargetInfo &target, int jobs,
                          const std::function<void(const KernelPlan &, bool)> &done) {
    std::vector<const KernelPlan *> missing;
    for (const KernelPlan *plan : plans) {
        if (contains(*plan)) done(*plan, true);
        else missing.push_back(plan);
    }
    if (jobs <= 1 || missing.size() <= 1) {
        for (const KernelPlan *plan : missing) {
            compile_into(g, *plan, target, object_path(*plan));
            done(*plan, false);
        }
        return;
    }
    // Worker processes: Halide's compiler holds global state and is not meant to run several
    // pipelines in threads of one process. A child compiles one kernel and _exits (skipping
    // LLVM's static destructors); failures leave their message in a file.
    std::map<pid_t, const KernelPlan *> running;
    size_t next = 0;
    std::string failure;
    auto error_file = [&](const KernelPlan &plan) {
        return fmt::format("{}/{}.err.{}", dir_, plan.function_name, getpid());
    };
    while (next < missing.size() || !running.empty()) {
        while (failure.empty() && next < missing.size() && static_cast<int>(running.size()) < jobs) {
            const KernelPlan *plan = missing[next++];
            const std::string err = error_file(*plan);
            std::fflush(nullptr);
            const pid_t pid = fork();
            if (pid < 0) user_error("cannot start a compiler process: fork failed");
            if (pid == 0) {
                try {
                    compile_into(g, *plan, target, object_path(*plan));
                    _exit(0);
                } catch (const std::exception &e) {
                    std::ofstream(err) << e.what();
                    _exit(1);
                }
            }
            running[pid] = plan;
        }
        if (running.empty()) break;
        int status = 0;
        const pid_t pid = waitpid(-1, &status, 0);
        auto it = running.find(pid);
        if (it == running.end()) continue;
        const KernelPlan *plan = it->second;
        running.erase(it);
        const std::string err = error_file(*plan);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            done(*plan, false);
        } else if (failure.empty()) {
            failure = fs::exists(err) ? read_text(err)
                                      : fmt::format("the compiler process for {} died (status {})",
                                                    plan->function_name, status);
        }
        std::error_code ec;
        fs::remove(err, ec);
    }
    if (!failure.empty()) throw InternalError(failure);
}

std::string KernelCache::runtime_object(const TargetInfo &target) {
    const std::string object =
        fmt::format("{}/halide_runtime_{:016x}.o", dir_, stable_hash(std::string(codegen_version) + target.halide_target));
    if (!fs::exists(object)) {
        const std::string tmp = fmt::format("{}.tmp.{}", object, getpid());
        compile_runtime(target, tmp);
        fs::rename(tmp, object);
    }
    return object;
}

} // namespace cnnc::codegen
