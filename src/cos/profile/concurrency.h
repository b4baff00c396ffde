#pragma once

#include <string>
#include <utility>
#include <vector>

namespace cosched {

// One-way handoff time between a thread on cpu processor `a` and one on `b` (condition
// variable ping-pong, median of round trips / 2), in ms.
double handoff_ms(const std::string& a, const std::string& b);

// How much longer a thread on cpu processor `reader` takes to read data a thread on
// `writer` has just written than data it wrote itself (the lines come out of the other
// cores' caches): one (bytes, median extra ms) point per size from 256 KiB to 16 MiB.
std::vector<std::pair<double, double>> cross_read_points(const std::string& writer,
                                                         const std::string& reader);

}  // namespace cosched
