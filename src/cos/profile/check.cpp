#include "cos/profile/check.h"

#include <filesystem>
#include <memory>

#include "cos/common/error.h"
#include "cos/profile/progress.h"
#include "cos/profile/stats.h"
#include "cos/profile/timed_run.h"

namespace cosched {

namespace {

// How many of the profiled steps now run another kernel (or are grouped otherwise).
int changed_kernels(const GraphExecutor& executor, const std::vector<ProfiledStep>& profiled) {
  std::vector<const ExecStep*> steps;
  for (const ExecStep& step : executor.steps())
    if (!step.nodes.empty()) steps.push_back(&step);  // copies are not profiled steps
  int changed = 0;
  for (size_t s = 0; s < profiled.size(); ++s) {
    if (s >= steps.size() || steps[s]->nodes != profiled[s].nodes)
      ++changed;
    else if (!profiled[s].implementation.empty() &&
             steps[s]->implementation != profiled[s].implementation)
      ++changed;
  }
  return changed;
}

}  // namespace

const ProfiledModel& profiled_model(const Profile& profile, const std::string& profile_label,
                                    const std::string& model_path, const std::string& hash) {
  for (const auto& m : profile.models)
    if (m.hash == hash) return m;
  std::string stem = std::filesystem::path(model_path).stem().string();
  for (const auto& m : profile.models)
    if (m.name == stem || m.path == model_path)
      fail(
          "{}: model {} differs from the one profiled (content hash {}, profiled {}); profile "
          "it again",
          profile_label, model_path, hash, m.hash);
  fail("{}: has no profile of model {} (content hash {}); run cos profile with it", profile_label,
       model_path, hash);
}

std::vector<CheckRow> check_profile(const Profile& profile, const std::string& profile_label,
                                    const std::vector<ModelToProfile>& models, int runs, int warmup,
                                    std::ostream* progress, bool terminal) {
  if (runs < 1) fail("--runs {}: expected at least 1", runs);
  std::vector<const ProfiledModel*> entries;
  for (const auto& model : models)
    entries.push_back(&profiled_model(profile, profile_label, model.path, model.hash));
  std::vector<std::string> processors;
  for (const auto& p : profile.platform.processors)
    if (!p.estimated) processors.push_back(p.id);
  // Work in expected milliseconds: the profile's own sums.
  double total = 0;
  for (const auto* entry : entries)
    for (const auto& p : processors) total += (runs + warmup) * profile.model_ms(*entry, p);
  Progress bar(progress, total, terminal);
  double done = 0;
  // As the profiler measured them: on each processor the models take turns, a run each.
  std::vector<CheckRow> rows(models.size() * processors.size());
  for (size_t p = 0; p < processors.size(); ++p) {
    std::vector<std::unique_ptr<TimedRun>> timed;
    std::vector<std::vector<double>> samples(models.size());
    std::vector<double> expected;  // each model's sum of profiled steps here
    for (size_t m = 0; m < models.size(); ++m) {
      expected.push_back(profile.model_ms(*entries[m], processors[p]));
      bar.update(done, fmt::format("compile {} on {}", models[m].name, processors[p]));
      timed.push_back(std::make_unique<TimedRun>(models[m].graph, processors[p]));
    }
    for (int i = 0; i < warmup + runs; ++i)
      for (size_t m = 0; m < models.size(); ++m) {
        bar.update(done, fmt::format("{} on {}: run {}/{}", models[m].name, processors[p], i + 1,
                                     warmup + runs));
        const double ms = timed[m]->run();
        done += expected[m];
        if (i >= warmup) samples[m].push_back(ms);
      }
    for (size_t m = 0; m < models.size(); ++m) {
      CheckRow row{models[m].name, processors[p], summarize_spread(samples[m]).median_ms,
                   expected[m], 0};
      row.changed_kernels =
          changed_kernels(timed[m]->executor(), entries[m]->steps.at(processors[p]));
      row.steps = static_cast<int>(entries[m]->steps.at(processors[p]).size());
      row.error_pct = 100 * (row.profiled_ms - row.measured_ms) / row.measured_ms;
      rows[m * processors.size() + p] = row;
    }
  }
  bar.finish();
  return rows;
}

}  // namespace cosched
