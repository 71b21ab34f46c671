#include "passes/PassManager.h"

#include "ir/Error.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"
#include "passes/PassStatistics.h"
#include "passes/Passes.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <map>

namespace cnnc::passes {

namespace {

std::map<std::string_view, int> count_ops(const ir::Graph &g) {
    std::map<std::string_view, int> counts;
    for (const auto &op : g.ops()) ++counts[ir::op_name(op.kind)];
    return counts;
}

// "batch_norm 53 -> 0, conv2d 53 -> 53" for the kinds whose count changed.
std::string count_changes(const ir::Graph &before, const ir::Graph &after) {
    auto a = count_ops(before), b = count_ops(after);
    std::vector<std::string> changes;
    for (auto &[kind, n] : a)
        if (b[kind] != n) changes.push_back(fmt::format("{} {} -> {}", kind, n, b[kind]));
    for (auto &[kind, n] : b)
        if (!a.count(kind)) changes.push_back(fmt::format("{} 0 -> {}", kind, n));
    return changes.empty() ? "no op count changed" : fmt::format("{}", fmt::join(changes, ", "));
}

class Printer {
  public:
    explicit Printer(const PassManagerOptions &options) : options_(options) {
        if (!options.dump_dir.empty()) std::filesystem::create_directories(options.dump_dir);
    }
    void emit(const ir::Graph &g, std::string_view when, std::string_view pass) {
        if (options_.dump_dir.empty()) {
            fmt::print(options_.print_stream, "# *** IR {} {} ***\n{}", when, pass, ir::print(g));
            return;
        }
        const auto path = std::filesystem::path(options_.dump_dir) /
                          fmt::format("{:02}-{}-{}.cnn", index_++, when, pass);
        ir::print_to_file(g, path.string());
    }

  private:
    const PassManagerOptions &options_;
    int index_ = 0;
};

} // namespace

const std::vector<PassInfo> &pass_registry() {
    static const std::vector<PassInfo> registry = {
#define CNNC_PASS(name, function, description) {name, &function, description},
#include "passes/Passes.def"
#undef CNNC_PASS
    };
    return registry;
}

const PassInfo &find_pass(std::string_view name) {
    for (const auto &pass : pass_registry())
        if (pass.name == name) return pass;
    std::vector<std::string_view> known;
    for (const auto &pass : pass_registry()) known.push_back(pass.name);
    user_error("unknown pass '{}' (known: {})", name, fmt::join(known, ", "));
}

std::vector<std::string> default_pipeline() {
    return {
        // Identity-like ops first: later pattern-matching passes then see producer -> consumer
        // directly.
        "eliminate-identity",
        // Constant subgraphs (exported shape arithmetic, weight transposes) become constants,
        // so fold-bn and fuse-epilogue see constant weights and biases.
        "fold-constants",
        // BN into conv/gemm weights before fusion: its shift becomes the bias fuse-epilogue
        // takes, and the relu after it then directly follows the conv.
        "fold-bn",
        // Bias, residual add and activation into the conv/gemm output stage.
        "fuse-epilogue",
        // After fusion, since siblings merge only with equal epilogues (Inception's conv+relu
        // branches); before select-algorithm, so the merged conv gets its algorithm.
        "merge-sibling-convs",
        // ShuffleNet's reshape/transpose/reshape shuffles into one op (3 copy kernels -> 1); before
        // choose-layout, so the op gets the 4-D layout.
        "fuse-channel-shuffle",
        // Once the convs' final shapes (merged, fused) are known: the rule reads the shapes.
        "select-algorithm",
        // After every rewrite that creates ops, so each value gets its layout; its flatten
        // rewrite replaces gemm weights, which the dce below then drops.
        "choose-layout",
        // Drop whatever the rewrites above left unused (e.g. weights of removed ops).
        "dce",
        // Before plan-memory: the arena offsets follow the op order this pass picks.
        "schedule-branches",
        // Last: offsets follow the final op order and the final set of tensors.
        "plan-memory",
    };
}

std::vector<std::string> parse_pipeline(std::string_view text) {
    std::vector<std::string> names;
    size_t start = 0;
    while (start <= text.size()) {
        const size_t comma = std::min(text.find(',', start), text.size());
        const auto name = std::string(text.substr(start, comma - start));
        if (name.empty()) user_error("empty pass name in pipeline '{}'", text);
        find_pass(name);
        names.push_back(name);
        start = comma + 1;
    }
    return names;
}

ir::Graph run_pipeline(ir::Graph g, const std::vector<std::string> &pipeline,
                       const PassManagerOptions &options) {
    Printer printer(options);
    for (const auto &name : pipeline) {
        const PassInfo &pass = find_pass(name);
        if (options.print_before_all || options.print_before.count(name))
            printer.emit(g, "before", name);
        PassStatistics statistics;
        ir::Graph next = [&] {
            StatisticsScope scope(&statistics);
            return pass.run(g);
        }();
        if (options.verify_each) {
            try {
                ir::verify(next);
            } catch (const CompileError &e) {
                // A pass that breaks a verified graph is cnnc's bug, not the user's.
                internal_assert(false, "the graph does not verify after pass '{}': {}", name,
                                e.what());
            }
        }
        // "fold-bn: 53 folded; batch_norm 53 -> 0, constant 320 -> 426": what the pass says it
        // did, then how the op counts moved.
        if (options.stats)
            fmt::print(options.print_stream, "{}: {}{}\n", name,
                       statistics.empty() ? "" : statistics.summary() + "; ",
                       count_changes(g, next));
        g = std::move(next);
        if (options.print_after_all || options.print_after.count(name))
            printer.emit(g, "after", name);
    }
    return g;
}

} // namespace cnnc::passes
