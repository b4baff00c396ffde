#include <fmt/format.h>

#include <filesystem>

#include "cos/cli/app.h"
#include "cos/cli/inspect_report.h"
#include "cos/cli/table.h"
#include "cos/graph/summary.h"
#include "cos/models/builtin.h"
#include "cos/onnx/import.h"

namespace cosched::cli {

void add_demo_command(CLI::App& app, Context& context) {
  auto dir = std::make_shared<std::string>(".cache/demo");
  auto brief = std::make_shared<bool>(false);
  auto* command = app.add_subcommand("demo", "Build the built-in models, then inspect them");
  command->add_option("--out", *dir, "Folder for the built-in models' .onnx files")
      ->capture_default_str();
  command->add_flag("--brief", *brief, "Only the summary table, not each model's node table");
  command->callback([&context, dir, brief] {
    context.action = [&context, dir, brief] {
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
      context.out << fmt::format(
          "\nThe models are in {0}/. To do the same with your own model:\n"
          "  cos inspect {0}/tiny_resnet.onnx\n"
          "  cos inspect MODEL.onnx --shape input=1x3x224x224 --json\n",
          *dir);
    };
  });
}

}  // namespace cosched::cli
