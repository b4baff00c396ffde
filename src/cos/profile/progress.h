#pragma once

#include <chrono>
#include <ostream>
#include <string>

namespace cosched {

// A progress bar on a terminal stream: what is being measured, the share done, and the
// time left (elapsed time scaled by the work still to do). `total` is in any unit of work
// (estimated seconds); update() takes the work done so far. On a stream that is not a
// terminal it writes one line per new `what` instead of redrawing. A null stream: silent.
class Progress {
 public:
  Progress(std::ostream* out, double total, bool terminal);
  void update(double done, const std::string& what);
  void add_total(double more) { total_ += more; }
  void finish();  // ends the bar's line

 private:
  std::ostream* out_;
  double total_;
  bool terminal_;
  std::string last_what_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  bool drawn_ = false;
};

// "1m05s", "12s".
std::string format_duration(double seconds);

}  // namespace cosched
