#include "engine/ops/add_act.h"

#include "engine/autograd/node.h"
#include "engine/ops/elementwise.h"
#include "kernels/backend.h"

namespace msq {

// a, b, y: [*] (one shape)
Tensor add_act(const Tensor& a, const Tensor& b, FusedAct act) {
  const char* op = "add_act";
  check(a.defined() && b.defined(), op, "both inputs must be defined");
  check(is_floating(a.dtype()), op, "expects floating inputs, got ", dtype_name(a.dtype()));
  check(a.shape() == b.shape() && a.dtype() == b.dtype() && a.device() == b.device(), op,
        "expects two tensors of one shape, dtype and device, got ", shape_str(a.shape()), " of ",
        dtype_name(a.dtype()), " on ", a.device().str(), " and ", shape_str(b.shape()), " of ",
        dtype_name(b.dtype()), " on ", b.device().str());
  Tensor ad = a.detach().contiguous(), bd = b.detach().contiguous();
  Tensor y = Tensor::empty(a.shape(), a.options());
  if (y.numel() > 0) {
    backend(a.device()).add_act_forward(y.view_for_kernel(), ad.view_for_kernel(),
                                        bd.view_for_kernel(), act);
  }
  if (!any_requires_grad({a, b})) return y;
  const bool need_a = a.requires_grad(), need_b = b.requires_grad();
  Tensor yd = y.detach();
  // SiLU's derivative needs z = a + b (recomputed); ReLU's reads y (y > 0 exactly where z > 0).
  const bool silu = act == FusedAct::Silu;
  Tensor ad_kept = silu ? ad : Tensor(), bd_kept = silu ? bd : Tensor();
  record_backward(op, {a, b}, {y}, [=](const std::vector<Tensor>& gs) {
    Tensor g = gs[0];
    Tensor gz = g;
    if (act != FusedAct::None) {
      Tensor z = act == FusedAct::Silu ? add(ad_kept, bd_kept) : yd;
      gz = Tensor::empty(yd.shape(), yd.options());
      if (gz.numel() > 0) {
        backend(gz.device()).unary_grad(unary_op_of(act), gz.view_for_kernel(), g.view_for_kernel(),
                                        z.view_for_kernel(), yd.view_for_kernel(), 0, 0);
      }
    }
    return std::vector<Tensor>{need_a ? gz : Tensor(), need_b ? gz : Tensor()};
  });
  return y;
}

}  // namespace msq
