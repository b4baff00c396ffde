#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "cos/exec/kernel.h"
#include "cos/exec/memory_plan.h"
#include "cos/exec/recorded_steps.h"

namespace cosched {

// One kernel of a compiled graph: a node, or a node with the nodes fused into it.
struct ExecStep {
  std::vector<int> nodes;  // node indices, head first; empty for a copy (device backends)
  std::string backend;     // the backend that compiled it
  std::string implementation;
  bool fallback = false;  // the main backend does not support it: the fallback runs it
  StepAccess access;
  KernelArgs args;  // pointers into the arena and the constants
  std::unique_ptr<Kernel> kernel;
  Backend* runs_on = nullptr;  // the backend whose thread binding the kernel needs
  int group = -1;              // its group in a MixedPlacement (copies too); else -1
  bool to_host = false;        // a copy from the device to the host
};

// Where each node of a graph runs when its nodes run on several backends (host backends,
// which share memory, and at most one device backend): a backend per node (views follow
// their input), and a group per node:
// nodes fuse only with nodes of the same group and backend (the runtime's units). A group's
// steps run in order; groups may run concurrently unless `group_before[a][b]` says that
// group a always ends before group b starts: only then may b reuse a's memory.
struct MixedPlacement {
  std::vector<Backend*> backend;                // per node
  std::vector<int> group;                       // per node
  std::vector<std::vector<bool>> group_before;  // per pair of groups; empty: no order known
};

// Runs a whole Graph on one backend. The constructor compiles every node (on `backend`,
// or on `fallback` where a host `backend` does not support it), plans the memory and
// allocates the arena (in the backend's memory); run() then only runs kernels, and on a
// device backend also the copy steps that move inputs in and outputs out. Views alias their input.
// The executor owns the graph copy, the kernels and the arena; the backends must outlive it. One
// run() at a time.
class GraphExecutor {
 public:
  GraphExecutor(Graph graph, Backend& backend, Backend* fallback = nullptr);
  // Nodes on the backends `placement` gives, memory planned for steps that run concurrently
  // as the placement's group order allows (run_step on arenas of the caller's). With a
  // device backend among them, each value lives on the side whose step writes it (graph
  // inputs and outputs on the host), and copy steps of the device backend move what the
  // other side reads (see add_transfer_steps).
  GraphExecutor(Graph graph, const MixedPlacement& placement, Backend* fallback);
  ~GraphExecutor();
  GraphExecutor(const GraphExecutor&) = delete;
  GraphExecutor& operator=(const GraphExecutor&) = delete;

  // Inputs and outputs in the order of graph().inputs / outputs, in memory the caller
  // owns (each of its value's bytes). `step_ms`, when given, receives each step's time.
  void run(std::span<const void* const> inputs, std::span<void* const> outputs,
           std::vector<double>* step_ms = nullptr);
  // The same with tensors; checks dtypes and shapes (throws naming the input).
  std::vector<Tensor> run(const std::vector<Tensor>& inputs);

  const Graph& graph() const { return graph_; }
  const std::vector<ExecStep>& steps() const { return steps_; }
  const MemoryPlan& memory() const { return memory_; }

  // The device backend of a mixed placement (its values live in a device arena), or nullptr.
  Backend* device() const { return device_; }

  // For callers that keep arenas of their own (one per request in flight): each step's
  // args moved from this executor's arenas to `arena` (memory().peak bytes, host memory)
  // and `device_arena` (as many bytes of device() memory, when there is a device), the
  // place of a host value there (nullptr for constants), and one step run on such args.
  std::vector<KernelArgs> args_in(std::byte* arena, std::byte* device_arena = nullptr) const;
  std::byte* value_in(std::byte* arena, int value) const;
  void run_step(size_t step, const KernelArgs& args) { steps_[step].kernel->run(args); }

 private:
  // After `step` compiled: drops this executor's reference to each constant whose readers
  // are all compiled and all packed it (so a large model's weights are not held twice).
  void release_packed_constants(const ExecStep& step, std::vector<int>& pending,
                                std::vector<bool>& kept);
  // Whether the producers of `node`'s inputs may write them into its output (the backend
  // decides where; see Backend::in_place_inputs): each a step's only output, no graph input
  // or output, aliasing nothing, and every producer and reader compiled by node's backend.
  bool may_write_in_place(int node, const std::vector<Backend*>& compiled_by,
                          const std::vector<int>& alias) const;
  // For a device backend: a copy step per graph input (first) and output (last).
  void add_copy_steps(const std::vector<int>& alias);
  // For a mixed placement with a device backend: the copy steps between host and device
  // values, and the values they write (appended to the graph).
  void add_transfer_steps(std::vector<int>& alias);
  bool in_device_arena(int value) const;
  // Runs every step: from recordings where the backend makes them.
  void run_kernels(std::vector<double>* step_ms);
  // Compiles every node on backend_of(node) (fusing a node into its producer's step when
  // `fuses` allows; a step's group is its head's group_of), then plans the memory for the
  // step order `order_of` gives the compiled steps and allocates the arena.
  void compile(Backend* fallback, const std::function<Backend*(int)>& backend_of,
               const std::function<int(int)>& group_of, const std::function<bool(int, int)>& fuses,
               const std::function<StepOrder(const std::vector<ExecStep>&)>& order_of);
  void* arena_pointer(int value) const;
  const void* value_pointer(int value) const;

  Graph graph_;
  Backend& backend_;  // a host backend in a mixed placement: its memory holds the arena
  Backend* device_ = nullptr;
  std::vector<ExecStep> steps_;
  MemoryPlan memory_;
  std::byte* arena_ = nullptr;
  std::byte* device_arena_ = nullptr;  // as large as the arena; holds the device's values
  std::vector<bool> on_device_;        // per value: written by a device step
  RecordedSteps recorded_;             // untimed runs (a device backend's replayed)
  std::vector<size_t> all_steps_;      // 0, 1, ... for recorded_
};

}  // namespace cosched
