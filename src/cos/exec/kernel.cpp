#include "cos/exec/kernel.h"

#include <cstdlib>

#include "cos/exec/memory_plan.h"

namespace cosched {

void* Backend::allocate(size_t bytes) {
  const size_t a = MemoryPlan::alignment;
  return std::aligned_alloc(a, (bytes + a - 1) / a * a);
}

void Backend::deallocate(void* pointer) {
  std::free(pointer);
}

namespace {
class PassedFence : public Fence {
 public:
  void wait() override {}
};
}  // namespace

std::unique_ptr<Fence> Backend::fence() {
  synchronize();
  return std::make_unique<PassedFence>();
}

}  // namespace cosched
