#include "cos/exec/cpu/concat_copy.h"

#include <cstring>
#include <numeric>

namespace cosched {
namespace {

using dnnl::memory;

// Elements from one index of `axis` to the next (all inner dims), when `desc` is a dense
// plain-strided f32 layout; 0 otherwise.
int64_t axis_stride(const memory::desc& desc, int axis) {
  const auto& blocking = desc.data.format_desc.blocking;
  if (desc.data.format_kind != dnnl_blocked || blocking.inner_nblks != 0) return 0;
  const memory::dims dims = desc.dims();
  const int64_t elements =
      std::accumulate(dims.begin(), dims.end(), int64_t{1}, std::multiplies<>());
  if (static_cast<int64_t>(desc.get_size()) != elements * 4) return 0;  // padded or strided
  return blocking.strides[axis];
}

}  // namespace

std::unique_ptr<ConcatCopy> ConcatCopy::make(const DnnlContext& context,
                                             const std::vector<memory::desc>& inputs,
                                             const memory::desc& dst, int axis) {
  const int64_t stride = axis_stride(dst, axis);
  if (stride == 0) return nullptr;
  const memory::dims out_dims = dst.dims();
  const int64_t outer = dst.get_size() / 4 / (out_dims[axis] * stride);
  std::vector<int64_t> run_bytes;
  std::vector<memory::desc> layouts;
  for (const memory::desc& input : inputs) {
    memory::dims dims = input.dims();
    // dst's layout for these dims (only the axis size differs).
    const auto& want = dst.data.format_desc.blocking.strides;
    memory::dims strides(dims.size());
    for (size_t d = 0; d < dims.size(); ++d)
      strides[d] = want[d] > stride ? want[d] / out_dims[axis] * dims[axis] : want[d];
    layouts.emplace_back(dims, memory::data_type::f32, strides);
    run_bytes.push_back(dims[axis] * stride * 4);
  }
  std::unique_ptr<ConcatCopy> kernel(new ConcatCopy(context, outer, std::move(run_bytes)));
  for (size_t i = 0; i < inputs.size(); ++i) {
    memory user(inputs[i], context.engine, nullptr);
    kernel->bind_input(i, user);
    memory in = kernel->reordered_input(user, layouts[i]);
    kernel->reordered_.push_back(in.get() == user.get() ? memory() : in);
  }
  return kernel;
}

ConcatCopy::ConcatCopy(const DnnlContext& context, int64_t outer, std::vector<int64_t> run_bytes)
    : DnnlKernel(context, "copy runs"), outer_(outer), run_bytes_(std::move(run_bytes)) {
  out_run_bytes_ = std::accumulate(run_bytes_.begin(), run_bytes_.end(), int64_t{0});
}

void ConcatCopy::run(const KernelArgs& args) {
  DnnlKernel::run(args);  // the reorders of inputs stored in another layout
  const int64_t inputs = static_cast<int64_t>(run_bytes_.size());
  std::vector<const std::byte*> from(inputs);
  for (int64_t i = 0; i < inputs; ++i)
    from[i] = static_cast<const std::byte*>(reordered_[i] ? reordered_[i].get_data_handle()
                                                          : args.inputs[i]);
  std::vector<int64_t> offset(inputs, 0);
  for (int64_t i = 1; i < inputs; ++i) offset[i] = offset[i - 1] + run_bytes_[i - 1];
  auto* out = static_cast<std::byte*>(args.outputs[0]);
  constexpr int64_t kParallelBytes = 256 << 10;  // less is copied faster than threads start
#pragma omp parallel for collapse(2) schedule(static) if (outer_ * out_run_bytes_ > kParallelBytes)
  for (int64_t o = 0; o < outer_; ++o)
    for (int64_t i = 0; i < inputs; ++i)
      std::memcpy(out + o * out_run_bytes_ + offset[i], from[i] + o * run_bytes_[i], run_bytes_[i]);
}

}  // namespace cosched
