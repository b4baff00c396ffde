#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "cos/common/error.h"
#include "cos/models/builtin.h"
#include "cos/onnx/import.h"
#include "support/test_support.h"

namespace cosched {
namespace {

// Mutates a valid model's bytes at random: flipped bytes, truncation, inserted or
// duplicated runs. Import must succeed or throw cosched::Error; never crash or hang.
std::string mutate(const std::string& bytes, std::mt19937_64& rng) {
  std::string out = bytes;
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  switch (pick(4)) {
    case 0:
      for (size_t i = 0, n = 1 + pick(8); i < n; ++i)
        out[pick(out.size())] = static_cast<char>(pick(256));
      break;
    case 1:
      out.resize(pick(out.size()));
      break;
    case 2:
      out.insert(pick(out.size()), std::string(1 + pick(16), static_cast<char>(pick(256))));
      break;
    default: {
      size_t from = pick(out.size());
      size_t length = std::min(out.size() - from, 1 + pick(64));
      out.insert(pick(out.size()), out.substr(from, length));
    }
  }
  return out;
}

TEST(Fuzz, MutatedModelsNeverCrash) {
  std::vector<std::string> seeds = {test::small_model().serialize(),
                                    builtin_model("tiny_shufflenet").build().serialize(),
                                    builtin_model("tiny_transformer").build().serialize()};
  const char* seed = std::getenv("COS_FUZZ_SEED");
  std::mt19937_64 rng(seed ? std::strtoull(seed, nullptr, 10) : 2024);
  int accepted = 0, rejected = 0;
  // COS_FUZZ_VARIANTS runs a longer campaign by hand; the default keeps ctest quick.
  const char* env = std::getenv("COS_FUZZ_VARIANTS");
  const int kVariants = env ? std::max(1, std::atoi(env)) : 2400;
  for (int i = 0; i < kVariants; ++i) {
    std::string bytes = mutate(seeds[i % seeds.size()], rng);
    try {
      import_model_bytes(bytes, "fuzz.onnx");
      ++accepted;
    } catch (const Error& e) {
      std::string message = e.what();
      ASSERT_EQ(message.find('\n'), std::string::npos) << "[" << message << "]";
      ASSERT_EQ(message.rfind("fuzz.onnx: ", 0), 0u) << message;
      ++rejected;
    }
  }
  EXPECT_EQ(accepted + rejected, kVariants);
  EXPECT_GT(rejected, kVariants / 10);  // the mutations do break models
  RecordProperty("accepted", accepted);
}

}  // namespace
}  // namespace cosched
