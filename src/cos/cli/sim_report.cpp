#include "cos/cli/sim_report.h"

#include <fmt/format.h>

#include "cos/cli/table.h"
#include "cos/sched/loads.h"

namespace cosched::cli {

nlohmann::json sim_json(const Problem& problem, const SimResult& result) {
  nlohmann::json tenants = nlohmann::json::array();
  for (size_t t = 0; t < problem.tenants.size(); ++t) {
    const TenantStats& s = result.tenants[t];
    nlohmann::json j = {{"name", problem.tenants[t].name},
                        {"throughput", s.throughput_per_s},
                        {"p50_ms", s.p50_ms},
                        {"p99_ms", s.p99_ms},
                        {"completed", s.completed}};
    if (problem.tenants[t].slo_ms) {
      j["slo_ms"] = *problem.tenants[t].slo_ms;
      j["slo_attainment"] = s.slo_attainment;
    }
    tenants.push_back(std::move(j));
  }
  nlohmann::json resources = nlohmann::json::object();
  for (size_t r = 0; r < result.utilisation.size(); ++r)
    resources[resource_name(problem, static_cast<int>(r))] = result.utilisation[r];
  return {{"period_ms", result.period_ms},
          {"weighted_throughput", result.weighted_throughput_per_s},
          {"meets_slos", meets_slos(problem, result)},
          {"tenants", tenants},
          {"utilisation", resources},
          {"events", result.events}};
}

void print_sim_report(const Problem& problem, const SimResult& result, std::ostream& out) {
  out << fmt::format("period {:.3f} ms, weighted throughput {:.1f} requests/s{}\n",
                     result.period_ms, result.weighted_throughput_per_s,
                     meets_slos(problem, result) ? "" : ", SLO MISSED");
  Table tenants({"tenant", "weight", "req/s", "p50 ms", "p99 ms", "SLO ms", "within SLO"});
  for (size_t t = 0; t < problem.tenants.size(); ++t) {
    const Tenant& tenant = problem.tenants[t];
    const TenantStats& s = result.tenants[t];
    tenants.add({tenant.name, fmt::format("{:g}", tenant.weight),
                 fmt::format("{:.1f}", s.throughput_per_s), fmt::format("{:.3f}", s.p50_ms),
                 fmt::format("{:.3f}", s.p99_ms),
                 tenant.slo_ms ? fmt::format("{:g}", *tenant.slo_ms) : "-",
                 tenant.slo_ms ? fmt::format("{:.1f}%", 100 * s.slo_attainment) : "-"});
  }
  tenants.print(out);
  out << '\n';
  Table resources({"resource", "utilisation"});
  for (size_t r = 0; r < result.utilisation.size(); ++r) {
    resources.add({resource_name(problem, static_cast<int>(r)),
                   fmt::format("{:.1f}%", 100 * result.utilisation[r])});
  }
  resources.print(out);
}

}  // namespace cosched::cli
