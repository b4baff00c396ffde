#include "cos/sched/search/refine.h"

#include <algorithm>
#include <chrono>
#include <random>

#include "cos/sched/search/load_state.h"

namespace cosched {
namespace {

constexpr double kRelativeGain = 1e-9;

struct Score {
  double busiest;
  double spread;
  bool operator<(const Score& other) const {
    if (busiest < other.busiest * (1 - kRelativeGain)) return true;
    return busiest <= other.busiest * (1 + kRelativeGain) &&
           spread < other.spread * (1 - kRelativeGain);
  }
};

class LocalSearch {
 public:
  LocalSearch(const Problem& problem, Placement placement, const std::vector<int>& tenants,
              std::chrono::steady_clock::time_point deadline)
      : problem_(problem),
        state_(problem, std::move(placement)),
        tenants_(tenants),
        deadline_(deadline) {}

  Score score() const { return {state_.busiest(), state_.spread()}; }
  const Placement& placement() const { return state_.placement(); }
  LoadState& state() { return state_; }

  // First-improvement descent over unit and stage moves until none helps.
  void descend() {
    const int P = static_cast<int>(problem_.processors());
    current_ = score();
    for (bool improved = true; improved && std::chrono::steady_clock::now() < deadline_;) {
      improved = false;
      for (int t : tenants_) {
        for (const Stage& stage : problem_.tenants[t].graph.stages) {
          for (int q = 0; q < P; ++q) {
            if (stage.parallel()) improved |= try_move(t, stage.begin, stage.end, q);
            for (int u = stage.begin; u < stage.end; ++u) improved |= try_move(t, u, u + 1, q);
          }
        }
      }
    }
  }

 private:
  // Moves units [begin, end) of tenant t to q (those that run there); keeps it if better.
  bool try_move(int t, int begin, int end, int q) {
    const auto& place = state_.placement()[t];
    previous_.assign(place.begin() + begin, place.begin() + end);
    bool moved = false;
    for (int u = begin; u < end; ++u) {
      if (problem_.tenants[t].graph.units[u].runs_on(q) && previous_[u - begin] != q) {
        state_.move(t, u, q);
        moved = true;
      }
    }
    if (!moved) return false;
    Score next = score();
    if (next < current_) {
      current_ = next;
      return true;
    }
    for (int u = begin; u < end; ++u) state_.move(t, u, previous_[u - begin]);
    return false;
  }

  const Problem& problem_;
  LoadState state_;
  const std::vector<int>& tenants_;  // those whose units may move
  std::chrono::steady_clock::time_point deadline_;
  Score current_{};
  std::vector<int> previous_;
};

}  // namespace

std::vector<Placement> refine_placement(const Problem& problem, Placement placement,
                                        const RefineOptions& options) {
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                      std::chrono::duration<double>(options.budget_s));
  std::vector<int> tenants;
  for (size_t t = 0; t < problem.tenants.size(); ++t) {
    if (options.movable.empty() || options.movable[t]) tenants.push_back(static_cast<int>(t));
  }
  if (tenants.empty()) return {std::move(placement)};
  LocalSearch search(problem, std::move(placement), tenants, deadline);
  search.descend();
  std::vector<std::pair<Score, Placement>> elite = {{search.score(), search.placement()}};
  auto remember = [&] {
    for (const auto& [score, kept] : elite) {
      if (kept == search.placement()) return;
    }
    Score score = search.score();
    auto at =
        std::find_if(elite.begin(), elite.end(), [&](const auto& e) { return score < e.first; });
    if (at == elite.end() && elite.size() >= options.keep) return;
    elite.insert(at, {score, search.placement()});
    if (elite.size() > options.keep) elite.pop_back();
  };
  std::mt19937_64 rng(options.seed);
  const int P = static_cast<int>(problem.processors());
  for (int kick = 0; kick < options.kicks && std::chrono::steady_clock::now() < deadline; ++kick) {
    // Kick: a few random units of random tenants to random processors they run on.
    for (int i = 0, n = 1 + static_cast<int>(rng() % 3); i < n; ++i) {
      int t = tenants[rng() % tenants.size()];
      const auto& units = problem.tenants[t].graph.units;
      int u = static_cast<int>(rng() % units.size());
      int q = static_cast<int>(rng() % P);
      if (units[u].runs_on(q)) search.state().move(t, u, q);
    }
    search.descend();
    remember();
    search.state().reset(elite.front().second);  // the next kick starts from the best
  }
  std::vector<Placement> result;
  for (auto& [score, kept] : elite) result.push_back(std::move(kept));
  return result;
}

}  // namespace cosched
