// The LAPACK seam, beside blas.h's BLAS seam: eigh, svd and the randomized SVD call LAPACK
// (ssyevd, sgesdd, sgelqf/sorglq) when nnkit was built with it and nnkit's built-in float64
// routines otherwise. The built-in path is also selectable at run time, so the tests of a LAPACK
// build exercise both. LAPACK is LAPACKE (NNKIT_HAVE_LAPACKE, with OpenBLAS) or, on macOS,
// Accelerate's Fortran-style interface (NNKIT_HAVE_ACCELERATE; Accelerate has no LAPACKE).
//
// Threads: LAPACK's own parallelism is OpenBLAS's, which set_blas_threads (nn.setThreads)
// already bounds; the built-in routines use nnkit's pool, bounded by the same call. Accelerate
// manages its own threads.
#pragma once

#include <cstddef>

#if NNKIT_HAVE_LAPACKE || NNKIT_HAVE_ACCELERATE
#define NNKIT_HAVE_LAPACK 1
#endif

namespace nnkit::linalg {

enum class LapackBackend { lapack, builtin };

bool have_lapack();
LapackBackend lapack_backend();
bool set_lapack_backend(LapackBackend backend);  // false when asking for LAPACK in a build without it

// Thin wrappers, defined only when NNKIT_HAVE_LAPACK; each throws ERR_NNKIT_LAPACK on info != 0.
// Column-major, as LAPACK itself; the callers own the copies and transposes.
#if NNKIT_HAVE_LAPACK
// Eigenvalues ascending into w, eigenvectors overwrite a (column j = vector j).
void lapack_ssyevd(std::size_t n, float* a, float* w);
// Thin SVD of the column-major m x n matrix a (overwritten): u is m x r, vt is r x n, r = min(m, n).
void lapack_sgesdd(std::size_t m, std::size_t n, float* a, float* s, float* u, float* vt);
// Replaces the column-major m x n matrix a (m <= n) by the m x n matrix with orthonormal rows
// spanning the same row space (LQ factorization, then Q).
void lapack_orthonormal_rows(std::size_t m, std::size_t n, float* a);
#endif

}  // namespace nnkit::linalg
