#pragma once

#include <string>

namespace cosched {

// One-way handoff time between a thread on cpu processor `a` and one on `b` (condition
// variable ping-pong, median of round trips / 2), in ms.
double handoff_ms(const std::string& a, const std::string& b);

}  // namespace cosched
