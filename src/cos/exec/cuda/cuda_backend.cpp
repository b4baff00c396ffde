#include "cos/exec/cuda/cuda_backend.h"

#include <fmt/format.h>

#include "cos/common/error.h"
#include "cos/exec/chain_kernel.h"
#include "cos/exec/cuda/cuda_copy.h"
#include "cos/exec/fusion_patterns.h"

namespace cosched {
namespace {

using namespace cuda_ops;

bool is_product(const std::string& op) {
  return op == "Gemm" || op == "MatMul";
}

bool is_pool(const std::string& op) {
  return op == "MaxPool" || op == "AveragePool" || op == "GlobalAveragePool" ||
         op == "GlobalMaxPool";
}

bool all_f32(const Graph& graph, const std::vector<int>& values) {
  for (int v : values)
    if (v >= 0 && graph.values[v].dtype != DType::f32) return false;
  return true;
}

// Heads whose kernel ends with an epilogue that further elementwise steps can join.
bool takes_epilogue(const Graph& graph, const Node& head) {
  return head.op == "Conv" || is_product(head.op) || head.op == "BatchNormalization" ||
         is_binary(head.op) || is_pointwise(graph, head);
}

class CudaGraphRecording : public Recording {
 public:
  CudaGraphRecording(cudaGraphExec_t exec, cudaStream_t stream) : exec_(exec), stream_(stream) {}
  ~CudaGraphRecording() override { cudaGraphExecDestroy(exec_); }
  void replay() override { check_cuda(cudaGraphLaunch(exec_, stream_), "cudaGraphLaunch"); }

 private:
  cudaGraphExec_t exec_;
  cudaStream_t stream_;
};

// Waited for with a blocking sync: the thread waiting shares its core with the worker.
class CudaFence : public Fence {
 public:
  explicit CudaFence(cudaStream_t stream) {
    check_cuda(cudaEventCreateWithFlags(&event_, cudaEventDisableTiming | cudaEventBlockingSync),
               "cudaEventCreate");
    const cudaError_t recorded = cudaEventRecord(event_, stream);
    if (recorded != cudaSuccess) {
      cudaEventDestroy(event_);
      check_cuda(recorded, "cudaEventRecord");
    }
  }
  ~CudaFence() override { cudaEventDestroy(event_); }
  void wait() override { check_cuda(cudaEventSynchronize(event_), "compute stream"); }

