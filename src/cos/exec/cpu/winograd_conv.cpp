#include "cos/exec/cpu/winograd_conv.h"

#include <immintrin.h>

namespace cosched {
namespace {

constexpr int64_t kPoints = 16;  // of a transformed 4x4 tile

// F(2x2, 3x3): the input tile d becomes B^T d B, the filter g G g G^T, the product m the output
// A^T m A, with B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], G = [1 0 0; .5 .5 .5; .5 -.5 .5;
// 0 0 1], A^T = [1 1 1 0; 0 1 -1 -1].
void transform_filter(const float* g, float* u) {
  float t[4][3];  // G g
  for (int j = 0; j < 3; ++j) {
    t[0][j] = g[j];
    t[1][j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
    t[2][j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
    t[3][j] = g[6 + j];
  }
  for (int i = 0; i < 4; ++i) {  // (G g) G^T
    u[i * 4 + 0] = t[i][0];
    u[i * 4 + 1] = 0.5f * (t[i][0] + t[i][1] + t[i][2]);
    u[i * 4 + 2] = 0.5f * (t[i][0] - t[i][1] + t[i][2]);
    u[i * 4 + 3] = t[i][2];
  }
}

// What the transforms need of a WinogradConv.
struct Tiling {
  const ConvShape& shape;
  int64_t tiles_wide, per_image;
  const float* bias;  // or nullptr
  bool relu;
};

// B^T d B of the block's tiles, for input channel blocks [from, to).
__attribute__((target("avx2,fma"))) void transform_tiles(const Tiling& g,
                                                         const OwnConv::Block& block, int64_t from,
                                                         int64_t to) {
  const int64_t c = g.shape.in_channels, h = g.shape.in_height, w = g.shape.in_width;
  for (int64_t cb = from; cb < to; ++cb)
    for (int64_t t = 0; t < block.rows; ++t) {
      const int64_t tile = block.first + t, n = tile / g.per_image;
      const int64_t y0 = (tile % g.per_image) / g.tiles_wide * 2 - g.shape.pad_top;
      const int64_t x0 = (tile % g.per_image) % g.tiles_wide * 2 - g.shape.pad_left;
      const float* plane = block.in + (n * c / 8 + cb) * h * w * 8;
      __m256 d[4][4];
      const bool inside = y0 >= 0 && x0 >= 0 && y0 + 4 <= h && x0 + 4 <= w;
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) {
          const int64_t y = y0 + i, x = x0 + j;
          d[i][j] = inside || (y >= 0 && y < h && x >= 0 && x < w)
                        ? _mm256_loadu_ps(plane + (y * w + x) * 8)
                        : _mm256_setzero_ps();
        }
      __m256 r[4][4];  // B^T d
      for (int j = 0; j < 4; ++j) {
        r[0][j] = _mm256_sub_ps(d[0][j], d[2][j]);
        r[1][j] = _mm256_add_ps(d[1][j], d[2][j]);
        r[2][j] = _mm256_sub_ps(d[2][j], d[1][j]);
        r[3][j] = _mm256_sub_ps(d[1][j], d[3][j]);
      }
      float* dst = block.a + t * c + cb * 8;
      const int64_t point = block.rows * c;  // between the transformed points
      for (int i = 0; i < 4; ++i) {          // (B^T d) B
        _mm256_storeu_ps(dst + (i * 4 + 0) * point, _mm256_sub_ps(r[i][0], r[i][2]));
        _mm256_storeu_ps(dst + (i * 4 + 1) * point, _mm256_add_ps(r[i][1], r[i][2]));
        _mm256_storeu_ps(dst + (i * 4 + 2) * point, _mm256_sub_ps(r[i][2], r[i][1]));
        _mm256_storeu_ps(dst + (i * 4 + 3) * point, _mm256_sub_ps(r[i][1], r[i][3]));
      }
    }
}

// A^T m A of the block's tiles, plus bias and residual, then Relu, for output channel blocks
// [from, to).
__attribute__((target("avx2,fma"))) void transform_products(const Tiling& g,
                                                            const OwnConv::Block& block,
                                                            int64_t from, int64_t to) {
  const int64_t k = g.shape.out_channels, h = g.shape.out_height, w = g.shape.out_width;
  const __m256 zero = _mm256_setzero_ps();
  for (int64_t kb = from; kb < to; ++kb) {
    const __m256 bias = g.bias ? _mm256_loadu_ps(g.bias + kb * 8) : zero;
    for (int64_t t = 0; t < block.rows; ++t) {
      const int64_t tile = block.first + t, n = tile / g.per_image;
      const int64_t y0 = (tile % g.per_image) / g.tiles_wide * 2;
      const int64_t x0 = (tile % g.per_image) % g.tiles_wide * 2;
      const float* m = block.products + t * k + kb * 8;
      const int64_t point = block.rows * k;
      __m256 s[2][4];  // A^T m
      for (int j = 0; j < 4; ++j) {
        const __m256 m0 = _mm256_loadu_ps(m + (0 * 4 + j) * point);
        const __m256 m1 = _mm256_loadu_ps(m + (1 * 4 + j) * point);
        const __m256 m2 = _mm256_loadu_ps(m + (2 * 4 + j) * point);
        const __m256 m3 = _mm256_loadu_ps(m + (3 * 4 + j) * point);
        s[0][j] = _mm256_add_ps(_mm256_add_ps(m0, m1), m2);
        s[1][j] = _mm256_sub_ps(_mm256_sub_ps(m1, m2), m3);
      }
      const int64_t plane = (n * k / 8 + kb) * h * w * 8;
      for (int i = 0; i < 2 && y0 + i < h; ++i) {
        const __m256 y[2] = {_mm256_add_ps(_mm256_add_ps(s[i][0], s[i][1]), s[i][2]),
                             _mm256_sub_ps(_mm256_sub_ps(s[i][1], s[i][2]), s[i][3])};
        for (int j = 0; j < 2 && x0 + j < w; ++j) {
          const int64_t at = plane + ((y0 + i) * w + x0 + j) * 8;
          __m256 v = _mm256_add_ps(y[j], bias);
          if (block.skip) v = _mm256_add_ps(v, _mm256_loadu_ps(block.skip + at));
          if (g.relu) v = _mm256_max_ps(v, zero);
          _mm256_storeu_ps(block.out + at, v);
        }
      }
    }
  }
}

}  // namespace

std::unique_ptr<WinogradConv> WinogradConv::make(const ConvShape& shape, const float* weights,
                                                 std::vector<float> bias, bool relu) {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return nullptr;
  const int64_t c = shape.in_channels, k = shape.out_channels;
  if (c % 8 != 0 || k % 16 != 0 || c == 0 || k == 0) return nullptr;
  if (shape.kernel_height != 3 || shape.kernel_width != 3 || shape.stride_height != 1 ||
      shape.stride_width != 1 || shape.dilation_height != 1 || shape.dilation_width != 1)
    return nullptr;
  std::unique_ptr<WinogradConv> conv(new WinogradConv(shape, std::move(bias), relu));
  float u[kPoints];
  for (int64_t o = 0; o < k; ++o)
    for (int64_t i = 0; i < c; ++i) {
      transform_filter(weights + (o * c + i) * 9, u);
      for (int64_t p = 0; p < kPoints; ++p) conv->filter(p, i, o) = u[p];
    }
  return conv;
}

WinogradConv::WinogradConv(const ConvShape& shape, std::vector<float> bias, bool relu)
    : OwnConv(shape, shape.batch * ((shape.out_height + 1) / 2) * ((shape.out_width + 1) / 2),
              kPoints, shape.in_channels, std::move(bias), relu),
      tiles_wide_((shape.out_width + 1) / 2),
      per_image_((shape.out_height + 1) / 2 * tiles_wide_) {}

void WinogradConv::gather(const Block& block, int64_t from, int64_t to) const {
  transform_tiles({shape_, tiles_wide_, per_image_, nullptr, relu_}, block, from, to);
}

void WinogradConv::scatter(const Block& block, int64_t from, int64_t to) const {
  transform_products(
      {shape_, tiles_wide_, per_image_, bias_.empty() ? nullptr : bias_.data(), relu_}, block, from,
      to);
}

}  // namespace cosched
