#include "cos/exec/cuda_plugin.h"

#include <dlfcn.h>
#include <fmt/format.h>

#include <filesystem>

namespace cosched {
namespace {

constexpr const char* plugin_file = "libcos_cuda.so";

struct Loaded {
  const CudaPlugin* plugin = nullptr;
  std::string why;
};

// The folder libcos_core.so was loaded from: the plugin is built and installed beside it.
std::filesystem::path core_folder() {
  Dl_info info{};
  if (!dladdr(reinterpret_cast<void*>(&cuda_plugin), &info) || !info.dli_fname) return {};
  return std::filesystem::path(info.dli_fname).parent_path();
}

Loaded load() {
  const std::filesystem::path path = core_folder() / plugin_file;
  if (!std::filesystem::exists(path))
    return {nullptr, fmt::format("not compiled in ({} is not beside libcos_core.so: configure "
                                 "with the CUDA toolkit)",
                                 plugin_file)};
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) return {nullptr, fmt::format("{} does not load: {}", path.string(), dlerror())};
  using Entry = const CudaPlugin* (*)();
  auto entry = reinterpret_cast<Entry>(dlsym(handle, "cos_cuda_plugin"));
  if (!entry) return {nullptr, fmt::format("{} has no cos_cuda_plugin entry", path.string())};
  return {entry(), ""};
}

}  // namespace

const CudaPlugin* cuda_plugin(std::string* why) {
  static const Loaded loaded = load();  // once, thread-safe
  if (why) *why = loaded.why;
  return loaded.plugin;
}

}  // namespace cosched
