#include "cos/exec/backends.h"

#include "cos/common/error.h"
#include "cos/exec/cpu/cpu_backend.h"
#include "cos/exec/reference/reference_backend.h"
#ifdef COS_WITH_CUDA
#include "cos/exec/cuda/cuda_backend.h"
#endif

namespace cosched {

std::unique_ptr<Backend> make_backend(const std::string& processor, bool tf32) {
  if (processor == "reference") return std::make_unique<ReferenceBackend>();
  if (processor.rfind("cpu:", 0) == 0)
    return std::make_unique<CpuBackend>(CoreSet::parse(processor));
  if (processor.rfind("cuda:", 0) == 0) {
#ifdef COS_WITH_CUDA
    return std::make_unique<CudaBackend>(parse_cuda_device(processor), tf32);
#else
    fail("processor '{}': this build has no cuda backend (configure with the CUDA toolkit)",
         processor);
#endif
  }
  fail("processor '{}': expected cpu:<cores> (e.g. cpu:0-1), cuda:<N> or reference", processor);
}

int cuda_device_count() {
#ifdef COS_WITH_CUDA
  return cuda_devices().count;
#else
  return 0;
#endif
}

std::vector<BackendAvailability> backend_availability() {
  std::vector<BackendAvailability> list;
  list.push_back({"reference", true, "plain loops, every op"});
  list.push_back({"cpu", true, fmt::format("oneDNN on {}", CoreSet::all().name())});
#ifdef COS_WITH_CUDA
  CudaDevices devices = cuda_devices();
  list.push_back({"cuda", devices.count > 0, devices.detail});
#else
  list.push_back({"cuda", false, "not compiled in (no CUDA toolkit at configure time)"});
#endif
  return list;
}

}  // namespace cosched
