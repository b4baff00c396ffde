// The equivalence suite: seeded single-op cases that every backend runs against the
// reference (shapes, strides, groups, broadcasts).
#include "exec/equivalence_cases.h"

namespace cosched::test {

std::vector<Case> equivalence_cases() {
  return {
      {"conv 3x3 pad 1",
       [] {
         return OpCase("Conv")
             .input({1, 16, 12, 12})
             .constant({32, 16, 3, 3})
             .constant({32})
             .ints("pads", {1, 1, 1, 1});
       }},
      {"conv stride 2 asymmetric pads",
       [] {
         return OpCase("Conv")
             .input({2, 8, 11, 9})
             .constant({16, 8, 3, 3})
             .ints("strides", {2, 2})
             .ints("pads", {0, 1, 2, 1});
       }},
      {"conv groups 4 dilation 2",
       [] {
         return OpCase("Conv")
             .input({1, 16, 14, 14})
             .constant({32, 4, 3, 3})
             .constant({32})
             .attr("group", int64_t{4})
             .ints("dilations", {2, 2})
             .ints("pads", {2, 2, 2, 2});
       }},
      {"conv depthwise",
       [] {
         return OpCase("Conv")
             .input({1, 24, 15, 15})
             .constant({24, 1, 3, 3})
             .attr("group", int64_t{24})
             .ints("strides", {2, 2})
             .ints("pads", {1, 1, 1, 1});
       }},
      {"conv auto_pad SAME_UPPER",
       [] {
         return OpCase("Conv")
             .input({1, 4, 10, 10})
             .constant({8, 4, 4, 4})
             .attr("auto_pad", std::string("SAME_UPPER"))
             .ints("strides", {3, 3});
       }},
      {"conv 1-D",
       [] {
         return OpCase("Conv").input({1, 6, 20}).constant({5, 6, 3}).constant({5});
       }},
      {"conv 1x1 first layer 3 channels",
       [] {
         return OpCase("Conv").input({1, 3, 16, 16}).constant({16, 3, 1, 1});
       }},
      {"gemm transB bias",
       [] {
         return OpCase("Gemm").input({3, 20}).constant({7, 20}).constant({7}).attr("transB",
                                                                                   int64_t{1});
       }},
      {"gemm transA beta",
       [] {
         return OpCase("Gemm")
             .input({20, 3})
             .constant({20, 7})
             .constant({3, 7})
             .attr("transA", int64_t{1})
             .attr("beta", 0.5f);
       }},
      {"gemm alpha no bias",
       [] {
         return OpCase("Gemm").input({4, 5}).input({5, 6}).attr("alpha", 2.0f);
       }},
      {"matmul batched runtime",
       [] {
         return OpCase("MatMul").input({2, 3, 5, 8}).input({2, 3, 8, 4});
       }},
      {"matmul broadcast constant",
       [] {
         return OpCase("MatMul").input({2, 7, 16}).constant({16, 9});
       }},
      {"matmul one-row batches folded",
       [] {
         return OpCase("MatMul").input({9, 1, 16}).constant({1, 16, 12});
       }},
      {"matmul batch broadcast",
       [] {
         return OpCase("MatMul").input({3, 1, 4, 5}).input({1, 2, 5, 6});
       }},
      {"maxpool 3x3 stride 2 pad 1",
       [] {
         return OpCase("MaxPool")
             .input({1, 8, 13, 13})
             .ints("kernel_shape", {3, 3})
             .ints("strides", {2, 2})
             .ints("pads", {1, 1, 1, 1});
       }},
      {"maxpool ceil_mode",
       [] {
         return OpCase("MaxPool")
             .input({1, 4, 10, 10})
             .ints("kernel_shape", {3, 3})
             .ints("strides", {2, 2})
             .attr("ceil_mode", int64_t{1});
       }},
      {"maxpool dilation",
       [] {
         return OpCase("MaxPool")
             .input({1, 2, 9, 9})
             .ints("kernel_shape", {2, 2})
             .ints("dilations", {2, 2});
       }},
      {"avgpool exclude pad",
       [] {
         return OpCase("AveragePool")
             .input({1, 4, 9, 9})
             .ints("kernel_shape", {3, 3})
             .ints("pads", {1, 1, 1, 1});
       }},
      {"avgpool include pad",
       [] {
         return OpCase("AveragePool")
             .input({1, 4, 9, 9})
             .ints("kernel_shape", {3, 3})
             .ints("pads", {1, 1, 1, 1})
             .attr("count_include_pad", int64_t{1});
       }},
      {"global average pool",
       [] {
         return OpCase("GlobalAveragePool").input({2, 16, 7, 5});
       }},
      {"global max pool",
       [] {
         return OpCase("GlobalMaxPool").input({1, 8, 6, 6});
       }},
      {"relu",
       [] {
         return OpCase("Relu").input({2, 3, 4, 5});
       }},
      {"leaky relu", [] { return OpCase("LeakyRelu").input({64}).attr("alpha", 0.1f); }},
      {"clip (relu6)",
       [] {
         return OpCase("Clip")
             .range(-10, 10)
             .input({100})
             .range(0, 0)
             .constant({})
             .range(6, 6)
             .constant({});
       }},
      {"sigmoid",
       [] {
         return OpCase("Sigmoid").range(-8, 8).input({3, 50});
       }},
      {"hard sigmoid", [] { return OpCase("HardSigmoid").range(-5, 5).input({100}); }},
      {"hard swish",
       [] {
         return OpCase("HardSwish").range(-5, 5).input({2, 60}).opset(14);
       }},
      {"tanh", [] { return OpCase("Tanh").range(-3, 3).input({70}); }},
      {"sqrt", [] { return OpCase("Sqrt").range(0.01f, 4).input({70}); }},
      {"exp", [] { return OpCase("Exp").range(-4, 4).input({70}); }},
      {"pow constant exponent",
       [] { return OpCase("Pow").range(0.1f, 3).input({40}).range(2, 2).constant({}); }},
      {"add broadcast",
       [] {
         return OpCase("Add").input({2, 8, 5, 5}).input({8, 1, 1});
       }},
      {"add first operand broadcast",
       [] {
         return OpCase("Add").input({1, 5}).input({3, 4, 5});
       }},
      {"sub same shape",
       [] {
         return OpCase("Sub").input({6, 7}).input({6, 7});
       }},
      {"mul broadcast",
       [] {
         return OpCase("Mul").input({2, 16, 4, 4}).input({2, 16, 1, 1});
       }},
      {"div by constant",
       [] {
         return OpCase("Div").input({3, 10}).range(1, 2).constant({10});
       }},
      {"concat axis 1",
       [] {
         return OpCase("Concat")
             .input({1, 3, 4, 4})
             .input({1, 5, 4, 4})
             .input({1, 2, 4, 4})
             .attr("axis", int64_t{1});
       }},
      {"softmax last axis",
       [] {
         return OpCase("Softmax").range(-5, 5).input({2, 3, 17}).attr("axis", int64_t{-1});
       }},
      {"softmax axis 1 opset 11",
       [] {
         return OpCase("Softmax").range(-5, 5).input({2, 3, 5}).attr("axis", int64_t{1}).opset(11);
       }},
      {"reduce mean spatial",
       [] {
         return OpCase("ReduceMean")
             .input({2, 8, 5, 6})
             .ints("axes", {2, 3})
             .attr("keepdims", int64_t{1});
       }},
      {"reduce mean no keepdims",
       [] {
         return OpCase("ReduceMean")
             .input({2, 8, 5})
             .ints("axes", {-1})
             .attr("keepdims", int64_t{0});
       }},
      {"transpose 4-D",
       [] {
         return OpCase("Transpose").input({2, 3, 4, 5}).ints("perm", {0, 2, 3, 1});
       }},
      {"transpose default",
       [] {
         return OpCase("Transpose").input({3, 4, 5});
       }},
      {"slice two axes",
       [] {
         return OpCase("Slice")
             .input({4, 6, 5})
             .constant_ints({1, -4})
             .constant_ints({3, 100})
             .constant_ints({0, 2});
       }},
      {"layer norm last axis",
       [] {
         return OpCase("LayerNormalization")
             .input({2, 5, 32})
             .constant({32})
             .constant({32})
             .opset(17);
       }},
      {"batch norm",
       [] {
         return OpCase("BatchNormalization")
             .input({2, 6, 4, 4})
             .constant({6})
             .constant({6})
             .constant({6})
             .range(0.5f, 2)
             .constant({6});
       }},
  };
}

}  // namespace cosched::test
