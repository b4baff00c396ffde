#include "cos/sim/simulator.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <queue>
#include <random>

#include "cos/common/error.h"
#include "cos/common/percentile.h"
#include "cos/sched/loads.h"
#include "cos/sim/stall_clock.h"

namespace cosched {
namespace {

struct Successor {
  int task;
  double delay_ms;
};

// A task of one request: a unit, or the copy of a unit's output to another processor.
struct TaskTemplate {
  int resource = 0;
  double duration_ms = 0;
  double rank = 0;
  int unit = 0;
  bool copy = false;
  int indegree = 0;
  std::vector<Successor> successors;
};

struct TenantTemplate {
  std::vector<TaskTemplate> tasks;
  int sink = 0;  // the "output" unit's task
  // Requests that may be in progress at once (the runtime's request contexts); a request
  // arriving while all are taken waits.
  int contexts = 1;
};

TenantTemplate build_template(const Problem& problem, const Plan& plan, int t) {
  const SchedGraph& graph = problem.tenants[t].graph;
  const Platform& platform = problem.platform;
  const int processors = static_cast<int>(problem.processors());
  const auto& place = plan.placement[t];
  TenantTemplate tmpl;
  const int n = static_cast<int>(graph.units.size());
  for (int u = 0; u < n; ++u) {
    tmpl.tasks.push_back(
        {place[u], graph.units[u].cost_ms[place[u]], plan.rank[t][u], u, false, 0, {}});
  }
  tmpl.sink = n - 1;
  std::vector<int> copy_task(processors);
  for (int u = 0; u < n; ++u) {
    std::fill(copy_task.begin(), copy_task.end(), -1);
    for (int v : graph.succs[u]) {
      int from = place[u], to = place[v];
      if (from == to) {
        tmpl.tasks[u].successors.push_back({v, 0.0});
        continue;
      }
      int link = platform.link_between(from, to);
      if (link < 0) {
        tmpl.tasks[u].successors.push_back({v, platform.switch_latency_ms});
        continue;
      }
      if (copy_task[to] < 0) {
        copy_task[to] = static_cast<int>(tmpl.tasks.size());
        tmpl.tasks.push_back({platform.copy_resource(link),
                              platform.links[link].copy_ms(graph.units[u].out_bytes),
                              plan.rank[t][u],
                              u,
                              true,
                              0,
                              {}});
        tmpl.tasks[u].successors.push_back({copy_task[to], 0.0});
      }
      tmpl.tasks[copy_task[to]].successors.push_back({v, platform.switch_latency_ms});
    }
  }
  for (const auto& task : tmpl.tasks) {
    for (const auto& s : task.successors) ++tmpl.tasks[s.task].indegree;
  }
  tmpl.contexts = request_contexts(place, [&](int u) { return tmpl.tasks[u].duration_ms > 0; });
  return tmpl;
}

struct Request {
  int tenant = 0;
  int64_t id = 0;
  int64_t round = 0;
  double arrival_ms = 0;
  std::vector<int> pending;
};

struct ReadyTask {
  double age;     // of its request (round or arrival number): older requests first
  int64_t order;  // its request's arrival number
  double rank;
  int64_t sequence;
  int request;
  int task;
  bool operator>(const ReadyTask& other) const {
    return std::tie(age, order, rank, sequence) >
           std::tie(other.age, other.order, other.rank, other.sequence);
  }
};

enum class EventKind : uint8_t { kComplete, kReady, kArrival, kNoWork };

struct Event {
  double time_ms;
  int64_t sequence;
  EventKind kind;
  int a;  // resource (complete), request (ready, no work), tenant (arrival)
  int b;  // task (ready, no work)
  bool operator>(const Event& other) const {
    return std::tie(time_ms, sequence) > std::tie(other.time_ms, other.sequence);
  }
};

struct Resource {
  bool busy = false;
  int request = -1;
  int task = -1;
  double started_ms = 0;
  double idle_since_ms = 0;
  double busy_ms = 0;  // within the measured window
  std::priority_queue<ReadyTask, std::vector<ReadyTask>, std::greater<>> ready;
};

double percentile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  return nearest_rank(values, q);
}

class Simulation {
 public:
  Simulation(const Problem& problem, const Plan& plan, const SimOptions& options,
             bool varies = true)
      : problem_(problem), plan_(plan), options_(options), rng_(options.seed), varies_(varies) {
    check_plan(problem, plan);
    for (size_t t = 0; t < problem.tenants.size(); ++t)
      templates_.push_back(build_template(problem, plan, static_cast<int>(t)));
    resources_.resize(resource_count(problem));
    latencies_.resize(problem.tenants.size());
    active_.assign(problem.tenants.size(), 0);
    waiting_.resize(problem.tenants.size());
    if (varies_)
      for (size_t r = 0; r < problem.processors(); ++r)
        stalls_.emplace_back(problem.platform.processors[r],
                             options.seed * 0x9e3779b97f4a7c15ull + r);
  }

