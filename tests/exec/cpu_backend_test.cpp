#include "cos/exec/cpu/cpu_backend.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <random>
#include <thread>

#include "cos/common/error.h"
#include "cos/exec/cpu/dnnl_ops.h"
#include "cos/exec/cpu/one_thread.h"
#include "cos/exec/graph_executor.h"
#include "cos/exec/reference/reference_backend.h"
#include "cos/models/builtin.h"
#include "cos/onnx/import.h"
#include "exec/backend_checks.h"

namespace cosched {
namespace {

// The built-in models exercise fusion (Conv+Add+Relu, Conv+Clip, MatMul+Add) and views.
TEST(CpuBackend, BuiltinModelsMatchTheReference) {
  CpuBackend cpu(CoreSet::all());
  EXPECT_GT(test::check_builtin_models(cpu, 1e-4), 5);
}

TEST(CpuBackend, FusesConvAddReluIntoOneStep) {
  ModelBuilder b("residual", 1);
  std::string x = b.input("x", {1, 16, 8, 8});
  b.output(b.residual_block(x, 16, 1));
  CpuBackend cpu(CoreSet::all());
  GraphExecutor executor(import_model_bytes(b.serialize(), "residual"), cpu);
  bool conv_add_relu = false;
  for (const auto& step : executor.steps()) {
    std::string ops;
    for (int n : step.nodes) ops += executor.graph().nodes[n].op + " ";
    conv_add_relu = conv_add_relu || ops == "Conv Add Relu ";
  }
  EXPECT_TRUE(conv_add_relu);
}

// LayerNorm as exporters before opset 17 write it (nine nodes with scale and bias, seven
// without): one oneDNN layer normalization, as the reference computes it.
TEST(CpuBackend, FusesTheWrittenOutLayerNormIntoOneStep) {
  for (bool affine : {true, false}) {
    ModelBuilder b("ln", 2);
    b.output(b.relu(b.layer_norm_decomposed(b.input("x", {2, 7, 32}), affine)));
    Graph graph = import_model_bytes(b.serialize(), "ln");
    CpuBackend cpu(CoreSet::all());
    ReferenceBackend reference;
    GraphExecutor on_cpu(graph, cpu), on_reference(graph, reference);
    ASSERT_GE(on_cpu.steps().size(), 1u);
    EXPECT_EQ(on_cpu.steps()[0].nodes.size(), affine ? 9u : 7u);
    EXPECT_EQ(on_cpu.steps()[0].implementation.rfind("dnnl:", 0), 0u)
        << on_cpu.steps()[0].implementation;
    Tensor input = test::random_input(graph.values[graph.inputs[0]], 5);
    std::vector<double> e = to_doubles(on_reference.run({input})[0]);
    std::vector<double> c = to_doubles(on_cpu.run({input})[0]);
    for (size_t i = 0; i < e.size(); ++i) EXPECT_NEAR(c[i], e[i], 1e-4 * (1 + std::abs(e[i])));
  }
}

// GELU of `x` as exporters write it (fusion_patterns.h).
std::string written_out_gelu(ModelBuilder& b, const std::string& x, const Shape& shape) {
  std::string d = b.node("Div", {x, b.constant({1.4142135f}, {})}, shape);
  std::string a = b.node("Add", {b.node("Erf", {d}, shape), b.constant({1.0f}, {})}, shape);
  return b.node("Mul", {b.node("Mul", {x, a}, shape), b.constant({0.5f}, {})}, shape);
}

// Runs `graph` (one input) on the cpu backend, where it must be one step, and on the reference:
// the results agree within `tolerance` * (1 + |expected|). Returns the input and the expected.
std::pair<Tensor, std::vector<double>> expect_one_step_as_reference(const Graph& graph,
                                                                    double tolerance) {
  CpuBackend cpu(CoreSet::all());
  ReferenceBackend reference;
  GraphExecutor on_cpu(graph, cpu), on_reference(graph, reference);
  EXPECT_EQ(on_cpu.steps().size(), 1u);
  EXPECT_EQ(on_cpu.steps()[0].nodes.size(), graph.nodes.size());
  Tensor input = test::random_input(graph.values[graph.inputs[0]], 4);
  std::vector<double> e = to_doubles(on_reference.run({input})[0]);
  std::vector<double> c = to_doubles(on_cpu.run({input})[0]);
  for (size_t i = 0; i < e.size(); ++i) EXPECT_NEAR(c[i], e[i], tolerance * (1 + std::abs(e[i])));
  return {std::move(input), std::move(e)};
}

TEST(CpuBackend, FusesTheGeluPatternIntoOneStep) {
  ModelBuilder b("gelu", 1);
  b.output(written_out_gelu(b, b.input("x", {3, 64}), {3, 64}));
  expect_one_step_as_reference(import_model_bytes(b.serialize(), "gelu"), 1e-5);
}

// GELU after a linear layer: one step, the GELU computed on the product's output blocks by our
// own GEMM (or as oneDNN's gelu_erf post-op); every variant gives the reference's result.
TEST(CpuBackend, FusesGeluIntoTheProductAndEveryVariantMatchesTheReference) {
  DnnlContext context{dnnl::engine(dnnl::engine::kind::cpu, 0), {}};
  context.stream = dnnl::stream(context.engine);
  ModelBuilder b("linear_gelu", 1);
  // 70 columns: a panel of 6 past the last whole one.
  b.output(written_out_gelu(b, b.linear(b.input("x", {7, 300}), 70), {7, 70}));
  Graph graph = import_model_bytes(b.serialize(), "linear_gelu");
  const auto [input, e] = expect_one_step_as_reference(graph, 1e-4);

  std::vector<const Node*> group;
  for (const Node& node : graph.nodes) group.push_back(&node);
  KernelArgs args;
  args.inputs = {input.bytes.data(), graph.constant_input(graph.nodes[0], 1)->bytes.data()};
  std::vector<float> y(e.size());
  args.outputs = {y.data()};
  int built = 0, own = 0;
  for (int v = 0; v < dnnl_ops::matmul_variants(group); ++v) {
    auto kernel = dnnl_ops::matmul(context, graph, group, v, {});
    if (!kernel) continue;
    ++built;
    own += kernel->implementation() == "own packed gemm + gelu";
    std::fill(y.begin(), y.end(), 0.0f);
    kernel->run(args);
    for (size_t i = 0; i < e.size(); ++i)
      ASSERT_NEAR(y[i], e[i], 1e-4 * (1 + std::abs(e[i]))) << kernel->implementation() << i;
  }
  EXPECT_GE(built, 3);

  // Two cpu backends in turns of three nodes: the product's group ends inside the GELU.
  CpuBackend first(CoreSet::all()), second(CoreSet::all());
  GraphExecutor split(
      graph, test::grouped_placement(graph, first, second, [](int g) { return g % 2; }), nullptr);
  ReferenceBackend reference;
  EXPECT_LT(test::worst_relative(GraphExecutor(graph, reference).run({input}), split.run({input})),
            1e-4);
  EXPECT_EQ(own, __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1 : 0);
}

// SiLU as exporters write it: the conv (or linear) output read by both the Sigmoid and the
// Mul. One step, and each variant, with oneDNN's swish post-op or with silu_in_place after the
// primitive, gives the reference's result.
// Our own GEMM over packed weights: rows left over after the 6-row tiles, columns past the
// last whole 16-column panel, depth over one 256-deep slice, a bias, a Relu, none of them; and
// an output over 1 MB, which takes the other order of the loops (with slices 768 deep).
TEST(CpuBackend, OwnPackedGemmMatchesTheReference) {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
    GTEST_SKIP() << "the own GEMM needs AVX2 and FMA";
  DnnlContext context{dnnl::engine(dnnl::engine::kind::cpu, 0), {}};
  context.stream = dnnl::stream(context.engine);
  struct Case {
    Shape x;
    int64_t out;
    std::string head;  // Gemm (+ bias), linear (MatMul + Add), MatMul (no bias)
    bool relu;
  };
  for (const Case& c : std::vector<Case>{{{1, 13, 300}, 37, "linear", false},
                                         {{7, 20}, 32, "Gemm", true},
                                         {{1, 600}, 5, "MatMul", false},
                                         {{12, 16}, 48, "linear", true},
                                         {{261, 800}, 1030, "linear", true}}) {
    ModelBuilder b("gemm", 3);
    std::string x = b.input("x", c.x);
    std::vector<float> weights(c.x.back() * c.out);
    for (size_t i = 0; i < weights.size(); ++i) weights[i] = std::sin(0.37f * i);
    std::string y = c.head == "Gemm"     ? b.gemm(x, c.out)
                    : c.head == "linear" ? b.linear(x, c.out)
                                         : b.matmul(x, b.constant(weights, {c.x.back(), c.out}));
    if (c.relu) y = b.relu(y);
    b.output(y);
    Graph graph = import_model_bytes(b.serialize(), "gemm");
    std::vector<const Node*> group;
    for (const Node& node : graph.nodes) group.push_back(&node);
    ReferenceBackend reference;
    GraphExecutor on_reference(graph, reference);
    Tensor input = test::random_input(graph.values[graph.inputs[0]], 3);
    std::vector<double> e = to_doubles(on_reference.run({input})[0]);
    KernelArgs args;
    args.inputs = {input.bytes.data()};
    std::vector<float> out(e.size());
    args.outputs = {out.data()};
    int own = 0;
    for (int v = 0; v < dnnl_ops::matmul_variants(group); ++v) {
      auto kernel = dnnl_ops::matmul(context, graph, group, v, {});
      if (!kernel || !kernel->implementation().starts_with("own packed gemm")) continue;
      ++own;
      EXPECT_EQ(kernel->implementation().ends_with("+ relu"), c.relu);
      const int team = omp_get_max_threads();
      for (int threads : {1, 2}) {  // two threads split the panels
        omp_set_num_threads(threads);
        std::fill(out.begin(), out.end(), std::nanf(""));
        kernel->run(args);
        omp_set_num_threads(team);
        for (size_t i = 0; i < e.size(); ++i)
          ASSERT_NEAR(out[i], e[i], 1e-4 * (1 + std::abs(e[i])))
              << c.head << " on " << threads << " threads at " << i;
      }
    }
    EXPECT_EQ(own, 1) << c.head;
  }
}

TEST(CpuBackend, FusesSwishIntoOneStepAndEveryVariantMatchesTheReference) {
  DnnlContext context{dnnl::engine(dnnl::engine::kind::cpu, 0), {}};
  context.stream = dnnl::stream(context.engine);
  for (bool conv : {true, false}) {
    ModelBuilder b("swish", 2);
    std::string c =
        conv ? b.conv(b.input("x", {1, 8, 10, 10}), 16, 3) : b.linear(b.input("x", {5, 40}), 24);
    b.output(b.mul(c, b.sigmoid(c)));
    Graph graph = import_model_bytes(b.serialize(), "swish");
    CpuBackend cpu(CoreSet::all());
    ReferenceBackend reference;
    GraphExecutor on_cpu(graph, cpu), on_reference(graph, reference);
    ASSERT_EQ(on_cpu.steps().size(), 1u);
    EXPECT_EQ(on_cpu.steps()[0].nodes.size(), graph.nodes.size());
    Tensor input = test::random_input(graph.values[graph.inputs[0]], 5);
    std::vector<double> e = to_doubles(on_reference.run({input})[0]);
    std::vector<double> a = to_doubles(on_cpu.run({input})[0]);
    for (size_t i = 0; i < e.size(); ++i) EXPECT_NEAR(a[i], e[i], 1e-4 * (1 + std::abs(e[i])));

    std::vector<const Node*> group;
    for (const Node& node : graph.nodes) group.push_back(&node);
    const Node& head = graph.nodes[0];
    KernelArgs args;
    args.inputs = {input.bytes.data()};
    for (size_t i = 1; i < head.inputs.size(); ++i)
      args.inputs.push_back(graph.constant_input(head, i)->bytes.data());
    std::vector<float> y(e.size());
    args.outputs = {y.data()};
    dnnl_ops::StoredLayouts io;
    io.input = plain_desc(graph.values[graph.inputs[0]].shape);
    int with_silu = 0, with_post_op = 0;
    const int variants = conv ? dnnl_ops::conv_variants(group) : dnnl_ops::matmul_variants(group);
    for (int v = 0; v < variants; ++v) {
      auto kernel = conv ? dnnl_ops::conv(context, graph, group, v, io)
                         : dnnl_ops::matmul(context, graph, group, v, {});
      if (!kernel) continue;
      const bool silu = kernel->implementation().ends_with(" + silu");
      (silu ? with_silu : with_post_op) += 1;
      std::fill(y.begin(), y.end(), 0.0f);
      kernel->run(args);
      for (size_t i = 0; i < e.size(); ++i)
        ASSERT_NEAR(y[i], e[i], 1e-4 * (1 + std::abs(e[i]))) << kernel->implementation() << i;
    }
    EXPECT_GE(with_silu, 1);
    EXPECT_GE(with_post_op, 1);
  }
}

// A squeeze-excite block (efficientnet's): the conv output read by a global pool and by the
// Mul that scales it by the gate; every layout the backend chooses gives the reference's result.
TEST(CpuBackend, SqueezeExciteBlockMatchesTheReference) {
  for (int64_t channels : {16, 24, 32}) {
    ModelBuilder b("se", 3);
    std::string c = b.conv(b.input("x", {1, 8, 12, 12}), channels, 3);
    c = b.mul(c, b.sigmoid(c));
    std::string gate = b.sigmoid(b.conv(b.relu(b.conv(b.global_avg_pool(c), 4, 1)), channels, 1));
    b.output(b.conv(b.mul(c, gate), 8, 1));
    Graph graph = import_model_bytes(b.serialize(), "se");
    CpuBackend cpu(CoreSet::all());
    ReferenceBackend reference;
    GraphExecutor on_cpu(graph, cpu), on_reference(graph, reference);
    Tensor input = test::random_input(graph.values[graph.inputs[0]], 6);
    std::vector<double> e = to_doubles(on_reference.run({input})[0]);
    std::vector<double> a = to_doubles(on_cpu.run({input})[0]);
    for (size_t i = 0; i < e.size(); ++i)
      ASSERT_NEAR(a[i], e[i], 1e-4 * (1 + std::abs(e[i]))) << channels << " channels, " << i;
  }
}

// x * gate with x stored in a conv's layout (channel blocks, channels last): the Mul works in
// that layout, leaves its output in it, and reads the per-channel gate as it is.
TEST(CpuBackend, BinaryOpKeepsTheLayoutOfItsFullSizeOperand) {
  using tag = dnnl::memory::format_tag;
  ModelBuilder b("scale", 1);
  std::string x = b.input("x", {1, 32, 5, 7}), gate = b.input("gate", {1, 32, 1, 1});
  b.output(b.node("Mul", {gate, x}, {1, 32, 5, 7}));  // broadcast first: the kernel swaps them
  Graph graph = import_model_bytes(b.serialize(), "scale");
  DnnlContext context{dnnl::engine(dnnl::engine::kind::cpu, 0), {}};
  context.stream = dnnl::stream(context.engine);
  Tensor xs = test::random_input(graph.values[graph.inputs[0]], 1);
  Tensor gs = test::random_input(graph.values[graph.inputs[1]], 2);
  const dnnl::memory::dims dims = {1, 32, 5, 7};
  const auto f32 = dnnl::memory::data_type::f32;
  // The channel blocks of this machine's convolutions: 16 with AVX-512, else 8.
  const tag blocks =
      dnnl::get_effective_cpu_isa() >= dnnl::cpu_isa::avx512_core ? tag::nChw16c : tag::nChw8c;
  for (tag layout : {blocks, tag::nhwc}) {
    dnnl::memory::desc stored(dims, f32, layout);
    dnnl_ops::StoredLayouts io;
    io.inputs = {plain_desc({1, 32, 1, 1}), stored};
    io.free_output = true;
    auto kernel = dnnl_ops::binary(context, graph, graph.nodes[0], io);
    ASSERT_TRUE(kernel);
    EXPECT_EQ(kernel->output_desc(), stored);
    EXPECT_EQ(kernel->implementation().find("ref"), std::string::npos) << kernel->implementation();
    // x in the stored layout in, the product in it out; back to plain to compare.
    dnnl::memory plain_x(plain_desc({1, 32, 5, 7}), context.engine, xs.bytes.data());
    dnnl::memory x_in(stored, context.engine), y_out(stored, context.engine);
    std::vector<float> y(xs.size());
    dnnl::memory plain_y(plain_desc({1, 32, 5, 7}), context.engine, y.data());
    dnnl::reorder(plain_x, x_in).execute(context.stream, plain_x, x_in);
    KernelArgs args;
    args.inputs = {gs.bytes.data(), x_in.get_data_handle()};
    args.outputs = {y_out.get_data_handle()};
    kernel->run(args);
    dnnl::reorder(y_out, plain_y).execute(context.stream, y_out, plain_y);
    context.stream.wait();
    const float* xv = reinterpret_cast<const float*>(xs.bytes.data());
    const float* gv = reinterpret_cast<const float*>(gs.bytes.data());
    for (size_t i = 0; i < y.size(); ++i) ASSERT_FLOAT_EQ(y[i], xv[i] * gv[i / 35]) << i;
  }
}

// Runs a layout-aware kernel on plain `inputs` stored in `layouts` first; its output, read
// in `out` (the layout the kernel says it wrote), back in plain order.
std::vector<float> run_in_layouts(DnnlContext context, Kernel& kernel,
                                  const std::vector<Tensor>& inputs,
                                  const std::vector<dnnl::memory::desc>& layouts,
                                  const dnnl::memory::desc& out) {
  KernelArgs args;
  std::vector<dnnl::memory> stored;
  for (size_t i = 0; i < inputs.size(); ++i) {
    dnnl::memory from(plain_desc(inputs[i].shape), context.engine,
                      const_cast<std::byte*>(inputs[i].bytes.data()));
    stored.emplace_back(layouts[i], context.engine);
    dnnl::reorder(from, stored[i]).execute(context.stream, from, stored[i]);
    args.inputs.push_back(stored[i].get_data_handle());
  }
  dnnl::memory y(out, context.engine);
  args.outputs = {y.get_data_handle()};
  context.stream.wait();
  kernel.run(args);
  const dnnl::memory::dims dims = out.dims();
  std::vector<float> plain(out.get_size() / sizeof(float));
  dnnl::memory plain_y(plain_desc(Shape(dims.begin(), dims.end())), context.engine, plain.data());
  dnnl::reorder(y, plain_y).execute(context.stream, y, plain_y);
  context.stream.wait();
  plain.resize(plain_y.get_desc().get_size() / sizeof(float));
  return plain;
}

// Concat of 1 x channels[i] x 3 x 5 inputs stored in `layouts`: cos's copies, output in
// `out_layout`, every input's values in order.
void expect_concat_copies(const std::vector<int64_t>& channels,
                          const std::vector<dnnl::memory::format_tag>& layouts,
                          dnnl::memory::format_tag out_layout) {
  ModelBuilder b("join", 1);
  std::vector<std::string> names;
  for (size_t i = 0; i < channels.size(); ++i)
    names.push_back(b.input(fmt::format("x{}", i), {1, channels[i], 3, 5}));
  b.output(b.concat(names, 1));
  Graph graph = import_model_bytes(b.serialize(), "join");
  DnnlContext context{dnnl::engine(dnnl::engine::kind::cpu, 0), {}};
  context.stream = dnnl::stream(context.engine);
  const auto f32 = dnnl::memory::data_type::f32;
  dnnl_ops::StoredLayouts io;
  std::vector<Tensor> xs;
  int64_t total = 0;
  for (size_t i = 0; i < channels.size(); ++i) {
    xs.push_back(test::random_input(graph.values[graph.inputs[i]], 10 + i));
    io.inputs.emplace_back(to_dims(xs[i].shape), f32, layouts[i]);
    total += channels[i];
  }
  io.free_output = true;
  auto kernel = dnnl_ops::concat(context, graph, graph.nodes[0], io);
  ASSERT_TRUE(kernel);
  const dnnl::memory::desc out({1, total, 3, 5}, f32, out_layout);
  EXPECT_EQ(kernel->output_desc(), out);
  EXPECT_EQ(kernel->implementation(), "copy runs");
  const std::vector<float> y = run_in_layouts(context, *kernel, xs, io.inputs, out);
  size_t at = 0;
  for (const Tensor& x : xs)
    for (size_t j = 0; j < x.size(); ++j, ++at)
      ASSERT_EQ(y[at], reinterpret_cast<const float*>(x.bytes.data())[j]) << at;
}

// Inputs stored channels-last, in channel blocks and plain: copies in the first input's
// layout (the others reordered to it first), which the output keeps.
TEST(CpuBackend, ConcatCopiesInputsOfMixedLayouts) {
  using tag = dnnl::memory::format_tag;
  expect_concat_copies({16, 32, 8}, {tag::nhwc, tag::nChw16c, tag::nchw}, tag::nhwc);
}

// Inputs in 8-channel blocks, each a whole number of blocks: the copies stay in the blocks
// (a max pool after them then pools in its fast layout rather than plain).
TEST(CpuBackend, ConcatCopiesWholeChannelBlocksInTheirLayout) {
  using tag = dnnl::memory::format_tag;
  expect_concat_copies({16, 8, 24}, {tag::nChw8c, tag::nChw8c, tag::nChw8c}, tag::nChw8c);
  DnnlContext context{dnnl::engine(dnnl::engine::kind::cpu, 0), {}};
  const auto f32 = dnnl::memory::data_type::f32;
  // 12 channels end inside a block: not copied in blocks.
  ModelBuilder odd("odd", 1);
  odd.output(odd.concat({odd.input("a", {1, 12, 3, 5}), odd.input("b", {1, 8, 3, 5})}, 1));
  Graph odd_graph = import_model_bytes(odd.serialize(), "odd");
  dnnl_ops::StoredLayouts odd_io;
  odd_io.inputs = {dnnl::memory::desc({1, 12, 3, 5}, f32, tag::nChw8c),
                   dnnl::memory::desc({1, 8, 3, 5}, f32, tag::nChw8c)};
  odd_io.free_output = true;
  auto odd_kernel = dnnl_ops::concat(context, odd_graph, odd_graph.nodes[0], odd_io);
  ASSERT_TRUE(odd_kernel);
  EXPECT_NE(odd_kernel->output_desc(), dnnl::memory::desc({1, 20, 3, 5}, f32, tag::nChw8c));
}

// Our max pool in each layout with channels innermost, against the reference: strides,
// ceil mode, pads, dilation; the output keeps the input's layout.
TEST(CpuBackend, MaxPoolInChannelsInnerLayoutsMatchesTheReference) {
  using tag = dnnl::memory::format_tag;
  using A = onnx::AttributeProto;
  const std::vector<std::vector<A>> windows = {
      {ModelBuilder::attr("kernel_shape", std::vector<int64_t>{3, 3}),
       ModelBuilder::attr("strides", std::vector<int64_t>{2, 2}),
       ModelBuilder::attr("ceil_mode", int64_t{1})},
      {ModelBuilder::attr("kernel_shape", std::vector<int64_t>{2, 3}),
       ModelBuilder::attr("pads", std::vector<int64_t>{1, 0, 1, 2})},
      {ModelBuilder::attr("kernel_shape", std::vector<int64_t>{3, 3}),
       ModelBuilder::attr("dilations", std::vector<int64_t>{2, 2}),
       ModelBuilder::attr("pads", std::vector<int64_t>{2, 2, 2, 2})}};
  const std::vector<Shape> outputs = {{1, 32, 5, 6}, {1, 32, 11, 12}, {1, 32, 10, 12}};
  DnnlContext context{dnnl::engine(dnnl::engine::kind::cpu, 0), {}};
  context.stream = dnnl::stream(context.engine);
  const auto f32 = dnnl::memory::data_type::f32;
  ReferenceBackend reference;
  for (size_t w = 0; w < windows.size(); ++w) {
    ModelBuilder b("pool", 1);
    b.output(b.node("MaxPool", {b.input("x", {1, 32, 10, 12})}, outputs[w], windows[w]));
    Graph graph = import_model_bytes(b.serialize(), "pool");
    const Tensor x = test::random_input(graph.values[graph.inputs[0]], 30 + w);
    std::vector<float> expected(32 * outputs[w][2] * outputs[w][3]);
    const Node* node = &graph.nodes[0];
    reference.compile(graph, std::span(&node, 1))
        ->run({{x.bytes.data()}, {static_cast<void*>(expected.data())}});
    for (tag layout : {tag::nChw8c, tag::nChw16c, tag::nhwc}) {
      dnnl_ops::StoredLayouts io;
      io.input = dnnl::memory::desc({1, 32, 10, 12}, f32, layout);
      io.free_output = true;
      auto kernel = dnnl_ops::pool(context, graph, graph.nodes[0], io, 0);
      ASSERT_TRUE(kernel) << w;
      EXPECT_EQ(kernel->implementation(), "own max pool");
      const dnnl::memory::desc out(to_dims(outputs[w]), f32, layout);
      EXPECT_EQ(kernel->output_desc(), out);
      EXPECT_EQ(run_in_layouts(context, *kernel, {x}, {io.input}, out), expected)
          << "window " << w << ", layout " << static_cast<int>(layout);
    }
    dnnl_ops::StoredLayouts plain;  // plain input: oneDNN's only
    plain.input = plain_desc({1, 32, 10, 12});
    plain.free_output = true;
    EXPECT_FALSE(dnnl_ops::pool(context, graph, graph.nodes[0], plain, 0));
    EXPECT_TRUE(dnnl_ops::pool(context, graph, graph.nodes[0], plain, 1));
  }
}

// Our Winograd kernels F(2x2, 3x3) and F(4x4, 3x3) against the reference: output sizes not
// multiples of the tile (the last row or column of tiles cut), pads on some sides only, two images,
// a one-pixel input, more than 256 input channels (two depth slices), with and without bias,
// residual and Relu; the input plain or in 8- or 16-channel blocks, the output in blocks (free) or
// plain; on one and two threads. Other windows, strides and dilations are refused.
TEST(CpuBackend, OwnWinogradConvsMatchTheReference) {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
    GTEST_SKIP() << "the own Winograd kernel needs AVX2 and FMA";
  using tag = dnnl::memory::format_tag;
  struct Case {
    Shape x;
    int64_t out;
    std::vector<int64_t> pads;  // top, left, bottom, right
    bool bias, sum, relu;
    std::vector<int64_t> kernel = {3, 3}, stride = {1, 1}, dilation = {1, 1};
  };
  DnnlContext context{dnnl::engine(dnnl::engine::kind::cpu, 0), {}};
  context.stream = dnnl::stream(context.engine);
  const auto f32 = dnnl::memory::data_type::f32;
  ReferenceBackend reference;
  const std::vector<Case> cases = {
      {{1, 8, 9, 11}, 16, {1, 1, 1, 1}, true, true, true},
      {{2, 16, 6, 6}, 32, {0, 1, 2, 0}, false, false, false},
      {{1, 32, 7, 5}, 16, {1, 1, 1, 1}, true, true, true},
      {{1, 264, 4, 4}, 16, {1, 0, 1, 0}, true, false, false},
      {{1, 8, 1, 1}, 16, {1, 1, 1, 1}, true, true, false},
      {{1, 16, 9, 8}, 32, {1, 1, 1, 1}, true, false, true, {3, 3}, {2, 2}},
      {{2, 8, 7, 7}, 16, {0, 0, 0, 0}, false, true, true, {1, 1}},
      {{1, 8, 11, 9}, 16, {2, 1, 0, 1}, true, false, false, {5, 3}, {2, 1}, {1, 2}}};
  for (const Case& c : cases) {
    Shape y_shape = {c.x[0], c.out};
    for (int d = 0; d < 2; ++d)
      y_shape.push_back(
          (c.x[2 + d] + c.pads[d] + c.pads[d + 2] - c.dilation[d] * (c.kernel[d] - 1) - 1) /
              c.stride[d] +
          1);
    ModelBuilder b("winograd", 4);
    std::vector<float> weights(c.out * c.x[1] * c.kernel[0] * c.kernel[1]), bias(c.out);
    for (size_t i = 0; i < weights.size(); ++i) weights[i] = std::sin(0.37f * i) / 8;
    for (size_t i = 0; i < bias.size(); ++i) bias[i] = std::cos(0.5f * i);
    std::vector<std::string> inputs = {
        b.input("x", c.x), b.constant(weights, {c.out, c.x[1], c.kernel[0], c.kernel[1]})};
    if (c.bias) inputs.push_back(b.constant(bias, {c.out}));
    std::string y = b.node(
        "Conv", inputs, y_shape,
        {ModelBuilder::attr("kernel_shape", c.kernel), ModelBuilder::attr("strides", c.stride),
         ModelBuilder::attr("dilations", c.dilation), ModelBuilder::attr("pads", c.pads)});
    if (c.sum) y = b.add(y, b.input("skip", y_shape));
    if (c.relu) y = b.relu(y);
    b.output(y);
    Graph graph = import_model_bytes(b.serialize(), "winograd");
    std::vector<const Node*> group;
    for (const Node& node : graph.nodes) group.push_back(&node);
    std::vector<Tensor> given;
    for (size_t i = 0; i < graph.inputs.size(); ++i)
      given.push_back(test::random_input(graph.values[graph.inputs[i]], 40 + i));
    GraphExecutor on_reference(graph, reference);
    const std::vector<double> expected = to_doubles(on_reference.run(given)[0]);
    const bool winograd_applies = c.kernel == std::vector<int64_t>{3, 3} &&
                                  c.stride == std::vector<int64_t>{1, 1} &&
                                  c.dilation == std::vector<int64_t>{1, 1};
    const int own = dnnl_ops::conv_variants(group) - 2;
    for (int m : {2, 4})
      for (tag layout : {tag::nchw, tag::nChw8c, tag::nChw16c})
        for (bool free_output : {false, true}) {
          // Each activation stored in `layout`, the output in what the kernel says.
          auto stored = [&](const Tensor& t) {
            dnnl::memory plain(plain_desc(t.shape), context.engine,
                               const_cast<std::byte*>(t.bytes.data()));
            dnnl::memory to(dnnl::memory::desc(to_dims(t.shape), f32, layout), context.engine);
            dnnl::reorder(plain, to).execute(context.stream, plain, to);
            context.stream.wait();
            return to;
          };
          dnnl_ops::StoredLayouts io;
          io.input = dnnl::memory::desc(to_dims(c.x), f32, layout);
          io.skip = dnnl::memory::desc(to_dims(y_shape), f32, layout);
          io.free_output = free_output;
          auto kernel = dnnl_ops::conv(context, graph, group, own + m / 4, io);
          if (!winograd_applies) {
            EXPECT_FALSE(kernel);
            continue;
          }
          ASSERT_TRUE(kernel);
          EXPECT_EQ(kernel->implementation(),
                    fmt::format("own winograd F({},3){}", m, c.relu ? " + relu" : ""));
          // 16-channel blocks where the input comes in them whole, else 8.
          const tag blocks =
              layout == tag::nChw16c && c.x[1] % 16 == 0 ? tag::nChw16c : tag::nChw8c;
          EXPECT_EQ(kernel->output_desc(), free_output
                                               ? dnnl::memory::desc(to_dims(y_shape), f32, blocks)
                                               : plain_desc(y_shape));
          dnnl::memory x = stored(given[0]);
          dnnl::memory skip = c.sum ? stored(given[1]) : dnnl::memory();
          KernelArgs args;
          args.inputs = {x.get_data_handle(), nullptr};
          if (c.bias) args.inputs.push_back(nullptr);  // weights and bias: packed
          if (c.sum) args.inputs.insert(args.inputs.end(), {nullptr, skip.get_data_handle()});
          dnnl::memory out(kernel->output_desc(), context.engine);
          args.outputs = {out.get_data_handle()};
          const int team = omp_get_max_threads();
          for (int threads : {1, 2}) {
            omp_set_num_threads(threads);
            std::fill_n(static_cast<float*>(out.get_data_handle()), expected.size(), std::nanf(""));
            kernel->run(args);
            omp_set_num_threads(team);
            std::vector<float> y_plain(expected.size());
            dnnl::memory plain(plain_desc(y_shape), context.engine, y_plain.data());
            dnnl::reorder(out, plain).execute(context.stream, out, plain);
            context.stream.wait();
            for (size_t i = 0; i < expected.size(); ++i)
              ASSERT_NEAR(y_plain[i], expected[i], 1e-4 * (1 + std::abs(expected[i])))
                  << "F(" << m << ",3), input " << c.x[1] << "x" << c.x[2] << "x" << c.x[3]
                  << ", layout " << static_cast<int>(layout) << (free_output ? ", free output" : "")
                  << ", " << threads << " threads, at " << i;
          }
        }
  }
}

// A kernel that records the OpenMP team size it would get, and throws when asked to.
class TeamSize : public Kernel {
 public:
  void run(const KernelArgs& args) override {
    seen = omp_get_max_threads();
    if (args.inputs.empty()) throw Error("failed on purpose");
  }
  std::string implementation() const override { return "team size"; }
  int seen = 0;
};

TEST(CpuBackend, OneThreadRunsItsKernelAloneAndRestoresTheTeam) {
  omp_set_num_threads(3);
  auto inner = std::make_unique<TeamSize>();
  TeamSize* kernel = inner.get();
  OneThread one(std::move(inner), 3);
  EXPECT_EQ(one.implementation(), "team size (1 thread)");
  one.run(KernelArgs{{nullptr}, {}});
  EXPECT_EQ(kernel->seen, 1);
  EXPECT_EQ(omp_get_max_threads(), 3);
  EXPECT_THROW(one.run(KernelArgs{}), Error);
  EXPECT_EQ(omp_get_max_threads(), 3);  // restored when the kernel throws too
}

TEST(CoreSet, ParsesAndNamesCoreSets) {
  EXPECT_EQ(CoreSet::parse("cpu:0").cores, std::vector<int>{0});
  EXPECT_EQ(CoreSet::parse("cpu:0").name(), "cpu:0");
  if (CoreSet::all().threads() >= 2) {
    EXPECT_EQ(CoreSet::parse("cpu:0-1").cores, (std::vector<int>{0, 1}));
    EXPECT_EQ(CoreSet::parse("cpu:1,0").name(), "cpu:0-1");
  }
  for (const char* bad : {"gpu:0", "cpu:", "cpu:a", "cpu:2-1", "cpu:9999"}) {
    try {
      CoreSet::parse(bad);
      ADD_FAILURE() << bad << " accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
}

// Pinning, checked through the affinity masks of the OpenMP team oneDNN will use:
// two executors on disjoint core sets, each on its own thread.
TEST(CoreSet, PinsEachTeamToItsCores) {
  if (CoreSet::all().threads() < 2) GTEST_SKIP() << "needs 2 cores";
  auto check = [](const std::string& text, std::vector<std::vector<int>>* masks) {
    pin_threads(CoreSet::parse(text));
    *masks = team_affinity();
  };
  std::vector<std::vector<int>> on0, on1, both;
  std::thread a(check, "cpu:0", &on0), b(check, "cpu:1", &on1), c(check, "cpu:0-1", &both);
  a.join();
  b.join();
  c.join();
  EXPECT_EQ(on0, (std::vector<std::vector<int>>{{0}}));
  EXPECT_EQ(on1, (std::vector<std::vector<int>>{{1}}));
  EXPECT_EQ(both, (std::vector<std::vector<int>>{{0}, {1}}));
}

}  // namespace
}  // namespace cosched
