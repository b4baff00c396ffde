#include "cos/exec/cpu/gemm_tile.h"

#include <algorithm>

namespace cosched::gemm_tile {

float* pack_panels(const float* b, bool b_transposed, int64_t k, int64_t n, int64_t slice_depth,
                   float* out) {
  const int64_t panels = (n + kColumns - 1) / kColumns;
  for (int64_t slice = 0; slice < k; slice += slice_depth)
    for (int64_t p = 0; p < panels; ++p)
      for (int64_t d = slice; d < std::min(k, slice + slice_depth); ++d)
        for (int64_t j = 0; j < kColumns; ++j) {
          const int64_t col = p * kColumns + j;
          *out++ = col >= n ? 0.0f : b_transposed ? b[col * k + d] : b[d * n + col];
        }
  return out;
}

int64_t panel_offset(int64_t k, int64_t n, int64_t slice_depth, int64_t d, int64_t col) {
  const int64_t panels = (n + kColumns - 1) / kColumns, slice = d / slice_depth * slice_depth;
  const int64_t depth = std::min(slice_depth, k - slice);  // of d's slice
  return (slice * panels + col / kColumns * depth + d - slice) * kColumns + col % kColumns;
}

}  // namespace cosched::gemm_tile
