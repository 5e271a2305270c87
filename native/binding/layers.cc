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

void check_length(Napi::Env env, const FloatArray& array, std::size_t length, const char* name) {
  if (array.data != nullptr && array.length != length)
    throw_argument_error(env, ErrorKind::range, kErrShape, name, "a Float32Array of length " + std::to_string(length),
                         "length " + std::to_string(array.length));
}

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

// The typed arrays an async call must keep referenced (null optionals have no object).
std::vector<Napi::Object> keep_alive(std::initializer_list<const FloatArray*> arrays) {
  std::vector<Napi::Object> out;
  for (const FloatArray* a : arrays)
    if (!a->object.IsEmpty()) out.push_back(a->object);
  return out;
}

struct LinearForwardCall {
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
LinearForwardCall parse_linear_forward(const Napi::CallbackInfo& info) {
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

Napi::Value linear_forward(const Napi::CallbackInfo& info) {
  parse_linear_forward(info).run();
  return info.Env().Undefined();
}

Napi::Value linear_forward_async(const Napi::CallbackInfo& info) {
  LinearForwardCall c = parse_linear_forward(info);
  auto staging = std::make_shared<AsyncStaging>();
  for (FloatArray* in : {&c.x, &c.w, &c.b}) staging->input(info.Env(), *in);
  staging->output(info.Env(), c.out);
  return queue_async(info.Env(), keep_alive({&c.x, &c.w, &c.b, &c.out}), [c] { c.run(); }, nullptr, staging);
}

struct LinearBackwardCall {
  FloatArray dy, x, w, dx, dw, db;
  std::size_t n = 0, d = 0, h = 0;
  void run() const {
    if (dx.data != nullptr) linalg::sgemm(false, true, n, d, h, 1.0f, dy.data, h, w.data, h, 0.0f, dx.data, d);
    if (dw.data != nullptr) linalg::sgemm(true, false, d, h, n, 1.0f, x.data, d, dy.data, h, 0.0f, dw.data, h);
    if (db.data != nullptr) kernels::column_sums(dy.data, n, h, db.data);
  }
};

// linearBackward(dY, n, h, X, d, W, dX | null, dW | null, db | null)
LinearBackwardCall parse_linear_backward(const Napi::CallbackInfo& info) {
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

Napi::Value linear_backward(const Napi::CallbackInfo& info) {
  parse_linear_backward(info).run();
  return info.Env().Undefined();
}

Napi::Value linear_backward_async(const Napi::CallbackInfo& info) {
  LinearBackwardCall c = parse_linear_backward(info);
  auto staging = std::make_shared<AsyncStaging>();
  for (FloatArray* in : {&c.dy, &c.x, &c.w}) staging->input(info.Env(), *in);
  for (FloatArray* out : {&c.dx, &c.dw, &c.db}) staging->output(info.Env(), *out);
  return queue_async(info.Env(), keep_alive({&c.dy, &c.x, &c.w, &c.dx, &c.dw, &c.db}), [c] { c.run(); }, nullptr,
                     staging);
}

struct ReluForwardCall {
  FloatArray x, out;
  void run() const { kernels::relu_forward(x.data, out.data, x.length); }
};

// reluForward(X, out)
ReluForwardCall parse_relu_forward(const Napi::CallbackInfo& info) {
  ReluForwardCall c;
  c.x = float32_arg(info, 0, "X");
  c.out = float32_arg(info, 1, "out");
  check_length(info.Env(), c.out, c.x.length, "out");
  check_same_or_disjoint(info.Env(), c.out, c.x, "out", "X");
  return c;
}

Napi::Value relu_forward(const Napi::CallbackInfo& info) {
  parse_relu_forward(info).run();
  return info.Env().Undefined();
}

// In place (out is X) the staged input and output are two private copies of the same values:
// the kernel reads one and writes the other, and the commit overwrites X.
Napi::Value relu_forward_async(const Napi::CallbackInfo& info) {
  ReluForwardCall c = parse_relu_forward(info);
  auto staging = std::make_shared<AsyncStaging>();
  staging->input(info.Env(), c.x);
  staging->write_only_output(info.Env(), c.out);
  return queue_async(info.Env(), keep_alive({&c.x, &c.out}), [c] { c.run(); }, nullptr, staging);
}

struct ReluBackwardCall {
  FloatArray dy, x, out;
  void run() const { kernels::relu_backward(dy.data, x.data, out.data, dy.length); }
};

// reluBackward(dY, X, out)
ReluBackwardCall parse_relu_backward(const Napi::CallbackInfo& info) {
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

Napi::Value relu_backward(const Napi::CallbackInfo& info) {
  parse_relu_backward(info).run();
  return info.Env().Undefined();
}

Napi::Value relu_backward_async(const Napi::CallbackInfo& info) {
  ReluBackwardCall c = parse_relu_backward(info);
  auto staging = std::make_shared<AsyncStaging>();
  staging->input(info.Env(), c.dy);
  staging->input(info.Env(), c.x);
  staging->write_only_output(info.Env(), c.out);
  return queue_async(info.Env(), keep_alive({&c.dy, &c.x, &c.out}), [c] { c.run(); }, nullptr, staging);
}

double probability_like_arg(const Napi::CallbackInfo& info, std::size_t index, const char* name, bool allow_zero) {
  const double v = number_arg(info, index, name);
  if (!(allow_zero ? v >= 0.0 : v > 0.0) || !(v <= 1.0))
    throw_argument_error(info.Env(), ErrorKind::range, kErrRange, name, allow_zero ? "a number in [0, 1]" : "a number in (0, 1]",
                         describe(info[index]));
  return v;
}

struct BatchNormForwardCall {
  FloatArray x, gamma, beta, running_mean, running_var, saved_mean, saved_invstd, out;
  kernels::BatchNormParams p;
  bool training = true;
  void run() const {
    if (training)
      kernels::batchnorm_forward_train(p, x.data, out.data, running_mean.data, running_var.data, saved_mean.data,
                                       saved_invstd.data);
    else
      kernels::batchnorm_forward_eval(p, x.data, out.data, running_mean.data, running_var.data);
  }
};

// batchNormForward(X, n, d, gamma | null, beta | null, training, momentum, eps, runningMean,
//                  runningVar, savedMean, savedInvstd, out)
BatchNormForwardCall parse_batchnorm_forward(const Napi::CallbackInfo& info) {
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

Napi::Value batchnorm_forward(const Napi::CallbackInfo& info) {
  parse_batchnorm_forward(info).run();
  return info.Env().Undefined();
}

Napi::Value batchnorm_forward_async(const Napi::CallbackInfo& info) {
  BatchNormForwardCall c = parse_batchnorm_forward(info);
  auto staging = std::make_shared<AsyncStaging>();
  for (FloatArray* in : {&c.x, &c.gamma, &c.beta}) staging->input(info.Env(), *in);
  for (FloatArray* out : {&c.running_mean, &c.running_var, &c.saved_mean, &c.saved_invstd, &c.out})
    staging->output(info.Env(), *out);
  c.p.gamma = c.gamma.data;  // the params carry their own pointers: point them at the copies
  c.p.beta = c.beta.data;
  return queue_async(info.Env(),
                     keep_alive({&c.x, &c.gamma, &c.beta, &c.running_mean, &c.running_var, &c.saved_mean,
                                 &c.saved_invstd, &c.out}),
                     [c] { c.run(); }, nullptr, staging);
}

struct BatchNormBackwardCall {
  FloatArray dy, x, gamma, saved_mean, saved_invstd, dx, dgamma, dbeta;
  kernels::BatchNormParams p;
  void run() const {
    kernels::batchnorm_backward(p, dy.data, x.data, saved_mean.data, saved_invstd.data, dx.data, dgamma.data,
                                dbeta.data);
  }
};

// batchNormBackward(dY, X, n, d, gamma | null, savedMean, savedInvstd, dX | null, dGamma | null, dBeta | null)
BatchNormBackwardCall parse_batchnorm_backward(const Napi::CallbackInfo& info) {
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

Napi::Value batchnorm_backward(const Napi::CallbackInfo& info) {
  parse_batchnorm_backward(info).run();
  return info.Env().Undefined();
}

Napi::Value batchnorm_backward_async(const Napi::CallbackInfo& info) {
  BatchNormBackwardCall c = parse_batchnorm_backward(info);
  auto staging = std::make_shared<AsyncStaging>();
  for (FloatArray* in : {&c.dy, &c.x, &c.gamma, &c.saved_mean, &c.saved_invstd}) staging->input(info.Env(), *in);
  for (FloatArray* out : {&c.dx, &c.dgamma, &c.dbeta}) staging->output(info.Env(), *out);
  c.p.gamma = c.gamma.data;
  return queue_async(info.Env(),
                     keep_alive({&c.dy, &c.x, &c.gamma, &c.saved_mean, &c.saved_invstd, &c.dx, &c.dgamma, &c.dbeta}),
                     [c] { c.run(); }, nullptr, staging);
}

void check_mask_words(Napi::Env env, std::size_t words, std::size_t units) {
  if (words != kernels::dropout_mask_words(units))
    throw_argument_error(env, ErrorKind::range, kErrShape, "mask",
                         "a Uint32Array of length " + std::to_string(kernels::dropout_mask_words(units)),
                         "length " + std::to_string(words));
}

struct DropoutForwardCall {
  kernels::RngStream stream{};
  std::uint64_t offset = 0;
  FloatArray x, out;
  Uint32Array mask;
  double keep_prob = 1.0;
  float scale = 1.0f;
  void run() const {
    kernels::dropout_forward(stream, offset, keep_prob, scale, x.data, out.data, mask.data, x.length);
  }
};

// dropoutForward(key0, key1, stream0, stream1, offset, X, out, mask: Uint32Array, keepProb, scale)
//   -> Philox blocks consumed
DropoutForwardCall parse_dropout_forward(const Napi::CallbackInfo& info) {
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

Napi::Value dropout_forward(const Napi::CallbackInfo& info) {
  const DropoutForwardCall c = parse_dropout_forward(info);
  c.run();
  return Napi::Number::New(info.Env(), static_cast<double>(kernels::rng_blocks_for(c.x.length)));
}

// The mask words are an output like `out`: written back only when the work is done.
Napi::Value dropout_forward_async(const Napi::CallbackInfo& info) {
  DropoutForwardCall c = parse_dropout_forward(info);
  auto staging = std::make_shared<AsyncStaging>();
  staging->input(info.Env(), c.x);
  staging->write_only_output(info.Env(), c.out);
  staging->write_only_output(info.Env(), c.mask);  // every word, bits past the last unit included
  const double blocks = static_cast<double>(kernels::rng_blocks_for(c.x.length));
  return queue_async(info.Env(), {c.x.object, c.out.object, c.mask.object}, [c] { c.run(); },
                     [blocks](Napi::Env env) { return Napi::Number::New(env, blocks); }, staging);
}

struct DropoutBackwardCall {
  FloatArray dy, out;
  Uint32Array mask;  // data == nullptr: every unit kept
  float scale = 1.0f;
  void run() const { kernels::dropout_backward(dy.data, mask.data, scale, out.data, dy.length); }
};

// dropoutBackward(dY, mask: Uint32Array | null, scale, out)
DropoutBackwardCall parse_dropout_backward(const Napi::CallbackInfo& info) {
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

Napi::Value dropout_backward(const Napi::CallbackInfo& info) {
  parse_dropout_backward(info).run();
  return info.Env().Undefined();
}

Napi::Value dropout_backward_async(const Napi::CallbackInfo& info) {
  DropoutBackwardCall c = parse_dropout_backward(info);
  auto staging = std::make_shared<AsyncStaging>();
  staging->input(info.Env(), c.dy);
  // A mask of 0 words (fewer than one unit) has no data pointer to copy; a null mask stays null.
  if (c.mask.data != nullptr) staging->input(info.Env(), c.mask);
  staging->write_only_output(info.Env(), c.out);
  std::vector<Napi::Object> keep = keep_alive({&c.dy, &c.out});
  if (!c.mask.object.IsEmpty()) keep.push_back(c.mask.object);
  return queue_async(info.Env(), keep, [c] { c.run(); }, nullptr, staging);
}

}  // namespace

void register_layers(Napi::Env env, Napi::Object exports) {
  exports.Set("linearForward", Napi::Function::New<guarded<linear_forward>>(env, "linearForward"));
  exports.Set("linearBackward", Napi::Function::New<guarded<linear_backward>>(env, "linearBackward"));
  exports.Set("reluForward", Napi::Function::New<guarded<relu_forward>>(env, "reluForward"));
  exports.Set("reluBackward", Napi::Function::New<guarded<relu_backward>>(env, "reluBackward"));
  exports.Set("batchNormForward", Napi::Function::New<guarded<batchnorm_forward>>(env, "batchNormForward"));
  exports.Set("batchNormBackward", Napi::Function::New<guarded<batchnorm_backward>>(env, "batchNormBackward"));
  exports.Set("linearForwardAsync", Napi::Function::New<guarded<linear_forward_async>>(env, "linearForwardAsync"));
  exports.Set("linearBackwardAsync", Napi::Function::New<guarded<linear_backward_async>>(env, "linearBackwardAsync"));
  exports.Set("batchNormForwardAsync", Napi::Function::New<guarded<batchnorm_forward_async>>(env, "batchNormForwardAsync"));
  exports.Set("batchNormBackwardAsync",
              Napi::Function::New<guarded<batchnorm_backward_async>>(env, "batchNormBackwardAsync"));
  exports.Set("dropoutForward", Napi::Function::New<guarded<dropout_forward>>(env, "dropoutForward"));
  exports.Set("dropoutBackward", Napi::Function::New<guarded<dropout_backward>>(env, "dropoutBackward"));
  exports.Set("reluForwardAsync", Napi::Function::New<guarded<relu_forward_async>>(env, "reluForwardAsync"));
  exports.Set("reluBackwardAsync", Napi::Function::New<guarded<relu_backward_async>>(env, "reluBackwardAsync"));
  exports.Set("dropoutForwardAsync", Napi::Function::New<guarded<dropout_forward_async>>(env, "dropoutForwardAsync"));
  exports.Set("dropoutBackwardAsync", Napi::Function::New<guarded<dropout_backward_async>>(env, "dropoutBackwardAsync"));
}

}  // namespace nnkit::binding
