#include "cos/sched/search/policy.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

#include "cos/sched/loads.h"

namespace cosched {
namespace {

constexpr int kShared = 5;         // features shared by all processors, then 3 per processor
constexpr double kStartPrior = 3;  // initial weight of "the start placement put it here"

struct Decision {
  int tenant;
  int unit;
  double progress;           // fraction of the decisions made before this one
  double stage;              // position of the unit's stage in its tenant, 0..1
  std::vector<int> options;  // processors the unit runs on
};

struct Episode {
  Placement placement;
  double busiest = 0;
  double spread = 0;
  // Per decision with a choice: features of every option minus their expectation under
  // the policy, for the taken option (the score function of the log-probability).
  std::vector<double> score;
};

class Policy {
 public:
  Policy(const Problem& problem, Placement start)
      : problem_(problem), P_(static_cast<int>(problem.processors())), start_(std::move(start)) {
    F_ = kShared + 3 * P_;
    theta_.assign(F_, 0.0);
    theta_[0] = kStartPrior;
    scale_ = compute_loads(problem, start_).busiest_ms;
    if (scale_ <= 0) scale_ = 1;
    // Decisions: tenants interleaved by their progress, each in topological order.
    std::vector<std::tuple<double, int, int>> order;
    for (size_t t = 0; t < problem.tenants.size(); ++t) {
      const SchedGraph& graph = problem.tenants[t].graph;
      for (size_t s = 0; s < graph.stages.size(); ++s) {
        for (int u = graph.stages[s].begin; u < graph.stages[s].end; ++u) {
          order.emplace_back(static_cast<double>(u) / static_cast<double>(graph.units.size()),
                             static_cast<int>(t), u);
        }
      }
    }
    std::sort(order.begin(), order.end());
    for (size_t i = 0; i < order.size(); ++i) {
      auto [position, t, u] = order[i];
      const SchedGraph& graph = problem.tenants[t].graph;
      Decision d{t, u, static_cast<double>(i) / static_cast<double>(order.size()), 0, {}};
      for (size_t s = 0; s < graph.stages.size(); ++s) {
        if (u >= graph.stages[s].begin && u < graph.stages[s].end)
          d.stage = static_cast<double>(s) / static_cast<double>(graph.stages.size());
      }
      for (int p = 0; p < P_; ++p) {
        if (graph.units[u].runs_on(p)) d.options.push_back(p);
      }
      decisions_.push_back(std::move(d));
    }
  }

  // One placement: sampled from the policy (rng) or its most likely choice (greedy).
  Episode play(std::mt19937_64* rng) const {
    Episode episode;
    episode.placement.resize(problem_.tenants.size());
    for (size_t t = 0; t < problem_.tenants.size(); ++t)
      episode.placement[t].assign(problem_.tenants[t].graph.units.size(), -1);
    std::vector<std::vector<uint64_t>> served(problem_.tenants.size());
    for (size_t t = 0; t < problem_.tenants.size(); ++t)
      served[t].assign(problem_.tenants[t].graph.units.size(), 0);
    std::vector<double> loads(resource_count(problem_), 0.0);
    std::vector<double> features, logits, probs;
    for (const Decision& d : decisions_) {
      const size_t n = d.options.size();
      int chosen = 0;
      if (n > 1) {
        features.assign(n * F_, 0.0);
        logits.assign(n, 0.0);
        for (size_t i = 0; i < n; ++i) {
          describe(d, d.options[i], episode.placement, served, loads, &features[i * F_]);
          for (int f = 0; f < F_; ++f) logits[i] += theta_[f] * features[i * F_ + f];
        }
        double top = *std::max_element(logits.begin(), logits.end());
        probs.resize(n);
        double sum = 0;
        for (size_t i = 0; i < n; ++i) sum += probs[i] = std::exp(logits[i] - top);
        for (double& p : probs) p /= sum;
        if (rng) {
          double draw = std::uniform_real_distribution<double>(0, 1)(*rng);
          while (chosen + 1 < static_cast<int>(n) && draw >= probs[chosen]) draw -= probs[chosen++];
          for (int f = 0; f < F_; ++f) {
            double expected = 0;
            for (size_t i = 0; i < n; ++i) expected += probs[i] * features[i * F_ + f];
            episode.score.push_back(features[chosen * F_ + f] - expected);
          }
        } else {
          chosen =
              static_cast<int>(std::max_element(logits.begin(), logits.end()) - logits.begin());
        }
      }
      place(d, d.options[chosen], episode.placement, served, loads);
    }
    const Loads exact = compute_loads(problem_, episode.placement);
    episode.busiest = exact.busiest_ms;
    for (double load : exact.resource_ms) episode.spread += load * load;
    return episode;
  }

