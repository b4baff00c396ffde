#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "cos/graph/dtype.h"

namespace cosched {

// Writes ONNX models from C++ with seeded random weights, for tests and the built-in
// models. Tracks the shape of every value it creates so that layers can size their
// weights; ONNX shape inference is not needed to build.
//
//   ModelBuilder b("tiny", /*seed=*/1);
//   auto x = b.input("input", {1, 3, 32, 32});
//   x = b.residual_block(b.conv_block(x, 16, 3), 16, 1);
//   b.output(b.gemm(b.flatten(b.global_avg_pool(x)), 10));
//   b.save("tiny.onnx");
class ModelBuilder {
 public:
  explicit ModelBuilder(std::string name, uint64_t seed = 0, int opset = 13);

  std::string input(const std::string& name, const Shape& shape, bool int64 = false);  // else f32
  void output(const std::string& value);
  const Shape& shape(const std::string& value) const;
  const std::map<std::string, Shape>& shapes() const { return shapes_; }

  // Initializers.
  std::string weight(const Shape& shape, float stddev);  // normal(0, stddev)
  std::string constant(const std::vector<float>& values, const Shape& shape);
  std::string constant_ints(const std::vector<int64_t>& values);

  // One node of any op; the caller gives the output shape and the attributes.
  std::string node(const std::string& op, const std::vector<std::string>& inputs,
                   const Shape& out_shape, const std::vector<onnx::AttributeProto>& attrs = {});
  static onnx::AttributeProto attr(const std::string& name, int64_t value);
  static onnx::AttributeProto attr(const std::string& name, float value);
  static onnx::AttributeProto attr(const std::string& name, const std::vector<int64_t>& values);

  // Layers.
  std::string conv(const std::string& x, int64_t out_channels, int64_t kernel, int64_t stride = 1,
                   int64_t group = 1, bool bias = true);
  std::string batch_norm(const std::string& x);
  std::string relu(const std::string& x);
  std::string relu6(const std::string& x);  // Clip(0, 6)
  std::string sigmoid(const std::string& x);
  std::string add(const std::string& a, const std::string& b);
  std::string mul(const std::string& a, const std::string& b);
  std::string max_pool(const std::string& x, int64_t kernel, int64_t stride);
  std::string global_avg_pool(const std::string& x);
  std::string flatten(const std::string& x);
  std::string gemm(const std::string& x, int64_t out_features);
  std::string matmul(const std::string& a, const std::string& b);
  std::string linear(const std::string& x, int64_t out_features);  // MatMul + Add (rank >= 2)
  std::string softmax(const std::string& x, int64_t axis = -1);
  std::string transpose(const std::string& x, const std::vector<int64_t>& perm);
  std::string reshape(const std::string& x, const Shape& shape);
  std::string concat(const std::vector<std::string>& xs, int64_t axis);
  std::string identity(const std::string& x);

  // Blocks.
  std::string conv_block(const std::string& x, int64_t out_channels, int64_t kernel,
                         int64_t stride = 1);
  std::string residual_block(const std::string& x, int64_t out_channels, int64_t stride);
  // MobileNetV2 inverted residual: 1x1 expand, 3x3 depthwise, 1x1 project.
  std::string depthwise_block(const std::string& x, int64_t out_channels, int64_t stride,
                              int64_t expand);
  // Four parallel branches (1x1; 1x1-3x3; 1x1-5x5; maxpool-1x1) joined by Concat.
  std::string inception_block(const std::string& x, int64_t c1, int64_t c3, int64_t c5,
                              int64_t cpool);
  // Multi-head self-attention with a residual, on [batch, tokens, dim].
  std::string attention_block(const std::string& x, int64_t heads);
  // ShuffleNet's channel shuffle written with runtime shape arithmetic, as torchvision
  // exports it: Shape -> Gather -> Unsqueeze -> Concat -> Reshape -> Transpose -> Reshape.
  std::string channel_shuffle(const std::string& x, int64_t groups);
  // LayerNorm over the last axis as exporters before opset 17 write it: ReduceMean, Sub,
  // Pow(2), ReduceMean, Add(epsilon), Sqrt, Div, then Mul(scale) and Add(bias) if `affine`.
  std::string layer_norm_decomposed(const std::string& x, bool affine = true);

  onnx::ModelProto build() const;
  std::string serialize() const;
  void save(const std::string& path) const;

 private:
  std::string fresh(const std::string& prefix);

  onnx::ModelProto model_;
  std::map<std::string, Shape> shapes_;
  std::map<std::string, int> counters_;
  std::mt19937_64 rng_;
};

}  // namespace cosched
