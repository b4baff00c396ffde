#include "cos/profile/profile.h"

#include <fstream>
#include <limits>

#include "cos/common/error.h"

namespace cosched {
namespace {

constexpr const char* kFormat = "cos-profile-1";

nlohmann::json cost_json(const OpCost& c) {
  if (c.unsupported) return {{"unsupported", true}};
  nlohmann::json j = {{"median_ms", c.median_ms}, {"mean_ms", c.mean_ms}};
  if (c.estimated) {
    j["estimated"] = true;
  } else {
    j["p10_ms"] = c.p10_ms;
    j["p90_ms"] = c.p90_ms;
    j["runs"] = c.runs;
  }
  return j;
}

OpCost cost_from_json(const nlohmann::json& j) {
  OpCost c;
  c.unsupported = j.value("unsupported", false);
  if (c.unsupported) return c;
  c.median_ms = j.at("median_ms").get<double>();
  c.mean_ms = j.value("mean_ms", c.median_ms);
  c.p10_ms = j.value("p10_ms", c.median_ms);
  c.p90_ms = j.value("p90_ms", c.median_ms);
  c.runs = j.value("runs", 0);
  c.estimated = j.value("estimated", false);
  if (!(c.median_ms >= 0) || !(c.mean_ms >= 0)) fail("negative median_ms or mean_ms");
  return c;
}

}  // namespace

bool Profile::measured(const std::string& processor) const {
  for (const auto& p : platform.processors)
    if (p.id == processor) return !p.estimated;
  return false;
}

double Profile::model_ms(const ProfiledModel& model, const std::string& processor) const {
  auto steps = model.steps.find(processor);
  if (steps == model.steps.end()) return std::numeric_limits<double>::quiet_NaN();
  double sum = 0;
  for (const auto& step : steps->second) {
    const OpCost& cost = ops.at(step.key).costs.at(processor);
    if (cost.unsupported) return std::numeric_limits<double>::infinity();
    sum += cost.mean_ms;
  }
  return sum;
}

nlohmann::json to_json(const Profile& profile) {
  nlohmann::json models = nlohmann::json::array();
  for (const auto& m : profile.models) {
    nlohmann::json steps = nlohmann::json::object();
    for (const auto& [processor, list] : m.steps) {
      nlohmann::json array = nlohmann::json::array();
      for (const auto& s : list) {
        array.push_back({{"nodes", s.nodes}, {"op", s.key}});
        if (!s.implementation.empty()) array.back()["implementation"] = s.implementation;
      }
      steps[processor] = array;
    }
    models.push_back({{"name", m.name},
                      {"path", m.path},
                      {"hash", m.hash},
                      {"whole_ms", m.whole_ms},
                      {"steps", steps}});
  }
  nlohmann::json ops = nlohmann::json::object();
  for (const auto& [key, e] : profile.ops) {
    nlohmann::json costs = nlohmann::json::object();
    for (const auto& [processor, c] : e.costs) costs[processor] = cost_json(c);
    ops[key] = {{"op", e.op}, {"shapes", e.shapes}, {"signature", e.text}, {"costs", costs}};
  }
  nlohmann::json links = nlohmann::json::array();
  for (const auto& l : profile.links) {
    nlohmann::json j = {{"from", l.from},
                        {"to", l.to},
                        {"latency_ms", l.latency_ms},
                        {"bandwidth_gbps", l.bandwidth_gbps}};
    if (l.estimated) {
      j["estimated"] = true;
    } else {
      j["residual_ms"] = l.residual_ms;
      j["points"] = l.points;
    }
    links.push_back(j);
  }
  nlohmann::json slowdowns = nlohmann::json::array();
  for (const auto& s : profile.slowdowns)
    slowdowns.push_back({{"processor", s.processor}, {"busy", s.busy}, {"factor", s.factor}});
  nlohmann::json json = {{"format", kFormat},
                         {"platform_signature", profile.platform_signature},
                         {"platform", to_json(profile.platform)},
                         {"runs", profile.runs},
                         {"warmup", profile.warmup},
                         {"seconds", profile.seconds},
                         {"models", models},
                         {"links", links},
                         {"slowdown", slowdowns},
                         {"ops", ops}};
  if (profile.switch_latency_ms) json["switch_latency_ms"] = *profile.switch_latency_ms;
  return json;
}

Profile profile_from_json(const nlohmann::json& json) {
  Profile profile;
  try {
    if (!json.is_object() || json.value("format", "") != kFormat)
      fail("not a cos profile (format is not {})", kFormat);
    profile.platform = platform_from_json(json.at("platform"));
    profile.platform_signature = json.at("platform_signature").get<std::string>();
    if (profile.platform_signature != platform_signature(profile.platform))
      fail("platform_signature {} does not match its platform (edited by hand?)",
           profile.platform_signature);
    profile.runs = json.value("runs", 0);
    profile.warmup = json.value("warmup", 0);
    profile.seconds = json.value("seconds", 0.0);
    for (const auto& [key, e] : json.at("ops").items()) {
      OpEntry entry{
          e.at("op").get<std::string>(), e.value("shapes", ""), e.value("signature", ""), {}};
      for (const auto& [processor, c] : e.at("costs").items()) {
        profile.platform.processor_index(processor);
        try {
          entry.costs[processor] = cost_from_json(c);
        } catch (const Error& err) {
          fail("op {} on {}: {}", key, processor, err.what());
        }
      }
      profile.ops.emplace(key, std::move(entry));
    }
    for (const auto& m : json.at("models")) {
      ProfiledModel model{m.at("name").get<std::string>(),
                          m.value("path", ""),
                          m.at("hash").get<std::string>(),
                          {},
                          {}};
      model.whole_ms = m.value("whole_ms", std::map<std::string, double>{});
      for (const auto& [processor, list] : m.at("steps").items()) {
        profile.platform.processor_index(processor);
        for (const auto& s : list) {
          ProfiledStep step{s.at("nodes").get<std::vector<int>>(), s.at("op").get<std::string>(),
                            s.value("implementation", "")};
          auto op = profile.ops.find(step.key);
          if (op == profile.ops.end() || !op->second.costs.count(processor))
            fail("model {}: op {} has no cost on {}", model.name, step.key, processor);
          if (step.nodes.empty()) fail("model {}: a step without nodes", model.name);
          model.steps[processor].push_back(std::move(step));
        }
      }
      profile.models.push_back(std::move(model));
    }
    for (const auto& l : json.value("links", nlohmann::json::array())) {
      LinkProfile link{l.at("from").get<std::string>(), l.at("to").get<std::string>()};
      link.latency_ms = l.at("latency_ms").get<double>();
      link.bandwidth_gbps = l.at("bandwidth_gbps").get<double>();
      link.residual_ms = l.value("residual_ms", 0.0);
      link.points = l.value("points", 0);
      link.estimated = l.value("estimated", false);
      profile.links.push_back(link);
    }
    for (const auto& s : json.value("slowdown", nlohmann::json::array()))
      profile.slowdowns.push_back({s.at("processor").get<std::string>(),
                                   s.at("busy").get<std::string>(), s.at("factor").get<double>()});
    if (json.contains("switch_latency_ms"))
      profile.switch_latency_ms = json.at("switch_latency_ms").get<double>();
  } catch (const nlohmann::json::exception& e) {
    fail("{}", e.what());
  }
  return profile;
}

Profile load_profile(const std::string& path) {
  std::ifstream file(path);
  if (!file) fail("{}: cannot open file", path);
  try {
    return profile_from_json(nlohmann::json::parse(file));
  } catch (const nlohmann::json::exception& e) {
    fail("{}: not valid JSON: {}", path, e.what());
  } catch (const Error& e) {
    fail("{}: {}", path, e.what());
  }
}

void save_profile(const Profile& profile, const std::string& path) {
  std::ofstream file(path);
  if (!file) fail("{}: cannot write file", path);
  file << to_json(profile).dump(1) << '\n';
}

}  // namespace cosched
