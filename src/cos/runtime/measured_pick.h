#pragma once

#include <functional>
#include <string>
#include <vector>

#include "cos/sched/search/contenders.h"

namespace cosched {

struct MeasuredPickOptions {
  double seconds = 8;  // of running, over every plan and round
  int plans = 4;       // the best simulated contenders that run
  int rounds = 3;      // each plan runs once a round, in turn
  // How much faster than the best simulated plan another must run to replace it: in every
  // round, and by this fraction in the median of the rounds (a shared machine's speed moves
  // 5-20% between runs seconds apart, so a smaller lead is as likely noise).
  double margin = 0.03;
  std::function<void(const std::string&)> on_progress;  // a line per run
  // Contenders (by name) that run too, whatever their simulated rank: cos passes the
  // baselines', so that its pick is measured against each of them.
  std::vector<std::string> also_run;
};

// One contender that ran: its simulated and measured weighted mix (req/s).
struct Trial {
  std::string origin;
  double predicted_mix_per_s = 0;
  std::vector<double> measured_mix_per_s;  // one per round
  double median_mix_per_s = 0;
};

// Picks by running: the `plans` contenders the simulator ranks best (rank_by_simulation;
// only those meeting every SLO when some do) and those named in `also_run` run for real
// under the problem's workload, in rounds that alternate them so that a slowdown of the
// machine falls on all; the weighted mix (mix_throughput: what the planners maximise) decides
// as measured_winner says. The simulator ranks, the machine decides where the simulation is
// clearly off. `trials` receives each run's figure.
Pick pick_by_running(const Problem& problem, const Contenders& contenders,
                     const MeasuredPickOptions& options, std::vector<Trial>* trials = nullptr);

// Contenders planned for one platform of this machine; `label` names it in the trials'
// origins (empty: nothing added).
struct PlatformContenders {
  const Problem* problem = nullptr;
  Contenders contenders;
  std::string label;
};

// The same over the contenders of several platforms (other splits of the machine's cores),
// ranked together by their simulated mix; returns the winner's index into `sets` and its pick.
std::pair<size_t, Pick> pick_by_running_across(const std::vector<PlatformContenders>& sets,
                                               const MeasuredPickOptions& options,
                                               std::vector<Trial>* trials = nullptr);

// Calls run(round, i) for every round and every plan i < count, the plans taking turns and
// each round starting one plan later: a slow minute of the machine falls on every plan, not
// on the last ones (run once each in order, cos's plan, last, once read 16% under the layer
// plan it equalled).
void in_turns(size_t count, int rounds, const std::function<void(int round, size_t i)>& run);

// Which trial wins: the first (the best simulated) holds until another, in the simulator's
// order, runs faster than the holder in every round and by more than `margin` in the median
// of their per-round ratios; that one holds next. Each challenger meets the holder itself:
// of two plans that both beat the first, the better simulated stays unless the other beats
// it too (picking the larger lead over the first picked the luckier of two equals: mix 3 of
// runtime_mixes.sh took heft's plan, 2.7% ahead in the pick, then 4-5% behind layer's).
size_t measured_winner(const std::vector<Trial>& trials, double margin);

}  // namespace cosched
