#pragma once

#include <atomic>

#include "cos/exec/cuda/cuda_context.h"
#include "cos/exec/cuda/cuda_ops.h"
#include "cos/exec/kernel.h"

namespace cosched {

// The `cuda` backend: one GPU. cuDNN runs convolutions (algorithm timed once per signature)
// and softmax, cuBLAS the products, kernels of our own the rest; a Conv or product fuses a
// bias, a residual Add and activations into one epilogue. Weights are uploaded when a node
// is compiled; arenas live in device memory; inputs and outputs move through copy kernels
// on copy streams of their own (in, out), ordered with events. FP32 throughout unless `tf32`.
class CudaBackend : public Backend {
 public:
  explicit CudaBackend(int device, bool tf32 = false);

  std::string name() const override { return "cuda"; }
  bool supports(const Graph& graph, const Node& node) const override;
  bool can_fuse(const Graph& graph, std::span<const Node* const> group,
                const Node& next) const override;
  std::unique_ptr<Kernel> compile(const Graph& graph, std::span<const Node* const> group) override;
  void bind_thread() override { context_.bind(); }

  bool on_host() const override { return false; }
  void* allocate(size_t bytes) override;
  void deallocate(void* pointer) override;
  void* allocate_host(size_t bytes) override;  // pinned
  void deallocate_host(void* pointer) override;
  std::unique_ptr<Kernel> copy_kernel(size_t bytes, bool to_host) override;
  void synchronize() override;
  // An event on the compute stream (copies in come before kernels that wait for them;
  // copies out wait themselves, or make the compute stream wait for them).
  std::unique_ptr<Fence> fence() override;
  // CUDA graphs: the compute stream is captured, then instantiated.
  bool begin_recording() override;
  std::unique_ptr<Recording> end_recording() override;

  CudaContext& context() { return context_; }

 private:
  std::unique_ptr<Kernel> build(const Graph& graph, std::span<const Node* const> group);
  void not_recorded(const char* call, cudaError_t error);

  CudaContext context_;
  std::atomic<bool> warned_not_recorded_{false};
};

}  // namespace cosched
