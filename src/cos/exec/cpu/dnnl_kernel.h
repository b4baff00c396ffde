#pragma once

#include <dnnl.hpp>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "cos/exec/kernel.h"

namespace cosched {

// What building a oneDNN kernel needs: the engine and stream of one cpu processor.
struct DnnlContext {
  dnnl::engine engine;
  dnnl::stream stream;
};

// A kernel made of oneDNN primitives run in order. Memories bound to the run's args get
// their data handle set on each run; the others (reordered activations, packed weights)
// belong to the kernel.
class DnnlKernel : public Kernel {
 public:
  DnnlKernel(DnnlContext context, std::string implementation)
      : context_(std::move(context)), implementation_(std::move(implementation)) {}

  // `memory` reads args.inputs[index] / writes args.outputs[index] (user memory).
  void bind_input(size_t index, const dnnl::memory& memory) { inputs_.push_back({index, memory}); }
  void bind_output(size_t index, const dnnl::memory& memory) {
    outputs_.push_back({index, memory});
  }
  // A primitive made with user_scratchpad(): the kernel gives it scratch memory of its own.
  void add(dnnl::primitive primitive, std::unordered_map<int, dnnl::memory> args);
  // Memory in `desc` fed from `user` (a bound memory): `user` itself when the layouts are
  // equal, else a kernel-owned memory filled by a reorder added now.
  dnnl::memory reordered_input(const dnnl::memory& user, const dnnl::memory::desc& desc);
  // Memory in `desc` whose content goes to `user`; the caller adds the reorder with
  // finish_output() after the primitive that writes it.
  dnnl::memory output_in(const dnnl::memory& user, const dnnl::memory::desc& desc);
  void finish_output(const dnnl::memory& internal, const dnnl::memory& user);
  // x * sigmoid(x) over `memory` (f32) in place, after the calls added so far.
  void add_silu(const dnnl::memory& memory);
  // Our own code, run after the calls added so far once their results are written (it reads
  // the bound memories' data handles when it runs).
  void add_own(std::function<void()> work);
  void set_implementation(std::string text) { implementation_ = std::move(text); }
  // Input `index` (constant weights) was packed into kernel-owned memory.
  void mark_packed(size_t index) { packed_.push_back(index); }
  std::vector<size_t> packed_inputs() const override { return packed_; }
  // The layout output 0 is written in (plain unless the kernel was free to choose).
  void set_output_desc(const dnnl::memory::desc& desc) { output_desc_ = desc; }
  const dnnl::memory::desc& output_desc() const { return output_desc_; }

  void run(const KernelArgs& args) override;
  std::string implementation() const override { return implementation_; }
  const DnnlContext& context() const { return context_; }

 private:
  struct Binding {
    size_t index;
    dnnl::memory memory;
  };
  struct Call {
    dnnl::primitive primitive;
    std::unordered_map<int, dnnl::memory> args;
    std::function<void()> own;  // set: this call runs it instead
  };
  DnnlContext context_;
  std::string implementation_;
  dnnl::memory::desc output_desc_;
  std::vector<size_t> packed_;
  std::vector<Binding> inputs_, outputs_;
  std::vector<Call> calls_;
};

// Attributes that make a primitive take its scratch memory from the kernel rather than from
// oneDNN's process-wide scratchpad, which two threads running primitives at once would share
// (the runtime runs one worker per processor).
dnnl::primitive_attr user_scratchpad();

// A plain (row-major) f32 descriptor; rank 0 becomes {1}.
dnnl::memory::desc plain_desc(const Shape& shape,
                              dnnl::memory::data_type type = dnnl::memory::data_type::f32);
dnnl::memory::dims to_dims(const Shape& shape);
// A user memory over constant data (weights): oneDNN only reads it.
dnnl::memory constant_memory(const DnnlContext& context, const dnnl::memory::desc& desc,
                             const void* data);
// A kernel-owned copy of `source` in `desc` (packs weights once at compile time).
dnnl::memory packed(const DnnlContext& context, const dnnl::memory& source,
                    const dnnl::memory::desc& desc);
// "brgconv:avx512_core" style name of what oneDNN chose.
std::string impl_name(const dnnl::primitive_desc_base& pd);

}  // namespace cosched
