#pragma once

#include <optional>
#include <string>

namespace cosched {

// The kernel variant the cpu backend chose by timing, per op signature, kept in a file so
// that every later compile of the same op on this machine takes the same kernel: a profile
// then describes the kernels later runs use, and compiles pay the timing once. The file is
// $COS_KERNEL_CACHE, else $XDG_CACHE_HOME/cos/cpu-kernels.json, else
// ~/.cache/cos/cpu-kernels.json; COS_KERNEL_CACHE=off keeps choices in memory only.
// Thread-safe; choices made in this process are written back when it exits.
std::optional<int> cached_kernel_choice(const std::string& key);
void remember_kernel_choice(const std::string& key, int variant);

}  // namespace cosched
