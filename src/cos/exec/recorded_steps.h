#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "cos/exec/kernel.h"

namespace cosched {

struct ExecStep;

// Runs the same steps of an executor on a device backend again and again, on the same
// memory (a whole graph, or one request context's unit): each run of kernel steps between
// copy steps is recorded once, on the second run (the first loads every kernel and library
// workspace; a failed recording is tried again on the 4th, 8th, ... 64th), and replayed
// with one launch after. Copies run as they come: they wait on
// host memory and on another stream. A launch costs the host microseconds, about what a
// batch-1 kernel takes on a large GPU.
class RecordedSteps {
 public:
  // `steps`: indices into `all`, in order; run_step(s) runs step s's kernel on its memory.
  // Returns whether every kernel step ran from a recording.
  bool run(Backend& device, const std::vector<ExecStep>& all, const std::vector<size_t>& steps,
           const std::function<void(size_t)>& run_step);

 private:
  struct Piece {
    size_t first = 0, last = 0;  // positions in `steps`
    std::unique_ptr<Recording> recording;
  };
  void record(Backend& device, const std::vector<ExecStep>& all, const std::vector<size_t>& steps,
              const std::function<void(size_t)>& run_step);

  std::vector<Piece> pieces_;  // empty unless something was recorded
  int runs_ = 0;
  bool recorded_all_ = false;  // every run of kernel steps
};

}  // namespace cosched
