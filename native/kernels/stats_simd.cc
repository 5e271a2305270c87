// Column statistics over the vector layer (vec.h), built once per SIMD target. The same
// operation order as the scalar twin in stats.cc (row by row per column, multiply then add, no
// FMA), so every path gives bit-identical results; the speed comes from kLanes columns per
// instruction and from holding a 4-row group's accumulators in registers.
#include "stats.h"
#include "vec.h"

#if NNKIT_VEC_AVAILABLE
#include <algorithm>
#include <cstdint>
#include <cstring>

namespace nnkit::kernels {
namespace {

using namespace vec;

// s1 += d, s2 += d² for the double lanes of d = x − shift, kLanes columns from j.
struct Moments {
  Vd a_lo, a_hi, b_lo, b_hi;
  void load_at(const double* s1, const double* s2) {
    a_lo = load_d(s1);
    a_hi = load_d(s1 + kLanesD);
    b_lo = load_d(s2);
    b_hi = load_d(s2 + kLanesD);
  }
  void store_at(double* s1, double* s2) const {
    store_d(s1, a_lo);
    store_d(s1 + kLanesD, a_hi);
    store_d(s2, b_lo);
    store_d(s2 + kLanesD, b_hi);
  }
  void add(Vf v, Vd k_lo, Vd k_hi) {
    const Vd d_lo = widen_lo(v) - k_lo, d_hi = widen_hi(v) - k_hi;
    a_lo = a_lo + d_lo;
    a_hi = a_hi + d_hi;
    b_lo = b_lo + d_lo * d_lo;
    b_hi = b_hi + d_hi * d_hi;
  }
};

void shifted_sums_tail(const float* row, std::size_t from, std::size_t cols, const double* shift, double* s1,
                       double* s2) {
  for (std::size_t j = from; j < cols; ++j) {
    const double d = static_cast<double>(row[j]) - shift[j];
    s1[j] += d;
    s2[j] += d * d;
  }
}

void shifted_sums(const float* x, std::size_t rows, std::size_t cols, std::size_t ld, const double* shift,
                  double* s1, double* s2) {
  std::fill(s1, s1 + cols, 0.0);
  std::fill(s2, s2 + cols, 0.0);
  const std::size_t vec_cols = cols - cols % kLanes;
  std::size_t i = 0;
  // Four rows per sweep: the accumulators are loaded and stored once per four rows.
  for (; i + 4 <= rows; i += 4) {
    const float* r0 = x + i * ld;
    for (std::size_t j = 0; j < vec_cols; j += kLanes) {
      const Vd k_lo = load_d(shift + j), k_hi = load_d(shift + j + kLanesD);
      Moments m;
      m.load_at(s1 + j, s2 + j);
      for (std::size_t r = 0; r < 4; ++r) m.add(load(r0 + r * ld + j), k_lo, k_hi);
      m.store_at(s1 + j, s2 + j);
    }
    for (std::size_t r = 0; r < 4; ++r) shifted_sums_tail(r0 + r * ld, vec_cols, cols, shift, s1, s2);
  }
  for (; i < rows; ++i) {
    const float* row = x + i * ld;
    for (std::size_t j = 0; j < vec_cols; j += kLanes) {
      Moments m;
      m.load_at(s1 + j, s2 + j);
      m.add(load(row + j), load_d(shift + j), load_d(shift + j + kLanesD));
      m.store_at(s1 + j, s2 + j);
    }
    shifted_sums_tail(row, vec_cols, cols, shift, s1, s2);
  }
}

bool min_max(const float* x, std::size_t rows, std::size_t cols, std::size_t ld, float* mn, float* mx) {
  const std::size_t vec_cols = cols - cols % kLanes;
  Vf poison = zero();  // x * 0 is NaN exactly when x is NaN or infinite
  float poison_tail = 0.0f;
  for (std::size_t j = 0; j < cols; ++j) {
    mn[j] = x[j];
    mx[j] = x[j];
    poison_tail += x[j] * 0.0f;
  }
  // Row by row (contiguous reads); the running min/max of a column tile stay in L1.
  for (std::size_t i = 1; i < rows; ++i) {
    const float* row = x + i * ld;
    for (std::size_t j = 0; j < vec_cols; j += kLanes) {
      const Vf v = load(row + j);
      // min(v, m) returns m when either is NaN (as the scalar twin's v < m ? v : m); the
      // poison sum reports the NaN instead.
      store(mn + j, min(v, load(mn + j)));
      store(mx + j, max(v, load(mx + j)));
      poison = poison + v * zero();
    }
    for (std::size_t j = vec_cols; j < cols; ++j) {
      const float v = row[j];
      mn[j] = v < mn[j] ? v : mn[j];
      mx[j] = v > mx[j] ? v : mx[j];
      poison_tail += v * 0.0f;
    }
  }
  poison_tail += hsum(poison);
  return poison_tail == poison_tail;
}

// The affine transform; with kCheck it also folds v · 0 of every input into a poison vector
// (0 for finite v, NaN for NaN and ±Inf) and reports whether it stayed a number.
template <bool kCheck>
bool affine_impl(const float* x, float* y, std::size_t rows, std::size_t cols, std::size_t ld, const float* shift,
                 const float* scale, const float* offset) {
  Vf poison = zero();
  const Vf zeros = zero();
  for (std::size_t i = 0; i < rows; ++i) {
    const float* in = x + i * ld;
    float* out = y + i * ld;
    std::size_t j = 0;
    for (; j + kLanes <= cols; j += kLanes) {
      const Vf v = load(in + j);
      if constexpr (kCheck) poison = fma(v, zeros, poison);
      store(out + j, (v - load(shift + j)) * load(scale + j) + load(offset + j));
    }
    if (j < cols) {
      const std::size_t r = cols - j;
      const Vf v = load_first(in + j, r);
      if constexpr (kCheck) poison = fma(v, zeros, poison);
      store_first(out + j, (v - load_first(shift + j, r)) * load_first(scale + j, r) + load_first(offset + j, r), r);
    }
  }
  return !kCheck || all_of(eq(poison, poison));
}

void affine(const float* x, float* y, std::size_t rows, std::size_t cols, std::size_t ld, const float* shift,
            const float* scale, const float* offset) {
  affine_impl<false>(x, y, rows, cols, ld, shift, scale, offset);
}

bool affine_checked(const float* x, float* y, std::size_t rows, std::size_t cols, std::size_t ld, const float* shift,
                    const float* scale, const float* offset) {
  return affine_impl<true>(x, y, rows, cols, ld, shift, scale, offset);
}

// NaN and ±Inf have every exponent bit set (bit tests, not a library call: nothing with external
// linkage may be compiled for a wide target, see vec.h).
inline bool finite_bits(float v) {
  std::uint32_t b;
  std::memcpy(&b, &v, sizeof b);
  return (b & 0x7f800000u) != 0x7f800000u;
}

// Four poison accumulators per chunk (the FMA latency), then the exact index by a scalar walk
// over the one chunk that went NaN.
std::size_t first_nonfinite(const float* x, std::size_t n) {
  constexpr std::size_t kChunk = 64 * kLanes;
  const Vf zeros = zero();
  for (std::size_t c = 0; c < n; c += kChunk) {
    const std::size_t end = c + kChunk < n ? c + kChunk : n;
    Vf p0 = zeros, p1 = zeros, p2 = zeros, p3 = zeros;
    std::size_t i = c;
    for (; i + 4 * kLanes <= end; i += 4 * kLanes) {
      p0 = fma(load(x + i), zeros, p0);
      p1 = fma(load(x + i + kLanes), zeros, p1);
      p2 = fma(load(x + i + 2 * kLanes), zeros, p2);
      p3 = fma(load(x + i + 3 * kLanes), zeros, p3);
    }
    for (; i < end; i += kLanes) p0 = fma(load_first(x + i, end - i < kLanes ? end - i : kLanes), zeros, p0);
    const Vf p = (p0 + p1) + (p2 + p3);
    if (all_of(eq(p, p))) continue;
    for (std::size_t k = c; k < end; ++k)
      if (!finite_bits(x[k])) return k;
  }
  return n;
}

void center(const float* x, float* y, std::size_t rows, std::size_t cols, std::size_t ld, const double* mean) {
  const std::size_t vec_cols = cols - cols % kLanes;
  for (std::size_t i = 0; i < rows; ++i, x += ld, y += cols) {
    for (std::size_t j = 0; j < vec_cols; j += kLanes) {
      const Vf v = load(x + j);
      store(y + j, narrow(widen_lo(v) - load_d(mean + j), widen_hi(v) - load_d(mean + j + kLanesD)));
    }
    for (std::size_t j = vec_cols; j < cols; ++j) y[j] = static_cast<float>(static_cast<double>(x[j]) - mean[j]);
  }
}

const StatsKernels kTable = {shifted_sums, min_max, affine, affine_checked, first_nonfinite, center};

// AVX-512 on Zen 5: Standardizer.fit 8192×1024 (shifted sums) 1.22–1.31× AVX2; min/max and the
// affine transform level (0.98–1.02×).
constexpr SimdPath kPaying[] = {SimdPath::avx2, SimdPath::avx512, SimdPath::neon};

}  // namespace

const StatsKernels* NNKIT_VEC_ACCESSOR(stats_kernels)() { return vec::keeps_table(kTable, kPaying); }

}  // namespace nnkit::kernels
#else
namespace nnkit::kernels {
const StatsKernels* NNKIT_VEC_ACCESSOR(stats_kernels)() { return nullptr; }
}  // namespace nnkit::kernels
#endif
