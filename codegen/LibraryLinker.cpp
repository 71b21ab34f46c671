// Library linking (see LibraryLinker.h). The compiler and the runtime archive are the ones this
// build of cnnc was configured with (CNNC_CXX, CNNC_RUNTIME_ARCHIVE); $CXX overrides the compiler.
#include "codegen/LibraryLinker.h"

#include "ir/Error.h"
#include "ir/ShapeInference.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <cstring>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace cnnc::codegen {

namespace fs = std::filesystem;

namespace {

void write_file(const std::string &path, const std::string &text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    if (!out) user_error("cannot write {}", path);
}

std::string read_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Runs a command (no shell), its output to `log`; a CompileError with the log if it fails.
void run_tool(const std::vector<std::string> &argv, const std::string &log) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<char *> args;
    for (const auto &a : argv) args.push_back(const_cast<char *>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    const int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) user_error("cannot run the C++ compiler '{}' ({})", argv[0], std::strerror(spawned));
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        user_error("linking the model library failed:\n  {}\n{}", fmt::join(argv, " "), read_file(log));
}

std::string compiler() {
    if (const char *cxx = std::getenv("CXX"); cxx && *cxx) return cxx;
    return CNNC_CXX;
}

std::string guard_name(const std::string &stem) {
    std::string g;
    for (char c : stem) g += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::toupper(c)) : '_';
    return g;
}

} // namespace

std::string library_stem(const std::string &library_path) {
    std::string stem = fs::path(library_path).filename().string();
    if (stem.size() > 3 && stem.compare(stem.size() - 3, 3, ".so") == 0) stem.resize(stem.size() - 3);
    if (stem.size() > 3 && stem.compare(0, 3, "lib") == 0) stem = stem.substr(3);
    return stem.empty() ? "model" : stem;
}

void link_library(const LinkJob &job) {
    const std::string executor = job.work_dir + "/executor.cpp";
    const std::string weights_asm = job.work_dir + "/weights.S";
    const std::string exports = job.work_dir + "/exports.map";
    write_file(executor, job.executor_source);
    // .incbin keeps the blob out of the compiler's front end: linking 100 MB of weights costs
    // what copying them costs.
    write_file(weights_asm, fmt::format("    .section .rodata.cnnc_weights,\"a\"\n    .balign 64\n"
                                        "    .globl cnnc_weights_data\n    .hidden cnnc_weights_data\n"
                                        "    .type cnnc_weights_data, @object\ncnnc_weights_data:\n"
                                        "    .incbin \"{}\"\n    .byte 0\n    .section .note.GNU-stack,\"\",@progbits\n",
                                        fs::absolute(job.weights_path).string()));
    // Only the C ABI is exported: the kernels and the embedded Halide runtime stay private, so
    // several model libraries can live in one process.
    write_file(exports, "{\n  global:\n    cnnc_abi_version; cnnc_model_name; cnnc_num_inputs; cnnc_num_outputs;\n"
                        "    cnnc_input_info; cnnc_output_info; cnnc_input_index; cnnc_output_index;\n"
                        "    cnnc_create; cnnc_destroy; cnnc_run; cnnc_last_error;\n"
                        "    cnnc_device_api; cnnc_device_context; cnnc_run_device;\n"
                        "    cnnc_num_kernels; cnnc_get_kernel_info; cnnc_get_operand_info; cnnc_set_operand;\n"
                        "    cnnc_get_operand; cnnc_run_kernel; cnnc_run_profiled;\n  local: *;\n};\n");
    // A temporary unique to this process: two compilations of one library (parallel tests, two
    // users) each link their own file, and the rename makes whichever finishes last win whole.
    const std::string tmp = fmt::format("{}.tmp{}", job.library_path, static_cast<long>(::getpid()));
    std::vector<std::string> argv = {compiler(), "-shared", "-fPIC", "-O2", "-std=c++17",
                                     "-I" CNNC_SOURCE_DIR, "-I" CNNC_HALIDE_INCLUDE_DIR,
                                     "-o", tmp, executor, weights_asm};
    for (const auto &o : job.objects) argv.push_back(o);
    // The whole archive: nothing in the library references the C ABI, the user's program does.
    argv.insert(argv.end(), {"-Wl,--whole-archive", CNNC_RUNTIME_ARCHIVE, "-Wl,--no-whole-archive"});
    for (std::string flag : {"-Wl,--version-script=" + exports, std::string("-Wl,-z,noexecstack"),
                             std::string("-lpthread"), std::string("-ldl"), std::string("-lm")})
        argv.push_back(flag);
    run_tool(argv, job.work_dir + "/link.log");
    fs::rename(tmp, job.library_path);
}

void write_model_header(const ir::Graph &g, const std::string &library_path) {
    const fs::path dir = fs::absolute(library_path).parent_path();
    const std::string stem = library_stem(library_path);
    std::string text = fmt::format(
        "/* {stem}.h: the interface of lib{stem}.so, compiled by cnnc from model '{model}'.\n"
        " * The functions are those of cnnc_runtime.h; the tensors below cross them as dense NCHW\n"
        " * float buffers. Link with -L{dir} -l{stem}. */\n#ifndef CNNC_MODEL_{guard}_H\n"
        "#define CNNC_MODEL_{guard}_H\n\n#include \"cnnc_runtime.h\"\n\n",
        fmt::arg("stem", stem), fmt::arg("model", g.name), fmt::arg("dir", dir.string()),
        fmt::arg("guard", guard_name(stem)));
    text += fmt::format("#define {}_NUM_INPUTS {}\n#define {}_NUM_OUTPUTS {}\n", guard_name(stem), g.inputs().size(),
                        guard_name(stem), g.outputs().size());
    auto describe = [&](const char *what, const std::vector<ir::ValueId> &values) {
        for (size_t i = 0; i < values.size(); ++i)
            text += fmt::format("/* {} {}: %{} : {} */\n", what, i, g.value(values[i]).name,
                                ir::to_string(g.type(values[i])));
    };
    describe("input", g.inputs());
    describe("output", g.outputs());
    text += "\n#endif\n";
    write_file((dir / (stem + ".h")).string(), text);
    for (const char *header : {"cnnc_runtime.h", "cnnc_runtime.hpp"})
        fs::copy_file(fs::path(CNNC_SOURCE_DIR) / "runtime" / header, dir / header,
                      fs::copy_options::overwrite_existing);
}

} // namespace cnnc::codegen
