#include <cfloat>

#include "cos/exec/cuda/cuda_kernels.h"

namespace cosched::cuda {
namespace {

constexpr int kThreads = 256;

int blocks_for(int64_t n) {
  int64_t blocks = (n + kThreads - 1) / kThreads;
  return static_cast<int>(blocks < 65536 ? (blocks > 0 ? blocks : 1) : 65536);
}

__device__ float apply(const PointwiseOp& op, float v) {
  switch (op.code) {
    case PointwiseCode::relu:
      return v > 0 ? v : 0;
    case PointwiseCode::leaky_relu:
      return v >= 0 ? v : op.a * v;
    case PointwiseCode::clip:
      return fminf(fmaxf(v, op.a), op.b);
    case PointwiseCode::sigmoid:
      return 1 / (1 + expf(-v));
    case PointwiseCode::hard_sigmoid:
      return fminf(fmaxf(op.a * v + op.b, 0.f), 1.f);
    case PointwiseCode::hard_swish:
      return v * fminf(fmaxf(v / 6 + 0.5f, 0.f), 1.f);
    case PointwiseCode::tanh:
      return tanhf(v);
    case PointwiseCode::erf:
      return erff(v);
    case PointwiseCode::sqrt:
      return sqrtf(v);
    case PointwiseCode::exp:
      return expf(v);
    case PointwiseCode::log:
      return logf(v);
    case PointwiseCode::neg:
      return -v;
    case PointwiseCode::abs:
      return fabsf(v);
    case PointwiseCode::reciprocal:
      return 1 / v;
    case PointwiseCode::silu:
      return v / (1 + expf(-v));
    case PointwiseCode::gelu:
      return 0.5f * v * (1 + erff(v * 0.70710678118654752f));
    case PointwiseCode::elu:
      return v >= 0 ? v : op.a * (expf(v) - 1);
    case PointwiseCode::softplus:
      return log1pf(expf(v));
    case PointwiseCode::add_c:
      return v + op.a;
    case PointwiseCode::sub_c:
      return v - op.a;
    case PointwiseCode::rsub_c:
      return op.a - v;
    case PointwiseCode::mul_c:
      return v * op.a;
    case PointwiseCode::div_c:
      return v / op.a;
    case PointwiseCode::rdiv_c:
      return op.a / v;
    case PointwiseCode::pow_c:
      return op.a == 2 ? v * v : powf(v, op.a);
  }
  return v;
}

__device__ float finish(const Epilogue& e, int64_t i, float v) {
  if (e.scale || e.bias) {
    int64_t c = (i / e.inner) % e.channels;
    if (e.scale) v *= e.scale[c];
    if (e.bias) v += e.bias[c];
  }
  if (e.residual) v += e.residual[i];
  for (int k = 0; k < e.n_ops; ++k) v = apply(e.ops[k], v);
  return v;
}

__global__ void pointwise_kernel(const float* x, float* y, int64_t n, Epilogue e) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] = finish(e, i, x[i]);
}

// The offsets of output element i in inputs 0 and 1.
__device__ void offsets(const Indexer& ix, int64_t i, int64_t& o0, int64_t& o1) {
  o0 = ix.base[0];
  o1 = ix.base[1];
  for (int d = ix.rank - 1; d >= 0; --d) {
    int64_t k = i % ix.dims[d];
    i /= ix.dims[d];
    o0 += k * ix.stride[0][d];
    o1 += k * ix.stride[1][d];
  }
}

__device__ float combine(BinaryCode op, float a, float b) {
  switch (op) {
    case BinaryCode::add:
      return a + b;
    case BinaryCode::sub:
      return a - b;
    case BinaryCode::mul:
      return a * b;
    case BinaryCode::div:
      return a / b;
    case BinaryCode::pow:
      return powf(a, b);
    case BinaryCode::max:
      return fmaxf(a, b);
    case BinaryCode::min:
      return fminf(a, b);
  }
  return a;
}

__global__ void binary_kernel(BinaryCode op, const float* a, const float* b, float* y, int64_t n,
                              Indexer ix, Epilogue e) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t oa, ob;
    offsets(ix, i, oa, ob);
    y[i] = finish(e, i, combine(op, a[oa], b[ob]));
  }
}

template <typename T>
__global__ void strided_copy_kernel(const T* x, T* y, int64_t n, Indexer ix) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t o0, o1;
    offsets(ix, i, o0, o1);
    y[i] = x[o0];
  }
}

template <typename T>
__global__ void gather_kernel(const T* x, const int64_t* indices, T* y, int64_t outer, int64_t axis,
                              int64_t count, int64_t inner) {
  const int64_t n = outer * count * inner;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t r = i % inner, j = (i / inner) % count, o = i / (inner * count);
    int64_t k = indices[j] < 0 ? indices[j] + axis : indices[j];
    y[i] = k >= 0 && k < axis ? x[(o * axis + k) * inner + r] : T(0);  // never reads outside
  }
}

