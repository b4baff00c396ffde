#include "cos/profile/detect.h"

#include <unistd.h>

#include <fstream>

#include "cos/common/error.h"
#include "cos/exec/backends.h"
#include "cos/exec/cpu/core_set.h"
#include "cos/profile/probe.h"

namespace cosched {
namespace {

// Defaults for what cannot be measured here (figures of a PCIe 4 x16 link, a mid-range GPU).
constexpr double kHostLinkLatencyMs = 0.01, kHostLinkGbps = 12;
constexpr double kPeerLinkLatencyMs = 0.01, kPeerLinkGbps = 20;
constexpr double kGpuGflops = 10000, kGpuGbps = 1000, kGpuLaunchMs = 0.01;

std::vector<std::string> cpu_groups(const DetectOptions& options) {
  std::vector<int> online = CoreSet::all().cores;
  std::vector<std::string> ids;
  if (options.split.empty() && options.cpus.empty()) {
    // One core per GPU stays out: the thread that launches its kernels runs there, not
    // among a team's threads (on an H200 beside all 16 cores, both ran 1.4-2.4x slower).
    const size_t keep = online.size() > static_cast<size_t>(cuda_device_count())
                            ? online.size() - cuda_device_count()
                            : online.size();
    return {
        CoreSet{std::vector<int>(online.begin(), online.begin() + static_cast<long>(keep))}.name()};
  }
  size_t next = 0;
  for (int count : options.split) {
    if (count < 1) fail("--split: {} cores in a group; each group needs at least 1", count);
    if (next + count > online.size())
      fail("--split: asks for more cores than the {} online ({})", online.size(),
           CoreSet::all().name());
    CoreSet set{std::vector<int>(online.begin() + static_cast<long>(next),
                                 online.begin() + static_cast<long>(next + count))};
    ids.push_back(set.name());
    next += count;
  }
  for (const auto& text : options.cpus) ids.push_back(CoreSet::parse(text).name());
  return ids;
}

}  // namespace

std::string host_description() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return std::string(name) + " (" + cpu_model() + ")";
}

bool processor_present(const Processor& processor) {
  try {
    if (processor.kind == "cpu") {
      CoreSet::parse(processor.id);
      return true;
    }
    if (processor.kind == "cuda" && processor.id.rfind("cuda:", 0) == 0)
      return std::stoi(processor.id.substr(5)) < cuda_device_count();
  } catch (const std::exception&) {
  }
  return false;
}

Platform detect_platform(const DetectOptions& options) {
  Platform platform;
  platform.host = host_description();
  for (const auto& id : cpu_groups(options)) {
    Processor p{.id = id, .kind = "cpu"};
    if (options.measure) {
      ProbeFigures figures = probe_processor(id);
      p.peak_gflops = figures.peak_gflops;
      p.mem_gbps = figures.mem_gbps;
      p.launch_ms = figures.launch_ms;
    }
    platform.processors.push_back(p);
  }
  const int cpus = static_cast<int>(platform.processors.size());
  for (int d = 0; d < cuda_device_count(); ++d) {
    // Present, so a profile measures it; the roofline figures are defaults.
    platform.processors.push_back({.id = fmt::format("cuda:{}", d),
                                   .kind = "cuda",
                                   .peak_gflops = kGpuGflops,
                                   .mem_gbps = kGpuGbps,
                                   .launch_ms = kGpuLaunchMs});
  }
  // Between CPU groups the receiver reads the data out of the other cores' caches; until a
  // profile measures that, at its memory bandwidth.
  for (int c = 0; c < cpus; ++c)
    for (int d = 0; d < cpus; ++d)
      if (c != d) platform.links.push_back({c, d, 0, platform.processors[d].mem_gbps, true});
  const int n = static_cast<int>(platform.processors.size());
  for (int g = cpus; g < n; ++g) {
    for (int c = 0; c < cpus; ++c) {
      platform.links.push_back({c, g, kHostLinkLatencyMs, kHostLinkGbps, true});
      platform.links.push_back({g, c, kHostLinkLatencyMs, kHostLinkGbps, true});
    }
    for (int h = cpus; h < n; ++h)
      if (h != g) platform.links.push_back({g, h, kPeerLinkLatencyMs, kPeerLinkGbps, true});
  }
  platform.finalize();
  return platform;
}

}  // namespace cosched
