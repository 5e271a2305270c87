// gemm, covariance, eigh, svd, randomizedSvd (each with an Async twin) and the LAPACK backend
// switch. Shapes arrive as (rows, cols) per operand and are re-checked here against the typed
// arrays' real lengths before any pointer is used.
#include <algorithm>

#include "../linalg/blas.h"
#include "../linalg/covariance.h"
#include "../linalg/eigen.h"
#include "../linalg/lapack.h"
#include "../linalg/svd.h"
#include "common.h"

namespace nnkit::binding {
namespace {

struct GemmCall {
  static GemmCall parse(const Napi::CallbackInfo& info);
  template <class B>
  void buffers(B& b) { b.input(a); b.input(this->b); b.output(c); }
  bool trans_a, trans_b;
  std::size_t m, n, k, lda, ldb;
  float alpha, beta;
  FloatArray a, b, c;

  void run() const { linalg::sgemm(trans_a, trans_b, m, n, k, alpha, a.data, lda, b.data, ldb, beta, c.data, n); }
};

// gemm(a, aRows, aCols, b, bRows, bCols, c, transA, transB, alpha, beta)
GemmCall GemmCall::parse(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  GemmCall call{};
  call.a = float32_arg(info, 0, "A");
  const std::size_t a_rows = size_arg(info, 1, "A.rows");
  const std::size_t a_cols = size_arg(info, 2, "A.cols");
  call.b = float32_arg(info, 3, "B");
  const std::size_t b_rows = size_arg(info, 4, "B.rows");
  const std::size_t b_cols = size_arg(info, 5, "B.cols");
  call.c = float32_arg(info, 6, "out");
  call.trans_a = bool_arg(info, 7, "transA");
  call.trans_b = bool_arg(info, 8, "transB");
  call.alpha = finite_float_arg(info, 9, "alpha");
  call.beta = finite_float_arg(info, 10, "beta");
  check_matrix_length(env, call.a, a_rows, a_cols, "A");
  check_matrix_length(env, call.b, b_rows, b_cols, "B");
  call.m = call.trans_a ? a_cols : a_rows;
  call.k = call.trans_a ? a_rows : a_cols;
  const std::size_t k_b = call.trans_b ? b_cols : b_rows;
  call.n = call.trans_b ? b_rows : b_cols;
  if (k_b != call.k)
    throw_argument_error(env, ErrorKind::range, kErrShape, "B",
                         "an inner dimension of " + std::to_string(call.k) + " to match op(A)",
                         std::to_string(k_b));
  check_matrix_length(env, call.c, call.m, call.n, "out");
  check_no_overlap(env, call.c, call.a, "out", "A");
  check_no_overlap(env, call.c, call.b, "out", "B");
  call.lda = a_cols;
  call.ldb = b_cols;
  return call;
}

// covariance(x, rows, cols, center, out, mean?) — mean is a Float32Array of length cols or undefined.
struct CovarianceCall {
  static CovarianceCall parse(const Napi::CallbackInfo& info);
  template <class B>
  void buffers(B& b) { b.input(x); b.output(out); b.output(mean); }
  FloatArray x, out, mean;
  std::size_t n, d;
  bool center, has_mean;

