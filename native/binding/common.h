// Argument access, error translation and async workers shared by every binding file. This is
// the only layer that knows N-API; it never includes intrinsics and never decides a SIMD path.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "../kernels/error.h"

namespace nnkit::binding {

// Throws a TypeError or RangeError whose message reads "Expected <expected> for <argument> but
// received <received>" and whose `code` and `argument` properties are set.
[[noreturn]] void throw_argument_error(Napi::Env env, ErrorKind kind, const char* code, const char* argument,
                                       const std::string& expected, const std::string& received);
[[noreturn]] void throw_error(Napi::Env env, ErrorKind kind, const char* code, const std::string& message,
                              const std::string& argument = {});
// The JS error for a code: an nn.NnkitTypeError / NnkitRangeError (registered by lib/native.ts
// through setErrorClasses, per environment: main thread and workers alike) with `code` and, when
// given, `argument`.
Napi::Error make_error(Napi::Env env, ErrorKind kind, const char* code, const std::string& message,
                       const std::string& argument = {});

// The first byte of a typed array's elements (byteOffset applied), for ArrayBuffer and
// SharedArrayBuffer alike (ArrayBuffer().Data() throws "Invalid argument" on a shared one).
void* typed_array_data(const Napi::TypedArray& typed);

// A typed-array argument read with one napi_get_typedarray_info call: small calls pay for every
// N-API round trip, so this replaces the node-addon-api wrappers (which query the array several
// times). `data` is already offset by byteOffset; ArrayBuffer and SharedArrayBuffer alike.
struct TypedArrayArg {
  napi_typedarray_type type;
  std::size_t length;
  void* data;
  napi_value buffer;
};
// ERR_NNKIT_TYPE (`expected`) unless argument `index` is a typed array; then
// ERR_NNKIT_DETACHED when its buffer was detached (only an empty view needs the probe).
TypedArrayArg typed_array_arg(const Napi::CallbackInfo& info, std::size_t index, const char* name,
                              const char* expected);
void check_live(const Napi::CallbackInfo& info, const TypedArrayArg& array, const char* name, const char* expected);

// A short description of a JS value for error messages ("a Float64Array of length 3", "-1").
std::string describe(const Napi::Value& value);

struct FloatArray {
  float* data = nullptr;
  std::size_t length = 0;
  Napi::Object object;  // the typed array, kept for async references
};

// A Float32Array argument (any byteOffset, ArrayBuffer or SharedArrayBuffer); a detached
// buffer is an ERR_NNKIT_DETACHED TypeError.
FloatArray float32_arg(const Napi::CallbackInfo& info, std::size_t index, const char* name);
// A Float32Array, or null/undefined for "not wanted" (data == nullptr).
FloatArray optional_float32_arg(const Napi::CallbackInfo& info, std::size_t index, const char* name);

struct Uint32Array {
  std::uint32_t* data = nullptr;
  std::size_t length = 0;
  Napi::Object object;
};
Uint32Array uint32_arg(const Napi::CallbackInfo& info, std::size_t index, const char* name);

// A non-negative integer no larger than `max`.
std::size_t size_arg(const Napi::CallbackInfo& info, std::size_t index, const char* name,
                     double max = 9007199254740991.0);
double number_arg(const Napi::CallbackInfo& info, std::size_t index, const char* name);
float finite_float_arg(const Napi::CallbackInfo& info, std::size_t index, const char* name);
bool bool_arg(const Napi::CallbackInfo& info, std::size_t index, const char* name);
std::string string_arg(const Napi::CallbackInfo& info, std::size_t index, const char* name);

// rows * cols, or an ERR_NNKIT_SHAPE RangeError when the product overflows or differs from the
// array's length.
std::size_t check_matrix_length(Napi::Env env, const FloatArray& array, std::size_t rows, std::size_t cols,
                                const char* name);

// Throws ERR_NNKIT_NONFINITE (an nnkit::Error, so also from a pool thread) for the NaN or
// ±Infinity at x[index] of the row-major `name` with `cols` columns, named by its cell
// ("X[3][7]", also the error's `argument`), with `hint` after the message.
[[noreturn]] void throw_nonfinite_cell(const char* name, const float* x, std::size_t index, std::size_t cols,
                                       const char* hint = "");
// throw_nonfinite_cell for the first NaN or ±Infinity of the rows × cols `name`; returns when
// every value is finite.
void require_finite_cells(const char* name, const float* x, std::size_t rows, std::size_t cols, const char* hint = "");
// For a kernel that reported non-finite input: require_finite_cells naming the cell, or
// ERR_NNKIT_INTERNAL when the scan finds none (the kernel and the scan disagree: a bug).
[[noreturn]] void reject_nonfinite_cells(const char* name, const float* x, std::size_t rows, std::size_t cols,
                                         const char* hint = "");

// ERR_NNKIT_SHAPE unless `array` holds `length` elements. An optional array that was not given
// (null or undefined: no object) passes.
template <typename Array>
void check_length(Napi::Env env, const Array& array, std::size_t length, const char* name,
                  const char* type = "Float32Array") {
  if (!array.object.IsEmpty() && array.length != length)
    throw_argument_error(env, ErrorKind::range, kErrShape, name, std::string("a ") + type + " of length " + std::to_string(length),
                         "length " + std::to_string(array.length));
}

// An ERR_NNKIT_ALIAS RangeError when the output overlaps an input: kernels read inputs after
// writing outputs, so an overlap would silently corrupt the result.
void check_no_overlap(Napi::Env env, const FloatArray& out, const FloatArray& input, const char* out_name,
                      const char* input_name);
// The same over raw byte ranges, for outputs and inputs of different element types (a gradient
// written over the labels that index it would turn floats into out-of-range class indices).
void check_no_overlap_bytes(Napi::Env env, const void* out, std::size_t out_bytes, const void* input,
                            std::size_t input_bytes, const char* out_name, const char* input_name);

// Wraps an exported function: core exceptions (nnkit::Error, bad_alloc) become JS errors with
// codes instead of escaping into N-API.
using Callback = Napi::Value (*)(const Napi::CallbackInfo&);
Napi::Value call_guarded(const Napi::CallbackInfo& info, Callback fn);
template <Callback F>
Napi::Value guarded(const Napi::CallbackInfo& info) {
  return call_guarded(info, F);
}

// Private copies for an async call. A pending call must never hold raw pointers into a JS
// ArrayBuffer: the caller can detach it (postMessage/structuredClone transfer) and the new owner
// can be collected, which frees the memory under the worker (a use-after-free, reproduced in
// test/reliability/async.test.ts). So every non-shared buffer is staged: inputs are copied at
// queue time, outputs are computed in a private copy and written back on the JS thread when the
// work is done, if the output is still attached (otherwise the Promise rejects with
// ERR_NNKIT_DETACHED). SharedArrayBuffers cannot be detached and are used in place.
// The cost is one copy of each operand, small next to the work worth running asynchronously.
class AsyncStaging {
 public:
  // Repoints array.data (FloatArray or any {data, length, object}) to a private copy.
  template <typename Array>
  void input(Napi::Env env, Array& array) {
    void* data = array.data;
    input_bytes(env, data, array.length * sizeof(*array.data), array.object);
    array.data = static_cast<decltype(array.data)>(data);
  }
  // Repoints array.data to a private copy (of the current contents) that `commit` writes back.
  template <typename Array>
  void output(Napi::Env env, Array& array) {
    void* data = array.data;
    output_bytes(env, data, array.length * sizeof(*array.data), array.object);
    array.data = static_cast<decltype(array.data)>(data);
  }
  // An output the work overwrites completely (no read-modify-write): its private copy is
  // allocated without copying the current contents and without touching its pages, so the page
  // faults happen on the pool thread instead of the JS thread.
  template <typename Array>
  void write_only_output(Napi::Env env, Array& array) {
    void* data = array.data;
    output_bytes(env, data, array.length * sizeof(*array.data), array.object, false);
    array.data = static_cast<decltype(array.data)>(data);
  }
  void input_bytes(Napi::Env env, void*& data, std::size_t bytes, const Napi::Object& typed_array);
  void output_bytes(Napi::Env env, void*& data, std::size_t bytes, const Napi::Object& typed_array,
                    bool preserve = true);
  // On the JS thread after the work: copies outputs back; false when one was detached meanwhile.
  bool commit(Napi::Env env);

