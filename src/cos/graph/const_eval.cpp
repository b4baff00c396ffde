#include "cos/graph/const_eval.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

#include "cos/common/error.h"

namespace cosched {
namespace {

const Tensor& need(const std::vector<const Tensor*>& inputs, size_t i, const Node& node) {
  if (i >= inputs.size() || inputs[i] == nullptr) {
    fail("node '{}' ({}): missing input {}", node.name, node.op, i);
  }
  return *inputs[i];
}

int64_t normalize_axis(int64_t axis, int64_t rank, const Node& node) {
  if (axis < -rank || axis >= std::max<int64_t>(rank, 1)) {
    fail("node '{}' ({}): axis {} out of range for rank {}", node.name, node.op, axis, rank);
  }
  return axis < 0 ? axis + rank : axis;
}

// An int list given as input `index` (newer opsets) or attribute `key` (older ones).
std::optional<std::vector<int64_t>> int_list(const Node& node,
                                             const std::vector<const Tensor*>& inputs, size_t index,
                                             const std::string& key) {
  if (index < inputs.size() && inputs[index]) return to_ints(*inputs[index]);
  if (node.has_attr(key)) return node.attr_ints(key);
  return std::nullopt;
}

std::vector<int64_t> strides_of(const Shape& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int i = static_cast<int>(shape.size()) - 2; i >= 0; --i) {
    strides[i] = strides[i + 1] * shape[i + 1];
  }
  return strides;
}

// For each element of `out_shape`, the flat index into a tensor of `in_shape`
// broadcast to it.
std::vector<int64_t> broadcast_indices(const Shape& in_shape, const Shape& out_shape) {
  int64_t count = element_count(out_shape);
  size_t rank = out_shape.size();
  Shape padded(rank - in_shape.size(), 1);
  padded.insert(padded.end(), in_shape.begin(), in_shape.end());
  std::vector<int64_t> in_strides = strides_of(padded);
  std::vector<int64_t> indices(count);
  std::vector<int64_t> coord(rank, 0);
  for (int64_t flat = 0; flat < count; ++flat) {
    int64_t src = 0;
    for (size_t d = 0; d < rank; ++d) {
      if (padded[d] != 1) src += coord[d] * in_strides[d];
    }
    indices[flat] = src;
    for (int d = static_cast<int>(rank) - 1; d >= 0; --d) {
      if (++coord[d] < out_shape[d]) break;
      coord[d] = 0;
    }
  }
  return indices;
}

Tensor elementwise(const std::vector<const Tensor*>& args, DType out_dtype,
                   const std::function<double(const std::vector<double>&)>& op) {
  Shape shape;
  for (const Tensor* arg : args) shape = broadcast_shapes(shape, arg->shape);
  std::vector<std::vector<double>> values;
  std::vector<std::vector<int64_t>> indices;
  for (const Tensor* arg : args) {
    values.push_back(to_doubles(*arg));
    indices.push_back(broadcast_indices(arg->shape, shape));
  }
  int64_t count = element_count(shape);
  std::vector<double> out(count);
  std::vector<double> operands(args.size());
  for (int64_t i = 0; i < count; ++i) {
    for (size_t a = 0; a < args.size(); ++a) operands[a] = values[a][indices[a][i]];
    out[i] = op(operands);
  }
  return from_doubles(out_dtype, shape, out);
}

Tensor with_shape(const Tensor& tensor, Shape shape) {
  Tensor out = tensor;
  out.shape = std::move(shape);
  return out;
}

Tensor reshape(const Node& node, const Tensor& data, const std::vector<int64_t>& target) {
  Shape shape(target.begin(), target.end());
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0 && !node.attr_int("allowzero", 0)) {
      if (i >= data.shape.size())
        fail("node '{}' (Reshape): 0 at dim {} past input rank", node.name, i);
      shape[i] = data.shape[i];
    }
    if (shape[i] == -1) {
      if (infer >= 0) fail("node '{}' (Reshape): more than one -1 in shape", node.name);
      infer = static_cast<int>(i);
    } else if (shape[i] < 0) {
      fail("node '{}' (Reshape): negative dimension {}", node.name, shape[i]);
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0) shape[infer] = known == 0 ? 0 : data.size() / known;
  if (element_count(shape) != data.size()) {
    fail("node '{}' (Reshape): cannot reshape {} to {}", node.name, shape_string(data.shape),
         shape_string(shape));
  }
  return with_shape(data, shape);
}

