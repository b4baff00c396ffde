// The runtime's dispatch cost per unit: a chain of trivial ops (Add of a constant on 16
// floats) as one tenant on cpu:0, closed loop with one client; the median request latency
// under `run_plan` against the same graph run step after step by a GraphExecutor, divided
// by the units. Usage: bench_runtime_overhead [UNITS]
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "cos/exec/cpu/cpu_backend.h"
#include "cos/exec/graph_executor.h"
#include "cos/exec/latency.h"
#include "cos/onnx/builder.h"
#include "cos/onnx/import.h"
#include "cos/runtime/runtime.h"
#include "cos/sched/from_graph.h"
#include "cos/sched/strategy.h"

using namespace cosched;

int main(int argc, char** argv) {
  const int length = argc > 1 ? std::atoi(argv[1]) : 200;
  ModelBuilder b("chain", 1);
  std::string x = b.input("x", {1, 16});
  for (int i = 0; i < length; ++i) x = b.add(x, b.constant({0.001f}, {1}));
  b.output(x);
  const std::string path = (std::filesystem::temp_directory_path() / "cos-chain.onnx").string();
  b.save(path);

  Problem problem;
  problem.platform.processors = {{"cpu:0", "cpu"}};
  problem.platform.finalize();
  Tenant tenant;
  tenant.name = "chain";
  tenant.model = path;
  tenant.model_hash = file_hash(path);
  tenant.graph = sched_graph_from_graph(import_model(path), problem.platform, "chain");
  problem.tenants.push_back(tenant);
  const Plan plan = run_strategy("single", problem, {});
  const int units = static_cast<int>(tenant.graph.units.size()) - 2;  // not input, output

  CpuBackend cpu(CoreSet::parse("cpu:0"));
  GraphExecutor executor(import_model(path), cpu);
  Tensor input = make_tensor(DType::f32, {1, 16});
  std::vector<double> alone;
  for (int i = 0; i < 2000; ++i) {
    auto start = std::chrono::steady_clock::now();
    executor.run({input});
    alone.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
  }
  RunOptions options;
  options.duration_s = 2;
  options.clients = 1;
  const RunResult result = run_plan(problem, plan, options);
  const double executor_ms = summarize_latency(alone).median;
  const double runtime_ms = result.tenants[0].p50_ms;
  fmt::print("{} units (Add of a constant on 16 floats), 1 client on cpu:0\n", units);
  fmt::print("executor alone: median {:.3f} ms per request\n", executor_ms);
  fmt::print("runtime:        median {:.3f} ms per request ({:.0f} req/s)\n", runtime_ms,
             result.tenants[0].throughput_per_s);
  fmt::print("dispatch overhead: {:.2f} us per unit\n", (runtime_ms - executor_ms) * 1e3 / units);
  std::remove(path.c_str());
  return 0;
}
