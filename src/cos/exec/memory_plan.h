#pragma once

#include <cstdint>
#include <vector>

#include "cos/graph/graph.h"

namespace cosched {

// What one step of a run (a kernel) reads and writes: value indices.
struct StepAccess {
  std::vector<int> reads, writes;
};

// Where every activation lives in one arena per request context.
struct MemoryPlan {
  static constexpr int64_t alignment = 64;
  std::vector<int64_t> offset;  // per value; -1 for values outside the arena (constants, absent)
  std::vector<int> root;        // per value: the value whose buffer it uses (views alias)
  int64_t peak = 0;             // arena bytes
  int64_t unshared = 0;         // bytes without reuse: every buffer its own memory
};

// Static plan: each buffer lives from the step that writes it (graph inputs: before the
// first) to the last step that reads it (graph outputs: after the last). Buffers are
// placed largest first at the lowest offset not used by a buffer alive at the same time,
// so memory whose lifetime has ended is reused. A buffer written by a step never shares
// memory with what the same step reads. `alias[v]` is the value whose buffer v shares
// (zero-cost views), or v itself.
// With `reuse` false every buffer gets memory of its own, so that steps may run in any
// order their data allows (the runtime runs one request's steps on several processors).
MemoryPlan plan_memory(const Graph& graph, const std::vector<StepAccess>& steps,
                       const std::vector<int>& alias, bool reuse = true);

}  // namespace cosched