 private:
  cudaEvent_t event_ = nullptr;
};

}  // namespace

CudaBackend::CudaBackend(int device, bool tf32) : context_(device, tf32) {}

bool CudaBackend::supports(const Graph& graph, const Node& node) const {
  const std::string& op = node.op;
  for (int v : node.outputs)
    if (v >= 0 && graph.values[v].shape.size() > cuda::Indexer::max_rank) return false;
  if (op == "Conv")
    return all_f32(graph, node.inputs) && graph.constant_input(node, 1) &&
           graph.values[node.inputs[0]].shape.size() >= 3 &&
           graph.values[node.inputs[0]].shape.size() <= 5;
  if (is_product(op))
    return all_f32(graph, node.inputs) &&
           (op == "MatMul" || graph.values[node.inputs[0]].shape.size() == 2);
  if (is_pool(op)) {
    const size_t rank = graph.values[node.inputs[0]].shape.size();
    return all_f32(graph, node.inputs) && (node.outputs.size() == 1 || node.outputs[1] < 0) &&
           (op.rfind("Global", 0) == 0 || (rank >= 3 && rank <= 5));
  }
  if (op == "Softmax" || op == "ReduceMean")
    return all_f32(graph, node.inputs) && node.inputs.size() == 1;
  if (op == "LayerNormalization") {
    for (size_t i = 1; i < node.outputs.size(); ++i)
      if (node.outputs[i] >= 0) return false;
    return all_f32(graph, node.inputs);
  }
  if (op == "BatchNormalization") {
    if (!all_f32(graph, node.inputs) || node.inputs.size() != 5 ||
        graph.values[node.inputs[0]].shape.size() < 2 || node.outputs.size() != 1)
      return false;
    for (size_t i = 1; i < 5; ++i)
      if (!graph.constant_input(node, i)) return false;
    return true;
  }
  if (is_data_movement(graph, node)) return true;
  if (is_pointwise(graph, node)) return true;
  return is_binary(op) && node.inputs.size() == 2 && all_f32(graph, node.inputs) &&
         all_f32(graph, node.outputs);
}

bool CudaBackend::can_fuse(const Graph& graph, std::span<const Node* const> group,
                           const Node& next) const {
  const Node& head = *group[0];
  if (head.op == "ReduceMean") return layer_norm_continues(graph, group, next);
  if (!takes_epilogue(graph, head) || next.outputs.size() != 1 || !all_f32(graph, next.inputs) ||
      !all_f32(graph, next.outputs))
    return false;
  if (group.size() == 1 && (head.op == "Conv" || is_product(head.op)) &&
      add_role(graph, head, next) != AddRole::none)
    return true;
  // A product's bias, then a residual.
  if (group.size() == 2 && is_product(head.op) &&
      add_role(graph, head, *group[1]) == AddRole::bias &&
      add_role(graph, *group[1], next) == AddRole::residual)
    return true;
  return continues_chain(graph, group, next);
}

std::unique_ptr<Kernel> CudaBackend::build(const Graph& graph, std::span<const Node* const> group) {
  const Node& head = *group[0];
  const std::string& op = head.op;
  if (op == "Conv") return conv(context_, graph, group);
  if (is_product(op)) return matmul(context_, graph, group);
  if (op == "BatchNormalization") return batch_norm(context_, graph, group);
  if (op == "ReduceMean" && group.size() > 1) return layer_norm_pattern(context_, graph, group);
  if (is_pointwise(graph, head)) return pointwise(context_, graph, group);
  if (is_binary(op)) return binary(context_, graph, group);
  if (group.size() != 1) return nullptr;
  if (is_pool(op)) return pool(context_, graph, head);
  if (op == "Softmax") return softmax(context_, graph, head);
  if (op == "ReduceMean") return reduce_mean(context_, graph, head);
  if (op == "LayerNormalization") return layer_norm(context_, graph, head);
  if (is_data_movement(graph, head)) return data_movement(context_, graph, head);
  return nullptr;
}

std::unique_ptr<Kernel> CudaBackend::compile(const Graph& graph,
                                             std::span<const Node* const> group) {
  context_.bind();
  std::unique_ptr<Kernel> kernel = build(graph, group);
  if (!kernel && group.size() > 1) {
    // Not buildable as one (a pattern cut short): its nodes one after the other.
    std::vector<std::unique_ptr<Kernel>> parts;
    for (const Node* node : group) {
      parts.push_back(build(graph, std::span<const Node* const>(&node, 1)));
      if (!parts.back()) break;
    }
    if (parts.back()) return std::make_unique<ChainKernel>(*this, graph, group, std::move(parts));
  }
  if (!kernel)
    fail("node '{}' ({}): the cuda backend cannot build it", group[0]->name, group[0]->op);
  return kernel;
}

void* CudaBackend::allocate(size_t bytes) {
  context_.bind();
  void* pointer = nullptr;
  check_cuda(cudaMalloc(&pointer, bytes), "cudaMalloc (arena)");
  return pointer;
}

void CudaBackend::deallocate(void* pointer) {
  if (pointer) cudaFree(pointer);
}

void* CudaBackend::allocate_host(size_t bytes) {
  void* pointer = nullptr;
  check_cuda(cudaMallocHost(&pointer, bytes > 0 ? bytes : 1), "cudaMallocHost");
  return pointer;
}

void CudaBackend::deallocate_host(void* pointer) {
  if (pointer) cudaFreeHost(pointer);
}

std::unique_ptr<Kernel> CudaBackend::copy_kernel(size_t bytes, bool to_host) {
  return make_copy_kernel(context_, bytes, to_host);
}

bool CudaBackend::begin_recording() {
  context_.bind();
  context_.capture_mutex().lock();  // until end_recording()
  const cudaError_t began =
      cudaStreamBeginCapture(context_.compute(), cudaStreamCaptureModeThreadLocal);
  if (began == cudaSuccess) return true;
  cudaGetLastError();
  context_.capture_mutex().unlock();
  not_recorded("cudaStreamBeginCapture", began);
  return false;
}

std::unique_ptr<Recording> CudaBackend::end_recording() {
  cudaGraph_t graph = nullptr;
  cudaGraphExec_t exec = nullptr;
  cudaError_t error = cudaStreamEndCapture(context_.compute(), &graph);
  context_.capture_mutex().unlock();
  const char* call = "cudaStreamEndCapture";
  if (error == cudaSuccess && graph) {
    error = cudaGraphInstantiate(&exec, graph, 0);
    call = "cudaGraphInstantiate";
  }
  if (graph) cudaGraphDestroy(graph);
  if (error != cudaSuccess || !graph) {
    cudaGetLastError();  // the kernels run one by one instead
    not_recorded(call, error);
    return nullptr;
  }
  return std::make_unique<CudaGraphRecording>(exec, context_.compute());
}

// Said once: kernels run one by one cost the host a library call each (tens of us), which
// on a fast GPU can take longer than the kernels.
void CudaBackend::not_recorded(const char* call, cudaError_t error) {
  if (!warned_not_recorded_.exchange(true))
    fmt::print(stderr,
               "cos: cuda:{}: kernels could not be recorded as a CUDA graph ({}: {}); "
               "they run one by one, slower\n",
               context_.device(), call, cudaGetErrorString(error));
}

std::unique_ptr<Fence> CudaBackend::fence() {
  context_.bind();
  return std::make_unique<CudaFence>(context_.compute());
}

void CudaBackend::synchronize() {
  check_cuda(cudaStreamSynchronize(context_.compute()), "compute stream");
  check_cuda(cudaStreamSynchronize(context_.copy_in()), "copy-in stream");
  check_cuda(cudaStreamSynchronize(context_.copy_out()), "copy-out stream");
}

}  // namespace cosched
