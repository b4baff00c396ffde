#include "support/host_device.h"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <utility>

#include "cos/common/error.h"
#include "cos/exec/cpu/core_set.h"

namespace cosched::test {
namespace {

// Runs `inner` after checking where its non-constant inputs and its outputs lie.
class CheckedKernel : public Kernel {
 public:
  using Where = std::function<bool(const void*)>;
  CheckedKernel(std::unique_ptr<Kernel> inner, std::vector<bool> constant, Where input_ok,
                Where output_ok)
      : inner_(std::move(inner)),
        constant_(std::move(constant)),
        input_ok_(std::move(input_ok)),
        output_ok_(std::move(output_ok)) {}
  void run(const KernelArgs& args) override {
    for (size_t i = 0; i < args.inputs.size(); ++i)
      if (args.inputs[i] && !(i < constant_.size() && constant_[i]) && !input_ok_(args.inputs[i]))
        fail("{}: input {} is in the other side's memory", implementation(), i);
    for (size_t i = 0; i < args.outputs.size(); ++i)
      if (args.outputs[i] && !output_ok_(args.outputs[i]))
        fail("{}: output {} is in the other side's memory", implementation(), i);
    inner_->run(args);
  }
  std::string implementation() const override { return inner_->implementation(); }

 private:
  std::unique_ptr<Kernel> inner_;
  std::vector<bool> constant_;
  Where input_ok_, output_ok_;
};

// A device kernel: run, queued or recorded as its device's memory says.
class DeviceKernel : public Kernel {
 public:
  DeviceKernel(std::unique_ptr<Kernel> inner, DeviceMemory& memory)
      : inner_(std::move(inner)), memory_(memory) {}
  void run(const KernelArgs& args) override {
    memory_.launch([this, args] { inner_->run(args); });
  }
  std::string implementation() const override { return inner_->implementation(); }

 private:
  std::unique_ptr<Kernel> inner_;
  DeviceMemory& memory_;
};

class RecordedKernels : public Recording {
 public:
  RecordedKernels(std::vector<std::function<void()>> kernels, DeviceMemory& memory)
      : kernels_(std::move(kernels)), memory_(memory) {}
  void replay() override {
    ++memory_.replays;
    for (auto& kernel : kernels_) memory_.launch(kernel);
  }

 private:
  std::vector<std::function<void()>> kernels_;
  DeviceMemory& memory_;
};

class CopyKernel : public Kernel {
 public:
  CopyKernel(size_t bytes, bool to_host, DeviceMemory& memory)
      : bytes_(bytes), to_host_(to_host), memory_(memory) {}
  void run(const KernelArgs& args) override {
    std::unique_lock lock(memory_.capture_mutex, std::defer_lock);
    if (to_host_) lock.lock();
    if (memory_.recording) fail("{}: a copy while the device records", implementation());
    if (!args.inputs[0] || !args.outputs[0]) return;
    ++memory_.copies;
    memory_.record_copy_thread();
    memory_.launch([bytes = bytes_, args] { std::memcpy(args.outputs[0], args.inputs[0], bytes); });
    if (to_host_ && !args.fence_follows && memory_.stream) {
      ++memory_.copies_waited;
      memory_.stream->wait();  // as a copy to the host does
    }
  }
  std::string implementation() const override {
    return to_host_ ? "test-device:copy-d2h" : "test-device:copy-h2d";
  }

 private:
  size_t bytes_;
  bool to_host_;
  DeviceMemory& memory_;
};

std::vector<bool> constant_inputs(const Graph& graph, std::span<const Node* const> group) {
  std::vector<bool> constant;
  for (const Node* node : group)
    for (int v : node->inputs) constant.push_back(v >= 0 && graph.values[v].is_constant());
  return constant;
}

}  // namespace

StandInStream::StandInStream() : thread_([this] { serve(); }) {}

StandInStream::~StandInStream() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

uint64_t StandInStream::enqueue(std::function<void()> work) {
  uint64_t ticket = 0;
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(work));
    ticket = ++queued_;
  }
  changed_.notify_all();
  return ticket;
}

void StandInStream::wait_until(uint64_t ticket) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return served_ >= ticket; });
  if (error_ && error_ticket_ <= ticket) std::rethrow_exception(std::exchange(error_, nullptr));
}

void StandInStream::wait() {
  uint64_t ticket = 0;
  {
    std::lock_guard lock(mutex_);
    ticket = queued_;
  }
  wait_until(ticket);
}

