#include <fmt/format.h>

#include "cos/cli/app.h"
#include "cos/cli/inspect_report.h"
#include "cos/common/error.h"
#include "cos/graph/summary.h"
#include "cos/onnx/import.h"

namespace cosched::cli {

void add_inspect_command(CLI::App& app, Context& context) {
  struct Options {
    std::string model;
    std::vector<std::string> shapes;
    bool json = false;
    bool raw = false;
  };
  auto options = std::make_shared<Options>();
  auto* command =
      app.add_subcommand("inspect", "Print the nodes, shapes, FLOPs and params of an ONNX model");
  command->add_option("model", options->model, "ONNX model file")->required();
  command->add_option("--shape", options->shapes,
                      "Static shape for an input with symbolic dimensions, e.g. input=1x3x224x224");
  command->add_flag("--json", options->json, "Print JSON instead of tables");
  command->add_flag("--raw", options->raw,
                    "Skip the graph passes (folding, BatchNorm into Conv, views)");
  command->callback([&context, options] {
    context.action = [&context, options] {
      ImportOptions import;
      import.simplify = !options->raw;
      for (const auto& spec : options->shapes) {
        auto eq = spec.find('=');
        if (eq == std::string::npos || eq == 0)
          fail("--shape '{}': expected NAME=1x3x224x224", spec);
        import.input_shapes[spec.substr(0, eq)] = parse_shape(spec.substr(eq + 1));
      }
      GraphSummary summary = summarize(import_model(options->model, import));
      if (options->json) {
        context.out << to_json(summary).dump(2) << '\n';
      } else {
        print_inspect_report(summary, options->model, context.out);
      }
    };
  });
}

}  // namespace cosched::cli
