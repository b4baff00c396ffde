#include "cos/exec/cuda/cuda_kernel.h"

#include "cos/common/error.h"
#include "cos/exec/reference/ref_util.h"

namespace cosched {

CudaKernel::CudaKernel(CudaContext& context, const Graph& graph, std::span<const Node* const> group,
                       std::string implementation)
    : context_(context), implementation_(std::move(implementation)) {
  context_.bind();
  for (const Node* node : group)
    for (int v : node->inputs) {
      const bool constant = v >= 0 && graph.values[v].is_constant();
      constants_.push_back(constant ? DeviceBuffer::upload(graph.values[v].data->bytes.data(),
                                                           graph.values[v].bytes())
                                    : DeviceBuffer());
    }
}

std::vector<size_t> CudaKernel::packed_inputs() const {
  std::vector<size_t> packed;
  for (size_t i = 0; i < constants_.size(); ++i)
    if (constants_[i].get()) packed.push_back(i);
  return packed;
}

size_t arg_index(std::span<const Node* const> group, size_t node_index, size_t input) {
  size_t index = 0;
  for (size_t n = 0; n < node_index; ++n) index += group[n]->inputs.size();
  return index + input;
}

void broadcast_into(cuda::Indexer& index, int which, const Shape& in_shape,
                    const Shape& out_shape) {
  if (out_shape.size() > cuda::Indexer::max_rank)
    fail("cuda: rank {} is above {}", out_shape.size(), cuda::Indexer::max_rank);
  index.rank = static_cast<int>(out_shape.size());
  const Shape strides = ref::strides_of(in_shape);
  const size_t lead = out_shape.size() - in_shape.size();
  for (size_t d = 0; d < out_shape.size(); ++d) {
    index.dims[d] = out_shape[d];
    index.stride[which][d] = d < lead || in_shape[d - lead] == 1 ? 0 : strides[d - lead];
  }
}

}  // namespace cosched
