#pragma once

#include <memory>

#include "cos/exec/cuda/cuda_context.h"
#include "cos/exec/kernel.h"

namespace cosched {

// A copy step between host memory (args.inputs[0] or args.outputs[0]) and device memory.
// It runs on the context's copy-in or copy-out stream, ordered with the compute stream by events: a
// host-to-device copy makes later compute wait for it; a device-to-host copy waits for the
// compute queued before it, and returns once the bytes are in host memory (or at once where
// KernelArgs says a fence follows). Pinned host memory is copied directly; other
// memory goes through a pinned staging buffer.
std::unique_ptr<Kernel> make_copy_kernel(CudaContext& context, size_t bytes, bool to_host);

// Whether `pointer` is page-locked host memory (copies from it run at full bandwidth).
bool is_pinned(const void* pointer);

}  // namespace cosched
