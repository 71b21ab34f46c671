#include "tools/cnnc/CommonOptions.h"

#include "ir/Error.h"

namespace cnnc::driver {

std::pair<std::string, std::string> split_binding(const std::string &text) {
    const size_t eq = text.find('=');
    if (eq == std::string::npos) return {"", text};
    return {text.substr(0, eq), text.substr(eq + 1)};
}

namespace {
ir::Dims parse_dims(const std::string &text, const std::string &flag) {
    ir::Dims dims;
    size_t start = 0;
    while (start <= text.size()) {
        const size_t x = std::min(text.find('x', start), text.size());
        const std::string part = text.substr(start, x - start);
        size_t used = 0;
        int64_t d = 0;
        try {
            d = std::stoll(part, &used);
        } catch (const std::exception &) {
            used = 0;
        }
        if (part.empty() || used != part.size() || d < 1)
            user_error("--input-shape {}: expected positive dims like 1x3x224x224, found '{}'",
                       flag, part);
        dims.push_back(d);
        start = x + 1;
    }
    return dims;
}
} // namespace

void ModelOptions::add_to(CLI::App &command) {
    command.add_option("model", model, "A .cnn text network, a .onnx file, or zoo:NAME[?k=v&...]")
        ->required();
    command.add_option("--input-shape", input_shapes,
                       "Bind an input's dynamic dims: NAME=1x3x224x224 (repeatable)");
}

ir::Graph ModelOptions::load() const {
    frontend::LoadOptions options;
    for (const auto &binding : input_shapes) {
        auto [name, dims] = split_binding(binding);
        if (name.empty()) user_error("--input-shape {}: expected NAME=DIMS", binding);
        options.input_shapes[name] = parse_dims(dims, binding);
    }
    return frontend::load_model(model, options);
}

void PipelineOptions::add_to(CLI::App &command, bool optimize_by_default) {
    opt_level = optimize_by_default ? 2 : 0;
    command.add_option("--passes", passes, "Comma-separated passes to run instead of -O2");
    command.add_option("-O,--opt-level", opt_level,
                       "-O2: the default optimisation pipeline; -O0: no passes")
        ->check(CLI::IsMember({0, 2}))
        ->default_val(opt_level);
    command.add_flag("--print-after-all", print_after_all, "Print the IR after every pass");
    command.add_flag("--print-before-all", print_before_all, "Print the IR before every pass");
    command.add_option("--print-after", print_after, "Print the IR after this pass (repeatable)");
    command.add_option("--print-before", print_before,
                       "Print the IR before this pass (repeatable)");
    command.add_option("--dump-dir", dump_dir,
                       "Write each printed IR to DIR/NN-<when>-<pass>.cnn instead of stderr");
    command.add_flag("--stats", stats, "Print per-pass op count changes");
}

std::vector<std::string> PipelineOptions::pipeline() const {
    if (!passes.empty()) return passes::parse_pipeline(passes);
    return opt_level == 2 ? passes::default_pipeline() : std::vector<std::string>{};
}

void add_scheduler_option(CLI::App &command, std::string &scheduler) {
    // Checked by codegen::with_scheduler, which names the valid choices and a missing plugin file.
    command.add_option("--scheduler", scheduler,
                       "Who schedules the kernels: cnnc (its templates, the default) or a Halide 14 "
                       "autoscheduler plugin: adams2019, mullapudi2016, li2018 (li2018 also on GPU targets)")
        ->default_val("cnnc");
}

ir::Graph PipelineOptions::run(ir::Graph g) const {
    passes::PassManagerOptions options;
    options.print_after_all = print_after_all;
    options.print_before_all = print_before_all;
    for (const auto &name : print_after) options.print_after.insert(passes::find_pass(name).name.data());
    for (const auto &name : print_before)
        options.print_before.insert(passes::find_pass(name).name.data());
    options.dump_dir = dump_dir;
    options.stats = stats;
    return passes::run_pipeline(std::move(g), pipeline(), options);
}

} // namespace cnnc::driver
