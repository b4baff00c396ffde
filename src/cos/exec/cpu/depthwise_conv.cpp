#include "cos/exec/cpu/depthwise_conv.h"

#include <algorithm>
#include <utility>

namespace cosched {

bool depthwise_available() {
  return __builtin_cpu_supports("avx512f");
}

}  // namespace cosched

// Everything below uses AVX-512; it only runs where depthwise_available() said so.
#pragma GCC push_options
#pragma GCC target("avx512f")
// GCC 12's AVX-512 headers trip -Wmaybe-uninitialized on their own undefined vectors (GCC bug
// 105593).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

namespace cosched {
namespace {

using Activations = std::span<const DepthwiseActivation>;

// e^x to about 1e-7 relative: x = n ln2 + r with |r| <= ln2/2, e^r by its Taylor polynomial
// of degree 6, then scaled by 2^n.
__m512 exp_ps(__m512 x) {
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.3f)), _mm512_set1_ps(88.7f));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);  // ln2 in two parts
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.0f / 720);
  for (float c : {1.0f / 120, 1.0f / 24, 1.0f / 6, 0.5f, 1.0f, 1.0f})
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(c));
  return _mm512_scalef_ps(p, n);
}

// 1 / x: the 14-bit estimate refined by one Newton step (a division takes several times longer).
__m512 reciprocal_ps(__m512 x) {
  const __m512 r = _mm512_rcp14_ps(x);
  return _mm512_mul_ps(r, _mm512_fnmadd_ps(x, r, _mm512_set1_ps(2.0f)));
}

// x / (1 + e^-(alpha x)): swish; with `times_x` false, the sigmoid of alpha x.
__m512 swish_ps(__m512 x, float alpha, bool times_x) {
  const __m512 e = exp_ps(_mm512_mul_ps(x, _mm512_set1_ps(-alpha)));
  const __m512 s = reciprocal_ps(_mm512_add_ps(_mm512_set1_ps(1.0f), e));
  return times_x ? _mm512_mul_ps(x, s) : s;
}

__m512 clip_ps(__m512 x, float lo, float hi) {
  return _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(lo)), _mm512_set1_ps(hi));
}

// Applies `a` to the n vectors `stride` floats apart from `data` (one output row, in L1).
void activate(float* data, int64_t n, int64_t stride, const DepthwiseActivation& a) {
  using A = DepthwiseActivation;
  for (int64_t i = 0; i < n; ++i) {
    float* p = data + i * stride;
    const __m512 x = _mm512_loadu_ps(p);
    __m512 y;
    switch (a.kind) {
      case A::relu:
        y = _mm512_mask_mul_ps(x, _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ), x,
                               _mm512_set1_ps(a.alpha));
        break;
      case A::clip:
        y = clip_ps(x, a.alpha, a.beta);
        break;
      case A::linear:
        y = _mm512_fmadd_ps(x, _mm512_set1_ps(a.alpha), _mm512_set1_ps(a.beta));
        break;
      case A::swish:
        y = swish_ps(x, a.alpha, true);
        break;
      case A::logistic:
        y = swish_ps(x, 1.0f, false);
        break;
      case A::hardswish:
        y = _mm512_mul_ps(
            x, clip_ps(_mm512_fmadd_ps(x, _mm512_set1_ps(1.0f / 6), _mm512_set1_ps(0.5f)), 0, 1));
        break;
    }
    _mm512_storeu_ps(p, y);
  }
}

// One output row of one channel block: `image` points at the block's first input pixel and
// `out` at the row's first output pixel; pixels lie `in_px` / `out_px` floats apart (16 in
// nChw16c, the channel count in nhwc); kernel rows [kh_lo, kh_hi) fall inside the image.
struct RowTask {
  const float* image;
  const float* weights;
  __m512 bias;
  float* out;
  int64_t in_px, out_px, ih0, kh_lo, kh_hi;

  const float* input_row(int64_t kh, const DepthwiseGeometry& g) const {
    return image + (ih0 + kh * g.dilation_h) * g.in_w * in_px;
  }
};