void StandInStream::serve() {
  for (int n = 0;; ++n) {
    std::function<void()> work;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      work = std::move(queue_.front());
      queue_.pop_front();
    }
    if (n % 8 == 0) std::this_thread::sleep_for(std::chrono::microseconds(50));
    try {
      work();
    } catch (...) {
      std::lock_guard lock(mutex_);
      if (!error_) {
        error_ = std::current_exception();
        error_ticket_ = served_ + 1;
      }
    }
    {
      std::lock_guard lock(mutex_);
      ++served_;
    }
    changed_.notify_all();
  }
}

void DeviceMemory::launch(std::function<void()> work) {
  if (recording)
    recorded.push_back(std::move(work));
  else if (stream)
    stream->enqueue(std::move(work));
  else
    work();
}

void* DeviceMemory::allocate(size_t bytes) {
  void* pointer = std::aligned_alloc(64, (std::max<size_t>(bytes, 1) + 63) / 64 * 64);
  std::lock_guard lock(mutex_);
  blocks_[static_cast<const std::byte*>(pointer)] = bytes;
  return pointer;
}

void DeviceMemory::deallocate(void* pointer) {
  if (!pointer) return;
  {
    std::lock_guard lock(mutex_);
    blocks_.erase(static_cast<const std::byte*>(pointer));
  }
  std::free(pointer);
}

bool DeviceMemory::owns(const void* pointer) const {
  const auto* at = static_cast<const std::byte*>(pointer);
  std::lock_guard lock(mutex_);
  auto block = blocks_.upper_bound(at);
  if (block == blocks_.begin()) return false;
  --block;
  return at < block->first + std::max<size_t>(block->second, 1);
}

std::vector<int> DeviceMemory::copy_thread_cores() const {
  std::lock_guard lock(mutex_);
  return copy_thread_cores_;
}

void DeviceMemory::record_copy_thread() {
  std::vector<int> cores = thread_cores();
  std::lock_guard lock(mutex_);
  copy_thread_cores_ = std::move(cores);
}

std::unique_ptr<Kernel> HostAsDevice::compile(const Graph& graph,
                                              std::span<const Node* const> group) {
  auto mine = [memory = memory_](const void* p) { return memory->owns(p); };
  return std::make_unique<DeviceKernel>(
      std::make_unique<CheckedKernel>(reference_.compile(graph, group),
                                      constant_inputs(graph, group), mine, mine),
      *memory_);
}

bool HostAsDevice::begin_recording() {
  memory_->capture_mutex.lock();  // until end_recording()
  memory_->recording = true;
  memory_->recorded.clear();
  ++memory_->recordings_begun;
  return true;
}

std::unique_ptr<Recording> HostAsDevice::end_recording() {
  memory_->recording = false;
  auto recording = std::make_unique<RecordedKernels>(std::move(memory_->recorded), *memory_);
  memory_->capture_mutex.unlock();
  if (memory_->recordings_to_fail > 0) {
    --memory_->recordings_to_fail;
    return nullptr;
  }
  return recording;
}

namespace {
class StreamFence : public Fence {
 public:
  StreamFence(StandInStream& stream, uint64_t ticket) : stream_(stream), ticket_(ticket) {}
  void wait() override { stream_.wait_until(ticket_); }

 private:
  StandInStream& stream_;
  uint64_t ticket_;
};
}  // namespace

// On a stream: a fence after the work queued so far (an empty work item marks it).
std::unique_ptr<Fence> HostAsDevice::fence() {
  if (!memory_->stream) return Backend::fence();
  return std::make_unique<StreamFence>(*memory_->stream, memory_->stream->enqueue([] {}));
}

std::unique_ptr<Kernel> HostAsDevice::copy_kernel(size_t bytes, bool to_host) {
  CheckedKernel::Where mine = [memory = memory_](const void* p) { return memory->owns(p); };
  CheckedKernel::Where host = [memory = memory_](const void* p) { return !memory->owns(p); };
  return std::make_unique<CheckedKernel>(std::make_unique<CopyKernel>(bytes, to_host, *memory_),
                                         std::vector<bool>{}, to_host ? mine : host,
                                         to_host ? host : mine);
}

std::unique_ptr<Kernel> HostOutsideDevice::compile(const Graph& graph,
                                                   std::span<const Node* const> group) {
  auto host = [memory = memory_](const void* p) { return !memory->owns(p); };
  return std::make_unique<CheckedKernel>(reference_.compile(graph, group), std::vector<bool>{},
                                         host, host);
}

}  // namespace cosched::test
