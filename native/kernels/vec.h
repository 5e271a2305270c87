// The vector layer: kernels written once over a small set of vector types and operations, and
// compiled once per instruction set (PyTorch's CPU_CAPABILITY and Vectorized<T>, reduced to
// what nnkit's kernels use). A *_simd.cc file includes this header and is built once for every
// target in NNKIT_SIMD_SOURCES (CMakeLists.txt, binding.gyp), each time with that target's
// compiler flags and NNKIT_VEC_<TARGET> defined. A new instruction set is one more header
// vec_<target>.h, one more entry in the build's target list and in cpu.h's path list. Every
// unit is compiled on every architecture; where the compiler lacks the target's instruction set
// its accessors return nullptr.
//
// Every target header defines, in namespace nnkit::kernels::vec (internal linkage only: each
// unit gets its own copies, so no wide-instruction code can be handed to a narrower path):
//
//   kPath                      the SimdPath this unit's tables serve
//   kLanes                     floats per Vf (8 for AVX2 and NEON's register pairs, 16 for
//                              AVX-512); a multiple of 8
//   Vf, Vi, Vd                 kLanes floats, kLanes uint32, kLanes / 2 doubles
//   Mask                       a per-lane predicate on Vf / Vi
//   load(p) store(p, v)        unaligned; load_first(p, n) / store_first(p, v, n) touch only
//                              lanes [0, n) (n <= kLanes), the rest read as 0
//   stream(p, v)               non-temporal store, p 16-byte aligned; stream_fence() after
//   set1(x) zero() iota()      broadcast, zeros, lanes 0, 1, 2, ...
//   + - * / on Vf and Vd       IEEE single operations, never contracted
//   fma(a, b, c)               a·b + c rounded once
//   min(a, b) max(a, b)        a < b ? a : b and a > b ? a : b (the second operand on NaN, as
//                              x86's minps/maxps: the scalar twins are written the same way)
//   sqrt abs round_nearest     round to nearest even, no exception
//   lt gt le ge eq (Vf), eq_i, lt_u32 (Vi)   ordered comparisons giving a Mask (false on NaN)
//   Mask & | ~, lanes_first(n), all_of(m)
//   select(m, a, b)            m ? a : b; keep(m, a) is m ? a : 0
//   mask_bits(m) mask_from_bits(bits)  lane i <-> bit i
//   hsum hmin hmax             horizontal reductions (their order is the target's)
//   widen_lo/widen_hi(Vf)      lanes [0, kLanes/2) and [kLanes/2, kLanes) as doubles;
//   narrow(lo, hi)             and back, rounded to nearest
//   Vi: + - ^ & |, xor3, shl<n>, shr<n>, mulhilo(a, m, hi, lo) (32×32→64), to_float, to_int_nearest,
//       bits_of(Vf), float_of(Vi), xor_bits(Vf, Vi) (sign flips without leaving the float domain),
//       minus_one_where(m, a)
//
// vec_math.h adds the shared math (log, e^x for x <= 0) over these operations.
// A family whose kernels measure less than 10% faster on a target than on its fallback returns
// nullptr from that target's accessor (see `keeps_table`), so the path runs the fallback's table.
// (NEON keeps every table: its fallback is scalar, and it has not been timed on arm64 hardware.)
// Only what a kernel needs is here; add an operation to every target header at once.
#pragma once

#if defined(NNKIT_VEC_AVX512)
#include "vec_avx512.h"
#elif defined(NNKIT_VEC_AVX2)
#include "vec_avx2.h"
#elif defined(NNKIT_VEC_NEON)
#include "vec_neon.h"
#else
#error "vec.h is for *_simd.cc units, built with NNKIT_VEC_<TARGET> defined (see CMakeLists.txt)"
#endif

// NNKIT_VEC_AVAILABLE is 1 when the compiler was given the target's instruction set; without
// it a unit compiles to accessors returning nullptr (the path then runs its fallback).
// NNKIT_VEC_ACCESSOR(layer_kernels) names the unit's table accessor, layer_kernels_avx2 etc.
#define NNKIT_VEC_CAT2_(a, b) a##_##b
#define NNKIT_VEC_CAT_(a, b) NNKIT_VEC_CAT2_(a, b)
#define NNKIT_VEC_ACCESSOR(family) NNKIT_VEC_CAT_(family, NNKIT_VEC_TARGET)

#if NNKIT_VEC_AVAILABLE
namespace nnkit::kernels::vec {
namespace {
// The table for this unit's path, or nullptr where `paying_paths` leaves the path out (it then
// runs its fallback's kernels). Each family lists the paths whose own kernels measured >= 10%
// faster than the fallback's, with the numbers, next to its accessor.
template <class Table, std::size_t N>
constexpr const Table* keeps_table(const Table& table, const SimdPath (&paying_paths)[N]) {
  for (SimdPath p : paying_paths)
    if (p == kPath) return &table;
  return nullptr;
}
}  // namespace
}  // namespace nnkit::kernels::vec
#endif

