#pragma once

#include <string>
#include <utility>
#include <vector>

namespace cosched {

// A small mixed-integer (or linear) program solved with CBC: add columns and rows,
// solve within a time limit, read the solution.
class Mip {
 public:
  Mip();
  ~Mip();
  Mip(const Mip&) = delete;
  Mip& operator=(const Mip&) = delete;

  static constexpr double kInfinity = 1e30;

  int add_column(double lower, double upper, double objective, bool integer);
  // sense: 'L' (<=), 'G' (>=) or 'E' (=).
  void add_row(const std::vector<int>& columns, const std::vector<double>& coefs, char sense,
               double rhs);
  // sum(coef * column) <= the `bound` column: a resource's load within the period.
  void add_load_row(int bound, const std::vector<std::pair<int, double>>& terms);
  // A feasible assignment to start from (the columns not named are 0).
  void start_from(const std::vector<int>& columns, const std::vector<double>& values);

  // Minimises the objective; throws cosched::Error if CBC fails other than by time.
  void solve(double seconds);
  bool proven_optimal() const;
  bool has_solution() const;
  double objective() const;
  double best_bound() const;  // a lower bound on the optimum
  const double* solution() const;

 private:
  void* model_;  // a Cbc_Model (CBC's C interface declares it as void), owned
  int columns_ = 0;
};

}  // namespace cosched
