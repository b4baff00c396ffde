#include "cos/profile/load_process.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "cos/common/error.h"
#include "cos/exec/cpu/core_set.h"
#include "cos/onnx/import.h"
#include "cos/profile/stats.h"

extern char** environ;

namespace cosched {
namespace {

// Reads what the child wrote so far (waiting up to `timeout_ms`) and appends whole lines.
bool read_lines(int fd, std::string& pending, std::vector<std::string>& lines, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) return true;
  char buffer[4096];
  ssize_t n = read(fd, buffer, sizeof buffer);
  if (n <= 0) return false;  // closed: the child ended
  pending.append(buffer, static_cast<size_t>(n));
  for (size_t end; (end = pending.find('\n')) != std::string::npos;) {
    lines.push_back(pending.substr(0, end));
    pending.erase(0, end + 1);
  }
  return true;
}

}  // namespace

std::pair<double, double> run_against_process(TimedRun& a, const LoadCommand& load,
                                              const std::string& model_path,
                                              const std::string& processor, int runs,
                                              const std::vector<int>& cores) {
  int to_child[2], from_child[2];
  if (pipe(to_child) != 0 || pipe(from_child) != 0) fail("slow-down: cannot make a pipe");
  if (load.command.empty()) fail("slow-down: no command to start the second process");
  std::vector<std::string> args = load.command;
  for (const char* arg : {"profile", "--load-on"}) args.push_back(arg);
  args.push_back(processor);
  args.push_back(model_path);
  for (const auto& [name, shape] : load.shapes)
    args.push_back("--shape=" + name + "=" + shape_string(shape));
  if (!cores.empty()) args.push_back("--load-cores=" + CoreSet{cores}.name().substr(4));
  std::vector<char*> argv;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, to_child[0], 0);
  posix_spawn_file_actions_adddup2(&actions, from_child[1], 1);
  posix_spawn_file_actions_addclose(&actions, to_child[1]);
  posix_spawn_file_actions_addclose(&actions, from_child[0]);
  pid_t pid = 0;
  int spawned = posix_spawnp(&pid, args[0].c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(to_child[0]);
  close(from_child[1]);
  if (spawned != 0) {
    close(to_child[1]);
    close(from_child[0]);
    fail("slow-down: cannot start {}", args[0]);
  }
  std::string pending;
  std::vector<std::string> lines;
  bool alive = true;
  while (alive && lines.empty()) alive = read_lines(from_child[0], pending, lines, 1000);
  if (!alive || lines.front() != "ready") {
    close(to_child[1]);
    close(from_child[0]);
    waitpid(pid, nullptr, 0);
    fail("slow-down: {} profile --load-on {} {} did not start", args[0], processor, model_path);
  }
  lines.clear();
  std::vector<double> mine;
  a.run();  // untimed
  // The child's first line may be a run that began before this side was busy: skipped.
  while (alive &&
         (static_cast<int>(mine.size()) < runs || static_cast<int>(lines.size()) <= runs)) {
    double ms = a.run();
    if (static_cast<int>(mine.size()) < runs) mine.push_back(ms);
    alive = read_lines(from_child[0], pending, lines, 0);
  }
  close(to_child[1]);  // the child stops after its current run
  while (read_lines(from_child[0], pending, lines, 1000)) {
  }
  close(from_child[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (static_cast<int>(lines.size()) <= runs)
    fail("slow-down: the load on {} stopped after {} runs", processor, lines.size());
  std::vector<double> theirs;
  for (int i = 1; i <= runs; ++i) theirs.push_back(std::stod(lines[i]));
  return {summarize_spread(mine).median_ms, summarize_spread(theirs).median_ms};
}

std::vector<std::string> own_command(const std::string& subcommand) {
  std::ifstream file("/proc/self/cmdline", std::ios::binary);
  std::vector<std::string> args;
  for (std::string arg; std::getline(file, arg, '\0');) {
    if (arg == subcommand) return args;
    args.push_back(arg);
  }
  return {};
}

void serve_load(const std::string& model_path, const std::string& processor,
                const std::map<std::string, Shape>& shapes, const std::vector<int>& cores) {
  if (!cores.empty()) pin_this_thread(cores);
  ImportOptions import;
  import.input_shapes = shapes;
  TimedRun timed(import_model(model_path, import), processor);
  timed.run();
  std::printf("ready\n");
  std::fflush(stdout);
  for (;;) {
    double ms = timed.run();
    pollfd p{0, POLLIN, 0};
    if (poll(&p, 1, 0) > 0) {
      char c;
      if (read(0, &c, 1) <= 0) return;  // stdin closed: stop
    }
    std::printf("%.6f\n", ms);
    std::fflush(stdout);
  }
}

}  // namespace cosched
