#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "cos/graph/graph.h"
#include "cos/profile/load_process.h"
#include "cos/profile/profile.h"

namespace cosched {

// A model to profile: its imported graph and the file it came from.
struct ModelToProfile {
  std::string name;
  std::string path;
  std::string hash;  // file_hash(path)
  Graph graph;
};

struct ProfileOptions {
  int runs = 10;  // timed runs of each model on each processor, at least
  // More runs for short models: as many as fill this many seconds (at most 200).
  double min_seconds = 1.0;
  int warmup = 2;   // untimed runs first
  int passes = 10;  // the runs are split over this many passes over all models
  // Measure the slow-down of every pair of measured processors, with a second process
  // started by `load` (none when its command is empty).
  bool concurrency = true;
  // Spin every measured core this long to measure the processors' stalls (0: none).
  double stall_seconds = 3;
  // Measure how late each cpu processor's worker starts a unit after idle spells (its wake-up).
  bool wake = true;
  LoadCommand load;
  std::string platform_label = "platform";  // the platform file, for errors
  std::ostream* progress = nullptr;         // progress bar (stderr), or none
  bool terminal = false;                    // redraw the bar in place
};

// Measures every step of every model on every processor of `platform` that is here, in
// context: each model runs whole `runs` times after `warmup`, with each step timed, and the
// samples of steps with equal signatures are pooled. The runs are split over `passes` passes
// over all models (each pass compiles a model again and warms it up with one run). Processors
// marked estimated get roofline costs from their figures; a processor that is neither here nor
// marked estimated is refused (the error names `platform_label`).
Profile profile_models(const Platform& platform, const std::vector<ModelToProfile>& models,
                       const ProfileOptions& options);

// Loads models for profiling (import, hash); `shapes` fixes symbolic inputs.
std::vector<ModelToProfile> load_models_to_profile(const std::vector<std::string>& paths,
                                                   const std::map<std::string, Shape>& shapes);

}  // namespace cosched
