#include "cos/profile/link_probe.h"

#include <chrono>
#include <memory>

#include "cos/exec/backends.h"
#include "cos/profile/stats.h"

namespace cosched {

std::vector<std::pair<double, double>> copy_points(const std::string& device, bool to_device) {
  std::unique_ptr<Backend> backend = make_backend(device);
  backend->bind_thread();
  std::vector<std::pair<double, double>> points;
  for (size_t bytes = size_t(4) << 10; bytes <= size_t(32) << 20; bytes *= 8) {
    void* host = backend->allocate_host(bytes);
    void* on_device = backend->allocate(bytes);
    std::unique_ptr<Kernel> copy = backend->copy_kernel(bytes, !to_device);
    KernelArgs args{{to_device ? host : on_device}, {to_device ? on_device : host}};
    std::vector<double> samples;
    for (int i = 0; i < 12; ++i) {
      auto start = std::chrono::steady_clock::now();
      copy->run(args);
      backend->synchronize();
      if (i >= 2)  // warm-up
        samples.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count());
    }
    points.emplace_back(static_cast<double>(bytes), summarize_spread(samples).median_ms);
    backend->deallocate(on_device);
    backend->deallocate_host(host);
  }
  return points;
}

}  // namespace cosched
