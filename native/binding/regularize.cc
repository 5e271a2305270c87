// Weight penalties and max-norm: regPenalty, regMaxNorm. In place on the caller's buffers.
#include "../kernels/regularize.h"
#include "common.h"

namespace nnkit::binding {
namespace {

float non_negative_arg(const Napi::CallbackInfo& info, std::size_t index, const char* name) {
  const float x = finite_float_arg(info, index, name);
  if (x < 0.0f)
    throw_argument_error(info.Env(), ErrorKind::range, kErrRange, name, "a finite number >= 0", std::to_string(x));
  return x;
}

// regPenalty(W, a1, a2, c1, c2, grad | null) -> c1·Σ|w| + c2·Σw², adding a1·sign(w) + a2·w into grad.
Napi::Value reg_penalty(const Napi::CallbackInfo& info) {
  const FloatArray w = float32_arg(info, 0, "W");
  const float a1 = non_negative_arg(info, 1, "a1");
  const float a2 = non_negative_arg(info, 2, "a2");
  const double c1 = number_arg(info, 3, "c1");
  const double c2 = number_arg(info, 4, "c2");
  FloatArray grad{};
  if (!(5 < info.Length() && info[5].IsNull())) {
    grad = float32_arg(info, 5, "grad");
    if (grad.length != w.length)
      throw_argument_error(info.Env(), ErrorKind::range, kErrShape, "grad",
                           "a Float32Array of length " + std::to_string(w.length),
                           "length " + std::to_string(grad.length));
    check_no_overlap(info.Env(), grad, w, "grad", "W");
  }
  const kernels::PenaltySums sums = kernels::penalty(w.data, w.length, a1, a2, grad.data);
  return Napi::Number::New(info.Env(), c1 * sums.abs_sum + c2 * sums.square_sum);
}

// regMaxNorm(W, rows, cols, c, byRows) -> number of vectors clipped
Napi::Value reg_max_norm(const Napi::CallbackInfo& info) {
  const FloatArray w = float32_arg(info, 0, "W");
  const std::size_t rows = size_arg(info, 1, "rows");
  const std::size_t cols = size_arg(info, 2, "cols");
  check_matrix_length(info.Env(), w, rows, cols, "W");
  const float c = non_negative_arg(info, 3, "c");
  const bool by_rows = bool_arg(info, 4, "byRows");
  const std::size_t clipped = kernels::max_norm(w.data, rows, cols, c, by_rows);
  return Napi::Number::New(info.Env(), static_cast<double>(clipped));
}

}  // namespace

void register_regularize(Napi::Env env, Napi::Object exports) {
  exports.Set("regPenalty", Napi::Function::New<guarded<reg_penalty>>(env, "regPenalty"));
  exports.Set("regMaxNorm", Napi::Function::New<guarded<reg_max_norm>>(env, "regMaxNorm"));
}

}  // namespace nnkit::binding
