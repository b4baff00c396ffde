#include "cos/runtime/runtime.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <queue>
#include <random>
#include <thread>

#include "cos/common/error.h"
#include "cos/common/percentile.h"
#include "cos/exec/backends.h"
#include "cos/exec/cpu/core_set.h"
#include "cos/exec/recorded_steps.h"
#include "cos/exec/reference/reference_backend.h"
#include "cos/runtime/hand_over.h"
#include "cos/runtime/tenant_program.h"
#include "cos/sched/loads.h"

namespace cosched {
namespace {

using Clock = std::chrono::steady_clock;

// One request's memory: arenas laid out like the executor's (host, and device when the
// tenant has device units), each step's args in them, and per unit its steps as a device
// records them on this memory.
struct Context {
  std::byte* arena = nullptr;
  std::byte* device_arena = nullptr;
  std::vector<KernelArgs> args;
  std::vector<RecordedSteps> units;
};

struct Request {
  int tenant = 0;
  int client = -1;     // closed loop: the client that sent it
  int64_t order = 0;   // arrival number over all tenants
  int64_t round = -1;  // saturate: its round
  int64_t age = 0;     // older requests go first: the round, else the arrival number
  int input_set = 0;
  Clock::time_point arrival;
  Context* context = nullptr;
  std::unique_ptr<std::atomic<int>[]> pending;  // per unit: predecessors not done yet
  std::atomic<int> remaining{0};                // units not done yet
  std::atomic<bool> failed{false};
};

struct Task {
  Request* request;
  int unit;
  double rank;
};

// Oldest round first (saturate; else first come, first served), then request by request:
// a request's units run back to back where they can, its activations still in cache (on
// mix 3 of bench/runtime_mixes.sh, +1-15% req/s and p99 5-40% lower than interleaving a
// round's requests by the plan's rank); the simulator orders them the same way.
struct Later {
  bool operator()(const Task& a, const Task& b) const {
    if (a.request->age != b.request->age) return a.request->age > b.request->age;
    if (a.request->order != b.request->order) return a.request->order > b.request->order;
    return a.rank > b.rank;
  }
};

// A device group's fence: the device's busy time ends when it passes, and then, unless the
// group's successors were released already (no request), they are.
struct Completion {
  std::unique_ptr<Fence> fence;
  Request* request = nullptr;
  int head = 0;
  Clock::time_point queued;  // when the worker began queueing the group's work
};

// A processor's ready units, in the order above.
using ReadyQueue = HandOver<std::priority_queue<Task, std::vector<Task>, Later>, true>;
// A device's fences in the order its worker made them (the order the device passes them);
// its completer shares the worker's cores, so it does not spin.
using CompletionQueue = HandOver<std::queue<Completion>, false>;

struct Finished {
  double at_s;  // since the start
  double latency_ms;
  bool failed;
};

// A tenant's program, inputs, request contexts and results.
struct TenantState {
  std::unique_ptr<TenantProgram> program;
  std::vector<std::vector<Tensor>> inputs;  // [set][graph input]
  std::mutex mutex;                         // guards what follows
  std::vector<std::unique_ptr<Context>> contexts;
  int context_limit = 1;
  std::vector<Context*> free;
  std::deque<std::unique_ptr<Request>> waiting;  // arrived while every context was busy
  std::vector<Finished> finished;
  int64_t generated = 0;
  std::string first_error;
};

// Seeded input sets for a graph: floats in [-1, 1), integers in [-8, 8).
std::vector<std::vector<Tensor>> make_inputs(const Graph& graph, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<Tensor>> sets(4);
  for (auto& set : sets)
    for (int v : graph.inputs) {
      const Value& value = graph.values[v];
      std::vector<double> numbers(static_cast<size_t>(element_count(value.shape)));
      const bool floating = is_floating(value.dtype);
      std::uniform_real_distribution<double> real(-1, 1);
      std::uniform_int_distribution<int> integer(-8, 7);
      for (auto& x : numbers) x = floating ? real(rng) : integer(rng);
      set.push_back(from_doubles(value.dtype, value.shape, numbers));
    }
  return sets;
}

class Runtime {
 public:
  Runtime(const Problem& problem, const Plan& plan, const RunOptions& options)
      : problem_(problem), plan_(plan), options_(options) {
    for (const auto& p : problem.platform.processors) {
      backends_.push_back(options.make_backend ? options.make_backend(p.id) : make_backend(p.id));
      raw_backends_.push_back(backends_.back().get());
    }
    spare_cores_ = cores_no_host_processor_uses();
    queues_ = std::vector<ReadyQueue>(backends_.size());
    completions_ = std::vector<CompletionQueue>(backends_.size());
    spans_.resize(backends_.size());
    busy_s_.assign(backends_.size(), 0.0);
    group_runs_.assign(backends_.size(), 0);
    replayed_runs_.assign(backends_.size(), 0);
    tenants_ = std::vector<TenantState>(problem.tenants.size());
    for (size_t t = 0; t < problem.tenants.size(); ++t) {
      tenants_[t].program = std::make_unique<TenantProgram>(problem, plan, static_cast<int>(t),
                                                            raw_backends_, reference_);
      tenants_[t].inputs = make_inputs(tenants_[t].program->executor().graph(), options.seed + t);
      tenants_[t].context_limit = context_limit(static_cast<int>(t));
    }
    for (Backend* b : raw_backends_) b->release_thread();  // the workers run the kernels
  }

