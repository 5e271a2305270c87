// gemm and gemmAsync. Shapes arrive as (rows, cols) per operand and are re-checked here
// against the typed arrays' real lengths before any pointer is used.
#include "../linalg/blas.h"
#include "common.h"

namespace nnkit::binding {
namespace {

struct GemmCall {
  bool trans_a, trans_b;
  std::size_t m, n, k, lda, ldb;
  float alpha, beta;
  FloatArray a, b, c;

  void run() const { linalg::sgemm(trans_a, trans_b, m, n, k, alpha, a.data, lda, b.data, ldb, beta, c.data, n); }
};

// gemm(a, aRows, aCols, b, bRows, bCols, c, transA, transB, alpha, beta)
GemmCall parse_gemm(const Napi::CallbackInfo& info) {
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

Napi::Value gemm(const Napi::CallbackInfo& info) {
  parse_gemm(info).run();
  return info.Env().Undefined();
}

Napi::Value gemm_async(const Napi::CallbackInfo& info) {
  GemmCall call = parse_gemm(info);
  auto staging = std::make_shared<AsyncStaging>();
  staging->input(info.Env(), call.a);
  staging->input(info.Env(), call.b);
  staging->output(info.Env(), call.c);
  return queue_async(info.Env(), {call.a.object, call.b.object, call.c.object}, [call] { call.run(); }, nullptr, staging);
}

}  // namespace

void register_linalg(Napi::Env env, Napi::Object exports) {
  exports.Set("gemm", Napi::Function::New<guarded<gemm>>(env, "gemm"));
  exports.Set("gemmAsync", Napi::Function::New<guarded<gemm_async>>(env, "gemmAsync"));
}

}  // namespace nnkit::binding
