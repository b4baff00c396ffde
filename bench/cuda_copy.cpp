// Host-device copy bandwidth: cos's copy steps (copy stream, events; pinned memory copied
// directly, other memory staged) against a plain pinned cudaMemcpyAsync loop, side by side.
// Usage: bench_cuda_copy [--json]
#include <fmt/format.h>

#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cos/exec/backends.h"
#include "cos/exec/cuda/cuda_backend.h"
#include "cos/exec/cuda/cuda_context.h"

namespace {

using namespace cosched;
constexpr int kRounds = 20;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// GB/s of kRounds copies of `bytes` queued by `copy`, after `finish` waits for them.
template <typename Copy, typename Finish>
double bandwidth(size_t bytes, Copy copy, Finish finish) {
  copy();  // warm-up
  finish();
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRounds; ++i) copy();
  finish();
  return bytes * double(kRounds) / seconds_since(start) / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  const bool json = argc > 1 && std::string(argv[1]) == "--json";
  if (cuda_device_count() == 0) {
    fmt::print(stderr, "bench_cuda_copy: no GPU visible\n");
    return 1;
  }
  CudaBackend backend(0);
  CudaContext& context = backend.context();
  nlohmann::json rows = nlohmann::json::array();
  if (!json)
    fmt::print("{:>8}  {:>10}  {:>10}  {:>7}  {:>12}  {:>10}  {:>10}\n", "MiB", "plain h2d",
               "cos h2d", "ratio", "cos pageable", "plain d2h", "cos d2h");
  for (size_t mib : {1, 4, 16, 64, 256}) {
    const size_t bytes = mib << 20;
    PinnedBuffer pinned(bytes);
    std::vector<std::byte> pageable(bytes);
    std::memset(pinned.get(), 1, bytes);
    DeviceBuffer device(bytes);
    cudaStream_t stream = context.copy_in();  // a plain copy each way, one after the other
    auto sync = [&] { check_cuda(cudaStreamSynchronize(stream), "sync"); };
    const double plain_h2d = bandwidth(
        bytes,
        [&] { cudaMemcpyAsync(device.get(), pinned.get(), bytes, cudaMemcpyHostToDevice, stream); },
        sync);
    const double plain_d2h = bandwidth(
        bytes,
        [&] { cudaMemcpyAsync(pinned.get(), device.get(), bytes, cudaMemcpyDeviceToHost, stream); },
        sync);
    auto h2d = backend.copy_kernel(bytes, false), d2h = backend.copy_kernel(bytes, true);
    KernelArgs in{{pinned.get()}, {device.get()}}, staged{{pageable.data()}, {device.get()}},
        out{{device.get()}, {pinned.get()}};
    auto finish = [&] { backend.synchronize(); };
    const double cos_h2d = bandwidth(
        bytes, [&] { h2d->run(in); }, finish);
    const double cos_staged = bandwidth(
        bytes, [&] { h2d->run(staged); }, finish);
    const double cos_d2h = bandwidth(
        bytes, [&] { d2h->run(out); }, finish);
    rows.push_back({{"mib", mib},
                    {"plain_h2d_gbps", plain_h2d},
                    {"cos_h2d_gbps", cos_h2d},
                    {"ratio", cos_h2d / plain_h2d},
                    {"cos_pageable_h2d_gbps", cos_staged},
                    {"plain_d2h_gbps", plain_d2h},
                    {"cos_d2h_gbps", cos_d2h}});
    if (!json)
      fmt::print("{:>8}  {:>10.2f}  {:>10.2f}  {:>7.3f}  {:>12.2f}  {:>10.2f}  {:>10.2f}\n", mib,
                 plain_h2d, cos_h2d, cos_h2d / plain_h2d, cos_staged, plain_d2h, cos_d2h);
  }
  if (json) fmt::print("{}\n", nlohmann::json{{"copies", rows}}.dump(2));
  return 0;
}
