#include "cos/exec/cpu/cpu_backend.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <functional>
#include <optional>

#include "cos/common/error.h"
#include "cos/exec/chain_kernel.h"
#include "cos/exec/cpu/dnnl_ops.h"
#include "cos/exec/cpu/kernel_choices.h"
#include "cos/exec/cpu/one_thread.h"
#include "cos/exec/cpu/plain_inputs.h"
#include "cos/exec/cpu/strided_views.h"
#include "cos/exec/fusion_patterns.h"

namespace cosched {
namespace {

bool is_matmul(const std::string& op) {
  return op == "Gemm" || op == "MatMul";
}

bool is_binary(const std::string& op) {
  return op == "Add" || op == "Sub" || op == "Mul" || op == "Div";
}

bool is_pool(const std::string& op) {
  return op == "MaxPool" || op == "AveragePool" || op == "GlobalAveragePool" ||
         op == "GlobalMaxPool";
}

// Whether `add` will be fused into the Conv producing its other operand, with `value` as the
// residual (the executor's fusion rules: the Conv's only consumer, `value` ready before it).
bool residual_of_fused_conv(const Graph& graph, const Node& add, int value) {
  const int conv_out = add.inputs[0] == value ? add.inputs[1] : add.inputs[0];
  if (conv_out == value) return false;
  const Value& c = graph.values[conv_out];
  return c.producer >= 0 && graph.nodes[c.producer].op == "Conv" && c.consumers.size() == 1 &&
         !graph.is_graph_output(conv_out) && c.shape == graph.values[value].shape &&
         graph.values[value].producer < c.producer;
}

// Whether the whole GELU pattern (fusion_patterns.h) follows from `div`, each node the only
// reader of the one before.
bool starts_gelu(const Graph& graph, const Node& div) {
  std::vector<const Node*> nodes = {&div};
  while (nodes.size() < 5) {
    const int out = nodes.back()->outputs[0];
    const Value& value = graph.values[out];
    if (value.consumers.size() != 1 || graph.is_graph_output(out)) return false;
    const Node& next = graph.nodes[value.consumers[0]];
    if (!gelu_continues(graph, nodes, next)) return false;
    nodes.push_back(&next);
  }
  return true;
}

// The group's inputs all plain.
dnnl_ops::StoredLayouts plain_layouts(const Graph& graph, std::span<const Node* const> group) {
  const Node& head = *group[0];
  dnnl_ops::StoredLayouts io;
  io.input = plain_desc(graph.values[head.inputs[0]].shape);
  io.skip = plain_desc(graph.values[group.back()->outputs[0]].shape);
  for (int v : head.inputs)
    if (v >= 0) io.inputs.push_back(plain_desc(graph.values[v].shape));
  return io;
}

// A short text for a layout (strides and inner blocks), for the choice cache.
std::string layout_key(const dnnl::memory::desc& desc) {
  const auto& blocking = desc.data.format_desc.blocking;
  std::string text = "[";
  for (int i = 0; i < desc.data.ndims; ++i) text += std::to_string(blocking.strides[i]) + ",";
  for (int i = 0; i < blocking.inner_nblks; ++i)
    text += std::to_string(blocking.inner_idxs[i]) + ":" + std::to_string(blocking.inner_blks[i]);
  return text + "]";
}

std::string attr_text(const AttrValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Tensor>)
          return "tensor" + shape_string(v.shape);
        else if constexpr (std::is_same_v<T, std::string>)
          return v;
        else if constexpr (std::is_arithmetic_v<T>)
          return fmt::format("{}", v);
        else
          return fmt::format("{}", fmt::join(v, ","));
      },
      value);
}

// What makes two groups compile to the same kernel: ops, attributes, input shapes and
// which inputs are constant.
std::string signature(const Graph& graph, std::span<const Node* const> group) {
  std::string text;
  for (const Node* node : group) {
    text += node->op + "(";
    for (int v : node->inputs) {
      if (v < 0)
        text += "-;";
      else
        text += shape_string(graph.values[v].shape) + (graph.values[v].is_constant() ? "c;" : ";");
    }
    for (const auto& [key, value] : node->attrs) text += key + "=" + attr_text(value) + ";";
    text += ")";
  }
  return text;
}

