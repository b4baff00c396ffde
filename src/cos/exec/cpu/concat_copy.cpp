#include "cos/exec/cpu/concat_copy.h"

#include <cstring>
#include <numeric>

namespace cosched {
namespace {

using dnnl::memory;

// Elements from one index of `axis` to the next within a run, when `desc` is a dense f32
// layout in which each index of the dims outside `axis` holds one contiguous run: plain-strided,
// or with its one inner block on `axis` where `axis` is a whole number of blocks (channel
// blocks, as convolutions leave them); 0 otherwise.
int64_t axis_stride(const memory::desc& desc, int axis) {
  const auto& blocking = desc.data.format_desc.blocking;
  if (desc.data.format_kind != dnnl_blocked) return 0;
  const memory::dims dims = desc.dims();
  const int64_t elements =
      std::accumulate(dims.begin(), dims.end(), int64_t{1}, std::multiplies<>());
  if (static_cast<int64_t>(desc.get_size()) != elements * 4) return 0;  // padded or strided
  if (blocking.inner_nblks == 0) return blocking.strides[axis];
  const int64_t block = blocking.inner_blks[0];
  if (blocking.inner_nblks == 1 && blocking.inner_idxs[0] == axis && dims[axis] % block == 0)
    return blocking.strides[axis] / block;
  return 0;
}

// `like`'s layout for `dims`, which differ from its own on `axis` only.
memory::desc along_axis(const memory::desc& like, const memory::dims& dims, int axis) {
  dnnl_memory_desc_t data = like.data;
  auto& strides = data.format_desc.blocking.strides;
  const int64_t axis_stride = strides[axis];
  for (int d = 0; d < data.ndims; ++d)
    if (d != axis && strides[d] > axis_stride)
      strides[d] = strides[d] / data.dims[axis] * dims[axis];
  data.dims[axis] = data.padded_dims[axis] = dims[axis];
  return memory::desc(data);
}

// How a copy into `dst` cuts into runs: per input, the bytes of its run in each of `outer`
// slices, and the layout its part of `dst` has; none where `dst` cannot be cut so.
struct Runs {
  int64_t outer = 0;
  std::vector<int64_t> bytes;
  std::vector<memory::desc> layouts;
};

std::optional<Runs> runs_of(const std::vector<memory::desc>& inputs, const memory::desc& dst,
                            int axis) {
  const int64_t stride = axis_stride(dst, axis);
  if (stride == 0) return std::nullopt;
  const memory::dims out_dims = dst.dims();
  Runs runs{.outer = static_cast<int64_t>(dst.get_size()) / 4 / (out_dims[axis] * stride)};
  const auto& blocking = dst.data.format_desc.blocking;
  const int64_t block = blocking.inner_nblks == 1 ? blocking.inner_blks[0] : 1;
  for (const memory::desc& input : inputs) {
    memory::dims dims = input.dims();
    if (dims[axis] % block != 0) return std::nullopt;  // its last block would be another's
    runs.layouts.push_back(along_axis(dst, dims, axis));
    runs.bytes.push_back(dims[axis] * stride * 4);
  }
  return runs;
}

}  // namespace

std::unique_ptr<ConcatCopy> ConcatCopy::make(const DnnlContext& context,
                                             const std::vector<memory::desc>& inputs,
                                             const memory::desc& dst, int axis) {
  auto runs = runs_of(inputs, dst, axis);
  if (!runs) return nullptr;
  std::unique_ptr<ConcatCopy> kernel(new ConcatCopy(context, runs->outer, runs->bytes));
  for (size_t i = 0; i < inputs.size(); ++i) {
    memory user(inputs[i], context.engine, nullptr);
    kernel->bind_input(i, user);
    memory in = kernel->reordered_input(user, runs->layouts[i]);
    kernel->reordered_.push_back(in.get() == user.get() ? memory() : in);
  }
  return kernel;
}

std::optional<std::vector<int64_t>> ConcatCopy::in_place_offsets(
    const std::vector<memory::desc>& inputs, const memory::desc& dst, int axis) {
  // One run per input, each stored as its part of dst already.
  auto runs = runs_of(inputs, dst, axis);
  if (!runs || runs->outer != 1) return std::nullopt;
  std::vector<int64_t> offsets;
  int64_t at = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i] != runs->layouts[i]) return std::nullopt;
    offsets.push_back(at);
    at += runs->bytes[i];
  }
  return offsets;
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
