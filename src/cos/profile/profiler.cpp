#include "cos/profile/profiler.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>

#include "cos/common/error.h"
#include "cos/common/percentile.h"
#include "cos/exec/cpu/core_set.h"
#include "cos/onnx/import.h"
#include "cos/profile/concurrency.h"
#include "cos/profile/detect.h"
#include "cos/profile/link_probe.h"
#include "cos/profile/op_signature.h"
#include "cos/profile/progress.h"
#include "cos/profile/stall_probe.h"
#include "cos/profile/stats.h"
#include "cos/profile/wake_probe.h"
#include "cos/sched/from_graph.h"
#include "cos/sched/problem.h"

namespace cosched {
namespace {

// Roofline seconds of one run of `graph` on `p`: the progress bar's unit of work.
double roofline_s(const Graph& graph, const Processor& p) {
  double ms = 0;
  for (const Node& node : graph.nodes) ms += roofline_ms(graph, node, p);
  return ms / 1000;
}

// The steps of a model on a processor nothing ran on: each step of a measured processor,
// or each node that is not a view.
std::vector<ProfiledStep> estimated_steps(const Graph& graph, const ProfiledModel& model) {
  if (!model.steps.empty()) {
    std::vector<ProfiledStep> steps = model.steps.begin()->second;
    for (auto& step : steps) step.implementation.clear();  // nothing ran them
    return steps;
  }
  std::vector<ProfiledStep> steps;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    if (!graph.nodes[i].is_view) steps.push_back({{static_cast<int>(i)}, {}});
  return steps;
}

constexpr int kMaxRuns = 200;            // runs of a short model, at most
constexpr double kFreeReadGbps = 10000;  // a cross-core read that costs nothing extra

// What the passes of one model on one processor share.
struct Visit {
  std::vector<size_t> at;  // the executor step of each profiled step
  std::vector<bool> unsupported;
  int runs = 0;  // timed runs over all passes
  std::vector<double> whole;
};

class Profiler {
 public:
  Profiler(const Platform& platform, const ProfileOptions& options)
      : platform_(platform),
        options_(options),
        progress_(options.progress, 0, options.terminal),
        device_cores_(device_cores(platform)) {}

  Profile run(const std::vector<ModelToProfile>& models) {
    auto start = std::chrono::steady_clock::now();
    profile_.platform = platform_;
    profile_.platform_signature = platform_signature(platform_);
    profile_.runs = options_.runs;
    profile_.warmup = options_.warmup;
    for (const auto& p : platform_.processors) {
      if (p.estimated) continue;
      if (!processor_present(p))
        fail(
            "{}: processor {} is not on this machine; mark it \"estimated\": true to plan "
            "with roofline estimates for it",
            options_.platform_label, p.id);
      measured_.push_back(&p);
    }
    plan_work(models);
    // In passes over all models, so that a slow phase of the machine (minutes, on a shared
    // one) falls on a part of every op's samples rather than on all of a few models' ops.
    for (int pass = 0; pass < passes(); ++pass) profile_pass(models, pass);
    finish_costs();
    finish_jitter();
    measure_stalls();
    for (const auto& model : models) estimate_model(model);
    finish_slowdowns();
    for (const auto& link : platform_.links) measure_link(link);
    measure_handoff();
    if (options_.wake) measure_wakeups();
    progress_.finish();
    profile_.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return std::move(profile_);
  }

 private:
  bool concurrency() const { return options_.concurrency && !options_.load.command.empty(); }
  int passes() const { return std::max(1, options_.passes); }
  int concurrent_runs() const { return std::max(3, options_.runs / 3); }

  void plan_work(const std::vector<ModelToProfile>& models) {
    double total = 0;
    for (const auto& model : models) {
      double pair_max = 0;
      for (const Processor* p : measured_) {
        double s = roofline_s(model.graph, *p);
        total += (warmup_runs(options_.warmup, passes()) + options_.runs) * s;
        pair_max = std::max(pair_max, s);
      }
      if (concurrency()) total += pairs() * (concurrent_runs() + 1) * 2 * pair_max;
    }
    progress_.add_total(total);
  }

  double pairs() const {
    double n = static_cast<double>(measured_.size());
    return n * (n - 1) / 2;
  }

