#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cos/exec/kernel.h"

namespace cosched {

// A backend that can run on this machine now, or why not.
struct BackendAvailability {
  std::string name;  // "reference", "cpu", "cuda"
  bool available = false;
  std::string detail;  // devices or cores found, or the reason it is unavailable
};

// The backend for one processor id: "cpu:<cores>" (the cpu backend pinned to those cores),
// "cuda:<N>" (the cuda backend on GPU N) or "reference". Throws cosched::Error naming
// `processor` when it is malformed or not present on this machine. `tf32` lets the cuda
// backend's convolutions and products use TF32 tensor cores (FP32 otherwise).
std::unique_ptr<Backend> make_backend(const std::string& processor, bool tf32 = false);

// Every backend compiled into this build, with whether it can run here.
std::vector<BackendAvailability> backend_availability();

// The number of CUDA devices visible (0 without the cuda backend or without a GPU).
int cuda_device_count();

}  // namespace cosched
