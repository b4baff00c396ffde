#include <fmt/format.h>

#include "cos/cli/app.h"
#include "cos/cli/sim_report.h"
#include "cos/common/error.h"
#include "cos/runtime/runtime.h"
#include "cos/sim/trace.h"

namespace cosched::cli {

void add_simulate_command(CLI::App& app, Context& context) {
  struct Options {
    std::string plan;
    int clients = 0;
    double rate = 0;
    int requests = 300;
    uint64_t seed = 1;
    std::string duration;
    std::string trace, gantt;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  auto* command =
      app.add_subcommand("simulate", "Predict a plan's throughput and latency with the simulator");
  command->add_option("plan", options->plan, "Plan file from `cos plan`")->required();
  auto* clients =
      command->add_option("--clients", options->clients,
                          "Closed loop: clients per tenant (default: the workload the plan was "
                          "made for, saturate unless cos plan had --clients or --rate)");
  command->add_option("--rate", options->rate, "Open loop: Poisson requests per second per tenant")
      ->excludes(clients);
  command->add_option("--requests", options->requests, "Closed/open loop: requests per tenant")
      ->capture_default_str();
  command->add_option("--seed", options->seed, "Seed of the open loop's arrivals")
      ->capture_default_str();
  command->add_option(
      "--duration", options->duration,
      "Saturate: measure the window a `cos run --duration` this long measures "
      "(after its 0.5 s warm-up; default: a few dozen rounds, at least 2 s where runs "
      "vary)");
  command->add_option("--trace", options->trace, "Write a Chrome/Perfetto trace");
  command->add_option("--gantt", options->gantt, "Write an SVG Gantt chart of one period");
  command->add_flag("--json", options->json, "Print JSON");
  command->callback([&context, options] {
    context.action = [&context, options] {
      auto [problem, plan] = load_plan(options->plan);
      SimOptions sim = workload_options(problem.workload);  // unless flags say otherwise
      sim.seed = options->seed;
      sim.requests = options->requests;
      if (options->clients > 0) {
        sim.mode = "closed";
        sim.clients = options->clients;
      } else if (options->rate > 0) {
        sim.mode = "open";
        sim.rate_per_s = options->rate;
      } else if (options->clients < 0 || options->rate < 0) {
        fail("--clients and --rate must be positive");
      }
      if (!options->duration.empty()) {
        RunOptions run;
        run.duration_s = parse_duration(options->duration, "--duration");
        match_window(run, sim);
      }
      sim.record_spans = !options->trace.empty() || !options->gantt.empty();
      SimResult result = simulate(problem, plan, sim);
      if (!options->trace.empty()) write_trace(problem, result, options->trace);
      if (!options->gantt.empty()) write_gantt(problem, result, options->gantt);
      if (options->json) {
        nlohmann::json json = sim_json(problem, result);
        json["workload"] = sim.mode;
        context.out << json.dump(2) << '\n';
        return;
      }
      context.out << fmt::format("{} ({}), workload {}\n", options->plan, plan.strategy, sim.mode);
      print_sim_report(problem, result, context.out);
    };
  });
}

}  // namespace cosched::cli