  ~Runtime() {
    for (auto& t : tenants_)
      for (auto& c : t.contexts) {
        if (Backend* device = t.program->executor().device()) {
          device->deallocate_host(c->arena);
          device->deallocate(c->device_arena);
        } else {
          std::free(c->arena);
        }
      }
  }

  RunResult run() {
    start_ = Clock::now();
    std::vector<std::thread> workers;
    for (size_t p = 0; p < backends_.size(); ++p) {
      workers.emplace_back([this, p] { work(p); });
      if (!backends_[p]->on_host()) workers.emplace_back([this, p] { complete(p); });
    }
    warm_up();
    std::vector<std::thread> generators;
    for (int64_t r = 0; r < options_.rounds_in_flight; ++r) admit_round(r);
    for (size_t t = 0; t < tenants_.size() && options_.rounds_in_flight == 0; ++t) {
      if (options_.rate_per_s > 0)
        generators.emplace_back([this, t] { generate(static_cast<int>(t)); });
      else
        for (int c = 0; c < options_.clients; ++c) arrive(static_cast<int>(t), c);
    }
    while (seconds() < options_.duration_s && !(options_.interrupt && options_.interrupt->load())) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      if (options_.on_progress) options_.on_progress(seconds(), completed_counts());
    }
    stop_s_ = seconds();
    stopping_ = true;
    for (auto& g : generators) g.join();
    wait_drained();
    for (auto& q : queues_) q.close();
    for (auto& c : completions_) c.close();
    for (auto& w : workers) w.join();
    return result();
  }

 private:
  // Requests finishing earlier are not counted (a run stopped before it measures nothing).
  double window_from() const { return measured_from_s(options_); }

  double seconds() const { return seconds_since_start(Clock::now()); }

  std::vector<int64_t> completed_counts() {
    std::vector<int64_t> counts;
    for (auto& t : tenants_) {
      std::lock_guard lock(t.mutex);
      counts.push_back(static_cast<int64_t>(t.finished.size()));
    }
    return counts;
  }

  // One request per tenant through every unit first (first runs of kernels are slow);
  // then the figures start from zero.
  void warm_up() {
    for (size_t t = 0; t < tenants_.size(); ++t) arrive(static_cast<int>(t), -1);
    wait_drained();
    for (auto& t : tenants_) {
      t.finished.clear();
      t.generated = 0;
      t.first_error.clear();
    }
    std::fill(busy_s_.begin(), busy_s_.end(), 0.0);
    for (auto& spans : spans_) spans.clear();
    start_ = Clock::now();
  }

  void wait_drained() {
    std::unique_lock lock(inflight_mutex_);
    drained_.wait(lock, [&] { return inflight_ == 0; });
  }

  // Open loop: Poisson arrivals until the run stops.
  void generate(int tenant) {
    std::mt19937_64 rng(options_.seed * 7919 + tenant);
    std::exponential_distribution<double> gap(options_.rate_per_s);
    auto next = Clock::now();
    while (!stopping_) {
      next += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(gap(rng)));
      std::this_thread::sleep_until(next);
      if (!stopping_) arrive(tenant, -1);
    }
  }

