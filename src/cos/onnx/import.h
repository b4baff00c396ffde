#pragma once

#include <map>
#include <string>

#include "cos/graph/graph.h"

namespace cosched {

struct ImportOptions {
  // Static shapes for inputs with symbolic dimensions (`--shape name=1x3x224x224`).
  std::map<std::string, Shape> input_shapes;
  // Run the graph passes (constant folding, BatchNorm folding, views, Identity removal).
  bool simplify = true;
};

// Reads an ONNX model and returns its graph with every value statically shaped.
// Throws cosched::Error with one line that names the file and, where there is one, the node
// or value at fault.
Graph import_model(const std::string& path, const ImportOptions& options = {});
// The same, from the bytes of a model; `label` stands for the file name in errors.
Graph import_model_bytes(const std::string& bytes, const std::string& label,
                         const ImportOptions& options = {});

// Runs ONNX shape inference on the graph and records every static shape and type found.
void infer_shapes(Graph& graph);

// Alternates shape inference and constant folding until nothing changes, then drops
// Identity/Dropout, folds BatchNorm into Conv and marks views.
Graph simplify_graph(Graph graph);

// "1x3x224x224" -> {1, 3, 224, 224}; throws cosched::Error on anything else.
Shape parse_shape(const std::string& text);

}  // namespace cosched
