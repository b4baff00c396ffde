#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cos/exec/graph_executor.h"
#include "cos/exec/reference/reference_backend.h"

namespace cosched {

// One graph compiled for one processor (make_backend, with the reference backend as the
// fallback), with synthetic inputs (seeded uniform floats, zero integers) and output
// buffers, ready to be timed. Owns the backends, the executor and the buffers; run() from
// one thread at a time (any thread: the backend binds the calling one).
class TimedRun {
 public:
  TimedRun(const Graph& graph, const std::string& processor);
  ~TimedRun();
  // Runs the graph once; returns the wall time in ms and fills `step_ms` when given.
  double run(std::vector<double>* step_ms = nullptr);
  const GraphExecutor& executor() const { return *executor_; }
  const std::string& processor() const { return processor_; }

 private:
  std::string processor_;
  ReferenceBackend reference_;
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<GraphExecutor> executor_;
  std::vector<Tensor> inputs_, outputs_;
  std::vector<const void*> in_;
  std::vector<void*> out_;
};

}  // namespace cosched