  // Saturate: round r's requests, w_i per tenant (none: the round is done at once).
  void admit_round(int64_t round) {
    std::vector<int> counts;
    for (const Tenant& tenant : problem_.tenants)
      counts.push_back(requests_in_round(tenant.weight, round));
    {
      std::lock_guard lock(rounds_mutex_);
      // Held by one more until every request of the round has arrived.
      round_left_[round] = std::accumulate(counts.begin(), counts.end(), 1);
    }
    for (size_t t = 0; t < counts.size(); ++t)
      for (int i = 0; i < counts[t]; ++i) arrive(static_cast<int>(t), -1, round);
    request_of_round_done(round);
  }

  // Round r + rounds_in_flight enters when round r is done.
  void request_of_round_done(int64_t round) {
    {
      std::lock_guard lock(rounds_mutex_);
      if (--round_left_[round] > 0) return;
      round_left_.erase(round);
    }
    if (!stopping_) admit_round(round + options_.rounds_in_flight);
  }

  void arrive(int tenant, int client, int64_t round = -1) {
    auto request = std::make_unique<Request>();
    request->tenant = tenant;
    request->client = client;
    request->order = order_++;
    request->round = round;
    request->age = round >= 0 ? round : request->order;
    request->arrival = Clock::now();
    hold();
    TenantState& t = tenants_[tenant];
    Context* context = nullptr;
    {
      std::lock_guard lock(t.mutex);
      request->input_set = static_cast<int>(t.generated++ % t.inputs.size());
      if (t.free.empty() && static_cast<int>(t.contexts.size()) < t.context_limit)
        t.free.push_back(new_context(t));
      if (t.free.empty()) {
        t.waiting.push_back(std::move(request));
        return;
      }
      context = t.free.back();
      t.free.pop_back();
    }
    launch(request.release(), context);
  }

  // request_contexts() of the plan: more would only take turns on a processor, each in arenas
  // of its own that push the others' activations out of the caches (a one-processor plan ran
  // 7-23% slower with 2-8 rounds in flight than with one); a request waits for a free context.
  int context_limit(int tenant) const {
    const TenantProgram& program = *tenants_[tenant].program;
    const int contexts = request_contexts(plan_.placement[tenant],
                                          [&](int u) { return !program.unit_steps(u).empty(); });
    return std::clamp(contexts, 1, std::max(1, options_.max_contexts));
  }

  Context* new_context(TenantState& t) {
    auto context = std::make_unique<Context>();
    const int64_t a = MemoryPlan::alignment;
    const int64_t bytes = std::max<int64_t>((t.program->arena_bytes() + a - 1) / a * a, a);
    // With device units: pinned host memory, which copies move fastest and asynchronously
    // (safe: what follows a device unit on the host waits for its fence, so its reads are
    // over before the memory is reused).
    if (Backend* device = t.program->executor().device()) {
      context->arena = static_cast<std::byte*>(device->allocate_host(bytes));
      context->device_arena = static_cast<std::byte*>(device->allocate(bytes));
    } else {
      context->arena = static_cast<std::byte*>(std::aligned_alloc(a, bytes));
    }
    context->args = t.program->args_in(context->arena, context->device_arena);
    context->units.resize(t.program->units());
    t.contexts.push_back(std::move(context));
    return t.contexts.back().get();
  }

  // Writes the inputs, then releases the units that follow the input unit.
  void launch(Request* request, Context* context) {
    request->context = context;
    TenantState& t = tenants_[request->tenant];
    const GraphExecutor& executor = t.program->executor();
    const Graph& graph = executor.graph();
    const std::vector<Tensor>& inputs = t.inputs[request->input_set];
    for (size_t i = 0; i < graph.inputs.size(); ++i)
      if (std::byte* at = executor.value_in(context->arena, graph.inputs[i]))
        std::memcpy(at, inputs[i].bytes.data(), inputs[i].bytes.size());
    const SchedGraph& sched = problem_.tenants[request->tenant].graph;
    const int units = static_cast<int>(sched.units.size());
    request->pending = std::make_unique<std::atomic<int>[]>(units);
    for (int u = 0; u < units; ++u) request->pending[u] = static_cast<int>(sched.preds[u].size());
    request->remaining = units + 1;  // held until every first unit is dispatched
    for (int u = 0; u < units; ++u)
      if (sched.preds[u].empty()) dispatch(*request, u);
    if (--request->remaining == 0) finish(request);
  }

