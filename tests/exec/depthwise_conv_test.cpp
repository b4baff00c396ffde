// cos's own depthwise conv kernel against plain loops (random geometries, both layouts, every
// activation) and, built as a cpu-backend kernel, against the reference backend.
#include "cos/exec/cpu/depthwise_conv.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "cos/exec/cpu/dnnl_ops.h"
#include "exec/op_case.h"

namespace cosched {
namespace {

using Act = DepthwiseActivation;

struct Case {
  DepthwiseGeometry g;
  int64_t channels() const { return g.channel_blocks * 16; }
  int64_t in_size() const { return g.batch * channels() * g.in_h * g.in_w; }
  int64_t out_size() const { return g.batch * channels() * g.out_h * g.out_w; }
};

Case random_case(std::mt19937& rng) {
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  DepthwiseGeometry g;
  g.batch = pick(1, 2);
  g.channel_blocks = pick(1, 3);
  g.kernel_h = pick(1, 7);
  g.kernel_w = pick(1, 7);
  g.stride_h = pick(1, 3);
  g.stride_w = pick(1, 3);
  g.dilation_h = pick(1, 2);
  g.dilation_w = pick(1, 2);
  g.pad_top = pick(0, static_cast<int>(g.kernel_h) - 1);
  g.pad_left = pick(0, static_cast<int>(g.kernel_w) - 1);
  const int64_t reach_h = (g.kernel_h - 1) * g.dilation_h + 1;
  const int64_t reach_w = (g.kernel_w - 1) * g.dilation_w + 1;
  g.in_h = pick(static_cast<int>(std::max<int64_t>(1, reach_h - g.pad_top)), 30);
  g.in_w = pick(static_cast<int>(std::max<int64_t>(1, reach_w - g.pad_left)), 30);
  const int64_t pad_bottom = pick(0, static_cast<int>(g.kernel_h) - 1);
  const int64_t pad_right = pick(0, static_cast<int>(g.kernel_w) - 1);
  g.out_h = (g.in_h + g.pad_top + pad_bottom - reach_h) / g.stride_h + 1;
  g.out_w = (g.in_w + g.pad_left + pad_right - reach_w) / g.stride_w + 1;
  return {g};
}

float apply(float x, const Act& a) {
  switch (a.kind) {
    case Act::relu:
      return x < 0 ? a.alpha * x : x;
    case Act::clip:
      return std::min(std::max(x, a.alpha), a.beta);
    case Act::linear:
      return a.alpha * x + a.beta;
    case Act::swish:
      return x / (1 + std::exp(-a.alpha * x));
    case Act::logistic:
      return 1 / (1 + std::exp(-x));
    case Act::hardswish:
      return x * std::min(std::max(x / 6 + 0.5f, 0.0f), 1.0f);
  }
  return x;
}

// Plain NCHW loops; weights (C, KH, KW).
std::vector<float> plain_loops(const Case& c, const std::vector<float>& x,
                               const std::vector<float>& w, const std::vector<float>& bias,
                               const std::vector<Act>& acts) {
  const DepthwiseGeometry& g = c.g;
  std::vector<float> y(static_cast<size_t>(c.out_size()));
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t ch = 0; ch < c.channels(); ++ch)
      for (int64_t oh = 0; oh < g.out_h; ++oh)
        for (int64_t ow = 0; ow < g.out_w; ++ow) {
          float sum = bias[ch];
          for (int64_t kh = 0; kh < g.kernel_h; ++kh)
            for (int64_t kw = 0; kw < g.kernel_w; ++kw) {
              const int64_t ih = oh * g.stride_h - g.pad_top + kh * g.dilation_h;
              const int64_t iw = ow * g.stride_w - g.pad_left + kw * g.dilation_w;
              if (ih < 0 || ih >= g.in_h || iw < 0 || iw >= g.in_w) continue;
              sum += x[((n * c.channels() + ch) * g.in_h + ih) * g.in_w + iw] *
                     w[(ch * g.kernel_h + kh) * g.kernel_w + kw];
            }
          for (const Act& a : acts) sum = apply(sum, a);
          y[((n * c.channels() + ch) * g.out_h + oh) * g.out_w + ow] = sum;
        }
  return y;
}

// Index of plain NCHW element (n, ch, pixel) in the kernel's layout.
int64_t stored_index(const Case& c, int64_t n, int64_t ch, int64_t pixel, int64_t pixels) {
  if (c.g.channels_last) return (n * pixels + pixel) * c.channels() + ch;
  return ((n * c.g.channel_blocks + ch / 16) * pixels + pixel) * 16 + ch % 16;
}

std::vector<float> convert(const Case& c, const std::vector<float>& data, int64_t pixels,
                           bool to_stored) {
  std::vector<float> result(data.size());
  for (int64_t n = 0; n < c.g.batch; ++n)
    for (int64_t ch = 0; ch < c.channels(); ++ch)
      for (int64_t p = 0; p < pixels; ++p) {
        const int64_t plain = (n * c.channels() + ch) * pixels + p;
        const int64_t stored = stored_index(c, n, ch, p, pixels);
        if (to_stored)
          result[stored] = data[plain];
        else
          result[plain] = data[stored];
      }
  return result;
}

TEST(DepthwiseConv, MatchesPlainLoopsInBothLayouts) {
  if (!depthwise_available()) GTEST_SKIP() << "this CPU has no AVX-512F";
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> value(-2, 2);
  const std::vector<std::vector<Act>> activation_lists = {
      {},
      {{Act::relu}},
      {{Act::relu, 0.1f}},
      {{Act::clip, 0, 6}},
      {{Act::swish, 1}},
      {{Act::logistic}},
      {{Act::hardswish}},
      {{Act::linear, 0.2f, 0.5f}, {Act::clip, 0, 1}}};
  for (int i = 0; i < 160; ++i) {
    Case c = random_case(rng);
    c.g.channels_last = i % 2 == 1;
    const auto& acts = activation_lists[i % activation_lists.size()];
    const int64_t taps = c.g.kernel_h * c.g.kernel_w;
    std::vector<float> x(c.in_size()), w(c.channels() * taps), bias(c.channels());
    for (float& v : x) v = value(rng);
    for (float& v : w) v = value(rng);
    for (float& v : bias) v = value(rng);
    std::vector<float> packed(w.size());
    for (int64_t ch = 0; ch < c.channels(); ++ch)
      for (int64_t t = 0; t < taps; ++t)
        packed[((ch / 16) * taps + t) * 16 + ch % 16] = w[ch * taps + t];
    std::vector<float> y(c.out_size(), NAN);
    depthwise_conv(convert(c, x, c.g.in_h * c.g.in_w, true).data(), packed.data(), bias.data(),
                   y.data(), c.g, acts);
    std::vector<float> got = convert(c, y, c.g.out_h * c.g.out_w, false);
    std::vector<float> expected = plain_loops(c, x, w, bias, acts);
    const DepthwiseGeometry& g = c.g;
    SCOPED_TRACE(testing::Message()
                 << "case " << i << ": " << g.batch << "x" << c.channels() << "x" << g.in_h << "x"
                 << g.in_w << " kernel " << g.kernel_h << "x" << g.kernel_w << " stride "
                 << g.stride_h << "," << g.stride_w << " dilation " << g.dilation_h << ","
                 << g.dilation_w << " pads " << g.pad_top << "," << g.pad_left
                 << (g.channels_last ? " nhwc" : " nChw16c"));
    double worst = 0;
    for (size_t k = 0; k < got.size(); ++k) {
      ASSERT_TRUE(std::isfinite(got[k])) << "output " << k;
      worst = std::max(worst, static_cast<double>(std::abs(got[k] - expected[k])) /
                                  std::max(1.0f, std::abs(expected[k])));
    }
    EXPECT_LE(worst, 2e-5);
  }
}

// The kernel as the cpu backend builds it (fed from plain layout through oneDNN reorders).
class OwnDepthwiseBackend : public Backend {
 public:
  explicit OwnDepthwiseBackend(bool channels_last) : channels_last_(channels_last) {
    context_.stream = dnnl::stream(context_.engine);
  }
  std::string name() const override { return "own depthwise"; }
  bool supports(const Graph&, const Node& node) const override { return node.op == "Conv"; }
  std::unique_ptr<Kernel> compile(const Graph& graph, std::span<const Node* const> group) override {
    dnnl_ops::StoredLayouts io;
    io.input = plain_desc(graph.values[group[0]->inputs[0]].shape);
    auto kernel = dnnl_ops::own_depthwise_conv(context_, graph, group, io, channels_last_);
    EXPECT_TRUE(kernel) << "the own depthwise kernel refused the case";
    return kernel;
  }

 private:
  bool channels_last_;
  DnnlContext context_{dnnl::engine(dnnl::engine::kind::cpu, 0), {}};
};

TEST(DepthwiseConv, BackendKernelMatchesTheReference) {
  if (!depthwise_available()) GTEST_SKIP() << "this CPU has no AVX-512F";
  for (bool channels_last : {false, true}) {
    OwnDepthwiseBackend backend(channels_last);
    EXPECT_TRUE(test::OpCase("Conv")
                    .input({2, 32, 13, 11})
                    .constant({32, 1, 3, 3})
                    .constant({32})
                    .attr("group", int64_t{32})
                    .ints("pads", {1, 0, 2, 1})
                    .check(backend));
    EXPECT_TRUE(test::OpCase("Conv")
                    .input({1, 48, 17, 17})
                    .constant({48, 1, 5, 5})
                    .attr("group", int64_t{48})
                    .ints("strides", {2, 2})
                    .attr("auto_pad", std::string("SAME_UPPER"))
                    .check(backend));
  }
}

}  // namespace
}  // namespace cosched
