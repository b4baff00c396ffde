#pragma once

#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "cos/graph/dtype.h"
#include "cos/graph/tensor.h"

namespace cosched {

// A tensor flowing through the graph. Constants (initializers, folded values) carry data.
struct Value {
  std::string name;
  DType dtype = DType::f32;
  Shape shape;
  bool has_shape = false;      // the shape is known and static
  int producer = -1;           // index of the producing node; -1 for graph inputs and constants
  std::vector<int> consumers;  // node indices, ascending, one per use
  std::shared_ptr<const Tensor> data;  // set for constants; shared between graph copies
  bool is_initializer = false;         // came from the model's initializers

  bool is_constant() const { return data != nullptr; }
  int64_t bytes() const;  // 0 while the shape is unknown
};

using AttrValue =
    std::variant<int64_t, double, std::string, std::vector<int64_t>, std::vector<double>, Tensor>;

struct Node {
  std::string name;
  std::string op;
  std::vector<int> inputs;   // value indices; -1 marks an absent optional input
  std::vector<int> outputs;  // value indices; -1 marks an unused optional output
  std::map<std::string, AttrValue> attrs;
  bool is_view = false;     // a zero-cost view of its first input (Reshape of contiguous data...)
  int64_t view_offset = 0;  // a view's first byte in its input's bytes (a Slice's block)
  bool removed = false;     // set by passes; Graph::compact() drops the node

  bool has_attr(const std::string& key) const { return attrs.count(key) > 0; }
  int64_t attr_int(const std::string& key, int64_t fallback) const;
  double attr_float(const std::string& key, double fallback) const;
  std::string attr_string(const std::string& key, const std::string& fallback) const;
  std::vector<int64_t> attr_ints(const std::string& key,
                                 const std::vector<int64_t>& fallback = {}) const;
  const Tensor* attr_tensor(const std::string& key) const;
  // A Transpose's perm: its attribute, or the `rank` dims reversed (ONNX's default).
  std::vector<int64_t> transpose_perm(size_t rank) const;
};

// The op IR: plain data, passes are free functions. After link(), nodes are in
// deterministic topological order (ties broken by original index).
struct Graph {
  std::string name;
  int opset = 13;
  std::vector<Node> nodes;
  std::vector<Value> values;
  std::vector<int> inputs;  // runtime inputs (no constants)
  std::vector<int> outputs;

  int add_value(Value value);
  int find_value(const std::string& name) const;  // -1 if absent
  // Recomputes producers and consumers and sorts nodes topologically.
  // Throws cosched::Error naming a node on the cycle if there is one.
  void link();
  // Drops removed nodes and values nothing refers to, then link().
  void compact();

  const Value& input_value(const Node& node, size_t i) const;
  const Value& output_value(const Node& node, size_t i) const;
  // The constant data of input i, or nullptr if the input is absent or not constant.
  const Tensor* constant_input(const Node& node, size_t i) const;
  bool is_graph_output(int value) const;
};

}  // namespace cosched
