#include "cos/exec/cuda/cuda_copy.h"

#include <cstring>
#include <mutex>

namespace cosched {
namespace {

class CopyKernel : public Kernel {
 public:
  CopyKernel(CudaContext& context, size_t bytes, bool to_host)
      : context_(context), bytes_(bytes), to_host_(to_host), staging_(bytes) {
    check_cuda(cudaEventCreateWithFlags(&ready_, cudaEventDisableTiming), "cudaEventCreate");
    check_cuda(cudaEventCreateWithFlags(&done_, cudaEventDisableTiming), "cudaEventCreate");
  }
  ~CopyKernel() override {
    cudaEventDestroy(ready_);
    cudaEventDestroy(done_);
  }
  std::string implementation() const override {
    return to_host_ ? "cuda:copy-d2h" : "cuda:copy-h2d";
  }

  void run(const KernelArgs& args) override {
    if (!args.inputs[0] || !args.outputs[0]) return;  // a value no step reads or writes
    if (to_host_)
      to_host(args.inputs[0], args.outputs[0], args.fence_follows);
    else
      to_device(args.inputs[0], args.outputs[0]);
  }

 private:
  void to_device(const void* host, void* device) {
    const void* from = host;
    if (!is_pinned(host)) {
      // The previous copy out of the staging buffer must be over before it is refilled.
      check_cuda(cudaEventSynchronize(done_), "copy-h2d");
      std::memcpy(staging_.get(), host, bytes_);
      from = staging_.get();
    }
    // Kernels queued before it may still read the memory it writes (reused by a later value).
    check_cuda(cudaEventRecord(ready_, context_.compute()), "copy-h2d");
    check_cuda(cudaStreamWaitEvent(context_.copy_in(), ready_, 0), "copy-h2d");
    check_cuda(cudaMemcpyAsync(device, from, bytes_, cudaMemcpyHostToDevice, context_.copy_in()),
               "copy-h2d");
    check_cuda(cudaEventRecord(done_, context_.copy_in()), "copy-h2d");
    check_cuda(cudaStreamWaitEvent(context_.compute(), done_, 0), "copy-h2d");
  }

  // Run by the device's worker (in the unit that writes its source); where a fence follows,
  // the compute stream waits for it instead of the host.
  void to_host(const void* device, void* host, bool fence_follows) {
    const bool direct = is_pinned(host);
    {
      std::lock_guard lock(context_.capture_mutex());
      check_cuda(cudaEventRecord(ready_, context_.compute()), "copy-d2h");
      check_cuda(cudaStreamWaitEvent(context_.copy_out(), ready_, 0), "copy-d2h");
      check_cuda(cudaMemcpyAsync(direct ? host : staging_.get(), device, bytes_,
                                 cudaMemcpyDeviceToHost, context_.copy_out()),
                 "copy-d2h");
      check_cuda(cudaEventRecord(done_, context_.copy_out()), "copy-d2h");
      if (fence_follows && direct) {
        check_cuda(cudaStreamWaitEvent(context_.compute(), done_, 0), "copy-d2h");
        return;
      }
    }
    check_cuda(cudaEventSynchronize(done_), "copy-d2h");
    if (!direct) std::memcpy(host, staging_.get(), bytes_);
  }

  CudaContext& context_;
  size_t bytes_;
  bool to_host_;
  PinnedBuffer staging_;
  cudaEvent_t ready_ = nullptr, done_ = nullptr;
};

}  // namespace

bool is_pinned(const void* pointer) {
  cudaPointerAttributes attributes{};
  if (cudaPointerGetAttributes(&attributes, pointer) != cudaSuccess) {
    cudaGetLastError();
    return false;
  }
  return attributes.type == cudaMemoryTypeHost;
}

std::unique_ptr<Kernel> make_copy_kernel(CudaContext& context, size_t bytes, bool to_host) {
  return std::make_unique<CopyKernel>(context, bytes, to_host);
}

}  // namespace cosched