Tensor gather(const Node& node, const Tensor& data, const Tensor& index_tensor) {
  int64_t rank = static_cast<int64_t>(data.shape.size());
  if (rank == 0) fail("node '{}' (Gather): data is a scalar", node.name);
  int64_t axis = normalize_axis(node.attr_int("axis", 0), rank, node);
  std::vector<int64_t> indices = to_ints(index_tensor);
  int64_t extent = data.shape[axis];
  Shape shape(data.shape.begin(), data.shape.begin() + axis);
  shape.insert(shape.end(), index_tensor.shape.begin(), index_tensor.shape.end());
  shape.insert(shape.end(), data.shape.begin() + axis + 1, data.shape.end());
  int64_t outer = element_count(Shape(data.shape.begin(), data.shape.begin() + axis));
  int64_t inner = element_count(Shape(data.shape.begin() + axis + 1, data.shape.end()));
  size_t element = dtype_size(data.dtype);
  Tensor out = make_tensor(data.dtype, shape);
  std::byte* dst = out.bytes.data();
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t index : indices) {
      if (index < -extent || index >= extent) {
        fail("node '{}' (Gather): index {} out of range [0, {})", node.name, index, extent);
      }
      if (index < 0) index += extent;
      const std::byte* src = data.bytes.data() + ((o * extent + index) * inner) * element;
      dst = std::copy(src, src + inner * element, dst);
    }
  }
  return out;
}

Tensor concat(const Node& node, const std::vector<const Tensor*>& parts) {
  if (parts.empty()) fail("node '{}' (Concat): no inputs", node.name);
  int64_t rank = static_cast<int64_t>(parts[0]->shape.size());
  int64_t axis = normalize_axis(node.attr_int("axis", 0), rank, node);
  Shape shape = parts[0]->shape;
  shape[axis] = 0;
  for (const Tensor* part : parts) {
    if (static_cast<int64_t>(part->shape.size()) != rank || part->dtype != parts[0]->dtype) {
      fail("node '{}' (Concat): inputs differ in rank or type", node.name);
    }
    for (int64_t d = 0; d < rank; ++d) {
      if (d != axis && part->shape[d] != parts[0]->shape[d]) {
        fail("node '{}' (Concat): inputs differ outside the axis", node.name);
      }
    }
    shape[axis] += part->shape[axis];
  }
  Tensor out = make_tensor(parts[0]->dtype, shape);
  int64_t outer = element_count(Shape(shape.begin(), shape.begin() + axis));
  size_t element = dtype_size(out.dtype);
  std::byte* dst = out.bytes.data();
  for (int64_t o = 0; o < outer; ++o) {
    for (const Tensor* part : parts) {
      int64_t chunk = element_count(Shape(part->shape.begin() + axis, part->shape.end())) * element;
      const std::byte* src = part->bytes.data() + o * chunk;
      dst = std::copy(src, src + chunk, dst);
    }
  }
  return out;
}

