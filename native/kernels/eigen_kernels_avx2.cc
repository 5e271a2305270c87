// AVX2/FMA twins of eigen_kernels.cc: four doubles or eight floats per register, unaligned
// loads, scalar tails. Compiled with -mavx2 -mfma; internal linkage but for the table accessor.
#include "eigen_kernels.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

namespace nnkit::kernels {
namespace {

// One chain of rotations on rows i0, i0 − 1, …, i0 − len + 1 (each rotation acts on rows
// i and i + 1, the next one on i − 1 and i, as an implicit QL sweep produces them): the row
// shared by two consecutive rotations stays in a register, so each row is loaded and stored
// once per chain instead of twice per rotation.
void rotate_chain_avx2(float* z, std::size_t ld, std::size_t width, const GivensRotation* r, std::size_t len) {
  const std::size_t top = r[0].i;  // the chain starts on rows top and top + 1
  std::size_t j = 0;
  // 32 columns per pass: four carried registers amortize the two broadcasts per rotation.
  for (; j + 32 <= width; j += 32) {
    float* first = z + (top + 1) * ld + j;
    __m256 y0 = _mm256_loadu_ps(first), y1 = _mm256_loadu_ps(first + 8);
    __m256 y2 = _mm256_loadu_ps(first + 16), y3 = _mm256_loadu_ps(first + 24);
    for (std::size_t t = 0; t < len; ++t) {
      float* xrow = z + (top - t) * ld + j;
      const __m256 vc = _mm256_broadcast_ss(&r[t].c), vs = _mm256_broadcast_ss(&r[t].s);
      const __m256 x0 = _mm256_loadu_ps(xrow), x1 = _mm256_loadu_ps(xrow + 8);
      const __m256 x2 = _mm256_loadu_ps(xrow + 16), x3 = _mm256_loadu_ps(xrow + 24);
      _mm256_storeu_ps(xrow + ld, _mm256_fmadd_ps(vs, x0, _mm256_mul_ps(vc, y0)));
      _mm256_storeu_ps(xrow + ld + 8, _mm256_fmadd_ps(vs, x1, _mm256_mul_ps(vc, y1)));
      _mm256_storeu_ps(xrow + ld + 16, _mm256_fmadd_ps(vs, x2, _mm256_mul_ps(vc, y2)));
      _mm256_storeu_ps(xrow + ld + 24, _mm256_fmadd_ps(vs, x3, _mm256_mul_ps(vc, y3)));
      y0 = _mm256_fmsub_ps(vc, x0, _mm256_mul_ps(vs, y0));
      y1 = _mm256_fmsub_ps(vc, x1, _mm256_mul_ps(vs, y1));
      y2 = _mm256_fmsub_ps(vc, x2, _mm256_mul_ps(vs, y2));
      y3 = _mm256_fmsub_ps(vc, x3, _mm256_mul_ps(vs, y3));
    }
    float* last = z + (top + 1 - len) * ld + j;
    _mm256_storeu_ps(last, y0);
    _mm256_storeu_ps(last + 8, y1);
    _mm256_storeu_ps(last + 16, y2);
    _mm256_storeu_ps(last + 24, y3);
  }
  for (; j + 8 <= width; j += 8) {
    __m256 y0 = _mm256_loadu_ps(z + (top + 1) * ld + j);
    for (std::size_t t = 0; t < len; ++t) {
      float* xrow = z + (top - t) * ld + j;
      const __m256 vc = _mm256_broadcast_ss(&r[t].c), vs = _mm256_broadcast_ss(&r[t].s);
      const __m256 x0 = _mm256_loadu_ps(xrow);
      _mm256_storeu_ps(xrow + ld, _mm256_fmadd_ps(vs, x0, _mm256_mul_ps(vc, y0)));
      y0 = _mm256_fmsub_ps(vc, x0, _mm256_mul_ps(vs, y0));
    }
    _mm256_storeu_ps(z + (top + 1 - len) * ld + j, y0);
  }
  for (; j < width; ++j) {
    float y = z[(top + 1) * ld + j];
    for (std::size_t t = 0; t < len; ++t) {
      float* x = z + (top - t) * ld + j;
      const float xv = *x;
      x[ld] = r[t].s * xv + r[t].c * y;
      y = r[t].c * xv - r[t].s * y;
    }
    z[(top + 1 - len) * ld + j] = y;
  }
}

// Two chains a and b on the same rows (consecutive QL sweeps for the same eigenvalue), on 32
// columns, in one pass: b's rotation on rows i, i + 1 needs those rows only once a is done
// with them, that is right after a's rotation on rows i − 1, i. So b runs one row behind a
// and takes a's output rows from registers: each row is loaded and stored once for both
// chains. Rotations on disjoint rows commute and each rotation does the same arithmetic as in
// rotate_chain_avx2, so the result is bit-identical to applying a, then b.
void rotate_chain_pair_avx2(float* z, std::size_t ld, const GivensRotation* a, const GivensRotation* b,
                            std::size_t len) {
  const std::size_t top = a[0].i;
  float* first = z + (top + 1) * ld;
  __m256 ya[4], yb[4];
  for (int q = 0; q < 4; ++q) ya[q] = _mm256_loadu_ps(first + 8 * q);
  // a's rotation t turns row top − t (loaded) and ya into output row top + 1 − t (to b) and ya.
  auto step_a = [&](std::size_t t, __m256* out) {
    const float* xrow = z + (top - t) * ld;
    const __m256 vc = _mm256_broadcast_ss(&a[t].c), vs = _mm256_broadcast_ss(&a[t].s);
    for (int q = 0; q < 4; ++q) {
      const __m256 x = _mm256_loadu_ps(xrow + 8 * q);
      out[q] = _mm256_fmadd_ps(vs, x, _mm256_mul_ps(vc, ya[q]));
      ya[q] = _mm256_fmsub_ps(vc, x, _mm256_mul_ps(vs, ya[q]));
    }
  };
  // b's rotation t takes a's output row top − t and yb, and stores row top + 1 − t.
  auto step_b = [&](std::size_t t, const __m256* x) {
    float* below = z + (top + 1 - t) * ld;
    const __m256 vc = _mm256_broadcast_ss(&b[t].c), vs = _mm256_broadcast_ss(&b[t].s);
    for (int q = 0; q < 4; ++q) {
      _mm256_storeu_ps(below + 8 * q, _mm256_fmadd_ps(vs, x[q], _mm256_mul_ps(vc, yb[q])));
      yb[q] = _mm256_fmsub_ps(vc, x[q], _mm256_mul_ps(vs, yb[q]));
    }
  };
  __m256 out[4];
  step_a(0, yb);  // a's first output row (top + 1) is b's first carried row
  for (std::size_t t = 1; t < len; ++t) {
    step_a(t, out);
    step_b(t - 1, out);
  }
  step_b(len - 1, ya);  // a's last carried row (the bottom one) is b's last input
  float* last = z + (top + 1 - len) * ld;
  for (int q = 0; q < 4; ++q) _mm256_storeu_ps(last + 8 * q, yb[q]);
}

// Strip by strip (all rotations on 32 columns, then the next 32), so that the rows a strip
// touches stay in L2 however long the list is.
void rotate_rows_avx2(float* z, std::size_t ld, std::size_t width, const GivensRotation* rotations,
                      std::size_t count) {
  for (std::size_t j0 = 0; j0 < width; j0 += 32) {
    const std::size_t w = width - j0 < 32 ? width - j0 : 32;
    std::size_t start = 0;
    auto chain_end = [&](std::size_t from) {
      std::size_t end = from + 1;
      while (end < count && rotations[end].i + 1 == rotations[end - 1].i) ++end;
      return end;
    };
    while (start < count) {
      const std::size_t end = chain_end(start), len = end - start;
      if (w == 32 && end < count && rotations[end].i == rotations[start].i) {
        const std::size_t next = chain_end(end);
        if (next - end == len) {
          rotate_chain_pair_avx2(z + j0, ld, rotations + start, rotations + end, len);
          start = next;
          continue;
        }
      }
      rotate_chain_avx2(z + j0, ld, w, rotations + start, len);
      start = end;
    }
  }
}

double dot_avx2(const double* x, const double* y, std::size_t n) {
  __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd();
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    a0 = _mm256_fmadd_pd(_mm256_loadu_pd(x + i), _mm256_loadu_pd(y + i), a0);
    a1 = _mm256_fmadd_pd(_mm256_loadu_pd(x + i + 4), _mm256_loadu_pd(y + i + 4), a1);
  }
  for (; i + 4 <= n; i += 4) a0 = _mm256_fmadd_pd(_mm256_loadu_pd(x + i), _mm256_loadu_pd(y + i), a0);
  alignas(32) double lanes[4];
  _mm256_store_pd(lanes, _mm256_add_pd(a0, a1));
  double acc = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  for (; i < n; ++i) acc += x[i] * y[i];
  return acc;
}

void update2_avx2(double* row, std::size_t n, double a, const double* x, double b, const double* y) {
  const __m256d va = _mm256_set1_pd(a), vb = _mm256_set1_pd(b);
  std::size_t j = 0;
  for (; j + 4 <= n; j += 4) {
    const __m256d t = _mm256_fmadd_pd(va, _mm256_loadu_pd(x + j), _mm256_mul_pd(vb, _mm256_loadu_pd(y + j)));
    _mm256_storeu_pd(row + j, _mm256_sub_pd(_mm256_loadu_pd(row + j), t));
  }
  for (; j < n; ++j) row[j] -= a * x[j] + b * y[j];
}

double sym_row_avx2(double* row, std::size_t n, double a, const double* x, double b, const double* y,
                    const double* z, double c, double* acc) {
  if (n == 0) return 0.0;
  row[0] -= a * x[0] + b * y[0];
  const double head = row[0] * z[0];
  const __m256d va = _mm256_set1_pd(a), vb = _mm256_set1_pd(b), vc = _mm256_set1_pd(c);
  __m256d d0 = _mm256_setzero_pd(), d1 = _mm256_setzero_pd();
  std::size_t j = 1;
  for (; j + 8 <= n; j += 8) {
    const __m256d t0 = _mm256_fmadd_pd(va, _mm256_loadu_pd(x + j), _mm256_mul_pd(vb, _mm256_loadu_pd(y + j)));
    const __m256d t1 = _mm256_fmadd_pd(va, _mm256_loadu_pd(x + j + 4), _mm256_mul_pd(vb, _mm256_loadu_pd(y + j + 4)));
    const __m256d r0 = _mm256_sub_pd(_mm256_loadu_pd(row + j), t0);
    const __m256d r1 = _mm256_sub_pd(_mm256_loadu_pd(row + j + 4), t1);
    _mm256_storeu_pd(row + j, r0);
    _mm256_storeu_pd(row + j + 4, r1);
    d0 = _mm256_fmadd_pd(r0, _mm256_loadu_pd(z + j), d0);
    d1 = _mm256_fmadd_pd(r1, _mm256_loadu_pd(z + j + 4), d1);
    _mm256_storeu_pd(acc + j, _mm256_fmadd_pd(vc, r0, _mm256_loadu_pd(acc + j)));
    _mm256_storeu_pd(acc + j + 4, _mm256_fmadd_pd(vc, r1, _mm256_loadu_pd(acc + j + 4)));
  }
  for (; j + 4 <= n; j += 4) {
    const __m256d t0 = _mm256_fmadd_pd(va, _mm256_loadu_pd(x + j), _mm256_mul_pd(vb, _mm256_loadu_pd(y + j)));
    const __m256d r0 = _mm256_sub_pd(_mm256_loadu_pd(row + j), t0);
    _mm256_storeu_pd(row + j, r0);
    d0 = _mm256_fmadd_pd(r0, _mm256_loadu_pd(z + j), d0);
    _mm256_storeu_pd(acc + j, _mm256_fmadd_pd(vc, r0, _mm256_loadu_pd(acc + j)));
  }
  alignas(32) double lanes[4];
  _mm256_store_pd(lanes, _mm256_add_pd(d0, d1));
  double dot = head + ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3]));
  for (; j < n; ++j) {
    const double r = row[j] - (a * x[j] + b * y[j]);
    row[j] = r;
    dot += r * z[j];
    acc[j] += c * r;
  }
  return dot;
}