  SimResult run() {
    if (options_.mode == "saturate") {
      run_saturate();
    } else if (options_.mode == "closed") {
      if (options_.clients < 1) fail("simulate: --clients must be at least 1");
      run_requests();
    } else if (options_.mode == "open") {
      if (!(options_.rate_per_s > 0)) fail("simulate: --rate must be positive");
      run_requests();
    } else {
      fail("simulate: unknown workload '{}' (saturate, closed, open)", options_.mode);
    }
    return finish();
  }

 private:
  // --- requests -------------------------------------------------------------------------
  // A request arrives; it starts once one of its tenant's contexts is free.
  void admit(int tenant, int64_t round) {
    int slot;
    if (free_.empty()) {
      slot = static_cast<int>(requests_.size());
      requests_.emplace_back();
    } else {
      slot = free_.back();
      free_.pop_back();
    }
    Request& request = requests_[slot];
    request.tenant = tenant;
    request.id = next_request_id_++;
    request.round = round;
    request.arrival_ms = now_;
    if (active_[tenant] < templates_[tenant].contexts)
      launch(slot);
    else
      waiting_[tenant].push_back(slot);
  }

  void launch(int slot) {
    Request& request = requests_[slot];
    const TenantTemplate& tmpl = templates_[request.tenant];
    ++active_[request.tenant];
    request.pending.resize(tmpl.tasks.size());
    for (size_t i = 0; i < tmpl.tasks.size(); ++i) request.pending[i] = tmpl.tasks[i].indegree;
    for (size_t i = 0; i < tmpl.tasks.size(); ++i) {
      if (tmpl.tasks[i].indegree == 0) make_ready(slot, static_cast<int>(i));
    }
  }

  void make_ready(int slot, int task) {
    const Request& request = requests_[slot];
    const TaskTemplate& tmpl = templates_[request.tenant].tasks[task];
    // A unit of no work (the input, the output, views only) has no kernel to run: the runtime
    // completes it at once instead of queueing it on its processor.
    if (!tmpl.copy && tmpl.duration_ms == 0) {
      events_.push({now_, sequence_++, EventKind::kNoWork, slot, task});
      return;
    }
    // The runtime's order: the oldest round first (saturate), then request by request in
    // arrival order (a request's units run back to back where they can, its activations
    // still in cache, rather than interleaving with the other tenants'), then the plan's rank.
    double age = static_cast<double>(options_.mode == "saturate" ? request.round : request.id);
    resources_[tmpl.resource].ready.push({age, request.id, tmpl.rank, sequence_++, slot, task});
    start_next(tmpl.resource);
  }

  void start_next(int r) {
    Resource& resource = resources_[r];
    if (resource.busy || resource.ready.empty()) return;
    ReadyTask next = resource.ready.top();
    resource.ready.pop();
    const Request& request = requests_[next.request];
    const TaskTemplate& tmpl = templates_[request.tenant].tasks[next.task];
    resource.busy = true;
    resource.request = next.request;
    resource.task = next.task;
    // A processor that sat idle starts later: its worker has to wake first.
    resource.started_ms =
        now_ +
        (r < static_cast<int>(problem_.processors())
             ? problem_.platform.processors[r].wake_delay_after(now_ - resource.idle_since_ms)
             : 0);
    const double ms = tmpl.copy ? tmpl.duration_ms : tmpl.duration_ms * jitter(request, r);
    const double end_ms = r < static_cast<int>(stalls_.size())
                              ? stalls_[r].finish_ms(resource.started_ms, ms)
                              : resource.started_ms + ms;
    events_.push({end_ms, sequence_++, EventKind::kComplete, r, 0});
  }

  // The factor by which a request's work on processor `r` is slower or faster than profiled:
  // one draw per request and processor from the processor's jitter quantiles (so a request's
  // time there varies as whole runs did), by a hash of the seed, request and processor, so
  // that plans compared under one seed see the same draws.
  double jitter(const Request& request, int r) const {
    if (!varies_ || r >= static_cast<int>(problem_.processors())) return 1;
    const std::vector<double>& quantiles = problem_.platform.processors[r].jitter;
    if (quantiles.size() < 2) return 1;
    uint64_t x = options_.seed * 0x9e3779b97f4a7c15ull + static_cast<uint64_t>(request.id) * 64 +
                 static_cast<uint64_t>(r);
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;  // splitmix64's finaliser
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    x ^= x >> 31;
    return between_quantiles(quantiles, static_cast<double>(x >> 11) * 0x1.0p-53);
  }