Tensor slice(const Node& node, const std::vector<const Tensor*>& inputs, int opset) {
  const Tensor& data = need(inputs, 0, node);
  auto starts = int_list(node, inputs, opset >= 10 ? 1 : 99, "starts");
  auto ends = int_list(node, inputs, opset >= 10 ? 2 : 99, "ends");
  if (!starts || !ends || starts->size() != ends->size()) {
    fail("node '{}' (Slice): starts and ends missing or of different lengths", node.name);
  }
  int64_t rank = static_cast<int64_t>(data.shape.size());
  std::vector<int64_t> axes(starts->size());
  std::iota(axes.begin(), axes.end(), 0);
  if (auto given = int_list(node, inputs, opset >= 10 ? 3 : 99, "axes")) axes = *given;
  std::vector<int64_t> steps(starts->size(), 1);
  if (auto given = int_list(node, inputs, opset >= 10 ? 4 : 99, "steps")) steps = *given;
  if (axes.size() != starts->size() || steps.size() != starts->size()) {
    fail("node '{}' (Slice): axes or steps differ in length from starts", node.name);
  }
  std::vector<int64_t> begin(rank, 0), step(rank, 1);
  Shape shape = data.shape;
  for (size_t i = 0; i < axes.size(); ++i) {
    int64_t axis = normalize_axis(axes[i], rank, node);
    int64_t dim = data.shape[axis];
    int64_t s = steps[i];
    if (s == 0) fail("node '{}' (Slice): step 0", node.name);
    // ONNX clamps to [0, dim] for positive steps and to [-1, dim - 1] for negative ones.
    auto clamp = [&](int64_t v) {
      if (v < 0) v += dim;
      return s > 0 ? std::clamp<int64_t>(v, 0, dim) : std::clamp<int64_t>(v, -1, dim - 1);
    };
    int64_t b = clamp((*starts)[i]);
    int64_t e = clamp((*ends)[i]);
    begin[axis] = b;
    step[axis] = s;
    shape[axis] = s > 0 ? std::max<int64_t>(0, (e - b + s - 1) / s)
                        : std::max<int64_t>(0, (b - e + (-s) - 1) / (-s));
  }
  Tensor out = make_tensor(data.dtype, shape);
  std::vector<int64_t> in_strides = strides_of(data.shape);
  int64_t count = out.size();
  size_t element = dtype_size(data.dtype);
  std::vector<int64_t> coord(rank, 0);
  for (int64_t flat = 0; flat < count; ++flat) {
    int64_t src = 0;
    for (int64_t d = 0; d < rank; ++d) src += (begin[d] + coord[d] * step[d]) * in_strides[d];
    std::copy_n(data.bytes.data() + src * element, element, out.bytes.data() + flat * element);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++coord[d] < shape[d]) break;
      coord[d] = 0;
    }
  }
  return out;
}

Tensor transpose(const Node& node, const Tensor& data) {
  int64_t rank = static_cast<int64_t>(data.shape.size());
  const std::vector<int64_t> perm = node.transpose_perm(data.shape.size());
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t d = 0; d < rank; ++d) {
    if (static_cast<int64_t>(sorted.size()) != rank || sorted[d] != d) {
      fail("node '{}' (Transpose): perm is not a permutation of 0..{}", node.name, rank - 1);
    }
  }
  Shape shape(rank);
  for (int64_t d = 0; d < rank; ++d) shape[d] = data.shape[perm[d]];
  std::vector<int64_t> in_strides = strides_of(data.shape);
  Tensor out = make_tensor(data.dtype, shape);
  size_t element = dtype_size(data.dtype);
  std::vector<int64_t> coord(rank, 0);
  for (int64_t flat = 0; flat < out.size(); ++flat) {
    int64_t src = 0;
    for (int64_t d = 0; d < rank; ++d) src += coord[d] * in_strides[perm[d]];
    std::copy_n(data.bytes.data() + src * element, element, out.bytes.data() + flat * element);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++coord[d] < shape[d]) break;
      coord[d] = 0;
    }
  }
  return out;
}

Tensor squeeze(const Node& node, const Tensor& data, std::optional<std::vector<int64_t>> axes) {
  int64_t rank = static_cast<int64_t>(data.shape.size());
  std::vector<bool> drop(rank, false);
  if (axes) {
    for (int64_t axis : *axes) {
      int64_t a = normalize_axis(axis, rank, node);
      if (data.shape[a] != 1) fail("node '{}' (Squeeze): dim {} is not 1", node.name, a);
      drop[a] = true;
    }
  } else {
    for (int64_t d = 0; d < rank; ++d) drop[d] = data.shape[d] == 1;
  }
  Shape shape;
  for (int64_t d = 0; d < rank; ++d) {
    if (!drop[d]) shape.push_back(data.shape[d]);
  }
  return with_shape(data, shape);
}

Tensor unsqueeze(const Node& node, const Tensor& data, const std::vector<int64_t>& axes) {
  int64_t rank = static_cast<int64_t>(data.shape.size() + axes.size());
  std::vector<bool> inserted(rank, false);
  for (int64_t axis : axes) {
    int64_t a = normalize_axis(axis, rank, node);
    if (inserted[a]) fail("node '{}' (Unsqueeze): repeated axis {}", node.name, a);
    inserted[a] = true;
  }
  Shape shape;
  size_t next = 0;
  for (int64_t d = 0; d < rank; ++d) shape.push_back(inserted[d] ? 1 : data.shape[next++]);
  return with_shape(data, shape);
}

