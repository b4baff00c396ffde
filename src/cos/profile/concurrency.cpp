#include "cos/profile/concurrency.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "cos/exec/cpu/core_set.h"
#include "cos/profile/stats.h"

namespace cosched {

double handoff_ms(const std::string& a, const std::string& b) {
  constexpr int kRounds = 200;
  std::mutex mutex;
  std::condition_variable changed;
  int turn = 0;  // 0: a's turn, 1: b's turn
  std::vector<double> round_trips;
  std::thread other([&] {
    pin_threads(CoreSet::parse(b));
    for (int i = 0; i < kRounds; ++i) {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return turn == 1; });
      turn = 0;
      changed.notify_all();
    }
  });
  std::thread self([&] {
    pin_threads(CoreSet::parse(a));
    for (int i = 0; i < kRounds; ++i) {
      auto start = std::chrono::steady_clock::now();
      std::unique_lock lock(mutex);
      turn = 1;
      changed.notify_all();
      changed.wait(lock, [&] { return turn == 0; });
      round_trips.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count());
    }
  });
  self.join();
  other.join();
  return summarize_spread(round_trips).median_ms / 2;
}

}  // namespace cosched
