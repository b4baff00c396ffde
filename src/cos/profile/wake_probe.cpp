#include "cos/profile/wake_probe.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <queue>
#include <thread>

#include "cos/common/error.h"
#include "cos/common/percentile.h"
#include "cos/exec/cpu/core_set.h"
#include "cos/runtime/hand_over.h"

namespace cosched {
namespace {

using Clock = std::chrono::steady_clock;

// Median ms from a push to its pop after the receiver sat idle `idle_ms`.
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

std::vector<double> probe_pickup_ms(int receiver_core, int sender_core,
                                    const std::vector<double>& idle_ms) {
  constexpr double kIdleBudgetMs = 200;  // per point: fewer rounds for long spells
  std::vector<double> pickups;
  for (double idle : idle_ms) {
    if (!(idle > 0)) fail("wake-up probe: idle spell {} ms, expected above 0", idle);
    const int rounds = static_cast<int>(std::clamp(kIdleBudgetMs / idle, 40.0, 200.0));
    pickups.push_back(median_handover_ms(receiver_core, sender_core, idle, rounds));
  }
  return pickups;
}

}  // namespace cosched
