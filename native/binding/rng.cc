// Random fills. The JS Rng object owns the stream state (key, stream id, block offset) and
// passes it on every call; the native side is stateless, so a fill is a pure function of its
// arguments and can run on any thread.
#include "../kernels/rng.h"

#include "common.h"

namespace nnkit::binding {
namespace {

constexpr double kMaxOffset = 9007199254740991.0;  // 2^53 - 1 blocks: the JS side keeps it in a number

struct RngCall {
  kernels::RngStream stream;
  std::uint64_t offset;
};

// (key0, key1, stream0, stream1, offset, ...)
RngCall parse_stream(const Napi::CallbackInfo& info) {
  RngCall call{};
  call.stream.key[0] = static_cast<std::uint32_t>(size_arg(info, 0, "key0", 4294967295.0));
  call.stream.key[1] = static_cast<std::uint32_t>(size_arg(info, 1, "key1", 4294967295.0));
  const auto s0 = static_cast<std::uint64_t>(size_arg(info, 2, "stream0", 4294967295.0));
  const auto s1 = static_cast<std::uint64_t>(size_arg(info, 3, "stream1", 4294967295.0));
  call.stream.stream = s0 | (s1 << 32);
  call.offset = static_cast<std::uint64_t>(size_arg(info, 4, "offset", kMaxOffset));
  return call;
}

struct FillCall {
  static FillCall parse(const Napi::CallbackInfo& info);
  template <class B>
  void buffers(B& b) { b.write_only(out); }  // every element is written
  RngCall rng;
  FloatArray out;
  bool normal;
  float p0, p1;
  // Returns the Philox blocks consumed.
  double run() const {
    if (normal)
      kernels::rng_fill_normal(rng.stream, rng.offset, out.data, out.length, p0, p1);
    else
      kernels::rng_fill_uniform(rng.stream, rng.offset, out.data, out.length, p0, p1);
    return static_cast<double>(kernels::rng_blocks_for(out.length));
  }
};

// rngFill(key0, key1, stream0, stream1, offset, out, kind, p0, p1) -> blocks consumed
FillCall FillCall::parse(const Napi::CallbackInfo& info) {
  FillCall call{};
  call.rng = parse_stream(info);
  call.out = float32_arg(info, 5, "out");
  const std::string kind = string_arg(info, 6, "kind");
  if (kind != "normal" && kind != "uniform")
    throw_argument_error(info.Env(), ErrorKind::range, kErrRange, "kind", "'normal' or 'uniform'", kind);
  call.normal = kind == "normal";
  call.p0 = finite_float_arg(info, 7, call.normal ? "mean" : "lo");
  call.p1 = finite_float_arg(info, 8, call.normal ? "std" : "hi");
  return call;
}

// rngBits(key0, key1, stream0, stream1, offset, out: Uint32Array) -> blocks consumed
Napi::Value rng_bits(const Napi::CallbackInfo& info) {
  const RngCall call = parse_stream(info);
  const Uint32Array out = uint32_arg(info, 5, "out");
  kernels::rng_fill_bits(call.stream, call.offset, out.data, out.length);
  return Napi::Number::New(info.Env(), static_cast<double>(kernels::rng_blocks_for(out.length)));
}

}  // namespace

void register_rng(Napi::Env env, Napi::Object exports) {
  define_call<FillCall>(env, exports, "rngFill");
  exports.Set("rngBits", Napi::Function::New<guarded<rng_bits>>(env, "rngBits"));
}

}  // namespace nnkit::binding
