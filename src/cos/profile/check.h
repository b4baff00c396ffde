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

struct CheckOptions {
  int runs = 10;                     // timed whole runs of each model on each processor
  int warmup = 2;                    // untimed runs first (one in each later pass)
  int passes = 10;                   // the runs are split over this many passes over all processors
  std::ostream* progress = nullptr;  // progress bar (stderr), or none
  bool terminal = false;             // redraw the bar in place
};

// Runs each model whole on each measured processor of the profile as the profiler measured
// it: in passes over the processors, each compiling the models again, the models taking
// turns a run each; and compares the median with the sum of the profile's step means. A
// shared machine's speed drifts over minutes, most on processors of several cores: whole
// runs measured in one short window would compare that drift, not the op costs. The models
// must be in the profile (same content hash); the error names `profile_label` otherwise.
std::vector<CheckRow> check_profile(const Profile& profile, const std::string& profile_label,
                                    const std::vector<ModelToProfile>& models,
                                    const CheckOptions& options);

// The profile's entry for a model file with this content hash; throws naming
// `profile_label` and the model when the profile has none (or only an older version).
const ProfiledModel& profiled_model(const Profile& profile, const std::string& profile_label,
                                    const std::string& model_path, const std::string& hash);

}  // namespace cosched
