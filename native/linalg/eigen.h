// Symmetric eigendecomposition (nn.eigh) and the checks and sign convention shared with svd.h.
//
// Convention (both backends): eigenvalues descending; eigenvector j is column j of the
// row-major n x n `vectors`; each eigenvector's largest-magnitude component is positive (the
// first one on ties), so results are reproducible across backends up to rounding.
//
// Built-in path (no LAPACK, or set_lapack_backend(builtin)): Householder tridiagonalization and
// the explicit orthogonal factor Q in float64, then implicit QL with Wilkinson shifts (EISPACK
// tql2) on the float64 tridiagonal. The QL sweeps only need the tridiagonal, so their Givens
// rotations are recorded and applied to Qᵀ — rounded to float32, as LAPACK's ssteqr keeps it —
// in batches, split over column slabs: every thread applies the same rotations in the same
// order, so results do not depend on the thread count.
#pragma once

#include <cstddef>

namespace nnkit::linalg {

// A fact for the binding to word: the first (i, j), i < j, with |a_ij − a_ji| > 1e-4 · max|a|
// (true), or false when the n x n `a` is symmetric to that tolerance.
bool find_asymmetry(const float* a, std::size_t n, std::size_t* i, std::size_t* j);

// values: n, descending; vectors: n x n row-major, column j = eigenvector of values[j].
// `a` is read only (LAPACK works on a private copy). Precondition: `a` finite and symmetric to
// find_asymmetry's tolerance (the binding checks both and words the error).
void eigh(const float* a, std::size_t n, float* values, float* vectors);
void eigh_builtin(const float* a, std::size_t n, float* values, float* vectors);

// Flips the sign of column j of the row-major rows x cols matrix `v` (and of column j of the
// row-major `companion_rows` x cols matrix `companion`, when given) unless its largest-magnitude
// entry (first on ties) is positive.
void orient_columns(float* v, std::size_t rows, std::size_t cols, float* companion, std::size_t companion_rows);
// The same for row j of the row-major rows x cols `vt`, flipping column j of the row-major
// u_rows x rows matrix `u` with it (the V and U of an SVD).
void orient_rows(float* vt, std::size_t rows, std::size_t cols, float* u, std::size_t u_rows);

// Householder reflector (LAPACK dlarfg convention): overwrites x[0, len) with v (v[0] = 1),
// sets tau, returns beta, so that (I − tau·v·vᵀ)·x = beta·e1. tau = 0 when x is already e1-aligned.
double householder(double* x, std::size_t len, double* tau);

}  // namespace nnkit::linalg
