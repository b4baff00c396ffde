// Convolution on cuDNN: the algorithm is found once per signature by timing (cudnnFind);
// bias, a residual Add and activations run after it in one epilogue kernel.
#include <fmt/format.h>

#include <map>
#include <mutex>
#include <optional>

#include "cos/common/error.h"
#include "cos/exec/cuda/cuda_kernel.h"
#include "cos/exec/cuda/cuda_ops.h"
#include "cos/exec/cuda/cudnn_descriptors.h"
#include "cos/exec/window.h"

namespace cosched::cuda_ops {
namespace {

constexpr size_t kMaxWorkspace = size_t(1) << 30;

std::vector<int> to_ints(const std::vector<int64_t>& v, size_t rank, int fill) {
  std::vector<int> out(v.begin(), v.end());
  while (out.size() < rank) out.push_back(fill);
  return out;
}

// The algorithm found per device and conv signature, for the process.
class ConvChoices {
 public:
  std::optional<int> find(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto it = choices_.find(key);
    return it == choices_.end() ? std::nullopt : std::optional<int>(it->second);
  }
  void remember(const std::string& key, int algo) {
    std::lock_guard lock(mutex_);
    choices_[key] = algo;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, int> choices_;
};

ConvChoices& conv_choices() {
  static ConvChoices choices;
  return choices;
}

struct ConvChoice {
  cudnnConvolutionFwdAlgo_t algo;
  cudnnMathType_t math;
  size_t workspace;
};

class ConvKernel : public CudaKernel {
 public:
  ConvKernel(CudaContext& context, const Graph& graph, Group group)
      : CudaKernel(context, graph, group, "cuda:cudnn"),
        window_(make_window(graph, *group[0])),
        x_(graph.values[group[0]->inputs[0]].shape),
        y_(graph.values[group[0]->outputs[0]].shape),
        x_desc_(padded_input()),
        w_desc_(graph.values[group[0]->inputs[1]].shape),
        y_desc_(y_),
        conv_(pads(), to_ints(window_.stride, 2, 1), to_ints(window_.dilation, 2, 1),
              static_cast<int>(group[0]->attr_int("group", 1))) {
    const Node& head = *group[0];
    has_bias_ = head.inputs.size() > 2 && head.inputs[2] >= 0;
    size_t first = 1;
    size_t other = 0;
    if (group.size() > 1 && add_role(graph, head, *group[1], &other) == AddRole::residual) {
      residual_ = arg_index(group, 1, other);
      first = 2;
    }
    add_chain(graph, group, first, group[first - 1]->outputs[0], epilogue_);
    epilogue_.channels = y_[1];
    epilogue_.inner = element_count(Shape(y_.begin() + 2, y_.end()));
    n_ = element_count(y_);
    if (prepad_) {
      for (size_t d = 0; d < x_.size(); ++d) pad_spec_.in[d] = x_[d];
      const Shape padded = padded_input();
      for (size_t d = 0; d < padded.size() && d < x_.size(); ++d) pad_spec_.out[d] = padded[d];
      for (int d = 0; d < window_.rank(); ++d) pad_spec_.begin[d + 2] = window_.pad_begin[d];
      pad_spec_.rank = static_cast<int>(x_.size());
      padded_n_ = element_count(padded);
      padded_ = DeviceBuffer(padded_n_ * sizeof(float));
    }
    choose(graph, group);
    context_.workspace(choice_.workspace);
    implementation_ = fmt::format("cuda:cudnn:algo{}{}{}", static_cast<int>(choice_.algo),
                                  choice_.math == CUDNN_FMA_MATH ? "" : ":tf32",
                                  epilogue_.empty() && !has_bias_ ? "" : "+epilogue");
  }

  void run(const KernelArgs& args) override {
    const float* x = in(args, 0);
    if (prepad_) {
      cuda::pad(x, static_cast<float*>(padded_.get()), padded_n_, pad_spec_, stream());
      x = static_cast<const float*>(padded_.get());
    }
    const float one = 1, zero = 0;
    check_cudnn(
        cudnnConvolutionForward(context_.cudnn(), &one, x_desc_.desc, x, w_desc_.desc, in(args, 1),
                                conv_.desc, choice_.algo, context_.workspace(choice_.workspace),
                                choice_.workspace, &zero, y_desc_.desc, out(args)),
        "cudnnConvolutionForward");
    if (epilogue_.empty() && !has_bias_ && residual_ == 0) return;
    cuda::Epilogue e = epilogue_;
    if (has_bias_) e.bias = in(args, 2);
    if (residual_) e.residual = in(args, residual_);
    cuda::pointwise(out(args), out(args), n_, e, stream());
  }