__global__ void pad_kernel(const float* x, float* y, int64_t n, PadSpec s) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t rest = i, offset = 0, stride = 1;
    bool inside = true;
    for (int d = s.rank - 1; d >= 0; --d) {
      int64_t k = rest % s.out[d] - s.begin[d];
      rest /= s.out[d];
      if (k < 0 || k >= s.in[d]) {
        if (s.mode == 0) {
          inside = false;
          break;
        }
        if (s.mode == 1) {  // reflect (no edge repeat)
          int64_t period = 2 * (s.in[d] - 1);
          k = period > 0 ? ((k % period) + period) % period : 0;
          if (k >= s.in[d]) k = period - k;
        } else {
          k = k < 0 ? 0 : s.in[d] - 1;
        }
      }
      offset += k * stride;
      stride *= s.in[d];
    }
    y[i] = inside ? x[offset] : s.value;
  }
}

__global__ void pool_kernel(const float* x, float* y, PoolSpec s) {
  const int64_t per_plane = s.out[0] * s.out[1] * s.out[2];
  const int64_t n = s.planes * per_plane;
  const int64_t in_plane = s.in[0] * s.in[1] * s.in[2];
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t plane = i / per_plane, o = i % per_plane;
    const int64_t o2 = o % s.out[2], o1 = (o / s.out[2]) % s.out[1], o0 = o / (s.out[2] * s.out[1]);
    const float* p = x + plane * in_plane;
    float acc = s.max ? -FLT_MAX : 0;
    int64_t counted = 0;
    for (int64_t k0 = 0; k0 < s.kernel[0]; ++k0) {
      int64_t h0 = o0 * s.stride[0] - s.pad_begin[0] + k0 * s.dilation[0];
      for (int64_t k1 = 0; k1 < s.kernel[1]; ++k1) {
        int64_t h1 = o1 * s.stride[1] - s.pad_begin[1] + k1 * s.dilation[1];
        for (int64_t k2 = 0; k2 < s.kernel[2]; ++k2) {
          int64_t h2 = o2 * s.stride[2] - s.pad_begin[2] + k2 * s.dilation[2];
          bool in = h0 >= 0 && h0 < s.in[0] && h1 >= 0 && h1 < s.in[1] && h2 >= 0 && h2 < s.in[2];
          if (in) {
            float v = p[(h0 * s.in[1] + h1) * s.in[2] + h2];
            acc = s.max ? fmaxf(acc, v) : acc + v;
            ++counted;
          } else if (!s.max && s.count_include_pad && h0 < s.in[0] + s.pad_end_attr[0] &&
                     h1 < s.in[1] + s.pad_end_attr[1] && h2 < s.in[2] + s.pad_end_attr[2]) {
            ++counted;  // a padded position the model asked for
          }
        }
      }
    }
    y[i] = s.max ? acc : (counted > 0 ? acc / counted : 0.f);
  }
}

__device__ float warp_sum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
  return __shfl_sync(0xffffffffu, v, 0);
}

__device__ float warp_max(float v) {
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_down_sync(0xffffffffu, v, o));
  return __shfl_sync(0xffffffffu, v, 0);
}

// One warp per row.
__global__ void reduce_rows_kernel(const float* x, float* y, int64_t rows, int64_t cols,
                                   bool mean) {
  const int lane = threadIdx.x % 32;
  const int64_t warps = int64_t(gridDim.x) * (blockDim.x / 32);
  for (int64_t r = (blockIdx.x * int64_t(blockDim.x) + threadIdx.x) / 32; r < rows; r += warps) {
    const float* p = x + r * cols;
    float acc = mean ? 0.f : -FLT_MAX;
    for (int64_t c = lane; c < cols; c += 32) acc = mean ? acc + p[c] : fmaxf(acc, p[c]);
    acc = mean ? warp_sum(acc) : warp_max(acc);
    if (lane == 0) y[r] = mean ? acc / cols : acc;
  }
}

__global__ void reduce_mean_kernel(const float* x, float* y, int64_t n_out, ReduceSpec s) {
  const int lane = threadIdx.x % 32;
  const int64_t warps = int64_t(gridDim.x) * (blockDim.x / 32);
  for (int64_t o = (blockIdx.x * int64_t(blockDim.x) + threadIdx.x) / 32; o < n_out; o += warps) {
    int64_t base, unused;
    offsets(s.kept, o, base, unused);
    float acc = 0;
    for (int64_t r = lane; r < s.count; r += 32) {
      int64_t at, unused2;
      offsets(s.reduced, r, at, unused2);
      acc += x[base + at];
    }
    acc = warp_sum(acc);
    if (lane == 0) y[o] = acc / s.count;
  }
}

