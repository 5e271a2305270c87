// The BLAS seam: every matrix product in nnkit goes through linalg::sgemm, which calls
// cblas_sgemm when nnkit was built against OpenBLAS or Apple's Accelerate (NNKIT_HAVE_CBLAS;
// NNKIT_HAVE_ACCELERATE on macOS) and the built-in packed kernels otherwise. The built-in
// path is also selectable at run time, so tests in a BLAS build check it too.
#pragma once

#include <cstddef>
#include <string>

namespace nnkit::linalg {

enum class GemmBackend { blas, builtin };

bool have_blas();
std::string blas_description();  // e.g. "openblas 0.3.21", "accelerate", or "builtin"

// The GEMM behind every product until set_gemm_backend changes it: BLAS, unless the linked
// OpenBLAS runs kernels for an older instruction set than the active SIMD path (a core it chose
// for a CPU it does not know, or one forced by OPENBLAS_CORETYPE), or both run AVX-512, when
// nnkit's own packed kernels are faster (or level, on square products). Decided once, from the
// core and the path picked at load. Accelerate is always trusted.
GemmBackend gemm_backend();
bool set_gemm_backend(GemmBackend backend);  // false when asking for BLAS in a build without it

// The core OpenBLAS picked (openblas_get_corename(), e.g. "Haswell"), or "" without BLAS or
// with Accelerate.
std::string blas_core();
// The widest SIMD path the core's kernels use: "scalar" for the pre-AVX2 x86 cores (Prescott,
// Sandybridge, ...), "avx2", "avx512", "neon" for arm64 cores, or "" for a core this table does
// not know (then BLAS is trusted).
std::string blas_core_simd();
// One sentence: why gemm_backend() started as it did.
std::string gemm_choice_reason();

// Threads OpenBLAS may start per call (no-op without BLAS, and with Accelerate).
void set_blas_threads(int n);

// C = alpha * op(A) * op(B) + beta * C, row-major; see kernels::sgemm_builtin for the shapes.
void sgemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha, const float* a,
           std::size_t lda, const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc);

// sgemm for the randomized SVD's products of a tall data matrix with a thin block of at most a
// few hundred columns (A·Ω, Aᵀ·Y, YᵀY, Y·R⁻¹): nnkit's own packed kernels whatever the backend,
// because OpenBLAS 0.3.21 is slower on these shapes (50000×3072 by 110 columns, 2 threads: A·Ω
// 252 vs 226 ms, Aᵀ·Y 337 vs 215 ms). The same kernels as the built-in backend, so results are
// identical for any thread count.
void sgemm_thin(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha, const float* a,
                std::size_t lda, const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc);

// sgemm on op(A_c), A_c[i][j] = (A[i][j] - shift[j]) + offset[j]: A's columns centered (shift
// and offset have A's column count: k, or m when trans_a), as PCA's transform needs. The
// built-in kernels center A as they pack it (kernels::sgemm_builtin_centered), so the product
// costs what an uncentered one does; they take it unless the linked BLAS may be faster: when the
// backend is BLAS and nnkit's path is not AVX2 or AVX-512 (the scalar GEMM is slower than any
// BLAS; the NEON one has not been timed against OpenBLAS on arm64), or the BLAS core is wider
// than that path or not in nnkit's table of cores.
// On AMD Zen 4 with OpenBLAS 0.3.21's Cooperlake (AVX-512) kernels, PCA's transform ran 1.2×
// (50000×3072 → 100, 60000×784 → 784) to 1.8× (60000×784 → 100) faster on the built-in kernels
// than on BLAS with its centered copies.
void sgemm_centered(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha,
                    const float* a, std::size_t lda, const float* shift, const float* offset, const float* b,
                    std::size_t ldb, float beta, float* c, std::size_t ldc);
// Whether sgemm_centered runs on the built-in kernels now (see above).
bool centered_products_on_builtin();
// sgemm_centered's other way: centered copies of A's row blocks (2^22 floats each), each
// multiplied by sgemm (BLAS when it is the backend).
void sgemm_centered_copies(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha,
                           const float* a, std::size_t lda, const float* shift, const float* offset, const float* b,
                           std::size_t ldb, float beta, float* c, std::size_t ldc);
// sgemm_thin's kernels (the built-in ones, whatever the backend), centered as sgemm_centered.
void sgemm_thin_centered(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha,
                         const float* a, std::size_t lda, const float* shift, const float* offset, const float* b,
                         std::size_t ldb, float beta, float* c, std::size_t ldc);

}  // namespace nnkit::linalg
