#include "cos/runtime/tenant_program.h"

#include <algorithm>

#include "cos/common/error.h"
#include "cos/onnx/import.h"

namespace cosched {
namespace {

// before[a][b]: unit a is an ancestor of unit b, so it always ends before b starts. Units
// are in topological order, so a unit's predecessors are complete when it is reached.
std::vector<std::vector<bool>> ordered_units(const SchedGraph& sched) {
  const size_t n = sched.units.size();
  std::vector<std::vector<bool>> before(n, std::vector<bool>(n, false));
  for (size_t u = 0; u < n; ++u)
    for (int p : sched.preds[u]) {
      before[p][u] = true;
      for (int a = 0; a < p; ++a)
        if (before[a][p]) before[a][u] = true;
    }
  return before;
}

}  // namespace

TenantProgram::TenantProgram(const Problem& problem, const Plan& plan, int tenant,
                             const std::vector<Backend*>& backends, Backend& fallback) {
  const Tenant& t = problem.tenants[tenant];
  if (t.model.empty()) fail("tenant '{}': no model file (a synthetic tenant cannot run)", t.name);
  Graph graph = import_model(t.model);
  const SchedGraph& sched = t.graph;
  MixedPlacement placement;
  placement.backend.assign(graph.nodes.size(), nullptr);
  placement.group.assign(graph.nodes.size(), -1);
  for (size_t u = 0; u < sched.units.size(); ++u)
    for (int n : sched.units[u].nodes) {
      if (n < 0 || n >= static_cast<int>(graph.nodes.size()))
        fail("tenant '{}': unit '{}' names node {}, the model has {} (another import?)", t.name,
             sched.units[u].name, n, graph.nodes.size());
      placement.backend[n] = backends.at(plan.placement[tenant][u]);
      placement.group[n] = static_cast<int>(u);
    }
  for (size_t n = 0; n < graph.nodes.size(); ++n)
    if (!placement.backend[n] && !graph.nodes[n].is_view)
      fail("tenant '{}': node '{}' belongs to no unit of the plan", t.name, graph.nodes[n].name);
  for (auto& b : placement.backend)
    if (!b) b = backends.at(0);  // views: compiled by no backend
  placement.group_before = ordered_units(sched);
  executor_ = std::make_unique<GraphExecutor>(std::move(graph), placement, &fallback);
  unit_steps_.resize(sched.units.size());
  const auto& steps = executor_->steps();
  for (size_t s = 0; s < steps.size(); ++s) {
    const int unit = steps[s].group;
    unit_steps_[unit].push_back(s);
    step_unit_.push_back(unit);
  }
  check_dependencies(sched, placement.group_before);
  find_groups(sched, plan.placement[tenant], backends);
}

void TenantProgram::find_groups(const SchedGraph& graph, const std::vector<int>& placement,
                                const std::vector<Backend*>& backends) {
  const int n = units();
  auto on_device = [&](int u) { return !backends.at(placement[u])->on_host(); };
  // Whether a unit's successors all stay on its device (else its group ends with it); one
  // without steps counts as elsewhere: it is done at once, not in the device's stream order.
  auto stays = [&](int u) {
    return !graph.succs[u].empty() &&
           std::all_of(graph.succs[u].begin(), graph.succs[u].end(), [&](int s) {
             return placement[s] == placement[u] && !unit_steps_[s].empty();
           });
  };
  head_.assign(n, 0);
  std::vector<bool> open(n);  // by head: whether later units may join
  groups_.assign(n, {});
  group_steps_.assign(n, {});
  waits_for_kernels_.assign(n, false);
  for (int u = 0; u < n; ++u) {  // units are in topological order
    groups_[u] = {u};
    head_[u] = u;
    const auto& preds = graph.preds[u];
    const int h = preds.empty() ? -1 : head_[preds[0]];
    const bool joins =
        h >= 0 && open[h] && placement[h] == placement[u] &&
        std::all_of(preds.begin(), preds.end(), [&](int p) { return head_[p] == h; });
    if (joins) {
      head_[u] = h;
      groups_[h].push_back(u);
    }
    // A group starts at a device unit with steps (one without is done as soon as it is due).
    waits_for_kernels_[head_[u]] = !stays(u);
    open[head_[u]] = on_device(u) && !unit_steps_[head_[u]].empty() && stays(u);
  }
  for (int u = 0; u < n; ++u)
    for (int member : groups_[u])
      group_steps_[u].insert(group_steps_[u].end(), unit_steps_[member].begin(),
                             unit_steps_[member].end());
}

std::vector<KernelArgs> TenantProgram::args_in(std::byte* arena, std::byte* device_arena) const {
  std::vector<KernelArgs> args = executor_->args_in(arena, device_arena);
  const auto& steps = executor_->steps();
  for (size_t s = 0; s < steps.size(); ++s) {
    if (steps[s].to_host) args[s].fence_follows = waits_for_kernels(head(step_unit_[s]));
  }
  return args;
}

void TenantProgram::check_dependencies(const SchedGraph& sched,
                                       const std::vector<std::vector<bool>>& before) const {
  const Graph& graph = executor_->graph();
  const auto& steps = executor_->steps();
  const MemoryPlan& memory = executor_->memory();
  // Per root buffer: the units that write it and the bytes each writes. Several units write
  // parts of one buffer where a Concat's inputs are written in place, and a reader waits only
  // for the writers of the bytes it reads (a view starts inside what it views).
  struct Write {
    int unit;
    int64_t begin, end;
  };
  std::vector<std::vector<Write>> writes(graph.values.size());
  auto bytes_of = [&](int v) {
    return std::pair{memory.offset[v], memory.offset[v] + graph.values[v].bytes()};
  };
  for (size_t s = 0; s < steps.size(); ++s)
    for (int v : steps[s].access.writes)
      if (v >= 0 && memory.offset[v] >= 0) {
        const auto [begin, end] = bytes_of(v);
        writes[memory.root[v]].push_back({step_unit_[s], begin, end});
      }
  for (size_t s = 0; s < steps.size(); ++s)
    for (int v : steps[s].access.reads) {
      if (v < 0 || memory.offset[v] < 0) continue;
      const auto [begin, end] = bytes_of(v);
      const int to = step_unit_[s];
      for (const Write& w : writes[memory.root[v]]) {
        if (w.unit == to || w.end <= begin || end <= w.begin) continue;
        // A view the cpu backend reads in place (strided_views.h) is a unit without steps: its
        // reader reads what an earlier unit wrote, ordered before it through the view's unit.
        if (!before[w.unit][to])
          fail("unit '{}' reads '{}' of unit '{}', which the plan does not order before it",
               sched.units[to].name, graph.values[v].name, sched.units[w.unit].name);
      }
    }
}

}  // namespace cosched
