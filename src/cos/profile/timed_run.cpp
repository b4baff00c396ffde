#include "cos/profile/timed_run.h"

#include <chrono>
#include <random>

#include "cos/exec/backends.h"

namespace cosched {
namespace {

Tensor synthetic_input(const Value& value, std::mt19937& random) {
  Tensor t = make_tensor(value.dtype, value.shape);
  if (value.dtype == DType::f32) {
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    float* data = t.data<float>();
    for (int64_t i = 0; i < t.size(); ++i) data[i] = uniform(random);
  }
  return t;  // other dtypes stay zero: valid indices and shapes
}

}  // namespace

TimedRun::TimedRun(const Graph& graph, const std::string& processor)
    : processor_(processor), backend_(make_backend(processor)) {
  executor_ = std::make_unique<GraphExecutor>(graph, *backend_, &reference_);
  std::mt19937 random(7);
  const Graph& g = executor_->graph();
  for (int v : g.inputs) inputs_.push_back(synthetic_input(g.values[v], random));
  for (int v : g.outputs) outputs_.push_back(make_tensor(g.values[v].dtype, g.values[v].shape));
  for (const auto& t : inputs_) in_.push_back(t.bytes.data());
  for (auto& t : outputs_) out_.push_back(t.bytes.data());
}

TimedRun::~TimedRun() = default;

double TimedRun::run(std::vector<double>* step_ms) {
  auto start = std::chrono::steady_clock::now();
  executor_->run(in_, out_, step_ms);
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace cosched
