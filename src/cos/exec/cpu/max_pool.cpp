#include "cos/exec/cpu/max_pool.h"

#include <algorithm>
#include <cstring>
#include <limits>

// The 32-byte vectors pass through no call (always inlined); GCC warns of their ABI anyway.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace cosched {
namespace {

using dnnl::memory;
using Floats = float __attribute__((vector_size(32)));  // one run of 8 channels

// Where one output row of one run of 8 channels reads and writes: elements between pixels
// of a row (input and output share the layout) and between input rows, and the window across
// the row.
struct Row {
  int64_t in_width, out_width, pixel, in_row;
  int64_t kernel, stride, dilation, pad;
};

// The max of 8 channels over `columns` pixels `dilation` apart in each of `rows` rows.
__attribute__((always_inline)) inline Floats window_max(const float* in, const int64_t* rows,
                                                        int64_t row_count, int64_t columns,
                                                        const Row& r) {
  Floats m = Floats{} - std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < row_count; ++i) {
    const float* row = in + rows[i] * r.in_row;
    for (int64_t k = 0; k < columns; ++k) {
      Floats v;
      std::memcpy(&v, row + k * r.dilation * r.pixel, sizeof v);
      m = m > v ? m : v;
    }
  }
  return m;
}

// One output row of one run of 8 channels: each pixel the max over the window's `rows` and
// its columns that lie inside the input.
__attribute__((target_clones("avx2", "default"))) void max_row(const float* in, const int64_t* rows,
                                                               int64_t row_count, float* out,
                                                               const Row& r) {
  // Windows from column `inner_from` up to `inner_to` lie wholly inside the input.
  const int64_t span = (r.kernel - 1) * r.dilation;
  const int64_t inner_from = std::min(r.out_width, (r.pad + r.stride - 1) / r.stride);
  const int64_t inner_to = std::clamp<int64_t>(
      r.in_width - span + r.pad > 0 ? (r.in_width - 1 - span + r.pad) / r.stride + 1 : 0,
      inner_from, r.out_width);
  for (int64_t ow = 0; ow < r.out_width; ++ow) {
    const int64_t start = ow * r.stride - r.pad;
    Floats m;
    if (ow >= inner_from && ow < inner_to && r.kernel == 3 && row_count == 3) {
      m = window_max(in + start * r.pixel, rows, 3, 3, r);  // constants: unrolled
    } else if (ow >= inner_from && ow < inner_to) {
      m = window_max(in + start * r.pixel, rows, row_count, r.kernel, r);
    } else {  // the window's columns inside: start + k * dilation in [0, in_width)
      const int64_t lo = start >= 0 ? 0 : (-start + r.dilation - 1) / r.dilation;
      const int64_t hi = std::min(r.kernel, (r.in_width - start + r.dilation - 1) / r.dilation);
      const float* first = in + (start + lo * r.dilation) * r.pixel;
      m = window_max(first, rows, row_count, std::max<int64_t>(hi - lo, 0), r);
    }
    std::memcpy(out + ow * r.pixel, &m, sizeof m);
  }
}

}  // namespace

std::unique_ptr<MaxPoolChannelsInner> MaxPoolChannelsInner::make(const DnnlContext& context,
                                                                 const memory::desc& src,
                                                                 const Window& window) {
  using tag = memory::format_tag;
  const memory::dims dims = src.dims();
  if (window.rank() != 2 || dims.size() != 4 || dims[1] % 8 != 0 || window.kernel[0] > 64)
    return nullptr;
  const auto f32 = memory::data_type::f32;
  memory::dims out = {dims[0], dims[1], window.out[0], window.out[1]};
  for (auto [layout, block] :
       {std::pair{tag::nChw8c, int64_t{8}}, {tag::nChw16c, int64_t{16}}, {tag::nhwc, dims[1]}}) {
    if (dims[1] % block != 0 || memory::desc(dims, f32, layout) != src) continue;
    std::unique_ptr<MaxPoolChannelsInner> kernel(
        new MaxPoolChannelsInner(context, window, dims[0], dims[1], block));
    kernel->set_output_desc(memory::desc(out, f32, layout));
    return kernel;
  }
  return nullptr;
}

MaxPoolChannelsInner::MaxPoolChannelsInner(const DnnlContext& context, const Window& window,
                                           int64_t batch, int64_t channels, int64_t block)
    : DnnlKernel(context, "own max pool"),
      window_(window),
      batch_(batch),
      channels_(channels),
      block_(block) {}

int64_t MaxPoolChannelsInner::offset(int64_t n, int64_t c, int64_t h, int64_t w) const {
  return (n * channels_ + c / block_ * block_) * h * w + c % block_;
}

void MaxPoolChannelsInner::run(const KernelArgs& args) {
  const auto* in = static_cast<const float*>(args.inputs[0]);
  auto* out = static_cast<float*>(args.outputs[0]);
  const Window& w = window_;
  const int64_t ih = w.in[0], iw = w.in[1], oh = w.out[0], ow = w.out[1];
  const Row row{.in_width = iw,
                .out_width = ow,
                .pixel = block_,
                .in_row = iw * block_,
                .kernel = w.kernel[1],
                .stride = w.stride[1],
                .dilation = w.dilation[1],
                .pad = w.pad_begin[1]};
  const int64_t runs = channels_ / 8;
  constexpr int64_t kParallelOutputs = 1 << 14;  // fewer are pooled faster than threads start
#pragma omp parallel for collapse(3) \
    schedule(static) if (batch_ * channels_ * oh * ow > kParallelOutputs)
  for (int64_t n = 0; n < batch_; ++n)
    for (int64_t run = 0; run < runs; ++run)
      for (int64_t y = 0; y < oh; ++y) {
        int64_t rows[64];  // the window's rows inside the input
        int64_t count = 0;
        for (int64_t k = 0; k < w.kernel[0] && count < 64; ++k) {
          const int64_t r = y * w.stride[0] - w.pad_begin[0] + k * w.dilation[0];
          if (r >= 0 && r < ih) rows[count++] = r;
        }
        max_row(in + offset(n, run * 8, ih, iw), rows, count,
                out + offset(n, run * 8, oh, ow) + y * ow * block_, row);
      }
}

}  // namespace cosched
