#include "cos/sim/simulator.h"

#include <gtest/gtest.h>

#include "cos/common/error.h"
#include "cos/sched/loads.h"
#include "cos/sched/strategy.h"
#include "support/sched_support.h"

namespace cosched {
namespace {

using test::make_problem;
using test::make_tenant;

Plan place(const Problem& problem, const std::vector<std::vector<int>>& units_on) {
  Plan plan = empty_plan(problem, "hand");
  for (size_t t = 0; t < problem.tenants.size(); ++t) {
    size_t n = problem.tenants[t].graph.units.size();
    plan.placement[t][0] = 0;  // input and output on cpu:0
    plan.placement[t][n - 1] = 0;
    for (size_t u = 0; u < units_on[t].size(); ++u) plan.placement[t][u + 1] = units_on[t][u];
  }
  return plan;
}

SimOptions closed(int clients) {
  SimOptions options;
  options.mode = "closed";
  options.clients = clients;
  return options;
}

TEST(Simulator, ChainOnOneProcessor) {
  Platform platform = test::cpu_platform(1);
  Problem problem = make_problem(
      platform,
      {make_tenant("a", platform, {{"x", {1}}, {"y", {2}}, {"z", {3}}}, {{0, 1}, {1, 2}})});
  Plan plan = place(problem, {{0, 0, 0}});
  SimResult saturated = simulate(problem, plan);
  EXPECT_DOUBLE_EQ(saturated.period_ms, 6.0);
  EXPECT_DOUBLE_EQ(saturated.weighted_throughput_per_s, 1000.0 / 6.0);
  EXPECT_DOUBLE_EQ(saturated.utilisation[0], 1.0);
  SimResult alone = simulate(problem, plan, closed(1));
  EXPECT_DOUBLE_EQ(alone.tenants[0].p50_ms, 6.0);
  EXPECT_DOUBLE_EQ(alone.tenants[0].p99_ms, 6.0);
  EXPECT_NEAR(alone.tenants[0].throughput_per_s, 1000.0 / 6.0, 1000.0 / 6.0 * 0.02);
  // Two clients: each request waits for the other's, latency doubles, throughput stays.
  SimResult two = simulate(problem, plan, closed(2));
  EXPECT_DOUBLE_EQ(two.tenants[0].p50_ms, 12.0);
}

TEST(Simulator, ForkJoinAcrossTwoProcessors) {
  // a(1) -> b(2) on cpu:0 and c(3) on cpu:1 -> d(1) on cpu:0; switch latency 0.5.
  // c starts at 1.5, ends 4.5; d starts at 5.0, ends 6.0.
  Platform platform = test::cpu_platform(2, 0.5);
  Problem problem = make_problem(
      platform,
      {make_tenant("f", platform, {{"a", {1, 1}}, {"b", {2, 2}}, {"c", {3, 3}}, {"d", {1, 1}}},
                   {{0, 1}, {0, 2}, {1, 3}, {2, 3}})});
  Plan plan = place(problem, {{0, 0, 1, 0}});
  SimOptions options = closed(1);
  options.record_spans = true;
  SimResult result = simulate(problem, plan, options);
  EXPECT_DOUBLE_EQ(result.tenants[0].p50_ms, 6.0);
  bool saw_c = false;
  for (const Span& span : result.spans) {
    if (span.request == 0 && span.unit == 3) {
      saw_c = true;
      EXPECT_DOUBLE_EQ(span.start_ms, 1.5);
      EXPECT_DOUBLE_EQ(span.end_ms, 4.5);
      EXPECT_EQ(span.resource, 1);
    }
  }
  EXPECT_TRUE(saw_c);
  // Saturated: cpu:0 carries 4 ms a request, cpu:1 3 ms; pipelining reaches the bound.
  EXPECT_NEAR(simulate(problem, plan).period_ms, 4.0, 1e-9);
}

TEST(Simulator, TwoTenantsWithCopies) {
  // cpu:0 + cuda:0, links 0.1 ms + 1 GB/s (1e6 bytes per ms).
  Platform platform = test::cpu_gpu_platform(0.1, 1.0);
  Tenant first = make_tenant("first", platform, {{"a", {2, 9}, 1e6}, {"b", {9, 1}, 0}}, {{0, 1}});
  Tenant second = make_tenant("second", platform, {{"c", {9, 3}, 0}}, {});
  Problem problem = make_problem(platform, {first, second});
  Plan plan = place(problem, {{0, 1}, {1}});
  // Alone, first: a 2 ms, copy 0.1 + 1 ms, b 1 ms, copy back 0.1 ms = 4.2 ms.
  Problem alone = make_problem(platform, {first});
  EXPECT_NEAR(simulate(alone, place(alone, {{0, 1}}), closed(1)).tenants[0].p50_ms, 4.2, 1e-9);
  // Loads: cpu 2, cuda 1 + 3 = 4, cpu->cuda 1.1 + 0.1, cuda->cpu 0.1 + 0.1.
  Loads loads = compute_loads(problem, plan.placement);
  EXPECT_NEAR(loads.resource_ms[0], 2.0, 1e-12);
  EXPECT_NEAR(loads.resource_ms[1], 4.0, 1e-12);
  EXPECT_NEAR(loads.resource_ms[2], 1.2, 1e-12);
  EXPECT_NEAR(loads.resource_ms[3], 0.2, 1e-12);
  EXPECT_EQ(resource_name(problem, loads.busiest), "cuda:0");
  SimResult result = simulate(problem, plan);
  EXPECT_NEAR(result.period_ms, 4.0, 1e-9);
  EXPECT_NEAR(result.utilisation[1], 1.0, 1e-9);
}

TEST(Simulator, ClosedLoopRequestsGoFirstComeFirstServed) {
  // Two tenants, each three units on cpu:1 then three on cpu:0, two clients each. Served in
  // arrival order (as the runtime does), requests pipeline. Requests sent at the same moment
  // used to share an age, interleave unit by unit and cross to the other processor together:
  // 57% of the bound.
  Platform platform = test::cpu_platform(2);
  std::vector<test::UnitSpec> units;
  std::vector<std::pair<int, int>> chain;
  for (int u = 0; u < 6; ++u) {
    units.push_back({"u" + std::to_string(u), {1, 1}});
    if (u > 0) chain.emplace_back(u - 1, u);
  }
  Problem problem = make_problem(platform, {make_tenant("a", platform, units, chain),
                                            make_tenant("b", platform, units, chain)});
  Plan plan = place(problem, {{1, 1, 1, 0, 0, 0}, {1, 1, 1, 0, 0, 0}});
  SimResult result = simulate(problem, plan, closed(2));
  for (const auto& tenant : result.tenants)
    EXPECT_GT(tenant.throughput_per_s, 0.75 * 1000.0 / 6);  // bound: 3 ms per request each
  EXPECT_GT(result.utilisation[0], 0.75);
  EXPECT_GT(result.utilisation[1], 0.75);
}

// The input and output units have no work: like the runtime, the simulator completes them at
// once rather than queueing them behind another tenant's long unit on their processor.
TEST(Simulator, UnitsWithoutWorkDoNotQueue) {
  Platform platform = test::cpu_platform(2, 0.5);
  Tenant slow = make_tenant("slow", platform, {{"x", {10, 10}}}, {});
  Tenant quick = make_tenant("quick", platform, {{"y", {1, 1}}}, {});
  Problem problem = make_problem(platform, {slow, quick});
  SimResult result = simulate(problem, place(problem, {{0}, {1}}), closed(1));
  EXPECT_DOUBLE_EQ(result.tenants[0].p99_ms, 10.0);
  EXPECT_DOUBLE_EQ(result.tenants[1].p99_ms, 2.0);  // switch 0.5, y 1, switch 0.5
  EXPECT_NEAR(result.utilisation[0], 1.0, 1e-9);
}

// Saturate admits its rounds in flight at once: a processor with little slack takes dozens
// of rounds to drain that backlog, and the runtime measures after a warm-up of 0.5 s. So
// does the simulator: the light tenant's requests then find their processor idle.
TEST(Simulator, MeasuresOnceTheBacklogOfTheFirstRoundsHasDrained) {
  Platform platform = test::cpu_platform(2);
  Tenant heavy = make_tenant("heavy", platform, {{"x", {10, 10}}}, {});
  Tenant light = make_tenant("light", platform, {{"y", {9, 9}}}, {});
  Problem problem = make_problem(platform, {heavy, light});
  SimOptions options;
  options.inflight = 3;
  SimResult result = simulate(problem, place(problem, {{0}, {1}}), options);
  EXPECT_NEAR(result.period_ms, 10.0, 1e-9);
  EXPECT_NEAR(result.tenants[0].p99_ms, 30.0, 1e-9);  // three rounds of 10 ms
  EXPECT_NEAR(result.tenants[1].p99_ms, 9.0, 1e-9);   // the 27 ms backlog is gone
}

// The runtime gives a tenant one request context per run of units on one processor, so at
// most that many of its requests are in progress: here two, each 12 ms long (1 ms on each
// processor, two 5-ms switches), however many rounds are in flight.
TEST(Simulator, RequestsInProgressAreLimitedToTheTenantsContexts) {
  Platform platform = test::cpu_platform(2, 5.0);
  Problem problem = make_problem(
      platform, {make_tenant("a", platform, {{"x", {1, 1}}, {"y", {1, 1}}}, {{0, 1}})});
  SimOptions options;
  options.inflight = 8;
  SimResult result = simulate(problem, place(problem, {{0, 1}}), options);
  EXPECT_NEAR(result.period_ms, 6.0, 1e-9);              // not the 1 ms of each processor's load
  EXPECT_NEAR(result.tenants[0].p50_ms, 8 * 6.0, 1e-9);  // eight requests ahead, two at a time
}

// A stall pauses the processor: the request running there and every request queued behind
// it finish later by its length, where per-request jitter would slow one request only.
TEST(Simulator, StallsDelayEveryRequestQueuedOnTheProcessor) {
  Platform platform = test::cpu_platform(1);
  Problem problem = make_problem(platform, {make_tenant("a", platform, {{"x", {1}}}, {})});
  const Plan plan = place(problem, {{0}});
  SimOptions options;
  options.inflight = 4;
  options.measure_ms = 20000;
  SimResult steady = simulate(problem, plan, options);
  EXPECT_NEAR(steady.period_ms, 1.0, 1e-9);
  EXPECT_NEAR(steady.tenants[0].p99_ms, 4.0, 1e-9);
  EXPECT_GT(steady.measured_to_ms - steady.measured_from_ms, 19000);
  problem.platform.processors[0].stalls_per_s = 20;  // 5-ms stalls: 10% of the time
  problem.platform.processors[0].stall_ms = {5, 5};
  SimResult stalled = simulate(problem, plan, options);
  EXPECT_NEAR(stalled.period_ms, 1.11, 0.03);
  EXPECT_LT(stalled.tenants[0].p50_ms, 5.0);
  EXPECT_GT(stalled.tenants[0].p99_ms, 8.0);  // four requests wait out each stall
}

// A worker that sat idle wakes before it starts: a over 1 ms on cpu:0, b over 2 ms on cpu:1,
// one client. Each request finds cpu:0 idle for 3 ms and cpu:1 for 2 ms, both past the last
// point (1 ms idle: 0.25 ms later), so it takes 0.5 ms longer.
TEST(Simulator, AProcessorThatSatIdleStartsAfterItsWakeUp) {
  Platform platform = test::cpu_platform(2, 0.5);
  Problem problem = make_problem(
      platform, {make_tenant("t", platform, {{"a", {1, 1}}, {"b", {2, 2}}}, {{0, 1}})});
  const Plan plan = place(problem, {{0, 1}});
  EXPECT_NEAR(simulate(problem, plan, closed(1)).tenants[0].p50_ms, 4.0, 1e-9);
  EXPECT_NEAR(simulate(problem, plan).period_ms, 2.0, 1e-9);
  for (Processor& p : problem.platform.processors) {
    p.wake_idle_ms = {0.5, 1};
    p.wake_delay_ms = {0.2, 0.25};
  }
  const SimResult woken = simulate(problem, plan, closed(1));
  EXPECT_NEAR(woken.tenants[0].p50_ms, 4.5, 1e-9);
  EXPECT_NEAR(woken.utilisation[1], 2 / 4.5, 0.01);  // waking is not work
  // Saturated, the tenant's two contexts hold a request on each processor. The next one's a
  // now starts after cpu:0 wakes, and b after it, so cpu:1 waits between b's (none without
  // the wake-up: the next b is ready as the last one ends).
  const double period = simulate(problem, plan).period_ms;
  EXPECT_GT(period, 2.1);
  EXPECT_LT(period, 2.5);
}

TEST(Processor, WakeDelayIsLinearBetweenTheMeasuredPoints) {
  Processor p{.id = "cpu:0", .kind = "cpu"};
  EXPECT_EQ(p.wake_delay_after(3), 0);  // none measured
  p.wake_idle_ms = {0.5, 1};
  p.wake_delay_ms = {0.2, 0.25};
  EXPECT_DOUBLE_EQ(p.wake_delay_after(0), 0);
  EXPECT_DOUBLE_EQ(p.wake_delay_after(0.25), 0.1);  // from no delay at no idle
  EXPECT_DOUBLE_EQ(p.wake_delay_after(0.75), 0.225);
  EXPECT_DOUBLE_EQ(p.wake_delay_after(9), 0.25);
  Platform platform = test::cpu_platform(1);
  platform.processors[0].wake_idle_ms = {1, 0.5};
  platform.processors[0].wake_delay_ms = {0.1, 0.2};
  EXPECT_THROW(platform.finalize(), Error);  // idle spells out of order
  platform.processors[0].wake_idle_ms = {0.5};
  EXPECT_THROW(platform.finalize(), Error);  // one delay too many
  platform.processors[0].wake_delay_ms = {0.1};
  platform.finalize();
  EXPECT_EQ(platform_from_json(to_json(platform)).processors[0].wake_delay_ms,
            (std::vector<double>{0.1}));
}

TEST(Simulator, WeightsScaleTheRound) {
  Platform platform = test::cpu_platform(1);
  Tenant a = make_tenant("a", platform, {{"x", {1}}}, {});
  Tenant b = make_tenant("b", platform, {{"y", {3}}}, {});
  a.weight = 2;
  Problem problem = make_problem(platform, {a, b});
  SimResult result = simulate(problem, place(problem, {{0}, {0}}));
  EXPECT_NEAR(result.period_ms, 5.0, 1e-9);  // 2 x 1 + 3
  EXPECT_NEAR(result.tenants[0].throughput_per_s, 400.0, 1e-6);
  EXPECT_NEAR(result.weighted_throughput_per_s, 600.0, 1e-6);
}

TEST(Simulator, OpenLoopIsDeterministicForASeed) {
  Platform platform = test::cpu_platform(2, 0.01);
  Problem problem = make_problem(
      platform, {make_tenant("a", platform, {{"x", {1, 1}}, {"y", {1, 1}}}, {{0, 1}})});
  Plan plan = place(problem, {{0, 1}});
  SimOptions options;
  options.mode = "open";
  options.rate_per_s = 500;  // half the capacity
  SimResult one = simulate(problem, plan, options), two = simulate(problem, plan, options);
  EXPECT_EQ(one.tenants[0].p99_ms, two.tenants[0].p99_ms);
  EXPECT_EQ(one.events, two.events);
  EXPECT_NEAR(one.tenants[0].throughput_per_s, 500, 75);
  EXPECT_GE(one.tenants[0].p50_ms, 2.01 - 1e-9);
  options.seed = 2;
  EXPECT_NE(simulate(problem, plan, options).events, one.events);
}

TEST(Simulator, JitterScalesEachRequestsWorkByADraw) {
  Platform platform = test::cpu_platform(1);
  Problem problem =
      make_problem(platform, {make_tenant("a", platform, {{"x", {1}}, {"y", {2}}}, {{0, 1}})});
  Plan plan = place(problem, {{0, 0}});
  problem.platform.processors[0].jitter = {2, 2};  // every run twice as long
  EXPECT_DOUBLE_EQ(simulate(problem, plan, closed(1)).tenants[0].p50_ms, 6.0);
  EXPECT_NEAR(simulate(problem, plan).period_ms, 6.0, 1e-9);
  // Runs from half to twice as long: latencies spread over 1.5-6 ms, the same for a seed;
  // the period follows the mean factor (1.125).
  problem.platform.processors[0].jitter = {0.5, 1, 2};
  SimResult spread = simulate(problem, plan, closed(1));
  EXPECT_EQ(spread.tenants[0].p99_ms, simulate(problem, plan, closed(1)).tenants[0].p99_ms);
  EXPECT_GT(spread.tenants[0].p99_ms, 5.0);
  EXPECT_LE(spread.tenants[0].p99_ms, 6.0 + 1e-9);
  EXPECT_GT(spread.tenants[0].p50_ms, 2.0);
  EXPECT_LT(spread.tenants[0].p50_ms, 4.0);
  EXPECT_NEAR(simulate(problem, plan).period_ms, 3 * 1.125, 0.3);
  // Rounds in flight are chosen as without jitter (deeper queues would only absorb it).
  const int inflight = simulate(problem, plan).inflight;
  problem.platform.processors[0].jitter.clear();
  EXPECT_EQ(simulate(problem, plan).inflight, inflight);
}

TEST(Simulator, SloAttainment) {
  Platform platform = test::cpu_platform(1);
  Tenant a = make_tenant("a", platform, {{"x", {2}}}, {});
  a.slo_ms = 3;
  Problem problem = make_problem(platform, {a});
  Plan plan = place(problem, {{0}});
  SimResult one_client = simulate(problem, plan, closed(1));
  EXPECT_DOUBLE_EQ(one_client.tenants[0].slo_attainment, 1.0);
  EXPECT_TRUE(meets_slos(problem, one_client));
  SimResult two_clients = simulate(problem, plan, closed(2));  // every request waits 2 ms
  EXPECT_DOUBLE_EQ(two_clients.tenants[0].slo_attainment, 0.0);
  EXPECT_FALSE(meets_slos(problem, two_clients));
}

TEST(Simulator, RejectsBadPlansAndOptions) {
  Platform platform = test::cpu_gpu_platform(0.1, 1);
  Problem problem =
      make_problem(platform, {make_tenant("a", platform, {{"x", {1, kUnsupported}}}, {})});
  Plan plan = place(problem, {{1}});
  EXPECT_THROW(simulate(problem, plan), Error);
  plan = place(problem, {{0}});
  SimOptions options;
  options.mode = "sideways";
  EXPECT_THROW(simulate(problem, plan, options), Error);
}

}  // namespace
}  // namespace cosched

