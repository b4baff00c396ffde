#pragma once

#include <span>
#include <string>
#include <vector>

#include "cos/exec/cuda/cuda_context.h"
#include "cos/exec/cuda/cuda_kernels.h"
#include "cos/exec/kernel.h"

namespace cosched {

// A kernel of the cuda backend. At compile time it uploads every constant input of its group
// (weights, biases, constant operands) once; run() reads those device copies and queues
// its work on the context's compute stream without waiting for it.
class CudaKernel : public Kernel {
 public:
  CudaKernel(CudaContext& context, const Graph& graph, std::span<const Node* const> group,
             std::string implementation);
  std::string implementation() const override { return implementation_; }
  std::vector<size_t> packed_inputs() const override;

 protected:
  // Input `i` of the group (in KernelArgs order): the device copy of a constant, else the
  // arena pointer the executor passes.
  const float* in(const KernelArgs& args, size_t i) const {
    return static_cast<const float*>(raw_in(args, i));
  }
  const void* raw_in(const KernelArgs& args, size_t i) const {
    return constants_[i].get() ? constants_[i].get() : args.inputs[i];
  }
  float* out(const KernelArgs& args, size_t i = 0) const {
    return static_cast<float*>(args.outputs[i]);
  }
  cudaStream_t stream() const { return context_.compute(); }

  CudaContext& context_;
  std::string implementation_;

 private:
  std::vector<DeviceBuffer> constants_;  // per input of the group; empty where not constant
};

// The KernelArgs index of input `input` of node `node_index` of `group`.
size_t arg_index(std::span<const Node* const> group, size_t node_index, size_t input);

// An Indexer over `out_shape` reading a tensor of `in_shape` with numpy broadcasting, for
// input `which` (0 or 1).
void broadcast_into(cuda::Indexer& index, int which, const Shape& in_shape, const Shape& out_shape);

}  // namespace cosched
