// Thin SVD (nn.svd) and the randomized SVD of Halko, Martinsson & Tropp (nn.randomizedSvd).
//
// Convention (both backends): A (m x n) = U · diag(S) · Vt with r = min(m, n), S descending,
// U m x r and Vt r x n row-major; each right singular vector (row of Vt) has its
// largest-magnitude entry positive (first on ties), its U column flipped with it.
//
// Built-in path, in float64: Householder QR of the taller orientation, one-sided (Hestenes)
// Jacobi on the small triangular factor, then U = Q · U_R. Rank-deficient inputs get an
// orthonormal completion of U, as LAPACK gives.
#pragma once

#include <cstddef>

namespace nnkit::linalg {

// Precondition: `a` finite (the binding checks it).
void svd(const float* a, std::size_t m, std::size_t n, float* u, float* s, float* vt);
void svd_builtin(const float* a, std::size_t m, std::size_t n, float* u, float* s, float* vt);

// Top-k SVD of A (m x n) from the test matrix omega (n x l, l = k + oversampling, k <= l <=
// min(m, n)): Y = A·Ω, `power_iterations` rounds of Y ← A·orth(Aᵀ·orth(Y)), Q = orth(Y),
// B = Qᵀ·A, B = X·S·Wᵀ, U = Q·X. u is m x k (null: U is not computed), s is k, vt is k x n.
// A non-null `center` (length n) factors A − 1·centerᵀ instead, without forming it (PCA).
// Preconditions (the binding checks them): 1 <= k <= l <= min(m, n), `center` finite.
// What it finds about A is returned, not thrown, for the binding to word: `finite` is false
// when A holds NaN or ±Inf; `rank` < k when A's numerical rank (singular values above
// 16·eps·σ₁) is below k. Either way u, s and vt are not written.
struct RandomizedSvdFacts {
  bool finite = true;
  std::size_t rank = static_cast<std::size_t>(-1);
};
RandomizedSvdFacts randomized_svd(const float* a, std::size_t m, std::size_t n, std::size_t k, const float* omega,
                                  std::size_t l, std::size_t power_iterations, float* u, float* s, float* vt,
                                  const float* center = nullptr);

// Replaces the m x l row-major `y` (l <= m) by a matrix with orthonormal columns spanning the
// same space: (shifted) Cholesky-QR on GEMM, falling back to LAPACK's LQ of yᵀ or float64
// Householder QR when Y is too ill-conditioned for it.
void orthonormalize_columns(float* y, std::size_t m, std::size_t l);

}  // namespace nnkit::linalg
