#pragma once

#include <cudnn.h>

#include <vector>

#include "cos/graph/graph.h"

namespace cosched {

// Owned cuDNN descriptors (created in the constructor, destroyed with the object).
struct TensorDesc {
  cudnnTensorDescriptor_t desc = nullptr;
  // Packed f32 of `shape`, padded with trailing 1s to at least 4 dims (cuDNN's minimum).
  explicit TensorDesc(const Shape& shape);
  TensorDesc(const TensorDesc&) = delete;
  TensorDesc& operator=(const TensorDesc&) = delete;
  ~TensorDesc() { cudnnDestroyTensorDescriptor(desc); }
};

struct FilterDesc {
  cudnnFilterDescriptor_t desc = nullptr;
  explicit FilterDesc(const Shape& shape);
  FilterDesc(const FilterDesc&) = delete;
  FilterDesc& operator=(const FilterDesc&) = delete;
  ~FilterDesc() { cudnnDestroyFilterDescriptor(desc); }
};

struct ConvDesc {
  cudnnConvolutionDescriptor_t desc = nullptr;
  ConvDesc(const std::vector<int>& pads, const std::vector<int>& strides,
           const std::vector<int>& dilations, int groups);
  ConvDesc(const ConvDesc&) = delete;
  ConvDesc& operator=(const ConvDesc&) = delete;
  ~ConvDesc() { cudnnDestroyConvolutionDescriptor(desc); }
};

// `shape` with trailing 1s up to `rank` dims.
Shape padded_to(Shape shape, size_t rank);

}  // namespace cosched
