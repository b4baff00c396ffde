#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cos/exec/kernel.h"
#include "cos/graph/tensor.h"
#include "cos/sched/plan.h"
#include "cos/sim/simulator.h"

namespace cosched {

struct RunOptions {
  double duration_s = 10;
  double warmup_s = 0.5;  // requests finishing earlier are not counted
  int clients = 1;        // closed loop: clients per tenant, each waiting for its last reply
  double rate_per_s = 0;  // open loop (when > 0): Poisson arrivals per tenant
  // Saturate (when > 0, instead of clients): weighted rounds like the simulator's, tenant i
  // sending w_i requests a round, this many rounds in flight; measures the plan's period.
  int rounds_in_flight = 0;
  // Request contexts (arenas) per tenant: one per processor its units run on, at most this
  // many; later arrivals wait for one.
  int max_contexts = 64;
  uint64_t seed = 1;
  bool record_spans = false;
  // Called about five times a second with the requests completed so far per tenant.
  std::function<void(double elapsed_s, const std::vector<int64_t>& completed)> on_progress;
  const std::atomic<bool>* interrupt = nullptr;  // set (Ctrl-C): stop generating early
  // Called (from worker threads) with each completed request's inputs and outputs, in the
  // order of the graph's inputs and outputs: to check results; costs copies.
  std::function<void(int tenant, const std::vector<Tensor>& inputs,
                     const std::vector<Tensor>& outputs)>
      on_outputs;
  // The backend of each processor of the platform, by its id; unset: make_backend (a test
  // stands in a backend of its own).
  std::function<std::unique_ptr<Backend>(const std::string& processor)> make_backend;
};

struct RunTenant {
  std::string name;
  int64_t completed = 0, failed = 0;  // in the measured window
  int64_t generated = 0;              // over the whole run: completed + failed, every one
  int64_t completed_total = 0, failed_total = 0;
  double throughput_per_s = 0;
  double p50_ms = 0, p95_ms = 0, p99_ms = 0;
  double slo_attainment = 1;
  int contexts = 0;  // request contexts (arenas) it used
  std::string first_error;
};

struct RunResult {
  double window_s = 0;                   // the measured window (after warm-up)
  double weighted_throughput_per_s = 0;  // the sum of the tenants' throughputs
  std::vector<RunTenant> tenants;
  std::vector<double> utilisation;  // per processor, in the window
  // Per processor: its busy time in the window over the profiled work (units, and reads of
  // other processors' data, as the planners count them) of the requests completed in it:
  // 1.10 when its work ran 10% slower than profiled (the machine's speed moved, or running in
  // a mix slows what ran alone when profiled); 0 where no profiled work ran.
  std::vector<double> work_vs_profiled;
  // Per processor: the share of a device's group runs in the window whose kernels all ran
  // from recordings (one launch each; else library call by call, which on a fast GPU can
  // take the host longer than the kernels take); -1 for host processors or no runs.
  std::vector<double> replayed;
  std::vector<Span> spans;  // with record_spans: every unit run (ms from the start)
};

// When the measured window starts, in seconds from the start of a run: after the warm-up, or
// halfway through a run shorter than twice that.
double measured_from_s(const RunOptions& run);

// `sim` set to measure the window `run` measures: the same warm-up and length.
void match_window(const RunOptions& run, SimOptions& sim);

// `run` set for the workload `sim` simulates (its clients or rate), with `inflight` rounds in
// flight where it saturates (the rounds that simulation settled on).
void apply_workload(const SimOptions& sim, int inflight, RunOptions& run);

// A simulation's figure in the same terms as RunResult's: the sum of the tenants'
// throughputs (a closed or open loop's simulation reports its period's figure otherwise).
double summed_throughput(const SimResult& result);

// The weighted mix a run sustained: every tenant at its weight, as fast as the slowest
// allows (sum of weights x least throughput per weight). Under saturation it equals the sum
// of the throughputs; under a closed or open loop it is what the planners maximise (the
// simulator's weighted_throughput_per_s) and can be well below the sum.
double mix_throughput(const Problem& problem, const RunResult& result);

// Runs a plan for real: one worker thread per processor (pinned to its cores) takes ready
// units from its queue, oldest request first, then the plan's rank; each request of a
// tenant flows through its units in a request context of its own; CPU groups share memory,
// so a cross-processor edge is only a hand-over. A request whose kernel fails fails alone.
// Every request generated ends completed or failed before this returns.
RunResult run_plan(const Problem& problem, const Plan& plan, const RunOptions& options);

}  // namespace cosched
