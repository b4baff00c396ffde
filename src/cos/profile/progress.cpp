#include "cos/profile/progress.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace cosched {

std::string format_duration(double seconds) {
  int s = static_cast<int>(std::lround(std::max(0.0, seconds)));
  return s >= 60 ? fmt::format("{}m{:02}s", s / 60, s % 60) : fmt::format("{}s", s);
}

Progress::Progress(std::ostream* out, double total, bool terminal)
    : out_(out),
      total_(total),
      terminal_(terminal),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

void Progress::update(double done, const std::string& what) {
  if (!out_) return;
  auto now = std::chrono::steady_clock::now();
  const bool changed = what != last_what_;
  if (!terminal_ && !changed) return;
  if (terminal_ && !changed && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_what_ = what;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double share = total_ > 0 ? std::clamp(done / total_, 0.0, 1.0) : 0.0;
  std::string left = share > 0.02 ? format_duration(elapsed * (1 - share) / share) + " left"
                                  : "estimating time left";
  constexpr int kWidth = 24;
  int filled = static_cast<int>(share * kWidth);
  std::string line = fmt::format("[{}{}] {:3.0f}% {} ({}, {})", std::string(filled, '#'),
                                 std::string(kWidth - filled, '.'), share * 100, what,
                                 format_duration(elapsed), left);
  if (terminal_) {
    *out_ << "\r\033[K" << line << std::flush;
    drawn_ = true;
  } else {
    *out_ << line << '\n' << std::flush;
  }
}

void Progress::finish() {
  if (out_ && terminal_ && drawn_) *out_ << "\r\033[K" << std::flush;
  drawn_ = false;
}

}  // namespace cosched
