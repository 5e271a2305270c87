// nn.covariance: C = Xcᵀ·Xc / N for X (N x D, row-major), Xc = X − mean (or X itself when
// center is false).
//
// The mean is accumulated in float64 (pixel data with an offset of 0–255 loses nothing), and
// centering is blocked over rows: a block of rows is centered into a small scratch and added
// to C with a symmetric rank-k update (cblas_ssyrk on the upper triangle with BLAS; the
// built-in GEMM on the upper block-triangle otherwise), so X is never copied whole. The lower
// triangle is mirrored at the end, so C is exactly symmetric.
#pragma once

#include <cstddef>

namespace nnkit::linalg {

// cov: D x D. mean: D floats (written when non-null; zeros when center is false).
// ERR_NNKIT_NONFINITE when X holds NaN or ±Inf; N must be >= 1.
// Returns false (a fact for the binding to word) when X holds NaN or ±Inf; cov is then meaningless.
// Precondition: n >= 1 (the binding checks it).
bool covariance(const float* x, std::size_t n, std::size_t d, bool center, float* cov, float* mean);

}  // namespace nnkit::linalg
