#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "cos/exec/kernel.h"
#include "cos/exec/reference/reference_backend.h"

namespace cosched::test {

// A stand-in for a device's stream: work runs in the order queued, on a thread of its own,
// pausing now and then, so that whoever reads a result without waiting for it reads it early.
class StandInStream {
 public:
  StandInStream();
  ~StandInStream();
  // Returns the work's ticket: how many were queued up to it.
  uint64_t enqueue(std::function<void()> work);
  // Until the work up to `ticket` has run; rethrows the first error of that work (once).
  void wait_until(uint64_t ticket);
  void wait();  // until everything queued has run

 private:
  void serve();

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::function<void()>> queue_;
  uint64_t queued_ = 0, served_ = 0;
  bool stopping_ = false;
  std::exception_ptr error_;  // the first error not reported yet, of the work numbered:
  uint64_t error_ticket_ = 0;
  std::thread thread_;
};

// The memory of a stand-in device: host blocks it hands out and knows again; with a
// `stream`, its kernels and copies run there, the device's worker only queueing them.
class DeviceMemory {
 public:
  // Runs `work` now, or queues it on the stream, or keeps it for the recording.
  void launch(std::function<void()> work);
  std::unique_ptr<StandInStream> stream;
  void* allocate(size_t bytes);
  void deallocate(void* pointer);
  bool owns(const void* pointer) const;
  std::atomic<int> copies{0};         // copy kernel runs so far
  std::atomic<int> copies_waited{0};  // copies to the host that waited for the whole stream
  // Recording, as a CUDA stream capture: kernels run while `recording` are kept, not run;
  // a copy then fails (it waits on another stream). The device's worker alone records.
  bool recording = false;
  // Held while recording (as CudaContext's): a copy to the host from another thread waits.
  std::mutex capture_mutex;
  std::vector<std::function<void()>> recorded;
  std::atomic<int> replays{0};  // recordings replayed so far
  int recordings_to_fail = 0;   // the next ones end with nothing to replay, as a broken capture
  int recordings_begun = 0;
  // The cores the thread that launched the latest copy could run on.
  std::vector<int> copy_thread_cores() const;
  void record_copy_thread();

 private:
  mutable std::mutex mutex_;
  std::map<const std::byte*, size_t> blocks_;
  std::vector<int> copy_thread_cores_;
};

// The reference kernels beside a stand-in device's memory: the two backends below.
class ReferenceBesideDevice : public Backend {
 public:
  explicit ReferenceBesideDevice(std::shared_ptr<DeviceMemory> memory)
      : memory_(std::move(memory)) {}
  bool supports(const Graph& graph, const Node& node) const override {
    return reference_.supports(graph, node);
  }

 protected:
  std::shared_ptr<DeviceMemory> memory_;
  ReferenceBackend reference_;
};

// A device backend for machines without a GPU: the reference kernels behind a device's
// interface. Its arenas come from `memory`, its copies are memcpy, and each of its kernels
// fails unless everything it reads or writes (constants aside, which a device uploads when
// it compiles) lies in that memory, as a real device's kernels would need.
class HostAsDevice : public ReferenceBesideDevice {
 public:
  using ReferenceBesideDevice::ReferenceBesideDevice;
  std::string name() const override { return "test-device"; }
  std::unique_ptr<Kernel> compile(const Graph& graph, std::span<const Node* const> group) override;
  bool on_host() const override { return false; }
  void* allocate(size_t bytes) override { return memory_->allocate(bytes); }
  void deallocate(void* pointer) override { memory_->deallocate(pointer); }
  std::unique_ptr<Kernel> copy_kernel(size_t bytes, bool to_host) override;
  void synchronize() override {
    if (memory_->stream) memory_->stream->wait();
  }
  std::unique_ptr<Fence> fence() override;
  bool begin_recording() override;
  std::unique_ptr<Recording> end_recording() override;
};

// The reference backend on the host, its kernels failing if they touch `memory`.
class HostOutsideDevice : public ReferenceBesideDevice {
 public:
  using ReferenceBesideDevice::ReferenceBesideDevice;
  std::string name() const override { return "test-host"; }
  std::unique_ptr<Kernel> compile(const Graph& graph, std::span<const Node* const> group) override;
};

}  // namespace cosched::test
