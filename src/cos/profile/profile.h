#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cos/sched/platform.h"

namespace cosched {

// The cost of one op signature on one processor.
// The median is the op's typical time; the (trimmed) mean is what it costs on average, and what
// the scheduler sums: a step's times are skewed (rare slow runs), so a model's sum of step
// medians falls short of its whole-run time where the sum of means does not.
struct OpCost {
  double median_ms = 0;
  double mean_ms = 0;
  double p10_ms = 0, p90_ms = 0;  // spread of the samples (0 for estimates)
  int runs = 0;                   // samples, pooled over every step with this signature
  bool estimated = false;         // roofline from the platform's figures, not measured
  bool unsupported = false;       // the processor's backend cannot run it
};

struct OpEntry {
  std::string op;                       // "Conv+Relu"
  std::string shapes;                   // "1x64x56x56 -> 1x64x56x56"
  std::string text;                     // the canonical signature
  std::map<std::string, OpCost> costs;  // processor id -> cost
};

// One executor step of a profiled model: its node indices (head first, in the imported
// graph) and the signature it was measured under.
struct ProfiledStep {
  std::vector<int> nodes;
  std::string key;
  std::string implementation;  // the kernel that ran it ("dnnl:brgconv:avx512_core"), if measured
};

struct ProfiledModel {
  std::string name;
  std::string path;
  std::string hash;                                        // file_hash of the model file
  std::map<std::string, std::vector<ProfiledStep>> steps;  // processor id -> steps
  std::map<std::string, double> whole_ms;  // processor id -> median of whole runs (measured)
};

// A link's transfer line: measured (fitted) where both ends are here, else the platform's.
struct LinkProfile {
  std::string from, to;
  double latency_ms = 0, bandwidth_gbps = 0, residual_ms = 0;
  int points = 0;
  bool estimated = true;
};

// How much slower `processor` runs while `busy` runs too (1 = no interference).
struct Slowdown {
  std::string processor, busy;
  double factor = 1;
};

struct Profile {
  Platform platform;
  std::string platform_signature;
  int runs = 0, warmup = 0;
  double seconds = 0;  // how long profiling took
  std::vector<ProfiledModel> models;
  std::map<std::string, OpEntry> ops;  // signature key -> entry
  std::vector<LinkProfile> links;
  std::vector<Slowdown> slowdowns;
  std::optional<double> switch_latency_ms;  // measured cross-processor handoff

  bool measured(const std::string& processor) const;  // in the platform and not estimated
  // The sum of a model's step means on a processor (inf when a step is unsupported).
  double model_ms(const ProfiledModel& model, const std::string& processor) const;
};

nlohmann::json to_json(const Profile& profile);
Profile profile_from_json(const nlohmann::json& json);
Profile load_profile(const std::string& path);  // errors name the file
void save_profile(const Profile& profile, const std::string& path);

}  // namespace cosched
