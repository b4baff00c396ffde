#include "cos/exec/memory_plan.h"

#include <algorithm>
#include <limits>

namespace cosched {
namespace {

int64_t aligned(int64_t bytes) {
  return (bytes + MemoryPlan::alignment - 1) / MemoryPlan::alignment * MemoryPlan::alignment;
}

struct Buffer {
  int value;
  int64_t bytes;
  int first, last;
  int64_t offset = -1;
};

}  // namespace

MemoryPlan plan_memory(const Graph& graph, const std::vector<StepAccess>& steps,
                       const std::vector<int>& alias, bool reuse) {
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
  std::vector<int> first(n, std::numeric_limits<int>::max()),
      last(n, std::numeric_limits<int>::min());
  auto touch = [&](int v, int step) {
    if (v < 0) return;
    int r = plan.root[v];
    first[r] = std::min(first[r], step);
    last[r] = std::max(last[r], step);
  };
  for (int v : graph.inputs) touch(v, before);
  for (size_t s = 0; s < steps.size(); ++s) {
    for (int v : steps[s].reads) touch(v, static_cast<int>(s));
    for (int v : steps[s].writes) touch(v, static_cast<int>(s));
  }
  for (int v : graph.outputs) touch(v, after);

  std::vector<Buffer> buffers;
  for (size_t v = 0; v < n; ++v) {
    if (plan.root[v] != static_cast<int>(v) || first[v] > last[v] || graph.values[v].is_constant())
      continue;
    buffers.push_back({static_cast<int>(v), aligned(graph.values[v].bytes()),
                       reuse ? first[v] : before, reuse ? last[v] : after});
    plan.unshared += buffers.back().bytes;
  }
  std::stable_sort(buffers.begin(), buffers.end(),
                   [](const Buffer& a, const Buffer& b) { return a.bytes > b.bytes; });
  std::vector<const Buffer*> placed;
  for (Buffer& buffer : buffers) {
    std::vector<const Buffer*> alive;  // placed buffers whose lifetimes overlap, by offset
    for (const Buffer* other : placed)
      if (other->first <= buffer.last && buffer.first <= other->last) alive.push_back(other);
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
  for (size_t v = 0; v < n; ++v)
    if (plan.root[v] != static_cast<int>(v)) plan.offset[v] = plan.offset[plan.root[v]];
  return plan;
}

}  // namespace cosched
