#pragma once

#include <memory>
#include <vector>

#include "cos/exec/graph_executor.h"
#include "cos/sched/plan.h"

namespace cosched {

// One tenant of a plan, compiled for the runtime: the nodes of each unit on the backend of
// the processor the plan gives the unit (fused only within the unit). Units of one request
// may run on several processors at once, so a value reuses another's memory only when the
// unit order puts every use of the one before every use of the other.
// Owns the executor; the backends must outlive it.
class TenantProgram {
 public:
  // `backends[p]` runs processor p of the problem's platform (one device backend at most
  // per tenant: its units' values live in a device arena, copies moving what crosses).
  TenantProgram(const Problem& problem, const Plan& plan, int tenant,
                const std::vector<Backend*>& backends, Backend& fallback);

  int units() const { return static_cast<int>(unit_steps_.size()); }
  const std::vector<size_t>& unit_steps(int unit) const { return unit_steps_[unit]; }
  // The units that run as one task from `unit` on, in order: on a device, `unit` and every
  // later unit of that device whose predecessors are all in the group, until a unit with a
  // successor elsewhere (or none) ends it. Their kernels are recorded and replayed together:
  // a device's units are mostly one op each, and a launch costs the host about what a
  // batch-1 kernel takes. A group depends on nothing outside but its first unit's
  // predecessors. Elsewhere, and for a unit inside a group, {unit}.
  const std::vector<int>& group(int unit) const { return groups_[unit]; }
  const std::vector<size_t>& group_steps(int unit) const { return group_steps_[unit]; }
  int head(int unit) const { return head_[unit]; }  // the first unit of its group
  // Whether what follows the group that `head` begins must wait until the group's kernels
  // have run, a device having only queued them: a unit elsewhere (or one without steps,
  // done as soon as it is due), or the request's end, whose context another request then
  // takes. A unit of the same device runs after them in the device's stream order anyway.
  bool waits_for_kernels(int head) const { return waits_for_kernels_[head]; }
  // Every step's arguments in a request context's arenas (GraphExecutor::args_in). A copy
  // to the host (in the device unit that writes its source) does not hold the device's
  // worker where its group's fence is waited on (the fence covers it).
  std::vector<KernelArgs> args_in(std::byte* arena, std::byte* device_arena) const;
  GraphExecutor& executor() { return *executor_; }
  const GraphExecutor& executor() const { return *executor_; }
  int64_t arena_bytes() const { return executor_->memory().peak; }  // host; the device's too

 private:
  // Every value a step reads from another unit's step must come from a unit the sched
  // graph says precedes it: else the runtime could run it too early.
  // `before[a][b]`: the plan orders unit a before unit b (directly or through others).
  void check_dependencies(const SchedGraph& graph,
                          const std::vector<std::vector<bool>>& before) const;

  std::unique_ptr<GraphExecutor> executor_;
  // Fills head_, groups_, group_steps_ and waits_for_kernels_.
  void find_groups(const SchedGraph& graph, const std::vector<int>& placement,
                   const std::vector<Backend*>& backends);

  std::vector<std::vector<size_t>> unit_steps_;  // per unit, its steps in order
  std::vector<int> step_unit_;
  std::vector<int> head_;
  std::vector<std::vector<int>> groups_;
  std::vector<std::vector<size_t>> group_steps_;
  std::vector<bool> waits_for_kernels_;  // by head
};

}  // namespace cosched
