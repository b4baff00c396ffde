#include "cos/onnx/convert.h"

#include <cstring>
#include <map>

#include "cos/common/error.h"

namespace cosched {
namespace {

DType checked_dtype(int onnx_type, const std::string& what) {
  auto dtype = dtype_from_onnx(onnx_type);
  if (!dtype) fail("{}: unsupported dtype {}", what, onnx_dtype_name(onnx_type));
  return *dtype;
}

template <typename Field>
void copy_typed(Tensor& tensor, const Field& field, const std::string& what) {
  if (static_cast<int64_t>(field.size()) != tensor.size()) {
    fail("{}: has {} elements of data, its shape {} needs {}", what, field.size(),
         shape_string(tensor.shape), tensor.size());
  }
  for (int64_t i = 0; i < tensor.size(); ++i) {
    auto v = field.Get(static_cast<int>(i));
    switch (tensor.dtype) {
      case DType::f32:
        tensor.data<float>()[i] = static_cast<float>(v);
        break;
      case DType::f64:
        tensor.data<double>()[i] = static_cast<double>(v);
        break;
      case DType::f16:
        tensor.data<uint16_t>()[i] = static_cast<uint16_t>(v);
        break;  // raw bits
      case DType::i8:
        tensor.data<int8_t>()[i] = static_cast<int8_t>(v);
        break;
      case DType::u8:
        tensor.data<uint8_t>()[i] = static_cast<uint8_t>(v);
        break;
      case DType::i32:
        tensor.data<int32_t>()[i] = static_cast<int32_t>(v);
        break;
      case DType::i64:
        tensor.data<int64_t>()[i] = static_cast<int64_t>(v);
        break;
      case DType::boolean:
        tensor.data<uint8_t>()[i] = v != 0;
        break;
    }
  }
}

void read_type(const onnx::TypeProto& type, Value& value, const std::string& what) {
  if (!type.has_tensor_type()) fail("{}: not a tensor (sequences and maps are unsupported)", what);
  const auto& tensor_type = type.tensor_type();
  if (tensor_type.elem_type() != 0) value.dtype = checked_dtype(tensor_type.elem_type(), what);
  if (!tensor_type.has_shape()) return;
  value.shape.clear();
  bool all_static = true;
  for (const auto& dim : tensor_type.shape().dim()) {
    if (dim.has_dim_value() && dim.dim_value() >= 0) {
      value.shape.push_back(dim.dim_value());
    } else {
      value.shape.push_back(-1);
      all_static = false;
    }
  }
  value.has_shape = all_static;
}

void write_type(const Value& value, onnx::ValueInfoProto* info) {
  info->set_name(value.name);
  auto* tensor_type = info->mutable_type()->mutable_tensor_type();
  tensor_type->set_elem_type(dtype_to_onnx(value.dtype));
  if (value.shape.empty() && !value.has_shape) return;
  auto* shape = tensor_type->mutable_shape();
  for (int64_t dim : value.shape) {
    auto* d = shape->add_dim();
    if (dim >= 0) d->set_dim_value(dim);
  }
}

AttrValue read_attribute(const onnx::AttributeProto& attr, const std::string& what) {
  using A = onnx::AttributeProto;
  switch (attr.type()) {
    case A::INT:
      return attr.i();
    case A::FLOAT:
      return static_cast<double>(attr.f());
    case A::STRING:
      return attr.s();
    case A::INTS:
      return std::vector<int64_t>(attr.ints().begin(), attr.ints().end());
    case A::FLOATS:
      return std::vector<double>(attr.floats().begin(), attr.floats().end());
    case A::TENSOR:
      return tensor_from_proto(attr.t(), what + " attribute '" + attr.name() + "'");
    default:
      break;
  }
  // Old exporters leave the type unset; infer it from the field that is present.
  if (attr.has_i()) return attr.i();
  if (attr.has_f()) return static_cast<double>(attr.f());
  if (attr.has_s()) return attr.s();
  if (attr.ints_size() > 0) return std::vector<int64_t>(attr.ints().begin(), attr.ints().end());
  if (attr.floats_size() > 0)
    return std::vector<double>(attr.floats().begin(), attr.floats().end());
  fail("{}: attribute '{}' has an unsupported type", what, attr.name());
}

void write_attribute(const std::string& name, const AttrValue& value, onnx::AttributeProto* attr) {
  using A = onnx::AttributeProto;
  attr->set_name(name);
  if (const auto* i = std::get_if<int64_t>(&value)) {
    attr->set_type(A::INT);
    attr->set_i(*i);
  } else if (const auto* f = std::get_if<double>(&value)) {
    attr->set_type(A::FLOAT);
    attr->set_f(static_cast<float>(*f));
  } else if (const auto* s = std::get_if<std::string>(&value)) {
    attr->set_type(A::STRING);
    attr->set_s(*s);
  } else if (const auto* ints = std::get_if<std::vector<int64_t>>(&value)) {
    attr->set_type(A::INTS);
    for (int64_t v : *ints) attr->add_ints(v);
  } else if (const auto* floats = std::get_if<std::vector<double>>(&value)) {
    attr->set_type(A::FLOATS);
    for (double v : *floats) attr->add_floats(static_cast<float>(v));
  } else if (const auto* tensor = std::get_if<Tensor>(&value)) {
    attr->set_type(A::TENSOR);
    tensor_to_proto(*tensor, "", attr->mutable_t());
  }
}

// The value of a Constant node, from whichever attribute carries it.
Tensor constant_node_value(const onnx::NodeProto& node, const std::string& what) {
  for (const auto& attr : node.attribute()) {
    const std::string& key = attr.name();
    if (key == "value") return tensor_from_proto(attr.t(), what);
    if (key == "value_float") return from_doubles(DType::f32, {}, {attr.f()});
    if (key == "value_floats") {
      return from_doubles(DType::f32, {attr.floats_size()},
                          std::vector<double>(attr.floats().begin(), attr.floats().end()));
    }
    if (key == "value_int") return from_ints({attr.i()}, {});
    if (key == "value_ints") {
      return from_ints(std::vector<int64_t>(attr.ints().begin(), attr.ints().end()),
                       {attr.ints_size()});
    }
  }
  fail("{}: Constant without a supported value attribute", what);
}

std::string node_label(const onnx::NodeProto& node, int index) {
  std::string name = node.name().empty() ? fmt::format("#{}", index) : node.name();
  return fmt::format("node '{}' ({})", name, node.op_type());
}

}  // namespace

Tensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& what) {
  if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
    fail("{}: external data is not supported (save the model with its weights inside)", what);
  }
  Shape shape(proto.dims().begin(), proto.dims().end());
  for (int64_t dim : shape) {
    if (dim < 0) fail("{}: negative dimension in shape {}", what, shape_string(shape));
  }
  Tensor tensor{checked_dtype(proto.data_type(), what), shape, {}};
  int64_t count = element_count(shape);
  int64_t need = count * static_cast<int64_t>(dtype_size(tensor.dtype));
  if (proto.has_raw_data()) {
    if (static_cast<int64_t>(proto.raw_data().size()) != need) {
      fail("{}: has {} bytes of data, its shape {} ({}) needs {}", what, proto.raw_data().size(),
           shape_string(shape), dtype_name(tensor.dtype), need);
    }
    tensor.bytes.resize(static_cast<size_t>(need));
    std::memcpy(tensor.bytes.data(), proto.raw_data().data(), static_cast<size_t>(need));
    return tensor;
  }
  // Typed fields: check the element count before allocating anything.
  int64_t available = 0;
  switch (tensor.dtype) {
    case DType::f32:
      available = proto.float_data_size();
      break;
    case DType::f64:
      available = proto.double_data_size();
      break;
    case DType::i64:
      available = proto.int64_data_size();
      break;
    default:
      available = proto.int32_data_size();
      break;
  }
  if (available != count) {
    fail("{}: has {} elements of data, its shape {} needs {}", what, available, shape_string(shape),
         count);
  }
  tensor.bytes.resize(static_cast<size_t>(need));
  switch (tensor.dtype) {
    case DType::f32:
      copy_typed(tensor, proto.float_data(), what);
      break;
    case DType::f64:
      copy_typed(tensor, proto.double_data(), what);
      break;
    case DType::i64:
      copy_typed(tensor, proto.int64_data(), what);
      break;
    default:
      copy_typed(tensor, proto.int32_data(), what);
      break;
  }
  return tensor;
}

