#include "cos/exec/cpu/core_set.h"

#include <omp.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <numeric>

#include "cos/common/error.h"

namespace cosched {
namespace {

// The online cores (not the calling thread's mask: pinned threads parse core sets too).
std::vector<int> allowed_cores() {
  std::vector<int> cores(static_cast<size_t>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN))));
  std::iota(cores.begin(), cores.end(), 0);
  return cores;
}

int parse_core(const std::string& text, const std::string& part) {
  int value = -1;
  auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
  if (ec != std::errc() || end != part.data() + part.size() || value < 0)
    fail("processor '{}': expected cpu:N, cpu:N-M or cpu:N,M", text);
  return value;
}

}  // namespace

std::vector<int> thread_cores() {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  std::vector<int> cores;
  if (sched_getaffinity(0, sizeof(mask), &mask) == 0)
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &mask)) cores.push_back(c);
  return cores;
}

CoreSet CoreSet::parse(const std::string& text) {
  CoreSet set = parse_any(text);
  std::vector<int> allowed = allowed_cores();
  for (int c : set.cores)
    if (!std::binary_search(allowed.begin(), allowed.end(), c))
      fail("processor '{}': core {} is not available (this machine has {} cores)", text, c,
           allowed.size());
  return set;
}

CoreSet CoreSet::parse_any(const std::string& text) {
  if (text.rfind("cpu:", 0) != 0) fail("processor '{}': expected cpu:N, cpu:N-M or cpu:N,M", text);
  CoreSet set;
  std::string list = text.substr(4);
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    std::string part =
        list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t dash = part.find('-');
    int lo = parse_core(text, part.substr(0, dash));
    int hi = dash == std::string::npos ? lo : parse_core(text, part.substr(dash + 1));
    if (hi < lo) fail("processor '{}': empty range {}", text, part);
    for (int c = lo; c <= hi; ++c) set.cores.push_back(c);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  std::sort(set.cores.begin(), set.cores.end());
  set.cores.erase(std::unique(set.cores.begin(), set.cores.end()), set.cores.end());
  return set;
}

CoreSet CoreSet::all() {
  return CoreSet{allowed_cores()};
}

std::string CoreSet::name() const {
  std::string text = "cpu:";
  for (size_t i = 0; i < cores.size();) {
    size_t j = i;
    while (j + 1 < cores.size() && cores[j + 1] == cores[j] + 1) ++j;
    if (i > 0) text += ',';
    text += std::to_string(cores[i]);
    if (j > i) text += '-' + std::to_string(cores[j]);
    i = j + 1;
  }
  return text;
}

void pin_threads(const CoreSet& set) {
  omp_set_dynamic(0);
  omp_set_num_threads(set.threads());
#pragma omp parallel num_threads(set.threads())
  pin_this_thread({set.cores[omp_get_thread_num()]});
}

void pin_this_thread(const std::vector<int>& cores) {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  for (int core : cores) CPU_SET(core, &mask);
  sched_setaffinity(0, sizeof(mask), &mask);
}

std::vector<int> cores_outside(const std::vector<std::string>& processors) {
  std::vector<int> spare = CoreSet::all().cores;
  for (const std::string& id : processors)
    for (int core : CoreSet::parse_any(id).cores)
      spare.erase(std::remove(spare.begin(), spare.end(), core), spare.end());
  return spare;
}

std::string cpu_model() {
  std::ifstream info("/proc/cpuinfo");
  std::string line;
  while (std::getline(info, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "unknown cpu";
}

void release_threads() {
  omp_pause_resource_all(omp_pause_soft);
  pin_this_thread(CoreSet::all().cores);
}

std::vector<std::vector<int>> team_affinity() {
  std::vector<std::vector<int>> result(omp_get_max_threads());
#pragma omp parallel
  result[omp_get_thread_num()] = thread_cores();
  return result;
}

}  // namespace cosched
