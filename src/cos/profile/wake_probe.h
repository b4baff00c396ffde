#pragma once

#include <vector>

namespace cosched {

// How much later a thread waiting as the runtime's workers do (`HandOver`, pinned to
// `receiver_core`) takes an item handed to it from `sender_core` after it sat idle for each
// of `idle_ms`, against one that had just finished its last item: the median over rounds.
// Past the spin, the thread sleeps, and a machine that lets an idle core sleep too (a
// virtual machine's host) wakes it later the longer it slept.
std::vector<double> probe_wake_delays(int receiver_core, int sender_core,
                                      const std::vector<double>& idle_ms);

}  // namespace cosched
