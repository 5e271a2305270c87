// Column statistics for the fitted scalers: moments (float64), min/max and the per-column
// affine transform. Shapes arrive as (rows, cols) and every array is re-checked against its
// real length before a pointer is used.
#include "../kernels/stats.h"
#include "../linalg/blas.h"

#include <algorithm>
#include <vector>

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

bool same_view(const FloatArray& a, const FloatArray& b) { return a.data == b.data && a.length == b.length; }

// The finite check of a transform's input (TransformOptions.checkFinite), chosen by the facade,
// which knows who can see the output: `fused` rides in the transform's own pass, for an output
// nobody else holds yet (a new array: on failure it is dropped); `scan_first` is a read-only scan
// before anything is written, so that a rejected call writes nothing (in place, into the
// caller's `out`).
enum class FiniteCheck { none = 0, fused = 1, scan_first = 2 };

FiniteCheck finite_check_arg(const Napi::CallbackInfo& info, std::size_t index) {
  return static_cast<FiniteCheck>(size_arg(info, index, "checkFinite", 2));
}

// The end of the ERR_NNKIT_NONFINITE messages of transforms and fits.
constexpr const char* kTransformHint = " (transforms reject NaN and ±Infinity; checkFinite: false lets them through)";
constexpr const char* kFitHint = " (statistics need finite data)";

// The read-only scan of `scan_first`.
void require_finite(const char* name, const float* x, std::size_t rows, std::size_t cols) {
  require_finite_cells(name, x, rows, cols, kTransformHint);
}

struct MomentsCall {
  static MomentsCall parse(const Napi::CallbackInfo& info);
  template <class B>
  void buffers(B& b) { b.input(x); b.output(mean); b.output(m2); }
  FloatArray x;
  std::size_t rows, cols;
  DoubleArray mean, m2;
  void run() const {
    if (!kernels::column_moments(x.data, rows, cols, mean.data, m2.data)) reject_nonfinite_cells("X", x.data, rows, cols, kFitHint);
  }
};

