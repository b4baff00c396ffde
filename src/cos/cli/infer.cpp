#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>

#include "cos/cli/app.h"
#include "cos/cli/table.h"
#include "cos/common/error.h"
#include "cos/exec/backends.h"
#include "cos/exec/cpu/core_set.h"
#include "cos/exec/graph_executor.h"
#include "cos/exec/latency.h"
#include "cos/exec/reference/reference_backend.h"
#include "cos/io/tensor_file.h"
#include "cos/onnx/import.h"

namespace cosched::cli {
namespace {

struct InferOptions {
  std::string model;
  std::vector<std::string> inputs, outputs, shapes;
  std::string processor;
  std::string backend = "cpu";
  int repeat = 1;
  int warmup = 1;
  bool stats = false;
  bool json = false;
  bool tf32 = false;
};

// The most memory this process has held (resident set), in MB.
double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

// The input tensors in graph order, from `--input NAME=FILE` (or `--input FILE` for a
// model with one input).
std::vector<Tensor> read_inputs(const Graph& graph, const std::vector<std::string>& specs) {
  std::map<std::string, std::string> files;
  for (const auto& spec : specs) {
    auto eq = spec.find('=');
    if (eq == std::string::npos && graph.inputs.size() == 1)
      files[graph.values[graph.inputs[0]].name] = spec;
    else if (eq == std::string::npos || eq == 0)
      fail("--input '{}': expected NAME=FILE", spec);
    else
      files[spec.substr(0, eq)] = spec.substr(eq + 1);
  }
  std::vector<Tensor> tensors;
  for (int v : graph.inputs) {
    const Value& value = graph.values[v];
    auto it = files.find(value.name);
    if (it == files.end()) fail("input '{}': missing --input {}=FILE", value.name, value.name);
    Tensor t = read_tensor_file(it->second);
    if (t.dtype != value.dtype || t.shape != value.shape)
      fail("{}: {} {} given for input '{}', {} {} expected", it->second, dtype_name(t.dtype),
           shape_string(t.shape), value.name, dtype_name(value.dtype), shape_string(value.shape));
    tensors.push_back(std::move(t));
    files.erase(it);
  }
  if (!files.empty())
    fail("--input '{}': the model has no input of that name", files.begin()->first);
  return tensors;
}

void run_infer(const InferOptions& options, Context& context) {
  ImportOptions import;
  for (const auto& spec : options.shapes) {
    auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0) fail("--shape '{}': expected NAME=1x3x224x224", spec);
    import.input_shapes[spec.substr(0, eq)] = parse_shape(spec.substr(eq + 1));
  }
  if (options.repeat < 1) fail("--repeat {}: expected at least 1", options.repeat);
  Graph graph = import_model(options.model, import);
  std::vector<Tensor> inputs = read_inputs(graph, options.inputs);
  if (options.outputs.size() > graph.outputs.size())
    fail("--output: {} files given, the model has {} outputs", options.outputs.size(),
         graph.outputs.size());

  if (options.backend != "cpu" && options.backend != "reference")
    fail("--backend '{}': expected cpu or reference", options.backend);
  const std::string processor = options.backend == "reference" ? "reference"
                                : options.processor.empty()    ? CoreSet::all().name()
                                                               : options.processor;
  ReferenceBackend reference;
  std::unique_ptr<Backend> chosen = make_backend(processor, options.tf32);
  Backend& backend = *chosen;

  auto start = std::chrono::steady_clock::now();
  GraphExecutor executor(std::move(graph), backend, &reference);
  const double compile_ms = ms_since(start);
  std::vector<Tensor> results;
  std::vector<double> latencies, step_total(executor.steps().size(), 0.0), step_ms;
  for (int i = 0; i < options.warmup + options.repeat; ++i) {
    start = std::chrono::steady_clock::now();
    std::vector<const void*> in;
    for (const auto& t : inputs) in.push_back(t.bytes.data());
    if (results.empty())
      for (int v : executor.graph().outputs)
        results.push_back(
            make_tensor(executor.graph().values[v].dtype, executor.graph().values[v].shape));
    std::vector<void*> out;
    for (auto& t : results) out.push_back(t.bytes.data());
    executor.run(in, out, options.stats ? &step_ms : nullptr);
    if (i < options.warmup) continue;
    latencies.push_back(ms_since(start));
    for (size_t s = 0; s < step_ms.size(); ++s) step_total[s] += step_ms[s];
  }
  for (size_t i = 0; i < options.outputs.size(); ++i)
    write_tensor_file(options.outputs[i], results[i],
                      executor.graph().values[executor.graph().outputs[i]].name);
  const Latency latency = summarize_latency(latencies);

