#include "cos/profile/wake_probe.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <queue>
#include <thread>

#include "cos/common/percentile.h"
#include "cos/exec/cpu/core_set.h"
#include "cos/runtime/hand_over.h"

namespace cosched {
namespace {

using Clock = std::chrono::steady_clock;

// Median ms from a push to its pop after the receiver sat idle `idle_ms` (0: handed over
// the moment the receiver took the previous one).
double median_handover_ms(int receiver_core, int sender_core, double idle_ms, int rounds) {
  HandOver<std::queue<Clock::time_point>, true> queue;
  std::atomic<int> taken{0};
  std::vector<double> ms;
  std::thread receiver([&] {
    pin_this_thread({receiver_core});
    Clock::time_point sent;
    while (queue.pop(sent)) {
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
      taken.fetch_add(1, std::memory_order_release);
    }
  });
  std::thread sender([&] {
    pin_this_thread({sender_core});
    const auto idle = std::chrono::duration<double, std::milli>(idle_ms);
    for (int i = 0; i < rounds; ++i) {
      while (taken.load(std::memory_order_acquire) < i) {
      }
      const auto until = Clock::now() + idle;
      while (Clock::now() < until) {
      }
      queue.push(Clock::now());
    }
    while (taken.load(std::memory_order_acquire) < rounds) {
    }
    queue.close();
  });
  sender.join();
  receiver.join();
  std::sort(ms.begin(), ms.end());
  return nearest_rank(ms, 0.5);
}

}  // namespace

std::vector<double> probe_wake_delays(int receiver_core, int sender_core,
                                      const std::vector<double>& idle_ms) {
  constexpr double kBudgetMs = 200;  // of idle per point, in rounds of at least 20
  const double busy = median_handover_ms(receiver_core, sender_core, 0, 200);
  std::vector<double> delays;
  for (double idle : idle_ms) {
    const int rounds = std::clamp(static_cast<int>(kBudgetMs / idle), 20, 200);
    delays.push_back(
        std::max(0.0, median_handover_ms(receiver_core, sender_core, idle, rounds) - busy));
  }
  return delays;
}

}  // namespace cosched
