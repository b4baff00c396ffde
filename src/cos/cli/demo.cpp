#include <fmt/format.h>

#include <filesystem>

#include "cos/cli/app.h"
#include "cos/cli/comparison.h"
#include "cos/cli/demo_run.h"
#include "cos/cli/inspect_report.h"
#include "cos/cli/table.h"
#include "cos/graph/summary.h"
#include "cos/models/builtin.h"
#include "cos/onnx/import.h"
#include "cos/sched/from_graph.h"
#include "cos/sched/strategy.h"

namespace cosched::cli {

namespace {

// Two example platforms with roofline-estimated costs: two CPU core groups, and the
// CPU with a GPU over PCIe.
Platform demo_platform(bool gpu) {
  Platform platform;
  if (gpu) {
    platform.processors = {{"cpu:0-1", "cpu", 300, 20, 0.003},
                           {"cuda:0", "cuda", 20000, 1500, 0.01}};
    platform.links = {{0, 1, 0.01, 12}, {1, 0, 0.01, 12}};
  } else {
    platform.processors = {{"cpu:0", "cpu", 150, 15, 0.003}, {"cpu:1", "cpu", 150, 15, 0.003}};
  }
  platform.finalize();
  return platform;
}

// Every strategy on the built-in models as four tenants, on both example platforms.
void compare_on_platforms(const std::string& dir, std::ostream& out) {
  StrategyOptions options;
  options.time_limit_s = 5;
  for (bool gpu : {false, true}) {
    Problem problem;
    problem.platform = demo_platform(gpu);
    for (const char* name :
         {"tiny_resnet", "tiny_mobilenet", "tiny_inception", "tiny_transformer"}) {
      Tenant tenant;
      tenant.name = name;
      tenant.model = fmt::format("{}/{}.onnx", dir, name);
      tenant.model_hash = file_hash(tenant.model);
      tenant.graph = sched_graph_from_graph(import_model(tenant.model), problem.platform, name);
      problem.tenants.push_back(std::move(tenant));
    }
    std::vector<std::string> ids;
    for (const auto& p : problem.platform.processors) ids.push_back(p.id);
    out << fmt::format("\nFour tenants on {} (costs estimated by roofline; milp limited to 5 s)\n",
                       fmt::join(ids, " + "));
    compare_strategies(problem, options, {"single", "model", "layer", "heft", "cos", "milp"}, true,
                       &out);
  }
}

}  // namespace

void add_demo_command(CLI::App& app, Context& context) {
  auto dir = std::make_shared<std::string>(".cache/demo");
  auto brief = std::make_shared<bool>(false);
  auto seconds = std::make_shared<double>(2);
  auto* command = app.add_subcommand(
      "demo",
      "Build the built-in models, inspect them, compare placement strategies for them, and "
      "run each strategy's plan on this machine against its prediction");
  command->add_option("--out", *dir, "Folder for the built-in models' .onnx files")
      ->capture_default_str();
  command->add_flag("--brief", *brief, "Only the summary table, not each model's node table");
  command
      ->add_option("--seconds", *seconds,
                   "How long each strategy's plan runs on this machine (0: no runs)")
      ->capture_default_str();
  command->callback([&context, dir, brief, seconds] {
    context.action = [&context, dir, brief, seconds] {
      std::filesystem::create_directories(*dir);
      Table overview({"model", "nodes", "MACs", "FLOPs", "params", "width", "description"});
      for (const auto& model : builtin_models()) {
        std::string path = fmt::format("{}/{}.onnx", *dir, model.name);
        model.build().save(path);
        GraphSummary summary = summarize(import_model(path));
        if (!*brief) {
          print_inspect_report(summary, path, context.out);
          context.out << '\n';
        }
        const NodeCost& t = summary.totals;
        overview.add({model.name, std::to_string(summary.nodes.size()),
                      human_count(static_cast<double>(t.macs)),
                      human_count(static_cast<double>(t.flops)),
                      human_count(static_cast<double>(t.params)), std::to_string(summary.width),
                      model.description});
      }
      context.out << "Built-in models\n";
      overview.print(context.out);
      compare_on_platforms(*dir, context.out);
      std::vector<std::string> models;
      for (const char* name :
           {"tiny_resnet", "tiny_mobilenet", "tiny_inception", "tiny_transformer"})
        models.push_back(fmt::format("{}/{}.onnx", *dir, name));
      if (*seconds > 0) run_on_this_machine(*dir, models, *seconds, context.out, context.err);
      context.out << fmt::format(
          "\nThe models are in {0}/. To do the same with your own models:\n"
          "  cos inspect MODEL.onnx --shape input=1x3x224x224 --json\n"
          "  cos compare --platform examples/platforms/cpu_gpu.json --model A.onnx --model "
          "B.onnx:w=2:slo=20ms\n"
          "  cos plan --platform examples/platforms/cpu2.json --model A.onnx --model B.onnx "
          "--strategy milp -o plan.json --explain\n"
          "  cos simulate plan.json --clients 4 --gantt period.svg --trace trace.json\n"
          "  cos platform detect --split 1,1 -o platform.json\n"
          "  cos profile --platform platform.json A.onnx B.onnx -o profile.json\n"
          "  cos plan --platform platform.json --profile profile.json --model A.onnx --model "
          "B.onnx --strategy cos -o plan.json\n"
          "  cos run plan.json --duration 10s --trace measured.json\n",
          *dir);
    };
  });
}

}  // namespace cosched::cli
