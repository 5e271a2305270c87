// nn.backend(), nn.setThreads() and the test hooks that switch SIMD path and GEMM backend.
#include "../kernels/cpu.h"
#include "../kernels/memory.h"
#include "../kernels/parallel.h"
#include "../linalg/blas.h"
#include "common.h"

#ifndef NNKIT_VERSION
#define NNKIT_VERSION "0.0.0"
#endif

namespace nnkit::binding {
namespace {

Napi::Value backend(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("blas", Napi::String::New(env, linalg::blas_description()));
  out.Set("gemm", Napi::String::New(env, linalg::gemm_backend() == linalg::GemmBackend::blas ? "blas" : "builtin"));
  out.Set("gemmReason", Napi::String::New(env, linalg::gemm_choice_reason()));
  out.Set("centeredGemm", Napi::String::New(env, linalg::centered_products_on_builtin() ? "builtin" : "blas"));
  out.Set("blasCore", Napi::String::New(env, linalg::blas_core()));
  out.Set("blasCoreSimd", Napi::String::New(env, linalg::blas_core_simd()));
  out.Set("simd", Napi::String::New(env, simd_path_name(active_simd_path())));
  out.Set("threads", Napi::Number::New(env, thread_count()));
  out.Set("version", Napi::String::New(env, NNKIT_VERSION));
  out.Set("hugePages", Napi::Boolean::New(env, kernels::huge_pages_enabled()));
  Napi::Array paths = Napi::Array::New(env);
  uint32_t i = 0;
  for (SimdPath path : kSimdPaths)
    if (simd_path_supported(path)) paths.Set(i++, Napi::String::New(env, simd_path_name(path)));
  out.Set("simdPaths", paths);
  return out;
}

Napi::Value set_threads(const Napi::CallbackInfo& info) {
  const std::size_t n = size_arg(info, 0, "threads", 256);
  if (n == 0) throw_argument_error(info.Env(), ErrorKind::range, kErrRange, "threads", "an integer from 1 to 256", "0");
  set_thread_count(static_cast<int>(n));
  linalg::set_blas_threads(static_cast<int>(n));
  return info.Env().Undefined();
}

Napi::Value set_simd(const Napi::CallbackInfo& info) {
  const std::string name = string_arg(info, 0, "path");
  SimdPath path;
  if (!simd_path_from_name(name.c_str(), &path)) {
    std::string names;
    for (SimdPath p : kSimdPaths) names += std::string(names.empty() ? "" : ", ") + "'" + simd_path_name(p) + "'";
    throw_argument_error(info.Env(), ErrorKind::range, kErrRange, "path", "one of " + names, "\"" + name + "\"");
  }
  if (!set_active_simd_path(path))
    throw_argument_error(info.Env(), ErrorKind::range, kErrRange, "path", "a SIMD path this CPU and build support",
                         "\"" + name + "\"");
  return info.Env().Undefined();
}

// Advises huge pages for a freshly allocated Float32Array (see kernels/memory.h); returns the
// bytes advised.
Napi::Value advise_huge_pages(const Napi::CallbackInfo& info) {
  const FloatArray a = float32_arg(info, 0, "data");
  return Napi::Number::New(info.Env(), static_cast<double>(kernels::advise_huge_pages(a.data, a.length * sizeof(float))));
}

Napi::Value set_huge_pages(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), kernels::set_huge_pages(bool_arg(info, 0, "on")));
}

Napi::Value set_gemm_backend(const Napi::CallbackInfo& info) {
  const std::string name = string_arg(info, 0, "backend");
  if (name != "blas" && name != "builtin")
    throw_argument_error(info.Env(), ErrorKind::range, kErrRange, "backend", "'blas' or 'builtin'", "\"" + name + "\"");
  if (!linalg::set_gemm_backend(name == "blas" ? linalg::GemmBackend::blas : linalg::GemmBackend::builtin))
    throw_argument_error(info.Env(), ErrorKind::range, kErrRange, "backend", "'builtin' (this build has no BLAS)",
                         "\"blas\"");
  return info.Env().Undefined();
}

}  // namespace

void register_runtime(Napi::Env env, Napi::Object exports) {
  exports.Set("backend", Napi::Function::New<guarded<backend>>(env, "backend"));
  exports.Set("setThreads", Napi::Function::New<guarded<set_threads>>(env, "setThreads"));
  exports.Set("setSimd", Napi::Function::New<guarded<set_simd>>(env, "setSimd"));
  exports.Set("adviseHugePages", Napi::Function::New<guarded<advise_huge_pages>>(env, "adviseHugePages"));
  exports.Set("setHugePages", Napi::Function::New<guarded<set_huge_pages>>(env, "setHugePages"));
  exports.Set("setGemmBackend", Napi::Function::New<guarded<set_gemm_backend>>(env, "setGemmBackend"));
}

}  // namespace nnkit::binding