  void complete(int r) {
    Resource& resource = resources_[r];
    int slot = resource.request, task = resource.task;
    Request& request = requests_[slot];
    const TenantTemplate& tmpl = templates_[request.tenant];
    const TaskTemplate& done = tmpl.tasks[task];
    account_busy(resource, resource.started_ms, now_);
    if (options_.record_spans) {
      spans_.push_back(
          {r, request.tenant, done.unit, done.copy, request.id, resource.started_ms, now_});
    }
    resource.busy = false;
    resource.idle_since_ms = now_;
    finish_task(slot, task);
    start_next(r);
  }

  // Hands a finished task's results to its successors (after a link's delay where it has one).
  void finish_task(int slot, int task) {
    const TenantTemplate& tmpl = templates_[requests_[slot].tenant];
    for (const Successor& s : tmpl.tasks[task].successors) {
      if (s.delay_ms > 0) {
        events_.push({now_ + s.delay_ms, sequence_++, EventKind::kReady, slot, s.task});
      } else {
        dependency_met(slot, s.task);
      }
    }
    if (task == tmpl.sink) finish_request(slot);
  }

  void dependency_met(int slot, int task) {
    if (--requests_[slot].pending[task] == 0) make_ready(slot, task);
  }

  void account_busy(Resource& resource, double from, double to) {
    double lo = std::max(from, window_from_), hi = std::min(to, window_to_);
    if (hi > lo) resource.busy_ms += hi - lo;
  }

  void finish_request(int slot) {
    Request& request = requests_[slot];
    int tenant = request.tenant;
    if (measuring(request)) latencies_[tenant].push_back(now_ - request.arrival_ms);
    --active_[tenant];
    if (!waiting_[tenant].empty()) {  // the context goes to the oldest waiting request
      launch(waiting_[tenant].front());
      waiting_[tenant].pop_front();
    }
    if (options_.mode == "saturate") {
      round_done(request.round);
    } else {
      if (in_window(now_)) ++window_completed_[tenant];
      if (options_.mode == "closed" && now_ < window_to_) {  // the client sends its next request
        free_.push_back(slot);
        admit(tenant, 0);
        return;
      }
    }
    free_.push_back(slot);
  }

  bool measuring(const Request& request) const {
    if (options_.mode == "saturate")
      return request.round >= warmup_rounds_ && request.round < warmup_rounds_ + measured_rounds_;
    return request.arrival_ms >= window_from_ && request.arrival_ms < window_to_;
  }
  bool in_window(double t) const { return t >= window_from_ && t < window_to_; }

  // --- saturate: weighted rounds ----------------------------------------------------------
  void admit_round(int64_t round) {
    int count = 0;
    for (size_t t = 0; t < problem_.tenants.size(); ++t) {
      int n = requests_in_round(problem_.tenants[t].weight, round);
      for (int i = 0; i < n; ++i) admit(static_cast<int>(t), round);
      count += n;
    }
    round_left_[round] += count;
    if (count == 0) {  // weights below 1 leave some rounds empty
      ++round_left_[round];
      round_done(round);
    }
  }

  void round_done(int64_t round) {
    if (--round_left_[round] > 0) return;
    round_end_[round] = now_;
    // Round r + inflight enters when round r is done.
    int64_t next = round + options_inflight_;
    if (next < total_rounds_) admit_round(next);
  }

