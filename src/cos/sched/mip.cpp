#include "cos/sched/mip.h"

#include <Cbc_C_Interface.h>
#include <fmt/format.h>

#include "cos/common/error.h"

namespace cosched {

Mip::Mip() : model_(Cbc_newModel()) {
  Cbc_setLogLevel(model_, 0);
  Cbc_setObjSense(model_, 1);
}

Mip::~Mip() {
  Cbc_deleteModel(model_);
}

int Mip::add_column(double lower, double upper, double objective, bool integer) {
  Cbc_addCol(model_, "", lower, upper, objective, integer ? 1 : 0, 0, nullptr, nullptr);
  return columns_++;
}

void Mip::add_row(const std::vector<int>& columns, const std::vector<double>& coefs, char sense,
                  double rhs) {
  Cbc_addRow(model_, "", static_cast<int>(columns.size()), columns.data(), coefs.data(), sense,
             rhs);
}

void Mip::add_load_row(int bound, const std::vector<std::pair<int, double>>& terms) {
  std::vector<int> columns = {bound};
  std::vector<double> coefs = {-1.0};
  for (const auto& [column, coef] : terms) {
    columns.push_back(column);
    coefs.push_back(coef);
  }
  add_row(columns, coefs, 'L', 0.0);
}

void Mip::start_from(const std::vector<int>& columns, const std::vector<double>& values) {
  Cbc_setMIPStartI(model_, static_cast<int>(columns.size()), columns.data(), values.data());
}

void Mip::solve(double seconds) {
  Cbc_setMaximumSeconds(model_, seconds);
  Cbc_setParameter(model_, "sec", fmt::format("{}", seconds).c_str());  // also bounds preprocessing
  Cbc_setAllowableFractionGap(model_, 1e-6);
  int status = Cbc_solve(model_);
  if (status != 0 && !Cbc_isSecondsLimitReached(model_)) fail("CBC stopped with status {}", status);
}

bool Mip::proven_optimal() const {
  return Cbc_isProvenOptimal(model_) != 0;
}
bool Mip::has_solution() const {
  return Cbc_bestSolution(model_) != nullptr;
}
double Mip::objective() const {
  return Cbc_getObjValue(model_);
}
double Mip::best_bound() const {
  return Cbc_getBestPossibleObjValue(model_);
}
const double* Mip::solution() const {
  return Cbc_getColSolution(model_);
}

}  // namespace cosched
