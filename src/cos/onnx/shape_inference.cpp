#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>

#include <map>

#include "cos/common/error.h"
#include "cos/onnx/convert.h"
#include "cos/onnx/import.h"

namespace cosched {
namespace {

// Constants this small go to shape inference with their data (data propagation reads
// them); bigger ones only with their type.
constexpr int64_t kInlineLimit = 4096;

void record(const onnx::ValueInfoProto& info, Graph& graph,
            const std::map<std::string, int>& by_name) {
  auto it = by_name.find(info.name());
  if (it == by_name.end() || !info.type().has_tensor_type()) return;
  Value& value = graph.values[it->second];
  if (value.is_constant()) return;
  const auto& type = info.type().tensor_type();
  if (auto dtype = dtype_from_onnx(type.elem_type())) value.dtype = *dtype;
  if (!type.has_shape() || value.has_shape) return;
  Shape shape;
  for (const auto& dim : type.shape().dim()) {
    if (!dim.has_dim_value() || dim.dim_value() < 0) return;
    shape.push_back(dim.dim_value());
  }
  value.shape = std::move(shape);
  value.has_shape = true;
}

}  // namespace

void infer_shapes(Graph& graph) {
  onnx::ModelProto model = graph_to_proto(graph, kInlineLimit);
  try {
    onnx::ShapeInferenceOptions options(/*check_type=*/false, /*error_mode=*/1,
                                        /*enable_data_propagation=*/true);
    onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), options);
  } catch (const std::exception& e) {
    fail("shape inference failed: {}", e.what());
  }
  std::map<std::string, int> by_name;
  for (size_t i = 0; i < graph.values.size(); ++i)
    by_name[graph.values[i].name] = static_cast<int>(i);
  for (const auto& info : model.graph().value_info()) record(info, graph, by_name);
  for (const auto& info : model.graph().output()) record(info, graph, by_name);
}

}  // namespace cosched