 private:
  static Window make_window(const Graph& graph, const Node& node) {
    const Shape& w = graph.values[node.inputs[1]].shape;
    return window_of(node, graph.values[node.inputs[0]].shape, graph.values[node.outputs[0]].shape,
                     Shape(w.begin() + 2, w.end()));
  }
  // cuDNN pads both ends alike: otherwise the kernel pads the input itself first.
  bool asymmetric() const {
    for (int d = 0; d < window_.rank(); ++d)
      if (window_.pad_begin[d] != window_.pad_end_attr[d]) return true;
    return false;
  }
  Shape padded_input() {
    prepad_ = asymmetric();
    Shape x = x_;
    if (prepad_)
      for (int d = 0; d < window_.rank(); ++d)
        x[d + 2] += window_.pad_begin[d] + window_.pad_end_attr[d];
    return x;
  }
  std::vector<int> pads() const {
    return prepad_ ? std::vector<int>(std::max(2, window_.rank()), 0)
                   : to_ints(window_.pad_begin, 2, 0);
  }

  void choose(const Graph& graph, Group group) {
    const Node& head = *group[0];
    std::string key =
        fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}", context_.device(), shape_string(padded_input()),
                    shape_string(graph.values[head.inputs[1]].shape), shape_string(y_),
                    fmt::join(pads(), ","), fmt::join(window_.stride, ","),
                    fmt::join(window_.dilation, ","), head.attr_int("group", 1), context_.tf32());
    const cudnnMathType_t wanted = context_.tf32() ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH;
    check_cudnn(cudnnSetConvolutionMathType(conv_.desc, wanted), "cudnnSetConvolutionMathType");
    if (std::optional<int> algo = conv_choices().find(key)) {
      choice_ = {static_cast<cudnnConvolutionFwdAlgo_t>(*algo), wanted, 0};
      if (settle()) return;
    }
    cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
    int found = 0;
    check_cudnn(cudnnFindConvolutionForwardAlgorithm(
                    context_.cudnn(), x_desc_.desc, w_desc_.desc, conv_.desc, y_desc_.desc,
                    CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &found, perf),
                "cudnnFindConvolutionForwardAlgorithm");
    // Fastest first; TF32 results only when asked for.
    for (int i = 0; i < found; ++i) {
      if (perf[i].status != CUDNN_STATUS_SUCCESS || perf[i].memory > kMaxWorkspace) continue;
      if (!context_.tf32() && perf[i].mathType == CUDNN_TENSOR_OP_MATH) continue;
      choice_ = {perf[i].algo, wanted, 0};
      if (settle()) {
        conv_choices().remember(key, static_cast<int>(choice_.algo));
        return;
      }
    }
    fail("node '{}' (Conv): cuDNN has no algorithm for it", head.name);
  }
  // Whether the chosen algorithm runs with this descriptor; sets its workspace size.
  bool settle() {
    return cudnnGetConvolutionForwardWorkspaceSize(context_.cudnn(), x_desc_.desc, w_desc_.desc,
                                                   conv_.desc, y_desc_.desc, choice_.algo,
                                                   &choice_.workspace) == CUDNN_STATUS_SUCCESS &&
           choice_.workspace <= kMaxWorkspace;
  }

  Window window_;
  Shape x_, y_;
  bool prepad_ = false;
  TensorDesc x_desc_;
  FilterDesc w_desc_;
  TensorDesc y_desc_;
  ConvDesc conv_;
  ConvChoice choice_{};
  bool has_bias_ = false;
  size_t residual_ = 0;  // KernelArgs index of a fused residual, 0 for none
  cuda::Epilogue epilogue_;
  cuda::PadSpec pad_spec_;
  DeviceBuffer padded_;
  int64_t padded_n_ = 0, n_ = 0;
};

}  // namespace

std::unique_ptr<Kernel> conv(CudaContext& context, const Graph& graph, Group group) {
  const Node& head = *group[0];
  const Shape& x = graph.values[head.inputs[0]].shape;
  if (x.size() < 3 || x.size() > 5 || !graph.constant_input(head, 1)) return nullptr;
  for (int v : head.inputs)
    if (v >= 0 && graph.values[v].dtype != DType::f32) return nullptr;
  return std::make_unique<ConvKernel>(context, graph, group);
}

}  // namespace cosched::cuda_ops
