#include "cos/exec/backends.h"

#include "cos/common/error.h"
#include "cos/exec/cpu/cpu_backend.h"
#include "cos/exec/cuda_plugin.h"
#include "cos/exec/reference/reference_backend.h"

namespace cosched {

std::unique_ptr<Backend> make_backend(const std::string& processor, bool tf32) {
  if (processor == "reference") return std::make_unique<ReferenceBackend>();
  if (processor.rfind("cpu:", 0) == 0)
    return std::make_unique<CpuBackend>(CoreSet::parse(processor));
  if (processor.rfind("cuda:", 0) == 0) {
    std::string why;
    if (const CudaPlugin* cuda = cuda_plugin(&why)) return cuda->make_backend(processor, tf32);
    fail("processor '{}': no cuda backend: {}", processor, why);
  }
  fail("processor '{}': expected cpu:<cores> (e.g. cpu:0-1), cuda:<N> or reference", processor);
}

int cuda_device_count() {
  const CudaPlugin* cuda = cuda_plugin();
  return cuda ? cuda->device_count() : 0;
}

std::vector<BackendAvailability> backend_availability() {
  std::vector<BackendAvailability> list;
  list.push_back({"reference", true, "plain loops, every op"});
  list.push_back({"cpu", true, fmt::format("oneDNN on {}", CoreSet::all().name())});
  std::string why;
  if (const CudaPlugin* cuda = cuda_plugin(&why))
    list.push_back({"cuda", cuda->device_count() > 0, cuda->devices_detail()});
  else
    list.push_back({"cuda", false, why});
  return list;
}

}  // namespace cosched