// columnMoments(X, rows, cols, mean: Float64Array, m2: Float64Array)
MomentsCall MomentsCall::parse(const Napi::CallbackInfo& info) {
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

struct MinMaxCall {
  static MinMaxCall parse(const Napi::CallbackInfo& info);
  template <class B>
  void buffers(B& b) { b.input(x); b.output(mn); b.output(mx); }
  FloatArray x;
  std::size_t rows, cols;
  FloatArray mn, mx;
  void run() const {
    if (!kernels::column_min_max(x.data, rows, cols, mn.data, mx.data)) reject_nonfinite_cells("X", x.data, rows, cols, kFitHint);
  }
};

// columnMinMax(X, rows, cols, min: Float32Array, max: Float32Array)
MinMaxCall MinMaxCall::parse(const Napi::CallbackInfo& info) {
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

struct AffineCall {
  static AffineCall parse(const Napi::CallbackInfo& info);
  template <class B>
  void buffers(B& b) { b.input(x); b.input(shift); b.input(scale); b.input(offset); b.write_only(out); }
  FloatArray x;
  std::size_t rows, cols;
  FloatArray out, shift, scale, offset;
  FiniteCheck check = FiniteCheck::none;
  void run() const {
    if (check == FiniteCheck::scan_first) require_finite("X", x.data, rows, cols);
    if (check == FiniteCheck::fused) {
      const std::size_t bad =
          kernels::column_affine_checked(x.data, out.data, rows, cols, shift.data, scale.data, offset.data);
      if (bad != kernels::kAllFinite) throw_nonfinite_cell("X", x.data, bad, cols, kTransformHint);
      return;
    }
    kernels::column_affine(x.data, out.data, rows, cols, shift.data, scale.data, offset.data);
  }
};

// columnAffine(X, rows, cols, out, shift, scale, offset, checkFinite): out = (X - shift) * scale +
// offset per column. `out` is either exactly X (in place) or memory disjoint from it.
AffineCall AffineCall::parse(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AffineCall call{};
  call.x = float32_arg(info, 0, "X");
  call.rows = size_arg(info, 1, "X.rows");
  call.cols = size_arg(info, 2, "X.cols");
  call.out = float32_arg(info, 3, "out");
  call.shift = float32_arg(info, 4, "shift");
  call.scale = float32_arg(info, 5, "scale");
  call.offset = float32_arg(info, 6, "offset");
  call.check = finite_check_arg(info, 7);
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

// PCA's transform and inverse transform: the one implementation, called sync (pcaProject,
// pcaReconstruct) and on the pool (…Async, which copy X once at the call).
struct ProjectCall {
  static ProjectCall parse(const Napi::CallbackInfo& info);
  template <class B>
  void buffers(B& b) { b.input(x); b.input(mean); b.input(low); b.input(forward); b.write_only(out); }
  FloatArray x, mean, low, forward, out;
  std::size_t rows = 0, cols = 0, k = 0;
  FiniteCheck check = FiniteCheck::none;
  void run() const {
    if (check == FiniteCheck::scan_first) require_finite("X", x.data, rows, cols);
    linalg::sgemm_centered(false, false, rows, k, cols, 1.0f, x.data, cols, mean.data, low.data, forward.data, k, 0.0f,
                           out.data, k);
    // Into new storage the product is checked instead of X: a NaN or an infinity in row i of X
    // makes all of row i of the product NaN or infinite (x·w is, for any w, and sums keep it),
    // and the product has k columns, not D. X is scanned, to name the cell, only when the product
    // shows one; a finite X whose product overflows goes on, as it did unchecked.
    if (check == FiniteCheck::fused && kernels::find_nonfinite(out.data, rows * k) != kernels::kAllFinite)
      require_finite("X", x.data, rows, cols);
  }
};

// pcaProject(X, rows, cols, mean, low, forward, k, out, checkFinite): out = ((X − mean) + low)·forward,
// X centered as the product packs it (mean + (−low) is the float64 mean as a float32 pair;
// linalg::sgemm_centered). checkFinite is a FiniteCheck: into `out` a scan of X comes first (the
// product writes as it goes, and a rejected call writes nothing); into new storage the product
// is checked after.
ProjectCall ProjectCall::parse(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ProjectCall c;
  c.x = float32_arg(info, 0, "X");
  c.rows = size_arg(info, 1, "X.rows");
  c.cols = size_arg(info, 2, "X.cols");
  c.mean = float32_arg(info, 3, "mean");
  c.low = float32_arg(info, 4, "low");
  c.forward = float32_arg(info, 5, "forward");
  c.k = size_arg(info, 6, "k");
  c.out = float32_arg(info, 7, "out");
  c.check = finite_check_arg(info, 8);
  check_matrix_length(env, c.x, c.rows, c.cols, "X");
  check_length(env, c.mean, c.cols, "mean", "Float32Array");
  check_length(env, c.low, c.cols, "low", "Float32Array");
  check_matrix_length(env, c.forward, c.cols, c.k, "forward");
  check_matrix_length(env, c.out, c.rows, c.k, "out");
  check_no_overlap(env, c.out, c.x, "out", "X");
  check_no_overlap(env, c.out, c.mean, "out", "mean");
  check_no_overlap(env, c.out, c.low, "out", "low");
  check_no_overlap(env, c.out, c.forward, "out", "forward");
  return c;
}

struct ReconstructCall {
  static ReconstructCall parse(const Napi::CallbackInfo& info);
  template <class B>
  void buffers(B& b) { b.input(y); b.input(backward); b.input(mean); b.write_only(out); }
  FloatArray y, backward, mean, out;
  std::size_t rows = 0, k = 0, cols = 0;
  bool check = false;
  void run() const {
    if (check) require_finite("X", y.data, rows, k);
    const std::vector<float> ones(cols, 1.0f), zeros(cols, 0.0f);
    linalg::sgemm(false, false, rows, cols, k, 1.0f, y.data, k, backward.data, cols, 0.0f, out.data, cols);
    kernels::column_affine(out.data, out.data, rows, cols, zeros.data(), ones.data(), mean.data);
  }
};

// pcaReconstruct(Y, rows, k, backward, cols, mean, out, checkFinite): out = Y·backward + mean.
ReconstructCall ReconstructCall::parse(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ReconstructCall c;
  c.y = float32_arg(info, 0, "X");
  c.rows = size_arg(info, 1, "X.rows");
  c.k = size_arg(info, 2, "X.cols");
  c.backward = float32_arg(info, 3, "backward");
  c.cols = size_arg(info, 4, "cols");
  c.mean = float32_arg(info, 5, "mean");
  c.out = float32_arg(info, 6, "out");
  c.check = bool_arg(info, 7, "checkFinite");
  check_matrix_length(env, c.y, c.rows, c.k, "X");
  check_matrix_length(env, c.backward, c.k, c.cols, "backward");
  check_length(env, c.mean, c.cols, "mean", "Float32Array");
  check_matrix_length(env, c.out, c.rows, c.cols, "out");
  check_no_overlap(env, c.out, c.y, "out", "X");
  check_no_overlap(env, c.out, c.backward, "out", "backward");
  check_no_overlap(env, c.out, c.mean, "out", "mean");
  return c;
}

}  // namespace

void register_preprocess(Napi::Env env, Napi::Object exports) {
  define_call<MomentsCall>(env, exports, "columnMoments");
  define_call<MinMaxCall>(env, exports, "columnMinMax");
  define_call<AffineCall>(env, exports, "columnAffine");
  define_call<ProjectCall>(env, exports, "pcaProject");
  define_call<ReconstructCall>(env, exports, "pcaReconstruct");
}

}  // namespace nnkit::binding
