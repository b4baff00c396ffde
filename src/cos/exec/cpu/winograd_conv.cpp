#include "cos/exec/cpu/winograd_conv.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "cos/exec/cpu/gemm_tile.h"

namespace cosched {
namespace {

using gemm_tile::kColumns;
using gemm_tile::kRows;
constexpr int64_t kPoints = 16;  // of a transformed 4x4 tile
constexpr int64_t kDepth = 256;  // of a filter panel slice: 16 KB, stays in L1 over the rows
// Transformed tiles and products of one block: sized to stay in L2 between the three steps.
constexpr int64_t kBlockBytes = 256 << 10;

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

// One thread's transformed tiles (16 x rows x C) then products (16 x rows x K).
float* scratch(size_t floats) {
  static thread_local std::vector<float> buffer;
  if (buffer.size() < floats) buffer.resize(floats);
  return buffer.data();
}

// One thread's share of a run: a block of tiles, numbered image by image, row by row.
struct Block {
  const WinogradConv::Shape& shape;
  int64_t tiles_wide, per_image;  // tiles in a row of tiles, in an image
  int64_t first, rows;            // the block's tiles: [first, first + rows)
  const float* in;
  const float* skip;
  float* out;
  float* tiles;     // [16][rows][C]
  float* products;  // [16][rows][K]
};

__attribute__((target("avx2,fma"))) void transform_input(const Block& block) {
  const int64_t c = block.shape.in_channels, h = block.shape.in_height, w = block.shape.in_width;
  const int64_t per_image = block.per_image, tiles_wide = block.tiles_wide;
  for (int64_t cb = 0; cb < c / 8; ++cb)
    for (int64_t t = 0; t < block.rows; ++t) {
      const int64_t tile = block.first + t, n = tile / per_image;
      const int64_t y0 = (tile % per_image) / tiles_wide * 2 - block.shape.pad_top;
      const int64_t x0 = (tile % per_image) % tiles_wide * 2 - block.shape.pad_left;
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
      float* to = block.tiles + t * c + cb * 8;
      const int64_t point = block.rows * c;  // between the transformed points
      for (int i = 0; i < 4; ++i) {          // (B^T d) B
        _mm256_storeu_ps(to + (i * 4 + 0) * point, _mm256_sub_ps(r[i][0], r[i][2]));
        _mm256_storeu_ps(to + (i * 4 + 1) * point, _mm256_add_ps(r[i][1], r[i][2]));
        _mm256_storeu_ps(to + (i * 4 + 2) * point, _mm256_sub_ps(r[i][2], r[i][1]));
        _mm256_storeu_ps(to + (i * 4 + 3) * point, _mm256_sub_ps(r[i][1], r[i][3]));
      }
    }
}

void multiply(const Block& block, const float* filters) {
  const int64_t c = block.shape.in_channels, k = block.shape.out_channels, panels = k / kColumns;
  for (int64_t p = 0; p < kPoints; ++p) {
    const float* a = block.tiles + p * block.rows * c;
    float* m = block.products + p * block.rows * k;
    for (int64_t depth_at = 0; depth_at < c; depth_at += kDepth) {
      const int64_t depth = std::min(kDepth, c - depth_at);
      for (int64_t panel = 0; panel < panels; ++panel) {
        const float* b = filters + p * c * k + (depth_at * panels + panel * depth) * kColumns;
        for (int64_t r = 0; r < block.rows; r += kRows)
          gemm_tile::kTiles<false>[std::min(kRows, block.rows - r)](
              a + r * c + depth_at, c, b, depth, m + r * k + panel * kColumns, k, nullptr,
              depth_at > 0, false);
      }
    }
  }
}

__attribute__((target("avx2,fma"))) void transform_output(const Block& block,
                                                          const float* bias_values, bool relu) {
  const int64_t k = block.shape.out_channels, h = block.shape.out_height, w = block.shape.out_width;
  const int64_t per_image = block.per_image, tiles_wide = block.tiles_wide;
  const __m256 zero = _mm256_setzero_ps();
  for (int64_t kb = 0; kb < k / 8; ++kb) {
    const __m256 bias = bias_values ? _mm256_loadu_ps(bias_values + kb * 8) : zero;
    for (int64_t t = 0; t < block.rows; ++t) {
      const int64_t tile = block.first + t, n = tile / per_image;
      const int64_t y0 = (tile % per_image) / tiles_wide * 2;
      const int64_t x0 = (tile % per_image) % tiles_wide * 2;
      const float* from = block.products + t * k + kb * 8;
      const int64_t point = block.rows * k;
      __m256 s[2][4];  // A^T m
      for (int j = 0; j < 4; ++j) {
        const __m256 m0 = _mm256_loadu_ps(from + (0 * 4 + j) * point);
        const __m256 m1 = _mm256_loadu_ps(from + (1 * 4 + j) * point);
        const __m256 m2 = _mm256_loadu_ps(from + (2 * 4 + j) * point);
        const __m256 m3 = _mm256_loadu_ps(from + (3 * 4 + j) * point);
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
          if (relu) v = _mm256_max_ps(v, zero);
          _mm256_storeu_ps(block.out + at, v);
        }
      }
    }
  }
}

}  // namespace