void update1_avx2(float* row, std::size_t n, float a, const float* x) {
  const __m256 va = _mm256_set1_ps(a);
  std::size_t j = 0;
  for (; j + 16 <= n; j += 16) {
    _mm256_storeu_ps(row + j, _mm256_fnmadd_ps(va, _mm256_loadu_ps(x + j), _mm256_loadu_ps(row + j)));
    _mm256_storeu_ps(row + j + 8, _mm256_fnmadd_ps(va, _mm256_loadu_ps(x + j + 8), _mm256_loadu_ps(row + j + 8)));
  }
  for (; j + 8 <= n; j += 8)
    _mm256_storeu_ps(row + j, _mm256_fnmadd_ps(va, _mm256_loadu_ps(x + j), _mm256_loadu_ps(row + j)));
  for (; j < n; ++j) row[j] -= a * x[j];
}

const EigenKernels kAvx2 = {"avx2", rotate_rows_avx2, dot_avx2, update2_avx2, sym_row_avx2, update1_avx2};

}  // namespace

const EigenKernels* eigen_kernels_avx2() { return &kAvx2; }

}  // namespace nnkit::kernels

#else

namespace nnkit::kernels {
const EigenKernels* eigen_kernels_avx2() { return nullptr; }
}  // namespace nnkit::kernels

#endif
