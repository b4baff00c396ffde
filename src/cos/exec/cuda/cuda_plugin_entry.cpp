#include "cos/exec/cuda/cuda_backend.h"
#include "cos/exec/cuda_plugin.h"

namespace cosched {
namespace {

std::unique_ptr<Backend> make_cuda_backend(const std::string& processor, bool tf32) {
  return std::make_unique<CudaBackend>(parse_cuda_device(processor), tf32);
}

const CudaPlugin plugin{
    make_cuda_backend,
    [] { return cuda_devices().count; },
    [] { return cuda_devices().detail; },
};

}  // namespace
}  // namespace cosched

// What libcos_core.so looks up after loading this library.
extern "C" const cosched::CudaPlugin* cos_cuda_plugin() {
  return &cosched::plugin;
}
