#include <fmt/format.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <iostream>

#include "cos/cli/app.h"
#include "cos/cli/table.h"
#include "cos/common/error.h"
#include "cos/runtime/runtime.h"
#include "cos/sched/loads.h"
#include "cos/sim/trace.h"

namespace cosched::cli {
namespace {

// Set by SIGINT while a run is under way (the one piece of process-wide state a signal
// handler can touch).
std::atomic<bool> interrupted{false};

void on_interrupt(int) {
  interrupted = true;
}

// This process's resident memory now, in MB (0 where /proc is not there).
double resident_mb() {
  std::ifstream statm("/proc/self/statm");
  double pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return pages_resident * static_cast<double>(sysconf(_SC_PAGESIZE)) / 1e6;
}

struct Options {
  std::string plan;
  std::string duration = "10s", warmup = "0.5s";
  int clients = 0;
  double rate = 0;
  int rounds = 0;
  uint64_t seed = 1;
  std::string trace;
  bool json = false;
};

void run_command(const Options& options, Context& context) {
  auto [problem, plan] = load_plan(options.plan);
  int clients = options.clients;
  double rate = options.rate;
  if (clients == 0 && rate == 0 && options.rounds == 0) {
    // No workload given: the one the plan was made for.
    if (problem.workload.kind == "closed") clients = problem.workload.clients;
    if (problem.workload.kind == "open") rate = problem.workload.rate_per_s;
  }
  RunOptions run;
  run.duration_s = parse_duration(options.duration, "--duration");
  run.warmup_s = parse_duration(options.warmup, "--warmup");
  if (options.clients < 0 || options.rate < 0 || options.rounds < 0)
    fail("--clients, --rate and --rounds must be positive");
  run.seed = options.seed;
  run.record_spans = !options.trace.empty();
  run.interrupt = &interrupted;
  double rss_first = 0, rss_last = 0;  // resident memory after the warm-up, and at the end
  run.on_progress = [&](double elapsed, const std::vector<int64_t>& completed) {
    if (elapsed >= run.warmup_s) (rss_first == 0 ? rss_first : rss_last) = resident_mb();
    std::string line = fmt::format("\r[{:5.1f}/{:.1f} s]", elapsed, run.duration_s);
    for (size_t t = 0; t < completed.size(); ++t)
      line += fmt::format("  {} {}", problem.tenants[t].name, completed[t]);
    context.err << line << std::flush;
  };
  SimOptions sim;
  sim.mode = rate > 0 ? "open" : clients > 0 ? "closed" : "saturate";
  sim.clients = std::max(clients, 1);
  sim.rate_per_s = rate;
  sim.inflight = options.rounds;
  sim.seed = run.seed;
  match_window(run, sim);
  const SimResult predicted = simulate(problem, plan, sim);
  apply_workload(sim, predicted.inflight, run);

  interrupted = false;
  auto previous = std::signal(SIGINT, on_interrupt);
  RunResult result;
  try {
    result = run_plan(problem, plan, run);
  } catch (...) {
    std::signal(SIGINT, previous);
    throw;
  }
  std::signal(SIGINT, previous);
  context.err << (interrupted ? "\ninterrupted: in-flight requests finished\n" : "\n");
  if (!options.trace.empty()) {
    SimResult traced;
    traced.spans = result.spans;
    write_trace(problem, traced, options.trace);
  }

  if (options.json) {
    nlohmann::json j = {{"plan", options.plan},
                        {"strategy", plan.strategy},
                        {"workload", sim.mode},
                        {"rounds_in_flight", run.rounds_in_flight},
                        {"window_s", result.window_s},
                        {"weighted_throughput", result.weighted_throughput_per_s},
                        {"predicted_weighted_throughput", summed_throughput(predicted)},
                        {"mix_throughput", mix_throughput(problem, result)},
                        {"predicted_mix_throughput", predicted.weighted_throughput_per_s},
                        {"rss_mb_after_warmup", rss_first},
                        {"rss_mb_at_end", rss_last}};
    for (size_t t = 0; t < result.tenants.size(); ++t) {
      const RunTenant& r = result.tenants[t];
      j["tenants"].push_back({{"name", r.name},
                              {"throughput", r.throughput_per_s},
                              {"predicted_throughput", predicted.tenants[t].throughput_per_s},
                              {"p50_ms", r.p50_ms},
                              {"predicted_p50_ms", predicted.tenants[t].p50_ms},
                              {"p95_ms", r.p95_ms},
                              {"p99_ms", r.p99_ms},
                              {"predicted_p99_ms", predicted.tenants[t].p99_ms},
                              {"slo_attainment", r.slo_attainment},
                              {"completed", r.completed},
                              {"failed", r.failed},
                              {"generated", r.generated},
                              {"completed_total", r.completed_total},
                              {"failed_total", r.failed_total},
                              {"error", r.first_error}});
    }
    for (size_t p = 0; p < result.utilisation.size(); ++p) {
      j["utilisation"][problem.platform.processors[p].id] = result.utilisation[p];
      j["work_vs_profiled"][problem.platform.processors[p].id] = result.work_vs_profiled[p];
      if (result.replayed[p] >= 0)
        j["replayed"][problem.platform.processors[p].id] = result.replayed[p];
    }
    context.out << j.dump(2) << '\n';
    return;
  }
  const std::string workload =
      sim.mode == "saturate"
          ? fmt::format("saturate ({} weighted rounds in flight)", run.rounds_in_flight)
          : sim.mode;
  context.out << fmt::format("{} ({}), {} workload, {:.1f} s measured\n\n", options.plan,
                             plan.strategy, workload, result.window_s);
  Table table({"tenant", "done", "failed", "req/s", "predicted", "diff", "p50 ms", "pred p50",
               "p95 ms", "p99 ms", "pred p99", "SLO"});
  for (size_t t = 0; t < result.tenants.size(); ++t) {
    const RunTenant& r = result.tenants[t];
    const TenantStats& p = predicted.tenants[t];
    table.add({r.name, std::to_string(r.completed), std::to_string(r.failed),
               fmt::format("{:.1f}", r.throughput_per_s), fmt::format("{:.1f}", p.throughput_per_s),
               fmt::format("{:+.1f}%", 100 * (r.throughput_per_s / p.throughput_per_s - 1)),
               fmt::format("{:.2f}", r.p50_ms), fmt::format("{:.2f}", p.p50_ms),
               fmt::format("{:.2f}", r.p95_ms), fmt::format("{:.2f}", r.p99_ms),
               fmt::format("{:.2f}", p.p99_ms), fmt::format("{:.0f}%", 100 * r.slo_attainment)});
  }
  table.print(context.out);
  context.out << fmt::format("\nweighted throughput {:.1f} req/s (predicted {:.1f})\n",
                             result.weighted_throughput_per_s, summed_throughput(predicted));
  if (sim.mode != "saturate")
    context.out << fmt::format(
        "weighted mix {:.1f} req/s (predicted {:.1f}): every tenant at its weight, as fast as "
        "the slowest allows\n",
        mix_throughput(problem, result), predicted.weighted_throughput_per_s);
  for (size_t p = 0; p < result.utilisation.size(); ++p)
    context.out << fmt::format(
        "{} busy {:.0f}% (predicted {:.0f}%); its work took {:.2f}x the profiled time{}\n",
        problem.platform.processors[p].id, 100 * result.utilisation[p],
        100 * predicted.utilisation[p], result.work_vs_profiled[p],
        result.replayed[p] < 0 ? ""
                               : fmt::format("; {:.0f}% of its groups replayed from recordings",
                                             100 * result.replayed[p]));
  if (rss_last > 0)
    context.out << fmt::format(
        "resident memory {:.0f} MB after the warm-up, {:.0f} MB at the end\n", rss_first, rss_last);
  for (const RunTenant& r : result.tenants)
    if (!r.first_error.empty())
      context.out << fmt::format("{}: {} requests failed; first error: {}\n", r.name,
                                 r.failed_total, r.first_error);
}

}  // namespace

void add_run_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<Options>();
  auto* command = app.add_subcommand(
      "run", "Run a plan for real on this machine and compare with the simulator's prediction");
  command->add_option("plan", options->plan, "Plan file from `cos plan`")->required();
  command->add_option("--duration", options->duration, "How long to send requests (10s, 2m)")
      ->capture_default_str();
  command->add_option("--warmup", options->warmup, "Requests finishing earlier are not counted")
      ->capture_default_str();
  auto* clients = command->add_option(
      "--clients", options->clients, "Closed loop: clients per tenant, each waiting for its reply");
  auto* rate =
      command
          ->add_option("--rate", options->rate, "Open loop: Poisson requests per second per tenant")
          ->excludes(clients);
  command
      ->add_option("--rounds", options->rounds,
                   "Saturate (the workload without --clients or --rate, unless the plan was "
                   "made for a closed or open loop): weighted rounds in flight, tenant i "
                   "sending w_i requests a round (default: as many as the simulator needs to "
                   "keep every processor busy)")
      ->excludes(clients)
      ->excludes(rate);
  command->add_option("--seed", options->seed, "Seed of inputs and arrivals")
      ->capture_default_str();
  command->add_option("--trace", options->trace,
                      "Write a Chrome/Perfetto trace (the simulator's names, to compare)");
  command->add_flag("--json", options->json, "Print JSON");
  command->callback([&context, options] {
    context.action = [&context, options] { run_command(*options, context); };
  });
}

}  // namespace cosched::cli