  // One pass over every measured processor: there, every model is compiled (the kernel
  // choices are remembered, so every pass runs the same kernels) and warmed up, then the
  // models run in turn, one run each, until each has its share of the runs: every run follows
  // the other models' runs, with the caches holding what they left, as tenants taking turns on
  // a processor do (four small models ran 5-7% slower so than each back to back). The first
  // pass records the steps and how many runs short models get.
  void profile_pass(const std::vector<ModelToProfile>& models, int pass) {
    if (pass == 0)
      for (const auto& model : models)
        profile_.models.push_back({model.name, model.path, model.hash, {}, {}});
    for (size_t a = 0; a < measured_.size(); ++a) {
      const Processor& p = *measured_[a];
      // A device's kernels are launched from where the runtime's worker for it runs.
      if (!p.is_host()) pin_this_thread(device_cores_);
      std::vector<std::unique_ptr<TimedRun>> timed;
      for (const auto& model : models) {
        progress_.update(done_, fmt::format("compile {} on {}", model.name, p.id));
        timed.push_back(std::make_unique<TimedRun>(model.graph, p.id));
        if (pass == 0)
          record_steps(model, p, *timed.back(), profiled(model).steps[p.id],
                       visits_[{model.hash, p.id}]);
      }
      std::vector<int> left;
      for (size_t m = 0; m < models.size(); ++m)
        left.push_back(warm_up(models[m], p, *timed[m], pass));
      for (bool more = true; more;) {
        more = false;
        for (size_t m = 0; m < models.size(); ++m) {
          if (left[m] == 0) continue;
          time_run(models[m], p, *timed[m], pass, --left[m]);
          more = true;
        }
      }
      for (const auto& model : models)
        profiled(model).whole_ms[p.id] =
            summarize_spread(visits_[{model.hash, p.id}].whole).median_ms;
      if (concurrency() && pass + 1 == passes())
        for (size_t m = 0; m < models.size(); ++m) measure_pairs(models[m], a, *timed[m]);
      if (!p.is_host()) pin_this_thread(CoreSet::all().cores);
    }
  }

  // The cores no cpu processor of the platform uses (cores_outside).
  static std::vector<int> device_cores(const Platform& platform) {
    std::vector<std::string> host;
    for (const Processor& p : platform.processors)
      if (p.is_host()) host.push_back(p.id);
    return cores_outside(host);
  }

  // One run of `run` on `p` with every step timed, in ms. A device's steps timed one by one
  // (each waited for) take longer than the same kernels replayed from a recording, as the
  // runtime and every untimed run run them (2.3-3.7x as long for three CNNs on an H200):
  // there an untimed run follows, whose time the run takes, its kernel steps scaled to it.
  double timed_run(TimedRun& run, const Processor& p) {
    const double timed_ms = run.run(&step_ms_);
    if (p.is_host()) return timed_ms;
    const double replayed_ms = run.run();
    const auto& steps = run.executor().steps();
    double copies_ms = 0;
    for (size_t s = 0; s < steps.size(); ++s)
      if (steps[s].nodes.empty()) copies_ms += step_ms_[s];
    const double scale =
        std::clamp((replayed_ms - copies_ms) / std::max(timed_ms - copies_ms, 1e-6), 0.05, 1.5);
    for (size_t s = 0; s < steps.size(); ++s)
      if (!steps[s].nodes.empty()) step_ms_[s] *= scale;
    return replayed_ms;
  }

  ProfiledModel& profiled(const ModelToProfile& model) {
    return *std::find_if(profile_.models.begin(), profile_.models.end(),
                         [&](const auto& m) { return m.hash == model.hash; });
  }

  // The untimed runs of `model` on `p` in this pass (later passes need one run to bring it
  // back into the caches); returns its timed runs in this pass. On the first pass a short
  // model gets more runs, to at least min_seconds of timed runs.
  int warm_up(const ModelToProfile& model, const Processor& p, TimedRun& run, int pass) {
    Visit& visit = visits_[{model.hash, p.id}];
    const double unit = roofline_s(model.graph, p);
    const int warmup = warmup_in_pass(options_.warmup, pass);
    double ms = 0;
    for (int i = 0; i < std::max(warmup, pass == 0 ? 1 : 0); ++i) {
      progress_.update(done_, fmt::format("{} on {}: pass {}/{}, warm-up", model.name, p.id,
                                          pass + 1, passes()));
      ms = timed_run(run, p);
      done_ += unit;
    }
    if (pass == 0) {
      visit.runs = std::clamp(static_cast<int>(options_.min_seconds * 1000 / std::max(ms, 1e-3)),
                              options_.runs, std::max(options_.runs, kMaxRuns));
      progress_.add_total((visit.runs - options_.runs) * unit);
      if (warmup == 0) record_run(model, p, ms);  // the sizing run counts
    }
    return runs_in_pass(visit.runs, pass, passes()) - (pass == 0 && warmup == 0 ? 1 : 0);
  }

