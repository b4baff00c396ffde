#include "cos/cli/table.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

namespace cosched {
namespace {
bool looks_numeric(const std::string& cell) {
  return !cell.empty() &&
         (std::isdigit(static_cast<unsigned char>(cell[0])) || cell[0] == '-' || cell[0] == '+') &&
         cell.find_first_of("x ") == std::string::npos;
}
}  // namespace

void Table::print(std::ostream& out) const {
  std::vector<size_t> widths(header_.size(), 0);
  for (size_t c = 0; c < header_.size(); ++c) widths[c] = header_[c].size();
  for (const auto& row : rows_) {
    for (size_t c = 0; c < row.size() && c < widths.size(); ++c)
      widths[c] = std::max(widths[c], row[c].size());
  }
  auto print_row = [&](const std::vector<std::string>& row, bool is_header) {
    std::string line;
    for (size_t c = 0; c < widths.size(); ++c) {
      const std::string cell = c < row.size() ? row[c] : "";
      bool right = !is_header && looks_numeric(cell);
      line +=
          right ? fmt::format("{:>{}}", cell, widths[c]) : fmt::format("{:<{}}", cell, widths[c]);
      if (c + 1 < widths.size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << '\n';
  };
  print_row(header_, true);
  std::string rule;
  for (size_t c = 0; c < widths.size(); ++c)
    rule += std::string(widths[c], '-') + (c + 1 < widths.size() ? "  " : "");
  out << rule << '\n';
  for (const auto& row : rows_) print_row(row, false);
}

std::string human_count(double value) {
  const char* units[] = {"", "K", "M", "G", "T"};
  int unit = 0;
  while (std::fabs(value) >= 1000 && unit < 4) {
    value /= 1000;
    ++unit;
  }
  if (unit == 0) return fmt::format("{:.0f}", value);
  return fmt::format("{:.2f}{}", value, units[unit]);
}

}  // namespace cosched