// Kernel args for one group on scratch memory (constants point at their data), for timing;
// `bytes(v)` is the size of value v as stored (a blocked layout may pad it).
class ScratchArgs {
 public:
  ScratchArgs(const Graph& graph, std::span<const Node* const> group,
              const std::function<size_t(int)>& bytes) {
    auto scratch = [&](int v) -> void* {
      buffers_.emplace_back(bytes(v));
      return buffers_.back().data();
    };
    for (const Node* node : group)
      for (int v : node->inputs) {
        bool internal = v >= 0 && node != group.front() && graph.values[v].producer >= 0 &&
                        std::any_of(group.begin(), group.end(),
                                    [&](const Node* n) { return n->outputs[0] == v; });
        if (v < 0 || internal)
          args_.inputs.push_back(nullptr);
        else if (graph.values[v].is_constant())
          args_.inputs.push_back(graph.values[v].data->bytes.data());
        else
          args_.inputs.push_back(scratch(v));
      }
    for (int v : group.back()->outputs) args_.outputs.push_back(v < 0 ? nullptr : scratch(v));
  }
  // One run of `kernel` on these args, in ms.
  double time(Kernel& kernel) const {
    auto start = std::chrono::steady_clock::now();
    kernel.run(args_);
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
  }

 private:
  std::deque<std::vector<std::byte>> buffers_;
  KernelArgs args_;
};

// Each kernel runs once as a warm-up (one already 3x slower than the fastest so far drops
// out: INFINITY), then all take turns for five rounds, so that a slow phase of the machine
// falls on all of them; each keeps its best time.
std::vector<double> best_times(const ScratchArgs& args, const std::vector<Kernel*>& kernels) {
  std::vector<double> best(kernels.size(), INFINITY);
  double fastest_warmup = INFINITY;
  std::vector<bool> timed(kernels.size(), false);
  for (size_t k = 0; k < kernels.size(); ++k) {
    const double ms = args.time(*kernels[k]);
    timed[k] = ms <= 3 * fastest_warmup;
    if (timed[k]) fastest_warmup = std::min(fastest_warmup, ms);
  }
  for (int round = 0; round < 5; ++round)
    for (size_t k = 0; k < kernels.size(); ++k)
      if (timed[k]) best[k] = std::min(best[k], args.time(*kernels[k]));
  return best;
}

// Variants of a group whose weights take more than this are built and timed one at a time, each
// freed before the next: the copies of vgg11's 411 MB classifier that the variants pack, alive
// together, took its first compile to 1.8 GB (ORT's peak: 1.0). One at a time the variants no
// longer take turns, so a slow phase of the machine can fall on one of them.
constexpr size_t kOneAtATimeBytes = 64 << 20;

size_t constant_bytes(const Graph& graph, std::span<const Node* const> group) {
  size_t bytes = 0;
  for (const Node* node : group)
    for (int v : node->inputs)
      if (v >= 0 && graph.values[v].is_constant()) bytes += graph.values[v].bytes();
  return bytes;
}

// The first kernel unless a later one is clearly faster: near-ties decided by timing noise
// would make each compile pick differently (and a profile describe other kernels than a
// later run).
size_t clear_winner(const std::vector<double>& ms) {
  size_t pick = 0;
  for (size_t k = 1; k < ms.size(); ++k)
    if (ms[k] < 0.9 * ms[pick]) pick = k;
  return pick;
}

}  // namespace

CpuBackend::CpuBackend(CoreSet cores)
    : cores_(std::move(cores)), context_{dnnl::engine(dnnl::engine::kind::cpu, 0), {}} {
  context_.stream = dnnl::stream(context_.engine);
}

void CpuBackend::bind_thread() {
  pin_threads(cores_);
}

bool CpuBackend::supports(const Graph& graph, const Node& node) const {
  // Every op runs here: on oneDNN where it has a primitive, else on the reference kernel.
  return reference_.supports(graph, node);
}

