#include "cos/io/tensor_file.h"

#include <onnx/onnx_pb.h>

#include <fstream>

#include "cos/common/error.h"
#include "cos/onnx/convert.h"

namespace cosched {
namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

Tensor read_tensor_file(const std::string& path) {
  if (ends_with(path, ".npy")) return read_npy(path);
  if (!ends_with(path, ".pb")) fail("{}: expected a .npy or .pb tensor file", path);
  std::ifstream file(path, std::ios::binary);
  if (!file) fail("{}: cannot open", path);
  onnx::TensorProto proto;
  if (!proto.ParseFromIstream(&file)) fail("{}: not an ONNX TensorProto", path);
  return tensor_from_proto(proto, path);
}

void write_tensor_file(const std::string& path, const Tensor& tensor, const std::string& name) {
  if (ends_with(path, ".npy")) return write_npy(path, tensor);
  if (!ends_with(path, ".pb")) fail("{}: expected a .npy or .pb tensor file", path);
  onnx::TensorProto proto;
  tensor_to_proto(tensor, name, &proto);
  std::ofstream file(path, std::ios::binary);
  if (!file || !proto.SerializeToOstream(&file)) fail("{}: write failed", path);
}

}  // namespace cosched
