#include "cos/sched/problem.h"

#include <fmt/format.h>

#include <fstream>
#include <set>

#include "cos/common/error.h"

namespace cosched {

nlohmann::json to_json(const Problem& problem) {
  nlohmann::json tenants = nlohmann::json::array();
  for (const auto& t : problem.tenants) {
    nlohmann::json j = {{"name", t.name}, {"weight", t.weight}, {"graph", to_json(t.graph)}};
    if (!t.model.empty()) {
      j["model"] = t.model;
      j["model_hash"] = t.model_hash;
    }
    if (t.slo_ms) j["slo_ms"] = *t.slo_ms;
    tenants.push_back(std::move(j));
  }
  const Workload& w = problem.workload;
  return {
      {"format", "cos-problem-1"},
      {"name", problem.name},
      {"platform", to_json(problem.platform)},
      {"tenants", tenants},
      {"workload",
       {{"kind", w.kind}, {"clients", w.clients}, {"rate_per_s", w.rate_per_s}, {"seed", w.seed}}}};
}

Problem problem_from_json(const nlohmann::json& json) {
  Problem problem;
  try {
    if (json.value("format", "") != "cos-problem-1")
      fail("not a cos problem (format is not cos-problem-1)");
    problem.name = json.value("name", "");
    problem.platform = platform_from_json(json.at("platform"));
    std::set<std::string> names;
    for (const auto& t : json.at("tenants")) {
      Tenant tenant;
      tenant.name = t.at("name").get<std::string>();
      if (!names.insert(tenant.name).second) fail("tenant '{}' listed twice", tenant.name);
      tenant.model = t.value("model", "");
      tenant.model_hash = t.value("model_hash", "");
      tenant.weight = t.value("weight", 1.0);
      if (!(tenant.weight > 0)) fail("tenant '{}': weight must be positive", tenant.name);
      if (t.contains("slo_ms")) tenant.slo_ms = t.at("slo_ms").get<double>();
      tenant.graph = sched_graph_from_json(t.at("graph"), problem.processors());
      problem.tenants.push_back(std::move(tenant));
    }
    if (problem.tenants.empty()) fail("no tenants");
    if (json.contains("workload")) {
      const auto& w = json.at("workload");
      problem.workload.kind = w.value("kind", problem.workload.kind);
      problem.workload.clients = w.value("clients", problem.workload.clients);
      problem.workload.rate_per_s = w.value("rate_per_s", problem.workload.rate_per_s);
      problem.workload.seed = w.value("seed", problem.workload.seed);
    }
  } catch (const nlohmann::json::exception& e) {
    fail("{}", e.what());
  }
  return problem;
}

Problem load_problem(const std::string& path) {
  std::ifstream file(path);
  if (!file) fail("{}: cannot open file", path);
  try {
    return problem_from_json(nlohmann::json::parse(file));
  } catch (const nlohmann::json::exception& e) {
    fail("{}: not valid JSON: {}", path, e.what());
  } catch (const Error& e) {
    fail("{}: {}", path, e.what());
  }
}

void save_problem(const Problem& problem, const std::string& path) {
  std::ofstream file(path);
  if (!file) fail("{}: cannot write file", path);
  file << to_json(problem).dump(1) << '\n';
}

std::string file_hash(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) fail("{}: cannot open file", path);
  uint64_t hash = 0xcbf29ce484222325ull;
  char buffer[1 << 16];
  while (file.read(buffer, sizeof buffer) || file.gcount() > 0) {
    for (std::streamsize i = 0; i < file.gcount(); ++i) {
      hash = (hash ^ static_cast<unsigned char>(buffer[i])) * 0x100000001b3ull;
    }
  }
  return fmt::format("{:016x}", hash);
}

}  // namespace cosched
