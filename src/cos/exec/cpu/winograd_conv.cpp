#include "cos/exec/cpu/winograd_conv.h"

#include <immintrin.h>

#include <array>

namespace cosched {
namespace {

// The transforms of F(m x m, 3x3), one dimension at a time (Lavin and Gray's matrices): an input
// tile d becomes B^T d B, a filter g becomes G g G^T, a product M the output A^T M A.
// F(2, 3): B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], G = [1 0 0; .5 .5 .5; .5 -.5 .5;
// 0 0 1], A^T = [1 1 1 0; 0 1 -1 -1]. F(4, 3): B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0;
// 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1], G = [1/4 0 0; -1/6 -1/6 -1/6;
// -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1], A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0;
// 0 1 1 4 4 0; 0 1 -1 8 -8 1].
template <int m>
void filter_1d(const float* g, int step, float* u, int u_step) {
  const float g0 = g[0], g1 = g[step], g2 = g[2 * step];
  if constexpr (m == 2) {
    const float values[] = {g0, 0.5f * (g0 + g1 + g2), 0.5f * (g0 - g1 + g2), g2};
    for (int i = 0; i < 4; ++i) u[i * u_step] = values[i];
  } else {
    const float values[] = {g0 / 4,
                            -(g0 + g1 + g2) / 6,
                            -(g0 - g1 + g2) / 6,
                            g0 / 24 + g1 / 12 + g2 / 6,
                            g0 / 24 - g1 / 12 + g2 / 6,
                            g2};
    for (int i = 0; i < 6; ++i) u[i * u_step] = values[i];
  }
}

// B^T x of n = m + 2 vectors `step` apart, to y likewise.
template <int m>
__attribute__((target("avx2,fma"), always_inline)) inline void input_1d(const __m256* x, int step,
                                                                        __m256* y) {
  if constexpr (m == 2) {
    y[0] = _mm256_sub_ps(x[0], x[2 * step]);
    y[step] = _mm256_add_ps(x[step], x[2 * step]);
    y[2 * step] = _mm256_sub_ps(x[2 * step], x[step]);
    y[3 * step] = _mm256_sub_ps(x[step], x[3 * step]);
  } else {
    const __m256 four = _mm256_set1_ps(4), minus_four = _mm256_set1_ps(-4),
                 minus_five = _mm256_set1_ps(-5);
    const __m256 d0 = x[0], d1 = x[step], d2 = x[2 * step], d3 = x[3 * step], d4 = x[4 * step],
                 d5 = x[5 * step];
    const __m256 a = _mm256_fmadd_ps(minus_four, d2, d4), b = _mm256_fmadd_ps(minus_four, d1, d3);
    const __m256 c = _mm256_sub_ps(d4, d2), e = _mm256_add_ps(d3, d3);
    const __m256 e2 = _mm256_sub_ps(e, _mm256_add_ps(d1, d1));  // 2 (d3 - d1)
    y[0] = _mm256_fmadd_ps(minus_five, d2, _mm256_fmadd_ps(four, d0, d4));
    y[step] = _mm256_add_ps(a, b);
    y[2 * step] = _mm256_sub_ps(a, b);
    y[3 * step] = _mm256_add_ps(c, e2);
    y[4 * step] = _mm256_sub_ps(c, e2);
    y[5 * step] = _mm256_fmadd_ps(minus_five, d3, _mm256_fmadd_ps(four, d1, d5));
  }
}

// A^T x of n = m + 2 vectors `step` apart, to m vectors of y likewise.
template <int m>
__attribute__((target("avx2,fma"), always_inline)) inline void output_1d(const __m256* x, int step,
                                                                         __m256* y) {
  if constexpr (m == 2) {
    y[0] = _mm256_add_ps(_mm256_add_ps(x[0], x[step]), x[2 * step]);
    y[step] = _mm256_sub_ps(_mm256_sub_ps(x[step], x[2 * step]), x[3 * step]);
  } else {
    const __m256 p = _mm256_add_ps(x[step], x[2 * step]), q = _mm256_sub_ps(x[step], x[2 * step]);
    const __m256 r = _mm256_add_ps(x[3 * step], x[4 * step]);
    const __m256 s = _mm256_sub_ps(x[3 * step], x[4 * step]);
    y[0] = _mm256_add_ps(_mm256_add_ps(x[0], p), r);
    y[step] = _mm256_fmadd_ps(_mm256_set1_ps(2), s, q);
    y[2 * step] = _mm256_fmadd_ps(_mm256_set1_ps(4), r, p);
    y[3 * step] = _mm256_add_ps(_mm256_fmadd_ps(_mm256_set1_ps(8), s, q), x[5 * step]);
  }
}

// What the transforms need of a WinogradConv.
struct Tiling {
  const ConvShape& shape;
  int64_t tiles_wide, per_image;
  int64_t run;        // channels stored together at a pixel: 8 or 16
  const float* bias;  // or nullptr
  bool relu;
  // Where the 8 channels from `channel` start in an image of h x w pixels.
  int64_t channel_at(int64_t channel, int64_t h, int64_t w) const {
    return channel / run * h * w * run + channel % run;
  }
};

// B^T d B of the block's tiles, for input channel blocks [from, to).
template <int m>
__attribute__((target("avx2,fma"))) void transform_tiles(const Tiling& g,
                                                         const OwnConv::Block& block, int64_t from,
                                                         int64_t to) {
  constexpr int n = m + 2;
  const int64_t c = g.shape.in_channels, h = g.shape.in_height, w = g.shape.in_width;
  const int64_t point = block.rows * c;  // between the transformed points
  for (int64_t cb = from; cb < to; ++cb) {
    const float* channels = block.in + g.channel_at(cb * 8, h, w);
    for (int64_t t = 0; t < block.rows; ++t) {
      const int64_t tile = block.first + t, image = tile / g.per_image;
      const int64_t y0 = (tile % g.per_image) / g.tiles_wide * m - g.shape.pad_top;
      const int64_t x0 = (tile % g.per_image) % g.tiles_wide * m - g.shape.pad_left;
      const float* plane = channels + image * c * h * w;
      __m256 d[n * n], r[n * n];
      const bool inside = y0 >= 0 && x0 >= 0 && y0 + n <= h && x0 + n <= w;
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) {
          const int64_t y = y0 + i, x = x0 + j;
          d[i * n + j] = inside || (y >= 0 && y < h && x >= 0 && x < w)
                             ? _mm256_loadu_ps(plane + (y * w + x) * g.run)
                             : _mm256_setzero_ps();
        }
      for (int j = 0; j < n; ++j) input_1d<m>(d + j, n, r + j);          // B^T d
      for (int i = 0; i < n; ++i) input_1d<m>(r + i * n, 1, d + i * n);  // (B^T d) B
      float* dst = block.a + t * c + cb * 8;
      for (int p = 0; p < n * n; ++p) _mm256_storeu_ps(dst + p * point, d[p]);
    }
  }
}

// A^T M A of the block's tiles, plus bias and residual, then Relu, for output channel blocks
// [from, to).
template <int m>
__attribute__((target("avx2,fma"))) void transform_products(const Tiling& g,
                                                            const OwnConv::Block& block,
                                                            int64_t from, int64_t to) {
  constexpr int n = m + 2;
  const int64_t k = g.shape.out_channels, h = g.shape.out_height, w = g.shape.out_width;
  const int64_t point = block.rows * k;
  const __m256 zero = _mm256_setzero_ps();
  for (int64_t kb = from; kb < to; ++kb) {
    const __m256 bias = g.bias ? _mm256_loadu_ps(g.bias + kb * 8) : zero;
    for (int64_t t = 0; t < block.rows; ++t) {
      const int64_t tile = block.first + t, image = tile / g.per_image;
      const int64_t y0 = (tile % g.per_image) / g.tiles_wide * m;
      const int64_t x0 = (tile % g.per_image) % g.tiles_wide * m;
      const float* products = block.products + t * k + kb * 8;
      __m256 x[n * n], s[m * n], y[m * m];
      for (int p = 0; p < n * n; ++p) x[p] = _mm256_loadu_ps(products + p * point);
      for (int j = 0; j < n; ++j) output_1d<m>(x + j, n, s + j);  // A^T M: m x n
      for (int i = 0; i < m; ++i) {  // (A^T M) A: m x m, rows n then m apart
        __m256 row[n];
        output_1d<m>(s + i * n, 1, row);
        for (int j = 0; j < m; ++j) y[i * m + j] = row[j];
      }
      const int64_t plane = image * k * h * w + g.channel_at(kb * 8, h, w);
      for (int i = 0; i < m && y0 + i < h; ++i)
        for (int j = 0; j < m && x0 + j < w; ++j) {
          const int64_t at = plane + ((y0 + i) * w + x0 + j) * g.run;
          __m256 v = _mm256_add_ps(y[i * m + j], bias);
          if (block.skip) v = _mm256_add_ps(v, _mm256_loadu_ps(block.skip + at));
          if (g.relu) v = _mm256_max_ps(v, zero);
          _mm256_storeu_ps(block.out + at, v);
        }
    }
  }
}

}  // namespace