bool CpuBackend::can_fuse(const Graph& graph, std::span<const Node* const> group,
                          const Node& next) const {
  const Node& head = *group[0];
  if ((head.op == "Div" || head.op == "Mul") && group.size() == 1 &&
      scales_a_product(graph, head, next))
    return true;
  if (head.op == "Div") return gelu_continues(graph, group, next);
  if (head.op == "ReduceMean") return layer_norm_continues(graph, group, next);
  if (head.op != "Conv" && !is_matmul(head.op)) return false;
  if (is_matmul(head.op)) {  // a GELU after the product (and its bias): its epilogue
    const auto gelu = std::find_if(group.begin(), group.end(),
                                   [](const Node* node) { return node->op == "Div"; });
    if (gelu != group.end())
      return gelu_continues(graph, group.subspan(gelu - group.begin()), next);
    if (next.op == "Div") return starts_gelu(graph, next);
  }
  const int produced = group.back()->outputs[0];
  const Shape& shape = graph.values[produced].shape;
  for (int v : next.inputs)
    if (v >= 0 && graph.values[v].dtype != DType::f32) return false;
  if (next.outputs.size() != 1 || graph.values[next.outputs[0]].shape != shape) return false;
  if (next.op == "Add") {
    if (group.size() != 1 || next.inputs.size() != 2) return false;
    const int other = next.inputs[0] == produced ? next.inputs[1] : next.inputs[0];
    if (other == produced) return false;
    const Value& o = graph.values[other];
    if (head.op == "Conv") return o.shape == shape;  // the sum post-op
    // A bias: constant, one value per output column.
    bool has_c = head.inputs.size() > 2 && head.inputs[2] >= 0;
    return !has_c && o.is_constant() && !shape.empty() && o.data->size() == shape.back() &&
           !o.shape.empty() && o.shape.back() == shape.back();
  }
  return is_swish_mul(*group.back(), next) || dnnl_ops::eltwise_of(graph, next).has_value();
}

std::unique_ptr<Kernel> CpuBackend::compile(const Graph& graph,
                                            std::span<const Node* const> group) {
  const Node& head = *group[0];
  const bool binary = is_binary(head.op) && group.size() == 1;
  const bool product = is_matmul(head.op) || dnnl_ops::is_scaled_product(graph, group);
  const bool layout_aware =
      head.op == "Conv" || is_pool(head.op) || head.op == "Concat" || binary || product;
  const bool has_sum = head.op == "Conv" && group.size() > 1 && group[1]->op == "Add";
  const size_t skip_index = has_sum ? dnnl_ops::residual_input(group) : 0;
  const int output = group.back()->outputs[0];
  dnnl_ops::StoredLayouts io;
  if (layout_aware) {
    io.input = stored(graph, head.inputs[0]);
    if (head.op == "Concat" || binary)
      for (int v : head.inputs) io.inputs.push_back(stored(graph, v));
    if (has_sum) io.skip = stored(graph, group[1]->inputs[skip_index - head.inputs.size()]);
    io.free_output = layout_free(graph, output);
  }
  const dnnl::memory::desc* planned = product ? blocked(graph, output) : nullptr;
  if (product) {
    for (const Node* node : group)
      for (int v : node->inputs)
        io.inputs.push_back(v >= 0 ? stored(graph, v) : dnnl::memory::desc());
    if (planned) io.output = *planned;
  }
  std::unique_ptr<Kernel> kernel = layout_aware ? compile_one(graph, group, io) : nullptr;
  auto* dnnl_kernel = dynamic_cast<DnnlKernel*>(kernel.get());
  std::vector<size_t> accepted;  // inputs the kernel reads in their stored layout
  if (dnnl_kernel) {
    accepted = {0};
    if (has_sum) accepted.push_back(skip_index);
    if (head.op == "Concat" || binary)
      for (size_t i = 1; i < head.inputs.size(); ++i) accepted.push_back(i);
    const auto& out = dnnl_kernel->output_desc();
    if (product) {
      const auto [a, b] = dnnl_ops::product_operands(graph, group);
      accepted = {a, b};
    } else if (out.get_size() > 0 && out != plain_desc(graph.values[output].shape)) {
      layouts_[output] = out;
    }
  } else if (!kernel) {
    io = plain_layouts(graph, group);
    kernel = compile_one(graph, group, io);
  }
  if (!kernel) {
    // oneDNN refused the fused group: run its nodes one after the other.
    std::vector<std::unique_ptr<Kernel>> parts;
    for (const Node* node : group) {
      std::span<const Node* const> one(&node, 1);
      auto part = compile_one(graph, one, plain_layouts(graph, one));
      parts.push_back(part ? std::move(part) : reference_.compile(graph, one));
    }
    kernel = std::make_unique<ChainKernel>(*this, graph, group, std::move(parts));
  }
  if (planned && (!dnnl_kernel || dnnl_kernel->output_desc() != *planned))
    fail("node '{}' ({}): no kernel writes its output in the transposed order planned for it",
         group.back()->name, group.back()->op);
  // Inputs stored in a layout the kernel does not read get reordered to plain first.
  std::vector<PlainInputs::Input> to_plain;
  size_t index = 0;
  for (const Node* node : group)
    for (int v : node->inputs) {
      const dnnl::memory::desc* layout = v >= 0 ? blocked(graph, v) : nullptr;
      bool taken = std::find(accepted.begin(), accepted.end(), index) != accepted.end();
      if (layout && !taken) to_plain.push_back({index, *layout, plain_desc(graph.values[v].shape)});
      ++index;
    }
  if (!to_plain.empty())
    kernel = std::make_unique<PlainInputs>(context_, std::move(kernel), std::move(to_plain));
  return with_thread_count(graph, group, std::move(kernel));
}

