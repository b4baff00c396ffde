#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "cos/exec/kernel.h"

namespace cosched::test {

// One ONNX node with seeded random inputs, run on a backend and compared against the
// reference backend (XNNPACK-style fluent tester):
//   OpCase("Conv").input({1, 8, 10, 10}).constant({16, 8, 3, 3}).ints("pads", {1, 1, 1, 1})
//       .check(cpu);
class OpCase {
 public:
  explicit OpCase(std::string op, uint64_t seed = 1);

  OpCase& input(const Shape& shape);                          // a runtime input, uniform in range()
  OpCase& constant(const Shape& shape);                       // an initializer, uniform in range()
  OpCase& constant_ints(const std::vector<int64_t>& values);  // 1-D int64 initializer
  OpCase& absent();                                           // an absent optional input
  OpCase& range(float lo, float hi);                          // for the inputs that follow
  OpCase& attr(const std::string& name, int64_t value);
  OpCase& attr(const std::string& name, float value);
  OpCase& attr(const std::string& name, const std::string& value);
  OpCase& ints(const std::string& name, const std::vector<int64_t>& values);
  OpCase& outputs(int count);
  OpCase& opset(int version);
  OpCase& tolerance(double relative);  // max |diff| <= tolerance * max(1, max |reference|)

  Graph graph() const;  // imported (shapes inferred)
  std::vector<Tensor> run(Backend& backend) const;
  // Runs on `backend` and on the reference; fails the test on a mismatch or a non-finite
  // value where the reference is finite. Returns false (the op is skipped) when `backend`
  // does not support the node.
  bool check(Backend& backend) const;
  // The implementations `backend` compiles the node to ("dnnl:...", "ref").
  std::string implementation(Backend& backend) const;

 private:
  std::string op_;
  onnx::ModelProto model_;
  std::vector<std::vector<float>> input_data_;
  std::mt19937_64 rng_;
  float lo_ = -1, hi_ = 1;
  int outputs_ = 1;
  double tolerance_ = 1e-4;
  std::string fresh_name();
  std::vector<float> random(int64_t count);
};

}  // namespace cosched::test