  // Per op kind: steps, time, and which implementations ran them.
  struct OpStats {
    int steps = 0;
    double ms = 0;
    std::map<std::string, int> implementations;
  };
  std::map<std::string, OpStats> per_op;
  int fallbacks = 0;
  for (size_t s = 0; s < executor.steps().size(); ++s) {
    const ExecStep& step = executor.steps()[s];
    std::string ops;
    for (int n : step.nodes) ops += (ops.empty() ? "" : "+") + executor.graph().nodes[n].op;
    if (step.nodes.empty()) ops = "(copy)";
    OpStats& o = per_op[ops];
    o.steps++;
    o.ms += step_total[s] / options.repeat;
    o.implementations[step.implementation]++;
    fallbacks += step.fallback ||
                 (backend.name() != "reference" && step.implementation.rfind("ref", 0) == 0);
  }
  const MemoryPlan& memory = executor.memory();

  if (options.json) {
    nlohmann::json j = {
        {"model", options.model},   {"processor", processor},      {"backend", backend.name()},
        {"repeat", options.repeat}, {"median_ms", latency.median}, {"p90_ms", latency.p90},
        {"min_ms", latency.min},    {"compile_ms", compile_ms},    {"peak_rss_mb", peak_rss_mb()}};
    j["outputs"] = nlohmann::json::array();
    for (size_t i = 0; i < results.size(); ++i)
      j["outputs"].push_back({{"name", executor.graph().values[executor.graph().outputs[i]].name},
                              {"shape", results[i].shape}});
    if (options.stats) {
      j["arena_bytes"] = memory.peak;
      j["unshared_bytes"] = memory.unshared;
      j["steps"] = executor.steps().size();
      j["reference_fallbacks"] = fallbacks;
      for (const auto& [ops, o] : per_op)
        j["ops"][ops] = {{"steps", o.steps}, {"ms", o.ms}, {"implementations", o.implementations}};
    }
    context.out << j.dump(2) << '\n';
    return;
  }
  context.out << fmt::format(
      "{} on {}: median {:.3f} ms, p90 {:.3f} ms, min {:.3f} ms over {} runs "
      "(compile {:.0f} ms)\n",
      options.model, processor, latency.median, latency.p90, latency.min, latency.runs, compile_ms);
  for (size_t i = 0; i < results.size(); ++i)
    context.out << fmt::format("output '{}': {}{}\n",
                               executor.graph().values[executor.graph().outputs[i]].name,
                               shape_string(results[i].shape),
                               i < options.outputs.size() ? " -> " + options.outputs[i] : "");
  if (!options.stats) return;
  context.out << fmt::format(
      "\narena {:.2f} MB (without reuse {:.2f} MB), {} steps, {} on the "
      "reference fallback\n\n",
      static_cast<double>(memory.peak) / 1e6, static_cast<double>(memory.unshared) / 1e6,
      executor.steps().size(), fallbacks);
  std::vector<std::pair<std::string, OpStats>> rows(per_op.begin(), per_op.end());
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.second.ms > b.second.ms; });
  Table table({"ops", "steps", "ms/run", "implementations"});
  for (const auto& [ops, o] : rows) {
    std::string impls;
    for (const auto& [name, count] : o.implementations)
      impls += (impls.empty() ? "" : ", ") + fmt::format("{} x{}", name, count);
    table.add({ops, std::to_string(o.steps), fmt::format("{:.3f}", o.ms), impls});
  }
  table.print(context.out);
}

}  // namespace

void add_infer_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<InferOptions>();
  auto* command = app.add_subcommand("infer", "Run an ONNX model on given inputs and time it");
  command->add_option("model", options->model, "ONNX model file")->required();
  command->add_option("--input", options->inputs,
                      "Input tensor NAME=FILE (.npy or ONNX TensorProto .pb); FILE alone for a "
                      "model with one input");
  command->add_option("--output", options->outputs,
                      "Write the outputs, in model order, to these files (.npy or .pb)");
  command->add_option("--processor", options->processor,
                      "Where to run: a core set of the cpu backend (cpu:0, cpu:0-1) or a GPU of "
                      "the cuda backend (cuda:0); default: all cores");
  command
      ->add_option("--backend", options->backend,
                   "cpu (the backend of --processor) or reference (plain loops)")
      ->capture_default_str();
  command->add_flag("--tf32", options->tf32,
                    "cuda: let convolutions and products round inputs to TF32 (default FP32)");
  command->add_option("--repeat", options->repeat, "Timed runs")->capture_default_str();
  command->add_option("--warmup", options->warmup, "Untimed runs first")->capture_default_str();
  command->add_option("--shape", options->shapes,
                      "Static shape for an input with symbolic dimensions, e.g. input=1x3x224x224");
  command->add_flag("--stats", options->stats,
                    "Arena size, steps, time and implementation per op kind");
  command->add_flag("--json", options->json, "Print JSON instead of text");
  command->callback([&context, options] {
    context.action = [&context, options] { run_infer(*options, context); };
  });
}

}  // namespace cosched::cli
