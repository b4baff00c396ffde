#pragma once

#include <vector>

#include "cos/sched/plan.h"

namespace cosched {

// Resource loads of a placement, kept exact as single units move: a move changes the
// unit's own cost and the copies out of it and out of its predecessors.
class LoadState {
 public:
  LoadState(const Problem& problem, Placement placement);

  const Placement& placement() const { return placement_; }
  const std::vector<double>& loads() const { return loads_; }
  double busiest() const;
  // Sum of squared loads: breaks ties between placements with the same busiest load in
  // favour of the more even one, which leaves room for the next move.
  double spread() const;

  void move(int tenant, int unit, int processor);
  void reset(Placement placement);

 private:
  // Adds sign x the copies of unit s's output to `loads_`.
  void account_copies(int tenant, int s, double sign);

  const Problem& problem_;
  Placement placement_;
  std::vector<double> loads_;
};

}  // namespace cosched