 private:
  struct Staged {
    std::unique_ptr<unsigned char[]> copy;  // new[] without value-initialization: untouched pages
    Napi::ObjectReference target;  // null for inputs
    std::size_t bytes = 0;
  };
  std::vector<std::unique_ptr<Staged>> staged_;
};

// Runs `work` on the libuv thread pool and returns a Promise. Every object in `keep_alive` is
// referenced until the Promise settles, so the buffers `work` reads and writes cannot be
// collected meanwhile. `work` must not touch N-API; `result` runs back on the JS thread.
// Core exceptions thrown by `work` reject the Promise with the same codes as the sync path.
// With `staging`, its outputs are committed before `result` runs.
Napi::Promise queue_async(Napi::Env env, const std::vector<Napi::Object>& keep_alive, std::function<void()> work,
                          std::function<Napi::Value(Napi::Env)> result,
                          std::shared_ptr<AsyncStaging> staging = nullptr);

// --- One declaration per native call ---------------------------------------------------------
// A call is a struct with
//   static Call parse(const Napi::CallbackInfo& info);  every argument read and checked
//   R run() const;                                      the work (R: void or a number)
//   template <class B> void buffers(B& b);              every typed array it reads or writes:
//       b.input(a), b.output(a) (read and written), b.write_only(a) (overwritten completely)
// and define_call<Call>(env, exports, "name") exports "name" (sync) and "nameAsync" (private
// copies, keep-alive references, the pool) from that one declaration.
class StageBuffers {
 public:
  StageBuffers(Napi::Env env, AsyncStaging& staging) : env_(env), staging_(staging) {}
  template <class Array>
  void input(Array& a) {
    keep(a);
    staging_.input(env_, a);
  }
  template <class Array>
  void output(Array& a) {
    keep(a);
    staging_.output(env_, a);
  }
  template <class Array>
  void write_only(Array& a) {
    keep(a);
    staging_.write_only_output(env_, a);
  }
  std::vector<Napi::Object> keep_alive;

