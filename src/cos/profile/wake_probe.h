#pragma once

#include <vector>

namespace cosched {

// How long a thread waiting as the runtime's workers do (`HandOver`: a spin, then asleep),
// pinned to `receiver_core`, takes to pick up an item handed to it from `sender_core` after
// it sat idle for each of `idle_ms` (all above 0): the median over 40-200 handovers, in ms.
// Past the spin the thread sleeps, and a machine that lets an idle core sleep too (a
// virtual machine's host) wakes it later the longer it slept.
std::vector<double> probe_pickup_ms(int receiver_core, int sender_core,
                                    const std::vector<double>& idle_ms);

}  // namespace cosched
