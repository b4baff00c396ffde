#include "cos/profile/profile_costs.h"

#include <algorithm>

#include "cos/common/error.h"
#include "cos/exec/cpu/core_set.h"
#include "cos/profile/check.h"
#include "cos/profile/op_signature.h"
#include "cos/sched/sched_graph.h"

namespace cosched {

void check_profile_platform(const Profile& profile, const std::string& profile_label,
                            const Platform& platform) {
  std::string signature = platform_signature(platform);
  if (signature != profile.platform_signature)
    fail(
        "{}: made for another platform (signature {}, host '{}'), not this one (signature {}, "
        "host '{}'); profile again with this platform",
        profile_label, profile.platform_signature, profile.platform.host, signature, platform.host);
}

void apply_profile_measurements(const Profile& profile, Platform& platform) {
  for (const LinkProfile& measured : profile.links) {
    if (measured.estimated) continue;
    int link = platform.link_between(platform.processor_index(measured.from),
                                     platform.processor_index(measured.to));
    if (link < 0) continue;
    platform.links[link].latency_ms = measured.latency_ms;
    platform.links[link].bandwidth_gbps = measured.bandwidth_gbps;
    platform.links[link].estimated = false;
  }
  if (profile.switch_latency_ms) platform.switch_latency_ms = *profile.switch_latency_ms;
  for (Processor& processor : platform.processors)
    for (const Processor& measured : profile.platform.processors) {
      if (measured.id != processor.id || measured.estimated) continue;
      if (!measured.jitter.empty()) processor.jitter = measured.jitter;
      processor.stalls_per_s = measured.stalls_per_s;
      processor.stall_ms = measured.stall_ms;
      if (!measured.wake_idle_ms.empty()) {
        processor.wake_idle_ms = measured.wake_idle_ms;
        processor.wake_delay_ms = measured.wake_delay_ms;
      }
    }
}

namespace {

// Two cpu processors sharing a core (cpu:0 and cpu:0-1) never run side by side in a plan's
// steady state as measured: one would take the other's core.
bool share_cores(const std::string& a, const std::string& b) {
  if (a.rfind("cpu:", 0) != 0 || b.rfind("cpu:", 0) != 0) return false;
  const std::vector<int> x = CoreSet::parse_any(a).cores, y = CoreSet::parse_any(b).cores;
  return std::any_of(x.begin(), x.end(),
                     [&](int core) { return std::find(y.begin(), y.end(), core) != y.end(); });
}

}  // namespace

double concurrent_slowdown(const Profile& profile, const std::string& processor,
                           const Platform& platform) {
  double factor = 1;
  for (const Slowdown& s : profile.slowdowns)
    if (s.processor == processor && !share_cores(s.processor, s.busy)) {
      for (const Processor& other : platform.processors)
        if (other.id == s.busy) factor = std::max(factor, s.factor);
    }
  return factor;
}

std::vector<std::vector<double>> profile_node_costs(const Profile& profile,
                                                    const std::string& profile_label,
                                                    const Platform& platform, const Graph& graph,
                                                    const std::string& model_path,
                                                    const std::string& model_hash) {
  const ProfiledModel& model = profiled_model(profile, profile_label, model_path, model_hash);
  std::vector<std::vector<double>> costs(platform.processors.size());
  for (size_t p = 0; p < platform.processors.size(); ++p) {
    const Processor& processor = platform.processors[p];
    auto steps = model.steps.find(processor.id);
    if (steps == model.steps.end()) {
      if (processor.estimated) continue;
      fail("{}: no costs of model {} on processor {}, which is not marked estimated", profile_label,
           model_path, processor.id);
    }
    costs[p].assign(graph.nodes.size(), 0.0);
    const double slowdown = concurrent_slowdown(profile, processor.id, platform);
    for (size_t s = 0; s < steps->second.size(); ++s) {
      const ProfiledStep& step = steps->second[s];
      for (int n : step.nodes)
        if (n < 0 || n >= static_cast<int>(graph.nodes.size()))
          fail("{}: model {} step {} names node {}, the graph has {}", profile_label, model_path, s,
               n, graph.nodes.size());
      if (op_signature(graph, step.nodes).key != step.key)
        fail(
            "{}: model {} step {} ({}) is not the op that was profiled (imported with other "
            "--shape values?)",
            profile_label, model_path, s, graph.nodes[step.nodes.front()].name);
      const OpCost& cost = profile.ops.at(step.key).costs.at(processor.id);
      costs[p][step.nodes.front()] = cost.unsupported ? kUnsupported : cost.mean_ms * slowdown;
    }
  }
  return costs;
}

std::vector<std::vector<int>> profile_fused_steps(const Profile& profile,
                                                  const std::string& profile_label,
                                                  const Graph& graph, const std::string& model_path,
                                                  const std::string& model_hash) {
  const ProfiledModel& model = profiled_model(profile, profile_label, model_path, model_hash);
  std::vector<std::vector<int>> fused;
  for (const auto& [processor, steps] : model.steps)
    for (const ProfiledStep& step : steps) {
      if (step.nodes.size() < 2) continue;
      for (int n : step.nodes)
        if (n < 0 || n >= static_cast<int>(graph.nodes.size()))
          fail("{}: model {} on {} fuses node {}, the graph has {}", profile_label, model_path,
               processor, n, graph.nodes.size());
      fused.push_back(step.nodes);
    }
  return fused;
}

}  // namespace cosched
