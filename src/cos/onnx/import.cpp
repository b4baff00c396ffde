#include "cos/onnx/import.h"

#include <onnx/onnx_pb.h>

#include <charconv>
#include <fstream>
#include <map>

#include "cos/common/error.h"
#include "cos/common/text.h"
#include "cos/graph/passes.h"
#include "cos/onnx/convert.h"
#include "cos/onnx/ops.h"

namespace cosched {
namespace {

constexpr int kMinOpset = 7;
constexpr int kMaxOpset = 17;
constexpr int kMaxSimplifyRounds = 32;

void check_opset(const onnx::ModelProto& model) {
  for (const auto& opset : model.opset_import()) {
    if (!opset.domain().empty() && opset.domain() != "ai.onnx") continue;
    if (opset.version() < kMinOpset || opset.version() > kMaxOpset) {
      fail("opset {} is not supported (cos supports opsets {} to {})", opset.version(), kMinOpset,
           kMaxOpset);
    }
    return;
  }
  fail("the model imports no ai.onnx opset");
}

// Lists every unsupported op with the names of its nodes, not just the first.
void check_ops(const onnx::GraphProto& graph) {
  std::map<std::string, std::vector<std::string>> unsupported;
  for (int i = 0; i < graph.node_size(); ++i) {
    const auto& node = graph.node(i);
    bool default_domain = node.domain().empty() || node.domain() == "ai.onnx";
    if (default_domain && (node.op_type() == "Constant" || is_supported_op(node.op_type())))
      continue;
    std::string op = default_domain ? node.op_type() : node.domain() + "::" + node.op_type();
    unsupported[op].push_back(node.name().empty() ? fmt::format("#{}", i) : node.name());
  }
  if (unsupported.empty()) return;
  std::vector<std::string> parts;
  for (const auto& [op, names] : unsupported) {
    parts.push_back(fmt::format("{} ({})", op, fmt::join(names, ", ")));
  }
  fail("unsupported ops: {}", fmt::join(parts, "; "));
}

void apply_input_shapes(Graph& graph, const std::map<std::string, Shape>& shapes) {
  for (const auto& [name, shape] : shapes) {
    int id = graph.find_value(name);
    if (id < 0 || std::find(graph.inputs.begin(), graph.inputs.end(), id) == graph.inputs.end()) {
      fail("--shape names '{}', which is not an input of the model", name);
    }
    Value& value = graph.values[id];
    if (!value.shape.empty() && value.shape.size() != shape.size()) {
      fail("--shape {}={}: the model's input has rank {}", name, shape_string(shape),
           value.shape.size());
    }
    for (size_t i = 0; i < value.shape.size(); ++i) {
      if (value.shape[i] >= 0 && value.shape[i] != shape[i]) {
        fail("--shape {}={}: dimension {} is fixed to {} in the model", name, shape_string(shape),
             i, value.shape[i]);
      }
    }
    value.shape = shape;
    value.has_shape = true;
  }
  for (int id : graph.inputs) {
    const Value& value = graph.values[id];
    if (value.has_shape) continue;
    std::vector<std::string> dims;
    for (int64_t dim : value.shape) dims.push_back(dim >= 0 ? std::to_string(dim) : "?");
    fail("input '{}' has symbolic dimensions ({}); give them with --shape {}=...", value.name,
         value.shape.empty() ? "unknown rank" : fmt::format("{}", fmt::join(dims, "x")),
         value.name);
  }
}

void check_static(const Graph& graph) {
  for (const auto& node : graph.nodes) {
    if (is_fold_only_op(node.op)) {
      fail("node '{}' ({}) computes on runtime data; cos supports {} only on constants", node.name,
           node.op, node.op);
    }
    for (int out : node.outputs) {
      if (out >= 0 && !graph.values[out].has_shape) {
        fail("node '{}' ({}): output '{}' has no static shape", node.name, node.op,
             graph.values[out].name);
      }
    }
  }
}

}  // namespace

Shape parse_shape(const std::string& text) {
  Shape shape;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  while (begin < end) {
    int64_t dim = 0;
    auto [next, error] = std::from_chars(begin, end, dim);
    if (error != std::errc() || dim <= 0)
      fail("bad shape '{}': expected dimensions like 1x3x224x224", text);
    shape.push_back(dim);
    begin = next;
    if (begin < end && *begin++ != 'x')
      fail("bad shape '{}': expected dimensions like 1x3x224x224", text);
    if (begin == end && text.back() == 'x') fail("bad shape '{}': trailing 'x'", text);
  }
  if (shape.empty()) fail("bad shape '{}': expected dimensions like 1x3x224x224", text);
  element_count(shape);
  return shape;
}

Graph simplify_graph(Graph graph) {
  for (int round = 0; round < kMaxSimplifyRounds; ++round) {
    infer_shapes(graph);
    size_t before = graph.nodes.size();
    graph = fold_constants(std::move(graph));
    if (graph.nodes.size() == before) break;
  }
  graph = drop_identities(std::move(graph));
  graph = fold_batchnorm(std::move(graph));
  return mark_views(std::move(graph));
}

namespace {

// `parse` fills the model (false: not protobuf); the model's weights move into the graph.
template <typename Parse>
Graph import_parsed(Parse&& parse, const std::string& label, const ImportOptions& options) {
  try {
    onnx::ModelProto model;
    if (!parse(model)) fail("not an ONNX model (protobuf parse failed)");
    if (!model.has_graph() || model.graph().node_size() == 0)
      fail("not an ONNX model (no graph nodes)");
    check_opset(model);
    check_ops(model.graph());
    Graph graph = graph_from_proto(model);
    model.Clear();
    apply_input_shapes(graph, options.input_shapes);
    if (!options.simplify) {  // as the file has it: runtime shape arithmetic stays unshaped
      infer_shapes(graph);
      return graph;
    }
    graph = simplify_graph(std::move(graph));
    check_static(graph);
    return graph;
  } catch (const Error& e) {
    throw Error(printable(fmt::format("{}: {}", label, e.what())));
  } catch (const std::exception& e) {
    throw Error(printable(fmt::format("{}: invalid model: {}", label, e.what())));
  }
}

}  // namespace

Graph import_model_bytes(const std::string& bytes, const std::string& label,
                         const ImportOptions& options) {
  return import_parsed([&](onnx::ModelProto& model) { return model.ParseFromString(bytes); }, label,
                       options);
}

// Parsed from the stream, not from the file's bytes in memory: a large model is then held
// once (as protobuf), not twice, before its weights move into the graph.
Graph import_model(const std::string& path, const ImportOptions& options) {
  std::ifstream file(path, std::ios::binary);
  if (!file) fail("{}: cannot open file", path);
  return import_parsed(
      [&](onnx::ModelProto& model) {
        const bool parsed = model.ParseFromIstream(&file);
        if (file.bad()) fail("cannot read file");
        return parsed;
      },
      path, options);
}

}  // namespace cosched
