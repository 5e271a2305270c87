// Column statistics for the fitted scalers: moments (float64), min/max and the per-column
// affine transform. Shapes arrive as (rows, cols) and every array is re-checked against its
// real length before a pointer is used.
#include "../kernels/stats.h"

#include "common.h"

namespace nnkit::binding {
namespace {

struct DoubleArray {
  double* data = nullptr;
  std::size_t length = 0;
  Napi::Object object;
};

// A live Float64Array (the float64 state of partial fits).
DoubleArray float64_arg(const Napi::CallbackInfo& info, std::size_t index, const char* name) {
  const Napi::Value value = index < info.Length() ? info[index] : info.Env().Undefined();
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    throw_argument_error(info.Env(), ErrorKind::type, kErrType, name, "a Float64Array", describe(value));
  auto typed = value.As<Napi::Float64Array>();
  if (typed.ArrayBuffer().IsDetached())
    throw_argument_error(info.Env(), ErrorKind::type, kErrDetached, name, "a live Float64Array",
                         "a view of a detached ArrayBuffer");
  return {typed.Data(), typed.ElementLength(), value.As<Napi::Object>()};
}

template <typename Array>
void check_length(Napi::Env env, const Array& array, std::size_t length, const char* name, const char* type) {
  if (array.length != length)
    throw_argument_error(env, ErrorKind::range, kErrShape, name,
                         std::string("a ") + type + " of length " + std::to_string(length),
                         "length " + std::to_string(array.length));
}

bool same_view(const FloatArray& a, const FloatArray& b) { return a.data == b.data && a.length == b.length; }

struct MomentsCall {
  FloatArray x;
  std::size_t rows, cols;
  DoubleArray mean, m2;
  void run() const { kernels::column_moments(x.data, rows, cols, mean.data, m2.data); }
};

// columnMoments(X, rows, cols, mean: Float64Array, m2: Float64Array)
MomentsCall parse_moments(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MomentsCall call{};
  call.x = float32_arg(info, 0, "X");
  call.rows = size_arg(info, 1, "X.rows");
  call.cols = size_arg(info, 2, "X.cols");
  call.mean = float64_arg(info, 3, "mean");
  call.m2 = float64_arg(info, 4, "m2");
  check_matrix_length(env, call.x, call.rows, call.cols, "X");
  check_length(env, call.mean, call.cols, "mean", "Float64Array");
  check_length(env, call.m2, call.cols, "m2", "Float64Array");
  return call;
}

Napi::Value column_moments(const Napi::CallbackInfo& info) {
  parse_moments(info).run();
  return info.Env().Undefined();
}

Napi::Value column_moments_async(const Napi::CallbackInfo& info) {
  const MomentsCall call = parse_moments(info);
  return queue_async(info.Env(), {call.x.object, call.mean.object, call.m2.object}, [call] { call.run(); }, nullptr);
}

struct MinMaxCall {
  FloatArray x;
  std::size_t rows, cols;
  FloatArray mn, mx;
  void run() const { kernels::column_min_max(x.data, rows, cols, mn.data, mx.data); }
};

// columnMinMax(X, rows, cols, min: Float32Array, max: Float32Array)
MinMaxCall parse_min_max(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MinMaxCall call{};
  call.x = float32_arg(info, 0, "X");
  call.rows = size_arg(info, 1, "X.rows");
  call.cols = size_arg(info, 2, "X.cols");
  call.mn = float32_arg(info, 3, "min");
  call.mx = float32_arg(info, 4, "max");
  check_matrix_length(env, call.x, call.rows, call.cols, "X");
  check_length(env, call.mn, call.cols, "min", "Float32Array");
  check_length(env, call.mx, call.cols, "max", "Float32Array");
  check_no_overlap(env, call.mn, call.x, "min", "X");
  check_no_overlap(env, call.mx, call.x, "max", "X");
  check_no_overlap(env, call.mx, call.mn, "max", "min");
  return call;
}

Napi::Value column_min_max(const Napi::CallbackInfo& info) {
  parse_min_max(info).run();
  return info.Env().Undefined();
}

Napi::Value column_min_max_async(const Napi::CallbackInfo& info) {
  const MinMaxCall call = parse_min_max(info);
  return queue_async(info.Env(), {call.x.object, call.mn.object, call.mx.object}, [call] { call.run(); }, nullptr);
}

struct AffineCall {
  FloatArray x;
  std::size_t rows, cols;
  FloatArray out, shift, scale, offset;
  void run() const {
    kernels::column_affine(x.data, out.data, rows, cols, shift.data, scale.data, offset.data);
  }
};

// columnAffine(X, rows, cols, out, shift, scale, offset): out = (X - shift) * scale + offset per
// column. `out` is either exactly X (in place) or memory disjoint from it.
AffineCall parse_affine(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AffineCall call{};
  call.x = float32_arg(info, 0, "X");
  call.rows = size_arg(info, 1, "X.rows");
  call.cols = size_arg(info, 2, "X.cols");
  call.out = float32_arg(info, 3, "out");
  call.shift = float32_arg(info, 4, "shift");
  call.scale = float32_arg(info, 5, "scale");
  call.offset = float32_arg(info, 6, "offset");
  check_matrix_length(env, call.x, call.rows, call.cols, "X");
  check_matrix_length(env, call.out, call.rows, call.cols, "out");
  check_length(env, call.shift, call.cols, "shift", "Float32Array");
  check_length(env, call.scale, call.cols, "scale", "Float32Array");
  check_length(env, call.offset, call.cols, "offset", "Float32Array");
  if (!same_view(call.out, call.x)) check_no_overlap(env, call.out, call.x, "out", "X");
  check_no_overlap(env, call.out, call.shift, "out", "shift");
  check_no_overlap(env, call.out, call.scale, "out", "scale");
  check_no_overlap(env, call.out, call.offset, "out", "offset");
  return call;
}

Napi::Value column_affine(const Napi::CallbackInfo& info) {
  parse_affine(info).run();
  return info.Env().Undefined();
}

Napi::Value column_affine_async(const Napi::CallbackInfo& info) {
  const AffineCall call = parse_affine(info);
  return queue_async(info.Env(),
                     {call.x.object, call.out.object, call.shift.object, call.scale.object, call.offset.object},
                     [call] { call.run(); }, nullptr);
}

}  // namespace

void register_preprocess(Napi::Env env, Napi::Object exports) {
  exports.Set("columnMoments", Napi::Function::New<guarded<column_moments>>(env, "columnMoments"));
  exports.Set("columnMomentsAsync", Napi::Function::New<guarded<column_moments_async>>(env, "columnMomentsAsync"));
  exports.Set("columnMinMax", Napi::Function::New<guarded<column_min_max>>(env, "columnMinMax"));
  exports.Set("columnMinMaxAsync", Napi::Function::New<guarded<column_min_max_async>>(env, "columnMinMaxAsync"));
  exports.Set("columnAffine", Napi::Function::New<guarded<column_affine>>(env, "columnAffine"));
  exports.Set("columnAffineAsync", Napi::Function::New<guarded<column_affine_async>>(env, "columnAffineAsync"));
}

}  // namespace nnkit::binding