  void run_saturate() {
    options_inflight_ =
        options_.inflight > 0 ? options_.inflight : static_cast<int>(resources_.size()) + 1;
    // The runtime measures after a warm-up in seconds: on a processor with little slack, the
    // backlog of the rounds admitted at once takes dozens of rounds to drain, and requests
    // measured before that wait behind it (the model plan of mix 3 in runtime_mixes.sh:
    // predicted p99 27 ms against 8 measured). The busiest load is at most the period, so
    // the warm-up lasts at least warmup_ms (within a bound on the simulation's work).
    const int64_t least = 2 * options_inflight_ + 2;
    const double busiest = compute_loads(problem_, plan_.placement).busiest_ms;
    warmup_rounds_ = least;
    if (busiest > 0)
      warmup_rounds_ =
          std::clamp<int64_t>(std::ceil(options_.warmup_ms / busiest), least, 4 * least);
    measured_rounds_ = options_.rounds > 0 ? options_.rounds : std::max(40, 6 * options_inflight_);
    if (options_.rounds == 0 && options_.measure_ms > 0 && busiest > 0)
      measured_rounds_ =
          std::max<int64_t>(measured_rounds_, std::ceil(options_.measure_ms / busiest));
    total_rounds_ = warmup_rounds_ + measured_rounds_ + options_inflight_;
    window_from_ = window_to_ = -1;  // set once the warm-up rounds are done
    round_left_.assign(total_rounds_, 0);
    round_end_.assign(total_rounds_, 0);
    for (int64_t r = 0; r < options_inflight_ && r < total_rounds_; ++r) admit_round(r);
    loop([&] { return false; });
    auto end_of = [&](int64_t round) {  // when rounds 0..round are all done
      return *std::max_element(round_end_.begin(), round_end_.begin() + round + 1);
    };
    window_from_ = end_of(warmup_rounds_ - 1);
    window_to_ = end_of(warmup_rounds_ + measured_rounds_ - 1);
    // A finite window can end mid-cycle of a periodic schedule and read a little short;
    // the steady-state period never beats the busiest resource's load.
    period_ms_ =
        std::max(busiest, (window_to_ - window_from_) / static_cast<double>(measured_rounds_));
  }

  // --- closed and open loops --------------------------------------------------------------
  void run_requests() {
    const size_t tenants = problem_.tenants.size();
    window_completed_.assign(tenants, 0);
    // Estimate the run length from an unloaded pass, then measure after a 20% warm-up.
    double horizon = 0;
    for (size_t t = 0; t < tenants; ++t) {
      double latency = isolated_latency_ms(problem_, plan_.placement, static_cast<int>(t));
      double per_request =
          options_.mode == "open" ? 1000.0 / options_.rate_per_s : latency / options_.clients;
      horizon = std::max(horizon, per_request * options_.requests);
    }
    window_from_ = 0.2 * horizon;
    window_to_ = horizon;
    for (size_t t = 0; t < tenants; ++t) {
      if (options_.mode == "closed") {
        for (int c = 0; c < options_.clients; ++c) {
          admit(static_cast<int>(t), 0);
        }
      } else {
        schedule_arrival(static_cast<int>(t));
      }
    }
    loop([&] { return false; });  // arrivals stop at the window's end; in-flight work drains
  }

  void schedule_arrival(int tenant) {
    std::exponential_distribution<double> gap(options_.rate_per_s / 1000.0);
    events_.push({now_ + gap(rng_), sequence_++, EventKind::kArrival, tenant, 0});
  }

  template <typename Stop>
  void loop(Stop stop) {
    while (!events_.empty() && !stop()) {
      Event event = events_.top();
      events_.pop();
      now_ = event.time_ms;
      ++event_count_;
      switch (event.kind) {
        case EventKind::kComplete:
          complete(event.a);
          break;
        case EventKind::kReady:
          dependency_met(event.a, event.b);
          break;
        case EventKind::kArrival:
          admit(event.a, 0);
          if (now_ < window_to_) schedule_arrival(event.a);
          break;
        case EventKind::kNoWork:
          finish_task(event.a, event.b);
          break;
      }
    }
  }

  SimResult finish() {
    SimResult result;
    result.events = event_count_;
    result.inflight = options_inflight_;
    result.measured_from_ms = window_from_;
    result.measured_to_ms = window_to_;
    const size_t tenants = problem_.tenants.size();
    double window = window_to_ - window_from_;
    double weights = 0;
    for (size_t t = 0; t < tenants; ++t) {
      const Tenant& tenant = problem_.tenants[t];
      weights += tenant.weight;
      TenantStats stats;
      const auto& lat = latencies_[t];
      stats.p50_ms = percentile(lat, 0.50);
      stats.p99_ms = percentile(lat, 0.99);
      stats.completed = static_cast<int64_t>(lat.size());
      if (tenant.slo_ms && !lat.empty()) {
        stats.slo_attainment =
            static_cast<double>(std::count_if(lat.begin(), lat.end(),
                                              [&](double l) { return l <= *tenant.slo_ms; })) /
            static_cast<double>(lat.size());
      }
      if (options_.mode == "saturate") {
        stats.throughput_per_s = period_ms_ > 0 ? tenant.weight * 1000.0 / period_ms_ : 0;
      } else {
        stats.throughput_per_s = window > 0 ? window_completed_[t] * 1000.0 / window : 0;
      }
      result.tenants.push_back(stats);
    }
    if (options_.mode == "saturate") {
      result.period_ms = period_ms_;
      // Every round puts the same load on each resource.
      Loads loads = compute_loads(problem_, plan_.placement);
      for (double load : loads.resource_ms)
        result.utilisation.push_back(period_ms_ > 0 ? load / period_ms_ : 0);
    } else {
      // The period the measured throughputs imply: the slowest tenant relative to its weight.
      double period = 0;
      for (size_t t = 0; t < tenants; ++t) {
        double x = result.tenants[t].throughput_per_s;
        period = std::max(period, x > 0 ? problem_.tenants[t].weight * 1000.0 / x : INFINITY);
      }
      result.period_ms = period;
      for (const auto& resource : resources_)
        result.utilisation.push_back(window > 0 ? resource.busy_ms / window : 0);
    }
    result.weighted_throughput_per_s = result.period_ms > 0 && std::isfinite(result.period_ms)
                                           ? weights * 1000.0 / result.period_ms
                                           : 0;
    result.spans = std::move(spans_);
    return result;
  }

