// Every kernel the cpu backend can choose for a convolution (oneDNN's layouts, our Winograd
// kernel), timed on the same shape: resnet18's convolutions and some 1x1s, input and output in
// 8-channel blocks (how they meet between convs on AVX2), Conv + Relu. Rounds take turns over the
// variants; prints each variant's median over the rounds and its ratio to oneDNN's own pick
// ("any"). Usage: bench_conv_variants [THREADS] [ROUNDS] [INPUT_BLOCK: 8 or 16]
#include <fmt/format.h>
#include <omp.h>

#include <chrono>
#include <random>

#include "cos/exec/cpu/dnnl_ops.h"
#include "cos/onnx/builder.h"
#include "cos/onnx/import.h"
#include "stats.h"

using namespace cosched;

namespace {

struct ConvCase {
  Shape x;
  int64_t out, kernel, stride;
};

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 15;
  // The input's channel blocks: 8 as oneDNN's AVX2 convs leave it, 16 as its AVX-512 ones do.
  const auto input_tag = argc > 3 && std::atoi(argv[3]) == 16 ? dnnl::memory::format_tag::nChw16c
                                                              : dnnl::memory::format_tag::nChw8c;
  omp_set_num_threads(threads);
  DnnlContext context{dnnl::engine(dnnl::engine::kind::cpu, 0), {}};
  context.stream = dnnl::stream(context.engine);
  const auto f32 = dnnl::memory::data_type::f32;
  const std::vector<ConvCase> cases = {
      {{1, 64, 56, 56}, 64, 3, 1},   {{1, 64, 56, 56}, 128, 3, 2},  {{1, 128, 28, 28}, 128, 3, 1},
      {{1, 128, 28, 28}, 256, 3, 2}, {{1, 256, 14, 14}, 256, 3, 1}, {{1, 256, 14, 14}, 512, 3, 2},
      {{1, 512, 7, 7}, 512, 3, 1},   {{1, 64, 56, 56}, 128, 1, 2},  {{1, 32, 112, 112}, 16, 1, 1},
      {{1, 96, 56, 56}, 24, 1, 1},   {{1, 192, 28, 28}, 64, 1, 1},  {{1, 320, 7, 7}, 1280, 1, 1}};
  fmt::print("{} thread(s), medians of {} rounds, input in {}-channel blocks\n", threads, rounds,
             input_tag == dnnl::memory::format_tag::nChw16c ? 16 : 8);
  fmt::print("{:<24} {:<28} {:>9} {:>8}\n", "conv", "kernel", "ms", "vs any");
  for (const ConvCase& c : cases) {
    ModelBuilder b("conv", 1);
    b.output(b.relu(b.conv(b.input("x", c.x), c.out, c.kernel, c.stride)));
    Graph graph = import_model_bytes(b.serialize(), "conv");
    std::vector<const Node*> group;
    for (const Node& node : graph.nodes) group.push_back(&node);
    const Shape& y = graph.values[graph.outputs[0]].shape;
    dnnl_ops::StoredLayouts io;
    io.input = dnnl::memory::desc(to_dims(c.x), f32, input_tag);
    io.free_output = true;
    std::vector<std::unique_ptr<DnnlKernel>> kernels;
    for (int v = 0; v < dnnl_ops::conv_variants(group); ++v)
      if (auto kernel = dnnl_ops::conv(context, graph, group, v, io))
        kernels.push_back(std::move(kernel));
    dnnl::memory x(io.input, context.engine);
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> uniform(-1, 1);
    auto* xs = static_cast<float*>(x.get_data_handle());
    for (size_t i = 0; i < io.input.get_size() / sizeof(float); ++i) xs[i] = uniform(rng);
    size_t out_bytes = 0;
    for (auto& k : kernels) out_bytes = std::max(out_bytes, k->output_desc().get_size());
    std::vector<std::byte> out(out_bytes);
    KernelArgs args;
    args.inputs = {x.get_data_handle(), graph.values[graph.nodes[0].inputs[1]].data->bytes.data(),
                   graph.values[graph.nodes[0].inputs[2]].data->bytes.data(), nullptr};
    args.outputs = {out.data()};
    std::vector<std::vector<double>> ms(kernels.size());
    for (auto& k : kernels) k->run(args);  // warm-up
    for (int r = 0; r < rounds; ++r)
      for (size_t k = 0; k < kernels.size(); ++k) {
        auto start = std::chrono::steady_clock::now();
        kernels[k]->run(args);
        ms[k].push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count());
      }
    const std::string name =
        fmt::format("{}x{}x{} k{} s{} -> {}", c.x[1], c.x[2], c.x[3], c.kernel, c.stride, y[1]);
    const double any = bench::median(ms[0]);
    for (size_t k = 0; k < kernels.size(); ++k)
      fmt::print("{:<24} {:<28} {:>9.3f} {:>8.2f}\n", k == 0 ? name : "",
                 kernels[k]->implementation(), bench::median(ms[k]), bench::median(ms[k]) / any);
  }
}
