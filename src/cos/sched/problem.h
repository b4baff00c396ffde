#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cos/sched/platform.h"
#include "cos/sched/sched_graph.h"

namespace cosched {

struct Tenant {
  std::string name;
  std::string model;             // model file it came from ("" for synthetic tenants)
  std::string model_hash;        // content hash of that file
  double weight = 1;             // requests per period
  std::optional<double> slo_ms;  // p99 latency target
  SchedGraph graph;
};

// How requests arrive. "saturate": weighted rounds kept in flight so no processor waits
// (the period measurement); "closed": `clients` per tenant, each sending its next
// request when the last returns; "open": Poisson arrivals at `rate_per_s` per tenant.
struct Workload {
  std::string kind = "saturate";
  int clients = 1;
  double rate_per_s = 0;
  uint64_t seed = 1;
};

struct Problem {
  std::string name;
  Platform platform;
  std::vector<Tenant> tenants;
  Workload workload;

  size_t processors() const { return platform.processors.size(); }
  size_t links() const { return platform.links.size(); }
  // The time `link` spends per period moving the output of tenant t's unit `unit`.
  double copy_load(int t, int unit, int link) const {
    const Tenant& tenant = tenants[t];
    return tenant.weight * platform.links[link].copy_ms(tenant.graph.units[unit].out_bytes);
  }
  size_t units() const {
    size_t n = 0;
    for (const auto& tenant : tenants) n += tenant.graph.units.size();
    return n;
  }
};

nlohmann::json to_json(const Problem& problem);
Problem problem_from_json(const nlohmann::json& json);
Problem load_problem(const std::string& path);  // errors name the file
void save_problem(const Problem& problem, const std::string& path);

// FNV-1a of a file's bytes, as 16 hex digits: ties a plan to the model it was made for.
std::string file_hash(const std::string& path);

}  // namespace cosched
