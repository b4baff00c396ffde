#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cos/graph/graph.h"

namespace cosched {

// The memory one kernel run reads and writes; the caller owns it. For a fused group
// (a node followed by the nodes fused into it), `inputs` lists the inputs of every node of
// the group in order, with nullptr for those produced inside the group and for absent
// optional inputs; `outputs` are the outputs of the group's last node (nullptr if unused).
struct KernelArgs {
  std::vector<const void*> inputs;
  std::vector<void*> outputs;
  // For a copy to the host: a fence queued after it is waited for before anything reads
  // what it writes (a runtime's device group), so it may return at once; else it returns
  // once the bytes are in host memory.
  bool fence_follows = false;
};

// A compiled node (or fused group): all choices (primitives, layouts, packed weights,
// scratch) are made when it is built; run() only computes. One run() at a time per
// kernel; the kernel lives as long as its owner (a GraphExecutor) and keeps no pointer
// into the Graph it was compiled from.
class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual void run(const KernelArgs& args) = 0;
  // How it runs, e.g. "ref" or "dnnl:brgconv:avx512_core"; shown by `cos infer --stats`.
  virtual std::string implementation() const = 0;
  // Inputs (constants) whose content it copied when it was built and never reads again:
  // their owner may free them.
  virtual std::vector<size_t> packed_inputs() const { return {}; }
};

// The kernels of one graph run, recorded once by a device backend and replayed with one
// launch per run (a CUDA graph): the same work without a launch per kernel.
class Recording {
 public:
  virtual ~Recording() = default;
  virtual void replay() = 0;
};

// The work a backend had queued when the fence was made: wait() returns once all of it has
// run, and throws where some of it failed.
class Fence {
 public:
  virtual ~Fence() = default;
  virtual void wait() = 0;
};

// A backend answers one narrow question (can it run this node?) and compiles nodes;
// where a node runs is decided elsewhere.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  virtual bool supports(const Graph& graph, const Node& node) const = 0;
  // Whether `next` (the only consumer of `node`'s first output, or of the group that
  // ends with `node`) can be fused into `group`.
  virtual bool can_fuse(const Graph& graph, std::span<const Node* const> group,
                        const Node& next) const {
    return false;
  }
  // Compiles `group` (a supported node, then the nodes fused into it).
  virtual std::unique_ptr<Kernel> compile(const Graph& graph,
                                          std::span<const Node* const> group) = 0;
  // Called before the nodes of `graph` are compiled, in order, for one executor;
  // `compiled_by[n]` is the backend that compiles node n (backends of one kind may hand
  // values to each other in layouts of their own; others get plain layout).
  virtual void begin(const Graph& graph, const std::vector<Backend*>& compiled_by) {}
  // After begin(): where this backend's kernels read `node`'s output in place in its first
  // input, so that no kernel runs it (its first byte there), else nullopt.
  virtual std::optional<int64_t> view_offset(const Graph& graph, const Node& node) const {
    return std::nullopt;
  }
  // When `node` is reached in compile order, after the producers of its inputs (each the last
  // output of a step this backend compiled): where in `node`'s output each input starts (bytes)
  // when its producer may write it there, so that `node` has nothing left to do (a Concat whose
  // inputs are whole runs of its output); else nullopt. The backend then keeps the output's
  // layout as if it had compiled `node`.
  virtual std::optional<std::vector<int64_t>> in_place_inputs(const Graph& graph,
                                                              const Node& node) {
    return std::nullopt;
  }
  // Makes the calling thread ready to compile and run this backend's kernels (thread
  // count, pinning); called before compile() and before each graph run.
  virtual void bind_thread() {}
  // Undoes bind_thread for the calling thread once it has compiled kernels that threads of
  // their own will run (its thread team ends, so no idle team competes with theirs).
  virtual void release_thread() {}

  // Where its kernels read and write. A host backend (the default) works in host memory;
  // a device backend allocates its arenas on the device, and the executor moves a run's
  // inputs and outputs with copy kernels (copies are steps of their own).
  virtual bool on_host() const { return true; }
  virtual void* allocate(size_t bytes);
  virtual void deallocate(void* pointer);
  // Host memory that this backend's copy kernels move fastest (pinned for a GPU).
  virtual void* allocate_host(size_t bytes) { return Backend::allocate(bytes); }
  virtual void deallocate_host(void* pointer) { Backend::deallocate(pointer); }
  // A kernel that copies `bytes` from host memory (args.inputs[0]) into this backend's
  // memory (args.outputs[0]), or back with `to_host`; only device backends have them.
  virtual std::unique_ptr<Kernel> copy_kernel(size_t bytes, bool to_host) { return nullptr; }
  // Waits until every kernel run so far has finished (device kernels run asynchronously).
  virtual void synchronize() {}
  // A fence after every kernel run so far, which another thread may wait on (a device's
  // worker goes on queueing meanwhile). By default: synchronize() now, a fence passed.
  virtual std::unique_ptr<Fence> fence();
  // Recording: where begin_recording() returns true, the kernels run until end_recording()
  // are only recorded, not run; end_recording() returns what replays them, or nullptr when
  // the recording failed. Host backends do not record. Neither call throws.
  virtual bool begin_recording() { return false; }
  virtual std::unique_ptr<Recording> end_recording() { return nullptr; }
};

}  // namespace cosched
