#include "cos/profile/op_signature.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace cosched {
namespace {

constexpr int64_t kSmallConstant = 64;  // integer constants up to this size: content counts

std::string bytes_hash(const std::vector<std::byte>& bytes) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (std::byte b : bytes) hash = (hash ^ static_cast<unsigned char>(b)) * 0x100000001b3ull;
  return fmt::format("{:016x}", hash);
}

std::string tensor_text(const Tensor& t) {
  return fmt::format("{}[{}]#{}", dtype_name(t.dtype), shape_string(t.shape), bytes_hash(t.bytes));
}

std::string attr_text(const AttrValue& value) {
  struct Visitor {
    std::string operator()(int64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const { return fmt::format("{:.9g}", v); }
    std::string operator()(const std::string& v) const { return "'" + v + "'"; }
    std::string operator()(const std::vector<int64_t>& v) const {
      return fmt::format("[{}]", fmt::join(v, ","));
    }
    std::string operator()(const std::vector<double>& v) const {
      std::string s;
      for (double d : v) s += fmt::format("{}{:.9g}", s.empty() ? "" : ",", d);
      return "[" + s + "]";
    }
    std::string operator()(const Tensor& t) const { return tensor_text(t); }
  };
  return std::visit(Visitor{}, value);
}

std::string value_text(const Graph& graph, int v) {
  if (v < 0) return "-";
  const Value& value = graph.values[v];
  if (!value.is_constant())
    return fmt::format("{}[{}]", dtype_name(value.dtype), shape_string(value.shape));
  // Integer constants (shapes, axes, pads, starts) and float scalars (Clip bounds, Pow
  // exponents) change what runs; larger float constants are weights: their shape is enough.
  const bool integer = !is_floating(value.dtype);
  if (value.data->size() <= (integer ? kSmallConstant : 1))
    return "const " + tensor_text(*value.data);
  return fmt::format("const {}[{}]", dtype_name(value.dtype), shape_string(value.shape));
}

}  // namespace

std::string hash_text(const std::string& text) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : text) hash = (hash ^ c) * 0x100000001b3ull;
  return fmt::format("{:016x}", hash);
}

OpSignature op_signature(const Graph& graph, std::span<const int> nodes) {
  OpSignature sig;
  for (size_t k = 0; k < nodes.size(); ++k) {
    const Node& node = graph.nodes[nodes[k]];
    sig.op += (k ? "+" : "") + node.op;
    std::string text = node.op + "(";
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      int v = node.inputs[i];
      int producer = v >= 0 ? graph.values[v].producer : -1;
      auto inside = std::find(nodes.begin(), nodes.begin() + static_cast<long>(k), producer);
      if (producer >= 0 && inside != nodes.begin() + static_cast<long>(k))
        text += fmt::format("{}%{}", i ? "," : "", inside - nodes.begin());  // made in the step
      else
        text += fmt::format("{}{}", i ? "," : "", value_text(graph, v));
    }
    text += ")->(";
    for (size_t i = 0; i < node.outputs.size(); ++i)
      text += fmt::format("{}{}", i ? "," : "", value_text(graph, node.outputs[i]));
    text += ")";
    for (const auto& [name, value] : node.attrs) text += " " + name + "=" + attr_text(value);
    sig.text += fmt::format("{}{}", k ? "; " : "", text);
  }
  const Node& head = graph.nodes[nodes.front()];
  const Node& last = graph.nodes[nodes.back()];
  std::string in = head.inputs.empty() || head.inputs[0] < 0
                       ? "-"
                       : shape_string(graph.values[head.inputs[0]].shape);
  std::string out = last.outputs.empty() || last.outputs[0] < 0
                        ? "-"
                        : shape_string(graph.values[last.outputs[0]].shape);
  sig.shapes = in + " -> " + out;
  sig.key = hash_text(sig.text);
  return sig;
}

}  // namespace cosched
