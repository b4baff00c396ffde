#include "cos/exec/cpu/dnnl_kernel.h"

#include "cos/exec/cpu/fast_silu.h"

namespace cosched {

using dnnl::memory;

dnnl::memory DnnlKernel::reordered_input(const memory& user, const memory::desc& desc) {
  if (user.get_desc() == desc) return user;
  memory internal(desc, context_.engine);
  add(dnnl::reorder(user, internal, user_scratchpad()),
      {{DNNL_ARG_FROM, user}, {DNNL_ARG_TO, internal}});
  return internal;
}

dnnl::memory DnnlKernel::output_in(const memory& user, const memory::desc& desc) {
  return user.get_desc() == desc ? user : memory(desc, context_.engine);
}

void DnnlKernel::finish_output(const memory& internal, const memory& user) {
  if (internal.get() == user.get()) return;
  add(dnnl::reorder(internal, user, user_scratchpad()),
      {{DNNL_ARG_FROM, internal}, {DNNL_ARG_TO, user}});
}

void DnnlKernel::add_silu(const memory& memory) {
  add_own([memory] {
    silu_in_place(static_cast<float*>(memory.get_data_handle()),
                  memory.get_desc().get_size() / sizeof(float));
  });
}

void DnnlKernel::add_own(std::function<void()> work) {
  calls_.push_back({dnnl::primitive(), {}, std::move(work)});
}

dnnl::primitive_attr user_scratchpad() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

void DnnlKernel::add(dnnl::primitive primitive, std::unordered_map<int, dnnl::memory> args) {
  const dnnl_memory_desc_t* scratch =
      dnnl_primitive_desc_query_md(primitive.get_primitive_desc(), dnnl_query_scratchpad_md, 0);
  if (scratch && dnnl_memory_desc_get_size(scratch) > 0)
    args[DNNL_ARG_SCRATCHPAD] = memory(memory::desc(*scratch), context_.engine);
  calls_.push_back({std::move(primitive), std::move(args)});
}

void DnnlKernel::run(const KernelArgs& args) {
  for (auto& b : inputs_) b.memory.set_data_handle(const_cast<void*>(args.inputs[b.index]));
  for (auto& b : outputs_) b.memory.set_data_handle(args.outputs[b.index]);
  for (auto& call : calls_) {
    if (call.own) {
      context_.stream.wait();
      call.own();
    } else {
      call.primitive.execute(context_.stream, call.args);
    }
  }
  context_.stream.wait();
}

memory::dims to_dims(const Shape& shape) {
  if (shape.empty()) return {1};
  return memory::dims(shape.begin(), shape.end());
}

memory::desc plain_desc(const Shape& shape, memory::data_type type) {
  memory::dims dims = to_dims(shape);
  memory::dims strides(dims.size(), 1);
  for (size_t i = dims.size(); i-- > 1;) strides[i - 1] = strides[i] * dims[i];
  return memory::desc(dims, type, strides);
}

memory constant_memory(const DnnlContext& context, const memory::desc& desc, const void* data) {
  return memory(desc, context.engine, const_cast<void*>(data));
}

memory packed(const DnnlContext& context, const memory& source, const memory::desc& desc) {
  memory from = source, result(desc, context.engine);
  dnnl::stream stream = context.stream;                       // a handle: the same stream
  dnnl::reorder(from, result).execute(stream, from, result);  // compile time: one thread
  stream.wait();
  return result;
}

std::string impl_name(const dnnl::primitive_desc_base& pd) {
  return pd.impl_info_str();
}

}  // namespace cosched
