// Gemm and MatMul on cuBLAS (row-major products as column-major ones of the transposes),
// with a bias, a residual Add and activations in one epilogue kernel.
#include <fmt/format.h>

#include <algorithm>

#include "cos/common/error.h"
#include "cos/exec/cuda/cuda_kernel.h"
#include "cos/exec/cuda/cuda_ops.h"

namespace cosched::cuda_ops {
namespace {

class MatMulKernel : public CudaKernel {
 public:
  MatMulKernel(CudaContext& context, const Graph& graph, Group group)
      : CudaKernel(context, graph, group, "cuda:cublas") {
    const Node& head = *group[0];
    const Shape& y = graph.values[head.outputs[0]].shape;
    if (head.op == "Gemm")
      setup_gemm(graph, head, y);
    else
      setup_matmul(graph, head, y);
    n_ = element_count(y);
    size_t first = 1;
    size_t other = 0;
    const AddRole role =
        group.size() > 1 ? add_role(graph, head, *group[1], &other) : AddRole::none;
    if (role != AddRole::none) {
      (role == AddRole::residual ? residual_ : bias_) = arg_index(group, 1, other);
      first = 2;
    }
    if (role == AddRole::bias && group.size() > 2 &&
        add_role(graph, *group[1], *group[2], &other) == AddRole::residual) {
      residual_ = arg_index(group, 2, other);  // the bias, then a residual
      first = 3;
    }
    add_chain(graph, group, first, group[first - 1]->outputs[0], epilogue_);
    epilogue_.inner = 1;
    epilogue_.channels = n_cols_;
    if (group.size() > 1) implementation_ += "+epilogue";
  }

  void run(const KernelArgs& args) override {
    float* y = out(args);
    float beta = 0;
    if (c_) {
      cuda::strided_copy(in(args, c_), y, n_, sizeof(float), c_index_, stream());
      beta = beta_;
    }
    const float* a = in(args, 0);
    const float* b = in(args, 1);
    cublasHandle_t h = context_.cublas();
    const cublasOperation_t op_a = trans_a_ ? CUBLAS_OP_T : CUBLAS_OP_N;
    const cublasOperation_t op_b = trans_b_ ? CUBLAS_OP_T : CUBLAS_OP_N;
    const int lda = trans_a_ ? m_ : k_, ldb = trans_b_ ? k_ : n_cols_;
    if (batch_offsets_.empty()) {
      check_cublas(cublasSgemmStridedBatched(h, op_b, op_a, n_cols_, m_, k_, &alpha_, b, ldb,
                                             stride_b_, a, lda, stride_a_, &beta, y, n_cols_,
                                             int64_t(m_) * n_cols_, batches_),
                   "cublasSgemmStridedBatched");
    } else {
      for (int i = 0; i < batches_; ++i)
        check_cublas(cublasSgemm(h, op_b, op_a, n_cols_, m_, k_, &alpha_,
                                 b + batch_offsets_[i].second, ldb, a + batch_offsets_[i].first,
                                 lda, &beta, y + int64_t(i) * m_ * n_cols_, n_cols_),
                     "cublasSgemm");
    }
    if (epilogue_.empty() && !bias_ && !residual_) return;
    cuda::Epilogue e = epilogue_;
    if (bias_) e.bias = in(args, bias_);
    if (residual_) e.residual = in(args, residual_);
    cuda::pointwise(y, y, n_, e, stream());
  }

 private:
  void setup_gemm(const Graph& graph, const Node& node, const Shape& y) {
    trans_a_ = node.attr_int("transA", 0) != 0;
    trans_b_ = node.attr_int("transB", 0) != 0;
    alpha_ = static_cast<float>(node.attr_float("alpha", 1.0));
    beta_ = static_cast<float>(node.attr_float("beta", 1.0));
    const Shape& a = graph.values[node.inputs[0]].shape;
    m_ = static_cast<int>(y[0]);
    n_cols_ = static_cast<int>(y[1]);
    k_ = static_cast<int>(trans_a_ ? a[0] : a[1]);
    if (node.inputs.size() > 2 && node.inputs[2] >= 0 && beta_ != 0) {
      c_ = 2;
      broadcast_into(c_index_, 0, graph.values[node.inputs[2]].shape, y);
    }
  }