void tensor_to_proto(const Tensor& tensor, const std::string& name, onnx::TensorProto* proto) {
  proto->set_name(name);
  proto->set_data_type(dtype_to_onnx(tensor.dtype));
  for (int64_t dim : tensor.shape) proto->add_dims(dim);
  proto->set_raw_data(tensor.bytes.data(), tensor.bytes.size());
}

Graph graph_from_proto(onnx::ModelProto& model) {
  const auto& proto = model.graph();
  Graph graph;
  graph.name = proto.name();
  for (const auto& opset : model.opset_import()) {
    if (opset.domain().empty() || opset.domain() == "ai.onnx")
      graph.opset = static_cast<int>(opset.version());
  }
  std::map<std::string, int> by_name;
  auto define = [&](Value value, const std::string& what) {
    if (by_name.count(value.name)) fail("{}: value '{}' is defined twice", what, value.name);
    int id = graph.add_value(std::move(value));
    by_name[graph.values[id].name] = id;
    return id;
  };
  for (auto& init : *model.mutable_graph()->mutable_initializer()) {
    std::string what = fmt::format("initializer '{}'", init.name());
    Tensor tensor = tensor_from_proto(init, what);
    Value value{
        .name = init.name(), .dtype = tensor.dtype, .shape = tensor.shape, .has_shape = true};
    value.is_initializer = true;
    value.data = std::make_shared<const Tensor>(std::move(tensor));
    define(std::move(value), what);
    onnx::TensorProto().Swap(&init);  // frees its data now (Clear() keeps the capacity)
  }
  for (const auto& input : proto.input()) {
    if (by_name.count(input.name())) continue;  // old models list initializers as inputs too
    std::string what = fmt::format("input '{}'", input.name());
    Value value{.name = input.name()};
    read_type(input.type(), value, what);
    graph.inputs.push_back(define(std::move(value), what));
  }
  for (int i = 0; i < proto.node_size(); ++i) {
    const auto& node_proto = proto.node(i);
    std::string what = node_label(node_proto, i);
    if (node_proto.op_type() == "Constant" && node_proto.domain().empty()) {
      if (node_proto.output_size() != 1) fail("{}: Constant must have one output", what);
      Tensor tensor = constant_node_value(node_proto, what);
      Value value{.name = node_proto.output(0),
                  .dtype = tensor.dtype,
                  .shape = tensor.shape,
                  .has_shape = true};
      value.data = std::make_shared<const Tensor>(std::move(tensor));
      define(std::move(value), what);
      continue;
    }
    Node node;
    node.name = node_proto.name().empty() ? fmt::format("{}_{}", node_proto.op_type(), i)
                                          : node_proto.name();
    node.op = node_proto.domain().empty() || node_proto.domain() == "ai.onnx"
                  ? node_proto.op_type()
                  : node_proto.domain() + "::" + node_proto.op_type();
    for (const auto& attr : node_proto.attribute())
      node.attrs[attr.name()] = read_attribute(attr, what);
    for (const auto& out : node_proto.output()) {
      node.outputs.push_back(out.empty() ? -1 : define(Value{.name = out}, what));
    }
    graph.nodes.push_back(std::move(node));
  }
  // Inputs are resolved after all outputs exist, so a cycle shows as a cycle, not as
  // an unknown name.
  for (int i = 0, n = 0; i < proto.node_size(); ++i) {
    const auto& node_proto = proto.node(i);
    if (node_proto.op_type() == "Constant" && node_proto.domain().empty()) continue;
    Node& node = graph.nodes[n++];
    for (const auto& in : node_proto.input()) {
      if (in.empty()) {
        node.inputs.push_back(-1);
        continue;
      }
      auto it = by_name.find(in);
      if (it == by_name.end()) {
        fail("{}: input '{}' is not a graph input, initializer or node output",
             node_label(node_proto, i), in);
      }
      node.inputs.push_back(it->second);
    }
  }
  for (const auto& info : proto.value_info()) {
    auto it = by_name.find(info.name());
    if (it != by_name.end() && !graph.values[it->second].is_constant()) {
      read_type(info.type(), graph.values[it->second], fmt::format("value '{}'", info.name()));
    }
  }
  for (const auto& output : proto.output()) {
    auto it = by_name.find(output.name());
    if (it == by_name.end()) fail("graph output '{}' is not produced by any node", output.name());
    if (!graph.values[it->second].is_constant()) {
      read_type(output.type(), graph.values[it->second], fmt::format("output '{}'", output.name()));
    }
    graph.outputs.push_back(it->second);
  }
  graph.link();
  return graph;
}

