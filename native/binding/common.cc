#include "common.h"

#include "../kernels/stats.h"

#include <cmath>
#include <cstring>
#include <new>
#include <sstream>
#include <system_error>

#include "../kernels/parallel.h"

namespace nnkit::binding {
namespace {

const char* typed_array_name(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array: return "Int8Array";
    case napi_uint8_array: return "Uint8Array";
    case napi_uint8_clamped_array: return "Uint8ClampedArray";
    case napi_int16_array: return "Int16Array";
    case napi_uint16_array: return "Uint16Array";
    case napi_int32_array: return "Int32Array";
    case napi_uint32_array: return "Uint32Array";
    case napi_float32_array: return "Float32Array";
    case napi_float64_array: return "Float64Array";
    case napi_bigint64_array: return "BigInt64Array";
    case napi_biguint64_array: return "BigUint64Array";
    default: return "TypedArray";
  }
}

Napi::Value argument(const Napi::CallbackInfo& info, std::size_t index) {
  return index < info.Length() ? info[index] : info.Env().Undefined();
}

template <typename Array, napi_typedarray_type Type, typename Element>
Array typed_arg(const Napi::CallbackInfo& info, std::size_t index, const char* name, const char* expected) {
  const TypedArrayArg typed = typed_array_arg(info, index, name, expected);
  if (typed.type != Type)
    throw_argument_error(info.Env(), ErrorKind::type, kErrType, name, expected, describe(argument(info, index)));
  check_live(info, typed, name, expected);
  Array out;
  out.data = static_cast<Element*>(typed.data);
  out.length = typed.length;
  out.object = argument(info, index).As<Napi::Object>();
  return out;
}

}  // namespace

TypedArrayArg typed_array_arg(const Napi::CallbackInfo& info, std::size_t index, const char* name,
                              const char* expected) {
  const Napi::Value value = argument(info, index);
  const napi_env env = info.Env();
  bool is_typed = false;
  TypedArrayArg out{napi_int8_array, 0, nullptr, nullptr};
  std::size_t offset = 0;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, value, &out.type, &out.length, &out.data, &out.buffer, &offset) != napi_ok)
    throw_argument_error(info.Env(), ErrorKind::type, kErrType, name, expected, describe(value));
  return out;
}

void check_live(const Napi::CallbackInfo& info, const TypedArrayArg& array, const char* name, const char* expected) {
  bool detached = false;
  if (array.length == 0 && napi_is_detached_arraybuffer(info.Env(), array.buffer, &detached) == napi_ok && detached)
    throw_argument_error(info.Env(), ErrorKind::type, kErrDetached, name, std::string("a live ") + expected,
                         "a view of a detached ArrayBuffer");
}

void* typed_array_data(const Napi::TypedArray& typed) {
  napi_typedarray_type type;
  std::size_t length = 0, offset = 0;
  void* data = nullptr;
  napi_value buffer;
  if (napi_get_typedarray_info(typed.Env(), typed, &type, &length, &data, &buffer, &offset) != napi_ok) return nullptr;
  return data;
}

std::string describe(const Napi::Value& value) {
  std::ostringstream s;
  if (value.IsUndefined()) return "undefined";
  if (value.IsNull()) return "null";
  if (value.IsTypedArray()) {
    auto typed = value.As<Napi::TypedArray>();
    s << "a " << typed_array_name(typed.TypedArrayType()) << " of length " << typed.ElementLength();
    return s.str();
  }
  if (value.IsArray()) return "an Array of length " + std::to_string(value.As<Napi::Array>().Length());
  if (value.IsNumber()) {
    s << value.As<Napi::Number>().DoubleValue();
    return s.str();
  }
  if (value.IsString()) return "the string \"" + value.As<Napi::String>().Utf8Value().substr(0, 40) + "\"";
  if (value.IsBoolean()) return value.As<Napi::Boolean>().Value() ? "true" : "false";
  if (value.IsBigInt()) return "a bigint";
  if (value.IsFunction()) return "a function";
  if (value.IsArrayBuffer()) return "an ArrayBuffer";
  if (value.IsObject()) return "an object";
  return "a value of another type";
}

