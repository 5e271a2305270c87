// Vector kernels of the built-in eigensolver (linalg/eigen.cc): float64 dot products and row
// updates for the tridiagonalization, float32 row updates for forming Q and float32 Givens
// rotations applied to pairs of rows for the eigenvectors (as LAPACK's sorgtr and ssteqr: the
// reflectors and rotations are computed in float64, but applying them to the float32 result in
// float64 would double the work of the two most expensive phases for accuracy the output
// cannot hold). Each has a scalar twin and an AVX2/FMA version; the two
// agree to rounding (FMA rounds once), not bit for bit. Pointers need no alignment; tails are
// handled explicitly.
#pragma once

#include <cstddef>
#include <cstdint>

#include "cpu.h"

namespace nnkit::kernels {

struct GivensRotation {
  std::uint32_t i;  // rows i and i + 1
  float c, s;       // row_{i+1} ← s·row_i + c·row_{i+1};  row_i ← c·row_i − s·row_{i+1}
};

struct EigenKernels {
  const char* name;
  // Applies `count` rotations in order to columns [0, width) of the rows of z (stride ld).
  void (*rotate_rows)(float* z, std::size_t ld, std::size_t width, const GivensRotation* rotations,
                      std::size_t count);
  double (*dot)(const double* x, const double* y, std::size_t n);
  // row[j] −= a·x[j] + b·y[j]
  void (*update2)(double* row, std::size_t n, double a, const double* x, double b, const double* y);
  // One row of the upper triangle of a symmetric matrix, row[0] on the diagonal, in one pass:
  // row[j] −= a·x[j] + b·y[j] (j < n), then acc[j] += c·row[j] (1 ≤ j < n, the lower
  // triangle's share of a product with a vector), returning Σ_j row[j]·z[j].
  double (*sym_row)(double* row, std::size_t n, double a, const double* x, double b, const double* y,
                    const double* z, double c, double* acc);
  // row[j] −= a·x[j], in float32 (forming Q, as LAPACK's sorgtr)
  void (*update1)(float* row, std::size_t n, float a, const float* x);
};

const EigenKernels* eigen_kernels_avx2();  // nullptr when the build has no AVX2 path
const EigenKernels& eigen_kernels(SimdPath path);

}  // namespace nnkit::kernels
