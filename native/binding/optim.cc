// The in-place parameter updates of a training loop: sgdStep, adamStep, rmspropStep.
// The facade (lib/optim.ts) checks the options and computes the per-step scalars (Adam's bias
// corrections in double); here the buffers are re-checked: lengths, and no two overlapping.
#include "../kernels/optim.h"

#include <initializer_list>
#include <utility>

#include "common.h"

namespace nnkit::binding {
namespace {

using Named = std::pair<const FloatArray*, const char*>;

// Every buffer (those with data; an unused optional one has none) as long as the first, and no
// two overlapping: the kernels read and write each element of all of them in one pass.
void check_buffers(Napi::Env env, std::initializer_list<Named> buffers) {
  const Named& param = *buffers.begin();
  for (const Named& b : buffers) {
    if (b.first->data == nullptr || b.first->length == param.first->length) continue;
    throw_argument_error(env, ErrorKind::range, kErrShape, b.second, "length " + std::to_string(param.first->length),
                         "length " + std::to_string(b.first->length));
  }
  for (auto a = buffers.begin(); a != buffers.end(); ++a)
    for (auto b = a + 1; b != buffers.end(); ++b)
      if (a->first->data && b->first->data) check_no_overlap(env, *b->first, *a->first, b->second, a->second);
}

// sgdStep(w, g, v, lr, momentum, weightDecay, nesterov)
Napi::Value sgd_step(const Napi::CallbackInfo& info) {
  const FloatArray w = float32_arg(info, 0, "param");
  const FloatArray g = float32_arg(info, 1, "grad");
  const FloatArray v = float32_arg(info, 2, "velocity");
  kernels::SgdParams p{};
  p.lr = finite_float_arg(info, 3, "lr");
  p.momentum = finite_float_arg(info, 4, "momentum");
  p.weight_decay = finite_float_arg(info, 5, "weightDecay");
  p.nesterov = bool_arg(info, 6, "nesterov");
  check_buffers(info.Env(), {{&w, "param"}, {&g, "grad"}, {&v, "velocity"}});
  kernels::sgd_momentum(w.data, g.data, v.data, w.length, p);
  return info.Env().Undefined();
}

// adamStep(w, g, m, v, beta1, beta2, 1 - beta1, 1 - beta2, stepSize, invBc2Sqrt, eps, l2, decay): the
// complements come from the facade's doubles (1 - 0.9 rounds to 0.1f there, to 0.10000002f from 0.9f)
Napi::Value adam_step(const Napi::CallbackInfo& info) {
  const FloatArray w = float32_arg(info, 0, "param");
  const FloatArray g = float32_arg(info, 1, "grad");
  const FloatArray m = float32_arg(info, 2, "state.m");
  const FloatArray v = float32_arg(info, 3, "state.v");
  kernels::AdamParams p{};
  p.beta1 = finite_float_arg(info, 4, "beta1");
  p.beta2 = finite_float_arg(info, 5, "beta2");
  p.one_minus_beta1 = finite_float_arg(info, 6, "oneMinusBeta1");
  p.one_minus_beta2 = finite_float_arg(info, 7, "oneMinusBeta2");
  p.step_size = finite_float_arg(info, 8, "stepSize");
  p.inv_bc2_sqrt = finite_float_arg(info, 9, "invBc2Sqrt");
  p.eps = finite_float_arg(info, 10, "eps");
  p.l2 = finite_float_arg(info, 11, "weightDecay");
  p.decay = finite_float_arg(info, 12, "decay");
  check_buffers(info.Env(), {{&w, "param"}, {&g, "grad"}, {&m, "state.m"}, {&v, "state.v"}});
  kernels::adam(w.data, g.data, m.data, v.data, w.length, p);
  return info.Env().Undefined();
}

// rmspropStep(w, g, squareAvg, momentumBuffer | null, gradAvg | null, lr, alpha, 1 - alpha, eps, weightDecay, momentum)
Napi::Value rmsprop_step(const Napi::CallbackInfo& info) {
  const FloatArray w = float32_arg(info, 0, "param");
  const FloatArray g = float32_arg(info, 1, "grad");
  const FloatArray sq = float32_arg(info, 2, "state.squareAvg");
  const FloatArray buf = optional_float32_arg(info, 3, "state.momentumBuffer");
  const FloatArray avg = optional_float32_arg(info, 4, "state.gradAvg");
  kernels::RmspropParams p{};
  p.lr = finite_float_arg(info, 5, "lr");
  p.alpha = finite_float_arg(info, 6, "alpha");
  p.one_minus_alpha = finite_float_arg(info, 7, "oneMinusAlpha");
  p.eps = finite_float_arg(info, 8, "eps");
  p.weight_decay = finite_float_arg(info, 9, "weightDecay");
  p.momentum = finite_float_arg(info, 10, "momentum");
  check_buffers(info.Env(), {{&w, "param"}, {&g, "grad"}, {&sq, "state.squareAvg"}, {&buf, "state.momentumBuffer"},
                             {&avg, "state.gradAvg"}});
  kernels::rmsprop(w.data, g.data, sq.data, buf.data, avg.data, w.length, p);
  return info.Env().Undefined();
}

}  // namespace

void register_optim(Napi::Env env, Napi::Object exports) {
  exports.Set("sgdStep", Napi::Function::New<guarded<sgd_step>>(env, "sgdStep"));
  exports.Set("adamStep", Napi::Function::New<guarded<adam_step>>(env, "adamStep"));
  exports.Set("rmspropStep", Napi::Function::New<guarded<rmsprop_step>>(env, "rmspropStep"));
}

}  // namespace nnkit::binding
