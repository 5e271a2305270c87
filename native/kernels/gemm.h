// The built-in single-precision GEMM, used when nnkit is built without BLAS (and in tests).
//
// BLIS-style: op(B) is packed into KC x NC panels of NR-wide slivers, op(A) into MC x KC blocks
// of MR-tall slivers, and a register-blocked MR x NR micro-kernel does the arithmetic. Packing
// zero-pads partial slivers, so the micro-kernel always computes a full tile and only its
// stores are clipped: odd sizes cost a few wasted flops at the edges, never a branch in the
// inner loop. The result does not depend on the thread count: the k-blocking (KC) fixes the
// order of accumulation of every element, and threads only split the rows of C.
#pragma once

#include <cstddef>

#include "cpu.h"

namespace nnkit::kernels {

// c[i * ldc + j] = alpha * sum_p a[p * MR + i] * b[p * NR + j] + beta * c[i * ldc + j] for
// i < m_valid, j < n_valid; beta == 0 stores without reading c. `a` and `b` are packed slivers
// of depth k; c is the caller's row-major output. The driver passes the caller's beta for the
// first k-block and 1 for the rest, so C is read and written once per k-block, never scaled
// in a pass of its own.
using GemmMicroKernel = void (*)(std::size_t k, const float* a, const float* b, float* c, std::size_t ldc,
                                 float alpha, float beta, std::size_t m_valid, std::size_t n_valid);

// A's columns centered as they are packed (sgemm_builtin_centered): the element of A's column
// j packs as (v − shift[j]) + offset[j], the affine kernel's arithmetic with a scale of 1, so the
// packed floats are those of a centered copy. shift == nullptr packs A as it is.
struct GemmCentering {
  const float* shift = nullptr;
  const float* offset = nullptr;
};

// Packs rows [row0, row0 + mc) and depth [p0, p0 + kc) of op(A) (A is k x m when trans_a) into
// MR-tall slivers at dst: sliver s holds rows row0 + MR·s.., depth-major, MR floats per step of
// k, rows past mc zero. A's column j is the step p0 + p, or the row row0 + r when trans_a; with
// a centering, each packed value is centered by its column's shift and offset. A vectorized
// packer may write up to kGemmPackSlack floats past the last sliver (dst must have room for
// them); nothing else of dst outside the slivers is touched.
using GemmPackA = void (*)(bool trans_a, const float* a, std::size_t lda, std::size_t row0, std::size_t mc,
                           std::size_t p0, std::size_t kc, float* dst, GemmCentering center);
inline constexpr std::size_t kGemmPackSlack = 8;

// The GemmPackA of a packer written as two instantiations, plain and centered, so neither's
// loops test the centering per element.
template <GemmPackA kPlain, GemmPackA kCentered>
void pack_a_either(bool trans_a, const float* a, std::size_t lda, std::size_t row0, std::size_t mc, std::size_t p0,
                   std::size_t kc, float* dst, GemmCentering center) {
  (center.shift ? kCentered : kPlain)(trans_a, a, lda, row0, mc, p0, kc, dst, center);
}

// One target's GEMM: its register tile, its packer, and the cache blocking that suits them
// (as BLIS keeps block sizes in its context). The blocks hold whole slivers: mc and thin_mc
// are multiples of mr, nc of nr.
struct GemmKernels {
  const char* name;
  GemmMicroKernel micro;
  GemmPackA pack_a;
  std::size_t mr, nr;
  // Block sizes: a kc x nr sliver of B stays in L1 while the A slivers stream past it; an
  // mc x kc block of A fits L2; a kc x nc panel of B is shared by all threads from L3.
  std::size_t kc, mc, nc;
  // Thin products (n <= thin_max_n, A not transposed) pack A in blocks of few rows but deep:
  // thin_mc x thin_kc.
  std::size_t thin_max_n, thin_mc, thin_kc;
};

// The portable packer for any tile height mr (the vector packers use it for a last, partial
// sliver).
void pack_a_scalar(std::size_t mr, bool trans_a, const float* a, std::size_t lda, std::size_t row0, std::size_t mc,
                   std::size_t p0, std::size_t kc, float* dst, GemmCentering center = {});

const GemmKernels* gemm_kernels_avx2();    // nullptr when the build has no AVX2 path
const GemmKernels* gemm_kernels_avx512();  // nullptr when the build has no AVX-512 path
const GemmKernels* gemm_kernels_neon();    // nullptr when the build has no NEON path
const GemmKernels& gemm_kernels(SimdPath path);

// C = alpha * op(A) * op(B) + beta * C, all row-major. op(A) is m x k (A is k x m when trans_a),
// op(B) is k x n (B is n x k when trans_b). beta == 0 overwrites C without reading it, so
// NaN or garbage in an uninitialized C does not leak into the result.
void sgemm_builtin(SimdPath path, bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k,
                   float alpha, const float* a, std::size_t lda, const float* b, std::size_t ldb, float beta,
                   float* c, std::size_t ldc);

// The same, for the upper triangle of a square C only (SYRK's job: C = alpha·AᵀA + beta·C with
// trans_a, b = a): micro-tiles wholly below the diagonal are skipped, so about half the work
// is done with full-GEMM packing. Tiles that cross the diagonal also write the entries below
// it in their span (the values a full product would have); the rest of the lower triangle is
// left as it was. Callers mirror the upper triangle.
void sgemm_builtin_upper(SimdPath path, bool trans_a, bool trans_b, std::size_t n, std::size_t k, float alpha,
                         const float* a, std::size_t lda, const float* b, std::size_t ldb, float beta, float* c,
                         std::size_t ldc);

// sgemm_builtin on op(A_c), A_c[i][j] = (A[i][j] − shift[j]) + offset[j]: A's columns centered
// (shift and offset have A's column count: k, or m when trans_a) by the packers as they copy A,
// so A_c is never formed and the product costs what an uncentered one does. The packed floats
// are a centered copy's, so the result is bit-identical to sgemm_builtin on that copy.
void sgemm_builtin_centered(SimdPath path, bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k,
                            float alpha, const float* a, std::size_t lda, const float* shift, const float* offset,
                            const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc);

// C = beta * C over an m x n block (beta == 0 stores zeros).
void scale_matrix(std::size_t m, std::size_t n, float beta, float* c, std::size_t ldc);

}  // namespace nnkit::kernels
