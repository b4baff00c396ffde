#include "cos/profile/check.h"

#include <algorithm>
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
                                    const std::vector<ModelToProfile>& models,
                                    const CheckOptions& options) {
  if (options.runs < 1) fail("--runs {}: expected at least 1", options.runs);
  const int passes = std::clamp(options.passes, 1, options.runs);  // no pass without a run
  std::vector<const ProfiledModel*> entries;
  for (const auto& model : models)
    entries.push_back(&profiled_model(profile, profile_label, model.path, model.hash));
  std::vector<std::string> processors;
  for (const auto& p : profile.platform.processors)
    if (!p.estimated) processors.push_back(p.id);
  // Work in expected milliseconds: the profile's own sums.
  std::vector<std::vector<double>> expected(processors.size());  // [processor][model]
  double total = 0;
  const int warm_runs = warmup_runs(options.warmup, passes);
  for (size_t p = 0; p < processors.size(); ++p)
    for (const auto* entry : entries) {
      expected[p].push_back(profile.model_ms(*entry, processors[p]));
      total += (options.runs + warm_runs) * expected[p].back();
    }
  Progress bar(options.progress, total, options.terminal);
  double done = 0;
  std::vector<std::vector<std::vector<double>>> samples(
      processors.size(), std::vector<std::vector<double>>(models.size()));
  std::vector<std::vector<int>> changed(processors.size(), std::vector<int>(models.size()));
  for (int pass = 0; pass < passes; ++pass) {
    const int warmup = warmup_in_pass(options.warmup, pass);
    const int runs = runs_in_pass(options.runs, pass, passes);
    for (size_t p = 0; p < processors.size(); ++p) {
      std::vector<std::unique_ptr<TimedRun>> timed;
      for (size_t m = 0; m < models.size(); ++m) {
        bar.update(done, fmt::format("compile {} on {}", models[m].name, processors[p]));
        timed.push_back(std::make_unique<TimedRun>(models[m].graph, processors[p]));
        changed[p][m] =
            std::max(changed[p][m],
                     changed_kernels(timed[m]->executor(), entries[m]->steps.at(processors[p])));
      }
      for (int i = 0; i < warmup + runs; ++i)
        for (size_t m = 0; m < models.size(); ++m) {
          bar.update(done, fmt::format("{} on {}: pass {}/{}", models[m].name, processors[p],
                                       pass + 1, passes));
          const double ms = timed[m]->run();
          done += expected[p][m];
          if (i >= warmup) samples[p][m].push_back(ms);
        }
    }
  }
  bar.finish();
  std::vector<CheckRow> rows;
  for (size_t m = 0; m < models.size(); ++m)
    for (size_t p = 0; p < processors.size(); ++p) {
      CheckRow row{models[m].name, processors[p], summarize_spread(samples[p][m]).median_ms,
                   expected[p][m]};
      row.changed_kernels = changed[p][m];
      row.steps = static_cast<int>(entries[m]->steps.at(processors[p]).size());
      row.error_pct = 100 * (row.profiled_ms - row.measured_ms) / row.measured_ms;
      rows.push_back(row);
    }
  return rows;
}

}  // namespace cosched