// J output pixels from `ow` on, every kernel column inside the image: J accumulators in
// registers, each weight vector loaded once per J pixels.
template <int J>
void interior_pixels(const RowTask& t, int64_t ow, const DepthwiseGeometry& g) {
  __m512 acc[J];
  for (int j = 0; j < J; ++j) acc[j] = t.bias;
  const int64_t step = g.stride_w * t.in_px;
  for (int64_t kh = t.kh_lo; kh < t.kh_hi; ++kh) {
    const float* row = t.input_row(kh, g) + (ow * g.stride_w - g.pad_left) * t.in_px;
    const float* w = t.weights + kh * g.kernel_w * 16;
    for (int64_t kw = 0; kw < g.kernel_w; ++kw) {
      const __m512 weight = _mm512_loadu_ps(w + kw * 16);
      const float* p = row + kw * g.dilation_w * t.in_px;
#pragma GCC unroll 8
      for (int j = 0; j < J; ++j)
        acc[j] = _mm512_fmadd_ps(_mm512_loadu_ps(p + j * step), weight, acc[j]);
    }
  }
  for (int j = 0; j < J; ++j) _mm512_storeu_ps(t.out + (ow + j) * t.out_px, acc[j]);
}

// interior_pixels for a kernel width and stride known at compile time (dilation 1): the row's
// input pixels that the J windows cover are loaded once into registers and shared by the
// windows that overlap (10 loads for 24 FMAs at width 3, stride 1, where the above takes 27).
template <int J, int KW, int S>
void fixed_interior_pixels(const RowTask& t, int64_t ow, const DepthwiseGeometry& g) {
  constexpr int covered = (J - 1) * S + KW;
  __m512 acc[J];
  for (int j = 0; j < J; ++j) acc[j] = t.bias;
  for (int64_t kh = t.kh_lo; kh < t.kh_hi; ++kh) {
    const float* row = t.input_row(kh, g) + (ow * S - g.pad_left) * t.in_px;
    const float* w = t.weights + kh * KW * 16;
    __m512 in[covered];
#pragma GCC unroll 32
    for (int i = 0; i < covered; ++i) in[i] = _mm512_loadu_ps(row + i * t.in_px);
#pragma GCC unroll 8
    for (int kw = 0; kw < KW; ++kw) {
      const __m512 weight = _mm512_loadu_ps(w + kw * 16);
#pragma GCC unroll 8
      for (int j = 0; j < J; ++j) acc[j] = _mm512_fmadd_ps(in[j * S + kw], weight, acc[j]);
    }
  }
  for (int j = 0; j < J; ++j) _mm512_storeu_ps(t.out + (ow + j) * t.out_px, acc[j]);
}

using PixelsFn = void (*)(const RowTask&, int64_t, const DepthwiseGeometry&);

// The kernels for 8 and 4 interior pixels at a time: register-sharing ones for the common
// widths and strides.
std::pair<PixelsFn, PixelsFn> interior_kernels(const DepthwiseGeometry& g) {
  if (g.dilation_w == 1) {
    if (g.kernel_w == 3 && g.stride_w == 1)
      return {fixed_interior_pixels<8, 3, 1>, fixed_interior_pixels<4, 3, 1>};
    if (g.kernel_w == 3 && g.stride_w == 2)
      return {fixed_interior_pixels<8, 3, 2>, fixed_interior_pixels<4, 3, 2>};
    if (g.kernel_w == 5 && g.stride_w == 1)
      return {fixed_interior_pixels<8, 5, 1>, fixed_interior_pixels<4, 5, 1>};
    if (g.kernel_w == 5 && g.stride_w == 2)
      return {fixed_interior_pixels<8, 5, 2>, fixed_interior_pixels<4, 5, 2>};
  }
  return {interior_pixels<8>, interior_pixels<4>};
}

