#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "cos/graph/dtype.h"
#include "cos/profile/timed_run.h"

namespace cosched {

// How to start the other side of a slow-down measurement: `command` starts the cos binary
// (its path, or a loader with its arguments and then the path), which serves
// `cos profile --load-on PROCESSOR MODEL` (serve_load below). A second
// process, not a second thread: oneDNN's default scratchpad is shared by every primitive of
// a process, so two of its primitives must not run at once in one process.
struct LoadCommand {
  std::vector<std::string> command;
  std::map<std::string, Shape> shapes;  // --shape values the model needs
};

// How this process was started, up to (not including) the argument `subcommand`, from
// /proc/self/cmdline: {"cos"}, or {"ld-linux.so", "--library-path", "lib", "bin/cos"}.
// Empty when `subcommand` is not among the arguments.
std::vector<std::string> own_command(const std::string& subcommand);

// Runs `a` here while a child process runs `model_path` on `processor` until both have
// `runs` timed runs under load (after one untimed run each); the child's thread runs on
// `cores` (where a device's runtime worker would; empty: anywhere). Returns (median of a,
// median of the child), in ms. Throws cosched::Error when the child cannot start or fails.
std::pair<double, double> run_against_process(TimedRun& a, const LoadCommand& load,
                                              const std::string& model_path,
                                              const std::string& processor, int runs,
                                              const std::vector<int>& cores = {});

// The child's side: on `cores` (empty: anywhere), compiles the model on `processor`, runs it
// once, writes "ready", then runs it again and again, writing each run's ms on a line of
// stdout, until stdin closes.
void serve_load(const std::string& model_path, const std::string& processor,
                const std::map<std::string, Shape>& shapes, const std::vector<int>& cores);

}  // namespace cosched
