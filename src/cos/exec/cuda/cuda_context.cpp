#include "cos/exec/cuda/cuda_context.h"

#include <fmt/format.h>

#include "cos/common/error.h"

namespace cosched {

void check_cuda(cudaError_t status, const char* what) {
  if (status != cudaSuccess) fail("cuda: {}: {}", what, cudaGetErrorString(status));
}

void check_cudnn(cudnnStatus_t status, const char* what) {
  if (status != CUDNN_STATUS_SUCCESS) fail("cuDNN: {}: {}", what, cudnnGetErrorString(status));
}

void check_cublas(cublasStatus_t status, const char* what) {
  if (status != CUBLAS_STATUS_SUCCESS) fail("cuBLAS: {}: {}", what, cublasGetStatusString(status));
}

CudaDevices cuda_devices() {
  CudaDevices devices;
  cudaError_t status = cudaGetDeviceCount(&devices.count);
  if (status != cudaSuccess) {
    cudaGetLastError();  // clear it
    devices.count = 0;
    devices.detail = fmt::format("no GPU: {}", cudaGetErrorString(status));
    return devices;
  }
  if (devices.count == 0) {
    devices.detail = "no GPU visible";
    return devices;
  }
  cudaDeviceProp prop{};
  check_cuda(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
  devices.detail =
      fmt::format("{} x {} (sm_{}{}, {:.1f} GiB), cuDNN {}", devices.count, prop.name, prop.major,
                  prop.minor, prop.totalGlobalMem / double(1 << 30), cudnnGetVersion());
  return devices;
}

int parse_cuda_device(const std::string& processor) {
  const std::string digits = processor.substr(5);
  if (processor.rfind("cuda:", 0) != 0 || digits.empty() || digits.size() > 3 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    fail("processor '{}': expected cuda:<N>, e.g. cuda:0", processor);
  const int device = std::stoi(digits);
  CudaDevices devices = cuda_devices();
  if (device >= devices.count)
    fail("processor '{}': not present ({})", processor,
         devices.count ? fmt::format("{} GPU(s) visible", devices.count) : devices.detail);
  return device;
}

DeviceBuffer::DeviceBuffer(size_t bytes) : size_(bytes) {
  if (bytes > 0) check_cuda(cudaMalloc(&data_, bytes), "cudaMalloc");
}

DeviceBuffer::~DeviceBuffer() {
  if (data_) cudaFree(data_);
}

DeviceBuffer DeviceBuffer::upload(const void* host, size_t bytes) {
  DeviceBuffer buffer(bytes);
  if (bytes > 0)
    check_cuda(cudaMemcpy(buffer.get(), host, bytes, cudaMemcpyHostToDevice), "upload");
  return buffer;
}

PinnedBuffer::PinnedBuffer(size_t bytes) {
  check_cuda(cudaMallocHost(&data_, bytes > 0 ? bytes : 1), "cudaMallocHost");
}

PinnedBuffer::~PinnedBuffer() {
  cudaFreeHost(data_);
}

CudaContext::CudaContext(int device, bool tf32) : device_(device), tf32_(tf32) {
  bind();
  check_cuda(cudaStreamCreateWithFlags(&compute_, cudaStreamNonBlocking), "compute stream");
  check_cuda(cudaStreamCreateWithFlags(&copy_in_, cudaStreamNonBlocking), "copy-in stream");
  check_cuda(cudaStreamCreateWithFlags(&copy_out_, cudaStreamNonBlocking), "copy-out stream");
  check_cudnn(cudnnCreate(&cudnn_), "cudnnCreate");
  check_cudnn(cudnnSetStream(cudnn_, compute_), "cudnnSetStream");
  check_cublas(cublasCreate(&cublas_), "cublasCreate");
  check_cublas(cublasSetStream(cublas_, compute_), "cublasSetStream");
  cublas_workspace_ = DeviceBuffer(size_t(32) << 20);
  check_cublas(cublasSetWorkspace(cublas_, cublas_workspace_.get(), cublas_workspace_.size()),
               "cublasSetWorkspace");
  // FP32 stays FP32 unless asked: TF32 tensor cores round inputs to 10 mantissa bits.
  check_cublas(cublasSetMathMode(cublas_, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH),
               "cublasSetMathMode");
}

CudaContext::~CudaContext() {
  cudaSetDevice(device_);
  if (cublas_) cublasDestroy(cublas_);
  if (cudnn_) cudnnDestroy(cudnn_);
  if (copy_out_) cudaStreamDestroy(copy_out_);
  if (copy_in_) cudaStreamDestroy(copy_in_);
  if (compute_) cudaStreamDestroy(compute_);
}

void* CudaContext::workspace(size_t bytes) {
  if (bytes > workspace_.size()) {
    check_cuda(cudaStreamSynchronize(compute_), "workspace");
    workspace_ = DeviceBuffer(bytes);
  }
  return workspace_.get();
}

void CudaContext::bind() const {
  check_cuda(cudaSetDevice(device_), "cudaSetDevice");
}

}  // namespace cosched
