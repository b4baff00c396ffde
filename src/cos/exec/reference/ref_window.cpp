// Reference Conv and pooling: direct loops over NC + up to 3 spatial dims.
#include <algorithm>
#include <cmath>
#include <limits>

#include "cos/exec/reference/ref_kernels.h"
#include "cos/exec/reference/ref_util.h"
#include "cos/exec/window.h"

namespace cosched::ref {
namespace {

// Window geometry padded to 3 spatial dims (missing dims of size 1).
struct Window3 {
  int64_t in[3], out[3], k[3], s[3], d[3], pb[3], pe_attr[3];
};

Window3 to_3d(const Window& w) {
  Window3 g;
  const int pad = 3 - w.rank();
  for (int i = 0; i < 3; ++i) {
    bool real = i >= pad;
    int j = i - pad;
    g.in[i] = real ? w.in[j] : 1;
    g.out[i] = real ? w.out[j] : 1;
    g.k[i] = real ? w.kernel[j] : 1;
    g.s[i] = real ? w.stride[j] : 1;
    g.d[i] = real ? w.dilation[j] : 1;
    g.pb[i] = real ? w.pad_begin[j] : 0;
    g.pe_attr[i] = real ? w.pad_end_attr[j] : 0;
  }
  return g;
}

}  // namespace

std::unique_ptr<Kernel> conv(const Graph& graph, const Node& node) {
  const Shape& x = shape_of(graph, node.inputs[0]);
  const Shape& wshape = shape_of(graph, node.inputs[1]);
  const Shape& y = shape_of(graph, node.outputs[0]);
  Window3 g = to_3d(window_of(node, x, y, Shape(wshape.begin() + 2, wshape.end())));
  const int64_t batch = x[0], in_c = x[1], out_c = y[1];
  const int64_t groups = node.attr_int("group", 1);
  const int64_t in_per_group = in_c / groups, out_per_group = out_c / groups;
  const bool has_bias = node.inputs.size() > 2 && node.inputs[2] >= 0;
  return kernel([=](const KernelArgs& args) {
    auto* src = static_cast<const float*>(args.inputs[0]);
    auto* weight = static_cast<const float*>(args.inputs[1]);
    auto* bias = has_bias ? static_cast<const float*>(args.inputs[2]) : nullptr;
    auto* dst = static_cast<float*>(args.outputs[0]);
    const int64_t in_size = g.in[0] * g.in[1] * g.in[2];
    const int64_t k_size = g.k[0] * g.k[1] * g.k[2];
    for (int64_t n = 0; n < batch; ++n)
      for (int64_t oc = 0; oc < out_c; ++oc) {
        const int64_t group = oc / out_per_group;
        for (int64_t od = 0; od < g.out[0]; ++od)
          for (int64_t oh = 0; oh < g.out[1]; ++oh)
            for (int64_t ow = 0; ow < g.out[2]; ++ow) {
              double acc = bias ? bias[oc] : 0.0;
              for (int64_t icg = 0; icg < in_per_group; ++icg) {
                const int64_t ic = group * in_per_group + icg;
                const float* plane = src + (n * in_c + ic) * in_size;
                const float* w = weight + (oc * in_per_group + icg) * k_size;
                for (int64_t kd = 0; kd < g.k[0]; ++kd) {
                  int64_t id = od * g.s[0] - g.pb[0] + kd * g.d[0];
                  if (id < 0 || id >= g.in[0]) continue;
                  for (int64_t kh = 0; kh < g.k[1]; ++kh) {
                    int64_t ih = oh * g.s[1] - g.pb[1] + kh * g.d[1];
                    if (ih < 0 || ih >= g.in[1]) continue;
                    for (int64_t kw = 0; kw < g.k[2]; ++kw) {
                      int64_t iw = ow * g.s[2] - g.pb[2] + kw * g.d[2];
                      if (iw < 0 || iw >= g.in[2]) continue;
                      acc += static_cast<double>(plane[(id * g.in[1] + ih) * g.in[2] + iw]) *
                             w[(kd * g.k[1] + kh) * g.k[2] + kw];
                    }
                  }
                }
              }
              dst[(((n * out_c + oc) * g.out[0] + od) * g.out[1] + oh) * g.out[2] + ow] =
                  static_cast<float>(acc);
            }
      }
  });
}

std::unique_ptr<Kernel> pool(const Graph& graph, const Node& node) {
  const Shape& x = shape_of(graph, node.inputs[0]);
  const Shape& y = shape_of(graph, node.outputs[0]);
  const bool global = node.op == "GlobalAveragePool" || node.op == "GlobalMaxPool";
  const bool is_max = node.op == "MaxPool" || node.op == "GlobalMaxPool";
  Shape kernel_shape = global ? Shape(x.begin() + 2, x.end()) : node.attr_ints("kernel_shape");
  Window3 g = to_3d(window_of(node, x, y, kernel_shape));
  const bool include_pad = node.attr_int("count_include_pad", 0) != 0;
  const int64_t planes = x[0] * x[1];
  return kernel([=](const KernelArgs& args) {
    auto* src = static_cast<const float*>(args.inputs[0]);
    auto* dst = static_cast<float*>(args.outputs[0]);
    const int64_t in_size = g.in[0] * g.in[1] * g.in[2];
    const int64_t out_size = g.out[0] * g.out[1] * g.out[2];
    for (int64_t p = 0; p < planes; ++p)
      for (int64_t od = 0; od < g.out[0]; ++od)
        for (int64_t oh = 0; oh < g.out[1]; ++oh)
          for (int64_t ow = 0; ow < g.out[2]; ++ow) {
            const int64_t o[3] = {od, oh, ow};
            double acc = is_max ? -std::numeric_limits<double>::infinity() : 0.0;
            int64_t padded_count = 1;  // window elements inside the input or its pads
            int64_t lo[3], hi[3];
            for (int i = 0; i < 3; ++i) {
              int64_t start = o[i] * g.s[i] - g.pb[i];
              int64_t end = start + (g.k[i] - 1) * g.d[i] + 1;
              int64_t padded_end = std::min(end, g.in[i] + g.pe_attr[i]);
              padded_count *= padded_end - start;
              lo[i] = start;
              hi[i] = end;
            }
            int64_t count = 0;  // window elements inside the input
            for (int64_t id = lo[0]; id < hi[0]; id += g.d[0]) {
              if (id < 0 || id >= g.in[0]) continue;
              for (int64_t ih = lo[1]; ih < hi[1]; ih += g.d[1]) {
                if (ih < 0 || ih >= g.in[1]) continue;
                for (int64_t iw = lo[2]; iw < hi[2]; iw += g.d[2]) {
                  if (iw < 0 || iw >= g.in[2]) continue;
                  double v = src[p * in_size + (id * g.in[1] + ih) * g.in[2] + iw];
                  acc = is_max ? std::max(acc, v) : acc + v;
                  ++count;
                }
              }
            }
            if (!is_max) acc /= static_cast<double>(include_pad ? padded_count : count);
            dst[p * out_size + (od * g.out[1] + oh) * g.out[2] + ow] = static_cast<float>(acc);
          }
  });
}

}  // namespace cosched::ref