  // Gradient ascent on the batch's expected reward (Adam).
  void update(const std::vector<Episode>& batch, double learning_rate) {
    double mean = 0, var = 0;
    for (const Episode& e : batch) mean += -e.busiest / scale_;
    mean /= static_cast<double>(batch.size());
    for (const Episode& e : batch) var += std::pow(-e.busiest / scale_ - mean, 2);
    double sd = std::sqrt(var / static_cast<double>(batch.size()));
    if (sd < 1e-12) return;
    std::vector<double> gradient(F_, 0.0);
    for (const Episode& e : batch) {
      double advantage = (-e.busiest / scale_ - mean) / sd;
      for (size_t i = 0; i < e.score.size(); ++i) gradient[i % F_] += advantage * e.score[i];
    }
    ++step_;
    m_.resize(F_, 0.0);
    v_.resize(F_, 0.0);
    constexpr double b1 = 0.9, b2 = 0.999;
    for (int f = 0; f < F_; ++f) {
      double g = gradient[f] / static_cast<double>(batch.size());
      m_[f] = b1 * m_[f] + (1 - b1) * g;
      v_[f] = b2 * v_[f] + (1 - b2) * g * g;
      double mhat = m_[f] / (1 - std::pow(b1, step_)), vhat = v_[f] / (1 - std::pow(b2, step_));
      theta_[f] += learning_rate * mhat / (std::sqrt(vhat) + 1e-8);
    }
  }

 private:
  // Calls fn(resource, added load) for what placing unit d on p adds given the units
  // placed so far: its own cost and the copies of its predecessors' outputs to p.
  template <typename Fn>
  void additions(const Decision& d, int p, const Placement& placement,
                 const std::vector<std::vector<uint64_t>>& served, Fn&& fn) const {
    const Tenant& tenant = problem_.tenants[d.tenant];
    fn(p, tenant.weight * tenant.graph.units[d.unit].cost_ms[p], -1);
    for (int pred : tenant.graph.preds[d.unit]) {
      int from = placement[d.tenant][pred];
      if (from == p || (served[d.tenant][pred] >> p & 1)) continue;
      int link = problem_.platform.link_between(from, p);
      double copy = link < 0 ? 0.0 : problem_.copy_load(d.tenant, pred, link);
      fn(link < 0 ? -1 : problem_.platform.copy_resource(link), copy, pred);
    }
  }

  void describe(const Decision& d, int p, const Placement& placement,
                const std::vector<std::vector<uint64_t>>& served, const std::vector<double>& loads,
                double* f) const {
    const Unit& unit = problem_.tenants[d.tenant].graph.units[d.unit];
    double cheapest = kUnsupported;
    for (int q : d.options) cheapest = std::min(cheapest, unit.cost_ms[q]);
    double pressure = -1, copies = 0;
    int crossings = 0, preds = 0;
    additions(d, p, placement, served, [&](int resource, double added, int pred) {
      if (pred >= 0) {
        ++crossings;
        copies += added;
      }
      if (resource >= 0) pressure = std::max(pressure, (loads[resource] + added) / scale_);
    });
    preds = static_cast<int>(problem_.tenants[d.tenant].graph.preds[d.unit].size());
    f[0] = placement_start(d) == p ? 1.0 : 0.0;
    f[1] = -std::min(5.0, std::log((unit.cost_ms[p] + 1e-9) / (cheapest + 1e-9)));
    f[2] = -(pressure - d.progress);
    f[3] = -std::min(10.0, copies / (cheapest + 1e-3));
    f[4] = preds ? -static_cast<double>(crossings) / preds : 0.0;
    double* block = f + kShared + 3 * p;
    block[0] = 1;
    block[1] = d.stage;
    block[2] = std::log1p(unit.out_bytes / 1e6);
  }

  void place(const Decision& d, int p, Placement& placement,
             std::vector<std::vector<uint64_t>>& served, std::vector<double>& loads) const {
    additions(d, p, placement, served, [&](int resource, double added, int pred) {
      if (resource >= 0) loads[resource] += added;
      if (pred >= 0) served[d.tenant][pred] |= uint64_t{1} << p;
    });
    placement[d.tenant][d.unit] = p;
  }

  int placement_start(const Decision& d) const { return start_[d.tenant][d.unit]; }

  const Problem& problem_;
  const int P_;
  int F_ = 0;
  Placement start_;
  double scale_ = 1;
  std::vector<Decision> decisions_;
  std::vector<double> theta_, m_, v_;
  int step_ = 0;
};

}  // namespace

std::vector<Placement> policy_placement(const Problem& problem, Placement start,
                                        const PolicyOptions& options) {
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                      std::chrono::duration<double>(options.budget_s));
  Policy policy(problem, std::move(start));
  std::mt19937_64 rng(options.seed);
  std::vector<Episode> elite;  // best first, distinct placements
  auto remember = [&](Episode episode) {
    episode.score.clear();
    for (const Episode& kept : elite) {
      if (kept.placement == episode.placement) return;
    }
    auto better = [](const Episode& a, const Episode& b) {
      return a.busiest < b.busiest * (1 - 1e-9) ||
             (a.busiest <= b.busiest * (1 + 1e-9) && a.spread < b.spread * (1 - 1e-9));
    };
    elite.insert(std::upper_bound(elite.begin(), elite.end(), episode, better), std::move(episode));
    if (elite.size() > options.keep) elite.pop_back();
  };
  const int batch_size = std::max(2, options.batch);
  std::vector<Episode> batch;
  for (int played = 0; played < options.episodes && std::chrono::steady_clock::now() < deadline;) {
    batch.clear();
    for (int i = 0; i < batch_size; ++i, ++played) batch.push_back(policy.play(&rng));
    policy.update(batch, options.learning_rate);
    for (Episode& e : batch) remember(std::move(e));
  }
  remember(policy.play(nullptr));
  std::vector<Placement> result;
  for (Episode& e : elite) result.push_back(std::move(e.placement));
  return result;
}

}  // namespace cosched