  // One timed run of `model` on `p`; `left` more follow in this pass.
  void time_run(const ModelToProfile& model, const Processor& p, TimedRun& run, int pass,
                int left) {
    progress_.update(done_, fmt::format("{} on {}: pass {}/{}, {} runs left", model.name, p.id,
                                        pass + 1, passes(), left));
    const double ms = timed_run(run, p);
    done_ += roofline_s(model.graph, p);
    record_run(model, p, ms);
  }

  // Files the run that took `ms` and left its step times in step_ms_.
  void record_run(const ModelToProfile& model, const Processor& p, double ms) {
    Visit& visit = visits_[{model.hash, p.id}];
    visit.whole.push_back(ms);
    const std::vector<ProfiledStep>& steps = profiled(model).steps[p.id];
    for (size_t s = 0; s < steps.size(); ++s)
      if (!visit.unsupported[s]) samples_[steps[s].key][p.id].push_back(step_ms_[visit.at[s]]);
  }

  // The profiled steps of `model` on `p` (the executor's, less a device backend's copies).
  void record_steps(const ModelToProfile& model, const Processor& p, TimedRun& run,
                    std::vector<ProfiledStep>& steps, Visit& visit) {
    for (size_t e = 0; e < run.executor().steps().size(); ++e) {
      const ExecStep& step = run.executor().steps()[e];
      if (step.nodes.empty()) continue;  // a device backend's copy: link time, not an op
      visit.at.push_back(e);
      OpSignature sig =
          op_signature(model.graph, step.nodes);  // the executor drops packed constants
      OpEntry& entry = profile_.ops[sig.key];
      if (entry.op.empty()) entry = {sig.op, sig.shapes, sig.text, {}};
      steps.push_back({step.nodes, sig.key, step.implementation});
      visit.unsupported.push_back(step.fallback && !p.is_host());
      if (visit.unsupported.back()) entry.costs[p.id].unsupported = true;
    }
    visit.runs = options_.runs;
  }

  // `model` on measured processor a (`run`) while a second process runs it on each later one.
  void measure_pairs(const ModelToProfile& model, size_t a, TimedRun& run) {
    for (size_t b = a + 1; b < measured_.size(); ++b) {
      const std::string &pa = measured_[a]->id, &pb = measured_[b]->id;
      progress_.update(done_, fmt::format("{} on {} and {} at once", model.name, pa, pb));
      done_ +=
          (concurrent_runs() + 1) * 2 *
          std::max(roofline_s(model.graph, *measured_[a]), roofline_s(model.graph, *measured_[b]));
      if (load_failed_) continue;
      std::pair<double, double> medians;
      try {
        medians = run_against_process(run, options_.load, model.path, pb, concurrent_runs(),
                                      measured_[b]->is_host() ? std::vector<int>{} : device_cores_);
      } catch (const Error& e) {
        // No slow-downs then, but the op costs stand.
        if (options_.progress) *options_.progress << "cos: warning: " << e.what() << '\n';
        load_failed_ = true;
        continue;
      }
      together_[{pa, pb}] += medians.first;
      together_[{pb, pa}] += medians.second;
      paired_[{pa, pb}].push_back(&model);
      paired_[{pb, pa}].push_back(&model);
    }
  }

  void finish_costs() {
    for (auto& [key, per_processor] : samples_) {
      for (auto& [processor, samples] : per_processor) {
        Spread s = summarize_op_samples(std::move(samples));
        OpCost& cost = profile_.ops.at(key).costs[processor];
        cost.median_ms = s.median_ms;
        cost.mean_ms = s.mean_ms;
        cost.p10_ms = s.p10_ms;
        cost.p90_ms = s.p90_ms;
        cost.runs = s.runs;
      }
    }
  }

  // Each measured processor's whole runs over the median of their model's runs around them
  // (four either side), pooled over the models, at 101 evenly spaced quantiles: the spread a
  // run's time has there (stalls of a shared machine included, which the ops' trimmed means
  // leave out). Not the drift of the machine's speed over the profile's minutes: the simulator
  // draws each request's factor alone, and a drift drawn that way would queue requests that
  // really slow down together (non-bottleneck tenants' p99 predicted 60% above measured).
  void finish_jitter() {
    constexpr int kQuantiles = 101;
    constexpr size_t kReach = 4;
    for (Processor& p : profile_.platform.processors) {
      std::vector<double> ratios;
      for (const auto& [key, visit] : visits_) {
        if (key.second != p.id || visit.whole.size() < 3) continue;
        for (double r : ratios_to_local_median(visit.whole, kReach)) ratios.push_back(r);
      }
      if (ratios.size() < 10) continue;
      std::sort(ratios.begin(), ratios.end());
      p.jitter = spaced_quantiles(ratios, kQuantiles);
    }
  }

