#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cos/sched/plan.h"

namespace cosched {

struct SimOptions {
  // "saturate": weighted rounds (tenant i sends w_i requests a round) with `inflight`
  // rounds admitted at once, so no processor waits for work: measures the period.
  // "closed": `clients` per tenant. "open": Poisson arrivals, `rate_per_s` per tenant.
  std::string mode = "saturate";
  int clients = 1;
  double rate_per_s = 0;
  int inflight = 0;  // saturate: rounds in flight; 0 = from resources + 1, doubled
                     // while throughput still rises
  int rounds = 0;    // saturate: measured rounds; 0 = automatic
  // saturate, automatic rounds: at least as many as take about this long (the runtime's
  // measured window; rare events such as stalls need the same time to show as often)
  double measure_ms = 0;
  // saturate: rounds done within about this much time are not measured (the runtime's
  // warm-up, RunOptions::warmup_s)
  double warmup_ms = 500;
  int requests = 300;  // closed/open: requests per tenant to simulate
  uint64_t seed = 1;
  bool record_spans = false;  // keep every task's start and end (for traces and charts)
};

struct TenantStats {
  double throughput_per_s = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double slo_attainment = 1;  // fraction of measured requests within the SLO
  int64_t completed = 0;
};

// One task run on a resource: a unit on a processor or a copy on a link.
struct Span {
  int resource = 0;
  int tenant = 0;
  int unit = 0;
  bool copy = false;
  int64_t request = 0;
  double start_ms = 0;
  double end_ms = 0;
};

struct SimResult {
  double period_ms = 0;                  // time for every tenant to complete w_i requests
  double weighted_throughput_per_s = 0;  // sum(w_i) / period
  std::vector<TenantStats> tenants;
  std::vector<double> utilisation;  // per resource (processors, then links)
  double measured_from_ms = 0;      // the window the figures come from
  double measured_to_ms = 0;
  int64_t events = 0;
  int inflight = 0;  // saturate: rounds kept in flight
  std::vector<Span> spans;
};

// Discrete-event simulation of a plan: each processor runs one unit at a time, each link
// one copy at a time; a ready queue per resource takes the oldest request first, then the
// lowest plan rank. A cross-processor edge adds the platform's switch latency. A unit takes
// its profiled cost, scaled on a processor with jitter by one draw per request (its whole
// runs there vary as measured), and later by the processor's stalls it runs into (the
// processor's measured stalls, drawn in time: one delays every request queued there at
// once). A processor that sat idle starts its next unit later by its measured wake-up for
// that idle spell. As in the runtime, a tenant has at most request_contexts()
// requests in progress; the others wait for one. Saturation with jitter or stalls measures
// at least 2 s of rounds. Deterministic for a seed.
SimResult simulate(const Problem& problem, const Plan& plan, const SimOptions& options = {});

// Saturate: the requests a tenant of weight w sends in round r (w per round on average,
// also for fractional weights).
int requests_in_round(double weight, int64_t round);

// The simulation of the workload a problem was planned for (saturate unless it says closed or
// open): what plans of that problem are compared by.
SimOptions workload_options(const Workload& workload);

// True if every tenant with an SLO meets it at p99.
bool meets_slos(const Problem& problem, const SimResult& result);

}  // namespace cosched
