#include "cos/exec/cpu/kernel_choices.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "cos/exec/cpu/core_set.h"

namespace cosched {
namespace {

std::string cache_path() {
  if (const char* path = std::getenv("COS_KERNEL_CACHE")) return path;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::string(xdg) + "/cos/cpu-kernels.json";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::string(home) + "/.cache/cos/cpu-kernels.json";
  return "off";
}

// Raised when a kernel's speed changes enough that choices made before should be timed
// again (2: SiLU and softmax on AVX2 several times faster).
constexpr int kKernelGeneration = 2;

// The choices of the file (read once) and of this process; written back at exit, merged
// with what other processes wrote meanwhile.
class Store {
 public:
  Store() : path_(cache_path()), machine_(fmt::format("{}|{}|", cpu_model(), kKernelGeneration)) {
    if (path_ != "off") read(choices_);
  }
  ~Store() {
    if (path_ == "off" || added_.empty()) return;
    std::map<std::string, int> merged;
    read(merged);
    for (const auto& [key, variant] : added_) merged[key] = variant;
    std::error_code error;
    std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), error);
    const std::string temporary = path_ + "." + std::to_string(getpid());
    std::ofstream(temporary) << nlohmann::json(merged).dump(1);
    std::filesystem::rename(temporary, path_, error);  // a cache: failing to write is harmless
  }
  std::optional<int> find(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto it = choices_.find(machine_ + key);
    return it == choices_.end() ? std::nullopt : std::optional<int>(it->second);
  }
  void remember(const std::string& key, int variant) {
    std::lock_guard lock(mutex_);
    choices_[machine_ + key] = added_[machine_ + key] = variant;
  }

 private:
  void read(std::map<std::string, int>& into) const {
    std::ifstream file(path_);
    if (!file) return;
    try {
      const nlohmann::json json = nlohmann::json::parse(file);  // outlives the loop
      for (const auto& [key, variant] : json.items()) into[key] = variant.get<int>();
    } catch (const std::exception&) {  // a damaged cache is rebuilt
    }
  }

  std::string path_, machine_;
  std::mutex mutex_;
  std::map<std::string, int> choices_, added_;
};

Store& store() {
  static Store store;
  return store;
}

}  // namespace

std::optional<int> cached_kernel_choice(const std::string& key) {
  return store().find(key);
}

void remember_kernel_choice(const std::string& key, int variant) {
  store().remember(key, variant);
}

}  // namespace cosched
