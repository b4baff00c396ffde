#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace cosched {

// A plain-text table: columns padded to their widest cell, numbers right-aligned.
class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void print(std::ostream& out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// 1234567 -> "1.23M"; keeps tables narrow.
std::string human_count(double value);

}  // namespace cosched
