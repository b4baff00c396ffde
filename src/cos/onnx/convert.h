#pragma once

#include <onnx/onnx_pb.h>

#include <string>

#include "cos/graph/graph.h"

namespace cosched {

// TensorProto -> Tensor. Throws cosched::Error naming `what` on an unsupported dtype,
// external data, or data whose size disagrees with the dims.
Tensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& what);
void tensor_to_proto(const Tensor& tensor, const std::string& name, onnx::TensorProto* proto);

// ModelProto -> Graph, without shape inference: values carry the types the model
// declares; Constant nodes become constants; the graph is linked (cycles rejected). Each
// initializer's data is freed from `model` once converted, so a large model is not held
// twice.
Graph graph_from_proto(onnx::ModelProto& model);

// Graph -> ModelProto. Constants above `inline_limit` elements are declared as typed
// graph inputs instead of initializers, which is all shape inference needs of them.
onnx::ModelProto graph_to_proto(const Graph& graph, int64_t inline_limit = INT64_MAX);

}  // namespace cosched
