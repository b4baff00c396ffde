// Simulator speed: events per second on synthetic problems (target: at least 1 million).
#include "cos/sim/simulator.h"

#include <benchmark/benchmark.h>

#include "cos/sched/generate.h"
#include "cos/sched/strategy.h"

using namespace cosched;

static void BM_SimulateSaturate(benchmark::State& state, const char* suite) {
  Problem problem = generate_problem(suite, 1, static_cast<int>(state.range(0)));
  Plan plan = run_strategy("heft", problem, {});
  int64_t events = 0;
  for (auto _ : state) {
    SimResult result = simulate(problem, plan);
    events += result.events;
    benchmark::DoNotOptimize(result.period_ms);
  }
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}

static void BM_SimulateOpen(benchmark::State& state) {
  Problem problem = generate_problem("medium", 1, static_cast<int>(state.range(0)));
  Plan plan = run_strategy("heft", problem, {});
  SimOptions options;
  options.mode = "open";
  options.rate_per_s = 1000.0 / simulate(problem, plan).period_ms * 0.8;  // 80% load
  int64_t events = 0;
  for (auto _ : state) {
    SimResult result = simulate(problem, plan, options);
    events += result.events;
  }
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}

BENCHMARK_CAPTURE(BM_SimulateSaturate, medium, "medium")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SimulateSaturate, large, "large")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SimulateOpen)->Arg(0)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
