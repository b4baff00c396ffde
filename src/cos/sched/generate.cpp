#include "cos/sched/generate.h"

#include <fmt/format.h>

#include <cmath>
#include <random>

#include "cos/common/error.h"

namespace cosched {
namespace {

struct SuiteSpec {
  std::string name;
  int size;
  int min_tenants, max_tenants;
  int min_blocks, max_blocks;
  bool tiny_blocks;  // only short chains and two-branch forks: few units
};

const std::vector<SuiteSpec>& suites() {
  static const std::vector<SuiteSpec> specs = {{"tiny", 50, 1, 2, 1, 2, true},
                                               {"small", 40, 2, 3, 1, 3, false},
                                               {"medium", 16, 3, 6, 4, 10, false},
                                               {"large", 4, 8, 16, 15, 40, false}};
  return specs;
}

// CPU cost range (ms) and GPU speed-up range of an op class.
struct OpClass {
  const char* name;
  double cpu_low, cpu_high;
  double gpu_speedup_low, gpu_speedup_high;
};

const OpClass kConv{"conv", 0.15, 2.0, 6, 20};
const OpClass kDepthwise{"depthwise", 0.04, 0.3, 1.2, 4};
const OpClass kMatmul{"matmul", 0.1, 1.5, 8, 25};
const OpClass kEltwise{"eltwise", 0.005, 0.06, 0.8, 3};
const OpClass kPool{"pool", 0.02, 0.12, 2, 5};
const OpClass kSoftmax{"softmax", 0.02, 0.2, 2, 6};
const OpClass kConcat{"concat", 0.005, 0.03, 1, 2};

class Generator {
 public:
  Generator(uint64_t seed, const Platform& platform) : rng_(seed), platform_(platform) {}

  SchedGraph tenant_graph(const std::string& name, int blocks, bool tiny) {
    graph_ = SchedGraph{};
    graph_.name = name;
    int x = add_unit("input", "io");
    graph_.units[x].cost_ms = io_costs();
    graph_.units[x].out_bytes = bytes();
    for (int b = 0; b < blocks; ++b) {
      if (tiny) {
        x = pick(2) ? chain(x, 1)
                    : op(kEltwise, {op(compute_class(), {x}), op(compute_class(), {x})});
        continue;
      }
      switch (pick(4)) {
        case 0:
          x = chain(x, 1 + pick(3));
          break;
        case 1:
          x = fork_join(x);
          break;
        case 2:
          x = inception(x);
          break;
        default:
          x = attention(x);
          break;
      }
    }
    int out = add_unit("output", "io");
    graph_.units[out].cost_ms = io_costs();
    connect(x, out);
    graph_.finalize(platform_.processors.size());
    return std::move(graph_);
  }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  double uniform(double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(rng_);
  }
  double log_uniform(double lo, double hi) { return std::exp(uniform(std::log(lo), std::log(hi))); }
  double bytes() { return std::round(log_uniform(16e3, 4e6)); }

  std::vector<double> io_costs() const {
    std::vector<double> costs;
    for (const auto& p : platform_.processors) costs.push_back(p.is_host() ? 0.0 : kUnsupported);
    return costs;
  }

  int add_unit(const std::string& name, const std::string& cls) {
    Unit unit;
    unit.name = cls == "io" ? name : fmt::format("{}_{}", name, graph_.units.size());
    unit.op = cls;
    graph_.units.push_back(std::move(unit));
    return static_cast<int>(graph_.units.size()) - 1;
  }

  int op(const OpClass& cls, const std::vector<int>& inputs) {
    int u = add_unit(cls.name, cls.name);
    Unit& unit = graph_.units[u];
    double cpu = log_uniform(cls.cpu_low, cls.cpu_high);
    double speedup = log_uniform(cls.gpu_speedup_low, cls.gpu_speedup_high);
    bool gpu_unsupported = uniform(0, 1) < 0.02;
    for (const auto& p : platform_.processors) {
      if (p.is_host()) {
        unit.cost_ms.push_back(cpu * 100.0 / p.peak_gflops);  // costs drawn for a 100 GFLOP/s group
      } else {
        unit.cost_ms.push_back(gpu_unsupported ? kUnsupported : cpu / speedup + p.launch_ms);
      }
    }
    unit.out_bytes = bytes();
    for (int in : inputs) connect(in, u);
    return u;
  }

  void connect(int from, int to) { graph_.edges.push_back({from, to}); }

  const OpClass& compute_class() {
    switch (pick(4)) {
      case 0:
        return kConv;
      case 1:
        return kDepthwise;
      case 2:
        return kMatmul;
      default:
        return kPool;
    }
  }

