#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>

#include "cos/cli/app.h"
#include "cos/cli/table.h"
#include "cos/common/error.h"
#include "cos/exec/cpu/core_set.h"
#include "cos/onnx/import.h"
#include "cos/profile/check.h"
#include "cos/profile/load_process.h"
#include "cos/profile/profiler.h"

namespace cosched::cli {
namespace {

struct ProfileArgs {
  std::vector<std::string> models;
  std::vector<std::string> shapes;
  std::string platform;
  std::string out;
  std::string check;
  std::string load_on;     // the child of a slow-down measurement
  std::string load_cores;  // its thread's cores ("15", "14-15"); empty: any
  int runs = 10;
  int warmup = 2;
  int passes = 10;
  double stall_seconds = 3;
  bool no_concurrency = false;
  bool no_wake = false;
  bool quiet = false;
  bool json = false;
};

std::map<std::string, Shape> parse_shapes(const std::vector<std::string>& specs) {
  std::map<std::string, Shape> shapes;
  for (const auto& spec : specs) {
    auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0) fail("--shape '{}': expected NAME=1x3x224x224", spec);
    shapes[spec.substr(0, eq)] = parse_shape(spec.substr(eq + 1));
  }
  return shapes;
}

std::string ms_text(double ms) {
  return std::isfinite(ms) ? fmt::format("{:.3f}", ms) : "unsupported";
}

// A processor on which every model (two or more) is off the same way by more than 10% ran
// at another speed than when it was profiled: the machine drifted, the op sums did not.
void print_drift(const std::vector<CheckRow>& rows, std::ostream& out) {
  std::map<std::string, std::vector<double>> errors;
  for (const auto& r : rows)
    if (std::isfinite(r.error_pct)) errors[r.processor].push_back(r.error_pct);
  for (const auto& [processor, e] : errors) {
    const auto [lo, hi] = std::minmax_element(e.begin(), e.end());
    if (e.size() < 2 || (*lo <= 10 && *hi >= -10)) continue;
    out << fmt::format(
        "{}: every model ran {} than profiled ({:+.1f}% to {:+.1f}%): the processor's speed "
        "changed since profiling (a busy or throttled machine); profile again close to the runs "
        "that use the profile\n",
        processor, *lo > 10 ? "faster" : "slower", *lo, *hi);
  }
}

void run_check(const ProfileArgs& args, Context& context, std::ostream* progress, bool terminal) {
  Profile profile = load_profile(args.check);
  std::vector<std::string> paths = args.models;
  if (paths.empty())
    for (const auto& m : profile.models) paths.push_back(m.path);
  auto models = load_models_to_profile(paths, parse_shapes(args.shapes));
  auto rows = check_profile(profile, args.check, models,
                            {.runs = args.runs,
                             .warmup = args.warmup,
                             .passes = args.passes,
                             .progress = progress,
                             .terminal = terminal});
  if (args.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& r : rows)
      list.push_back({{"model", r.model},
                      {"processor", r.processor},
                      {"measured_ms", r.measured_ms},
                      {"profiled_ms", r.profiled_ms},
                      {"error_pct", r.error_pct},
                      {"changed_kernels", r.changed_kernels},
                      {"steps", r.steps}});
    context.out << nlohmann::json{{"check", list}}.dump(2) << '\n';
    return;
  }
  Table table({"model", "processor", "measured ms", "profiled ms", "error %", "kernels changed"});
  double worst = 0;
  for (const auto& r : rows) {
    table.add({r.model, r.processor, ms_text(r.measured_ms), ms_text(r.profiled_ms),
               fmt::format("{:+.1f}", r.error_pct),
               fmt::format("{}/{}", r.changed_kernels, r.steps)});
    worst = std::max(worst, std::abs(r.error_pct));
  }
  table.print(context.out);
  context.out << fmt::format("largest error {:.1f}% ({} models x processors)\n", worst,
                             rows.size());
  context.out << "kernels changed: steps whose kernel differs from the profiled one (the cpu "
                 "backend times its variants once per compile)\n";
  print_drift(rows, context.out);
}

