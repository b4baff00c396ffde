#pragma once

#include <cstdint>
#include <functional>
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
  std::vector<int64_t> view_offset;  // per value: where it starts in its root's bytes
  int64_t peak = 0;                  // arena bytes
  int64_t unshared = 0;              // bytes without reuse: every buffer its own memory
};

// Whether step `a` ends before step `b` starts in every run (a partial order when the steps
// of a run may execute concurrently).
using StepOrder = std::function<bool(int a, int b)>;

// Steps run one after another in index order.
inline bool sequential(int a, int b) {
  return a < b;
}

// Static plan: a buffer is alive from the step that writes it (graph inputs: before the
// first step) through every step that reads it (graph outputs: after the last). Two buffers
// may share memory only when `order` puts every step touching one before every step
// touching the other, so memory whose lifetime has ended is reused and never overwritten
// while a step may still read it. Buffers are placed largest first at the lowest offset
// free of the buffers they may not share with. A buffer written by a step never shares
// memory with what the same step reads. `alias[v]` is the value whose buffer v shares
// (zero-cost views, or inputs written in place into a node's output), or v itself; v starts
// `alias_offset[v]` bytes into it (all zeros where empty).
MemoryPlan plan_memory(const Graph& graph, const std::vector<StepAccess>& steps,
                       const std::vector<int>& alias, const std::vector<int64_t>& alias_offset = {},
                       const StepOrder& order = sequential);

}  // namespace cosched
