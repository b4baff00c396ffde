#include "support/sched_support.h"

#include <fmt/format.h>

namespace cosched::test {

Platform cpu_platform(int n, double switch_ms) {
  Platform platform;
  for (int i = 0; i < n; ++i) platform.processors.push_back({fmt::format("cpu:{}", i), "cpu"});
  platform.switch_latency_ms = switch_ms;
  platform.finalize();
  return platform;
}

Platform cpu_gpu_platform(double latency_ms, double bandwidth_gbps, double switch_ms) {
  Platform platform;
  platform.processors = {{"cpu:0", "cpu"}, {"cuda:0", "cuda"}};
  platform.links = {{0, 1, latency_ms, bandwidth_gbps}, {1, 0, latency_ms, bandwidth_gbps}};
  platform.switch_latency_ms = switch_ms;
  platform.finalize();
  return platform;
}

Tenant make_tenant(const std::string& name, const Platform& platform,
                   const std::vector<UnitSpec>& units,
                   const std::vector<std::pair<int, int>>& edges, double input_bytes) {
  Tenant tenant;
  tenant.name = name;
  SchedGraph& graph = tenant.graph;
  graph.name = name;
  std::vector<double> io;
  for (const auto& p : platform.processors) io.push_back(p.is_host() ? 0.0 : kUnsupported);
  graph.units.push_back({"input", "io", io, input_bytes, {}});
  for (const auto& spec : units)
    graph.units.push_back({spec.name, "op", spec.cost_ms, spec.out_bytes, {}});
  int output = static_cast<int>(graph.units.size());
  graph.units.push_back({"output", "io", io, 0, {}});
  std::vector<bool> has_pred(units.size()), has_succ(units.size());
  for (auto [from, to] : edges) {
    graph.edges.push_back({from + 1, to + 1});
    has_succ[from] = has_pred[to] = true;
  }
  for (size_t u = 0; u < units.size(); ++u) {
    if (!has_pred[u]) graph.edges.push_back({0, static_cast<int>(u) + 1});
    if (!has_succ[u]) graph.edges.push_back({static_cast<int>(u) + 1, output});
  }
  graph.finalize(platform.processors.size());
  return tenant;
}

Problem make_problem(Platform platform, std::vector<Tenant> tenants) {
  Problem problem;
  problem.name = "test";
  problem.platform = std::move(platform);
  problem.tenants = std::move(tenants);
  return problem;
}

Problem conv_and_depthwise_problem() {
  Platform platform = cpu_gpu_platform(0.01, 12);
  Tenant a =
      make_tenant("a", platform, {{"conv1", {4, 0.4}, 1e5}, {"conv2", {4, 0.4}, 1e5}}, {{0, 1}});
  Tenant b = make_tenant("b", platform, {{"dw1", {1, 0.8}, 1e5}, {"dw2", {1, 0.8}, 1e5}}, {{0, 1}});
  return make_problem(platform, {a, b});
}

}  // namespace cosched::test
