#include "cos/exec/cpu/one_thread.h"

#include <omp.h>

namespace cosched {

void OneThread::run(const KernelArgs& args) {
  struct Restore {
    int threads;
    ~Restore() { omp_set_num_threads(threads); }
  } restore{threads_};
  omp_set_num_threads(1);
  kernel_->run(args);
}

}  // namespace cosched
