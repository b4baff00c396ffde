// NumPy .npy files: a magic string, a header dict {'descr', 'fortran_order', 'shape'}, then
// the raw little-endian data.
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

#include "cos/common/error.h"
#include "cos/io/tensor_file.h"

namespace cosched {
namespace {

const char magic[] = "\x93NUMPY";

struct Descr {
  const char* code;
  DType dtype;
};
const Descr descrs[] = {{"<f4", DType::f32}, {"<f2", DType::f16},    {"<f8", DType::f64},
                        {"|i1", DType::i8},  {"|u1", DType::u8},     {"<i4", DType::i32},
                        {"<i8", DType::i64}, {"|b1", DType::boolean}};

}  // namespace

Tensor read_npy(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) fail("{}: cannot open", path);
  std::string data((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (data.size() < 10 || data.compare(0, 6, magic) != 0) fail("{}: not a .npy file", path);
  const int major = static_cast<unsigned char>(data[6]);
  size_t header_len, start;
  if (major == 1) {
    header_len = static_cast<unsigned char>(data[8]) | static_cast<unsigned char>(data[9]) << 8;
    start = 10;
  } else if (major == 2 || major == 3) {
    if (data.size() < 12) fail("{}: truncated .npy header", path);
    uint32_t len;
    std::memcpy(&len, data.data() + 8, 4);
    header_len = len;
    start = 12;
  } else {
    fail("{}: unsupported .npy version {}", path, major);
  }
  if (data.size() < start + header_len) fail("{}: truncated .npy header", path);
  const std::string header = data.substr(start, header_len);
  std::smatch m;
  if (!std::regex_search(header, m, std::regex(R"('descr':\s*'([^']*)')")))
    fail("{}: .npy header has no descr", path);
  const std::string code = m[1];
  const Descr* descr = nullptr;
  for (const auto& d : descrs)
    if (code == d.code || (code.size() == 3 && code[0] == '=' && code.substr(1) == d.code + 1))
      descr = &d;
  if (!descr) fail("{}: unsupported .npy dtype '{}'", path, code);
  if (std::regex_search(header, std::regex(R"('fortran_order':\s*True)")))
    fail("{}: Fortran-order .npy is unsupported", path);
  if (!std::regex_search(header, m, std::regex(R"('shape':\s*\(([^)]*)\))")))
    fail("{}: .npy header has no shape", path);
  Shape shape;
  std::stringstream dims(m[1].str());
  for (std::string dim; std::getline(dims, dim, ',');) {
    if (dim.find_first_not_of(" ") == std::string::npos) continue;
    try {
      shape.push_back(std::stoll(dim));
    } catch (const std::exception&) {
      fail("{}: bad .npy shape '{}'", path, m[1].str());
    }
  }
  Tensor tensor = make_tensor(descr->dtype, shape);
  const size_t body = start + header_len;
  if (data.size() - body != tensor.bytes.size())
    fail("{}: {} data bytes for shape {} of {}, {} expected", path, data.size() - body,
         shape_string(shape), dtype_name(descr->dtype), tensor.bytes.size());
  std::memcpy(tensor.bytes.data(), data.data() + body, tensor.bytes.size());
  return tensor;
}

void write_npy(const std::string& path, const Tensor& tensor) {
  const Descr* descr = nullptr;
  for (const auto& d : descrs)
    if (d.dtype == tensor.dtype) descr = &d;
  std::string shape;
  for (size_t i = 0; i < tensor.shape.size(); ++i)
    shape += (i ? ", " : "") + std::to_string(tensor.shape[i]);
  if (tensor.shape.size() == 1) shape += ',';  // Python's one-element tuple: (5,)
  std::string header =
      fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}", descr->code, shape);
  // The header is padded with spaces so that the data starts at a multiple of 64.
  header.append(63 - (10 + header.size()) % 64, ' ');
  header += '\n';
  std::ofstream file(path, std::ios::binary);
  if (!file) fail("{}: cannot write", path);
  file.write(magic, 6);
  const char version[4] = {1, 0, static_cast<char>(header.size() & 0xff),
                           static_cast<char>(header.size() >> 8)};
  file.write(version, 4);
  file << header;
  file.write(reinterpret_cast<const char*>(tensor.bytes.data()),
             static_cast<std::streamsize>(tensor.bytes.size()));
  if (!file) fail("{}: write failed", path);
}

}  // namespace cosched
