#pragma once

#include <string>
#include <utility>
#include <vector>

#include "cos/sched/problem.h"

namespace cosched::test {

// `n` CPU processors cpu:0.. sharing memory, with the given switch latency.
Platform cpu_platform(int n, double switch_ms = 0);
// cpu:0 and cuda:0 joined by links both ways.
Platform cpu_gpu_platform(double latency_ms, double bandwidth_gbps, double switch_ms = 0);

struct UnitSpec {
  std::string name;
  std::vector<double> cost_ms;  // per processor
  double out_bytes = 0;
};

// A tenant of the given units (0-based) and edges between them; "input" feeds every unit
// without a predecessor and every unit without a successor feeds "output" (both free on
// host processors).
Tenant make_tenant(const std::string& name, const Platform& platform,
                   const std::vector<UnitSpec>& units,
                   const std::vector<std::pair<int, int>>& edges, double input_bytes = 0);

Problem make_problem(Platform platform, std::vector<Tenant> tenants);

// Two tenants on cpu:0 + cuda:0: "a" conv-heavy (GPU 10x faster), "b" depthwise-heavy
// (GPU barely faster). Whole models leave one processor idle; splitting fills both.
Problem conv_and_depthwise_problem();

}  // namespace cosched::test
