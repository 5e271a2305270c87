// gatherRows: the rows of a mini-batch or a shuffled split (lib/data.ts); toFloat32Rows: file
// data (other element types, column-major blocks) as nnkit rows (lib/io.ts).
#include "../kernels/data.h"

#include <string>
#include <utility>

#include "common.h"

namespace nnkit::binding {
namespace {

// gatherRows(x, rows, cols, indices, out): out is indices.length × cols.
Napi::Value gather_rows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const FloatArray x = float32_arg(info, 0, "X");
  const std::size_t rows = size_arg(info, 1, "rows");
  const std::size_t cols = size_arg(info, 2, "cols");
  const Uint32Array indices = uint32_arg(info, 3, "indices");
  const FloatArray out = float32_arg(info, 4, "out");
  check_matrix_length(env, x, rows, cols, "X");
  check_matrix_length(env, out, indices.length, cols, "out");
  check_no_overlap(env, out, x, "out", "X");
  check_no_overlap_bytes(env, out.data, out.length * sizeof(float), indices.data, indices.length * sizeof(std::uint32_t), "out",
                         "indices");
  const std::size_t bad = kernels::gather_rows(x.data, rows, cols, indices.data, indices.length, out.data);
  if (bad != kernels::kNoBadIndex)
    throw_argument_error(env, ErrorKind::range, kErrRange, ("indices[" + std::to_string(bad) + "]").c_str(),
                         "a row index below " + std::to_string(rows), std::to_string(indices.data[bad]));
  return env.Undefined();
}

kernels::ElementType element_type_arg(const Napi::CallbackInfo& info, std::size_t index) {
  static const std::pair<const char*, kernels::ElementType> kNames[] = {
      {"f32", kernels::ElementType::f32}, {"f64", kernels::ElementType::f64}, {"i8", kernels::ElementType::i8},
      {"u8", kernels::ElementType::u8},   {"i16", kernels::ElementType::i16}, {"u16", kernels::ElementType::u16},
      {"i32", kernels::ElementType::i32}, {"u32", kernels::ElementType::u32}, {"i64", kernels::ElementType::i64},
      {"u64", kernels::ElementType::u64}};
  const std::string name = string_arg(info, index, "type");
  for (const auto& [n, t] : kNames)
    if (name == n) return t;
  throw_argument_error(info.Env(), ErrorKind::range, kErrRange, "type", "f32, f64, i8, u8, i16, u16, i32, u32, i64 or u64",
                       "\"" + name + "\"");
}

// toFloat32Rows(src: Uint8Array, type, rows, cols, columnMajor, out): the rows × cols block of
// `type` elements in src (row- or column-major) as row-major float32 in out.
Napi::Value to_float32_rows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const TypedArrayArg src = typed_array_arg(info, 0, "src", "a Uint8Array");
  if (src.type != napi_uint8_array) throw_argument_error(env, ErrorKind::type, kErrType, "src", "a Uint8Array", describe(info[0]));
  check_live(info, src, "src", "Uint8Array");
  const kernels::ElementType type = element_type_arg(info, 1);
  const std::size_t rows = size_arg(info, 2, "rows");
  const std::size_t cols = size_arg(info, 3, "cols");
  const bool column_major = bool_arg(info, 4, "columnMajor");
  const FloatArray out = float32_arg(info, 5, "out");
  check_matrix_length(env, out, rows, cols, "out");
  std::size_t bytes = 0;
  if (__builtin_mul_overflow(rows * cols, kernels::element_size(type), &bytes) || bytes != src.length)
    throw_argument_error(env, ErrorKind::range, kErrShape, "src", std::to_string(rows) + " x " + std::to_string(cols) + " elements",
                         std::to_string(src.length) + " bytes");
  check_no_overlap_bytes(env, out.data, out.length * sizeof(float), src.data, src.length, "out", "src");
  kernels::to_float32_rows(src.data, type, rows, cols, column_major, out.data);
  return env.Undefined();
}

}  // namespace

void register_data(Napi::Env env, Napi::Object exports) {
  exports.Set("gatherRows", Napi::Function::New<guarded<gather_rows>>(env, "gatherRows"));
  exports.Set("toFloat32Rows", Napi::Function::New<guarded<to_float32_rows>>(env, "toFloat32Rows"));
}

}  // namespace nnkit::binding
