// The `cnnc` driver: parses the command line (CLI11) and runs one subcommand. Every error a user
// can cause ends here as one line on stderr and a nonzero exit: 1 for the user's errors, 2 for
// cnnc's own bugs (InternalError), never an abort or a stack trace.
#include "ir/Error.h"
#include "tools/cnnc/Command.h"

#include <fmt/core.h>

#include <exception>

int main(int argc, char **argv) {
    CLI::App app{"cnnc: a compiler for convolutional neural networks", "cnnc"};
    app.require_subcommand(1);
    app.set_help_all_flag("--help-all", "Help for every subcommand");
    int exit_status = 0;
    cnnc::driver::add_opt_command(app, exit_status);
    cnnc::driver::add_eval_command(app, exit_status);
    cnnc::driver::add_compile_command(app, exit_status);
    cnnc::driver::add_tune_command(app, exit_status);
    cnnc::driver::add_run_command(app, exit_status);
    cnnc::driver::add_info_command(app, exit_status);
    cnnc::driver::add_zoo_command(app, exit_status);
    cnnc::driver::add_export_command(app, exit_status);
    cnnc::driver::add_test_kernels_command(app, exit_status);
    cnnc::driver::add_bench_command(app, exit_status);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        // --help is a "parse error" that exits 0; every real one exits 1 like other user errors.
        return app.exit(e) == 0 ? 0 : 1;
    } catch (const cnnc::CompileError &e) {
        fmt::print(stderr, "cnnc: error: {}\n", e.what());
        return 1;
    } catch (const cnnc::InternalError &e) {
        fmt::print(stderr, "cnnc: {} (this is a bug in cnnc)\n", e.what());
        return 2;
    } catch (const std::exception &e) {
        fmt::print(stderr, "cnnc: error: {}\n", e.what());
        return 1;
    }
    return exit_status;
}