  // The stalls of every measured cpu processor, from all their cores spun at once (as a plan's
  // processors all run at once): how often and for how long at 21 quantiles.
  void measure_stalls() {
    constexpr int kQuantiles = 21;
    constexpr double kMinStallMs = 0.1;  // shorter gaps are in the ops' medians already
    const std::vector<int> cores = measured_host_cores();
    if (cores.empty() || !(options_.stall_seconds > 0)) return;
    progress_.update(done_, fmt::format("stalls of {} cores", cores.size()));
    const auto per_core = probe_stalls(cores, options_.stall_seconds, kMinStallMs);
    for (Processor& p : profile_.platform.processors) {
      if (p.estimated || !p.is_host()) continue;
      std::vector<std::vector<Stall>> mine;
      for (int core : CoreSet::parse(p.id).cores)
        mine.push_back(per_core[std::find(cores.begin(), cores.end(), core) - cores.begin()]);
      std::vector<double> ms;
      for (const Stall& stall : union_of_stalls(mine)) ms.push_back(stall.ms);
      p.stalls_per_s = static_cast<double>(ms.size()) / options_.stall_seconds;
      p.stall_ms.clear();
      if (ms.empty()) continue;
      std::sort(ms.begin(), ms.end());
      p.stall_ms = spaced_quantiles(ms, kQuantiles);
    }
  }

  void estimate_model(const ModelToProfile& model) {
    ProfiledModel& model_entry = profiled(model);
    std::vector<ProfiledStep> steps = estimated_steps(model.graph, model_entry);
    for (const Processor& p : platform_.processors) {
      if (!p.estimated) continue;
      for (ProfiledStep& step : steps) {
        OpSignature sig = op_signature(model.graph, step.nodes);
        step.key = sig.key;
        OpEntry& entry = profile_.ops[sig.key];
        if (entry.op.empty()) entry = {sig.op, sig.shapes, sig.text, {}};
        double ms = 0;
        for (int n : step.nodes) ms += roofline_ms(model.graph, model.graph.nodes[n], p);
        entry.costs[p.id] = {
            .median_ms = ms, .mean_ms = ms, .p10_ms = ms, .p90_ms = ms, .estimated = true};
      }
      model_entry.steps[p.id] = steps;
    }
  }

  void finish_slowdowns() {
    for (const auto& [pair, ms] : together_) {
      double alone = 0;  // the same models' whole runs on the first processor, by themselves
      for (const ModelToProfile* model : paired_.at(pair))
        alone += profiled(*model).whole_ms.at(pair.first);
      if (alone > 0) profile_.slowdowns.push_back({pair.first, pair.second, ms / alone});
    }
  }

  // A copy link between a host processor and a device here is measured and fitted; the
  // others keep the platform's figures, marked estimated.
  void measure_link(const Link& link) {
    const Processor& from = platform_.processors[link.from];
    const Processor& to = platform_.processors[link.to];
    auto here = [&](const Processor& p) {
      return std::find(measured_.begin(), measured_.end(), &p) != measured_.end();
    };
    if (!here(from) || !here(to)) {
      profile_.links.push_back({from.id, to.id, link.latency_ms, link.bandwidth_gbps, 0, 0, true});
      return;
    }
    if (from.is_host() && to.is_host()) return measure_cross_read(from, to);
    progress_.update(done_, fmt::format("copies {} -> {}", from.id, to.id));
    const TransferFit fit =
        fit_transfer(copy_points(from.is_host() ? to.id : from.id, from.is_host()));
    profile_.links.push_back(
        {from.id, to.id, fit.latency_ms, fit.bandwidth_gbps, fit.residual_ms, fit.points, false});
  }

