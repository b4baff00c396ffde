// Reference Gemm and MatMul: triple loops with double accumulation.
#include "cos/exec/reference/ref_kernels.h"
#include "cos/exec/reference/ref_util.h"

namespace cosched::ref {

std::unique_ptr<Kernel> gemm(const Graph& graph, const Node& node) {
  const Shape& a = shape_of(graph, node.inputs[0]);
  const Shape& y = shape_of(graph, node.outputs[0]);
  const bool trans_a = node.attr_int("transA", 0) != 0;
  const bool trans_b = node.attr_int("transB", 0) != 0;
  const float alpha = static_cast<float>(node.attr_float("alpha", 1.0));
  const float beta = static_cast<float>(node.attr_float("beta", 1.0));
  const int64_t m = y[0], n = y[1], k = trans_a ? a[0] : a[1];
  const bool has_c = node.inputs.size() > 2 && node.inputs[2] >= 0;
  Shape c_strides = has_c ? broadcast_strides(shape_of(graph, node.inputs[2]), y) : Shape{0, 0};
  return kernel([=](const KernelArgs& args) {
    auto* A = static_cast<const float*>(args.inputs[0]);
    auto* B = static_cast<const float*>(args.inputs[1]);
    auto* C = has_c ? static_cast<const float*>(args.inputs[2]) : nullptr;
    auto* Y = static_cast<float*>(args.outputs[0]);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0;
        for (int64_t p = 0; p < k; ++p) {
          double av = trans_a ? A[p * m + i] : A[i * k + p];
          double bv = trans_b ? B[j * k + p] : B[p * n + j];
          acc += av * bv;
        }
        double c = C ? C[i * c_strides[0] + j * c_strides[1]] : 0.0;
        Y[i * n + j] = static_cast<float>(alpha * acc + beta * c);
      }
  });
}

std::unique_ptr<Kernel> matmul(const Graph& graph, const Node& node) {
  Shape a = shape_of(graph, node.inputs[0]);
  Shape b = shape_of(graph, node.inputs[1]);
  // numpy semantics: a 1-D operand becomes a row (a) or a column (b) matrix.
  if (a.size() == 1) a.insert(a.begin(), 1);
  if (b.size() == 1) b.push_back(1);
  const int64_t m = a[a.size() - 2], k = a.back(), n = b.back();
  Shape batch_a(a.begin(), a.end() - 2), batch_b(b.begin(), b.end() - 2);
  Shape batch(std::max(batch_a.size(), batch_b.size()), 1);
  for (size_t i = 0; i < batch.size(); ++i) {
    size_t from_end = batch.size() - i;
    int64_t da = from_end <= batch_a.size() ? batch_a[batch_a.size() - from_end] : 1;
    int64_t db = from_end <= batch_b.size() ? batch_b[batch_b.size() - from_end] : 1;
    batch[i] = std::max(da, db);
  }
  // Strides in whole matrices.
  std::vector<Shape> strides = {broadcast_strides(batch_a, batch),
                                broadcast_strides(batch_b, batch)};
  return kernel([=](const KernelArgs& args) {
    auto* A = static_cast<const float*>(args.inputs[0]);
    auto* B = static_cast<const float*>(args.inputs[1]);
    auto* Y = static_cast<float*>(args.outputs[0]);
    float* out = Y;
    for_each_offset(batch, strides, [&](const std::vector<int64_t>& offsets) {
      const float* a_mat = A + offsets[0] * m * k;
      const float* b_mat = B + offsets[1] * k * n;
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          double acc = 0;
          for (int64_t p = 0; p < k; ++p)
            acc += static_cast<double>(a_mat[i * k + p]) * b_mat[p * n + j];
          out[i * n + j] = static_cast<float>(acc);
        }
      out += m * n;
    });
  });
}

}  // namespace cosched::ref
