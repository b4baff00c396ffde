#include <fmt/format.h>

#include <filesystem>

#include "cos/cli/app.h"
#include "cos/cli/table.h"
#include "cos/sched/generate.h"

namespace cosched::cli {

void add_gen_command(CLI::App& app, Context& context) {
  struct Options {
    std::string suite = "small";
    uint64_t seed = 1;
    std::string out;
    int count = 0;
  };
  auto options = std::make_shared<Options>();
  auto* command =
      app.add_subcommand("gen", "Write synthetic problem files (random series-parallel tenants)");
  command->add_option("--suite", options->suite, "tiny, small, medium or large")
      ->capture_default_str();
  command->add_option("--seed", options->seed, "Random seed")->capture_default_str();
  command->add_option("-o,--out", options->out, "Folder for the problem files")->required();
  command->add_option("--count", options->count, "Instances (default: the suite's size)");
  command->callback([&context, options] {
    context.action = [&context, options] {
      int count = options->count > 0 ? options->count : default_suite_size(options->suite);
      std::filesystem::create_directories(options->out);
      Table table({"file", "tenants", "units", "platform"});
      for (int i = 0; i < count; ++i) {
        Problem problem = generate_problem(options->suite, options->seed, i);
        std::string path = fmt::format("{}/{}.json", options->out, problem.name);
        save_problem(problem, path);
        std::vector<std::string> processors;
        for (const auto& p : problem.platform.processors) processors.push_back(p.id);
        table.add({path, std::to_string(problem.tenants.size()), std::to_string(problem.units()),
                   fmt::format("{}", fmt::join(processors, " + "))});
      }
      table.print(context.out);
    };
  });
}

}  // namespace cosched::cli
