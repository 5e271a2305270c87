// The Philox fills over the vector layer (vec.h), built once per SIMD target: kLanes Philox
// blocks per register (one chunk of the output layout per 8 lanes), Box-Muller on four registers
// of word pairs at a time. The same integer arithmetic and the same fused float operations as
// the scalar twin in rng.cc, so every path gives the same bits.
#include "rng.h"

#include <type_traits>

#include "vec.h"
#include "vec_math.h"

#if NNKIT_VEC_AVAILABLE
#include "rng_math.h"

namespace nnkit::kernels {
namespace {

using namespace vec;
using namespace rng_math;

static_assert(kLanes % kRngBlocksPerChunk == 0, "a register holds whole chunks");
constexpr std::size_t kChunksPerVec = kLanes / kRngBlocksPerChunk;

struct Words {
  Vi w[4];
};

// The round keys are the same for every block of a stream: computed once per call.
struct KeySchedule {
  Vi k0[10], k1[10];
  explicit KeySchedule(const RngStream& s) {
    std::uint32_t a = s.key[0], b = s.key[1];
    for (int round = 0; round < 10; ++round, a += kPhiloxW0, b += kPhiloxW1) {
      k0[round] = set1_i(a);
      k1[round] = set1_i(b);
    }
  }
};

// Counters of blocks first .. first + kLanes − 1: the low word counts up per lane; when it
// would wrap inside the register (once in 2^32 / kLanes registers) the lanes are built one by
// one to carry exactly.
inline Words counters(const RngStream& s, std::uint64_t first_block) {
  Words out;
  const auto lo = static_cast<std::uint32_t>(first_block);
  if (lo <= 0xffffffffu - (kLanes - 1)) {
    out.w[0] = set1_i(lo) + iota_i();
    out.w[1] = set1_i(static_cast<std::uint32_t>(first_block >> 32));
  } else {
    std::uint32_t lo_words[kLanes], hi_words[kLanes];
    for (std::size_t lane = 0; lane < kLanes; ++lane) {
      const std::uint64_t block = first_block + lane;
      lo_words[lane] = static_cast<std::uint32_t>(block);
      hi_words[lane] = static_cast<std::uint32_t>(block >> 32);
    }
    out.w[0] = load_i(lo_words);
    out.w[1] = load_i(hi_words);
  }
  out.w[2] = set1_i(static_cast<std::uint32_t>(s.stream));
  out.w[3] = set1_i(static_cast<std::uint32_t>(s.stream >> 32));
  return out;
}

inline void philox_round(Words& x, Vi m0, Vi m1, Vi key0, Vi key1) {
  Vi hi0, lo0, hi1, lo1;
  mulhilo(x.w[0], m0, hi0, lo0);
  mulhilo(x.w[2], m1, hi1, lo1);
  x.w[0] = xor3(hi1, x.w[1], key0);
  x.w[1] = lo1;
  x.w[2] = xor3(hi0, x.w[3], key1);
  x.w[3] = lo0;
}

// Two registers of blocks at once: each round is a chain of dependent multiplies, so
// interleaving two independent chains keeps the multiplier busy while the other waits.
inline void philox_x2(const RngStream& s, const KeySchedule& keys, std::uint64_t first_block, Words& a, Words& b) {
  a = counters(s, first_block);
  b = counters(s, first_block + kLanes);
  const Vi m0 = set1_i(kPhiloxM0), m1 = set1_i(kPhiloxM1);
  for (int round = 0; round < 10; ++round) {
    philox_round(a, m0, m1, keys.k0[round], keys.k1[round]);
    philox_round(b, m0, m1, keys.k0[round], keys.k1[round]);
  }
}

inline Words philox(const RngStream& s, const KeySchedule& keys, std::uint64_t first_block) {
  Words x = counters(s, first_block);
  const Vi m0 = set1_i(kPhiloxM0), m1 = set1_i(kPhiloxM1);
  for (int round = 0; round < 10; ++round) philox_round(x, m0, m1, keys.k0[round], keys.k1[round]);
  return x;
}

// Calls emit(regs, out, groups) over the chunks: regs is an array of R registers of blocks, two
// while two whole registers remain, then one at a time; `out` is the first chunk of regs[0], and
// `groups` (<= kChunksPerVec) how many chunks of the last register are wanted.
template <typename Emit, typename T>
inline void for_each_register(const RngStream& s, std::uint64_t first_block, std::size_t chunks, T* out, Emit&& emit) {
  const KeySchedule keys(s);
  std::size_t c = 0;
  for (; c + 2 * kChunksPerVec <= chunks; c += 2 * kChunksPerVec) {
    Words two[2];
    philox_x2(s, keys, first_block + c * kRngBlocksPerChunk, two[0], two[1]);
    emit(two, out + c * kRngChunkFloats, kChunksPerVec);
  }
  for (; c < chunks; c += kChunksPerVec) {
    const std::size_t wanted = chunks - c < kChunksPerVec ? chunks - c : kChunksPerVec;
    const Words one[1] = {philox(s, keys, first_block + c * kRngBlocksPerChunk)};
    emit(one, out + c * kRngChunkFloats, wanted);
  }
}

// R of an emit's `const Words (&regs)[R]`, and the chunks of its register r that are wanted.
template <typename Regs>
constexpr std::size_t registers_in = std::extent_v<std::remove_reference_t<Regs>>;
template <std::size_t R>
constexpr std::size_t groups_of(std::size_t r, std::size_t last_groups) {
  return r + 1 < R ? kChunksPerVec : last_groups;
}

inline Vf unit_closed_open(Vi w) { return to_float(shr<8>(w)) * set1(kTwoPow24Inv); }
inline Vf unit_open_closed(Vi w) { return to_float(shr<8>(w) + set1_i(1u)) * set1(kTwoPow24Inv); }

// sin and cos of 2π·u for u in [0, 1), twin of the scalar sincos_two_pi.
inline void sincos_two_pi(Vf u, Vf& sin_out, Vf& cos_out) {
  const Vf t = u - round_nearest(u);
  const Vf q = round_nearest(t * set1(4.0f));
  const Vf r = fma(q, set1(-0.25f), t);
  const Vf x = r * set1(kTwoPi);
  const Vf z = x * x;
  const Vf ps = fma(fma(set1(kSinP[0]), z, set1(kSinP[1])), z, set1(kSinP[2]));
  const Vf s = fma(ps * z, x, x);
  const Vf pc = fma(fma(set1(kCosP[0]), z, set1(kCosP[1])), z, set1(kCosP[2]));
  const Vf c = fma(pc * z, z, fma(set1(-0.5f), z, set1(1.0f)));
  const Vi quadrant = to_int_nearest(q) & set1_i(3u);
  const Mask swap = eq_i(quadrant & set1_i(1u), set1_i(1u));
  // Sign flips as bit 31: sin negated in quadrants 2 and 3, cos in quadrants 1 and 2.
  const Vi sin_sign = shl<30>(quadrant & set1_i(2u));
  const Vi cos_sign = shl<30>((quadrant + set1_i(1u)) & set1_i(2u));
  sin_out = xor_bits(select(swap, c, s), sin_sign);
  cos_out = xor_bits(select(swap, s, c), cos_sign);
}

void uniform_chunks(const RngStream& s, std::uint64_t first_block, std::size_t chunks, float lo, float scale,
                    float* out) {
  const Vf vlo = set1(lo), vscale = set1(scale);
  for_each_register(s, first_block, chunks, out, [&](const auto& regs, float* dst, std::size_t last_groups) {
    constexpr std::size_t R = registers_in<decltype(regs)>;
    for (std::size_t r = 0; r < R; ++r, dst += kChunksPerVec * kRngChunkFloats)
      for (int w = 0; w < 4; ++w)
        store_groups(dst + 8 * w, kRngChunkFloats, fma(unit_closed_open(regs[r].w[w]), vscale, vlo),
                     groups_of<R>(r, last_groups));
  });
}

// Box-Muller on N register pairs (radius words, angle words) at once, step by step: the log
// and sin/cos polynomials are long chains of dependent fused operations, and walking N chains
// side by side in program order lets the core overlap them. Each lane's operations and their
// order are the scalar twin's, so the bits are the same for any N. Four pairs (the two
// registers of blocks for_each_register hands over) measured 14% faster than one at a time on
// AVX-512 and 15% on AVX2 (AMD Zen 4, normal fill in L2).
template <std::size_t N>
inline void box_muller(const Vi (&radius_words)[N], const Vi (&angle_words)[N], Vf (&cos_out)[N], Vf (&sin_out)[N]) {
  Vf m[N], e[N], p[N];
  for (std::size_t i = 0; i < N; ++i) log_positive_reduce(unit_open_closed(radius_words[i]), m[i], e[i]);
  for (std::size_t i = 0; i < N; ++i) p[i] = log_positive_poly(m[i]);
  Vf radius[N];
  for (std::size_t i = 0; i < N; ++i) radius[i] = sqrt(set1(-2.0f) * log_positive_finish(m[i], e[i], p[i]));
  for (std::size_t i = 0; i < N; ++i) {
    Vf sin_v, cos_v;
    sincos_two_pi(unit_closed_open(angle_words[i]), sin_v, cos_v);
    cos_out[i] = radius[i] * cos_v;
    sin_out[i] = radius[i] * sin_v;
  }
}

void normal_chunks(const RngStream& s, std::uint64_t first_block, std::size_t chunks, float mean, float std_dev,
                   float* out) {
  const Vf vmean = set1(mean), vstd = set1(std_dev);
  for_each_register(s, first_block, chunks, out, [&](const auto& regs, float* dst, std::size_t last_groups) {
    constexpr std::size_t R = registers_in<decltype(regs)>;
    // Pair i = 2r + j is Box-Muller on words (2j, 2j + 1) of register r.
    Vi radius_words[2 * R], angle_words[2 * R];
    for (std::size_t i = 0; i < 2 * R; ++i) {
      radius_words[i] = regs[i / 2].w[2 * (i % 2)];
      angle_words[i] = regs[i / 2].w[2 * (i % 2) + 1];
    }
    Vf cos_v[2 * R], sin_v[2 * R];
    box_muller(radius_words, angle_words, cos_v, sin_v);
    for (std::size_t r = 0; r < R; ++r, dst += kChunksPerVec * kRngChunkFloats)
      for (std::size_t j = 0; j < 2; ++j) {
        store_groups(dst + 16 * j, kRngChunkFloats, fma(cos_v[2 * r + j], vstd, vmean), groups_of<R>(r, last_groups));
        store_groups(dst + 16 * j + 8, kRngChunkFloats, fma(sin_v[2 * r + j], vstd, vmean), groups_of<R>(r, last_groups));
      }
  });
}

void bits_chunks(const RngStream& s, std::uint64_t first_block, std::size_t chunks, std::uint32_t* out) {
  for_each_register(s, first_block, chunks, out, [&](const auto& regs, std::uint32_t* dst, std::size_t last_groups) {
    constexpr std::size_t R = registers_in<decltype(regs)>;
    for (std::size_t r = 0; r < R; ++r, dst += kChunksPerVec * kRngChunkFloats)
      for (int w = 0; w < 4; ++w) store_groups_i(dst + 8 * w, kRngChunkFloats, regs[r].w[w], groups_of<R>(r, last_groups));
  });
}

const RngKernels kTable = {uniform_chunks, normal_chunks, bits_chunks};

// AVX-512 on Zen 5, 4096²: normal fills 1.9–2.1× AVX2, uniform 1.8×, He init 1.9–2.0×; on Zen 4
// (512-bit operations in two halves) normal 1.7×, uniform 1.7–1.9×, bits 1.8× in L2, He init 1.4×.
constexpr SimdPath kPaying[] = {SimdPath::avx2, SimdPath::avx512, SimdPath::neon};

}  // namespace

const RngKernels* NNKIT_VEC_ACCESSOR(rng_kernels)() { return vec::keeps_table(kTable, kPaying); }

}  // namespace nnkit::kernels
#else
namespace nnkit::kernels {
const RngKernels* NNKIT_VEC_ACCESSOR(rng_kernels)() { return nullptr; }
}  // namespace nnkit::kernels
#endif
