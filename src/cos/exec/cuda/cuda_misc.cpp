// Pooling, reductions, softmax (cuDNN), layer norm, and data movement on the cuda backend.
#include <array>
#include <functional>
#include <set>

#include "cos/common/error.h"
#include "cos/exec/cuda/cuda_kernel.h"
#include "cos/exec/cuda/cuda_ops.h"
#include "cos/exec/cuda/cudnn_descriptors.h"
#include "cos/exec/fusion_patterns.h"
#include "cos/exec/reference/ref_util.h"
#include "cos/exec/window.h"
#include "cos/graph/slice_window.h"

namespace cosched::cuda_ops {
namespace {

// A one-node kernel whose work is a function of the args (parameters captured at compile time).
class LaunchKernel : public CudaKernel {
 public:
  using Launch = std::function<void(const LaunchKernel& self, const KernelArgs& args)>;
  LaunchKernel(CudaContext& context, const Graph& graph, Group group, std::string name,
               Launch launch)
      : CudaKernel(context, graph, group, std::move(name)), launch_(std::move(launch)) {}
  void run(const KernelArgs& args) override { launch_(*this, args); }
  // Input i's device memory (a constant's device copy, or the arena).
  const void* input(const KernelArgs& args, size_t i) const { return raw_in(args, i); }
  const float* input_f(const KernelArgs& args, size_t i) const { return in(args, i); }
  cudaStream_t queue() const { return stream(); }
  CudaContext& context() const { return context_; }

