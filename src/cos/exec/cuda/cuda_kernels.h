#pragma once

// The cuda backend's own kernels (cuda_kernels.cu), for what cuDNN and cuBLAS do not cover:
// elementwise chains, broadcasts, data movement, pooling, reductions. Plain structs passed
// by value; every launch is asynchronous on `stream`.
#include <cuda_runtime.h>

#include <cstdint>

namespace cosched::cuda {

// One elementwise step applied to the running value v.
enum class PointwiseCode : int {
  relu,
  leaky_relu,
  clip,
  sigmoid,
  hard_sigmoid,
  hard_swish,
  tanh,
  erf,
  sqrt,
  exp,
  log,
  neg,
  abs,
  reciprocal,
  silu,
  gelu,
  elu,
  softplus,
  add_c,
  sub_c,
  rsub_c,
  mul_c,
  div_c,
  rdiv_c,
  pow_c  // with the constant a
};

struct PointwiseOp {
  PointwiseCode code = PointwiseCode::relu;
  float a = 0, b = 0;
};

// What a producer (Conv, Gemm, MatMul, BatchNormalization, a binary op) applies to each
// element it wrote, in order: v = v * scale[c] + bias[c] (either may be null), v += residual[i]
// (if not null), then the ops. c = (i / inner) % channels.
struct Epilogue {
  static constexpr int max_ops = 8;
  const float* scale = nullptr;
  const float* bias = nullptr;
  int64_t inner = 1, channels = 1;
  const float* residual = nullptr;
  int n_ops = 0;
  PointwiseOp ops[max_ops];

  bool empty() const { return !scale && !bias && !residual && n_ops == 0; }
};

// y[i] = epilogue(x[i]); x may equal y.
void pointwise(const float* x, float* y, int64_t n, const Epilogue& e, cudaStream_t stream);

// An index map from a row-major output of up to 8 dims to offsets in up to two inputs:
// offset_k(index) = base[k] + sum_d index_d * stride[k][d].
struct Indexer {
  static constexpr int max_rank = 8;
  int rank = 0;
  int64_t dims[max_rank] = {};
  int64_t stride[2][max_rank] = {};
  int64_t base[2] = {0, 0};
};

enum class BinaryCode : int { add, sub, mul, div, pow, max, min };

// y[i] = epilogue(a[offset_0(i)] op b[offset_1(i)]) over the indexer's output.
void binary(BinaryCode op, const float* a, const float* b, float* y, int64_t n,
            const Indexer& index, const Epilogue& e, cudaStream_t stream);

// y[i] = x[offset_0(i)] for elements of `element_size` bytes (1, 2, 4 or 8): transpose,
// slice, split, broadcast (stride 0).
void strided_copy(const void* x, void* y, int64_t n, int element_size, const Indexer& index,
                  cudaStream_t stream);

// Gather along an axis: x is [outer, axis, inner], y is [outer, count, inner],
// y[o, j, i] = x[o, indices[j], i]; negative indices count from the end, and an index out of
// range gives zeros.
void gather(const void* x, const int64_t* indices, void* y, int64_t outer, int64_t axis,
            int64_t count, int64_t inner, int element_size, cudaStream_t stream);

// Pad of an f32 tensor (rank up to 8): mode 0 constant, 1 reflect, 2 edge.
struct PadSpec {
  int rank = 0;
  int64_t in[Indexer::max_rank] = {}, out[Indexer::max_rank] = {}, begin[Indexer::max_rank] = {};
  int mode = 0;
  float value = 0;
};
void pad(const float* x, float* y, int64_t n, const PadSpec& spec, cudaStream_t stream);

// Max or average pooling over 1 to 3 spatial dims; x is [planes, in...], y [planes, out...].
struct PoolSpec {
  int rank = 0;
  bool max = true;
  bool count_include_pad = false;
  int64_t planes = 0;
  int64_t in[3] = {1, 1, 1}, out[3] = {1, 1, 1}, kernel[3] = {1, 1, 1}, stride[3] = {1, 1, 1},
          dilation[3] = {1, 1, 1}, pad_begin[3] = {}, pad_end_attr[3] = {};
};
void pool(const float* x, float* y, const PoolSpec& spec, cudaStream_t stream);

// Reduction over the rows of a [rows, cols] view, one output per row: mean (else max),
// times `scale` (1 for the plain reduction).
void reduce_rows(const float* x, float* y, int64_t rows, int64_t cols, bool mean,
                 cudaStream_t stream);

// Mean over the dims marked in a general layout: y[o] = mean of x[base(o) + r-offsets].
struct ReduceSpec {
  Indexer kept;     // over the output: dims kept, strides into x
  Indexer reduced;  // over the reduced dims, strides into x
  int64_t count = 1;
};
void reduce_mean(const float* x, float* y, int64_t n_out, const ReduceSpec& spec,
                 cudaStream_t stream);

// Layer normalization over the last `cols` of each row; scale and bias may be null.
void layer_norm(const float* x, const float* scale, const float* bias, float* y, int64_t rows,
                int64_t cols, float epsilon, cudaStream_t stream);

}  // namespace cosched::cuda
