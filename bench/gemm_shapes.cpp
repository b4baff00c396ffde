// Our packed product (PackedGemm) on vit_b_16's four weight products (197 rows), each with 12
// copies of its weights taken in turn as a run's 12 layers would, so that B comes from memory
// as in a whole run. Prints the median ms of a product and its GFLOP/s.
// Usage: bench_gemm_shapes [THREADS] [ROUNDS]
#include <fmt/format.h>
#include <omp.h>

#include <chrono>
#include <random>

#include "cos/exec/cpu/packed_gemm.h"
#include "stats.h"

using namespace cosched;

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 10;
  constexpr int kLayers = 12;
  omp_set_num_threads(threads);
  DnnlContext context{dnnl::engine(dnnl::engine::kind::cpu, 0), {}};
  context.stream = dnnl::stream(context.engine);
  struct Shape3 {
    int64_t m, k, n;
  };
  const std::vector<Shape3> shapes = {
      {197, 768, 3072}, {197, 3072, 768}, {197, 768, 2304}, {197, 768, 768}};
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> uniform(-1, 1);
  fmt::print("{} thread(s), medians of {} rounds of {} layers\n", threads, rounds, kLayers);
  fmt::print("{:<18} {:>9} {:>9}\n", "m x k x n", "ms", "GFLOP/s");
  for (const Shape3& s : shapes) {
    std::vector<float> a(s.m * s.k), b(s.k * s.n), c(s.m * s.n);
    for (float& v : a) v = uniform(rng);
    for (float& v : b) v = uniform(rng);
    std::vector<std::unique_ptr<PackedGemm>> layers;
    for (int l = 0; l < kLayers; ++l)
      layers.push_back(PackedGemm::make(context, s.m, s.k, s.n, b.data(), false,
                                        std::vector<float>(s.n, 0.5f),
                                        PackedGemm::Activation::none));
    if (!layers[0]) return fmt::print("this CPU lacks AVX2 or FMA\n"), 0;
    KernelArgs args;
    args.inputs = {a.data()};
    args.outputs = {c.data()};
    std::vector<double> ms;
    for (int r = 0; r <= rounds; ++r)
      for (auto& layer : layers) {
        auto start = std::chrono::steady_clock::now();
        layer->run(args);
        if (r > 0)
          ms.push_back(
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                  .count());
      }
    const double median = bench::median(ms);
    fmt::print("{:<18} {:>9.3f} {:>9.1f}\n", fmt::format("{}x{}x{}", s.m, s.k, s.n), median,
               2.0 * s.m * s.k * s.n / median / 1e6);
  }
}
