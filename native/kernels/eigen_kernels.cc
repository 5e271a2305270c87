#include "eigen_kernels.h"

namespace nnkit::kernels {
namespace {

// Chains of rotations on descending rows (see eigen_kernels_avx2.cc) keep the shared row in a
// small buffer, as the AVX2 twin keeps it in registers; strip by strip, as the AVX2 twin.
void rotate_rows_scalar(float* z, std::size_t ld, std::size_t width, const GivensRotation* rotations,
                        std::size_t count) {
  constexpr std::size_t kChunk = 32;
  float carry[kChunk];
  for (std::size_t j0 = 0; j0 < width; j0 += kChunk) {
    const std::size_t w = width - j0 < kChunk ? width - j0 : kChunk;
    std::size_t start = 0;
    while (start < count) {
      std::size_t end = start + 1;
      while (end < count && rotations[end].i + 1 == rotations[end - 1].i) ++end;
      const GivensRotation* r = rotations + start;
      const std::size_t len = end - start, top = r[0].i;
      const float* first = z + (top + 1) * ld + j0;
      for (std::size_t j = 0; j < w; ++j) carry[j] = first[j];
      for (std::size_t t = 0; t < len; ++t) {
        float* __restrict x = z + (top - t) * ld + j0;
        float* __restrict below = x + ld;
        const float c = r[t].c, s = r[t].s;
        for (std::size_t j = 0; j < w; ++j) {
          const float xv = x[j], y = carry[j];
          below[j] = s * xv + c * y;
          carry[j] = c * xv - s * y;
        }
      }
      float* last = z + (top + 1 - len) * ld + j0;
      for (std::size_t j = 0; j < w; ++j) last[j] = carry[j];
      start = end;
    }
  }
}

double dot_scalar(const double* x, const double* y, std::size_t n) {
  double acc = 0.0;
  for (std::size_t i = 0; i < n; ++i) acc += x[i] * y[i];
  return acc;
}

void update2_scalar(double* row, std::size_t n, double a, const double* x, double b, const double* y) {
  for (std::size_t j = 0; j < n; ++j) row[j] -= a * x[j] + b * y[j];
}

double sym_row_scalar(double* row, std::size_t n, double a, const double* x, double b, const double* y,
                      const double* z, double c, double* acc) {
  if (n == 0) return 0.0;
  row[0] -= a * x[0] + b * y[0];
  double dot = row[0] * z[0];
  for (std::size_t j = 1; j < n; ++j) {
    const double r = row[j] - (a * x[j] + b * y[j]);
    row[j] = r;
    dot += r * z[j];
    acc[j] += c * r;
  }
  return dot;
}

void update1_scalar(float* row, std::size_t n, float a, const float* x) {
  for (std::size_t j = 0; j < n; ++j) row[j] -= a * x[j];
}

const EigenKernels kScalar = {"scalar",       rotate_rows_scalar, dot_scalar,
                               update2_scalar, sym_row_scalar,     update1_scalar};

}  // namespace

const EigenKernels& eigen_kernels(SimdPath path) {
  return select_kernels<EigenKernels>(path, {&kScalar, eigen_kernels_avx2()});
}

}  // namespace nnkit::kernels
