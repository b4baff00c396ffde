#include "cos/cli/problem_args.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "cos/common/error.h"
#include "cos/onnx/import.h"
#include "cos/profile/profile_costs.h"
#include "cos/sched/from_graph.h"

namespace cosched::cli {
namespace {

struct ModelSpec {
  std::string path;
  double weight = 1;
  std::optional<double> slo_ms;
};

double parse_number(const std::string& text, const std::string& spec) {
  try {
    size_t used = 0;
    double value = std::stod(text, &used);
    if (used == text.size() && value > 0) return value;
  } catch (const std::exception&) {
  }
  fail("--model {}: '{}' is not a positive number", spec, text);
}

ModelSpec parse_model(const std::string& spec) {
  ModelSpec model;
  size_t start = 0;
  bool first = true;
  while (start <= spec.size()) {
    size_t colon = spec.find(':', start);
    std::string part =
        spec.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (first) {
      model.path = part;
      first = false;
    } else if (part.rfind("w=", 0) == 0) {
      model.weight = parse_number(part.substr(2), spec);
    } else if (part.rfind("slo=", 0) == 0) {
      std::string value = part.substr(4);
      if (value.size() > 2 && value.substr(value.size() - 2) == "ms")
        value.resize(value.size() - 2);
      model.slo_ms = parse_number(value, spec);
    } else {
      fail("--model {}: unknown option '{}' (use PATH[:w=2][:slo=30ms])", spec, part);
    }
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (model.path.empty()) fail("--model '{}': no model path", spec);
  return model;
}

}  // namespace

void add_problem_options(CLI::App* command, ProblemArgs& args) {
  command->add_option("--problem", args.problem,
                      "Problem file (from `cos gen` or a plan's problem)");
  command->add_option("--platform", args.platform, "Platform file (processors and links)");
  command->add_option("--profile", args.profile,
                      "Profile of the models on the platform (cos profile): measured unit costs "
                      "instead of roofline estimates");
  command->add_option("--model", args.models, "ONNX model as a tenant: PATH[:w=WEIGHT][:slo=MSms]");
  command->add_option("--shape", args.shapes,
                      "Static shape for symbolic model inputs, NAME=1x3x224x224");
  command->add_option("--time-limit", args.time_limit_s, "milp: CBC time limit in seconds")
      ->capture_default_str();
  command->add_option("--segments", args.max_segments,
                      "layer: most segments per model (default: processors)");
  command->add_option("--search", args.search, "cos: phase 3 search, local or rl (learned)")
      ->capture_default_str();
  command->add_option("--budget", args.budget_s, "cos: search time budget in seconds")
      ->capture_default_str();
  command->add_option("--seed", args.seed, "cos: seed of the search")->capture_default_str();
  auto* clients = command->add_option(
      "--clients", args.clients,
      "Plan for a closed loop of this many clients per tenant: plans are compared (and cos "
      "picks among its own) by simulating it, not saturation");
  command
      ->add_option("--rate", args.rate,
                   "Plan for an open loop: Poisson requests per second per tenant")
      ->excludes(clients);
}

void apply_workload(const ProblemArgs& args, Problem& problem) {
  if (args.clients < 0) fail("--clients {}: expected at least 1", args.clients);
  if (args.rate < 0 || std::isnan(args.rate))
    fail("--rate {}: expected a positive rate", args.rate);
  if (args.clients > 0) {
    problem.workload.kind = "closed";
    problem.workload.clients = args.clients;
  } else if (args.rate > 0) {
    problem.workload.kind = "open";
    problem.workload.rate_per_s = args.rate;
  }
}

StrategyOptions strategy_options(const ProblemArgs& args) {
  StrategyOptions options;
  options.time_limit_s = args.time_limit_s;
  options.max_segments = args.max_segments;
  if (!(args.budget_s > 0)) fail("--budget: {} is not a positive number of seconds", args.budget_s);
  options.search = args.search;
  options.search_budget_s = args.budget_s;
  options.seed = args.seed;
  return options;
}

Problem build_problem(const ProblemArgs& args) {
  if (!args.problem.empty()) {
    if (!args.platform.empty() || !args.models.empty())
      fail("give either --problem or --platform with --model, not both");
    if (!args.profile.empty()) fail("--profile goes with --platform and --model, not --problem");
    Problem problem = load_problem(args.problem);
    apply_workload(args, problem);
    return problem;
  }
  if (args.platform.empty() || args.models.empty())
    fail("give --problem FILE, or --platform FILE and at least one --model");
  Problem problem;
  problem.platform = load_platform(args.platform);
  std::optional<Profile> profile;
  if (!args.profile.empty()) {  // measured links and handoff replace the platform's figures
    profile = load_profile(args.profile);
    check_profile_platform(*profile, args.profile, problem.platform);
    apply_profile_measurements(*profile, problem.platform);
  }
  std::set<std::string> taken;
  problem.tenants =
      build_tenants(args.models, args, problem.platform, profile ? &*profile : nullptr, taken);
  problem.name = problem.tenants.front().name + (problem.tenants.size() > 1 ? "+..." : "");
  apply_workload(args, problem);
  return problem;
}

std::vector<Tenant> build_tenants(const std::vector<std::string>& specs, const ProblemArgs& args,
                                  const Platform& platform, const Profile* profile,
                                  std::set<std::string>& taken) {
  ImportOptions import;
  for (const auto& spec : args.shapes) {
    auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0) fail("--shape '{}': expected NAME=1x3x224x224", spec);
    import.input_shapes[spec.substr(0, eq)] = parse_shape(spec.substr(eq + 1));
  }
  std::vector<Tenant> tenants;
  for (const auto& spec : specs) {
    ModelSpec model = parse_model(spec);
    Tenant tenant;
    std::string stem = std::filesystem::path(model.path).stem().string();
    tenant.name = stem;
    for (int count = 2; taken.count(tenant.name); ++count)
      tenant.name = fmt::format("{}_{}", stem, count);
    taken.insert(tenant.name);
    tenant.model = model.path;
    tenant.model_hash = file_hash(model.path);
    tenant.weight = model.weight;
    tenant.slo_ms = model.slo_ms;
    Graph graph = import_model(model.path, import);
    std::vector<std::vector<double>> node_ms;
    std::vector<std::vector<int>> fused;
    if (profile) {
      node_ms = profile_node_costs(*profile, args.profile, platform, graph, model.path,
                                   tenant.model_hash);
      fused = profile_fused_steps(*profile, args.profile, graph, model.path, tenant.model_hash);
    }
    tenant.graph = sched_graph_from_graph(graph, platform, tenant.name,
                                          profile ? &node_ms : nullptr, profile ? &fused : nullptr);
    tenants.push_back(std::move(tenant));
  }
  return tenants;
}

}  // namespace cosched::cli