std::unique_ptr<Kernel> CpuBackend::compile_one(const Graph& graph,
                                                std::span<const Node* const> group,
                                                const dnnl_ops::StoredLayouts& io) {
  const Node& node = *group[0];
  const std::string& op = node.op;
  // oneDNN kernels here work in f32; other dtypes (data movement) take the reference.
  // Slice's other inputs are integer parameters.
  const size_t data_inputs = op == "Slice" ? 1 : node.inputs.size();
  for (size_t i = 0; i < data_inputs; ++i)
    if (node.inputs[i] >= 0 && graph.values[node.inputs[i]].dtype != DType::f32)
      return reference_.compile(graph, group);
  std::unique_ptr<Kernel> kernel;
  if (op == "Conv" || is_matmul(op) || dnnl_ops::is_scaled_product(graph, group))
    return fastest(graph, group, io);
  if (is_gelu(graph, group)) return dnnl_ops::gelu(context_, graph, group);
  if (op == "ReduceMean" && group.size() > 1)
    return dnnl_ops::layer_norm_pattern(context_, graph, group);
  if (group.size() != 1) return nullptr;
  if (op == "MaxPool")
    kernel = fastest(graph, group, io);
  else if (is_pool(op))
    kernel = dnnl_ops::pool(context_, graph, node, io);
  else if (is_binary(op)) {
    kernel = dnnl_ops::binary(context_, graph, node, io);
    if (!kernel && io.free_output) {  // no fast kernel in the stored layout: work plain
      dnnl_ops::StoredLayouts plain_output = io;
      plain_output.free_output = false;
      kernel = dnnl_ops::binary(context_, graph, node, plain_output);
    }
  } else if (op == "Concat")
    kernel = dnnl_ops::concat(context_, graph, node, io);
  else if (op == "Softmax")
    kernel = dnnl_ops::softmax(context_, graph, node);
  else if (op == "ReduceMean")
    kernel = dnnl_ops::reduce_mean(context_, graph, node);
  else if (op == "Transpose")
    kernel = dnnl_ops::transpose(context_, graph, node);
  else if (op == "Slice")
    kernel = dnnl_ops::slice(context_, graph, node);
  else if (op == "LayerNormalization")
    kernel = dnnl_ops::layer_norm(context_, graph, node);
  else if (op == "BatchNormalization")
    kernel = dnnl_ops::batch_norm(context_, graph, node);
  else if (dnnl_ops::eltwise_of(graph, node))
    kernel = dnnl_ops::eltwise(context_, graph, node);
  return kernel ? std::move(kernel) : reference_.compile(graph, group);
}