Tensor range(const Node& node, const std::vector<const Tensor*>& inputs) {
  double start = to_doubles(need(inputs, 0, node)).at(0);
  double limit = to_doubles(need(inputs, 1, node)).at(0);
  double delta = to_doubles(need(inputs, 2, node)).at(0);
  if (delta == 0) fail("node '{}' (Range): delta is 0", node.name);
  double steps = std::max(0.0, std::ceil((limit - start) / delta));
  if (steps > 1e8) fail("node '{}' (Range): too many elements", node.name);
  std::vector<double> values(static_cast<size_t>(steps));
  for (size_t i = 0; i < values.size(); ++i) values[i] = start + static_cast<double>(i) * delta;
  return from_doubles(inputs[0]->dtype, {static_cast<int64_t>(values.size())}, values);
}

using Unary = double (*)(double);
std::optional<Unary> unary_op(const std::string& op) {
  if (op == "Neg") return [](double x) { return -x; };
  if (op == "Abs") return [](double x) { return std::fabs(x); };
  if (op == "Sqrt") return [](double x) { return std::sqrt(x); };
  if (op == "Floor") return [](double x) { return std::floor(x); };
  if (op == "Ceil") return [](double x) { return std::ceil(x); };
  if (op == "Exp") return [](double x) { return std::exp(x); };
  if (op == "Relu") return [](double x) { return std::max(x, 0.0); };
  if (op == "Not") return [](double x) { return x == 0 ? 1.0 : 0.0; };
  return std::nullopt;
}

std::optional<std::function<double(double, double)>> binary_op(const std::string& op,
                                                               bool integer) {
  if (op == "Add") return std::plus<double>();
  if (op == "Sub") return std::minus<double>();
  if (op == "Mul") return std::multiplies<double>();
  if (op == "Div") {
    if (integer) return [](double a, double b) { return b == 0 ? 0.0 : std::trunc(a / b); };
    return std::divides<double>();
  }
  if (op == "Pow") return [](double a, double b) { return std::pow(a, b); };
  if (op == "Mod") {
    // Integers: the sign of the divisor (ONNX fmod=0, as Python's %); floats: C's fmod.
    if (integer) return [](double a, double b) { return b == 0 ? 0.0 : a - b * std::floor(a / b); };
    return [](double a, double b) { return std::fmod(a, b); };
  }
  if (op == "Min") return [](double a, double b) { return std::min(a, b); };
  if (op == "Max") return [](double a, double b) { return std::max(a, b); };
  if (op == "Equal") return [](double a, double b) { return a == b ? 1.0 : 0.0; };
  if (op == "Less") return [](double a, double b) { return a < b ? 1.0 : 0.0; };
  if (op == "Greater") return [](double a, double b) { return a > b ? 1.0 : 0.0; };
  return std::nullopt;
}

bool is_comparison(const std::string& op) {
  return op == "Equal" || op == "Less" || op == "Greater";
}

}  // namespace

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  Shape out(std::max(a.size(), b.size()), 1);
  for (size_t i = 0; i < out.size(); ++i) {
    int64_t da = i < out.size() - a.size() ? 1 : a[i - (out.size() - a.size())];
    int64_t db = i < out.size() - b.size() ? 1 : b[i - (out.size() - b.size())];
    if (da != db && da != 1 && db != 1) {
      fail("shapes {} and {} do not broadcast", shape_string(a), shape_string(b));
    }
    out[i] = da == 1 ? db : da;
  }
  return out;
}