  int chain(int x, int length) {
    for (int i = 0; i < length; ++i) {
      x = op(compute_class(), {x});
      if (pick(2) == 0) x = op(kEltwise, {x});
    }
    return x;
  }

  int fork_join(int x) {
    std::vector<int> branches;
    for (int b = 0, n = 2 + pick(3); b < n; ++b) branches.push_back(chain(x, 1 + pick(3)));
    return op(pick(2) ? kConcat : kEltwise, branches);
  }

  int inception(int x) {
    std::vector<int> branches = {op(kConv, {x}), op(kConv, {op(kConv, {x})}),
                                 op(kConv, {op(kConv, {x})}), op(kConv, {op(kPool, {x})})};
    return op(kConcat, branches);
  }

  int attention(int x) {
    int q = op(kMatmul, {x}), k = op(kMatmul, {x}), v = op(kMatmul, {x});
    int scores = op(kSoftmax, {op(kMatmul, {q, k})});
    int context = op(kMatmul, {scores, v});
    return op(kEltwise, {x, op(kMatmul, {context})});
  }

  std::mt19937_64 rng_;
  const Platform& platform_;
  SchedGraph graph_;
};

Processor cpu(const std::string& id, double gflops) {
  return {id, "cpu", gflops, 20, 0.002};
}

Platform make_platform(int kind) {
  Platform platform;
  platform.switch_latency_ms = 0.005;
  if (kind == 0) {  // two CPU core groups
    platform.processors = {cpu("cpu:0", 100), cpu("cpu:1", 100)};
  } else {  // CPU (+ a second group) and a GPU over PCIe
    platform.processors = {cpu("cpu:0", 100)};
    if (kind == 2) platform.processors.push_back(cpu("cpu:1", 100));
    platform.processors.push_back({"cuda:0", "cuda", 20000, 2000, 0.01});
    int gpu = static_cast<int>(platform.processors.size()) - 1;
    for (int c = 0; c < gpu; ++c) {
      platform.links.push_back({c, gpu, 0.01, 12});
      platform.links.push_back({gpu, c, 0.01, 12});
    }
  }
  platform.finalize();
  return platform;
}

const SuiteSpec& suite_spec(const std::string& suite) {
  for (const auto& spec : suites()) {
    if (spec.name == suite) return spec;
  }
  std::vector<std::string> names = suite_names();
  fail("unknown suite '{}' (known: {})", suite, fmt::join(names, ", "));
}

}  // namespace

std::vector<std::string> suite_names() {
  std::vector<std::string> names;
  for (const auto& spec : suites()) names.push_back(spec.name);
  return names;
}

int default_suite_size(const std::string& suite) {
  return suite_spec(suite).size;
}

Problem generate_problem(const std::string& suite, uint64_t seed, int index) {
  const SuiteSpec& spec = suite_spec(suite);
  std::mt19937_64 rng(seed * 1000003 + static_cast<uint64_t>(index) * 7919 + spec.size);
  auto between = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  Problem problem;
  problem.name = fmt::format("{}-{}-{}", suite, seed, index);
  problem.platform = make_platform(index % 3);
  Generator generator(rng(), problem.platform);
  int tenants = between(spec.min_tenants, spec.max_tenants);
  for (int t = 0; t < tenants; ++t) {
    Tenant tenant;
    tenant.name = fmt::format("t{}", t);
    tenant.weight = between(0, 3) == 0 ? 2 : 1;
    tenant.graph = generator.tenant_graph(tenant.name, between(spec.min_blocks, spec.max_blocks),
                                          spec.tiny_blocks);
    problem.tenants.push_back(std::move(tenant));
  }
  return problem;
}

}  // namespace cosched

namespace cosched {

Problem generate_sized(int units, uint64_t seed) {
  constexpr int kUnitsPerTenant = 200;
  constexpr double kUnitsPerBlock = 6.5;  // average over the four block kinds
  std::mt19937_64 rng(seed);
  Problem problem;
  problem.name = fmt::format("sized-{}-{}", units, seed);
  problem.platform = make_platform(2);
  Generator generator(rng(), problem.platform);
  int tenants = std::max(1, units / kUnitsPerTenant);
  int blocks = std::max(1, static_cast<int>((units / tenants) / kUnitsPerBlock));
  for (int t = 0; t < tenants; ++t) {
    Tenant tenant;
    tenant.name = fmt::format("t{}", t);
    tenant.graph = generator.tenant_graph(tenant.name, blocks, false);
    problem.tenants.push_back(std::move(tenant));
  }
  return problem;
}

}  // namespace cosched