std::unique_ptr<WinogradConv> WinogradConv::make(const Shape& shape, const float* weights,
                                                 std::vector<float> bias, bool relu) {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return nullptr;
  const int64_t c = shape.in_channels, k = shape.out_channels;
  if (c % 8 != 0 || k % kColumns != 0 || c == 0 || k == 0) return nullptr;
  std::unique_ptr<WinogradConv> conv(new WinogradConv(shape, std::move(bias), relu));
  std::vector<float> transformed(kPoints * c * k), u(kPoints);  // [point][c][k]
  for (int64_t o = 0; o < k; ++o)
    for (int64_t i = 0; i < c; ++i) {
      transform_filter(weights + (o * c + i) * 9, u.data());
      for (int64_t p = 0; p < kPoints; ++p) transformed[(p * c + i) * k + o] = u[p];
    }
  const size_t bytes = transformed.size() * sizeof(float);
  conv->filters_.reset(static_cast<float*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64)));
  for (int64_t p = 0; p < kPoints; ++p)
    gemm_tile::pack_panels(transformed.data() + p * c * k, false, c, k, kDepth,
                           conv->filters_.get() + p * c * k);
  return conv;
}

WinogradConv::WinogradConv(const Shape& shape, std::vector<float> bias, bool relu)
    : shape_(shape),
      tiles_high_((shape.out_height + 1) / 2),
      tiles_wide_((shape.out_width + 1) / 2),
      bias_(std::move(bias)),
      relu_(relu),
      filters_(nullptr, std::free) {}

void WinogradConv::run(const float* in, const float* skip, float* out) const {
  const int64_t c = shape_.in_channels, k = shape_.out_channels;
  const int64_t tiles = shape_.batch * tiles_high_ * tiles_wide_;
  const int64_t per_tile = kPoints * (c + k) * static_cast<int64_t>(sizeof(float));
  const int64_t cache_rows = std::max(kRows, kBlockBytes / per_tile / kRows * kRows);
  const int64_t team = omp_get_max_threads(), per_thread = (tiles + team - 1) / team;
  // Each block reads all the filters: where they outweigh a thread's transformed tiles (deep
  // layers, few tiles), one block a thread; else blocks as large as the cache allows.
  const bool filters_outweigh = c * k >= per_thread * (c + k);
  const int64_t rows = filters_outweigh ? per_thread : std::min(cache_rows, per_thread);
  const int64_t blocks = (tiles + rows - 1) / rows;
#pragma omp parallel if (blocks > 1)
  {
    const int64_t threads = omp_get_num_threads(), me = omp_get_thread_num();
    float* tiles_at = scratch(static_cast<size_t>(kPoints * rows * (c + k)));
    for (int64_t b = me; b < blocks; b += threads) {
      const int64_t first = b * rows;
      const Block block{shape_,
                        tiles_wide_,
                        tiles_high_ * tiles_wide_,
                        first,
                        std::min(rows, tiles - first),
                        in,
                        skip,
                        out,
                        tiles_at,
                        tiles_at + kPoints * rows * c};
      transform_input(block);
      multiply(block, filters_.get());
      transform_output(block, bias_.empty() ? nullptr : bias_.data(), relu_);
    }
  }
}

}  // namespace cosched
