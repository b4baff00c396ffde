#include "cos/sim/stall_clock.h"

#include <algorithm>
#include <limits>

#include "cos/common/percentile.h"

namespace cosched {

StallClock::StallClock(const Processor& processor, uint64_t seed)
    : per_ms_(processor.stalls_per_s / 1000), lengths_(processor.stall_ms), rng_(seed) {
  if (per_ms_ > 0 && lengths_.size() >= 2)
    next();
  else
    at_ms_ = std::numeric_limits<double>::infinity();
}

void StallClock::next() {
  at_ms_ += std::exponential_distribution<double>(per_ms_)(rng_);
  length_ms_ = between_quantiles(lengths_, std::uniform_real_distribution<double>(0, 1)(rng_));
}

double StallClock::finish_ms(double start_ms, double work_ms) {
  while (at_ms_ + length_ms_ <= start_ms) next();  // over while the processor was idle
  double end_ms = start_ms + work_ms;
  while (at_ms_ < end_ms) {
    end_ms += at_ms_ + length_ms_ - std::max(at_ms_, start_ms);
    next();
  }
  return end_ms;
}

}  // namespace cosched