void run_profile(const ProfileArgs& args, Context& context, std::ostream* progress, bool terminal) {
  if (args.platform.empty()) fail("give --platform FILE (from cos platform detect)");
  if (args.models.empty()) fail("give at least one MODEL.onnx to profile");
  if (args.out.empty()) fail("give -o profile.json");
  Platform platform = load_platform(args.platform);
  auto models = load_models_to_profile(args.models, parse_shapes(args.shapes));
  ProfileOptions options{.runs = args.runs,
                         .warmup = args.warmup,
                         .passes = args.passes,
                         .concurrency = !args.no_concurrency,
                         .stall_seconds = args.stall_seconds,
                         .wake = !args.no_wake,
                         .load = {own_command("profile"), parse_shapes(args.shapes)},
                         .platform_label = args.platform,
                         .progress = progress,
                         .terminal = terminal};
  Profile profile = profile_models(platform, models, options);
  save_profile(profile, args.out);
  size_t steps = 0;
  for (const auto& m : profile.models)
    for (const auto& [p, list] : m.steps) steps += list.size();
  if (args.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& m : profile.models)
      for (const auto& [p, s] : m.steps) {
        nlohmann::json row = {{"model", m.name},
                              {"processor", p},
                              {"steps", s.size()},
                              {"profiled_ms", profile.model_ms(m, p)},
                              {"estimated", !profile.measured(p)}};
        if (m.whole_ms.count(p)) row["whole_ms"] = m.whole_ms.at(p);
        list.push_back(row);
      }
    nlohmann::json stalls = nlohmann::json::array();
    for (const auto& p : profile.platform.processors)
      if (p.is_host() && profile.measured(p.id))
        stalls.push_back({{"processor", p.id}, {"per_s", p.stalls_per_s}, {"ms", p.stall_ms}});
    nlohmann::json wake = nlohmann::json::array();
    for (const auto& p : profile.platform.processors)
      if (!p.wake_idle_ms.empty())
        wake.push_back(
            {{"processor", p.id}, {"idle_ms", p.wake_idle_ms}, {"delay_ms", p.wake_delay_ms}});
    nlohmann::json json = to_json(profile);
    context.out << nlohmann::json{{"profile", args.out},
                                  {"seconds", profile.seconds},
                                  {"ops", profile.ops.size()},
                                  {"steps", steps},
                                  {"models", list},
                                  {"slowdown", json["slowdown"]},
                                  {"stalls", stalls},
                                  {"wake", wake}}
                       .dump(2)
                << '\n';
    return;
  }
  context.out << fmt::format(
      "{}: {} models, {} steps under {} op signatures, {} runs each, in {:.1f} s\n", args.out,
      profile.models.size(), steps, profile.ops.size(), profile.runs, profile.seconds);
  Table table({"model", "processor", "steps", "sum of ops ms", "whole run ms", ""});
  for (const auto& m : profile.models)
    for (const auto& processor : profile.platform.processors) {
      const std::string& p = processor.id;
      if (!m.steps.count(p)) continue;
      table.add({m.name, p, std::to_string(m.steps.at(p).size()), ms_text(profile.model_ms(m, p)),
                 m.whole_ms.count(p) ? ms_text(m.whole_ms.at(p)) : "-",
                 profile.measured(p) ? "" : "estimated"});
    }
  table.print(context.out);
  if (!profile.slowdowns.empty()) {
    context.out << '\n';
    Table slow({"processor", "while busy", "slow-down"});
    for (const auto& s : profile.slowdowns)
      slow.add({s.processor, s.busy, fmt::format("{:.2f}x", s.factor)});
    slow.print(context.out);
  }
  const bool stalls =
      std::any_of(profile.platform.processors.begin(), profile.platform.processors.end(),
                  [](const Processor& p) { return p.stalls_per_s > 0; });
  if (stalls || profile.switch_latency_ms) context.out << '\n';
  for (const auto& p : profile.platform.processors)
    if (p.stalls_per_s > 0)
      context.out << fmt::format(
          "stalls of {}: {:.1f} a second, median {:.2f} ms, longest {:.2f} ms\n", p.id,
          p.stalls_per_s, p.stall_ms[p.stall_ms.size() / 2], p.stall_ms.back());
  if (profile.switch_latency_ms)
    context.out << fmt::format("handoff between cpu processors: {:.4f} ms\n",
                               *profile.switch_latency_ms);
  for (const auto& p : profile.platform.processors) {
    if (p.wake_idle_ms.empty()) continue;
    std::string points;
    for (size_t i = 0; i < p.wake_idle_ms.size(); ++i)
      points +=
          fmt::format("{}{:.3f} after {:g}", i ? ", " : "", p.wake_delay_ms[i], p.wake_idle_ms[i]);
    context.out << fmt::format("wake-up of {}: ms later than the handoff, after ms idle: {}\n",
                               p.id, points);
  }
}

}  // namespace

