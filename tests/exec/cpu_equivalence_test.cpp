// Every op the cpu backend runs on oneDNN, against the reference backend, on seeded
// random cases (shapes, strides, groups, broadcasts).
#include <gtest/gtest.h>

#include <functional>

#include "cos/exec/cpu/cpu_backend.h"
#include "exec/equivalence_cases.h"

namespace cosched {
namespace {

using test::OpCase;

TEST(CpuEquivalence, EveryOpMatchesTheReference) {
  CpuBackend cpu(CoreSet::all());
  int on_dnnl = 0, on_reference = 0;
  for (const test::Case& c : test::equivalence_cases()) {
    SCOPED_TRACE(c.name);
    OpCase op = c.make();
    std::string implementation = op.implementation(cpu);
    bool fallback = implementation.rfind("ref", 0) == 0;
    (fallback ? on_reference : on_dnnl)++;
    std::printf("  %-32s %s\n", c.name, implementation.c_str());
    EXPECT_TRUE(op.check(cpu));
  }
  std::printf("  %d cases on oneDNN, %d on the reference fallback\n", on_dnnl, on_reference);
  EXPECT_GE(on_dnnl, 40);
}

}  // namespace
}  // namespace cosched