namespace cosched {
namespace {

// Between CPU groups a link's time is the receiver's: it reads the data out of the other
// cores' caches. The loads, the simulator and the optimum all charge it to the receiver.
TEST(ReceiverPays, CpuToCpuReadsCostTheReceivingProcessor) {
  Platform platform = test::cpu_platform(2);
  platform.links.push_back({0, 1, 0.0, 1.0});  // 1 GB/s: 1 MB costs 1 ms
  platform.links.push_back({1, 0, 0.0, 1.0});
  platform.finalize();
  ASSERT_TRUE(platform.links[0].receiver_pays);
  EXPECT_EQ(platform.copy_resource(0), 1);
  Problem problem = test::make_problem(
      platform, {test::make_tenant("t", platform, {{"a", {1, 1}, 1e6}, {"b", {1, 1}}}, {{0, 1}})});
  Placement placement = {{0, 0, 1, 1}};  // input, a on cpu:0; b, output on cpu:1
  const Loads loads = compute_loads(problem, placement);
  EXPECT_NEAR(loads.resource_ms[0], 1.0, 1e-9);
  EXPECT_NEAR(loads.resource_ms[1], 2.0, 1e-9);  // b plus reading a's output
  Plan plan = run_strategy("milp", problem, {});
  EXPECT_NEAR(*plan.bound_ms, 2.0, 1e-6);  // splitting saves nothing: one side reads 1 ms
  Plan split = plan;
  split.placement = placement;
  const SimResult sim = simulate(problem, split);
  EXPECT_NEAR(sim.period_ms, 2.0, 0.05);
  EXPECT_NEAR(sim.utilisation[1], 1.0, 0.03);
}

}  // namespace
}  // namespace cosched
