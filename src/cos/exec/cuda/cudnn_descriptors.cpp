#include "cos/exec/cuda/cudnn_descriptors.h"

#include "cos/exec/cuda/cuda_context.h"

namespace cosched {

Shape padded_to(Shape shape, size_t rank) {
  while (shape.size() < rank) shape.push_back(1);
  return shape;
}

TensorDesc::TensorDesc(const Shape& shape) {
  check_cudnn(cudnnCreateTensorDescriptor(&desc), "cudnnCreateTensorDescriptor");
  const Shape dims = padded_to(shape, 4);
  std::vector<int> d(dims.begin(), dims.end()), s(dims.size(), 1);
  for (int i = static_cast<int>(d.size()) - 2; i >= 0; --i) s[i] = s[i + 1] * d[i + 1];
  check_cudnn(cudnnSetTensorNdDescriptor(desc, CUDNN_DATA_FLOAT, static_cast<int>(d.size()),
                                         d.data(), s.data()),
              "cudnnSetTensorNdDescriptor");
}

FilterDesc::FilterDesc(const Shape& shape) {
  check_cudnn(cudnnCreateFilterDescriptor(&desc), "cudnnCreateFilterDescriptor");
  const Shape dims = padded_to(shape, 4);
  std::vector<int> d(dims.begin(), dims.end());
  check_cudnn(cudnnSetFilterNdDescriptor(desc, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW,
                                         static_cast<int>(d.size()), d.data()),
              "cudnnSetFilterNdDescriptor");
}

ConvDesc::ConvDesc(const std::vector<int>& pads, const std::vector<int>& strides,
                   const std::vector<int>& dilations, int groups) {
  check_cudnn(cudnnCreateConvolutionDescriptor(&desc), "cudnnCreateConvolutionDescriptor");
  check_cudnn(cudnnSetConvolutionNdDescriptor(desc, static_cast<int>(pads.size()), pads.data(),
                                              strides.data(), dilations.data(),
                                              CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
              "cudnnSetConvolutionNdDescriptor");
  check_cudnn(cudnnSetConvolutionGroupCount(desc, groups), "cudnnSetConvolutionGroupCount");
}

}  // namespace cosched
