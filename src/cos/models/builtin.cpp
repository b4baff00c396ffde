#include "cos/models/builtin.h"

#include "cos/common/error.h"

namespace cosched {
namespace {

ModelBuilder tiny_resnet() {
  ModelBuilder b("tiny_resnet", 1);
  std::string x = b.input("input", {1, 3, 64, 64});
  x = b.max_pool(b.conv_block(x, 16, 3, 2), 3, 2);
  x = b.residual_block(x, 16, 1);
  x = b.residual_block(x, 32, 2);
  x = b.residual_block(x, 64, 2);
  b.output(b.gemm(b.flatten(b.global_avg_pool(x)), 10));
  return b;
}

ModelBuilder tiny_mobilenet() {
  ModelBuilder b("tiny_mobilenet", 2);
  std::string x = b.input("input", {1, 3, 64, 64});
  x = b.relu6(b.batch_norm(b.conv(x, 16, 3, 2, 1, false)));
  x = b.depthwise_block(x, 16, 1, 1);
  x = b.depthwise_block(x, 24, 2, 4);
  x = b.depthwise_block(x, 24, 1, 4);
  x = b.depthwise_block(x, 32, 2, 4);
  x = b.depthwise_block(x, 32, 1, 4);
  b.output(b.gemm(b.flatten(b.global_avg_pool(x)), 10));
  return b;
}

ModelBuilder tiny_inception() {
  ModelBuilder b("tiny_inception", 3);
  std::string x = b.input("input", {1, 3, 64, 64});
  x = b.max_pool(b.conv_block(x, 32, 3, 2), 3, 2);
  x = b.inception_block(x, 16, 32, 8, 8);
  x = b.inception_block(x, 32, 48, 16, 16);
  x = b.max_pool(x, 3, 2);
  x = b.inception_block(x, 48, 64, 16, 16);
  b.output(b.gemm(b.flatten(b.global_avg_pool(x)), 10));
  return b;
}

ModelBuilder tiny_shufflenet() {
  ModelBuilder b("tiny_shufflenet", 4);
  std::string x = b.input("input", {1, 3, 64, 64});
  x = b.max_pool(b.conv_block(x, 24, 3, 2), 3, 2);
  for (int stage = 0; stage < 3; ++stage) {
    std::string left = b.conv_block(x, 24, 1);
    std::string right = b.batch_norm(b.conv(b.conv_block(x, 24, 1), 24, 3, 1, 24, false));
    x = b.channel_shuffle(b.concat({left, b.relu(right)}, 1), 2);
    x = b.conv_block(x, 24, 1);
  }
  b.output(b.gemm(b.flatten(b.global_avg_pool(x)), 10));
  return b;
}

ModelBuilder tiny_transformer() {
  ModelBuilder b("tiny_transformer", 5);
  const int64_t dim = 64, patches = 8 * 8;
  std::string x = b.input("input", {1, 3, 64, 64});
  x = b.conv(x, dim, 8, 8);  // patch embedding: [1, 64, 8, 8]
  x = b.transpose(b.reshape(x, {1, dim, patches}), {0, 2, 1});
  x = b.add(x, b.weight({1, patches, dim}, 0.02f));  // position embedding
  x = b.attention_block(x, 4);
  x = b.attention_block(x, 4);
  x = b.reshape(x, {1, patches * dim});
  b.output(b.gemm(x, 10));
  return b;
}

}  // namespace

const std::vector<BuiltinModel>& builtin_models() {
  static const std::vector<BuiltinModel> models = {
      {"tiny_resnet", "residual blocks (Conv-BN-ReLU, shortcut Add)", tiny_resnet},
      {"tiny_mobilenet", "inverted residuals with depthwise convs and ReLU6", tiny_mobilenet},
      {"tiny_inception", "Inception blocks of four parallel branches", tiny_inception},
      {"tiny_shufflenet", "channel shuffle through runtime shape arithmetic", tiny_shufflenet},
      {"tiny_transformer", "patch embedding and two multi-head attention blocks", tiny_transformer},
  };
  return models;
}

const BuiltinModel& builtin_model(const std::string& name) {
  for (const auto& model : builtin_models()) {
    if (model.name == name) return model;
  }
  std::vector<std::string> names;
  for (const auto& model : builtin_models()) names.push_back(model.name);
  fail("unknown built-in model '{}' (known: {})", name, fmt::join(names, ", "));
}

}  // namespace cosched