std::unique_ptr<WinogradConv> WinogradConv::make(int m, int run, const ConvShape& shape,
                                                 const float* weights, std::vector<float> bias,
                                                 bool relu) {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return nullptr;
  const int64_t c = shape.in_channels, k = shape.out_channels;
  if ((m != 2 && m != 4) || (run != 8 && run != 16) || c % run != 0 || k % 16 != 0 || c == 0 ||
      k == 0)
    return nullptr;
  if (shape.kernel_height != 3 || shape.kernel_width != 3 || shape.stride_height != 1 ||
      shape.stride_width != 1 || shape.dilation_height != 1 || shape.dilation_width != 1)
    return nullptr;
  // F(4x4)'s filters (36 C K floats) over 4.5 MB: deep layers, where streaming them costs more
  // than the multiplications saved, and memory.
  if (m == 4 && c * k > 128 * 256) return nullptr;
  std::unique_ptr<WinogradConv> conv(new WinogradConv(m, run, shape, std::move(bias), relu));
  const int n = m + 2;
  for (int64_t o = 0; o < k; ++o)
    for (int64_t i = 0; i < c; ++i) {
      const float* g = weights + (o * c + i) * 9;
      std::array<float, 36> t{}, u{};  // G g (n x 3), then (G g) G^T (n x n)
      for (int j = 0; j < 3; ++j) (m == 2 ? filter_1d<2> : filter_1d<4>)(g + j, 3, &t[j], 3);
      for (int r = 0; r < n; ++r)
        (m == 2 ? filter_1d<2> : filter_1d<4>)(&t[r * 3], 1, &u[r * n], 1);
      for (int p = 0; p < n * n; ++p) conv->filter(p, i, o) = u[p];
    }
  return conv;
}

WinogradConv::WinogradConv(int m, int run, const ConvShape& shape, std::vector<float> bias,
                           bool relu)
    : OwnConv(shape,
              shape.batch * ((shape.out_height + m - 1) / m) * ((shape.out_width + m - 1) / m),
              (m + 2) * (m + 2), shape.in_channels, std::move(bias), relu),
      m_(m),
      run_(run),
      tiles_wide_((shape.out_width + m - 1) / m),
      per_image_((shape.out_height + m - 1) / m * tiles_wide_) {}

void WinogradConv::gather(const Block& block, int64_t from, int64_t to) const {
  const Tiling tiling{shape_, tiles_wide_, per_image_, run_, nullptr, relu_};
  (m_ == 2 ? transform_tiles<2> : transform_tiles<4>)(tiling, block, from, to);
}

void WinogradConv::scatter(const Block& block, int64_t from, int64_t to) const {
  const Tiling tiling{shape_, tiles_wide_, per_image_, run_, bias_.empty() ? nullptr : bias_.data(),
                      relu_};
  (m_ == 2 ? transform_products<2> : transform_products<4>)(tiling, block, from, to);
}

}  // namespace cosched
