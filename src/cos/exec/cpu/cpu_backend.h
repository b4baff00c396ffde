#pragma once

#include <map>
#include <string>
#include <unordered_map>

#include "cos/exec/cpu/core_set.h"
#include "cos/exec/cpu/dnnl_kernel.h"
#include "cos/exec/cpu/dnnl_ops.h"
#include "cos/exec/reference/reference_backend.h"

namespace cosched {

// The `cpu` backend: oneDNN primitives on one core set, threads pinned to its cores.
// Conv and Gemm/MatMul fuse a following residual/bias Add and activations; where oneDNN
// has several good layouts, compile() times each once and remembers the fastest by op
// signature and thread count (kept on disk: kernel_choices.h). Ops without a oneDNN primitive run
// the reference kernel, and say so in their implementation ("ref").
class CpuBackend : public Backend {
 public:
  explicit CpuBackend(CoreSet cores);

  std::string name() const override { return "cpu"; }
  bool supports(const Graph& graph, const Node& node) const override;
  bool can_fuse(const Graph& graph, std::span<const Node* const> group,
                const Node& next) const override;
  std::unique_ptr<Kernel> compile(const Graph& graph, std::span<const Node* const> group) override;
  void bind_thread() override;
  void release_thread() override { release_threads(); }
  // Plans the strided views (strided_views.h) of the nodes this backend compiles.
  void begin(const Graph& graph, const std::vector<Backend*>& compiled_by) override;
  std::optional<int64_t> view_offset(const Graph& graph, const Node& node) const override;
  // A Concat of inputs that are whole runs of its output (batch 1, on channels, plain or in
  // whole channel blocks): the convolutions write their outputs in place and nothing copies
  // (squeezenet's eight concats took 0.8 ms of 8.7 on two threads).
  std::optional<std::vector<int64_t>> in_place_inputs(const Graph& graph,
                                                      const Node& node) override;
  const CoreSet& cores() const { return cores_; }

 private:
  std::unique_ptr<Kernel> compile_one(const Graph& graph, std::span<const Node* const> group,
                                      const dnnl_ops::StoredLayouts& io);
  std::unique_ptr<Kernel> fastest(const Graph& graph, std::span<const Node* const> group,
                                  const dnnl_ops::StoredLayouts& io);
  // On a multi-core processor: `kernel` as it is, or on one thread where that times clearly
  // faster (remembered like the kernel variants).
  std::unique_ptr<Kernel> with_thread_count(const Graph& graph, std::span<const Node* const> group,
                                            std::unique_ptr<Kernel> kernel);
  dnnl::memory::desc stored(const Graph& graph, int value) const;
  size_t stored_bytes(const Graph& graph, int value) const;  // at least its plain size
  // The layout `value` is stored in when it is not plain (written by this or another cpu
  // backend of the executor: they share memory), else nullptr.
  const dnnl::memory::desc* blocked(const Graph& graph, int value) const;
  // Whether every reader of `value` is compiled by a cpu backend and takes it in any layout
  // (Conv and pooling inputs, a residual that a Conv will fuse), so that its producer may
  // keep its own layout.
  bool layout_free(const Graph& graph, int value) const;

  CoreSet cores_;
  DnnlContext context_;
  ReferenceBackend reference_;
  // The layouts of the values of the graph being compiled that are not plain (blocked, or
  // strided views).
  std::unordered_map<int, dnnl::memory::desc> layouts_;
  std::vector<Backend*> compiled_by_;              // per node of that graph
  std::unordered_map<int, int64_t> view_offsets_;  // per node that is a strided view
};

}  // namespace cosched
