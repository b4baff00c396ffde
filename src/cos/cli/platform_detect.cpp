#include <fmt/format.h>
#include <unistd.h>

#include <fstream>

#include "cos/cli/app.h"
#include "cos/cli/table.h"
#include "cos/common/error.h"
#include "cos/profile/detect.h"

namespace cosched::cli {
namespace {

std::vector<int> parse_split(const std::string& text) {
  std::vector<int> counts;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string part = text.substr(start, comma == std::string::npos ? comma : comma - start);
    try {
      size_t used = 0;
      int count = std::stoi(part, &used);
      if (used != part.size()) throw std::invalid_argument(part);
      counts.push_back(count);
    } catch (const std::exception&) {
      fail("--split '{}': expected core counts such as 1,1", text);
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return counts;
}

}  // namespace

void add_platform_command(CLI::App& app, Context& context) {
  struct Options {
    std::string split;
    std::vector<std::string> cpus;
    std::string out;
    bool no_measure = false;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  auto* platform = app.add_subcommand("platform", "Describe the processors of a machine");
  platform->require_subcommand(1);
  auto* detect = platform->add_subcommand(
      "detect", "Write platform.json for this machine: cpu core groups, GPUs, links");
  detect->add_option("--split", options->split,
                     "Cores per cpu processor, from the online cores in order, e.g. 1,1 "
                     "(default: one processor with every core)");
  detect->add_option("--cpu", options->cpus,
                     "A further cpu processor by its cores, e.g. cpu:0-1 (repeatable)");
  detect->add_flag("--no-measure", options->no_measure,
                   "Keep default peak figures instead of measuring them");
  detect->add_option("-o,--out", options->out, "Platform file to write");
  detect->add_flag("--json", options->json, "Print the platform as JSON");
  detect->callback([&context, options] {
    context.action = [&context, options] {
      DetectOptions detect;
      if (!options->split.empty()) detect.split = parse_split(options->split);
      detect.cpus = options->cpus;
      detect.measure = !options->no_measure;
      Platform platform = detect_platform(detect);
      nlohmann::json json = to_json(platform);
      json["signature"] = platform_signature(platform);
      if (!options->out.empty()) {
        std::ofstream file(options->out);
        if (!file) fail("{}: cannot write file", options->out);
        file << json.dump(1) << '\n';
      }
      if (options->json) {
        context.out << json.dump(2) << '\n';
        return;
      }
      context.out << fmt::format("{}: {} processors, signature {}{}\n", platform.host,
                                 platform.processors.size(), platform_signature(platform),
                                 options->out.empty() ? "" : " -> " + options->out);
      Table processors({"processor", "kind", "peak GFLOP/s", "memory GB/s", "launch ms"});
      for (const auto& p : platform.processors)
        processors.add({p.id, p.kind, fmt::format("{:.1f}", p.peak_gflops),
                        fmt::format("{:.1f}", p.mem_gbps), fmt::format("{:.4f}", p.launch_ms)});
      processors.print(context.out);
      if (platform.links.empty()) return;
      Table links({"link", "latency ms", "GB/s", ""});
      for (size_t l = 0; l < platform.links.size(); ++l)
        links.add({platform.link_name(static_cast<int>(l)),
                   fmt::format("{:.4f}", platform.links[l].latency_ms),
                   fmt::format("{:.1f}", platform.links[l].bandwidth_gbps),
                   platform.links[l].estimated ? "estimated" : "measured"});
      context.out << '\n';
      links.print(context.out);
    };
  });
}

}  // namespace cosched::cli
