#include "cos/sched/plan.h"

#include <filesystem>
#include <fstream>
#include <map>

#include "cos/common/error.h"
#include "cos/sched/loads.h"

namespace cosched {

std::vector<Copy> plan_copies(const Problem& problem, const Placement& placement) {
  std::vector<Copy> copies;
  for (size_t t = 0; t < problem.tenants.size(); ++t) {
    for (size_t u = 0; u < problem.tenants[t].graph.units.size(); ++u) {
      const int tenant = static_cast<int>(t), unit = static_cast<int>(u);
      for_each_copy(problem, tenant, unit, placement[t], [&](int to, int link) {
        copies.push_back({tenant, unit, placement[t][u], to, link});
      });
    }
  }
  return copies;
}

Plan empty_plan(const Problem& problem, const std::string& strategy) {
  Plan plan;
  plan.strategy = strategy;
  for (const auto& tenant : problem.tenants) {
    size_t n = tenant.graph.units.size();
    plan.placement.emplace_back(n, -1);
    plan.rank.emplace_back(n);
    for (size_t u = 0; u < n; ++u) plan.rank.back()[u] = static_cast<double>(u);
    plan.why.emplace_back(n);
  }
  return plan;
}

int request_contexts(const std::vector<int>& place, const std::function<bool(int unit)>& has_work) {
  int runs = 0, last = -1;
  for (size_t u = 0; u < place.size(); ++u)
    if (has_work(static_cast<int>(u)) && place[u] != last) {
      ++runs;
      last = place[u];
    }
  return std::max(runs, 1);
}

void check_plan(const Problem& problem, const Plan& plan) {
  if (plan.placement.size() != problem.tenants.size())
    fail("plan: {} tenants, problem has {}", plan.placement.size(), problem.tenants.size());
  for (size_t t = 0; t < problem.tenants.size(); ++t) {
    const SchedGraph& graph = problem.tenants[t].graph;
    if (plan.placement[t].size() != graph.units.size())
      fail("plan: tenant '{}' has a wrong unit count", problem.tenants[t].name);
    for (size_t u = 0; u < graph.units.size(); ++u) {
      int p = plan.placement[t][u];
      if (p < 0 || p >= static_cast<int>(problem.processors())) {
        fail("plan: unit '{}' of tenant '{}' is not placed", graph.units[u].name,
             problem.tenants[t].name);
      }
      if (!graph.units[u].runs_on(p)) {
        fail("plan: unit '{}' of tenant '{}' cannot run on {}", graph.units[u].name,
             problem.tenants[t].name, problem.platform.processors[p].id);
      }
    }
  }
}

nlohmann::json to_json(const Problem& problem, const Plan& plan) {
  using nlohmann::json;
  const Platform& platform = problem.platform;
  json tenants = json::array();
  std::vector<std::vector<std::tuple<double, int, int>>> per_processor(problem.processors());
  for (size_t t = 0; t < problem.tenants.size(); ++t) {
    const Tenant& tenant = problem.tenants[t];
    json units = json::array();
    for (size_t u = 0; u < tenant.graph.units.size(); ++u) {
      int p = plan.placement[t][u];
      units.push_back({{"name", tenant.graph.units[u].name},
                       {"processor", platform.processors[p].id},
                       {"rank", plan.rank[t][u]},
                       {"why", plan.why[t][u]}});
      per_processor[p].emplace_back(plan.rank[t][u], static_cast<int>(t), static_cast<int>(u));
    }
    json j = {{"name", tenant.name}, {"units", units}};
    if (!tenant.model.empty()) {
      j["model"] = tenant.model;
      j["model_hash"] = tenant.model_hash;
    }
    tenants.push_back(std::move(j));
  }
  json order = json::object();
  for (size_t p = 0; p < per_processor.size(); ++p) {
    std::sort(per_processor[p].begin(), per_processor[p].end());
    json list = json::array();
    for (const auto& [rank, t, u] : per_processor[p]) {
      list.push_back({problem.tenants[t].name, problem.tenants[t].graph.units[u].name});
    }
    order[platform.processors[p].id] = list;
  }
  json copies = json::array();
  for (const Copy& copy : plan_copies(problem, plan.placement)) {
    const Tenant& tenant = problem.tenants[copy.tenant];
    copies.push_back({{"tenant", tenant.name},
                      {"unit", tenant.graph.units[copy.unit].name},
                      {"from", platform.processors[copy.from].id},
                      {"to", platform.processors[copy.to].id},
                      {"bytes", tenant.graph.units[copy.unit].out_bytes},
                      {"link", copy.link >= 0 ? platform.link_name(copy.link) : "event"}});
  }
  Loads loads = compute_loads(problem, plan.placement);
  json result = {{"format", "cos-plan-1"},
                 {"strategy", plan.strategy},
                 {"search_s", plan.search_s},
                 {"busiest_resource", resource_name(problem, loads.busiest)},
                 {"busiest_load_ms", loads.busiest_ms},
                 {"tenants", tenants},
                 {"order", order},
                 {"copies", copies},
                 {"problem", to_json(problem)}};
  if (plan.bound_ms) {
    result["bound_ms"] = *plan.bound_ms;
    result["optimal"] = plan.optimal;
  }
  if (!plan.predicted.is_null()) result["predicted"] = plan.predicted;
  return result;
}

namespace {

Plan plan_from_json(const nlohmann::json& json, const Problem& problem) {
  Plan plan = empty_plan(problem, json.at("strategy").get<std::string>());
  plan.search_s = json.value("search_s", 0.0);
  if (json.contains("bound_ms")) {
    plan.bound_ms = json.at("bound_ms").get<double>();
    plan.optimal = json.value("optimal", false);
  }
  if (json.contains("predicted")) plan.predicted = json.at("predicted");
  const auto& tenants = json.at("tenants");
  if (tenants.size() != problem.tenants.size())
    fail("plan lists {} tenants, its problem {}", tenants.size(), problem.tenants.size());
  for (size_t t = 0; t < problem.tenants.size(); ++t) {
    const Tenant& tenant = problem.tenants[t];
    const auto& entry = tenants[t];
    if (entry.at("name").get<std::string>() != tenant.name)
      fail("plan tenant {} is not '{}'", t, tenant.name);
    if (!tenant.model.empty()) {
      if (!std::filesystem::exists(tenant.model))
        fail("tenant '{}': model {} not found", tenant.name, tenant.model);
      if (file_hash(tenant.model) != tenant.model_hash) {
        fail("tenant '{}': model {} changed since planning; plan again", tenant.name, tenant.model);
      }
    }
    const auto& units = entry.at("units");
    std::map<std::string, int> index;
    for (size_t u = 0; u < tenant.graph.units.size(); ++u)
      index[tenant.graph.units[u].name] = static_cast<int>(u);
    if (units.size() != tenant.graph.units.size())
      fail("tenant '{}': plan has {} units, the graph {}", tenant.name, units.size(),
           tenant.graph.units.size());
    for (const auto& unit : units) {
      std::string name = unit.at("name").get<std::string>();
      auto it = index.find(name);
      if (it == index.end()) fail("tenant '{}': unknown unit '{}'", tenant.name, name);
      plan.placement[t][it->second] =
          problem.platform.processor_index(unit.at("processor").get<std::string>());
      plan.rank[t][it->second] = unit.value("rank", static_cast<double>(it->second));
      plan.why[t][it->second] = unit.value("why", "");
    }
  }
  check_plan(problem, plan);
  return plan;
}

}  // namespace

std::pair<Problem, Plan> load_plan(const std::string& path) {
  std::ifstream file(path);
  if (!file) fail("{}: cannot open file", path);
  try {
    nlohmann::json json = nlohmann::json::parse(file);
    if (json.value("format", "") != "cos-plan-1") fail("not a cos plan (format is not cos-plan-1)");
    Problem problem = problem_from_json(json.at("problem"));
    Plan plan = plan_from_json(json, problem);
    return {std::move(problem), std::move(plan)};
  } catch (const nlohmann::json::exception& e) {
    fail("{}: {}", path, e.what());
  } catch (const Error& e) {
    fail("{}: {}", path, e.what());
  }
}

void save_plan(const Problem& problem, const Plan& plan, const std::string& path) {
  std::ofstream file(path);
  if (!file) fail("{}: cannot write file", path);
  file << to_json(problem, plan).dump(1) << '\n';
}

}  // namespace cosched
