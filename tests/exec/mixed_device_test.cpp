// Nodes of one graph on a host backend and a device backend: each value lives on the side
// whose step writes it, copy steps move what the other side reads, and the results are
// those of a plain run. The device is a stand-in (support/host_device.h) whose kernels, and
// the host's, fail on memory of the wrong side.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "cos/common/error.h"
#include "cos/exec/backends.h"
#include "cos/exec/graph_executor.h"
#include "cos/exec/recorded_steps.h"
#include "cos/exec/reference/reference_backend.h"
#include "cos/models/builtin.h"
#include "cos/onnx/import.h"
#include "exec/backend_checks.h"
#include "support/host_device.h"

namespace cosched {
namespace {

struct Pattern {
  const char* name;
  std::function<bool(int)> on_device;  // by group
};

const std::vector<Pattern> patterns = {
    {"every other group", [](int g) { return g % 2 == 1; }},
    {"first groups", [](int g) { return g < 2; }},
    {"everything", [](int) { return true; }},
};

TEST(MixedExecutor, DeviceGroupsAmongHostGroupsGiveThePlainResults) {
  ReferenceBackend reference;
  for (const auto& model : builtin_models()) {
    Graph graph = import_model_bytes(model.build().serialize(), model.name);
    std::vector<Tensor> inputs;
    for (int v : graph.inputs) inputs.push_back(test::random_input(graph.values[v], 5));
    const std::vector<Tensor> expected = GraphExecutor(graph, reference).run(inputs);
    for (const Pattern& pattern : patterns) {
      SCOPED_TRACE(model.name + ", on the device: " + pattern.name);
      auto memory = std::make_shared<test::DeviceMemory>();
      test::HostOutsideDevice host(memory);
      test::HostAsDevice device(memory);
      GraphExecutor mixed(graph, test::grouped_placement(graph, host, device, pattern.on_device),
                          &host);
      EXPECT_EQ(mixed.device(), &device);
      int copies = 0;
      for (const ExecStep& step : mixed.steps()) {
        copies += step.nodes.empty();
        EXPECT_GE(step.group, 0);
      }
      EXPECT_GT(copies, 0);
      EXPECT_EQ(test::worst_relative(expected, mixed.run(inputs)), 0.0);
      EXPECT_EQ(memory->copies, copies);  // each copy step ran once
      // Copies belong to the group of the step they serve, so a group's steps stay together.
      for (size_t s = 1; s < mixed.steps().size(); ++s)
        EXPECT_LE(mixed.steps()[s - 1].group, mixed.steps()[s].group);
    }
  }
}

// A graph on a device alone records its kernels on the second run and replays them after,
// its copies in and out running every time, the results the same on every run.
TEST(DeviceExecutor, ReplaysItsKernelsFromTheSecondRunOn) {
  ReferenceBackend reference;
  for (const auto& model : builtin_models()) {
    SCOPED_TRACE(model.name);
    Graph graph = import_model_bytes(model.build().serialize(), model.name);
    std::vector<Tensor> inputs;
    for (int v : graph.inputs) inputs.push_back(test::random_input(graph.values[v], 7));
    const std::vector<Tensor> expected = GraphExecutor(graph, reference).run(inputs);
    auto memory = std::make_shared<test::DeviceMemory>();
    test::HostAsDevice device(memory);
    GraphExecutor executor(graph, device);
    for (int run = 0; run < 4; ++run) {
      EXPECT_EQ(test::worst_relative(expected, executor.run(inputs)), 0.0) << "run " << run;
      EXPECT_EQ(memory->replays, run) << "run " << run;
    }
    EXPECT_EQ(memory->copies, 4 * static_cast<int>(graph.inputs.size() + graph.outputs.size()));
  }
}

// A unit of one kernel step (the runtime's one-op units) is recorded and replayed too: a
// graph launch costs the host less than a library call.
TEST(RecordedSteps, ReplaysARunOfOneKernelStep) {
  auto memory = std::make_shared<test::DeviceMemory>();
  test::HostAsDevice device(memory);
  std::vector<ExecStep> all(3);
  all[1].nodes = {0};  // steps 0 and 2 are copies
  int launched = 0;
  RecordedSteps unit;
  for (int run = 0; run < 4; ++run)
    unit.run(device, all, {0, 1, 2}, [&](size_t s) {
      if (s == 1) memory->launch([&] { ++launched; });
    });
  EXPECT_EQ(memory->replays, 3);  // recorded on the second run, replayed from then on
  EXPECT_EQ(launched, 4);
}

// A recording that failed (on CUDA, a capture that another thread's call broke) is tried
// again, on the 4th, 8th, ... 64th run, and no more once one has succeeded or after the 64th.
TEST(RecordedSteps, RecordsAgainAfterAFailedRecording) {
  for (int failures : {1, 3, 100}) {
    SCOPED_TRACE(std::to_string(failures) + " failed recordings");
    auto memory = std::make_shared<test::DeviceMemory>();
    memory->recordings_to_fail = failures;
    test::HostAsDevice device(memory);
    std::vector<ExecStep> all(3);
    all[1].nodes = {0};  // steps 0 and 2 are copies
    int launched = 0;
    RecordedSteps unit;
    for (int run = 1; run <= 100; ++run)
      unit.run(device, all, {0, 1, 2}, [&](size_t s) {
        if (s == 1) memory->launch([&] { ++launched; });
      });
    EXPECT_EQ(launched, 100);
    const int recorded_at = failures == 1 ? 4 : failures == 3 ? 16 : 0;   // the run
    EXPECT_EQ(memory->recordings_begun, recorded_at ? failures + 1 : 6);  // runs 2, 4, ... 64
    EXPECT_EQ(memory->replays, recorded_at ? 100 - recorded_at + 1 : 0);
  }
}

// A retry records only what failed: a recording made before is kept and replayed.
TEST(RecordedSteps, KeepsWhatItRecordedWhenRecordingAgain) {
  auto memory = std::make_shared<test::DeviceMemory>();
  memory->recordings_to_fail = 1;  // the first of the two runs of kernels, on the second run
  test::HostAsDevice device(memory);
  std::vector<ExecStep> all(5);
  all[1].nodes = all[3].nodes = {0};  // steps 0, 2 and 4 are copies
  int launched = 0;
  RecordedSteps unit;
  for (int run = 1; run <= 4; ++run)
    unit.run(device, all, {0, 1, 2, 3, 4}, [&](size_t s) {
      if (s == 1 || s == 3) memory->launch([&] { ++launched; });
    });
  EXPECT_EQ(launched, 8);
  EXPECT_EQ(memory->recordings_begun, 3);  // both on run 2, the failed one again on run 4
  EXPECT_EQ(memory->replays, 1 + 1 + 2);   // runs 2 and 3: one recording; run 4: both
}

// A fence passes once the work queued before it has run, not waiting for work queued after
// it, and reports the error of the work it covers (and no other).
TEST(StandInDevice, AFencePassesOnceTheWorkBeforeItHasRun) {
  auto memory = std::make_shared<test::DeviceMemory>();
  memory->stream = std::make_unique<test::StandInStream>();
  test::HostAsDevice device(memory);
  std::atomic<int> ran{0};
  for (int i = 0; i < 20; ++i) memory->launch([&] { ++ran; });
  auto fence = device.fence();
  std::atomic<bool> passed{false}, waited_out{false};
  memory->launch([&] {  // runs until the fence has passed (or 5 s)
    for (int ms = 0; !passed && ms < 5000; ++ms)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    waited_out = !passed;
  });
  fence->wait();
  passed = true;
  EXPECT_EQ(ran, 20);
  device.synchronize();
  EXPECT_FALSE(waited_out);
  auto before = device.fence();
  memory->launch([] { throw Error("kernel failed"); });
  auto after = device.fence();
  EXPECT_NO_THROW(before->wait());
  EXPECT_THROW(after->wait(), Error);
}

// A copy to the host, run by another thread (a host unit's), waits while the device's
// worker records: else the recording would take it in (a CUDA stream capture takes what
// any thread queues on the stream).
TEST(StandInDevice, ACopyToTheHostWaitsForARecordingToEnd) {
  auto memory = std::make_shared<test::DeviceMemory>();
  test::HostAsDevice device(memory);
  float* on_device = static_cast<float*>(device.allocate(sizeof(float)));
  *on_device = 3;
  float on_host = 0;
  KernelArgs args;
  args.inputs = {on_device};
  args.outputs = {&on_host};
  auto copy = device.copy_kernel(sizeof(float), true);
  ASSERT_TRUE(device.begin_recording());
  std::atomic<bool> failed{false};
  std::thread host_unit([&] {
    try {
      copy->run(args);
    } catch (const std::exception&) {
      failed = true;
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(on_host, 0);  // still waiting
  EXPECT_NE(device.end_recording(), nullptr);
  host_unit.join();
  EXPECT_FALSE(failed);
  EXPECT_EQ(on_host, 3);
  device.deallocate(on_device);
}

TEST(MixedExecutor, CpuBackendBesideADevice) {
  auto cpu = make_backend("cpu:0");
  test::HostAsDevice device(std::make_shared<test::DeviceMemory>());
  test::check_mixed_builtin_models(
      *cpu, device, [](int g) { return g % 2 == 0; }, 1e-4);
}

TEST(MixedExecutor, RefusesTwoDeviceBackends) {
  Graph graph = import_model_bytes(builtin_models().front().build().serialize(), "m");
  auto memory = std::make_shared<test::DeviceMemory>();
  test::HostOutsideDevice host(memory);
  test::HostAsDevice first(memory), second(memory);
  MixedPlacement placement =
      test::grouped_placement(graph, host, first, [](int g) { return g == 0; });
  placement.backend.back() = &second;
  EXPECT_THROW(GraphExecutor mixed(graph, placement, nullptr), Error);
}

}  // namespace
}  // namespace cosched