  // A unit whose predecessors are done: to its processor's queue, or done at once when
  // it has no kernels (the input and output units, units of views only).
  void dispatch(Request& request, int unit) {
    if (request.failed || t_program(request).unit_steps(unit).empty()) return done(request, unit);
    const int processor = plan_.placement[request.tenant][unit];
    queues_[processor].push({&request, unit, plan_.rank[request.tenant][unit]});
  }

  TenantProgram& t_program(const Request& request) { return *tenants_[request.tenant].program; }

  // Releases the successors of the group that `head` begins outside it (those inside,
  // whose predecessors are all in the group, have run with it).
  void done(Request& request, int head) {
    const TenantProgram& program = t_program(request);
    const std::vector<int>& group = program.group(head);
    const SchedGraph& graph = problem_.tenants[request.tenant].graph;
    for (int unit : group)
      for (int succ : graph.succs[unit])
        if (--request.pending[succ] == 0 && program.head(succ) != head) dispatch(request, succ);
    const int units = static_cast<int>(group.size());
    if (request.remaining.fetch_sub(units) == units) finish(&request);
  }

  std::vector<int> cores_no_host_processor_uses() const {
    std::vector<std::string> host;
    for (size_t p = 0; p < backends_.size(); ++p)
      if (backends_[p]->on_host() && problem_.platform.processors[p].is_host())
        host.push_back(problem_.platform.processors[p].id);
    return cores_outside(host);
  }

  void work(size_t processor) {
    Backend& backend = *backends_[processor];
    backend.bind_thread();
    // A device's worker mostly launches kernels and waits: on a core of a cpu processor's
    // team it would take turns with a team thread, slowing both.
    if (!backend.on_host() && !spare_cores_.empty()) pin_this_thread(spare_cores_);
    Task task;
    while (queues_[processor].pop(task)) {
      Request& request = *task.request;
      TenantProgram& program = t_program(request);
      const Clock::time_point begin = Clock::now();
      std::unique_ptr<Fence> fence;  // a device's, after the group's kernels
      if (!request.failed) {
        try {
          Context& context = *request.context;
          const bool replayed = context.units[task.unit].run(
              backend, program.executor().steps(), program.group_steps(task.unit),
              [&](size_t s) { program.executor().run_step(s, context.args[s]); });
          if (!backend.on_host()) {
            fence = backend.fence();
            if (!stopping_ && seconds_since_start(begin) >= window_from()) {
              ++group_runs_[processor];
              replayed_runs_[processor] += replayed;
            }
          }
        } catch (const std::exception& e) {
          fail_request(request, e.what());
          // Kernels it queued must not run on in a context another request takes next.
          if (!backend.on_host()) try_synchronize(backend);
        }
      }
      const Clock::time_point end = Clock::now();
      // Busy time in the measured window, summed as it goes (a list of intervals would
      // grow with the run). A device's is its completer's to count.
      if (!stopping_ && backend.on_host()) busy_s_[processor] += in_window_s(begin, end);
      if (options_.record_spans)
        spans_[processor].push_back({static_cast<int>(processor), request.tenant, task.unit, false,
                                     request.order, seconds_since_start(begin) * 1e3,
                                     seconds_since_start(end) * 1e3});
      // Last: once handed on, the completer may finish the request and delete it.
      if (fence && program.waits_for_kernels(task.unit)) {
        completions_[processor].push({std::move(fence), &request, task.unit, begin});
        continue;
      }
      if (fence) {
        hold();  // released by the completer, which only measures this fence
        completions_[processor].push({std::move(fence), nullptr, task.unit, begin});
      }
      done(request, task.unit);
    }
  }

  // A device's fences, waited for in turn while its worker goes on queueing: each releases
  // its group's successors once the device has run it (or only measures the device). The
  // device was busy from when its worker began queueing the group (or the previous fence
  // passed, if later) until the fence passed.
  void complete(size_t processor) {
    Backend& backend = *backends_[processor];
    backend.bind_thread();
    if (!spare_cores_.empty()) pin_this_thread(spare_cores_);
    Clock::time_point passed{};
    Completion completion;
    while (completions_[processor].pop(completion)) {
      try {
        completion.fence->wait();
      } catch (const std::exception& e) {  // CUDA errors last: later work fails too
        if (completion.request) fail_request(*completion.request, e.what());
      }
      const Clock::time_point end = Clock::now();
      if (!stopping_) busy_s_[processor] += in_window_s(std::max(completion.queued, passed), end);
      passed = end;
      completion.fence.reset();
      if (completion.request)
        done(*completion.request, completion.head);
      else
        release();
    }
  }