  const Problem& problem_;
  const Plan& plan_;
  SimOptions options_;
  std::mt19937_64 rng_;
  bool varies_;  // runs vary as measured (jitter, stalls); else each takes its profiled cost
  std::vector<TenantTemplate> templates_;
  std::vector<Resource> resources_;
  std::vector<StallClock> stalls_;  // per processor, where runs vary
  std::vector<Request> requests_;
  std::vector<int> free_;
  std::vector<int> active_;               // per tenant: requests in progress
  std::vector<std::deque<int>> waiting_;  // per tenant: requests waiting for a context
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  std::vector<std::vector<double>> latencies_;
  std::vector<int64_t> window_completed_;
  std::vector<int> round_left_;
  std::vector<double> round_end_;
  std::vector<Span> spans_;
  double now_ = 0;
  double window_from_ = 0, window_to_ = 0;
  double period_ms_ = 0;
  int64_t sequence_ = 0, event_count_ = 0, next_request_id_ = 0;
  int options_inflight_ = 1;
  int64_t warmup_rounds_ = 0, measured_rounds_ = 0, total_rounds_ = 0;
};

}  // namespace

int requests_in_round(double weight, int64_t round) {
  return static_cast<int>(std::floor((round + 1) * weight + 1e-9) -
                          std::floor(round * weight + 1e-9));
}

SimResult simulate(const Problem& problem, const Plan& plan, const SimOptions& options) {
  if (options.mode != "saturate" || options.inflight > 0)
    return Simulation(problem, plan, options).run();
  // Saturation: double the rounds in flight while that still raises throughput by 1%, with
  // every run at its profiled cost: rounds are there to keep each processor fed, not to
  // queue deeper against run-time jitter (which buys ~1% for many times the latency).
  constexpr int kDoublings = 3;
  SimOptions trial = options;
  trial.inflight = static_cast<int>(resource_count(problem)) + 1;
  SimResult best = Simulation(problem, plan, trial, false).run();
  for (int i = 0; i < kDoublings; ++i) {
    trial.inflight *= 2;
    SimResult next = Simulation(problem, plan, trial, false).run();
    if (next.period_ms > best.period_ms * 0.99) break;
    best = std::move(next);
  }
  const bool varies =
      std::any_of(problem.platform.processors.begin(), problem.platform.processors.end(),
                  [](const Processor& p) { return !p.jitter.empty() || p.stalls_per_s > 0; });
  if (!varies) return best;
  trial.inflight = best.inflight;
  // Runs that vary need a window as long as a short run's: over a few dozen rounds the stalls
  // and jitter drawn decide the order of plans within a few percent of each other (the demo's
  // cos plan simulated 5722 req/s against the model plan's 5434 in the short window, 5678
  // against 5782 in 2.5 s, and ran 5743 against 6063).
  constexpr double kVaryingWindowMs = 2000;
  trial.measure_ms = std::max(trial.measure_ms, kVaryingWindowMs);
  return Simulation(problem, plan, trial).run();
}

SimOptions workload_options(const Workload& workload) {
  SimOptions options;
  options.mode = workload.kind;
  options.clients = workload.clients;
  options.rate_per_s = workload.rate_per_s;
  options.seed = workload.seed;
  return options;
}

bool meets_slos(const Problem& problem, const SimResult& result) {
  for (size_t t = 0; t < problem.tenants.size(); ++t) {
    const auto& slo = problem.tenants[t].slo_ms;
    if (slo && result.tenants[t].p99_ms > *slo) return false;
  }
  return true;
}

}  // namespace cosched
