// The layer functions: linear, ReLU, batch normalization and dropout. Every size is re-checked
// against the typed arrays' real lengths here, before a kernel sees a pointer.
#include "../kernels/batchnorm.h"
#include "../kernels/dropout.h"
#include "../kernels/layers.h"
#include "../linalg/blas.h"
#include "common.h"

#include <cmath>
#include <initializer_list>
#include <utility>
#include <vector>

namespace nnkit::binding {
namespace {

// Elementwise kernels may run in place (out is exactly the input) but not on a shifted view.
void check_same_or_disjoint(Napi::Env env, const FloatArray& out, const FloatArray& input, const char* out_name,
                            const char* input_name) {
  if (out.data == input.data && out.length == input.length) return;
  check_no_overlap(env, out, input, out_name, input_name);
}

void check_disjoint(Napi::Env env, const FloatArray& out, const FloatArray& input, const char* out_name,
                    const char* input_name) {
  if (out.data != nullptr && input.data != nullptr) check_no_overlap(env, out, input, out_name, input_name);
}

struct LinearForwardCall {
  static LinearForwardCall parse(const Napi::CallbackInfo& info);
  template <class B>
  void buffers(B& b) { b.input(x); b.input(w); b.input(this->b); b.output(out); }
  FloatArray x, w, b, out;
  std::size_t n = 0, d = 0, h = 0;
  void run() const {
    // The bias goes in first and GEMM accumulates onto it (beta = 1): one write pass over out
    // instead of a GEMM pass plus a read-modify-write pass for the bias.
    if (b.data != nullptr) kernels::broadcast_rows(b.data, n, h, out.data);
    linalg::sgemm(false, false, n, h, d, 1.0f, x.data, d, w.data, h, b.data != nullptr ? 1.0f : 0.0f, out.data, h);
  }
};

// linearForward(X, n, d, W, h, b | null, out): out = X·W + b.
LinearForwardCall LinearForwardCall::parse(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  LinearForwardCall c;
  c.x = float32_arg(info, 0, "X");
  c.n = size_arg(info, 1, "X.rows");
  c.d = size_arg(info, 2, "X.cols");
  c.w = float32_arg(info, 3, "W");
  c.h = size_arg(info, 4, "W.cols");
  c.b = optional_float32_arg(info, 5, "b");
  c.out = float32_arg(info, 6, "out");
  check_matrix_length(env, c.x, c.n, c.d, "X");
  check_matrix_length(env, c.w, c.d, c.h, "W");
  check_length(env, c.b, c.h, "b");
  check_matrix_length(env, c.out, c.n, c.h, "out");
  check_no_overlap(env, c.out, c.x, "out", "X");
  check_no_overlap(env, c.out, c.w, "out", "W");
  check_disjoint(env, c.out, c.b, "out", "b");
  return c;
}

struct LinearBackwardCall {
  static LinearBackwardCall parse(const Napi::CallbackInfo& info);
  template <class B>
  void buffers(B& b) { b.input(dy); b.input(x); b.input(w); b.output(dx); b.output(dw); b.output(db); }
  FloatArray dy, x, w, dx, dw, db;
  std::size_t n = 0, d = 0, h = 0;
  void run() const {
    if (dx.data != nullptr) linalg::sgemm(false, true, n, d, h, 1.0f, dy.data, h, w.data, h, 0.0f, dx.data, d);
    if (dw.data != nullptr) linalg::sgemm(true, false, d, h, n, 1.0f, x.data, d, dy.data, h, 0.0f, dw.data, h);
    if (db.data != nullptr) kernels::column_sums(dy.data, n, h, db.data);
  }
};

// linearBackward(dY, n, h, X, d, W, dX | null, dW | null, db | null)
LinearBackwardCall LinearBackwardCall::parse(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  LinearBackwardCall c;
  c.dy = float32_arg(info, 0, "dY");
  c.n = size_arg(info, 1, "dY.rows");
  c.h = size_arg(info, 2, "dY.cols");
  c.x = float32_arg(info, 3, "X");
  c.d = size_arg(info, 4, "X.cols");
  c.w = float32_arg(info, 5, "W");
  c.dx = optional_float32_arg(info, 6, "dX");
  c.dw = optional_float32_arg(info, 7, "dW");
  c.db = optional_float32_arg(info, 8, "db");
  check_matrix_length(env, c.dy, c.n, c.h, "dY");
  check_matrix_length(env, c.x, c.n, c.d, "X");
  check_matrix_length(env, c.w, c.d, c.h, "W");
  check_length(env, c.dx, c.n * c.d, "dX");
  check_length(env, c.dw, c.d * c.h, "dW");
  check_length(env, c.db, c.h, "db");
  for (const auto& [out, name] : {std::pair{c.dx, "dX"}, std::pair{c.dw, "dW"}, std::pair{c.db, "db"}}) {
    check_disjoint(env, out, c.dy, name, "dY");
    check_disjoint(env, out, c.x, name, "X");
    check_disjoint(env, out, c.w, name, "W");
  }
  check_disjoint(env, c.dx, c.dw, "dX", "dW");
  check_disjoint(env, c.dx, c.db, "dX", "db");
  check_disjoint(env, c.dw, c.db, "dW", "db");
  return c;
}

struct ReluForwardCall {
  static ReluForwardCall parse(const Napi::CallbackInfo& info);
  template <class B>
  void buffers(B& b) { b.input(x); b.write_only(out); }
  FloatArray x, out;
  void run() const { kernels::relu_forward(x.data, out.data, x.length); }
};

// reluForward(X, out)
ReluForwardCall ReluForwardCall::parse(const Napi::CallbackInfo& info) {
  ReluForwardCall c;
  c.x = float32_arg(info, 0, "X");
  c.out = float32_arg(info, 1, "out");
  check_length(info.Env(), c.out, c.x.length, "out");
  check_same_or_disjoint(info.Env(), c.out, c.x, "out", "X");
  return c;
}

struct ReluBackwardCall {
  static ReluBackwardCall parse(const Napi::CallbackInfo& info);
  template <class B>
  void buffers(B& b) { b.input(dy); b.input(x); b.write_only(out); }
  FloatArray dy, x, out;
  void run() const { kernels::relu_backward(dy.data, x.data, out.data, dy.length); }
};

// reluBackward(dY, X, out)
ReluBackwardCall ReluBackwardCall::parse(const Napi::CallbackInfo& info) {
  ReluBackwardCall c;
  c.dy = float32_arg(info, 0, "dY");
  c.x = float32_arg(info, 1, "X");
  c.out = float32_arg(info, 2, "out");
  check_length(info.Env(), c.x, c.dy.length, "X");
  check_length(info.Env(), c.out, c.dy.length, "out");
  check_same_or_disjoint(info.Env(), c.out, c.dy, "out", "dY");
  check_same_or_disjoint(info.Env(), c.out, c.x, "out", "X");
  return c;
}

double probability_like_arg(const Napi::CallbackInfo& info, std::size_t index, const char* name, bool allow_zero) {
  const double v = number_arg(info, index, name);
  if (!(allow_zero ? v >= 0.0 : v > 0.0) || !(v <= 1.0))
    throw_argument_error(info.Env(), ErrorKind::range, kErrRange, name, allow_zero ? "a number in [0, 1]" : "a number in (0, 1]",
                         describe(info[index]));
  return v;
}

struct BatchNormForwardCall {
  static BatchNormForwardCall parse(const Napi::CallbackInfo& info);
  template <class B>
  void buffers(B& b) { b.input(x); b.input(gamma); b.input(beta); b.output(running_mean); b.output(running_var); b.output(saved_mean); b.output(saved_invstd); b.output(out); }
  FloatArray x, gamma, beta, running_mean, running_var, saved_mean, saved_invstd, out;
  kernels::BatchNormParams p;
  bool training = true;
  void run() const {
    kernels::BatchNormParams q = p;  // gamma and beta where they are now (an async call's copies)
    q.gamma = gamma.data;
    q.beta = beta.data;
    if (training)
      kernels::batchnorm_forward_train(q, x.data, out.data, running_mean.data, running_var.data, saved_mean.data,
                                       saved_invstd.data);
    else
      kernels::batchnorm_forward_eval(q, x.data, out.data, running_mean.data, running_var.data);
  }
};

// batchNormForward(X, n, d, gamma | null, beta | null, training, momentum, eps, runningMean,
//                  runningVar, savedMean, savedInvstd, out)
BatchNormForwardCall BatchNormForwardCall::parse(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  BatchNormForwardCall c;
  c.x = float32_arg(info, 0, "X");
  c.p.rows = size_arg(info, 1, "X.rows");
  c.p.cols = size_arg(info, 2, "X.cols");
  c.gamma = optional_float32_arg(info, 3, "gamma");
  c.beta = optional_float32_arg(info, 4, "beta");
  c.training = bool_arg(info, 5, "training");
  c.p.momentum = probability_like_arg(info, 6, "momentum", true);
  c.p.eps = number_arg(info, 7, "eps");
  if (!(c.p.eps > 0.0) || !std::isfinite(c.p.eps))
    throw_argument_error(env, ErrorKind::range, kErrRange, "eps", "a finite number > 0", describe(info[7]));
  c.running_mean = float32_arg(info, 8, "runningMean");
  c.running_var = float32_arg(info, 9, "runningVar");
  c.saved_mean = float32_arg(info, 10, "savedMean");
  c.saved_invstd = float32_arg(info, 11, "savedInvstd");
  c.out = float32_arg(info, 12, "out");
  check_matrix_length(env, c.x, c.p.rows, c.p.cols, "X");
  check_matrix_length(env, c.out, c.p.rows, c.p.cols, "out");
  for (const auto& [array, name] : {std::pair{c.gamma, "gamma"}, std::pair{c.beta, "beta"},
                                    std::pair{c.running_mean, "runningMean"}, std::pair{c.running_var, "runningVar"},
                                    std::pair{c.saved_mean, "savedMean"}, std::pair{c.saved_invstd, "savedInvstd"}}) {
    check_length(env, array, c.p.cols, name);
    check_disjoint(env, c.out, array, "out", name);
  }
  check_no_overlap(env, c.out, c.x, "out", "X");
  if (c.training && c.p.rows < 2)
    throw_argument_error(env, ErrorKind::range, kErrShape, "X",
                         "at least 2 rows in training mode (the unbiased batch variance divides by N - 1)",
                         std::to_string(c.p.rows) + " rows");
  c.p.gamma = c.gamma.data;
  c.p.beta = c.beta.data;
  return c;
}

struct BatchNormBackwardCall {
  static BatchNormBackwardCall parse(const Napi::CallbackInfo& info);
  template <class B>
  void buffers(B& b) { b.input(dy); b.input(x); b.input(gamma); b.input(saved_mean); b.input(saved_invstd); b.output(dx); b.output(dgamma); b.output(dbeta); }
  FloatArray dy, x, gamma, saved_mean, saved_invstd, dx, dgamma, dbeta;
  kernels::BatchNormParams p;
  void run() const {
    kernels::BatchNormParams q = p;
    q.gamma = gamma.data;
    kernels::batchnorm_backward(q, dy.data, x.data, saved_mean.data, saved_invstd.data, dx.data, dgamma.data,
                                dbeta.data);
  }
};

// batchNormBackward(dY, X, n, d, gamma | null, savedMean, savedInvstd, dX | null, dGamma | null, dBeta | null)
BatchNormBackwardCall BatchNormBackwardCall::parse(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  BatchNormBackwardCall c;
  c.dy = float32_arg(info, 0, "dY");
  c.x = float32_arg(info, 1, "X");
  c.p.rows = size_arg(info, 2, "X.rows");
  c.p.cols = size_arg(info, 3, "X.cols");
  c.gamma = optional_float32_arg(info, 4, "gamma");
  c.saved_mean = float32_arg(info, 5, "savedMean");
  c.saved_invstd = float32_arg(info, 6, "savedInvstd");
  c.dx = optional_float32_arg(info, 7, "dX");
  c.dgamma = optional_float32_arg(info, 8, "dGamma");
  c.dbeta = optional_float32_arg(info, 9, "dBeta");
  check_matrix_length(env, c.dy, c.p.rows, c.p.cols, "dY");
  check_matrix_length(env, c.x, c.p.rows, c.p.cols, "X");
  check_length(env, c.dx, c.p.rows * c.p.cols, "dX");
  for (const auto& [array, name] : {std::pair{c.gamma, "gamma"}, std::pair{c.saved_mean, "savedMean"},
                                    std::pair{c.saved_invstd, "savedInvstd"}, std::pair{c.dgamma, "dGamma"},
                                    std::pair{c.dbeta, "dBeta"}})
    check_length(env, array, c.p.cols, name);
  for (const auto& [out, name] : {std::pair{c.dx, "dX"}, std::pair{c.dgamma, "dGamma"}, std::pair{c.dbeta, "dBeta"}}) {
    for (const auto& [input, input_name] : {std::pair{c.dy, "dY"}, std::pair{c.x, "X"}, std::pair{c.gamma, "gamma"},
                                            std::pair{c.saved_mean, "savedMean"},
                                            std::pair{c.saved_invstd, "savedInvstd"}})
      check_disjoint(env, out, input, name, input_name);
  }
  check_disjoint(env, c.dx, c.dgamma, "dX", "dGamma");
  check_disjoint(env, c.dx, c.dbeta, "dX", "dBeta");
  check_disjoint(env, c.dgamma, c.dbeta, "dGamma", "dBeta");
  c.p.gamma = c.gamma.data;
  return c;
}

void check_mask_words(Napi::Env env, std::size_t words, std::size_t units) {
  if (words != kernels::dropout_mask_words(units))
    throw_argument_error(env, ErrorKind::range, kErrShape, "mask",
                         "a Uint32Array of length " + std::to_string(kernels::dropout_mask_words(units)),
                         "length " + std::to_string(words));
}

struct DropoutForwardCall {
  static DropoutForwardCall parse(const Napi::CallbackInfo& info);
  template <class B>
  void buffers(B& b) { b.input(x); b.write_only(out); b.write_only(mask); }
  kernels::RngStream stream{};
  std::uint64_t offset = 0;
  FloatArray x, out;
  Uint32Array mask;
  double keep_prob = 1.0;
  float scale = 1.0f;
  // Returns the Philox blocks consumed (the mask words are an output like `out`, every word
  // written, bits past the last unit included).
  double run() const {
    kernels::dropout_forward(stream, offset, keep_prob, scale, x.data, out.data, mask.data, x.length);
    return static_cast<double>(kernels::rng_blocks_for(x.length));
  }
};

// dropoutForward(key0, key1, stream0, stream1, offset, X, out, mask: Uint32Array, keepProb, scale)
//   -> Philox blocks consumed
DropoutForwardCall DropoutForwardCall::parse(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DropoutForwardCall c;
  c.stream.key[0] = static_cast<std::uint32_t>(size_arg(info, 0, "key0", 4294967295.0));
  c.stream.key[1] = static_cast<std::uint32_t>(size_arg(info, 1, "key1", 4294967295.0));
  const auto s0 = static_cast<std::uint64_t>(size_arg(info, 2, "stream0", 4294967295.0));
  const auto s1 = static_cast<std::uint64_t>(size_arg(info, 3, "stream1", 4294967295.0));
  c.stream.stream = s0 | (s1 << 32);
  c.offset = static_cast<std::uint64_t>(size_arg(info, 4, "offset"));
  c.x = float32_arg(info, 5, "X");
  c.out = float32_arg(info, 6, "out");
  c.mask = uint32_arg(info, 7, "mask");
  c.keep_prob = probability_like_arg(info, 8, "keepProb", false);
  c.scale = finite_float_arg(info, 9, "scale");
  check_length(env, c.out, c.x.length, "out");
  check_same_or_disjoint(env, c.out, c.x, "out", "X");
  check_mask_words(env, c.mask.length, c.x.length);
  return c;
}

struct DropoutBackwardCall {
  static DropoutBackwardCall parse(const Napi::CallbackInfo& info);
  template <class B>
  void buffers(B& b) { b.input(dy); b.input(mask); b.write_only(out); }
  FloatArray dy, out;
  Uint32Array mask;  // data == nullptr: every unit kept
  float scale = 1.0f;
  void run() const { kernels::dropout_backward(dy.data, mask.data, scale, out.data, dy.length); }
};

// dropoutBackward(dY, mask: Uint32Array | null, scale, out)
DropoutBackwardCall DropoutBackwardCall::parse(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DropoutBackwardCall c;
  c.dy = float32_arg(info, 0, "dY");
  const bool has_mask = info.Length() > 1 && !info[1].IsNull() && !info[1].IsUndefined();
  if (has_mask) c.mask = uint32_arg(info, 1, "mask");
  c.scale = finite_float_arg(info, 2, "scale");
  c.out = float32_arg(info, 3, "out");
  check_length(env, c.out, c.dy.length, "out");
  check_same_or_disjoint(env, c.out, c.dy, "out", "dY");
  if (has_mask) check_mask_words(env, c.mask.length, c.dy.length);
  return c;
}

}  // namespace

void register_layers(Napi::Env env, Napi::Object exports) {
  define_call<LinearForwardCall>(env, exports, "linearForward");
  define_call<LinearBackwardCall>(env, exports, "linearBackward");
  define_call<ReluForwardCall>(env, exports, "reluForward");
  define_call<ReluBackwardCall>(env, exports, "reluBackward");
  define_call<BatchNormForwardCall>(env, exports, "batchNormForward");
  define_call<BatchNormBackwardCall>(env, exports, "batchNormBackward");
  define_call<DropoutForwardCall>(env, exports, "dropoutForward");
  define_call<DropoutBackwardCall>(env, exports, "dropoutBackward");
}

}  // namespace nnkit::binding