  double seconds_since_start(Clock::time_point t) const {
    return std::chrono::duration<double>(t - start_).count();
  }
  // The part of [from, to] in the measured window (which ends when sending stops).
  double in_window_s(Clock::time_point from, Clock::time_point to) const {
    return std::max(0.0,
                    seconds_since_start(to) - std::max(seconds_since_start(from), window_from()));
  }

  static void try_synchronize(Backend& backend) {
    try {
      backend.synchronize();
    } catch (const std::exception&) {  // the request has failed already
    }
  }

  void fail_request(Request& request, const std::string& error) {
    request.failed = true;
    TenantState& t = tenants_[request.tenant];
    std::lock_guard lock(t.mutex);
    if (t.first_error.empty()) t.first_error = error;
  }

  // Records the request, hands its context to a waiting request or back to the pool, and
  // (closed loop) sends the client's next request.
  void finish(Request* request) {
    const double latency_ms =
        std::chrono::duration<double, std::milli>(Clock::now() - request->arrival).count();
    TenantState& t = tenants_[request->tenant];
    if (options_.on_outputs && !request->failed) report_outputs(*request);
    std::unique_ptr<Request> next;
    {
      std::lock_guard lock(t.mutex);
      t.finished.push_back({seconds(), latency_ms, request->failed.load()});
      if (!t.waiting.empty()) {
        next = std::move(t.waiting.front());
        t.waiting.pop_front();
      } else {
        t.free.push_back(request->context);
      }
    }
    const int tenant = request->tenant, client = request->client;
    const int64_t round = request->round;
    Context* context = request->context;
    delete request;
    if (next) launch(next.release(), context);
    if (client >= 0 && !stopping_) arrive(tenant, client);
    if (round >= 0) request_of_round_done(round);
    release();
  }

  // What is in flight (requests, and fences that only measure a device) holds off
  // wait_drained(), after which the figures are read or reset.
  void hold() {
    std::lock_guard lock(inflight_mutex_);
    ++inflight_;
  }
  void release() {
    std::lock_guard lock(inflight_mutex_);
    if (--inflight_ == 0) drained_.notify_all();
  }

  void report_outputs(const Request& request) {
    const TenantState& t = tenants_[request.tenant];
    const GraphExecutor& executor = t.program->executor();
    const Graph& graph = executor.graph();
    std::vector<Tensor> outputs;
    for (int value : graph.outputs) {
      const Value& v = graph.values[value];
      if (v.is_constant()) {
        outputs.push_back(*v.data);
        continue;
      }
      outputs.push_back(make_tensor(v.dtype, v.shape));
      std::memcpy(outputs.back().bytes.data(), executor.value_in(request.context->arena, value),
                  outputs.back().bytes.size());
    }
    options_.on_outputs(request.tenant, t.inputs[request.input_set], outputs);
  }