namespace {

// nn.NnkitTypeError and nn.NnkitRangeError of this environment (the main thread and each worker
// load lib/native.ts, which registers them): every error the addon raises is one of them.
struct ErrorClasses {
  Napi::FunctionReference type_error, range_error;
};

// setErrorClasses(NnkitTypeError, NnkitRangeError): constructors taking (code, message, argument?).
Napi::Value set_error_classes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsFunction() || !info[1].IsFunction())
    throw_argument_error(env, ErrorKind::type, kErrType, "classes", "two error constructors", describe(argument(info, 0)));
  auto* classes = env.GetInstanceData<ErrorClasses>();
  if (classes == nullptr) {
    classes = new ErrorClasses();
    env.SetInstanceData(classes);  // deleted with the environment
  }
  classes->type_error = Napi::Persistent(info[0].As<Napi::Function>());
  classes->range_error = Napi::Persistent(info[1].As<Napi::Function>());
  return env.Undefined();
}

}  // namespace

Napi::Error make_error(Napi::Env env, ErrorKind kind, const char* code, const std::string& message,
                       const std::string& argument) {
  auto* classes = env.GetInstanceData<ErrorClasses>();
  if (classes != nullptr) {
    const Napi::FunctionReference& ctor = kind == ErrorKind::type ? classes->type_error : classes->range_error;
    std::vector<napi_value> args{Napi::String::New(env, code), Napi::String::New(env, message)};
    if (!argument.empty()) args.push_back(Napi::String::New(env, argument));
    return Napi::Error(env, ctor.New(args));
  }
  // Before lib/native.ts has registered the classes (only the loader itself runs then).
  Napi::Error error = kind == ErrorKind::type ? static_cast<Napi::Error>(Napi::TypeError::New(env, message))
                                              : static_cast<Napi::Error>(Napi::RangeError::New(env, message));
  error.Set("code", Napi::String::New(env, code));
  if (!argument.empty()) error.Set("argument", Napi::String::New(env, argument));
  return error;
}

void throw_error(Napi::Env env, ErrorKind kind, const char* code, const std::string& message, const std::string& argument) {
  throw make_error(env, kind, code, message, argument);
}

void throw_argument_error(Napi::Env env, ErrorKind kind, const char* code, const char* argument,
                          const std::string& expected, const std::string& received) {
  throw make_error(env, kind, code, "Expected " + expected + " for " + argument + " but received " + received, argument);
}

void throw_nonfinite_cell(const char* name, const float* x, std::size_t index, std::size_t cols, const char* hint) {
  const float v = x[index];
  const std::string cell =
      std::string(name) + "[" + std::to_string(index / cols) + "][" + std::to_string(index % cols) + "]";
  const char* received = v != v ? "NaN" : (v > 0 ? "Infinity" : "-Infinity");
  throw nnkit::Error(ErrorKind::range, kErrNonFinite,
                     "Expected a finite number for " + cell + " but received " + received + hint, cell);
}

void require_finite_cells(const char* name, const float* x, std::size_t rows, std::size_t cols, const char* hint) {
  const std::size_t bad = kernels::find_nonfinite(x, rows * cols);
  if (bad != kernels::kAllFinite) throw_nonfinite_cell(name, x, bad, cols, hint);
}

void reject_nonfinite_cells(const char* name, const float* x, std::size_t rows, std::size_t cols, const char* hint) {
  require_finite_cells(name, x, rows, cols, hint);
  throw nnkit::Error(ErrorKind::range, "ERR_NNKIT_INTERNAL",
                     std::string("a kernel reported a non-finite value in ") + name + " that the scan does not find");
}

void register_errors(Napi::Env env, Napi::Object exports) {
  exports.Set("setErrorClasses", Napi::Function::New(env, set_error_classes, "setErrorClasses"));
}

FloatArray float32_arg(const Napi::CallbackInfo& info, std::size_t index, const char* name) {
  return typed_arg<FloatArray, napi_float32_array, float>(info, index, name, "a Float32Array");
}

FloatArray optional_float32_arg(const Napi::CallbackInfo& info, std::size_t index, const char* name) {
  if (index >= info.Length() || info[index].IsNull() || info[index].IsUndefined()) return FloatArray{};
  return float32_arg(info, index, name);
}

Uint32Array uint32_arg(const Napi::CallbackInfo& info, std::size_t index, const char* name) {
  return typed_arg<Uint32Array, napi_uint32_array, std::uint32_t>(info, index, name, "a Uint32Array");
}

std::size_t size_arg(const Napi::CallbackInfo& info, std::size_t index, const char* name, double max) {
  const Napi::Value value = argument(info, index);
  if (!value.IsNumber())
    throw_argument_error(info.Env(), ErrorKind::type, kErrType, name, "a non-negative integer", describe(value));
  const double d = value.As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d != std::floor(d) || d > max) {
    std::ostringstream expected;
    expected << "an integer from 0 to " << max;
    throw_argument_error(info.Env(), ErrorKind::range, kErrRange, name, expected.str(), describe(value));
  }
  return static_cast<std::size_t>(d);
}

