// The LAPACK seam, beside blas.h's BLAS seam: eigh, svd and the randomized SVD call LAPACKE
// (ssyevd, sgesdd, sgelqf/sorglq) when nnkit was built with it (NNKIT_HAVE_LAPACKE) and nnkit's
// built-in float64 routines otherwise. The built-in path is also selectable at run time, so the
// tests of a LAPACK build exercise both.
//
// Threads: LAPACK's own parallelism is OpenBLAS's, which set_blas_threads (nn.setThreads)
// already bounds; the built-in routines use nnkit's pool, bounded by the same call.
#pragma once

#include <cstddef>

namespace nnkit::linalg {

enum class LapackBackend { lapack, builtin };

bool have_lapack();
LapackBackend lapack_backend();
bool set_lapack_backend(LapackBackend backend);  // false when asking for LAPACK in a build without it

// Thin wrappers, defined only when NNKIT_HAVE_LAPACKE; each throws ERR_NNKIT_LAPACK on info != 0.
// Column-major, as LAPACK itself; the callers own the copies and transposes.
#if NNKIT_HAVE_LAPACKE
// Eigenvalues ascending into w, eigenvectors overwrite a (column j = vector j).
void lapack_ssyevd(std::size_t n, float* a, float* w);
// Thin SVD of the column-major m x n matrix a (overwritten): u is m x r, vt is r x n, r = min(m, n).
void lapack_sgesdd(std::size_t m, std::size_t n, float* a, float* s, float* u, float* vt);
// Replaces the column-major m x n matrix a (m <= n) by the m x n matrix with orthonormal rows
// spanning the same row space (LQ factorization, then Q).
void lapack_orthonormal_rows(std::size_t m, std::size_t n, float* a);
#endif

}  // namespace nnkit::linalg
