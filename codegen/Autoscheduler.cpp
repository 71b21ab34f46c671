// Halide autoschedulers for cnnc's kernels (see Autoscheduler.h).
#include "codegen/Autoscheduler.h"

#include "codegen/HalideHelpers.h"

#include "ir/Error.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <unistd.h>

namespace cnnc::codegen {

using namespace Halide;

namespace {

const char *const plugin_dir = "/usr/lib/x86_64-linux-gnu/halide14";

// The name each plugin registers itself under with Pipeline::add_autoscheduler.
std::string registered_name(const std::string &scheduler) {
    if (scheduler == "adams2019") return "Adams2019";
    if (scheduler == "mullapudi2016") return "Mullapudi2016";
    if (scheduler == "li2018") return "Li2018";
    internal_assert(false, "no Halide autoscheduler named {}", scheduler);
    return {};
}

// What the plugins are told about the machine: its cores and last-level cache (Halide's generic
// default assumes 16 cores and 16 MB, which on a 2-core host over-splits every loop). The
// load/compute balance keeps Halide's generic value.
MachineParams host_machine_params() {
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    long llc = sysconf(_SC_LEVEL3_CACHE_SIZE);
    if (llc <= 0) llc = sysconf(_SC_LEVEL2_CACHE_SIZE);
    if (llc <= 0) llc = 16 * 1024 * 1024;
    return MachineParams(cores, static_cast<uint64_t>(llc), 40);
}

// The MachineParams part of TargetInfo::scheduler_params (what follows a '|' is the environment
// settings with_scheduler recorded).
std::string machine_params_text(const std::string &scheduler_params) {
    return scheduler_params.substr(0, scheduler_params.find('|'));
}

// Loads a plugin once per process (the kernel cache's worker processes each load their own).
void load_autoscheduler(const std::string &scheduler) {
    static std::mutex mutex;
    static std::set<std::string> loaded;
    std::lock_guard<std::mutex> lock(mutex);
    if (loaded.count(scheduler)) return;
    load_plugin(autoscheduler_plugin_path(scheduler));
    loaded.insert(scheduler);
}

// The Halide calls a definition makes (other Funcs; image parameters are not Funcs).
class CalledFuncs : public Internal::IRVisitor {
  public:
    std::map<std::string, Internal::Function> called;

  private:
    using Internal::IRVisitor::visit;
    void visit(const Internal::Call *op) override {
        Internal::IRVisitor::visit(op);
        if (op->call_type == Internal::Call::Halide && op->func.defined())
            called.emplace(op->name, Internal::Function(op->func));
    }
};

// Points calls of the original Funcs at their unscheduled copies.
class RedirectCalls : public Internal::IRMutator {
  public:
    explicit RedirectCalls(const std::map<std::string, Func> &copies) : copies_(copies) {}

  private:
    using Internal::IRMutator::visit;
    const std::map<std::string, Func> &copies_;
    Expr visit(const Internal::Call *op) override {
        if (op->call_type != Internal::Call::Halide) return Internal::IRMutator::visit(op);
        auto it = copies_.find(op->name);
        internal_assert(it != copies_.end(), "autoscheduling: {} is called before it is copied", op->name);
        std::vector<Expr> args;
        for (const Expr &a : op->args) args.push_back(mutate(a));
        return Internal::Call::make(it->second.function(), args, op->value_index);
    }
};

// Re-defines Funcs without their schedules: the pure definition and the updates, in order, with
// every call redirected to the callee's copy (callees are copied first; a Func's own updates
// call itself, whose copy exists once its pure definition does).
class UnscheduledCopier {
  public:
    Func copy(const Internal::Function &f) {
        if (auto it = copies_.find(f.name()); it != copies_.end()) return it->second;
        internal_assert(f.has_pure_definition() && !f.has_extern_definition(),
                        "autoscheduling: {} has no pure Halide definition", f.name());
        copy_callees(f.definition(), f.name());
        for (const Internal::Definition &u : f.updates()) copy_callees(u, f.name());
        Func fresh(f.name());
        std::vector<Var> args;
        for (const std::string &name : f.args()) args.emplace_back(name);
        define(fresh(args), redirect(f.definition().values()));
        copies_.emplace(f.name(), fresh);
        for (const Internal::Definition &u : f.updates()) {
            std::vector<Expr> update_args;
            RedirectCalls redirect_calls(copies_);
            for (const Expr &a : u.args()) update_args.push_back(redirect_calls.mutate(a));
            define(fresh(update_args), redirect(u.values()));
        }
        return fresh;
    }