std::optional<std::vector<Tensor>> evaluate_constant(const Node& node,
                                                     const std::vector<const Tensor*>& inputs,
                                                     int opset) {
  const std::string& op = node.op;
  auto first = [&]() -> const Tensor& { return need(inputs, 0, node); };
  if (op == "Identity" || op == "Dropout") return std::vector<Tensor>{first()};
  if (op == "Shape") {
    const Shape& shape = first().shape;
    int64_t rank = static_cast<int64_t>(shape.size());
    int64_t start = std::clamp<int64_t>(node.attr_int("start", 0), -rank, rank);
    int64_t end = std::clamp<int64_t>(node.attr_int("end", rank), -rank, rank);
    if (start < 0) start += rank;
    if (end < 0) end += rank;
    std::vector<int64_t> dims(shape.begin() + start, shape.begin() + std::max(start, end));
    return std::vector<Tensor>{from_ints(dims, {static_cast<int64_t>(dims.size())})};
  }
  if (op == "Size") return std::vector<Tensor>{from_ints({first().size()}, {})};
  if (op == "Cast") {
    auto to = dtype_from_onnx(static_cast<int>(node.attr_int("to", 0)));
    if (!to) fail("node '{}' (Cast): unsupported target type", node.name);
    return std::vector<Tensor>{from_doubles(*to, first().shape, to_doubles(first()))};
  }
  if (op == "Gather") return std::vector<Tensor>{gather(node, first(), need(inputs, 1, node))};
  if (op == "Concat") {
    std::vector<const Tensor*> parts;
    for (const Tensor* t : inputs) {
      if (t && t->size() > 0) parts.push_back(t);  // empty inputs do not contribute
    }
    if (parts.empty()) return std::vector<Tensor>{first()};
    return std::vector<Tensor>{concat(node, parts)};
  }
  if (op == "Unsqueeze") {
    auto axes = int_list(node, inputs, 1, "axes");
    if (!axes) fail("node '{}' (Unsqueeze): no axes", node.name);
    return std::vector<Tensor>{unsqueeze(node, first(), *axes)};
  }
  if (op == "Squeeze")
    return std::vector<Tensor>{squeeze(node, first(), int_list(node, inputs, 1, "axes"))};
  if (op == "Reshape") {
    return std::vector<Tensor>{reshape(node, first(), to_ints(need(inputs, 1, node)))};
  }
  if (op == "Flatten") {
    int64_t rank = static_cast<int64_t>(first().shape.size());
    int64_t axis = node.attr_int("axis", 1);
    if (axis < 0) axis += rank;
    if (axis < 0 || axis > rank) fail("node '{}' (Flatten): axis out of range", node.name);
    int64_t outer = element_count(Shape(first().shape.begin(), first().shape.begin() + axis));
    return std::vector<Tensor>{
        with_shape(first(), {outer, first().size() / std::max<int64_t>(outer, 1)})};
  }
  if (op == "Slice") return std::vector<Tensor>{slice(node, inputs, opset)};
  if (op == "Transpose") return std::vector<Tensor>{transpose(node, first())};
  if (op == "Range") return std::vector<Tensor>{range(node, inputs)};
  if (op == "ConstantOfShape") {
    std::vector<int64_t> dims = to_ints(first());
    const Tensor* value = node.attr_tensor("value");
    DType dtype = value ? value->dtype : DType::f32;
    double fill = value && value->size() > 0 ? to_doubles(*value)[0] : 0.0;
    Shape shape(dims.begin(), dims.end());
    if (element_count(shape) > (int64_t{1} << 26))
      fail("node '{}' (ConstantOfShape): too large", node.name);
    return std::vector<Tensor>{
        from_doubles(dtype, shape, std::vector<double>(element_count(shape), fill))};
  }
  if (op == "Expand") {
    std::vector<int64_t> dims = to_ints(need(inputs, 1, node));
    Shape shape = broadcast_shapes(first().shape, Shape(dims.begin(), dims.end()));
    if (element_count(shape) > (int64_t{1} << 26)) fail("node '{}' (Expand): too large", node.name);
    Tensor target = make_tensor(first().dtype, shape);
    return std::vector<Tensor>{elementwise({&first(), &target}, first().dtype,
                                           [](const std::vector<double>& v) { return v[0]; })};
  }
  if (op == "Where") {
    const Tensor& x = need(inputs, 1, node);
    return std::vector<Tensor>{
        elementwise({&first(), &x, &need(inputs, 2, node)}, x.dtype,
                    [](const std::vector<double>& v) { return v[0] ? v[1] : v[2]; })};
  }
  if (auto unary = unary_op(op)) {
    Unary f = *unary;
    return std::vector<Tensor>{elementwise({&first()}, first().dtype,
                                           [f](const std::vector<double>& v) { return f(v[0]); })};
  }
  if (auto binary = binary_op(op, !is_floating(first().dtype))) {
    auto f = *binary;
    DType out = is_comparison(op) ? DType::boolean : first().dtype;
    return std::vector<Tensor>{
        elementwise({&first(), &need(inputs, 1, node)}, out,
                    [f](const std::vector<double>& v) { return f(v[0], v[1]); })};
  }
  return std::nullopt;
}

}  // namespace cosched
