#include "cos/sched/platform.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>

#include "cos/common/error.h"

namespace cosched {

double Processor::wake_delay_after(double idle_ms) const {
  if (wake_idle_ms.empty() || !(idle_ms > 0)) return 0;
  if (idle_ms >= wake_idle_ms.back()) return wake_delay_ms.back();
  const size_t i =
      std::upper_bound(wake_idle_ms.begin(), wake_idle_ms.end(), idle_ms) - wake_idle_ms.begin();
  const double x0 = i == 0 ? 0 : wake_idle_ms[i - 1], y0 = i == 0 ? 0 : wake_delay_ms[i - 1];
  return y0 + (wake_delay_ms[i] - y0) * (idle_ms - x0) / (wake_idle_ms[i] - x0);
}

int Platform::processor_index(const std::string& id) const {
  for (size_t i = 0; i < processors.size(); ++i) {
    if (processors[i].id == id) return static_cast<int>(i);
  }
  fail("processor '{}' is not in the platform", id);
}

std::string Platform::link_name(int link) const {
  return processors[links[link].from].id + "->" + processors[links[link].to].id;
}

void Platform::finalize() {
  if (processors.empty()) fail("platform: no processors");
  if (processors.size() > 64) fail("platform: {} processors; at most 64", processors.size());
  std::set<std::string> ids;
  for (const auto& p : processors) {
    if (!ids.insert(p.id).second) fail("platform: processor '{}' listed twice", p.id);
    if (p.kind != "cpu" && p.kind != "cuda")
      fail("platform: processor '{}' has unknown kind '{}'", p.id, p.kind);
    if (p.peak_gflops <= 0 || p.mem_gbps <= 0 || p.launch_ms < 0) {
      fail("platform: processor '{}' needs positive peak_gflops and mem_gbps", p.id);
    }
    if (p.jitter.size() == 1 || !std::is_sorted(p.jitter.begin(), p.jitter.end()) ||
        (!p.jitter.empty() && !(p.jitter.front() > 0)))
      fail(
          "platform: processor '{}': jitter must be at least 2 positive factors in ascending order",
          p.id);
    if (!(p.stalls_per_s >= 0) || (p.stalls_per_s > 0 && p.stall_ms.size() < 2) ||
        !std::is_sorted(p.stall_ms.begin(), p.stall_ms.end()) ||
        (!p.stall_ms.empty() && !(p.stall_ms.front() > 0)))
      fail(
          "platform: processor '{}': stalls_per_s must be 0 or more, with at least 2 positive "
          "stall_ms in ascending order",
          p.id);
    if (p.wake_idle_ms.size() != p.wake_delay_ms.size() ||
        !std::is_sorted(p.wake_idle_ms.begin(), p.wake_idle_ms.end()) ||
        (!p.wake_idle_ms.empty() && !(p.wake_idle_ms.front() > 0)) ||
        std::any_of(p.wake_delay_ms.begin(), p.wake_delay_ms.end(),
                    [](double d) { return !(d >= 0) || !std::isfinite(d); }) ||
        (!p.wake_idle_ms.empty() && !std::isfinite(p.wake_idle_ms.back())))
      fail(
          "platform: processor '{}': wake_idle_ms (positive, ascending) and wake_delay_ms (0 or "
          "more) must have one entry per point",
          p.id);
  }
  const size_t n = processors.size();
  link_table_.assign(n * n, -1);
  for (size_t l = 0; l < links.size(); ++l) {
    const Link& link = links[l];
    if (link.from < 0 || link.to < 0 || link.from >= static_cast<int>(n) ||
        link.to >= static_cast<int>(n) || link.from == link.to) {
      fail("platform: link {} joins unknown or identical processors", l);
    }
    if (link.bandwidth_gbps <= 0 || link.latency_ms < 0)
      fail("platform: link {} needs positive bandwidth", link_name(l));
    link_table_[link.from * n + link.to] = static_cast<int>(l);
    links[l].receiver_pays = processors[link.from].is_host() && processors[link.to].is_host();
  }
  for (size_t p = 0; p < n; ++p) {
    for (size_t q = 0; q < n; ++q) {
      if (p == q || link_table_[p * n + q] >= 0) continue;
      if (!processors[p].is_host() || !processors[q].is_host()) {
        fail("platform: no link from {} to {}", processors[p].id, processors[q].id);
      }
    }
  }
}

Platform platform_from_json(const nlohmann::json& json) {
  Platform platform;
  try {
    for (const auto& p : json.at("processors")) {
      Processor processor{.id = p.at("id").get<std::string>(),
                          .kind = p.at("kind").get<std::string>()};
      processor.peak_gflops = p.value("peak_gflops", processor.peak_gflops);
      processor.mem_gbps = p.value("mem_gbps", processor.mem_gbps);
      processor.launch_ms = p.value("launch_ms", processor.launch_ms);
      processor.estimated = p.value("estimated", false);
      processor.jitter = p.value("jitter", std::vector<double>{});
      processor.stalls_per_s = p.value("stalls_per_s", 0.0);
      processor.stall_ms = p.value("stall_ms", std::vector<double>{});
      processor.wake_idle_ms = p.value("wake_idle_ms", std::vector<double>{});
      processor.wake_delay_ms = p.value("wake_delay_ms", std::vector<double>{});
      platform.processors.push_back(processor);
    }
    for (const auto& l : json.value("links", nlohmann::json::array())) {
      Link link;
      link.from = platform.processor_index(l.at("from").get<std::string>());
      link.to = platform.processor_index(l.at("to").get<std::string>());
      link.latency_ms = l.value("latency_ms", link.latency_ms);
      link.bandwidth_gbps = l.value("bandwidth_gbps", link.bandwidth_gbps);
      link.estimated = l.value("estimated", false);
      platform.links.push_back(link);
    }
    platform.switch_latency_ms = json.value("switch_latency_ms", platform.switch_latency_ms);
    platform.host = json.value("host", "");
  } catch (const nlohmann::json::exception& e) {
    fail("platform: {}", e.what());
  }
  platform.finalize();
  return platform;
}

nlohmann::json to_json(const Platform& platform) {
  nlohmann::json processors = nlohmann::json::array();
  for (const auto& p : platform.processors) {
    processors.push_back({{"id", p.id},
                          {"kind", p.kind},
                          {"peak_gflops", p.peak_gflops},
                          {"mem_gbps", p.mem_gbps},
                          {"launch_ms", p.launch_ms}});
    if (p.estimated) processors.back()["estimated"] = true;
    if (!p.jitter.empty()) processors.back()["jitter"] = p.jitter;
    if (p.stalls_per_s > 0) {
      processors.back()["stalls_per_s"] = p.stalls_per_s;
      processors.back()["stall_ms"] = p.stall_ms;
    }
    if (!p.wake_idle_ms.empty()) {
      processors.back()["wake_idle_ms"] = p.wake_idle_ms;
      processors.back()["wake_delay_ms"] = p.wake_delay_ms;
    }
  }
  nlohmann::json links = nlohmann::json::array();
  for (const auto& l : platform.links) {
    links.push_back({{"from", platform.processors[l.from].id},
                     {"to", platform.processors[l.to].id},
                     {"latency_ms", l.latency_ms},
                     {"bandwidth_gbps", l.bandwidth_gbps}});
    if (l.estimated) links.back()["estimated"] = true;
  }
  nlohmann::json json = {{"processors", processors},
                         {"links", links},
                         {"switch_latency_ms", platform.switch_latency_ms}};
  if (!platform.host.empty()) json["host"] = platform.host;
  return json;
}

Platform load_platform(const std::string& path) {
  std::ifstream file(path);
  if (!file) fail("{}: cannot open file", path);
  try {
    return platform_from_json(nlohmann::json::parse(file));
  } catch (const nlohmann::json::exception& e) {
    fail("{}: not valid JSON: {}", path, e.what());
  } catch (const Error& e) {
    fail("{}: {}", path, e.what());
  }
}

std::string platform_signature(const Platform& platform) {
  std::string text = "host=" + platform.host;
  for (const auto& p : platform.processors) text += ";" + p.id + "/" + p.kind;
  for (size_t l = 0; l < platform.links.size(); ++l)
    text += fmt::format(";{}", platform.link_name(l));
  uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : text) hash = (hash ^ c) * 0x100000001b3ull;
  return fmt::format("{:016x}", hash);
}

}  // namespace cosched
