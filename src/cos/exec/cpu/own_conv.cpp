#include "cos/exec/cpu/own_conv.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>

#include "cos/exec/cpu/gemm_tile.h"

namespace cosched {
namespace {

using gemm_tile::kColumns;
using gemm_tile::kRows;
constexpr int64_t kDepth = 256;  // of a filter panel slice: 16 KB, stays in L1 over the rows
// A block's gathered rows and products: sized to stay in L2 between the three steps.
constexpr int64_t kBlockBytes = 256 << 10;

// A buffer of at least `floats` for the calling thread, kept for its next runs.
float* thread_scratch(size_t floats) {
  static thread_local std::vector<float> buffer;
  if (buffer.size() < floats) buffer.resize(floats);
  return buffer.data();
}

}  // namespace

OwnConv::OwnConv(const ConvShape& shape, int64_t rows, int64_t points, int64_t depth,
                 std::vector<float> bias, bool relu)
    : shape_(shape),
      rows_(rows),
      points_(points),
      depth_(depth),
      bias_(std::move(bias)),
      relu_(relu),
      filters_(static_cast<float*>(std::aligned_alloc(
                   64, (points * depth * shape.out_channels * sizeof(float) + 63) / 64 * 64)),
               std::free) {}

float& OwnConv::filter(int64_t point, int64_t d, int64_t out_channel) {
  const int64_t k = shape_.out_channels;
  return filters_[point * depth_ * k + gemm_tile::panel_offset(depth_, k, kDepth, d, out_channel)];
}

void OwnConv::run(const float* in, const float* skip, float* out) const {
  if (rows_ == 0) return;  // an empty output
  const int64_t k = shape_.out_channels, panels = k / kColumns;
  const int64_t row_floats = points_ * (depth_ + k);  // of a row of A and of the products
  const int64_t team = omp_get_max_threads(), per_thread = (rows_ + team - 1) / team;
  // Each block reads all the filters. Where they outweigh a thread's share of the rows (deep
  // layers, few pixels), one block of all rows, the threads splitting each step between them;
  // else blocks as large as the cache allows, a thread taking whole blocks.
  const bool filters_outweigh = points_ * depth_ * k >= per_thread * row_floats;
  if (filters_outweigh && team > 1) {
    float* scratch = thread_scratch(static_cast<size_t>(rows_ * row_floats));
    const Block block{in, skip, out, 0, rows_, scratch, scratch + points_ * rows_ * depth_};
    // The products by point and panel: each thread reads its own part of the filters, and
    // there are enough parts for many threads (only 4 panels for 64 output channels).
#pragma omp parallel
    {
#pragma omp for schedule(static)
      for (int64_t cb = 0; cb < shape_.in_channels / 8; ++cb) gather(block, cb, cb + 1);
#pragma omp for schedule(static)
      for (int64_t part = 0; part < points_ * panels; ++part)
        multiply(block, part / panels, part / panels + 1, part % panels, part % panels + 1);
#pragma omp for schedule(static)
      for (int64_t kb = 0; kb < k / 8; ++kb) scatter(block, kb, kb + 1);
    }
    return;
  }
  const int64_t cache_rows =
      std::max(kRows, kBlockBytes / (row_floats * static_cast<int64_t>(sizeof(float))));
  const int64_t rows =
      filters_outweigh ? per_thread : std::min(per_thread, cache_rows / kRows * kRows);
  const int64_t blocks = (rows_ + rows - 1) / rows;
#pragma omp parallel if (blocks > 1)
  {
    const int64_t threads = omp_get_num_threads(), me = omp_get_thread_num();
    float* scratch = thread_scratch(static_cast<size_t>(rows * row_floats));
    for (int64_t b = me; b < blocks; b += threads) {
      const int64_t first = b * rows, count = std::min(rows, rows_ - first);
      const Block block{in, skip, out, first, count, scratch, scratch + points_ * count * depth_};
      gather(block, 0, shape_.in_channels / 8);
      multiply(block, 0, points_, 0, panels);
      scatter(block, 0, k / 8);
    }
  }
}

void OwnConv::multiply(const Block& block, int64_t from, int64_t to, int64_t panel_from,
                       int64_t panel_to) const {
  const int64_t k = shape_.out_channels, panels = k / kColumns, per_point = depth_ * k;
  for (int64_t p = from; p < to; ++p) {
    const float* a = block.a + p * block.rows * depth_;
    float* m = block.products + p * block.rows * k;
    for (int64_t depth_at = 0; depth_at < depth_; depth_at += kDepth) {
      const int64_t depth = std::min(kDepth, depth_ - depth_at);
      for (int64_t panel = panel_from; panel < panel_to; ++panel) {
        const float* b =
            filters_.get() + p * per_point + (depth_at * panels + panel * depth) * kColumns;
        for (int64_t r = 0; r < block.rows; r += kRows)
          gemm_tile::kTiles<false>[std::min(kRows, block.rows - r)](
              a + r * depth_ + depth_at, depth_, b, depth, m + r * k + panel * kColumns, k, nullptr,
              depth_at > 0, false);
      }
    }
  }
}

}  // namespace cosched
