#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <ostream>
#include <string>

namespace cosched::cli {

// Where commands write and what the chosen subcommand does once parsing succeeded.
struct Context {
  std::ostream& out;
  std::ostream& err;
  std::function<void()> action;
};

void add_inspect_command(CLI::App& app, Context& context);
void add_demo_command(CLI::App& app, Context& context);
void add_gen_command(CLI::App& app, Context& context);
void add_plan_command(CLI::App& app, Context& context);
void add_simulate_command(CLI::App& app, Context& context);
void add_compare_command(CLI::App& app, Context& context);
void add_infer_command(CLI::App& app, Context& context);
void add_platform_command(CLI::App& app, Context& context);
void add_profile_command(CLI::App& app, Context& context);
void add_run_command(CLI::App& app, Context& context);

// Seconds in `text`: "10s", "500ms", "2m" or plain seconds; positive (0 allowed for
// --warmup), else an error naming `flag`.
double parse_duration(const std::string& text, const char* flag);

// The whole CLI; returns the exit code (0 ok, 2 bad input or usage).
int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace cosched::cli
