#include "cos/graph/width.h"

#include <cstdint>
#include <vector>

namespace cosched {
namespace {

// Reachability as one bit row per node.
struct Reach {
  size_t n = 0;
  size_t words = 0;
  std::vector<uint64_t> bits;

  size_t size() const { return n; }
  bool operator()(size_t from, size_t to) const {
    return (bits[from * words + to / 64] >> (to % 64)) & 1;
  }
};

Reach reachability(const Graph& graph) {
  Reach reach;
  reach.n = graph.nodes.size();
  reach.words = (reach.n + 63) / 64;
  reach.bits.assign(reach.n * reach.words, 0);
  // Nodes are in topological order, so successors' rows are complete when read.
  for (size_t i = reach.n; i-- > 0;) {
    uint64_t* row = &reach.bits[i * reach.words];
    for (int out : graph.nodes[i].outputs) {
      if (out < 0) continue;
      for (int consumer : graph.values[out].consumers) {
        row[consumer / 64] |= uint64_t{1} << (consumer % 64);
        const uint64_t* next = &reach.bits[static_cast<size_t>(consumer) * reach.words];
        for (size_t w = 0; w < reach.words; ++w) row[w] |= next[w];
      }
    }
  }
  return reach;
}

// Kuhn's augmenting path search, iterative to stay safe on deep graphs.
bool augment(size_t root, const Reach& reach, std::vector<int>& match_right,
             std::vector<int>& visited, int stamp) {
  const size_t n = reach.size();
  struct Frame {
    size_t left;
    size_t next;
  };
  std::vector<Frame> stack{{root, 0}};
  std::vector<size_t> path_right;
  while (!stack.empty()) {
    Frame& frame = stack.back();
    bool descended = false;
    while (frame.next < n) {
      size_t right = frame.next++;
      if (!reach(frame.left, right) || visited[right] == stamp) continue;
      visited[right] = stamp;
      if (match_right[right] < 0) {
        path_right.push_back(right);
        // Flip the path: each left on the stack takes the right it descended through.
        for (size_t k = 0; k < stack.size(); ++k)
          match_right[path_right[k]] = static_cast<int>(stack[k].left);
        return true;
      }
      path_right.push_back(right);
      stack.push_back({static_cast<size_t>(match_right[right]), 0});
      descended = true;
      break;
    }
    if (!descended) {
      stack.pop_back();
      if (!path_right.empty()) path_right.pop_back();
    }
  }
  return false;
}

}  // namespace

int graph_width(const Graph& graph) {
  const size_t n = graph.nodes.size();
  if (n == 0) return 0;
  auto reach = reachability(graph);
  std::vector<int> match_right(n, -1);
  std::vector<int> visited(n, -1);
  int matched = 0;
  for (size_t left = 0; left < n; ++left) {
    if (augment(left, reach, match_right, visited, static_cast<int>(left))) ++matched;
  }
  return static_cast<int>(n) - matched;
}

}  // namespace cosched