 private:
  template <class Array>
  void keep(const Array& a) {
    if (!a.object.IsEmpty()) keep_alive.push_back(a.object);
  }
  Napi::Env env_;
  AsyncStaging& staging_;
};

template <class Call>
Napi::Value call_sync(const Napi::CallbackInfo& info) {
  const Call c = Call::parse(info);
  if constexpr (std::is_void_v<decltype(c.run())>) {
    c.run();
    return info.Env().Undefined();
  } else {
    return Napi::Number::New(info.Env(), static_cast<double>(c.run()));
  }
}

template <class Call>
Napi::Value call_async(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Call c = Call::parse(info);
  auto staging = std::make_shared<AsyncStaging>();
  StageBuffers stage(env, *staging);
  c.buffers(stage);
  if constexpr (std::is_void_v<decltype(c.run())>) {
    return queue_async(env, stage.keep_alive, [c] { c.run(); }, nullptr, staging);
  } else {
    auto result = std::make_shared<double>(0.0);
    return queue_async(
        env, stage.keep_alive, [c, result] { *result = static_cast<double>(c.run()); },
        [result](Napi::Env e) { return Napi::Number::New(e, *result); }, staging);
  }
}

template <class Call>
void define_call(Napi::Env env, Napi::Object exports, const char* name) {
  exports.Set(name, Napi::Function::New<guarded<call_sync<Call>>>(env, name));
  const std::string async_name = std::string(name) + "Async";
  exports.Set(async_name, Napi::Function::New<guarded<call_async<Call>>>(env, async_name));
}

// Registration helpers, one per API area; addon.cc calls them all.
void register_errors(Napi::Env env, Napi::Object exports);
void register_runtime(Napi::Env env, Napi::Object exports);
void register_linalg(Napi::Env env, Napi::Object exports);
void register_rng(Napi::Env env, Napi::Object exports);
void register_preprocess(Napi::Env env, Napi::Object exports);
void register_optim(Napi::Env env, Napi::Object exports);
void register_data(Napi::Env env, Napi::Object exports);
void register_layers(Napi::Env env, Napi::Object exports);
void register_loss(Napi::Env env, Napi::Object exports);
void register_regularize(Napi::Env env, Napi::Object exports);

}  // namespace nnkit::binding
