#pragma once

#include <memory>
#include <string>

#include "cos/exec/kernel.h"

namespace cosched {

// What the cuda backend plugin (libcos_cuda.so) offers. It is a library of its own, loaded
// on first use, so that a run on CPUs alone never loads cuDNN and cuBLAS.
struct CudaPlugin {
  std::unique_ptr<Backend> (*make_backend)(const std::string& processor, bool tf32);
  int (*device_count)();
  std::string (*devices_detail)();  // the GPUs found, or why there are none
};

// The plugin, loaded once from beside libcos_core.so; nullptr when it is absent or does not
// load, with the reason in `why`.
const CudaPlugin* cuda_plugin(std::string* why = nullptr);

}  // namespace cosched