double number_arg(const Napi::CallbackInfo& info, std::size_t index, const char* name) {
  const Napi::Value value = argument(info, index);
  if (!value.IsNumber())
    throw_argument_error(info.Env(), ErrorKind::type, kErrType, name, "a number", describe(value));
  return value.As<Napi::Number>().DoubleValue();
}

float finite_float_arg(const Napi::CallbackInfo& info, std::size_t index, const char* name) {
  const double d = number_arg(info, index, name);
  const float f = static_cast<float>(d);
  if (!std::isfinite(f))
    throw_argument_error(info.Env(), ErrorKind::range, kErrRange, name, "a finite float32 number",
                         describe(argument(info, index)));
  return f;
}

bool bool_arg(const Napi::CallbackInfo& info, std::size_t index, const char* name) {
  const Napi::Value value = argument(info, index);
  if (!value.IsBoolean())
    throw_argument_error(info.Env(), ErrorKind::type, kErrType, name, "a boolean", describe(value));
  return value.As<Napi::Boolean>().Value();
}

std::string string_arg(const Napi::CallbackInfo& info, std::size_t index, const char* name) {
  const Napi::Value value = argument(info, index);
  if (!value.IsString())
    throw_argument_error(info.Env(), ErrorKind::type, kErrType, name, "a string", describe(value));
  return value.As<Napi::String>().Utf8Value();
}

std::size_t check_matrix_length(Napi::Env env, const FloatArray& array, std::size_t rows, std::size_t cols,
                                const char* name) {
  std::size_t product = 0;
  if (__builtin_mul_overflow(rows, cols, &product) || product != array.length) {
    throw_argument_error(env, ErrorKind::range, kErrShape, name,
                         "a Float32Array of length " + std::to_string(rows) + " x " + std::to_string(cols),
                         "length " + std::to_string(array.length));
  }
  return product;
}

void check_no_overlap_bytes(Napi::Env env, const void* out, std::size_t out_bytes, const void* input,
                            std::size_t input_bytes, const char* out_name, const char* input_name) {
  if (out == nullptr || input == nullptr || out_bytes == 0 || input_bytes == 0) return;
  const auto out_begin = reinterpret_cast<std::uintptr_t>(out);
  const auto out_end = out_begin + out_bytes;
  const auto in_begin = reinterpret_cast<std::uintptr_t>(input);
  const auto in_end = in_begin + input_bytes;
  if (out_begin < in_end && in_begin < out_end) {
    throw_argument_error(env, ErrorKind::range, "ERR_NNKIT_ALIAS", out_name,
                         std::string("memory that does not overlap ") + input_name, "an overlapping view");
  }
}

void check_no_overlap(Napi::Env env, const FloatArray& out, const FloatArray& input, const char* out_name,
                      const char* input_name) {
  check_no_overlap_bytes(env, out.data, out.length * sizeof(float), input.data, input.length * sizeof(float), out_name,
                         input_name);
}

