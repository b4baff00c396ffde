#include "cos/profile/stall_probe.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "cos/exec/cpu/core_set.h"

namespace cosched {

std::vector<std::vector<Stall>> probe_stalls(const std::vector<int>& cores, double seconds,
                                             double min_ms) {
  using Clock = std::chrono::steady_clock;
  std::vector<std::vector<Stall>> stalls(cores.size());
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  Clock::time_point begin;
  for (size_t c = 0; c < cores.size(); ++c) {
    threads.emplace_back([&, c] {
      pin_this_thread({cores[c]});
      ++ready;
      while (ready.load() < static_cast<int>(cores.size() + 1)) std::this_thread::yield();
      const auto end = begin + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(seconds));
      for (auto last = Clock::now(); last < end;) {
        const auto now = Clock::now();
        const double gap = std::chrono::duration<double, std::milli>(now - last).count();
        if (gap > min_ms)
          stalls[c].push_back(
              {std::chrono::duration<double, std::milli>(last - begin).count(), gap});
        last = now;
      }
    });
  }
  while (ready.load() < static_cast<int>(cores.size())) std::this_thread::yield();
  begin = Clock::now();
  ++ready;  // every thread is pinned: start together
  for (auto& thread : threads) thread.join();
  return stalls;
}

std::vector<Stall> union_of_stalls(const std::vector<std::vector<Stall>>& per_core) {
  std::vector<Stall> all;
  for (const auto& stalls : per_core) all.insert(all.end(), stalls.begin(), stalls.end());
  std::sort(all.begin(), all.end(),
            [](const Stall& a, const Stall& b) { return a.at_ms < b.at_ms; });
  std::vector<Stall> merged;
  for (const Stall& stall : all) {
    if (!merged.empty() && stall.at_ms <= merged.back().at_ms + merged.back().ms) {
      Stall& last = merged.back();
      last.ms = std::max(last.ms, stall.at_ms + stall.ms - last.at_ms);
    } else {
      merged.push_back(stall);
    }
  }
  return merged;
}

}  // namespace cosched
