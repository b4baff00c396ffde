#pragma once

#include <string>
#include <vector>

#include "cos/sched/platform.h"

namespace cosched {

struct DetectOptions {
  // Cores per cpu processor, taken in order from the online cores ({1, 1}: cpu:0 and
  // cpu:1). Empty: one processor with every online core but one per visible GPU (left to
  // the runtime's thread that launches that GPU's kernels).
  std::vector<int> split;
  // Further cpu processors by core set ("cpu:0-1"), after those of `split`.
  std::vector<std::string> cpus;
  // Measure each cpu processor's peak figures (a MatMul, a large Add, a tiny Relu);
  // otherwise keep the defaults.
  bool measure = true;
};

// This machine as a platform: the cpu processors, cuda:N for every visible GPU (figures
// estimated), and links between host and GPUs (estimated until a profile measures them).
Platform detect_platform(const DetectOptions& options);

// "hostname (cpu model)".
std::string host_description();

// Whether `processor` can run here: its cores are online, or its GPU is visible.
bool processor_present(const Processor& processor);

}  // namespace cosched