  void setup_matmul(const Graph& graph, const Node& node, const Shape& y) {
    Shape a = graph.values[node.inputs[0]].shape, b = graph.values[node.inputs[1]].shape;
    if (a.size() == 1) a.insert(a.begin(), 1);  // a row vector
    if (b.size() == 1) b.push_back(1);          // a column vector
    k_ = static_cast<int>(a.back());
    n_cols_ = static_cast<int>(b.back());
    // Weights shared by every batch: one product with the batch dims folded into the rows
    // (a [197, 1, 768] input is one 197-row product, not 197 one-row products).
    if (std::all_of(b.begin(), b.end() - 2, [](int64_t d) { return d == 1; })) {
      m_ = static_cast<int>(element_count(a) / k_);
      return;
    }
    m_ = static_cast<int>(a[a.size() - 2]);
    // Batch dims broadcast: each output batch reads one matrix of a and one of b.
    const Shape batch_a(a.begin(), a.end() - 2), batch_b(b.begin(), b.end() - 2);
    Shape batch = batch_a.size() >= batch_b.size() ? batch_a : batch_b;
    for (size_t i = 0; i < batch.size(); ++i) {
      auto dim = [&](const Shape& s) {
        size_t lead = batch.size() - s.size();
        return i < lead ? int64_t{1} : s[i - lead];
      };
      batch[i] = std::max(dim(batch_a), dim(batch_b));
    }
    cuda::Indexer index;
    broadcast_into(index, 0, batch_a, batch);
    broadcast_into(index, 1, batch_b, batch);
    batches_ = static_cast<int>(element_count(batch));
    std::vector<std::pair<int64_t, int64_t>> offsets;
    const int64_t size_a = int64_t(m_) * k_, size_b = int64_t(k_) * n_cols_;
    for (int64_t i = 0; i < batches_; ++i) {
      int64_t rest = i, oa = 0, ob = 0;
      for (int d = index.rank - 1; d >= 0; --d) {
        int64_t k = rest % index.dims[d];
        rest /= index.dims[d];
        oa += k * index.stride[0][d];
        ob += k * index.stride[1][d];
      }
      offsets.emplace_back(oa * size_a, ob * size_b);
    }
    stride_a_ = batches_ > 1 ? offsets[1].first : 0;
    stride_b_ = batches_ > 1 ? offsets[1].second : 0;
    for (int64_t i = 0; i < batches_; ++i)
      if (offsets[i].first != i * stride_a_ || offsets[i].second != i * stride_b_)
        batch_offsets_ = offsets;  // not one stride: a product per batch
  }

  bool trans_a_ = false, trans_b_ = false;
  float alpha_ = 1, beta_ = 1;
  int m_ = 0, n_cols_ = 0, k_ = 0, batches_ = 1;
  int64_t stride_a_ = 0, stride_b_ = 0;
  std::vector<std::pair<int64_t, int64_t>> batch_offsets_;
  size_t c_ = 0, bias_ = 0, residual_ = 0;  // KernelArgs indices, 0 for none
  cuda::Indexer c_index_;
  cuda::Epilogue epilogue_;
  int64_t n_ = 0;
};

}  // namespace

std::unique_ptr<Kernel> matmul(CudaContext& context, const Graph& graph, Group group) {
  const Node& head = *group[0];
  for (int v : head.inputs)
    if (v >= 0 && graph.values[v].dtype != DType::f32) return nullptr;
  if (head.op == "Gemm" && graph.values[head.inputs[0]].shape.size() != 2) return nullptr;
  return std::make_unique<MatMulKernel>(context, graph, group);
}

}  // namespace cosched::cuda_ops