 private:
  Launch launch_;
};

std::unique_ptr<Kernel> launch(CudaContext& context, const Graph& graph, const Node& node,
                               std::string name, LaunchKernel::Launch fn) {
  return std::make_unique<LaunchKernel>(context, graph, std::array<const Node*, 1>{&node},
                                        std::move(name), std::move(fn));
}

bool f32(const Graph& graph, int value) {
  return value < 0 || graph.values[value].dtype == DType::f32;
}

std::unique_ptr<Kernel> global_pool(CudaContext& context, const Graph& graph, const Node& node) {
  const Shape& x = ref::shape_of(graph, node.inputs[0]);
  const int64_t rows = dims_product(x, 0, 2), cols = dims_product(x, 2, x.size());
  const bool mean = node.op == "GlobalAveragePool";
  return launch(context, graph, node, "cuda:reduce",
                [=](const LaunchKernel& k, const KernelArgs& args) {
                  cuda::reduce_rows(k.input_f(args, 0), static_cast<float*>(args.outputs[0]), rows,
                                    cols, mean, k.queue());
                });
}

// An indexer that reads `x` with the given per-dim element strides over `dims`.
cuda::Indexer indexer(const Shape& dims, const Shape& strides, int64_t base = 0) {
  if (dims.size() > cuda::Indexer::max_rank)
    fail("cuda: rank {} is above {}", dims.size(), cuda::Indexer::max_rank);
  cuda::Indexer index;
  index.rank = static_cast<int>(dims.size());
  for (size_t d = 0; d < dims.size(); ++d) {
    index.dims[d] = dims[d];
    index.stride[0][d] = strides[d];
  }
  index.base[0] = base;
  return index;
}

std::unique_ptr<Kernel> strided(CudaContext& context, const Graph& graph, const Node& node,
                                const cuda::Indexer& index, std::string name) {
  const int64_t n = element_count(ref::shape_of(graph, node.outputs[0]));
  const int size = static_cast<int>(dtype_size(graph.values[node.inputs[0]].dtype));
  return launch(context, graph, node, std::move(name),
                [=](const LaunchKernel& k, const KernelArgs& args) {
                  cuda::strided_copy(k.input(args, 0), args.outputs[0], n, size, index, k.queue());
                });
}

std::unique_ptr<Kernel> transpose(CudaContext& context, const Graph& graph, const Node& node) {
  const Shape& x = ref::shape_of(graph, node.inputs[0]);
  const std::vector<int64_t> perm = node.transpose_perm(x.size());
  const Shape in_strides = ref::strides_of(x);
  Shape strides;
  for (int64_t p : perm) strides.push_back(in_strides.at(ref::normalize_axis(node, p, x.size())));
  return strided(context, graph, node, indexer(ref::shape_of(graph, node.outputs[0]), strides),
                 "cuda:transpose");
}

std::unique_ptr<Kernel> slice(CudaContext& context, const Graph& graph, const Node& node) {
  const Shape& x = ref::shape_of(graph, node.inputs[0]);
  const SliceWindow window = slice_window(graph, node);
  const Shape in_strides = ref::strides_of(x);
  Shape strides(x.size());
  int64_t base = 0;
  for (size_t d = 0; d < x.size(); ++d) {
    base += window.start[d] * in_strides[d];
    strides[d] = in_strides[d] * window.step[d];
  }
  return strided(context, graph, node,
                 indexer(ref::shape_of(graph, node.outputs[0]), strides, base), "cuda:slice");
}

// Split and Concat: 2-D copies of rows, [outer, part of axis * inner] each.
std::unique_ptr<Kernel> split_or_concat(CudaContext& context, const Graph& graph,
                                        const Node& node) {
  const bool split = node.op == "Split";
  const Shape& whole = ref::shape_of(graph, split ? node.inputs[0] : node.outputs[0]);
  const int64_t axis =
      ref::normalize_axis(node, node.attr_int("axis", split ? 0 : 1), whole.size());
  const size_t size = dtype_size(graph.values[node.outputs[0]].dtype);
  const int64_t outer = dims_product(whole, 0, axis);
  const int64_t inner_bytes =
      dims_product(whole, axis + 1, whole.size()) * static_cast<int64_t>(size);
  const int64_t row = whole[axis] * inner_bytes;
  std::vector<int64_t> chunk;  // each part's bytes per outer index
  for (int v : split ? node.outputs : node.inputs)
    chunk.push_back(v < 0 ? 0 : ref::shape_of(graph, v)[axis] * inner_bytes);
  return launch(
      context, graph, node, split ? "cuda:split" : "cuda:concat",
      [=](const LaunchKernel& k, const KernelArgs& args) {
        int64_t at = 0;
        for (size_t i = 0; i < chunk.size(); ++i) {
          if (chunk[i] > 0 && (!split || args.outputs[i])) {
            auto* whole_at = static_cast<std::byte*>(split ? const_cast<void*>(k.input(args, 0))
                                                           : args.outputs[0]) +
                             at;
            void* dst = split ? args.outputs[i] : whole_at;
            const void* src = split ? whole_at : k.input(args, i);
            check_cuda(cudaMemcpy2DAsync(dst, split ? chunk[i] : row, src, split ? row : chunk[i],
                                         chunk[i], outer, cudaMemcpyDeviceToDevice, k.queue()),
                       "cudaMemcpy2DAsync");
          }
          at += chunk[i];
        }
      });
}

std::unique_ptr<Kernel> gather(CudaContext& context, const Graph& graph, const Node& node) {
  const Shape& x = ref::shape_of(graph, node.inputs[0]);
  const int64_t axis = ref::normalize_axis(node, node.attr_int("axis", 0), x.size());
  const int64_t count = element_count(ref::shape_of(graph, node.inputs[1]));
  const int64_t outer = dims_product(x, 0, axis), dim = x[axis],
                inner = dims_product(x, axis + 1, x.size());
  const int size = static_cast<int>(dtype_size(graph.values[node.inputs[0]].dtype));
  return launch(context, graph, node, "cuda:gather",
                [=](const LaunchKernel& k, const KernelArgs& args) {
                  cuda::gather(k.input(args, 0), static_cast<const int64_t*>(k.input(args, 1)),
                               args.outputs[0], outer, dim, count, inner, size, k.queue());
                });
}

std::unique_ptr<Kernel> pad(CudaContext& context, const Graph& graph, const Node& node) {
  const Shape& x = ref::shape_of(graph, node.inputs[0]);
  const Shape& y = ref::shape_of(graph, node.outputs[0]);
  std::vector<int64_t> pads;
  float value = static_cast<float>(node.attr_float("value", 0.0));
  if (graph.opset < 11) {
    pads = node.attr_ints("pads", {});
  } else {
    const Tensor* p = graph.constant_input(node, 1);
    if (!p) return nullptr;
    for (double d : to_doubles(*p)) pads.push_back(static_cast<int64_t>(d));
    if (node.inputs.size() > 2 && node.inputs[2] >= 0) {
      const Tensor* c = graph.constant_input(node, 2);
      if (!c) return nullptr;
      value = static_cast<float>(to_doubles(*c).at(0));
    }
  }
  const std::string mode = node.attr_string("mode", "constant");
  if (pads.size() != 2 * x.size() || x.size() > cuda::Indexer::max_rank) return nullptr;
  cuda::PadSpec spec;
  spec.rank = static_cast<int>(x.size());
  spec.mode = mode == "reflect" ? 1 : mode == "edge" ? 2 : 0;
  spec.value = value;
  for (size_t d = 0; d < x.size(); ++d) {
    spec.in[d] = x[d];
    spec.out[d] = y[d];
    spec.begin[d] = pads[d];
  }
  const int64_t n = element_count(y);
  return launch(
      context, graph, node, "cuda:pad", [=](const LaunchKernel& k, const KernelArgs& args) {
        cuda::pad(k.input_f(args, 0), static_cast<float*>(args.outputs[0]), n, spec, k.queue());
      });
}

std::unique_ptr<Kernel> copy(CudaContext& context, const Graph& graph, const Node& node) {
  const int64_t bytes = graph.values[node.outputs[0]].bytes();
  return launch(context, graph, node, "cuda:copy",
                [=](const LaunchKernel& k, const KernelArgs& args) {
                  check_cuda(cudaMemcpyAsync(args.outputs[0], k.input(args, 0), bytes,
                                             cudaMemcpyDeviceToDevice, k.queue()),
                             "cudaMemcpyAsync");
                });
}

}  // namespace

std::unique_ptr<Kernel> pool(CudaContext& context, const Graph& graph, const Node& node) {
  if (!f32(graph, node.inputs[0]) || node.outputs.size() != 1) return nullptr;
  if (node.op == "GlobalAveragePool" || node.op == "GlobalMaxPool")
    return global_pool(context, graph, node);
  const Shape& x = ref::shape_of(graph, node.inputs[0]);
  const Shape& y = ref::shape_of(graph, node.outputs[0]);
  if (x.size() < 3 || x.size() > 5) return nullptr;
  const Window w = window_of(node, x, y, node.attr_ints("kernel_shape", {}));
  cuda::PoolSpec spec;
  spec.rank = w.rank();
  spec.max = node.op == "MaxPool";
  spec.count_include_pad = node.attr_int("count_include_pad", 0) != 0;
  spec.planes = x[0] * x[1];
  for (int d = 0; d < w.rank(); ++d) {
    const int at = 3 - w.rank() + d;  // right-aligned in the 3 dims the kernel walks
    spec.in[at] = w.in[d];
    spec.out[at] = w.out[d];
    spec.kernel[at] = w.kernel[d];
    spec.stride[at] = w.stride[d];
    spec.dilation[at] = w.dilation[d];
    spec.pad_begin[at] = w.pad_begin[d];
    spec.pad_end_attr[at] = w.pad_end_attr[d];
  }
  return launch(
      context, graph, node, "cuda:pool", [=](const LaunchKernel& k, const KernelArgs& args) {
        cuda::pool(k.input_f(args, 0), static_cast<float*>(args.outputs[0]), spec, k.queue());
      });
}

std::unique_ptr<Kernel> reduce_mean(CudaContext& context, const Graph& graph, const Node& node) {
  if (!f32(graph, node.inputs[0]) || node.inputs.size() > 1) return nullptr;
  const Shape& x = ref::shape_of(graph, node.inputs[0]);
  std::vector<bool> reduced(x.size(), false);
  std::vector<int64_t> axes = node.attr_ints("axes", {});
  if (axes.empty()) reduced.assign(x.size(), true);
  for (int64_t a : axes) reduced[ref::normalize_axis(node, a, x.size())] = true;
  const Shape strides = ref::strides_of(x);
  Shape kept_dims, kept_strides, red_dims, red_strides;
  for (size_t d = 0; d < x.size(); ++d) {
    (reduced[d] ? red_dims : kept_dims).push_back(x[d]);
    (reduced[d] ? red_strides : kept_strides).push_back(strides[d]);
  }
  cuda::ReduceSpec spec;
  spec.kept = indexer(kept_dims, kept_strides);
  spec.reduced = indexer(red_dims, red_strides);
  spec.count = element_count(red_dims);
  const int64_t n_out = element_count(kept_dims);
  // Reducing the trailing dims only: contiguous rows.
  const bool rows = std::find(reduced.begin(), reduced.end(), true) - reduced.begin() ==
                    static_cast<long>(kept_dims.size());
  return launch(context, graph, node, rows ? "cuda:reduce" : "cuda:reduce-strided",
                [=](const LaunchKernel& k, const KernelArgs& args) {
                  auto* y = static_cast<float*>(args.outputs[0]);
                  if (rows)
                    cuda::reduce_rows(k.input_f(args, 0), y, n_out, spec.count, true, k.queue());
                  else
                    cuda::reduce_mean(k.input_f(args, 0), y, n_out, spec, k.queue());
                });
}

std::unique_ptr<Kernel> softmax(CudaContext& context, const Graph& graph, const Node& node) {
  if (!f32(graph, node.inputs[0])) return nullptr;
  const ref::SoftmaxSpan span = ref::softmax_span(graph, node);
  auto desc = std::make_shared<TensorDesc>(Shape{span.outer, span.len, span.inner, 1});
  return launch(context, graph, node, "cuda:cudnn-softmax",
                [=](const LaunchKernel& k, const KernelArgs& args) {
                  const float one = 1, zero = 0;
                  check_cudnn(
                      cudnnSoftmaxForward(k.context().cudnn(), CUDNN_SOFTMAX_ACCURATE,
                                          CUDNN_SOFTMAX_MODE_CHANNEL, &one, desc->desc,
                                          k.input(args, 0), &zero, desc->desc, args.outputs[0]),
                      "cudnnSoftmaxForward");
                });
}

std::unique_ptr<Kernel> layer_norm(CudaContext& context, const Graph& graph, const Node& node) {
  for (int v : node.inputs)
    if (!f32(graph, v)) return nullptr;
  for (size_t i = 1; i < node.outputs.size(); ++i)
    if (node.outputs[i] >= 0) return nullptr;  // Mean and InvStdDev outputs: training only
  const Shape& x = ref::shape_of(graph, node.inputs[0]);
  const int64_t axis = ref::normalize_axis(node, node.attr_int("axis", -1), x.size());
  const int64_t rows = dims_product(x, 0, axis), cols = dims_product(x, axis, x.size());
  const float epsilon = static_cast<float>(node.attr_float("epsilon", 1e-5));
  const bool has_bias = node.inputs.size() > 2 && node.inputs[2] >= 0;
  return launch(
      context, graph, node, "cuda:layernorm", [=](const LaunchKernel& k, const KernelArgs& args) {
        cuda::layer_norm(k.input_f(args, 0), k.input_f(args, 1),
                         has_bias ? k.input_f(args, 2) : nullptr,
                         static_cast<float*>(args.outputs[0]), rows, cols, epsilon, k.queue());
      });
}

std::unique_ptr<Kernel> layer_norm_pattern(CudaContext& context, const Graph& graph, Group group) {
  const std::optional<LayerNormPattern> p = layer_norm_from(graph, *group[0]);
  if (!p || p->nodes.size() != group.size()) return nullptr;
  // The KernelArgs indices of the scale and bias constants (0: absent; input 0 is x).
  size_t scale = 0, bias = 0, at = 0;
  for (const Node* node : group)
    for (int v : node->inputs) {
      if (v >= 0 && v == p->scale) scale = at;
      if (v >= 0 && v == p->bias) bias = at;
      ++at;
    }
  const Shape& x = ref::shape_of(graph, group[0]->inputs[0]);
  const int64_t cols = x.back(), rows = element_count(x) / cols;
  const float epsilon = p->epsilon;
  return std::make_unique<LaunchKernel>(
      context, graph, group, "cuda:layernorm", [=](const LaunchKernel& k, const KernelArgs& args) {
        cuda::layer_norm(k.input_f(args, 0), scale ? k.input_f(args, scale) : nullptr,
                         bias ? k.input_f(args, bias) : nullptr,
                         static_cast<float*>(args.outputs[0]), rows, cols, epsilon, k.queue());
      });
}

bool is_data_movement(const Graph& graph, const Node& node) {
  static const std::set<std::string> ops = {"Transpose", "Slice",     "Split",   "Concat",
                                            "Gather",    "Pad",       "Reshape", "Flatten",
                                            "Squeeze",   "Unsqueeze", "Identity"};
  if (!ops.count(node.op)) return false;
  if (node.op == "Gather") return graph.values[node.inputs[1]].dtype == DType::i64;
  if (node.op == "Pad") return f32(graph, node.inputs[0]);
  if (node.op == "Slice") {
    for (size_t i = 1; i < node.inputs.size(); ++i)
      if (node.inputs[i] >= 0 && !graph.constant_input(node, i)) return false;
  }
  return true;
}

std::unique_ptr<Kernel> data_movement(CudaContext& context, const Graph& graph, const Node& node) {
  const std::string& op = node.op;
  if (op == "Transpose") return transpose(context, graph, node);
  if (op == "Slice") return slice(context, graph, node);
  if (op == "Split" || op == "Concat") return split_or_concat(context, graph, node);
  if (op == "Gather") return gather(context, graph, node);
  if (op == "Pad") return pad(context, graph, node);
  return copy(context, graph, node);
}

}  // namespace cosched::cuda_ops
