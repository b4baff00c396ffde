#include "cos/profile/concurrency.h"

#include <algorithm>
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

namespace {

// Runs fn on a thread of its own pinned to the first core of `processor`.
template <typename Fn>
void on_core(const std::string& processor, Fn&& fn) {
  std::thread thread([&] {
    pin_this_thread({CoreSet::parse(processor).cores.front()});
    fn();
  });
  thread.join();
}

// Reads one float per cache line, in ms.
double read_ms(const std::vector<float>& data) {
  const auto start = std::chrono::steady_clock::now();
  float sum = 0;
  for (size_t i = 0; i < data.size(); i += 16) sum += data[i];
  volatile float sink = sum;
  (void)sink;
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace

std::vector<std::pair<double, double>> cross_read_points(const std::string& writer,
                                                         const std::string& reader) {
  constexpr int kRounds = 15;
  std::vector<std::pair<double, double>> points;
  for (size_t kib : {256, 1024, 4096, 16384}) {
    std::vector<float> data(kib * 1024 / sizeof(float));
    std::vector<double> cross, local;
    for (int round = 0; round < kRounds; ++round) {
      auto write = [&] { std::fill(data.begin(), data.end(), static_cast<float>(round)); };
      on_core(writer, write);
      on_core(reader, [&] { cross.push_back(read_ms(data)); });
      on_core(reader, [&] {
        write();
        local.push_back(read_ms(data));
      });
    }
    const double extra = summarize_spread(cross).median_ms - summarize_spread(local).median_ms;
    points.push_back({static_cast<double>(kib * 1024), std::max(extra, 0.0)});
  }
  return points;
}

}  // namespace cosched
