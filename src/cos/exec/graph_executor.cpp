#include "cos/exec/graph_executor.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <numeric>

#include "cos/common/error.h"

namespace cosched {
namespace {

// The first consumer of `value` outside `group`, or -1 (also for graph outputs).
int next_consumer(const Graph& graph, int value, const std::vector<int>& group) {
  if (graph.is_graph_output(value)) return -1;
  for (int c : graph.values[value].consumers)
    if (std::find(group.begin(), group.end(), c) == group.end()) return c;
  return -1;
}

// The longest prefix of `group` whose intermediate outputs are read only inside it (a
// fused group writes nothing but its last node's outputs).
size_t closed_prefix(const Graph& graph, const std::vector<int>& group) {
  for (size_t k = group.size(); k > 1; --k) {
    bool closed = true;
    for (size_t j = 0; j + 1 < k && closed; ++j)
      for (int v : graph.nodes[group[j]].outputs) {
        if (v < 0) continue;
        if (graph.is_graph_output(v)) closed = false;
        for (int c : graph.values[v].consumers)
          if (std::find(group.begin(), group.begin() + k, c) == group.begin() + k) closed = false;
      }
    if (closed) return k;
  }
  return 1;
}

// Whether every offset keeps the alignment the memory plan gives every buffer (kernels may
// rely on it).
bool aligned(const std::vector<int64_t>& offsets) {
  return std::all_of(offsets.begin(), offsets.end(),
                     [](int64_t offset) { return offset % MemoryPlan::alignment == 0; });
}

// Whether every input of `next` from outside `group` is ready before the group's head runs.
bool inputs_ready(const Graph& graph, const std::vector<int>& group, const Node& next,
                  const std::vector<bool>& viewed) {
  for (int v : next.inputs) {
    if (v < 0) continue;
    int producer = graph.values[v].producer;
    while (producer >= 0 && viewed[producer])  // a view is ready when what it views is
      producer = graph.values[graph.nodes[producer].inputs[0]].producer;
    if (producer < 0) continue;
    bool inside = std::find(group.begin(), group.end(), producer) != group.end();
    if (!inside && producer >= group.front()) return false;
  }
  return true;
}

// The backend whose memory holds a mixed placement's arena: its first host backend, else
// the (host) fallback.
Backend& host_of(const MixedPlacement& placement, Backend* fallback) {
  for (Backend* b : placement.backend)
    if (b->on_host()) return *b;
  if (!fallback || !fallback->on_host())
    fail("a placement without a host backend needs a fallback");
  return *fallback;
}

// The one device backend of a mixed placement, or nullptr.
Backend* device_of(const MixedPlacement& placement, const std::string& graph) {
  Backend* device = nullptr;
  for (Backend* b : placement.backend)
    if (!b->on_host()) {
      if (device && device != b)
        fail("graph '{}': {} and {} are both device backends (one per executor so far)", graph,
             device->name(), b->name());
      device = b;
    }
  return device;
}

// The value whose buffer `value` shares (following views), or itself.
int alias_root(const std::vector<int>& alias, int value) {
  while (alias[value] != value) value = alias[value];
  return value;
}

// A copy step of the device backend `device` moving `bytes` to the host, or from it.
ExecStep copy_step(Backend& device, StepAccess access, int64_t bytes, bool to_host) {
  ExecStep step;
  step.backend = device.name();
  step.runs_on = &device;
  step.access = std::move(access);
  step.to_host = to_host;
  step.kernel = device.copy_kernel(bytes, to_host);
  if (!step.kernel) fail("backend {}: no copy kernel", device.name());
  step.implementation = step.kernel->implementation();
  return step;
}

}  // namespace

GraphExecutor::GraphExecutor(Graph graph, Backend& backend, Backend* fallback)
    : graph_(std::move(graph)), backend_(backend) {
  compile(
      fallback, [&](int) { return &backend_; }, [](int) { return -1; },
      [](int, int) { return true; },
      [](const std::vector<ExecStep>&) { return StepOrder(sequential); });
}

GraphExecutor::GraphExecutor(Graph graph, const MixedPlacement& placement, Backend* fallback)
    : graph_(std::move(graph)), backend_(host_of(placement, fallback)) {
  if (placement.backend.size() != graph_.nodes.size() ||
      placement.group.size() != graph_.nodes.size())
    fail("graph '{}': a placement of {} nodes for {} nodes", graph_.name, placement.backend.size(),
         graph_.nodes.size());
  device_ = device_of(placement, graph_.name);
  compile(
      fallback, [&](int node) { return placement.backend[node]; },
      [&](int node) { return placement.group[node]; },
      [&](int head, int next) {
        return placement.group[head] == placement.group[next] &&
               placement.backend[head] == placement.backend[next];
      },
      [&](const std::vector<ExecStep>& steps) -> StepOrder {
        std::vector<int> group;  // per step
        for (const ExecStep& step : steps) group.push_back(step.group);
        return [group, &before = placement.group_before](int a, int b) {
          if (group[a] == group[b]) return a < b;
          return !before.empty() && group[a] >= 0 && group[b] >= 0 && before[group[a]][group[b]];
        };
      });
}

void GraphExecutor::compile(
    Backend* fallback, const std::function<Backend*(int)>& backend_of,
    const std::function<int(int)>& group_of, const std::function<bool(int, int)>& fuses,
    const std::function<StepOrder(const std::vector<ExecStep>&)>& order_of) {
  std::vector<Backend*> compiled_by(graph_.nodes.size()), begun;
  for (size_t n = 0; n < compiled_by.size(); ++n) compiled_by[n] = backend_of(static_cast<int>(n));
  for (Backend* b : compiled_by) {
    if (std::find(begun.begin(), begun.end(), b) != begun.end()) continue;
    b->bind_thread();
    b->begin(graph_, compiled_by);
    begun.push_back(b);
  }
  Backend* bound = nullptr;
  const size_t n_values = graph_.values.size();
  std::vector<int> alias(n_values);
  std::iota(alias.begin(), alias.end(), 0);
  std::vector<int64_t> alias_offset(n_values, 0);
  std::vector<bool> done(graph_.nodes.size(), false);
  // Per constant: the node inputs not compiled yet, and whether it must stay (a graph output,
  // or read unpacked by a compiled kernel). Views never compile: what they alias stays.
  std::vector<int> pending(n_values, 0);
  std::vector<bool> kept(n_values, false);
  for (const Node& node : graph_.nodes)
    for (int v : node.inputs)
      if (v >= 0) ++pending[v];
  for (int v : graph_.outputs) kept[v] = true;
  // Views: the graph's, and nodes whose output a backend reads in place in their input.
  std::vector<bool> viewed(graph_.nodes.size());
  for (size_t i = 0; i < graph_.nodes.size(); ++i) {
    Node& node = graph_.nodes[i];
    viewed[i] = node.is_view;
    if (auto offset = node.is_view ? std::nullopt : compiled_by[i]->view_offset(graph_, node)) {
      node.view_offset = *offset;
      viewed[i] = true;
    }
  }
  for (size_t i = 0; i < graph_.nodes.size(); ++i) {
    if (done[i]) continue;
    const Node& head = graph_.nodes[i];
    if (viewed[i]) {
      alias[head.outputs[0]] = head.inputs[0];
      alias_offset[head.outputs[0]] = head.view_offset;
      continue;
    }
    if (may_write_in_place(static_cast<int>(i), compiled_by, alias))
      if (auto offsets = compiled_by[i]->in_place_inputs(graph_, head);
          offsets && aligned(*offsets)) {
        for (size_t k = 0; k < head.inputs.size(); ++k) {
          alias[head.inputs[k]] = head.outputs[0];
          alias_offset[head.inputs[k]] = (*offsets)[k];
        }
        done[i] = true;
        continue;
      }
    ExecStep step;
    step.nodes = {static_cast<int>(i)};
    step.group = group_of(static_cast<int>(i));
    Backend& main = *backend_of(static_cast<int>(i));
    if (bound != &main) main.bind_thread();  // compile-time timing runs on its cores
    bound = &main;
    Backend* chosen = &main;
    if (!main.supports(graph_, head)) {
      // A fallback works in host memory: it cannot stand in for a device backend.
      if (!fallback || !main.on_host() || !fallback->supports(graph_, head))
        fail("node '{}' ({}): {} does not support it", head.name, head.op,
             fallback && main.on_host() ? "no backend" : main.name());
      chosen = fallback;
      step.fallback = true;
    }
    step.runs_on = &main;
    std::vector<const Node*> group = {&head};
    while (!step.fallback) {
      int next = next_consumer(graph_, graph_.nodes[step.nodes.back()].outputs[0], step.nodes);
      if (next < 0 || !fuses(static_cast<int>(i), next) ||
          !inputs_ready(graph_, step.nodes, graph_.nodes[next], viewed) ||
          !main.can_fuse(graph_, group, graph_.nodes[next]))
        break;
      step.nodes.push_back(next);
      group.push_back(&graph_.nodes[next]);
    }
    step.nodes.resize(closed_prefix(graph_, step.nodes));
    group.resize(step.nodes.size());
    for (int n : step.nodes) done[n] = true;
    for (const Node* node : group)
      for (int v : node->inputs) {
        bool internal = v >= 0 && node != group.front() &&
                        std::find(step.nodes.begin(), step.nodes.end(),
                                  graph_.values[v].producer) != step.nodes.end();
        step.access.reads.push_back(internal ? -1 : v);
      }
    step.access.writes = group.back()->outputs;
    step.kernel = chosen->compile(graph_, group);
    step.backend = chosen->name();
    step.implementation = step.kernel->implementation();
    release_packed_constants(step, pending, kept);
    steps_.push_back(std::move(step));
  }
  if (!backend_.on_host()) add_copy_steps(alias);
  if (device_) add_transfer_steps(alias);
  alias_offset.resize(alias.size(), 0);  // the transfers' copies alias nothing
  std::vector<StepAccess> accesses;
  for (const auto& step : steps_) accesses.push_back(step.access);
  memory_ = plan_memory(graph_, accesses, alias, alias_offset, order_of(steps_));
  arena_ = static_cast<std::byte*>(
      backend_.allocate(std::max<int64_t>(memory_.peak, MemoryPlan::alignment)));
  if (device_)
    device_arena_ = static_cast<std::byte*>(
        device_->allocate(std::max<int64_t>(memory_.peak, MemoryPlan::alignment)));
  for (auto& step : steps_) {
    for (int v : step.access.reads) step.args.inputs.push_back(value_pointer(v));
    for (int v : step.access.writes)
      step.args.outputs.push_back(v < 0 ? nullptr : arena_pointer(v));
    if (step.nodes.empty()) {  // a copy: its host side is set by each run
      step.args.inputs.resize(1);
      step.args.outputs.resize(1);
    }
  }
  all_steps_.resize(steps_.size());
  std::iota(all_steps_.begin(), all_steps_.end(), size_t{0});
}

bool GraphExecutor::may_write_in_place(int node, const std::vector<Backend*>& compiled_by,
                                       const std::vector<int>& alias) const {
  const Node& n = graph_.nodes[node];
  Backend* backend = compiled_by[node];
  if (!backend->on_host() || n.outputs.size() != 1) return false;
  // Everything that touches the memory is this backend's: no copy to a device reads it, and
  // no other backend (or the fallback, for a node it does not support) reads a layout it did
  // not choose.
  auto all_here = [&](int value) {
    const Value& v = graph_.values[value];
    return std::all_of(v.consumers.begin(), v.consumers.end(), [&](int c) {
      return compiled_by[c] == backend &&
             (graph_.nodes[c].is_view || backend->supports(graph_, graph_.nodes[c]));
    });
  };
  if (!all_here(n.outputs[0])) return false;
  for (int v : n.inputs) {
    if (v < 0 || alias[v] != v || graph_.is_graph_output(v) || graph_.values[v].is_constant() ||
        std::count(n.inputs.begin(), n.inputs.end(), v) != 1 || !all_here(v))
      return false;
    // The last output of a step this backend compiled (not the fallback).
    auto writes = [&](const ExecStep& step) {
      return step.access.writes.size() == 1 && step.access.writes[0] == v;
    };
    auto step = std::find_if(steps_.begin(), steps_.end(), writes);
    if (step == steps_.end() || step->fallback || step->runs_on != backend) return false;
  }
  return true;
}

GraphExecutor::~GraphExecutor() {
  backend_.deallocate(arena_);
  if (device_) device_->deallocate(device_arena_);
}

void GraphExecutor::add_copy_steps(const std::vector<int>& alias) {
  // Each copy names only its device side: run() sets the host side.
  std::vector<ExecStep> copies_in;
  for (int v : graph_.inputs)
    copies_in.push_back(copy_step(backend_, {{}, {v}}, graph_.values[v].bytes(), false));
  steps_.insert(steps_.begin(), std::make_move_iterator(copies_in.begin()),
                std::make_move_iterator(copies_in.end()));
  for (int v : graph_.outputs) {
    // A constant output stays in host memory: run() copies it from there.
    if (!graph_.values[alias_root(alias, v)].is_constant())
      steps_.push_back(copy_step(backend_, {{v}, {}}, graph_.values[v].bytes(), true));
  }
}

// Each value lives on the side of the step that writes it (graph inputs on the host). A
// step that reads a value of the other side reads a copy: onto the device one per value and
// reading group, made right before the group's first reader (the groups may run apart);
// onto the host one per value, made right after the step that writes it, also for graph
// outputs, which the caller reads on the host. Copies run on the device backend, in the
// group of the step they precede or follow. This executor's host arena is pageable memory,
// so a copy to the device has read it by the time the copy step returns; a caller's pinned
// arena needs the device synchronized before the memory a copy reads is reused.
void GraphExecutor::add_transfer_steps(std::vector<int>& alias) {
  auto root = [&](int v) { return alias_root(alias, v); };
  const size_t n_steps = steps_.size();
  std::vector<int> writer(graph_.values.size(), -1);
  on_device_.assign(graph_.values.size(), false);
  for (size_t s = 0; s < n_steps; ++s)
    for (int v : steps_[s].access.writes)
      if (v >= 0) {
        writer[v] = static_cast<int>(s);
        on_device_[v] = !steps_[s].runs_on->on_host();
      }
  auto transfer = [&](int of, bool to_host, int group) {
    Value copy;
    copy.name = fmt::format("{}@{}", graph_.values[of].name, to_host ? "host" : device_->name());
    copy.dtype = graph_.values[of].dtype;
    copy.shape = graph_.values[of].shape;
    copy.has_shape = graph_.values[of].has_shape;
    const int written = static_cast<int>(graph_.values.size());
    graph_.values.push_back(std::move(copy));
    alias.push_back(written);
    on_device_.push_back(!to_host);
    ExecStep step = copy_step(*device_, {{of}, {written}}, graph_.values[of].bytes(), to_host);
    step.group = group;
    return step;
  };
  std::vector<std::vector<ExecStep>> before(n_steps), after(n_steps);
  std::map<int, int> on_host;                    // value: its copy on the host
  std::map<std::pair<int, int>, int> on_device;  // (value, group): its copy on the device
  auto host_copy = [&](int v) {
    auto [at, fresh] = on_host.try_emplace(v, -1);
    if (fresh) {
      const int w = writer[root(v)];
      after[w].push_back(transfer(v, true, steps_[w].group));
      at->second = after[w].back().access.writes[0];
    }
    return at->second;
  };
  auto crosses = [&](int v, bool device_side) {
    return v >= 0 && !graph_.values[root(v)].is_constant() && on_device_[root(v)] != device_side;
  };
  for (size_t s = 0; s < n_steps; ++s) {
    const bool device_step = !steps_[s].runs_on->on_host();
    const int group = steps_[s].group;
    for (int& v : steps_[s].access.reads) {
      if (!crosses(v, device_step)) continue;
      if (!device_step) {
        v = host_copy(v);
        continue;
      }
      auto [at, fresh] = on_device.try_emplace({v, group}, -1);
      if (fresh) {
        before[s].push_back(transfer(v, false, group));
        at->second = before[s].back().access.writes[0];
      }
      v = at->second;
    }
  }
  for (int& v : graph_.outputs)
    if (crosses(v, false)) v = host_copy(v);
  std::vector<ExecStep> steps;
  for (size_t s = 0; s < n_steps; ++s) {
    for (auto& copy : before[s]) steps.push_back(std::move(copy));
    steps.push_back(std::move(steps_[s]));
    for (auto& copy : after[s]) steps.push_back(std::move(copy));
  }
  steps_ = std::move(steps);
}

bool GraphExecutor::in_device_arena(int value) const {
  return device_ && on_device_[memory_.root[value]];
}

void GraphExecutor::release_packed_constants(const ExecStep& step, std::vector<int>& pending,
                                             std::vector<bool>& kept) {
  const std::vector<size_t> packed = step.kernel->packed_inputs();
  for (size_t i = 0; i < step.access.reads.size(); ++i) {
    const int v = step.access.reads[i];
    if (v < 0 || !graph_.values[v].is_constant()) continue;
    if (std::find(packed.begin(), packed.end(), i) == packed.end()) kept[v] = true;
    if (--pending[v] == 0 && !kept[v])
      graph_.values[v].data.reset();  // frees the weights unless the caller's graph shares them
  }
}

void* GraphExecutor::arena_pointer(int value) const {
  int64_t offset = memory_.offset[value];
  if (offset < 0) return nullptr;
  return (in_device_arena(value) ? device_arena_ : arena_) + offset;
}

const void* GraphExecutor::value_pointer(int value) const {
  if (value < 0) return nullptr;
  const Value& root = graph_.values[memory_.root[value]];
  if (root.is_constant()) return root.data->bytes.data() + memory_.view_offset[value];
  return arena_pointer(value);
}

void GraphExecutor::run(std::span<const void* const> inputs, std::span<void* const> outputs,
                        std::vector<double>* step_ms) {
  if (inputs.size() != graph_.inputs.size() || outputs.size() != graph_.outputs.size())
    fail("graph '{}': {} inputs and {} outputs expected", graph_.name, graph_.inputs.size(),
         graph_.outputs.size());
  backend_.bind_thread();
  const bool on_host = backend_.on_host();
  auto index_of = [](const std::vector<int>& values, int v) {
    return std::find(values.begin(), values.end(), v) - values.begin();
  };
  for (auto& step : steps_) {
    if (on_host || !step.nodes.empty()) continue;  // a copy step: it moves this run's memory
    if (step.access.writes.empty())
      step.args.outputs[0] = outputs[index_of(graph_.outputs, step.access.reads[0])];
    else
      step.args.inputs[0] = inputs[index_of(graph_.inputs, step.access.writes[0])];
  }
  for (size_t i = 0; i < inputs.size() && on_host; ++i) {
    int v = graph_.inputs[i];
    if (void* at = arena_pointer(v)) std::memcpy(at, inputs[i], graph_.values[v].bytes());
  }
  if (step_ms) step_ms->assign(steps_.size(), 0.0);
  run_kernels(step_ms);
  backend_.synchronize();
  if (device_) device_->synchronize();
  for (size_t i = 0; i < outputs.size(); ++i) {
    int v = graph_.outputs[i];
    if (on_host || graph_.values[memory_.root[v]].is_constant())
      std::memcpy(outputs[i], value_pointer(v), graph_.values[v].bytes());
  }
}

void GraphExecutor::run_kernels(std::vector<double>* step_ms) {
  Backend* bound = &backend_;  // run() bound it
  auto run_step = [&](size_t s) {
    auto start = std::chrono::steady_clock::now();
    if (steps_[s].runs_on != bound) (bound = steps_[s].runs_on)->bind_thread();
    steps_[s].kernel->run(steps_[s].args);
    if (step_ms) {
      steps_[s].runs_on->synchronize();  // a device kernel has only been queued
      (*step_ms)[s] =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count();
    }
  };
  if (step_ms) {  // timed runs launch kernel by kernel
    for (size_t s = 0; s < steps_.size(); ++s) run_step(s);
    return;
  }
  recorded_.run(backend_, steps_, all_steps_, run_step);
}

std::vector<KernelArgs> GraphExecutor::args_in(std::byte* arena, std::byte* device_arena) const {
  if (device_ && !device_arena)
    fail("graph '{}': its device values need a device arena", graph_.name);
  auto moved = [&](auto* pointer) -> decltype(pointer) {
    auto* at = reinterpret_cast<const std::byte*>(pointer);
    if (!pointer) return pointer;
    if (at >= arena_ && at < arena_ + memory_.peak)
      return reinterpret_cast<decltype(pointer)>(arena + (at - arena_));
    if (device_ && at >= device_arena_ && at < device_arena_ + memory_.peak)
      return reinterpret_cast<decltype(pointer)>(device_arena + (at - device_arena_));
    return pointer;  // a constant
  };
  std::vector<KernelArgs> all;
  for (const auto& step : steps_) {
    KernelArgs args = step.args;
    for (auto& p : args.inputs) p = moved(p);
    for (auto& p : args.outputs) p = moved(p);
    all.push_back(std::move(args));
  }
  return all;
}

std::byte* GraphExecutor::value_in(std::byte* arena, int value) const {
  if (in_device_arena(value))
    fail("value '{}' is in device memory, not in the host arena", graph_.values[value].name);
  const int64_t offset = memory_.offset[value];
  return offset < 0 ? nullptr : arena + offset;
}

std::vector<Tensor> GraphExecutor::run(const std::vector<Tensor>& inputs) {
  if (inputs.size() != graph_.inputs.size())
    fail("graph '{}': {} inputs given, {} expected", graph_.name, inputs.size(),
         graph_.inputs.size());
  std::vector<const void*> in;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Value& v = graph_.values[graph_.inputs[i]];
    if (inputs[i].dtype != v.dtype || inputs[i].shape != v.shape)
      fail("input '{}': {} {} given, {} {} expected", v.name, dtype_name(inputs[i].dtype),
           shape_string(inputs[i].shape), dtype_name(v.dtype), shape_string(v.shape));
    in.push_back(inputs[i].bytes.data());
  }
  std::vector<Tensor> results;
  std::vector<void*> out;
  for (int v : graph_.outputs)
    results.push_back(make_tensor(graph_.values[v].dtype, graph_.values[v].shape));
  for (auto& t : results) out.push_back(t.bytes.data());
  run(in, out);
  return results;
}

}  // namespace cosched