std::unique_ptr<Kernel> CpuBackend::fastest(const Graph& graph, std::span<const Node* const> group,
                                            const dnnl_ops::StoredLayouts& io) {
  const Node& node = *group[0];
  const bool conv = node.op == "Conv", pool = is_pool(node.op);
  if (conv && !graph.constant_input(node, 1)) return nullptr;
  const int variants = conv   ? dnnl_ops::conv_variants(group)
                       : pool ? dnnl_ops::pool_variants(node)
                              : dnnl_ops::matmul_variants(group);
  auto build = [&](int variant) -> std::unique_ptr<DnnlKernel> {
    if (conv) return dnnl_ops::conv(context_, graph, group, variant, io);
    if (pool) return dnnl_ops::pool(context_, graph, node, io, variant);
    return dnnl_ops::matmul(context_, graph, group, variant, io);
  };
  std::string key = fmt::format("{} threads, {} variants|{}{}{}{}", cores_.threads(), variants,
                                signature(graph, group), layout_key(io.input), layout_key(io.skip),
                                io.free_output ? "free" : "");
  if (!conv && !pool) {  // a product: with the layouts of its strided operands and output
    std::string layouts = io.output.get_size() > 0 ? layout_key(io.output) : "";
    size_t k = 0;
    for (const Node* n : group)
      for (int v : n->inputs) {
        if (v >= 0 && io.inputs.at(k) != plain_desc(graph.values[v].shape))
          layouts += fmt::format("{}:{}", k, layout_key(io.inputs[k]));
        ++k;
      }
    key += layouts;
  }
  if (auto choice = cached_kernel_choice(key); choice && *choice >= 0 && *choice < variants)
    if (auto kernel = build(*choice)) return kernel;
  const int output = group.back()->outputs[0];
  auto scratch_for = [&](size_t output_bytes) {  // the largest output layout of any variant
    return ScratchArgs(graph, group, [&](int v) {
      return v == output ? std::max(output_bytes, stored_bytes(graph, v)) : stored_bytes(graph, v);
    });
  };
  if (constant_bytes(graph, group) > kOneAtATimeBytes) {
    std::vector<double> ms;
    std::vector<int> timed;
    for (int v = 0; v < variants; ++v)
      if (auto kernel = build(v)) {
        ms.push_back(best_times(scratch_for(kernel->output_desc().get_size()), {kernel.get()})[0]);
        timed.push_back(v);
      }
    if (timed.empty()) return nullptr;
    const int pick = timed[clear_winner(ms)];
    remember_kernel_choice(key, pick);
    return build(pick);
  }
  std::vector<std::unique_ptr<DnnlKernel>> kernels;
  std::vector<Kernel*> candidates;
  std::vector<int> variant_of;
  size_t output_bytes = 0;
  for (int v = 0; v < variants; ++v)
    if (auto kernel = build(v)) {
      output_bytes = std::max(output_bytes, kernel->output_desc().get_size());
      candidates.push_back(kernel.get());
      kernels.push_back(std::move(kernel));
      variant_of.push_back(v);
    }
  if (kernels.empty()) return nullptr;
  if (kernels.size() == 1) return std::move(kernels[0]);  // nothing to time
  const size_t pick = clear_winner(best_times(scratch_for(output_bytes), candidates));
  remember_kernel_choice(key, variant_of[pick]);
  return std::move(kernels[pick]);
}

std::unique_ptr<Kernel> CpuBackend::with_thread_count(const Graph& graph,
                                                      std::span<const Node* const> group,
                                                      std::unique_ptr<Kernel> kernel) {
  const int threads = cores_.threads();
  if (threads == 1) return kernel;
  // Scratch inputs of other types could be integer parameters that zeros make invalid.
  for (const Node* node : group)
    for (int v : node->inputs)
      if (v >= 0 && !graph.values[v].is_constant() && graph.values[v].dtype != DType::f32)
        return kernel;
  const int output = group.back()->outputs[0];
  std::string key = fmt::format("{} threads or 1|{}", threads, signature(graph, group));
  for (const Node* node : group)
    for (int v : node->inputs)
      if (v >= 0) key += layout_key(stored(graph, v));
  key += layout_key(stored(graph, output));
  std::optional<int> alone = cached_kernel_choice(key);
  if (alone == 0) return kernel;
  auto one = std::make_unique<OneThread>(std::move(kernel), threads);
  if (!alone) {
    ScratchArgs args(graph, group, [&](int v) { return stored_bytes(graph, v); });
    alone = clear_winner(best_times(args, {&one->inner(), one.get()}));
    remember_kernel_choice(key, *alone);
  }
  if (*alone == 1) return one;
  return one->release();
}