void add_profile_command(CLI::App& app, Context& context) {
  auto args = std::make_shared<ProfileArgs>();
  auto* command = app.add_subcommand(
      "profile",
      "Measure every op of the models on every processor of a platform; write profile.json");
  command->add_option("models", args->models, "ONNX models to profile (with --check: to check)");
  command->add_option("--platform", args->platform, "Platform file (cos platform detect)");
  command->add_option("-o,--out", args->out, "Profile file to write");
  command->add_option("--check", args->check,
                      "Instead of profiling: run each model of this profile whole on each "
                      "measured processor and compare with the sum of its profiled ops");
  command->add_option("--runs", args->runs, "Timed runs of each model on each processor")
      ->capture_default_str();
  command->add_option("--warmup", args->warmup, "Untimed runs first")->capture_default_str();
  command
      ->add_option("--passes", args->passes,
                   "Split the runs over this many passes over all models (each pass "
                   "compiles them again): a slow phase of the machine then falls on a part of "
                   "every op's samples (--check spreads its whole runs likewise)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command
      ->add_option("--stall-seconds", args->stall_seconds,
                   "Spin every measured core this long to measure how often and how long the "
                   "machine takes them away (0: skip)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command->add_option("--shape", args->shapes,
                      "Static shape for an input with symbolic dimensions, e.g. input=1x3x224x224");
  command->add_flag("--no-concurrency", args->no_concurrency,
                    "Skip the slow-down measurement of processors running at the same time");
  command->add_flag("--no-wake", args->no_wake,
                    "Skip the measurement of how late a cpu processor starts work after an idle "
                    "spell (its wake-up)");
  command->add_flag("--quiet", args->quiet, "No progress bar");
  command->add_option("--load-on", args->load_on)
      ->group("")  // internal: the second process of a slow-down measurement
      ->description("Run one model on this processor until stdin closes, printing each run's ms");
  command->add_option("--load-cores", args->load_cores)
      ->group("")
      ->description("The cores the --load-on run's thread runs on (\"14-15\")");
  command->add_flag("--json", args->json, "Print JSON");
  command->callback([&context, args] {
    context.action = [&context, args] {
      std::ostream* progress = args->quiet ? nullptr : &context.err;
      bool terminal = &context.err == &std::cerr && isatty(STDERR_FILENO);
      if (!args->load_on.empty()) {
        if (args->models.size() != 1) fail("--load-on takes one model");
        serve_load(args->models[0], args->load_on, parse_shapes(args->shapes),
                   args->load_cores.empty() ? std::vector<int>{}
                                            : CoreSet::parse("cpu:" + args->load_cores).cores);
      } else if (!args->check.empty()) {
        if (!args->out.empty() || !args->platform.empty())
          fail("--check uses the profile's platform and writes nothing; drop -o and --platform");
        run_check(*args, context, progress, terminal);
      } else {
        run_profile(*args, context, progress, terminal);
      }
    };
  });
}

}  // namespace cosched::cli
