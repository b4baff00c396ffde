#include "cos/graph/graph.h"

#include <algorithm>
#include <queue>

#include "cos/common/error.h"

namespace cosched {

int64_t Value::bytes() const {
  if (!has_shape) return 0;
  return element_count(shape) * static_cast<int64_t>(dtype_size(dtype));
}

namespace {
template <typename T>
const T* find_attr(const Node& node, const std::string& key) {
  auto it = node.attrs.find(key);
  if (it == node.attrs.end()) return nullptr;
  return std::get_if<T>(&it->second);
}
}  // namespace

int64_t Node::attr_int(const std::string& key, int64_t fallback) const {
  const auto* value = find_attr<int64_t>(*this, key);
  return value ? *value : fallback;
}

double Node::attr_float(const std::string& key, double fallback) const {
  if (const auto* value = find_attr<double>(*this, key)) return *value;
  if (const auto* value = find_attr<int64_t>(*this, key)) return static_cast<double>(*value);
  return fallback;
}

std::string Node::attr_string(const std::string& key, const std::string& fallback) const {
  const auto* value = find_attr<std::string>(*this, key);
  return value ? *value : fallback;
}

std::vector<int64_t> Node::attr_ints(const std::string& key,
                                     const std::vector<int64_t>& fallback) const {
  const auto* value = find_attr<std::vector<int64_t>>(*this, key);
  return value ? *value : fallback;
}

const Tensor* Node::attr_tensor(const std::string& key) const {
  return find_attr<Tensor>(*this, key);
}

std::vector<int64_t> Node::transpose_perm(size_t rank) const {
  std::vector<int64_t> perm = attr_ints("perm");
  if (perm.empty())
    for (size_t d = rank; d-- > 0;) perm.push_back(static_cast<int64_t>(d));
  return perm;
}

int Graph::add_value(Value value) {
  values.push_back(std::move(value));
  return static_cast<int>(values.size()) - 1;
}

int Graph::find_value(const std::string& value_name) const {
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i].name == value_name) return static_cast<int>(i);
  }
  return -1;
}

void Graph::link() {
  for (auto& value : values) {
    value.producer = -1;
    value.consumers.clear();
  }
  const int n = static_cast<int>(nodes.size());
  std::vector<int> producer(values.size(), -1);
  for (int i = 0; i < n; ++i) {
    for (int out : nodes[i].outputs) {
      if (out < 0) continue;
      if (producer[out] >= 0) {
        fail("value '{}' is produced by two nodes, '{}' and '{}'", values[out].name,
             nodes[producer[out]].name, nodes[i].name);
      }
      producer[out] = i;
    }
  }
  // Kahn's algorithm with a min-heap on the original index: deterministic order.
  std::vector<int> pending(n, 0);
  std::vector<std::vector<int>> successors(n);
  for (int i = 0; i < n; ++i) {
    for (int in : nodes[i].inputs) {
      if (in < 0 || producer[in] < 0) continue;
      ++pending[i];
      successors[producer[in]].push_back(i);
    }
  }
  std::priority_queue<int, std::vector<int>, std::greater<>> ready;
  for (int i = 0; i < n; ++i) {
    if (pending[i] == 0) ready.push(i);
  }
  std::vector<int> order;
  order.reserve(n);
  while (!ready.empty()) {
    int i = ready.top();
    ready.pop();
    order.push_back(i);
    for (int next : successors[i]) {
      if (--pending[next] == 0) ready.push(next);
    }
  }
  if (static_cast<int>(order.size()) != n) {
    for (int i = 0; i < n; ++i) {
      if (pending[i] > 0) {
        fail("graph has a cycle through node '{}' ({})", nodes[i].name, nodes[i].op);
      }
    }
  }
  std::vector<Node> sorted;
  sorted.reserve(n);
  for (int i : order) sorted.push_back(std::move(nodes[i]));
  nodes = std::move(sorted);
  for (int i = 0; i < n; ++i) {
    for (int out : nodes[i].outputs) {
      if (out >= 0) values[out].producer = i;
    }
    for (int in : nodes[i].inputs) {
      if (in >= 0) values[in].consumers.push_back(i);
    }
  }
}

void Graph::compact() {
  std::erase_if(nodes, [](const Node& node) { return node.removed; });
  std::vector<bool> used(values.size(), false);
  for (int v : inputs) used[v] = true;
  for (int v : outputs) used[v] = true;
  for (const auto& node : nodes) {
    for (int v : node.inputs) {
      if (v >= 0) used[v] = true;
    }
    for (int v : node.outputs) {
      if (v >= 0) used[v] = true;
    }
  }
  std::vector<int> remap(values.size(), -1);
  std::vector<Value> kept;
  for (size_t i = 0; i < values.size(); ++i) {
    if (!used[i]) continue;
    remap[i] = static_cast<int>(kept.size());
    kept.push_back(std::move(values[i]));
  }
  values = std::move(kept);
  auto apply = [&](std::vector<int>& ids) {
    for (int& id : ids) {
      if (id >= 0) id = remap[id];
    }
  };
  apply(inputs);
  apply(outputs);
  for (auto& node : nodes) {
    apply(node.inputs);
    apply(node.outputs);
  }
  link();
}

const Value& Graph::input_value(const Node& node, size_t i) const {
  return values.at(static_cast<size_t>(node.inputs.at(i)));
}

const Value& Graph::output_value(const Node& node, size_t i) const {
  return values.at(static_cast<size_t>(node.outputs.at(i)));
}

const Tensor* Graph::constant_input(const Node& node, size_t i) const {
  if (i >= node.inputs.size() || node.inputs[i] < 0) return nullptr;
  return values[node.inputs[i]].data.get();
}

bool Graph::is_graph_output(int value) const {
  return std::find(outputs.begin(), outputs.end(), value) != outputs.end();
}

}  // namespace cosched