  private:
    std::map<std::string, Func> copies_;

    void copy_callees(const Internal::Definition &d, const std::string &self) {
        CalledFuncs finder;
        for (const Expr &e : d.args()) e.accept(&finder);
        for (const Expr &e : d.values()) e.accept(&finder);
        for (const auto &[name, callee] : finder.called)
            if (name != self && !copies_.count(name)) copy(callee);
    }

    std::vector<Expr> redirect(const std::vector<Expr> &values) {
        RedirectCalls redirect_calls(copies_);
        std::vector<Expr> out;
        for (const Expr &v : values) out.push_back(redirect_calls.mutate(v));
        return out;
    }

    static void define(FuncRef ref, const std::vector<Expr> &values) {
        if (values.size() == 1) ref = values[0];
        else ref = Tuple(values);
    }
};

Region region_of(const BufferShape &shape) {
    Region r;
    for (int64_t e : shape.extents) r.emplace_back(0, static_cast<int>(e));
    return r;
}

} // namespace

const std::vector<std::string> &scheduler_names() {
    static const std::vector<std::string> names = {"cnnc", "adams2019", "mullapudi2016", "li2018"};
    return names;
}

std::string autoscheduler_plugin_path(const std::string &scheduler) {
    return fmt::format("{}/libautoschedule_{}.so", plugin_dir, scheduler);
}

TargetInfo with_scheduler(TargetInfo target, const std::string &scheduler) {
    if (scheduler.empty() || scheduler == "cnnc") {
        target.scheduler.clear();
        return target;
    }
    const auto &names = scheduler_names();
    if (std::find(names.begin(), names.end(), scheduler) == names.end())
        user_error("--scheduler {}: unknown scheduler; expected one of cnnc, adams2019, mullapudi2016, li2018",
                   scheduler);
    const std::string plugin = autoscheduler_plugin_path(scheduler);
    if (!std::filesystem::exists(plugin))
        user_error("--scheduler {}: the Halide autoscheduler plugin {} is missing (Debian package "
                   "libhalide14-0 ships it)",
                   scheduler, plugin);
    // Halide 14's Adams2019 and Mullapudi2016 schedule CPU loops only (GPU support came later).
    if (target.gpu() && scheduler != "li2018")
        user_error("--scheduler {}: Halide 14's {} autoscheduler cannot schedule GPU targets ({}); "
                   "use li2018 or the cnnc schedules",
                   scheduler, registered_name(scheduler), target.gpu_api);
    target.scheduler = scheduler;
    target.scheduler_params = host_machine_params().to_string();
    // Adams2019 reads its search settings and cost-model weights from the environment: they change
    // the schedule, so they are part of the signature too (unset: the plugin's fixed defaults).
    if (scheduler == "adams2019")
        for (const char *name : {"HL_BEAM_SIZE", "HL_RANDOM_DROPOUT", "HL_SEED", "HL_WEIGHTS_DIR"})
            if (const char *value = std::getenv(name)) target.scheduler_params += fmt::format("|{}={}", name, value);
    return target;
}

void autoschedule_kernel(KernelBuild &build, const KernelPlan &plan, const TargetInfo &target) {
    internal_assert(!target.scheduler.empty(), "autoschedule_kernel without a scheduler");
    UnscheduledCopier copier;
    Func out = copier.copy(build.output.function());
    constrain_output(out, plan.output.shape);
    out.set_estimates(region_of(plan.output.shape));
    for (size_t i = 0; i < build.params.size(); ++i) build.params[i].set_estimates(region_of(plan.inputs.at(i).shape));
    load_autoscheduler(target.scheduler);
    try {
        Pipeline(out).auto_schedule(registered_name(target.scheduler), Target(target.halide_target),
                                    MachineParams(machine_params_text(target.scheduler_params)));
    } catch (const Halide::Error &e) {
        internal_assert(false, "Halide's {} autoscheduler failed on {} ({}): {}", registered_name(target.scheduler),
                        plan.function_name, plan.algorithm, e.what());
    }
    build.output = out;
}

} // namespace cnnc::codegen
