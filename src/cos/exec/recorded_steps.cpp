#include "cos/exec/recorded_steps.h"

#include <algorithm>

#include "cos/exec/graph_executor.h"

namespace cosched {

bool RecordedSteps::run(Backend& device, const std::vector<ExecStep>& all,
                        const std::vector<size_t>& steps,
                        const std::function<void(size_t)>& run_step) {
  // Recorded on the second run; where that failed (a capture breaks on some calls made
  // meanwhile, e.g. by another thread), tried again on the 4th, 8th, ... 64th.
  runs_ = std::min(runs_ + 1, 65);
  if (!recorded_all_ && runs_ >= 2 && runs_ <= 64 && (runs_ & (runs_ - 1)) == 0)
    record(device, all, steps, run_step);
  if (pieces_.empty()) {
    for (size_t s : steps) run_step(s);
    return false;
  }
  for (Piece& piece : pieces_) {
    if (piece.recording)
      piece.recording->replay();
    else
      for (size_t i = piece.first; i < piece.last; ++i) run_step(steps[i]);
  }
  return recorded_all_;
}

// Records every run of kernel steps not recorded yet, before any step runs: recording only
// records, so the copies between them must not run yet. Keeps no pieces where nothing was
// recorded (a host backend's steps), so that those run as a plain loop.
void RecordedSteps::record(Backend& device, const std::vector<ExecStep>& all,
                           const std::vector<size_t>& steps,
                           const std::function<void(size_t)>& run_step) {
  auto is_copy = [&](size_t i) { return all[steps[i]].nodes.empty(); };
  if (pieces_.empty())
    for (size_t first = 0; first < steps.size();) {
      size_t last = first + 1;
      while (last < steps.size() && is_copy(last) == is_copy(first)) ++last;
      pieces_.push_back({first, last, nullptr});
      first = last;
    }
  recorded_all_ = true;
  for (Piece& piece : pieces_) {
    if (is_copy(piece.first)) continue;
    // One kernel step is recorded too: a graph launch costs the host less than a library
    // call (a cuDNN convolution unit took the H200's worker a median 35 us to launch).
    if (!piece.recording && device.begin_recording()) {
      try {
        for (size_t i = piece.first; i < piece.last; ++i) run_step(steps[i]);
        piece.recording = device.end_recording();
      } catch (const std::exception&) {
        device.end_recording();  // dropped: these kernels run one by one
      }
    }
    recorded_all_ = recorded_all_ && piece.recording;
  }
  if (std::none_of(pieces_.begin(), pieces_.end(),
                   [](const Piece& p) { return p.recording != nullptr; }))
    pieces_.clear();
}

}  // namespace cosched