  void run() const {
    if (!linalg::covariance(x.data, n, d, center, out.data, has_mean ? mean.data : nullptr))
      reject_nonfinite_cells("X", x.data, n, d);
  }
};

CovarianceCall CovarianceCall::parse(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CovarianceCall call{};
  call.x = float32_arg(info, 0, "X");
  call.n = size_arg(info, 1, "X.rows");
  call.d = size_arg(info, 2, "X.cols");
  call.center = bool_arg(info, 3, "center");
  call.out = float32_arg(info, 4, "out");
  check_matrix_length(env, call.x, call.n, call.d, "X");
  if (call.n == 0) throw_argument_error(env, ErrorKind::range, kErrShape, "X", "at least one row", "0 rows");
  check_matrix_length(env, call.out, call.d, call.d, "out");
  check_no_overlap(env, call.out, call.x, "out", "X");
  call.has_mean = info.Length() > 5 && !info[5].IsUndefined();
  if (call.has_mean) {
    call.mean = float32_arg(info, 5, "mean");
    check_matrix_length(env, call.mean, 1, call.d, "mean");
    check_no_overlap(env, call.mean, call.x, "mean", "X");
    check_no_overlap(env, call.mean, call.out, "mean", "out");
  }
  return call;
}

// eigh(a, n, values, vectors)
struct EighCall {
  static EighCall parse(const Napi::CallbackInfo& info);
  template <class B>
  void buffers(B& b) { b.input(a); b.output(values); b.output(vectors); }
  FloatArray a, values, vectors;
  std::size_t n;
  void run() const {
    require_finite_cells("A", a.data, n, n);
    std::size_t i = 0, j = 0;
    if (linalg::find_asymmetry(a.data, n, &i, &j))
      throw nnkit::Error(ErrorKind::range, kErrShape,
                         "Expected a symmetric matrix for A (|a_ij - a_ji| <= 1e-4 max|a|) but entries (" + std::to_string(i) + ", " +
                             std::to_string(j) + ") and (" + std::to_string(j) + ", " + std::to_string(i) + ") differ",
                         "A");
    linalg::eigh(a.data, n, values.data, vectors.data);
  }
};

EighCall EighCall::parse(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EighCall call{};
  call.a = float32_arg(info, 0, "A");
  call.n = size_arg(info, 1, "A.rows");
  call.values = float32_arg(info, 2, "values");
  call.vectors = float32_arg(info, 3, "vectors");
  check_matrix_length(env, call.a, call.n, call.n, "A");
  check_matrix_length(env, call.values, 1, call.n, "values");
  check_matrix_length(env, call.vectors, call.n, call.n, "vectors");
  check_no_overlap(env, call.values, call.a, "values", "A");
  check_no_overlap(env, call.vectors, call.a, "vectors", "A");
  check_no_overlap(env, call.vectors, call.values, "vectors", "values");
  return call;
}

// svd(a, m, n, u, s, vt) and randomizedSvd(a, m, n, k, omega, l, powerIters, u | null, s, vt,
// center | null): the same outputs, r = min(m, n) components for svd and k for the randomized
// one, which may skip U and may factor A − 1·centerᵀ (PCA without a centered copy).
struct SvdCall {
  static SvdCall parse(const Napi::CallbackInfo& info);
  template <class B>
  void buffers(B& b) { b.input(a); b.input(omega); b.input(center); b.output(u); b.output(s); b.output(vt); }
  FloatArray a, omega, u, s, vt, center;
  std::size_t m, n, k, l, power_iterations;
  bool randomized;
  void run() const {
    if (!randomized) {
      require_finite_cells("A", a.data, m, n);
      linalg::svd(a.data, m, n, u.data, s.data, vt.data);
      return;
    }
    if (center.data) require_finite_cells("center", center.data, 1, n);
    const linalg::RandomizedSvdFacts facts =
        linalg::randomized_svd(a.data, m, n, k, omega.data, l, power_iterations, u.data, s.data, vt.data, center.data);
    if (!facts.finite) reject_nonfinite_cells("A", a.data, m, n);
    if (facts.rank < k)
      throw nnkit::Error(ErrorKind::range, kErrRange,
                         "Expected k at most the numerical rank of A (" + std::to_string(facts.rank) +
                             ": singular values above 16·eps·σ₁) but received " + std::to_string(k),
                         "k");
  }
};

void check_svd_outputs(Napi::Env env, const SvdCall& call) {
  if (call.u.data) check_matrix_length(env, call.u, call.m, call.k, "U");
  check_matrix_length(env, call.s, 1, call.k, "S");
  check_matrix_length(env, call.vt, call.k, call.n, "Vt");
  const FloatArray* outs[] = {&call.u, &call.s, &call.vt};
  const char* names[] = {"U", "S", "Vt"};
  for (int i = 0; i < 3; ++i) {
    if (!outs[i]->data) continue;
    check_no_overlap(env, *outs[i], call.a, names[i], "A");
    if (call.center.data) check_no_overlap(env, *outs[i], call.center, names[i], "center");
    for (int j = i + 1; j < 3; ++j)
      if (outs[j]->data) check_no_overlap(env, *outs[i], *outs[j], names[i], names[j]);
  }
}

SvdCall SvdCall::parse(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SvdCall call{};
  call.a = float32_arg(info, 0, "A");
  call.m = size_arg(info, 1, "A.rows");
  call.n = size_arg(info, 2, "A.cols");
  call.u = float32_arg(info, 3, "U");
  call.s = float32_arg(info, 4, "S");
  call.vt = float32_arg(info, 5, "Vt");
  check_matrix_length(env, call.a, call.m, call.n, "A");
  call.k = std::min(call.m, call.n);
  check_svd_outputs(env, call);
  return call;
}

// randomizedSvd's arguments; the call is SvdCall's.
struct RandomizedSvdCall : SvdCall {
  static RandomizedSvdCall parse(const Napi::CallbackInfo& info);
};

RandomizedSvdCall RandomizedSvdCall::parse(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RandomizedSvdCall call{};
  call.randomized = true;
  call.a = float32_arg(info, 0, "A");
  call.m = size_arg(info, 1, "A.rows");
  call.n = size_arg(info, 2, "A.cols");
  call.k = size_arg(info, 3, "k");
  call.omega = float32_arg(info, 4, "omega");
  call.l = size_arg(info, 5, "l");
  call.power_iterations = size_arg(info, 6, "powerIters", 1000);
  call.u = optional_float32_arg(info, 7, "U");
  call.s = float32_arg(info, 8, "S");
  call.vt = float32_arg(info, 9, "Vt");
  call.center = optional_float32_arg(info, 10, "center");
  check_matrix_length(env, call.a, call.m, call.n, "A");
  if (call.center.data) check_matrix_length(env, call.center, 1, call.n, "center");
  const std::size_t r = std::min(call.m, call.n);
  if (call.k < 1 || call.k > r)
    throw_argument_error(env, ErrorKind::range, kErrRange, "k", "an integer from 1 to min(rows, cols) = " + std::to_string(r),
                         std::to_string(call.k));
  if (call.l < call.k || call.l > r)
    throw_argument_error(env, ErrorKind::range, kErrRange, "l", "from k to min(rows, cols)", std::to_string(call.l));
  check_matrix_length(env, call.omega, call.n, call.l, "omega");
  check_svd_outputs(env, call);
  if (call.u.data) check_no_overlap(env, call.u, call.omega, "U", "omega");
  check_no_overlap(env, call.s, call.omega, "S", "omega");
  check_no_overlap(env, call.vt, call.omega, "Vt", "omega");
  return call;
}

Napi::Value set_lapack_backend(const Napi::CallbackInfo& info) {
  const std::string name = string_arg(info, 0, "backend");
  if (name != "lapack" && name != "builtin")
    throw_argument_error(info.Env(), ErrorKind::range, kErrRange, "backend", "'lapack' or 'builtin'", "\"" + name + "\"");
  if (!linalg::set_lapack_backend(name == "lapack" ? linalg::LapackBackend::lapack : linalg::LapackBackend::builtin))
    throw_argument_error(info.Env(), ErrorKind::range, kErrRange, "backend", "'builtin' (this build has no LAPACKE)",
                         "\"lapack\"");
  return info.Env().Undefined();
}

Napi::Value lapack_backend(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), linalg::lapack_backend() == linalg::LapackBackend::lapack ? "lapack" : "builtin");
}

}  // namespace

void register_linalg(Napi::Env env, Napi::Object exports) {
  define_call<GemmCall>(env, exports, "gemm");
  define_call<CovarianceCall>(env, exports, "covariance");
  define_call<EighCall>(env, exports, "eigh");
  define_call<SvdCall>(env, exports, "svd");
  define_call<RandomizedSvdCall>(env, exports, "randomizedSvd");
  exports.Set("setLapackBackend", Napi::Function::New<guarded<set_lapack_backend>>(env, "setLapackBackend"));
  exports.Set("lapackBackend", Napi::Function::New<guarded<lapack_backend>>(env, "lapackBackend"));
}

}  // namespace nnkit::binding