dnnl::memory::desc CpuBackend::stored(const Graph& graph, int value) const {
  const dnnl::memory::desc* layout = blocked(graph, value);
  return layout ? *layout : plain_desc(graph.values[value].shape);
}

size_t CpuBackend::stored_bytes(const Graph& graph, int value) const {
  const dnnl::memory::desc* layout = blocked(graph, value);
  const auto plain = static_cast<size_t>(graph.values[value].bytes());
  return layout ? std::max(plain, layout->get_size()) : plain;
}

void CpuBackend::begin(const Graph& graph, const std::vector<Backend*>& compiled_by) {
  layouts_.clear();
  compiled_by_ = compiled_by;
  StridedViews views = plan_strided_views(
      graph, [&](int node) { return compiled_by[node] == this; },
      [&](int node) { return dynamic_cast<const CpuBackend*>(compiled_by[node]) != nullptr; });
  view_offsets_ = std::move(views.view_offset);
  for (const auto& [value, layout] : views.layouts)
    layouts_[value] = dnnl::memory::desc(layout.dims, dnnl::memory::data_type::f32, layout.strides);
}

std::optional<int64_t> CpuBackend::view_offset(const Graph& graph, const Node& node) const {
  auto it = view_offsets_.find(static_cast<int>(&node - graph.nodes.data()));
  if (it == view_offsets_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::vector<int64_t>> CpuBackend::in_place_inputs(const Graph& graph,
                                                                const Node& node) {
  if (node.op != "Concat") return std::nullopt;
  dnnl_ops::StoredLayouts io;
  for (int v : node.inputs) {
    if (graph.values[v].dtype != DType::f32) return std::nullopt;
    io.inputs.push_back(stored(graph, v));
  }
  const int output = node.outputs[0];
  io.free_output = layout_free(graph, output);
  auto in_place = dnnl_ops::concat_in_place(graph, node, io);
  if (!in_place) return std::nullopt;
  if (in_place->first != plain_desc(graph.values[output].shape)) layouts_[output] = in_place->first;
  return std::move(in_place->second);
}

const dnnl::memory::desc* CpuBackend::blocked(const Graph& graph, int value) const {
  // A view's layout is kept by the backend that planned the views it continues.
  const int producer = producer_past_views(graph, value);
  if (producer < 0) return nullptr;
  auto* owner = dynamic_cast<const CpuBackend*>(compiled_by_.at(producer));
  if (!owner) return nullptr;
  auto it = owner->layouts_.find(value);
  return it != owner->layouts_.end() ? &it->second : nullptr;
}

bool CpuBackend::layout_free(const Graph& graph, int value) const {
  const Value& v = graph.values[value];
  if (v.consumers.empty() || graph.is_graph_output(value)) return false;
  for (int c : v.consumers) {
    const Node& n = graph.nodes[c];
    if (n.is_view || !dynamic_cast<const CpuBackend*>(compiled_by_.at(c))) return false;
    if ((n.op == "Conv" || is_pool(n.op)) && n.inputs[0] == value &&
        std::count(n.inputs.begin(), n.inputs.end(), value) == 1)
      continue;
    if (n.op == "Concat") continue;
    // A full-size operand of an elementwise binary op (the kernel works in its layout).
    if (is_binary(n.op) && graph.values[n.outputs[0]].shape == v.shape &&
        std::count(n.inputs.begin(), n.inputs.end(), value) == 1)
      continue;
    if (n.op == "Add" && n.inputs.size() == 2 && residual_of_fused_conv(graph, n, value)) continue;
    return false;
  }
  return true;
}

}  // namespace cosched
