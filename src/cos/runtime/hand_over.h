#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <utility>

namespace cosched {

// How long a spinning thread with nothing to do waits before it sleeps. A unit handed over
// later than this waits for the thread to wake (measured by the profiler: `wake_probe.h`).
inline constexpr std::chrono::microseconds kHandOverSpin{50};

// Items handed to a thread: pop() waits, and returns false once closed and empty. With
// `spins`, a thread with nothing to do spins for a moment before it sleeps: a unit handed
// over from another processor then starts without the wake-up of a sleeping thread.
template <class Queue, bool spins>
class HandOver {
 public:
  using Item = typename Queue::value_type;
  void push(Item item) {
    {
      std::lock_guard lock(mutex_);
      queue_.push(std::move(item));
      ++queued_;
    }
    ready_.notify_one();
  }
  bool pop(Item& item) {
    const auto until = std::chrono::steady_clock::now() + kHandOverSpin;
    for (int spin = 1; spins && queued_.load(std::memory_order_acquire) == 0 && !closed_; ++spin)
      if (spin % 64 == 0 && std::chrono::steady_clock::now() > until) break;
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return closed_ || !queue_.empty(); });
    if (queue_.empty()) return false;
    item = take();
    queue_.pop();
    --queued_;
    return true;
  }
  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    ready_.notify_all();
  }

 private:
  Item take() {
    if constexpr (requires { queue_.top(); })
      return queue_.top();
    else
      return std::move(queue_.front());
  }

  std::mutex mutex_;
  std::condition_variable ready_;
  Queue queue_;
  std::atomic<int> queued_{0};  // the queue's size, read without the lock while spinning
  std::atomic<bool> closed_{false};
};

}  // namespace cosched
