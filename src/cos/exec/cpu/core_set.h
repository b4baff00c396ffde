#pragma once

#include <string>
#include <vector>

namespace cosched {

// The cores of one cpu processor, e.g. "cpu:0", "cpu:1", "cpu:0-1", "cpu:0,2-3".
struct CoreSet {
  std::vector<int> cores;  // ascending, distinct

  // Throws cosched::Error naming `text` when it is malformed or names a core this machine
  // does not have.
  static CoreSet parse(const std::string& text);
  // The same without checking the cores against this machine's (a platform of another).
  static CoreSet parse_any(const std::string& text);
  // Every online core of this machine.
  static CoreSet all();
  int threads() const { return static_cast<int>(cores.size()); }
  std::string name() const;  // "cpu:0-1"
};

// Sets the calling thread's OpenMP team to one thread per core and pins thread i of the
// team (the calling thread is thread 0) to cores[i]. libgomp reuses the same pool threads
// for the caller's later teams of that size, so oneDNN's parallel regions stay on the set.
void pin_threads(const CoreSet& set);

// The cores the calling thread may run on.
std::vector<int> thread_cores();

// Lets the calling thread (alone, not its team) run on `cores` only.
void pin_this_thread(const std::vector<int>& cores);

// This machine's cores that none of the cpu processors `processors` ("cpu:0-3") uses: where a
// device's worker runs without taking turns with a team thread (which slows the whole team).
std::vector<int> cores_outside(const std::vector<std::string>& processors);

// The CPU's model name ("AMD EPYC 9654"), or "unknown cpu".
std::string cpu_model();

// Ends the calling thread's OpenMP team (its pool threads exit) and lets the thread run on
// every core again. libgomp spins far less while it manages more threads than there are
// cores, so an idle team left behind (say, by the thread that compiled) makes every other
// team's parallel regions start slowly: mobilenet_v2 ran 1.4x slower on a runtime worker.
void release_threads();

// The cores each thread of the calling thread's next OpenMP team may run on (for tests).
std::vector<std::vector<int>> team_affinity();

}  // namespace cosched