  RunResult result() {
    RunResult r;
    const double from = window_from(), to = stop_s_;
    r.window_s = std::max(to - from, 0.0);
    for (size_t i = 0; i < tenants_.size(); ++i) {
      TenantState& t = tenants_[i];
      RunTenant out;
      out.name = problem_.tenants[i].name;
      out.generated = t.generated;
      out.first_error = t.first_error;
      out.contexts = static_cast<int>(t.contexts.size());
      std::vector<double> latencies;
      int64_t within_slo = 0;
      for (const Finished& f : t.finished) {
        (f.failed ? out.failed_total : out.completed_total)++;
        if (f.at_s < from || f.at_s > to) continue;
        if (f.failed) {
          ++out.failed;
          continue;
        }
        ++out.completed;
        latencies.push_back(f.latency_ms);
        const auto& slo = problem_.tenants[i].slo_ms;
        within_slo += !slo || f.latency_ms <= *slo;
      }
      std::sort(latencies.begin(), latencies.end());
      out.p50_ms = nearest_rank(latencies, 0.5);
      out.p95_ms = nearest_rank(latencies, 0.95);
      out.p99_ms = nearest_rank(latencies, 0.99);
      out.throughput_per_s = out.completed / std::max(r.window_s, 1e-9);
      out.slo_attainment = out.completed ? double(within_slo) / out.completed : 1.0;
      r.weighted_throughput_per_s += out.throughput_per_s;
      r.tenants.push_back(out);
    }
    for (double busy : busy_s_) {
      r.utilisation.push_back(busy / std::max(r.window_s, 1e-9));
    }
    for (size_t p = 0; p < backends_.size(); ++p)
      r.replayed.push_back(group_runs_[p] ? double(replayed_runs_[p]) / group_runs_[p] : -1);
    std::vector<double> profiled_ms(busy_s_.size(), 0.0);
    for (size_t t = 0; t < tenants_.size(); ++t) {
      const auto loads = tenant_loads(problem_, static_cast<int>(t), plan_.placement[t]);
      for (size_t p = 0; p < profiled_ms.size(); ++p)  // loads are per round: w requests
        profiled_ms[p] += r.tenants[t].completed * loads[p] / problem_.tenants[t].weight;
    }
    for (size_t p = 0; p < profiled_ms.size(); ++p)
      r.work_vs_profiled.push_back(profiled_ms[p] > 0 ? 1000 * busy_s_[p] / profiled_ms[p] : 0);
    for (auto& spans : spans_) r.spans.insert(r.spans.end(), spans.begin(), spans.end());
    std::sort(r.spans.begin(), r.spans.end(),
              [](const Span& a, const Span& b) { return a.start_ms < b.start_ms; });
    return r;
  }

  const Problem& problem_;
  const Plan& plan_;
  const RunOptions& options_;
  std::vector<std::unique_ptr<Backend>> backends_;
  std::vector<Backend*> raw_backends_;
  ReferenceBackend reference_;
  std::vector<ReadyQueue> queues_;
  std::vector<CompletionQueue> completions_;  // per device processor (empty elsewhere)
  std::vector<int> spare_cores_;  // cores of no host processor: where device workers run
  std::vector<TenantState> tenants_;
  std::vector<double> busy_s_;  // per processor, in the window; by its worker (device: completer)
  // Per device, by its worker: its groups run in the window, and those replayed.
  std::vector<int64_t> group_runs_, replayed_runs_;
  std::vector<std::vector<Span>> spans_;  // per processor: each worker appends to its own
  std::mutex rounds_mutex_;
  std::map<int64_t, int> round_left_;  // saturate: requests of each round in flight
  std::mutex inflight_mutex_;
  std::condition_variable drained_;
  int64_t inflight_ = 0;
  std::atomic<int64_t> order_{0};
  std::atomic<bool> stopping_{false};
  Clock::time_point start_;
  double stop_s_ = 0;
};

}  // namespace

double measured_from_s(const RunOptions& run) {
  return std::min(run.warmup_s, run.duration_s / 2);
}

void match_window(const RunOptions& run, SimOptions& sim) {
  sim.warmup_ms = 1000 * measured_from_s(run);
  sim.measure_ms = 1000 * run.duration_s - sim.warmup_ms;
}

void apply_workload(const SimOptions& sim, int inflight, RunOptions& run) {
  if (sim.mode == "closed") run.clients = sim.clients;
  if (sim.mode == "open") run.rate_per_s = sim.rate_per_s;
  if (sim.mode == "saturate") run.rounds_in_flight = inflight;
}

double summed_throughput(const SimResult& result) {
  double sum = 0;
  for (const TenantStats& t : result.tenants) sum += t.throughput_per_s;
  return sum;
}

double mix_throughput(const Problem& problem, const RunResult& result) {
  double weights = 0, least = INFINITY;
  for (size_t t = 0; t < problem.tenants.size(); ++t) {
    weights += problem.tenants[t].weight;
    least = std::min(least, result.tenants[t].throughput_per_s / problem.tenants[t].weight);
  }
  return std::isfinite(least) ? weights * least : 0;
}

RunResult run_plan(const Problem& problem, const Plan& plan, const RunOptions& options) {
  check_plan(problem, plan);
  if (options.duration_s <= 0) fail("run: duration must be positive");
  if (options.rate_per_s <= 0 && options.rounds_in_flight <= 0 && options.clients < 1)
    fail("run: at least one client per tenant");
  Runtime runtime(problem, plan, options);
  return runtime.run();
}

}  // namespace cosched
