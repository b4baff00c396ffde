#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace cosched {

// A processor the scheduler places units on: a CPU core group or a GPU.
struct Processor {
  std::string id;    // "cpu:0", "cpu:0-1", "cuda:0"
  std::string kind;  // "cpu" or "cuda"
  // Roofline figures for estimated costs (where no profile measured the processor).
  double peak_gflops = 100;
  double mem_gbps = 20;
  double launch_ms = 0.002;  // fixed cost per unit
  // Not on the machine that wrote the file (or its figures are guesses): a profile fills it
  // with roofline estimates instead of measuring it.
  bool estimated = false;
  // How a run's time varies on it: a model's whole-run time over its median, at evenly spaced
  // quantiles from the fastest to the slowest run (measured by the profiler; empty: every
  // run takes its profiled time). The simulator scales a request's work here by a draw.
  std::vector<double> jitter;
  // Times it is taken away from whatever it runs (a shared machine's other guests): how many
  // a second, and how long, at evenly spaced quantiles (measured by the profiler; none: never).
  // The simulator pauses the processor for them, delaying every request it holds at once.
  double stalls_per_s = 0;
  std::vector<double> stall_ms;
  // How much later its worker starts a unit handed to it after it sat idle for
  // wake_idle_ms[i] than the switch latency every cross-processor edge pays already: the
  // wake-up of a thread that stopped spinning, and of the cores the machine let sleep
  // (measured by the profiler; none: no later).
  std::vector<double> wake_idle_ms;
  std::vector<double> wake_delay_ms;

  bool is_host() const { return kind == "cpu"; }
  // The wake-up delay after `idle_ms` idle: linear between the measured points (and from no
  // delay at no idle), the last point's beyond them.
  double wake_delay_after(double idle_ms) const;
};

// A directed link that carries copies, one at a time. A copy of b bytes occupies it for
// latency_ms + b / bandwidth. Between two CPU groups nothing is copied: the receiver reads
// the data out of the other cores' caches, which takes it that long, so such a "copy"
// occupies the receiving processor (`receiver_pays`), not a link of its own.
struct Link {
  int from = 0;
  int to = 0;
  double latency_ms = 0;
  double bandwidth_gbps = 10;  // GB/s, 1e9 bytes per second
  bool estimated = false;      // default figures, not measured
  bool receiver_pays = false;  // set by Platform::finalize: both ends are CPU groups

  double copy_ms(double bytes) const { return latency_ms + bytes / (bandwidth_gbps * 1e6); }
};

// Processors and links. CPU groups share host memory: between two of them a link is
// optional (without one, a hand-over costs only the switch latency).
struct Platform {
  std::vector<Processor> processors;
  std::vector<Link> links;
  double switch_latency_ms = 0.005;  // synchronisation delay on every cross-processor edge
  std::string host;  // the machine it describes ("name (cpu model)"); "" when written by hand

  int processor_index(const std::string& id) const;  // throws cosched::Error if unknown
  // Index into `links` for a copy from p to q (p != q), or -1 where none is needed
  // (CPU to CPU).
  int link_between(int from, int to) const { return link_table_[from * processors.size() + to]; }
  std::string link_name(int link) const;
  // The resource a copy on `link` occupies: the receiving processor for a link between CPU
  // groups, else the link's own (resources are the processors, then the links).
  int copy_resource(int link) const {
    return links[link].receiver_pays ? links[link].to : static_cast<int>(processors.size()) + link;
  }
  // Validates (unique ids, known kinds, every pair needing a link has one) and builds
  // the lookup table. Called by every constructor path.
  void finalize();

 private:
  std::vector<int> link_table_;
};

Platform platform_from_json(const nlohmann::json& json);
nlohmann::json to_json(const Platform& platform);
// Reads a platform file; errors name the file.
Platform load_platform(const std::string& path);

// 16 hex digits that identify the machine and its processors (host, processor ids and
// kinds, links), not the figures: a profile is valid for the platforms with its signature.
std::string platform_signature(const Platform& platform);

}  // namespace cosched
