#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "cos/profile/profile.h"
#include "cos/profile/profiler.h"

namespace cosched {

// A model's whole-run latency next to the sum of its profiled steps on one processor.
struct CheckRow {
  std::string model, processor;
  double measured_ms = 0, profiled_ms = 0, error_pct = 0;  // error: profiled vs measured
  // Steps whose kernel differs from the profiled one: the cpu backend picks among kernel
  // variants by timing each once when it compiles, so two compiles may differ.
  int changed_kernels = 0;
  int steps = 0;
};

// Runs each model whole `runs` times (after `warmup`) on each measured processor of the
// profile, the models taking turns a run each as when they were profiled, and compares the
// median with the sum of the profile's step means. The models
// must be in the profile (same content hash); the error names `profile_label` otherwise.
std::vector<CheckRow> check_profile(const Profile& profile, const std::string& profile_label,
                                    const std::vector<ModelToProfile>& models, int runs, int warmup,
                                    std::ostream* progress, bool terminal);

// The profile's entry for a model file with this content hash; throws naming
// `profile_label` and the model when the profile has none (or only an older version).
const ProfiledModel& profiled_model(const Profile& profile, const std::string& profile_label,
                                    const std::string& model_path, const std::string& hash);

}  // namespace cosched
