// The driver's subcommands. Each file tools/cnnc/<Name>Command.cpp defines one add_*_command()
// that registers a CLI11 subcommand on the app; its callback runs the command and sets
// `exit_status`. User errors are thrown as CompileError and reported by main() as one line.
#pragma once

#include <CLI/CLI.hpp>

namespace cnnc::driver {

void add_opt_command(CLI::App &app, int &exit_status);
void add_eval_command(CLI::App &app, int &exit_status);
void add_compile_command(CLI::App &app, int &exit_status);
void add_tune_command(CLI::App &app, int &exit_status);
void add_run_command(CLI::App &app, int &exit_status);
void add_info_command(CLI::App &app, int &exit_status);
void add_zoo_command(CLI::App &app, int &exit_status);
void add_export_command(CLI::App &app, int &exit_status);
void add_test_kernels_command(CLI::App &app, int &exit_status);
void add_bench_command(CLI::App &app, int &exit_status);

} // namespace cnnc::driver
