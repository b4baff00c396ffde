#include "cos/exec/memory_plan.h"

#include <algorithm>

namespace cosched {
namespace {

int64_t aligned(int64_t bytes) {
  return (bytes + MemoryPlan::alignment - 1) / MemoryPlan::alignment * MemoryPlan::alignment;
}

struct Buffer {
  int value;
  int64_t bytes;
  std::vector<int> touches;  // steps; -1 before the first, steps.size() after the last
  int64_t offset = -1;
};

}  // namespace

MemoryPlan plan_memory(const Graph& graph, const std::vector<StepAccess>& steps,
                       const std::vector<int>& alias, const std::vector<int64_t>& alias_offset,
                       const StepOrder& order) {
  const size_t n = graph.values.size();
  MemoryPlan plan;
  plan.offset.assign(n, -1);
  plan.root.resize(n);
  for (size_t v = 0; v < n; ++v) {
    int r = static_cast<int>(v);
    while (alias[r] != r) r = alias[r];
    plan.root[v] = r;
  }
  const int before = -1, after = static_cast<int>(steps.size());
  std::vector<std::vector<int>> touches(n);
  auto touch = [&](int v, int step) {
    if (v < 0) return;
    auto& list = touches[plan.root[v]];
    if (list.empty() || list.back() != step) list.push_back(step);
  };
  for (int v : graph.inputs) touch(v, before);
  for (size_t s = 0; s < steps.size(); ++s) {
    for (int v : steps[s].reads) touch(v, static_cast<int>(s));
    for (int v : steps[s].writes) touch(v, static_cast<int>(s));
  }
  for (int v : graph.outputs) touch(v, after);
  auto precedes = [&](int a, int b) {
    if (a == before || b == after) return a != b;
    return b != before && a != after && order(a, b);
  };
  auto all_before = [&](const Buffer& x, const Buffer& y) {
    for (int a : x.touches)
      for (int b : y.touches)
        if (!precedes(a, b)) return false;
    return true;
  };

  std::vector<Buffer> buffers;
  for (size_t v = 0; v < n; ++v) {
    if (plan.root[v] != static_cast<int>(v) || touches[v].empty() || graph.values[v].is_constant())
      continue;
    buffers.push_back({static_cast<int>(v), aligned(graph.values[v].bytes()), touches[v]});
    plan.unshared += buffers.back().bytes;
  }
  std::stable_sort(buffers.begin(), buffers.end(),
                   [](const Buffer& a, const Buffer& b) { return a.bytes > b.bytes; });
  std::vector<const Buffer*> placed;
  for (Buffer& buffer : buffers) {
    std::vector<const Buffer*> alive;  // placed buffers it may not share with, by offset
    for (const Buffer* other : placed)
      if (!all_before(*other, buffer) && !all_before(buffer, *other)) alive.push_back(other);
    std::sort(alive.begin(), alive.end(),
              [](const Buffer* a, const Buffer* b) { return a->offset < b->offset; });
    int64_t offset = 0;
    for (const Buffer* other : alive) {
      if (other->offset - offset >= buffer.bytes) break;
      offset = std::max(offset, other->offset + other->bytes);
    }
    buffer.offset = offset;
    plan.peak = std::max(plan.peak, offset + buffer.bytes);
    placed.push_back(&buffer);
  }
  for (const Buffer& buffer : buffers) plan.offset[buffer.value] = buffer.offset;
  plan.view_offset.assign(n, 0);
  for (size_t v = 0; v < n; ++v) {
    for (int x = static_cast<int>(v); alias[x] != x; x = alias[x])
      if (!alias_offset.empty()) plan.view_offset[v] += alias_offset[x];
    const int64_t root_offset = plan.offset[plan.root[v]];
    if (plan.root[v] != static_cast<int>(v) && root_offset >= 0)
      plan.offset[v] = root_offset + plan.view_offset[v];
  }
  return plan;
}

}  // namespace cosched