// One warp per row: mean, then variance around it, then the affine map.
__global__ void layer_norm_kernel(const float* x, const float* scale, const float* bias, float* y,
                                  int64_t rows, int64_t cols, float epsilon) {
  const int lane = threadIdx.x % 32;
  const int64_t warps = int64_t(gridDim.x) * (blockDim.x / 32);
  for (int64_t r = (blockIdx.x * int64_t(blockDim.x) + threadIdx.x) / 32; r < rows; r += warps) {
    const float* p = x + r * cols;
    float sum = 0;
    for (int64_t c = lane; c < cols; c += 32) sum += p[c];
    const float mean = warp_sum(sum) / cols;
    float sq = 0;
    for (int64_t c = lane; c < cols; c += 32) sq += (p[c] - mean) * (p[c] - mean);
    const float inv = rsqrtf(warp_sum(sq) / cols + epsilon);
    for (int64_t c = lane; c < cols; c += 32) {
      float v = (p[c] - mean) * inv;
      if (scale) v *= scale[c];
      if (bias) v += bias[c];
      y[r * cols + c] = v;
    }
  }
}

int warp_blocks(int64_t rows) {
  return blocks_for(rows * 32);
}

}  // namespace

void pointwise(const float* x, float* y, int64_t n, const Epilogue& e, cudaStream_t stream) {
  pointwise_kernel<<<blocks_for(n), kThreads, 0, stream>>>(x, y, n, e);
}

void binary(BinaryCode op, const float* a, const float* b, float* y, int64_t n,
            const Indexer& index, const Epilogue& e, cudaStream_t stream) {
  binary_kernel<<<blocks_for(n), kThreads, 0, stream>>>(op, a, b, y, n, index, e);
}

void strided_copy(const void* x, void* y, int64_t n, int element_size, const Indexer& index,
                  cudaStream_t stream) {
  const int blocks = blocks_for(n);
  switch (element_size) {
    case 1:
      strided_copy_kernel<<<blocks, kThreads, 0, stream>>>(static_cast<const uint8_t*>(x),
                                                           static_cast<uint8_t*>(y), n, index);
      break;
    case 2:
      strided_copy_kernel<<<blocks, kThreads, 0, stream>>>(static_cast<const uint16_t*>(x),
                                                           static_cast<uint16_t*>(y), n, index);
      break;
    case 4:
      strided_copy_kernel<<<blocks, kThreads, 0, stream>>>(static_cast<const uint32_t*>(x),
                                                           static_cast<uint32_t*>(y), n, index);
      break;
    default:
      strided_copy_kernel<<<blocks, kThreads, 0, stream>>>(static_cast<const uint64_t*>(x),
                                                           static_cast<uint64_t*>(y), n, index);
  }
}

void gather(const void* x, const int64_t* indices, void* y, int64_t outer, int64_t axis,
            int64_t count, int64_t inner, int element_size, cudaStream_t stream) {
  const int blocks = blocks_for(outer * count * inner);
  switch (element_size) {
    case 1:
      gather_kernel<<<blocks, kThreads, 0, stream>>>(static_cast<const uint8_t*>(x), indices,
                                                     static_cast<uint8_t*>(y), outer, axis, count,
                                                     inner);
      break;
    case 2:
      gather_kernel<<<blocks, kThreads, 0, stream>>>(static_cast<const uint16_t*>(x), indices,
                                                     static_cast<uint16_t*>(y), outer, axis, count,
                                                     inner);
      break;
    case 4:
      gather_kernel<<<blocks, kThreads, 0, stream>>>(static_cast<const uint32_t*>(x), indices,
                                                     static_cast<uint32_t*>(y), outer, axis, count,
                                                     inner);
      break;
    default:
      gather_kernel<<<blocks, kThreads, 0, stream>>>(static_cast<const uint64_t*>(x), indices,
                                                     static_cast<uint64_t*>(y), outer, axis, count,
                                                     inner);
  }
}

void pad(const float* x, float* y, int64_t n, const PadSpec& spec, cudaStream_t stream) {
  pad_kernel<<<blocks_for(n), kThreads, 0, stream>>>(x, y, n, spec);
}

void pool(const float* x, float* y, const PoolSpec& spec, cudaStream_t stream) {
  const int64_t n = spec.planes * spec.out[0] * spec.out[1] * spec.out[2];
  pool_kernel<<<blocks_for(n), kThreads, 0, stream>>>(x, y, spec);
}

void reduce_rows(const float* x, float* y, int64_t rows, int64_t cols, bool mean,
                 cudaStream_t stream) {
  reduce_rows_kernel<<<warp_blocks(rows), kThreads, 0, stream>>>(x, y, rows, cols, mean);
}

void reduce_mean(const float* x, float* y, int64_t n_out, const ReduceSpec& spec,
                 cudaStream_t stream) {
  reduce_mean_kernel<<<warp_blocks(n_out), kThreads, 0, stream>>>(x, y, n_out, spec);
}

void layer_norm(const float* x, const float* scale, const float* bias, float* y, int64_t rows,
                int64_t cols, float epsilon, cudaStream_t stream) {
  layer_norm_kernel<<<warp_blocks(rows), kThreads, 0, stream>>>(x, scale, bias, y, rows, cols,
                                                                epsilon);
}

}  // namespace cosched::cuda
