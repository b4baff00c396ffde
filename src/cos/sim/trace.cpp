#include "cos/sim/trace.h"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "cos/common/error.h"
#include "cos/sched/loads.h"

namespace cosched {
namespace {

std::ofstream open_output(const std::string& path) {
  std::ofstream file(path);
  if (!file) fail("{}: cannot write file", path);
  return file;
}

std::string span_name(const Problem& problem, const Span& span) {
  const std::string& unit = problem.tenants[span.tenant].graph.units[span.unit].name;
  return span.copy ? "copy " + unit : unit;
}

std::string escape_xml(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

void write_trace(const Problem& problem, const SimResult& result, const std::string& path) {
  nlohmann::json events = nlohmann::json::array();
  for (size_t r = 0; r < result.utilisation.size(); ++r) {
    events.push_back({{"name", "thread_name"},
                      {"ph", "M"},
                      {"pid", 1},
                      {"tid", r},
                      {"args", {{"name", resource_name(problem, static_cast<int>(r))}}}});
  }
  for (const Span& span : result.spans) {
    events.push_back(
        {{"name", span_name(problem, span)},
         {"cat", problem.tenants[span.tenant].name},
         {"ph", "X"},
         {"pid", 1},
         {"tid", span.resource},
         {"ts", span.start_ms * 1000.0},
         {"dur", (span.end_ms - span.start_ms) * 1000.0},
         {"args", {{"tenant", problem.tenants[span.tenant].name}, {"request", span.request}}}});
  }
  open_output(path) << nlohmann::json{{"traceEvents", events}, {"displayTimeUnit", "ms"}}.dump()
                    << '\n';
}

void write_gantt(const Problem& problem, const SimResult& result, const std::string& path) {
  static const char* kColours[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                   "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
  const double from = result.measured_from_ms;
  const double span_ms = std::max(result.period_ms, 1e-9);
  const double to = from + span_ms;
  const int rows = static_cast<int>(result.utilisation.size());
  const double label_width = 150, width = 1000, row_height = 28, top = 40;
  const double scale = width / span_ms;
  std::ofstream svg = open_output(path);
  svg << fmt::format(
             R"(<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" font-family="sans-serif" font-size="12">)",
             label_width + width + 20, top + rows * row_height + 30 + 20 * problem.tenants.size())
      << "\n<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\">"
         "<path d=\"M0,6 L6,0\" stroke=\"white\" stroke-width=\"2\"/></pattern></defs>\n";
  svg << fmt::format(
      "<text x=\"10\" y=\"20\">One period ({:.3f} ms) at steady state, from {:.3f} ms</text>\n",
      result.period_ms, from);
  for (int r = 0; r < rows; ++r) {
    double y = top + r * row_height;
    svg << fmt::format("<text x=\"10\" y=\"{}\">{} ({:.0f}%)</text>\n", y + 18,
                       escape_xml(resource_name(problem, r)), 100 * result.utilisation[r]);
    svg << fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#f4f4f4\"/>\n",
                       label_width, y + 2, width, row_height - 4);
  }
  for (const Span& span : result.spans) {
    double start = std::max(span.start_ms, from), end = std::min(span.end_ms, to);
    if (end <= start) continue;
    double x = label_width + (start - from) * scale, y = top + span.resource * row_height + 2;
    const char* colour = kColours[span.tenant % 10];
    svg << fmt::format(
        "<rect x=\"{:.2f}\" y=\"{}\" width=\"{:.2f}\" height=\"{}\" fill=\"{}\" stroke=\"white\" "
        "stroke-width=\"0.5\">"
        "<title>{} / {} (request {}): {:.3f}-{:.3f} ms</title></rect>\n",
        x, y, std::max(0.5, (end - start) * scale), row_height - 4, colour,
        escape_xml(problem.tenants[span.tenant].name), escape_xml(span_name(problem, span)),
        span.request, span.start_ms, span.end_ms);
    if (span.copy) {
      svg << fmt::format(
          "<rect x=\"{:.2f}\" y=\"{}\" width=\"{:.2f}\" height=\"{}\" fill=\"url(#hatch)\"/>\n", x,
          y, std::max(0.5, (end - start) * scale), row_height - 4);
    }
  }
  double legend = top + rows * row_height + 20;
  for (size_t t = 0; t < problem.tenants.size(); ++t) {
    svg << fmt::format(
        "<rect x=\"10\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"28\" "
        "y=\"{}\">{}</text>\n",
        legend + 20 * t, kColours[t % 10], legend + 20 * t + 11,
        escape_xml(problem.tenants[t].name));
  }
  svg << "</svg>\n";
}

}  // namespace cosched
