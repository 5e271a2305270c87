// sgdStep: the in-place parameter update of a training loop.
#include "../kernels/optim.h"

#include "common.h"

namespace nnkit::binding {
namespace {

// sgdStep(w, g, v, lr, momentum, weightDecay, nesterov)
Napi::Value sgd_step(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const FloatArray w = float32_arg(info, 0, "param");
  const FloatArray g = float32_arg(info, 1, "grad");
  const FloatArray v = float32_arg(info, 2, "velocity");
  kernels::SgdParams p{};
  p.lr = finite_float_arg(info, 3, "lr");
  p.momentum = finite_float_arg(info, 4, "momentum");
  p.weight_decay = finite_float_arg(info, 5, "weightDecay");
  p.nesterov = bool_arg(info, 6, "nesterov");
  if (g.length != w.length)
    throw_argument_error(env, ErrorKind::range, kErrShape, "grad", "length " + std::to_string(w.length),
                         "length " + std::to_string(g.length));
  if (v.length != w.length)
    throw_argument_error(env, ErrorKind::range, kErrShape, "velocity", "length " + std::to_string(w.length),
                         "length " + std::to_string(v.length));
  check_no_overlap(env, v, w, "velocity", "param");
  check_no_overlap(env, v, g, "velocity", "grad");
  check_no_overlap(env, w, g, "param", "grad");
  kernels::sgd_momentum(w.data, g.data, v.data, w.length, p);
  return env.Undefined();
}

}  // namespace

void register_optim(Napi::Env env, Napi::Object exports) {
  exports.Set("sgdStep", Napi::Function::New<guarded<sgd_step>>(env, "sgdStep"));
}

}  // namespace nnkit::binding
