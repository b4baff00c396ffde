#include "cos/cli/app.h"
#include "cos/cli/comparison.h"
#include "cos/cli/problem_args.h"

namespace cosched::cli {

void add_compare_command(CLI::App& app, Context& context) {
  struct Options {
    ProblemArgs problem;
    std::vector<std::string> strategies;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  auto* command =
      app.add_subcommand("compare", "Run every strategy on one problem; compare with the LP bound");
  add_problem_options(command, options->problem);
  command
      ->add_option("--strategies", options->strategies,
                   "Strategies to run (default: all that apply)")
      ->delimiter(',');
  command->add_flag("--json", options->json, "Print JSON");
  command->callback([&context, options] {
    context.action = [&context, options] {
      Problem problem = build_problem(options->problem);
      bool all = options->strategies.empty();
      nlohmann::json json = compare_strategies(problem, strategy_options(options->problem),
                                               all ? strategy_names() : options->strategies, !all,
                                               options->json ? nullptr : &context.out);
      if (options->json) context.out << json.dump(2) << '\n';
    };
  });
}

}  // namespace cosched::cli