// One output pixel whose window crosses the left or right edge.
void border_pixel(const RowTask& t, int64_t ow, const DepthwiseGeometry& g) {
  __m512 acc = t.bias;
  const int64_t iw0 = ow * g.stride_w - g.pad_left;
  for (int64_t kh = t.kh_lo; kh < t.kh_hi; ++kh) {
    const float* row = t.input_row(kh, g);
    for (int64_t kw = 0; kw < g.kernel_w; ++kw) {
      const int64_t iw = iw0 + kw * g.dilation_w;
      if (iw < 0 || iw >= g.in_w) continue;
      acc = _mm512_fmadd_ps(_mm512_loadu_ps(row + iw * t.in_px),
                            _mm512_loadu_ps(t.weights + (kh * g.kernel_w + kw) * 16), acc);
    }
  }
  _mm512_storeu_ps(t.out + ow * t.out_px, acc);
}

// Output columns [first, last) read no padding.
void interior_columns(const DepthwiseGeometry& g, int64_t& first, int64_t& last) {
  first = std::min((g.pad_left + g.stride_w - 1) / g.stride_w, g.out_w);
  const int64_t reach = g.in_w - 1 - (g.kernel_w - 1) * g.dilation_w + g.pad_left;
  last = reach < 0 ? first : std::clamp(reach / g.stride_w + 1, first, g.out_w);
}

}  // namespace

void depthwise_conv(const float* src, const float* weights, const float* bias, float* dst,
                    const DepthwiseGeometry& g, Activations activations) {
  int64_t first, last;
  interior_columns(g, first, last);
  const auto [pixels8, pixels4] = interior_kernels(g);
  const int64_t channels = g.channel_blocks * 16;
  const int64_t in_image = g.in_h * g.in_w * channels, out_image = g.out_h * g.out_w * channels;
  const int64_t in_px = g.channels_last ? channels : 16;
  const int64_t out_px = g.channels_last ? channels : 16;
  // Where channel block `block` starts within an image: blocks of whole planes in nChw16c,
  // 16 consecutive channels of each pixel in nhwc.
  const int64_t in_block = g.channels_last ? 16 : g.in_h * g.in_w * 16;
  const int64_t out_block = g.channels_last ? 16 : g.out_h * g.out_w * 16;
  const int64_t rows = g.batch * g.channel_blocks * g.out_h;
#pragma omp parallel for schedule(static)
  for (int64_t task = 0; task < rows; ++task) {
    // nChw16c walks each block's rows in turn, nhwc each row's blocks: memory order both.
    const int64_t n = task / (g.channel_blocks * g.out_h),
                  rest = task % (g.channel_blocks * g.out_h);
    const int64_t block = g.channels_last ? rest % g.channel_blocks : rest / g.out_h;
    const int64_t oh = g.channels_last ? rest / g.channel_blocks : rest % g.out_h;
    RowTask t;
    t.image = src + n * in_image + block * in_block;
    t.weights = weights + block * g.kernel_h * g.kernel_w * 16;
    t.bias = bias ? _mm512_loadu_ps(bias + block * 16) : _mm512_setzero_ps();
    t.out = dst + n * out_image + block * out_block + oh * g.out_w * out_px;
    t.in_px = in_px;
    t.out_px = out_px;
    t.ih0 = oh * g.stride_h - g.pad_top;
    t.kh_lo = 0;
    t.kh_hi = g.kernel_h;
    while (t.kh_lo < t.kh_hi && t.ih0 + t.kh_lo * g.dilation_h < 0) ++t.kh_lo;
    while (t.kh_hi > t.kh_lo && t.ih0 + (t.kh_hi - 1) * g.dilation_h >= g.in_h) --t.kh_hi;
    int64_t ow = 0;
    for (; ow < first; ++ow) border_pixel(t, ow, g);
    for (; ow + 8 <= last; ow += 8) pixels8(t, ow, g);
    for (; ow + 4 <= last; ow += 4) pixels4(t, ow, g);
    for (; ow < last; ++ow) interior_pixels<1>(t, ow, g);
    for (; ow < g.out_w; ++ow) border_pixel(t, ow, g);
    // The activations run over the finished row while it is in L1.
    for (const DepthwiseActivation& a : activations) activate(t.out, g.out_w, out_px, a);
  }
}

}  // namespace cosched

#pragma GCC pop_options
