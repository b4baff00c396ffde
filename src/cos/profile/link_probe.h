#pragma once

#include <string>
#include <utility>
#include <vector>

namespace cosched {

// Times the copy steps of the device processor `device` ("cuda:0") between pinned host
// memory and the device, as the executor runs them, at sizes from 4 KiB to 32 MiB: one
// (bytes, median ms) point per size. `to_device` picks the direction.
std::vector<std::pair<double, double>> copy_points(const std::string& device, bool to_device);

}  // namespace cosched
