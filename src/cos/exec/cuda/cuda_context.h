#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <cstddef>
#include <mutex>
#include <string>

namespace cosched {

// Throw cosched::Error with `what` and the library's message when a call failed.
void check_cuda(cudaError_t status, const char* what);
void check_cudnn(cudnnStatus_t status, const char* what);
void check_cublas(cublasStatus_t status, const char* what);

// The GPUs visible to this process, or why there are none.
struct CudaDevices {
  int count = 0;
  std::string detail;  // "1 × NVIDIA H100 80GB HBM3 (sm_90, 79.1 GiB)" or the reason
};
CudaDevices cuda_devices();
// "cuda:N" -> N; throws naming the text when it is malformed or no such GPU is visible.
int parse_cuda_device(const std::string& processor);

// Device memory, owned; moves only.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t bytes);
  DeviceBuffer(DeviceBuffer&& other) noexcept { swap(other); }
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept {
    swap(other);
    return *this;
  }
  ~DeviceBuffer();
  void* get() const { return data_; }
  size_t size() const { return size_; }
  // Copies host bytes in (synchronously: for weights, at compile time).
  static DeviceBuffer upload(const void* host, size_t bytes);

 private:
  void swap(DeviceBuffer& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
  }
  void* data_ = nullptr;
  size_t size_ = 0;
};

// Page-locked host memory, owned, so that copies run asynchronously at full bandwidth.
class PinnedBuffer {
 public:
  explicit PinnedBuffer(size_t bytes);
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
  ~PinnedBuffer();
  void* get() const { return data_; }

 private:
  void* data_ = nullptr;
};

// What every kernel of one cuda processor shares: the device, a compute stream, a stream for
// copies in and one for copies out, the cuDNN and cuBLAS handles bound to the compute
// stream, and one workspace (kernels of one processor run one after the other on its
// compute stream). Copies out have their own stream: a copy in waits for the compute
// queued before it (the memory it writes may still be read), and a copy out behind it on
// one stream would wait for that too.
class CudaContext {
 public:
  CudaContext(int device, bool tf32);
  CudaContext(const CudaContext&) = delete;
  CudaContext& operator=(const CudaContext&) = delete;
  ~CudaContext();

  int device() const { return device_; }
  bool tf32() const { return tf32_; }
  cudaStream_t compute() const { return compute_; }
  cudaStream_t copy_in() const { return copy_in_; }
  cudaStream_t copy_out() const { return copy_out_; }
  cudnnHandle_t cudnn() const { return cudnn_; }
  cublasHandle_t cublas() const { return cublas_; }
  // A workspace of at least `bytes`; grows (only at compile time) and stays.
  void* workspace(size_t bytes);
  size_t workspace_size() const { return workspace_.size(); }
  void bind() const;  // makes device() current on the calling thread
  // Held while the compute stream is recorded (a stream capture takes in work that any
  // thread queues on the stream): other threads queue nothing on it meanwhile.
  std::mutex& capture_mutex() { return capture_mutex_; }

 private:
  std::mutex capture_mutex_;
  int device_;
  bool tf32_;
  cudaStream_t compute_ = nullptr, copy_in_ = nullptr, copy_out_ = nullptr;
  cudnnHandle_t cudnn_ = nullptr;
  cublasHandle_t cublas_ = nullptr;
  DeviceBuffer workspace_;
  DeviceBuffer cublas_workspace_;  // set up front: cuBLAS then allocates nothing while recorded
};

}  // namespace cosched