  // Between CPU groups: the receiver's extra time to read what the other group wrote. Where
  // it does not grow with size (cores sharing a cache), the hand-over costs nothing more.
  void measure_cross_read(const Processor& from, const Processor& to) {
    progress_.update(done_, fmt::format("reads {} -> {}", from.id, to.id));
    TransferFit fit{.latency_ms = 0, .bandwidth_gbps = kFreeReadGbps};
    const auto points = cross_read_points(from.id, to.id);
    try {
      fit = fit_transfer(points);
    } catch (const Error&) {
      fit.points = static_cast<int>(points.size());
    }
    profile_.links.push_back(
        {from.id, to.id, fit.latency_ms, fit.bandwidth_gbps, fit.residual_ms, fit.points, false});
  }

  void measure_handoff() {
    std::vector<std::string> cpus;
    for (const Processor* p : measured_)
      if (p->is_host()) cpus.push_back(p->id);
    if (cpus.size() < 2) return;
    progress_.update(done_, fmt::format("handoff {} <-> {}", cpus[0], cpus[1]));
    profile_.switch_latency_ms = handoff_ms(cpus[0], cpus[1]);
  }

  // Per cpu processor with another one's core to hand units from: how much later its worker
  // starts one after idle spells of 0.025 (within the spin) to 5 ms than the handoff the
  // simulator charges every cross-processor edge already (a thread woken as soon as it
  // slept; measure_handoff measured it, there being two cpu processors).
  void measure_wakeups() {
    const std::vector<double> idle_ms = {0.025, 0.1, 0.2, 0.5, 1, 2, 5};
    const std::vector<int> here = measured_host_cores();
    for (Processor& p : profile_.platform.processors) {
      if (p.estimated || !p.is_host()) continue;
      const std::vector<int> cores = CoreSet::parse(p.id).cores;
      auto sender = std::find_if(here.begin(), here.end(), [&](int core) {
        return std::find(cores.begin(), cores.end(), core) == cores.end();
      });
      if (sender == here.end()) continue;
      progress_.update(done_, fmt::format("wake-up of {}", p.id));
      const double charged = profile_.switch_latency_ms.value_or(0);
      p.wake_idle_ms = idle_ms;
      p.wake_delay_ms.clear();
      for (double ms : probe_pickup_ms(cores.front(), *sender, idle_ms))
        p.wake_delay_ms.push_back(std::max(0.0, ms - charged));
    }
  }

  // The cores of the measured cpu processors, each once, ascending.
  std::vector<int> measured_host_cores() const {
    std::vector<int> cores;
    for (const Processor* p : measured_)
      if (p->is_host())
        for (int core : CoreSet::parse(p->id).cores) cores.push_back(core);
    std::sort(cores.begin(), cores.end());
    cores.erase(std::unique(cores.begin(), cores.end()), cores.end());
    return cores;
  }

  const Platform& platform_;
  const ProfileOptions& options_;
  Progress progress_;
  const std::vector<int> device_cores_;  // where a device's kernels are launched from
  Profile profile_;
  std::vector<const Processor*> measured_;
  double done_ = 0;
  bool load_failed_ = false;  // the second process could not run: no more slow-downs
  std::map<std::string, std::map<std::string, std::vector<double>>> samples_;
  std::map<std::pair<std::string, std::string>, double> together_;
  // Per (processor, busy processor): the models whose runs together_ sums.
  std::map<std::pair<std::string, std::string>, std::vector<const ModelToProfile*>> paired_;
  std::vector<double> step_ms_;                                  // the last run's step times
  std::map<std::pair<std::string, std::string>, Visit> visits_;  // by model hash, processor
};

}  // namespace

Profile profile_models(const Platform& platform, const std::vector<ModelToProfile>& models,
                       const ProfileOptions& options) {
  if (models.empty()) fail("no models to profile");
  if (options.runs < 1) fail("--runs {}: expected at least 1", options.runs);
  if (options.warmup < 0) fail("--warmup {}: expected 0 or more", options.warmup);
  return Profiler(platform, options).run(models);
}

std::vector<ModelToProfile> load_models_to_profile(const std::vector<std::string>& paths,
                                                   const std::map<std::string, Shape>& shapes) {
  std::vector<ModelToProfile> models;
  std::map<std::string, int> seen;
  ImportOptions import;
  import.input_shapes = shapes;
  for (const auto& path : paths) {
    std::string hash = file_hash(path);
    bool duplicate = false;
    for (const auto& m : models) duplicate |= m.hash == hash;
    if (duplicate) continue;  // the same model twice: once is enough
    std::string stem = std::filesystem::path(path).stem().string();
    int count = ++seen[stem];
    models.push_back({count == 1 ? stem : fmt::format("{}_{}", stem, count), path, hash,
                      import_model(path, import)});
  }
  return models;
}

}  // namespace cosched
