#include "cos/runtime/measured_pick.h"

#include <fmt/format.h>

#include <algorithm>

#include "cos/common/error.h"
#include "cos/common/percentile.h"
#include "cos/runtime/runtime.h"
#include "cos/sim/simulator.h"

namespace cosched {
void in_turns(size_t count, int rounds, const std::function<void(int round, size_t i)>& run) {
  for (int round = 0; round < rounds; ++round)
    for (size_t k = 0; k < count; ++k) run(round, (k + round) % count);
}

namespace {

// Whether `challenger` ran faster than `holder` in every round, and by more than `margin` in
// the median of their per-round ratios.
bool clearly_faster(const Trial& challenger, const Trial& holder, double margin) {
  const auto& mine = challenger.measured_mix_per_s;
  const auto& theirs = holder.measured_mix_per_s;
  std::vector<double> ratios;
  for (size_t r = 0; r < std::min(mine.size(), theirs.size()); ++r)
    ratios.push_back(theirs[r] > 0 ? mine[r] / theirs[r] : 0);
  return !ratios.empty() && *std::min_element(ratios.begin(), ratios.end()) > 1 &&
         median(ratios) > 1 + margin;
}

}  // namespace

size_t measured_winner(const std::vector<Trial>& trials, double margin) {
  size_t won = 0;
  for (size_t i = 1; i < trials.size(); ++i)
    if (clearly_faster(trials[i], trials[won], margin)) won = i;
  return won;
}

Pick pick_by_running(const Problem& problem, const Contenders& contenders,
                     const MeasuredPickOptions& options, std::vector<Trial>* trials) {
  return pick_by_running_across({{&problem, contenders, ""}}, options, trials).second;
}

std::pair<size_t, Pick> pick_by_running_across(const std::vector<PlatformContenders>& sets,
                                               const MeasuredPickOptions& options,
                                               std::vector<Trial>* trials) {
  if (options.plans < 1 || options.rounds < 1 || !(options.seconds > 0))
    fail("a pick by running needs plans, rounds and seconds above 0");
  struct Entry {
    size_t set;
    Ranked ranked;
  };
  std::vector<Entry> all;
  for (size_t s = 0; s < sets.size(); ++s)
    for (const Ranked& r : rank_by_simulation(*sets[s].problem, sets[s].contenders))
      all.push_back({s, r});
  if (all.empty()) fail("no plans to pick from");
  // Best first as rank_by_simulation orders one set's (the periods compare: the same tenants
  // and workload on every platform), the first on ties.
  std::stable_sort(all.begin(), all.end(),
                   [](const Entry& a, const Entry& b) { return ranks_before(a.ranked, b.ranked); });
  // The best simulated (among those meeting every SLO when some do) and the ones named in
  // also_run, in their simulated order.
  const bool slos = all.front().ranked.meets_slos;
  std::vector<Entry> chosen;
  int best = 0;
  for (const Entry& e : all) {
    const std::string& name = sets[e.set].contenders[e.ranked.index].first;
    const bool named =
        std::find(options.also_run.begin(), options.also_run.end(), name) != options.also_run.end();
    const bool among_best = e.ranked.meets_slos == slos && best < options.plans;
    best += among_best;
    if (among_best || named) chosen.push_back(e);
  }
  const size_t count = chosen.size();

  std::vector<Trial> runs(count);
  std::vector<RunOptions> run_options(count);
  for (size_t i = 0; i < count; ++i) {
    const PlatformContenders& set = sets[chosen[i].set];
    runs[i].origin = set.contenders[chosen[i].ranked.index].first;
    if (!set.label.empty()) runs[i].origin += " on " + set.label;
    runs[i].predicted_mix_per_s = chosen[i].ranked.weighted_throughput_per_s;
    RunOptions& run = run_options[i];
    run.duration_s = std::max(0.5, options.seconds / (count * options.rounds));
    run.warmup_s = std::min(0.3, run.duration_s / 2);
    run.seed = set.problem->workload.seed;
    apply_workload(workload_options(set.problem->workload), chosen[i].ranked.inflight, run);
  }
  in_turns(count, options.rounds, [&](int round, size_t i) {
    const PlatformContenders& set = sets[chosen[i].set];
    const RunResult result =
        run_plan(*set.problem, set.contenders[chosen[i].ranked.index].second, run_options[i]);
    runs[i].measured_mix_per_s.push_back(mix_throughput(*set.problem, result));
    if (options.on_progress)
      options.on_progress(fmt::format(
          "round {}/{}: {}: {:.1f} req/s (simulated {:.1f})", round + 1, options.rounds,
          runs[i].origin, runs[i].measured_mix_per_s.back(), runs[i].predicted_mix_per_s));
  });
  for (Trial& run : runs) run.median_mix_per_s = median(run.measured_mix_per_s);
  const size_t won = measured_winner(runs, options.margin);
  const Entry& winner = chosen[won];
  const auto& [origin, plan] = sets[winner.set].contenders[winner.ranked.index];
  Pick pick{empty_plan(*sets[winner.set].problem, "cos"), runs[won].origin, winner.ranked.period_ms,
            winner.ranked.meets_slos,
            fmt::format("ran best of {} plans: {:.1f} req/s, simulated {:.1f}", count,
                        runs[won].median_mix_per_s, runs[won].predicted_mix_per_s)};
  pick.plan.placement = plan.placement;
  pick.plan.rank = plan.rank;
  if (trials) *trials = std::move(runs);
  return {winner.set, std::move(pick)};
}

}  // namespace cosched
