#pragma once

#include <string>

namespace cosched {

// The roofline figures of one processor, measured with the executor: GFLOP/s of a
// 512x512x512 MatMul, GB/s of an Add over 16 MB operands (bytes read and written, as
// roofline_ms counts them), and the time of a step that does almost nothing.
struct ProbeFigures {
  double peak_gflops = 0;
  double mem_gbps = 0;
  double launch_ms = 0;
};

ProbeFigures probe_processor(const std::string& processor);

}  // namespace cosched
