#include "cos/cli/inspect_report.h"

#include <fmt/format.h>

#include <algorithm>

#include "cos/cli/table.h"
#include "cos/common/text.h"

namespace cosched::cli {
namespace {
std::string shapes_string(const std::vector<Shape>& shapes) {
  std::vector<std::string> parts;
  for (const auto& shape : shapes) parts.push_back(shape_string(shape));
  return fmt::format("{}", fmt::join(parts, ", "));
}
}  // namespace

void print_inspect_report(const GraphSummary& summary, const std::string& label,
                          std::ostream& out) {
  out << fmt::format("{} (graph '{}', opset {}): {} nodes\n\n", label, summary.name, summary.opset,
                     summary.nodes.size());
  Table nodes({"#", "name", "op", "inputs", "outputs", "FLOPs", "params"});
  for (size_t i = 0; i < summary.nodes.size(); ++i) {
    const auto& node = summary.nodes[i];
    nodes.add({std::to_string(i), printable(node.name),
               node.is_view ? node.op + " (view)" : node.op, shapes_string(node.inputs),
               shapes_string(node.outputs), human_count(static_cast<double>(node.cost.flops)),
               human_count(static_cast<double>(node.cost.params))});
  }
  nodes.print(out);
  const NodeCost& t = summary.totals;
  out << fmt::format(
      "\ntotals: {} MACs, {} FLOPs, {} params ({:.1f} MB), {:.1f} MB activations written\n",
      human_count(static_cast<double>(t.macs)), human_count(static_cast<double>(t.flops)),
      human_count(static_cast<double>(t.params)), static_cast<double>(t.param_bytes) / 1e6,
      static_cast<double>(t.bytes_out) / 1e6);
  std::vector<std::pair<std::string, int>> ops(summary.op_histogram.begin(),
                                               summary.op_histogram.end());
  std::stable_sort(ops.begin(), ops.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<std::string> parts;
  for (const auto& [op, count] : ops) parts.push_back(fmt::format("{} {}", op, count));
  out << fmt::format("ops: {}\n", fmt::join(parts, ", "));
  out << fmt::format("width: {} (most nodes that can run at once)\n", summary.width);
}

}  // namespace cosched::cli
