#include "cos/exec/cpu/plain_inputs.h"

namespace cosched {

PlainInputs::PlainInputs(const DnnlContext& context, std::unique_ptr<Kernel> kernel,
                         std::vector<Input> inputs)
    : context_(context), kernel_(std::move(kernel)) {
  for (const Input& input : inputs) {
    indices_.push_back(input.index);
    from_.emplace_back(input.stored, context_.engine, nullptr);
    to_.emplace_back(input.plain, context_.engine);
    reorders_.emplace_back(from_.back(), to_.back());
  }
}

void PlainInputs::run(const KernelArgs& args) {
  KernelArgs plain = args;
  for (size_t i = 0; i < indices_.size(); ++i) {
    from_[i].set_data_handle(const_cast<void*>(args.inputs[indices_[i]]));
    reorders_[i].execute(context_.stream, from_[i], to_[i]);
    plain.inputs[indices_[i]] = to_[i].get_data_handle();
  }
  context_.stream.wait();
  kernel_->run(plain);
}

std::string PlainInputs::implementation() const {
  return kernel_->implementation() + " + reorder to plain";
}

}  // namespace cosched