Napi::Value call_guarded(const Napi::CallbackInfo& info, Callback fn) {
  try {
    return fn(info);
  } catch (const nnkit::Error& e) {
    throw_error(info.Env(), e.kind(), e.code(), e.what(), e.argument());
  } catch (const std::bad_alloc&) {
    throw_error(info.Env(), ErrorKind::range, "ERR_NNKIT_ALLOC", "nnkit could not allocate working memory");
  } catch (const std::system_error& e) {  // thread creation failed: resources, not a bug
    throw_error(info.Env(), ErrorKind::range, "ERR_NNKIT_ALLOC", e.what());
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {  // never let a C++ exception unwind into N-API (terminate)
    throw_error(info.Env(), ErrorKind::range, "ERR_NNKIT_INTERNAL", e.what());
  }
}

namespace {

bool is_shared(const Napi::Object& typed_array) {
  napi_value buffer = typed_array.As<Napi::TypedArray>().ArrayBuffer();  // the real one, not a JS property
  bool shared = false;
  // SharedArrayBuffer is not an ArrayBuffer to N-API; there is no napi_is_sharedarraybuffer in
  // Node-API 8, so anything that is not a (detachable) ArrayBuffer counts as shared.
  napi_is_arraybuffer(typed_array.Env(), buffer, &shared);
  return !shared;
}

bool is_live(const Napi::Object& typed_array, std::size_t bytes) {
  auto typed = typed_array.As<Napi::TypedArray>();
  return !typed.ArrayBuffer().IsDetached() && typed.ByteLength() == bytes;
}

}  // namespace

void AsyncStaging::input_bytes(Napi::Env, void*& data, std::size_t bytes, const Napi::Object& typed_array) {
  if (bytes == 0 || is_shared(typed_array)) return;
  auto s = std::make_unique<Staged>();
  s->copy.reset(new unsigned char[bytes]);
  parallel_copy(s->copy.get(), data, bytes);
  s->bytes = bytes;
  data = s->copy.get();
  staged_.push_back(std::move(s));
}

void AsyncStaging::output_bytes(Napi::Env, void*& data, std::size_t bytes, const Napi::Object& typed_array,
                                bool preserve) {
  if (bytes == 0 || is_shared(typed_array)) return;
  auto s = std::make_unique<Staged>();
  s->copy.reset(new unsigned char[bytes]);
  if (preserve) parallel_copy(s->copy.get(), data, bytes);
  s->bytes = bytes;
  s->target = Napi::Persistent(typed_array);
  data = s->copy.get();
  staged_.push_back(std::move(s));
}

bool AsyncStaging::commit(Napi::Env) {
  bool all = true;
  for (const auto& s : staged_) {
    if (s->target.IsEmpty()) continue;
    const Napi::Object target = s->target.Value();
    if (!is_live(target, s->bytes)) {
      all = false;
      continue;
    }
    auto typed = target.As<Napi::TypedArray>();
    parallel_copy(typed_array_data(typed), s->copy.get(), s->bytes);
  }
  staged_.clear();
  return all;
}

namespace {

class PromiseWorker : public Napi::AsyncWorker {
 public:
  PromiseWorker(Napi::Env env, const std::vector<Napi::Object>& keep_alive, std::function<void()> work,
                std::function<Napi::Value(Napi::Env)> result, std::shared_ptr<AsyncStaging> staging)
      : Napi::AsyncWorker(env, "nnkit:async"),
        deferred_(Napi::Promise::Deferred::New(env)),
        work_(std::move(work)),
        result_(std::move(result)),
        staging_(std::move(staging)) {
    references_.reserve(keep_alive.size());
    for (const Napi::Object& object : keep_alive) references_.push_back(Napi::Persistent(object));
  }

  Napi::Promise promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      work_();
    } catch (const nnkit::Error& e) {
      kind_ = e.kind();
      code_ = e.code();
      argument_ = e.argument();
      SetError(e.what());
    } catch (const std::bad_alloc&) {
      code_ = "ERR_NNKIT_ALLOC";
      SetError("nnkit could not allocate working memory");
    } catch (const std::system_error& e) {  // as in call_guarded: thread creation failed
      code_ = "ERR_NNKIT_ALLOC";
      SetError(e.what());
    } catch (const std::exception& e) {
      code_ = "ERR_NNKIT_INTERNAL";
      SetError(e.what());
    }
  }

  // OnOK and OnError run from a C callback: a C++ exception escaping them terminates the
  // process. During a worker_thread's teardown every N-API call fails (JS can no longer run)
  // and node-addon-api turns that into a throw, so both settle inside a catch-all: when the
  // environment is going away there is nobody left to notify.
  void OnOK() override {
    try {
      if (staging_ && !staging_->commit(Env())) {
        deferred_.Reject(make_error(Env(), ErrorKind::type, kErrDetached,
                                    "Expected a live output buffer but it was detached while the call was pending", "out")
                             .Value());
        return;
      }
      try {
        deferred_.Resolve(result_ ? result_(Env()) : Env().Undefined());
      } catch (const Napi::Error& e) {
        deferred_.Reject(e.Value());
      }
    } catch (...) {
    }
  }

  void OnError(const Napi::Error& error) override {
    try {
      deferred_.Reject(make_error(Env(), kind_, code_, error.Message(), argument_).Value());
    } catch (...) {
    }
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::vector<Napi::ObjectReference> references_;
  std::function<void()> work_;
  std::function<Napi::Value(Napi::Env)> result_;
  std::shared_ptr<AsyncStaging> staging_;
  ErrorKind kind_ = ErrorKind::range;
  const char* code_ = "ERR_NNKIT_INTERNAL";
  std::string argument_;
};

}  // namespace

Napi::Promise queue_async(Napi::Env env, const std::vector<Napi::Object>& keep_alive, std::function<void()> work,
                          std::function<Napi::Value(Napi::Env)> result, std::shared_ptr<AsyncStaging> staging) {
  auto* worker = new PromiseWorker(env, keep_alive, std::move(work), std::move(result), std::move(staging));
  Napi::Promise promise = worker->promise();
  worker->Queue();  // the worker deletes itself after OnOK/OnError
  return promise;
}

}  // namespace nnkit::binding
