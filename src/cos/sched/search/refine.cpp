#include "cos/sched/search/refine.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

#include "cos/sched/search/load_state.h"

namespace cosched {
namespace {

constexpr double kRelativeGain = 1e-9;
constexpr double kEndTemperature = 1e-5;  // relative, like the start temperature
constexpr uint64_t kRunShare = 4;         // one move in 4 moves a run of stages
constexpr long kCheckEvery = 4096;        // moves between clock checks and exact reloads

struct Score {
  double busiest;
  double spread;
  bool operator<(const Score& other) const {
    if (busiest < other.busiest * (1 - kRelativeGain)) return true;
    return busiest <= other.busiest * (1 + kRelativeGain) &&
           spread < other.spread * (1 - kRelativeGain);
  }
};

// The 16-norm of the loads: at most n^(1/16) times the busiest load of n resources (1.106
// for 5), and unlike it, lowered by every move that relieves a resource near the busiest.
double smooth_busiest(const std::vector<double>& loads) {
  double top = *std::max_element(loads.begin(), loads.end());
  if (top <= 0) return 0;
  double sum = 0;
  for (double load : loads) {
    double x = load / top;
    x *= x;  // ^2
    x *= x;  // ^4
    x *= x;  // ^8
    sum += x * x;
  }
  return top * std::pow(sum, 1.0 / 16);
}

// The units that may move, each once so that each is drawn equally often, and the stage
// of every unit.
struct Movable {
  Movable(const Problem& problem, const std::vector<int>& tenants)
      : stage_of(problem.tenants.size()) {
    for (int t : tenants) {
      const SchedGraph& graph = problem.tenants[t].graph;
      stage_of[t].resize(graph.units.size());
      for (size_t s = 0; s < graph.stages.size(); ++s) {
        for (int u = graph.stages[s].begin; u < graph.stages[s].end; ++u) {
          stage_of[t][u] = static_cast<int>(s);
          units.emplace_back(t, u);
        }
      }
    }
  }
  std::vector<std::pair<int, int>> units;  // (tenant, unit)
  std::vector<std::vector<int>> stage_of;  // [tenant][unit]
};

// The best distinct placements seen, best first.
class Elite {
 public:
  explicit Elite(size_t keep) : keep_(std::max<size_t>(1, keep)) {}

  // Keeps `placement` (copied only then) when it is new and among the best so far.
  void offer(const Score& score, const Placement& placement) {
    if (entries_.size() >= keep_ && !(score < entries_.back().first)) return;
    for (const auto& entry : entries_) {
      if (entry.second == placement) return;
    }
    auto at = std::find_if(entries_.begin(), entries_.end(),
                           [&](const auto& entry) { return score < entry.first; });
    entries_.insert(at, {score, placement});
    if (entries_.size() > keep_) entries_.pop_back();
  }
  const Placement& best() const { return entries_.front().second; }
  std::vector<Placement> placements() && {
    std::vector<Placement> result;
    for (auto& entry : entries_) result.push_back(std::move(entry.second));
    return result;
  }

 private:
  size_t keep_;
  std::vector<std::pair<Score, Placement>> entries_;
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
  const auto start = std::chrono::steady_clock::now();
  auto deadline = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                              std::chrono::duration<double>(options.budget_s));
  std::vector<int> tenants;
  for (size_t t = 0; t < problem.tenants.size(); ++t) {
    if (options.movable.empty() || options.movable[t]) tenants.push_back(static_cast<int>(t));
  }
  const Movable movable(problem, tenants);
  if (movable.units.empty()) return {std::move(placement)};

  LocalSearch search(problem, std::move(placement), tenants, deadline);
  LoadState& state = search.state();
  Elite elite(options.keep);
  elite.offer(search.score(), search.placement());
  std::mt19937_64 rng(options.seed);
  std::uniform_real_distribution<double> uniform(0, 1);
  const int P = static_cast<int>(problem.processors());
  const long moves = std::max(1L, static_cast<long>(options.sweeps * movable.units.size()));
  double current = smooth_busiest(state.loads());
  const double hottest = options.start_temperature * current;
  const double cooling = std::pow(kEndTemperature / options.start_temperature, 1.0 / moves);
  double temperature = hottest;
  std::vector<int> before;
  for (long i = 0; i < moves; ++i, temperature *= cooling) {
    if (i % kCheckEvery == kCheckEvery - 1) {
      // Where the clock runs out before the moves, it sets the pace of the cooling.
      double elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      double progress = std::max(static_cast<double>(i) / moves, elapsed / options.budget_s);
      if (progress >= 1) break;
      temperature = hottest * std::pow(kEndTemperature / options.start_temperature, progress);
      state.reset(state.placement());  // the sums drift over millions of moves
      current = smooth_busiest(state.loads());
    }
    // A unit, or a run of stages from its stage on, to a random processor.
    auto [t, u] = movable.units[rng() % movable.units.size()];
    const SchedGraph& graph = problem.tenants[t].graph;
    int begin = u, end = u + 1;
    if (rng() % kRunShare == 0) {
      int first = movable.stage_of[t][u], last = first;
      while (last + 1 < static_cast<int>(graph.stages.size()) && rng() % 3 != 0) ++last;
      begin = graph.stages[first].begin;
      end = graph.stages[last].end;
    }
    const int q = static_cast<int>(rng() % P);
    const auto& place = state.placement()[t];
    before.assign(place.begin() + begin, place.begin() + end);
    bool moved = false;
    for (int v = begin; v < end; ++v) {
      if (graph.units[v].runs_on(q) && before[v - begin] != q) {
        state.move(t, v, q);
        moved = true;
      }
    }
    if (!moved) continue;
    double next = smooth_busiest(state.loads());
    if (next <= current || uniform(rng) < std::exp((current - next) / temperature)) {
      current = next;
      elite.offer(search.score(), state.placement());
    } else {
      for (int v = begin; v < end; ++v) state.move(t, v, before[v - begin]);
    }
  }
  // A descent from each kept placement.
  Elite result(options.keep);
  for (Placement& kept : std::move(elite).placements()) {
    state.reset(std::move(kept));
    search.descend();
    result.offer(search.score(), search.placement());
  }
  for (int kick = 0; kick < options.kicks && std::chrono::steady_clock::now() < deadline; ++kick) {
    state.reset(result.best());
    // Kick: a few random units to random processors they run on, then a descent.
    for (int i = 0, n = 1 + static_cast<int>(rng() % 3); i < n; ++i) {
      auto [t, u] = movable.units[rng() % movable.units.size()];
      int q = static_cast<int>(rng() % P);
      if (problem.tenants[t].graph.units[u].runs_on(q)) state.move(t, u, q);
    }
    search.descend();
    result.offer(search.score(), search.placement());
  }
  return std::move(result).placements();
}

}  // namespace cosched
