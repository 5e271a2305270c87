// gatherRows: the rows of a mini-batch or a shuffled split (lib/data.ts).
#include "../kernels/data.h"

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

}  // namespace

void register_data(Napi::Env env, Napi::Object exports) {
  exports.Set("gatherRows", Napi::Function::New<guarded<gather_rows>>(env, "gatherRows"));
}

}  // namespace nnkit::binding