onnx::ModelProto graph_to_proto(const Graph& graph, int64_t inline_limit) {
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("cos");
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(graph.opset);
  auto* proto = model.mutable_graph();
  proto->set_name(graph.name.empty() ? "graph" : graph.name);
  for (int id : graph.inputs) write_type(graph.values[id], proto->add_input());
  for (const auto& value : graph.values) {
    if (!value.is_constant()) continue;
    if (value.data->size() <= inline_limit) {
      tensor_to_proto(*value.data, value.name, proto->add_initializer());
    } else {
      write_type(value, proto->add_input());
    }
  }
  for (const auto& node : graph.nodes) {
    auto* node_proto = proto->add_node();
    node_proto->set_name(node.name);
    auto separator = node.op.find("::");
    if (separator != std::string::npos) {
      node_proto->set_domain(node.op.substr(0, separator));
      node_proto->set_op_type(node.op.substr(separator + 2));
    } else {
      node_proto->set_op_type(node.op);
    }
    for (int in : node.inputs) node_proto->add_input(in >= 0 ? graph.values[in].name : "");
    for (int out : node.outputs) node_proto->add_output(out >= 0 ? graph.values[out].name : "");
    for (const auto& [key, value] : node.attrs)
      write_attribute(key, value, node_proto->add_attribute());
  }
  for (int id : graph.outputs) {
    const Value& value = graph.values[id];
    if (value.has_shape) {
      write_type(value, proto->add_output());
    } else {
      proto->add_output()->set_name(value.name);
    }
  }
  return model;
}

}  // namespace cosched
