// NEON (AArch64) GEMM micro-kernel: an 8 x 12 tile of C in 24 of the 32 quad registers, two
// loads of A (8 rows) and three of B (12 columns) per step of k, and 24 FMAs that take their A
// operand straight from a lane (FMLA by element), so no broadcast is spent. 24 FMAs per 5 loads
// keeps both FMA pipes of a Neoverse core busy; the shape is OpenBLAS's and BLIS's for armv8.
// The packing of A is the portable packer's (8-tall slivers). Compiled on AArch64 only; on any
// other architecture the accessor returns nullptr and NEON runs the scalar kernels.
//
// Tested under qemu-user (scripts/arm64-kernel-tests.sh): correct, but its speed on real arm64
// hardware has not been measured (no arm64 machine here).
#include "gemm.h"

#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>

namespace nnkit::kernels {
namespace {

constexpr std::size_t kMR = 8, kNR = 12;

void micro_neon_8x12(std::size_t k, const float* a, const float* b, float* c, std::size_t ldc, float alpha,
                     float beta, std::size_t m_valid, std::size_t n_valid) {
  float32x4_t acc[kMR][3];
  for (auto& row : acc)
    for (auto& v : row) v = vdupq_n_f32(0.0f);
  for (std::size_t p = 0; p < k; ++p, a += kMR, b += kNR) {
    const float32x4_t a0 = vld1q_f32(a), a1 = vld1q_f32(a + 4);
    const float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4), b2 = vld1q_f32(b + 8);
#define NNKIT_NEON_ROW(i, av, lane)                         \
  acc[i][0] = vfmaq_laneq_f32(acc[i][0], b0, av, lane);     \
  acc[i][1] = vfmaq_laneq_f32(acc[i][1], b1, av, lane);     \
  acc[i][2] = vfmaq_laneq_f32(acc[i][2], b2, av, lane);
    NNKIT_NEON_ROW(0, a0, 0)
    NNKIT_NEON_ROW(1, a0, 1)
    NNKIT_NEON_ROW(2, a0, 2)
    NNKIT_NEON_ROW(3, a0, 3)
    NNKIT_NEON_ROW(4, a1, 0)
    NNKIT_NEON_ROW(5, a1, 1)
    NNKIT_NEON_ROW(6, a1, 2)
    NNKIT_NEON_ROW(7, a1, 3)
#undef NNKIT_NEON_ROW
  }
  const float32x4_t valpha = vdupq_n_f32(alpha);
  if (m_valid == kMR && n_valid == kNR) {
    if (beta == 0.0f) {
      for (std::size_t i = 0; i < kMR; ++i)
        for (std::size_t v = 0; v < 3; ++v) vst1q_f32(c + i * ldc + 4 * v, vmulq_f32(valpha, acc[i][v]));
      return;
    }
    const float32x4_t vbeta = vdupq_n_f32(beta);
    for (std::size_t i = 0; i < kMR; ++i)
      for (std::size_t v = 0; v < 3; ++v) {
        float* cv = c + i * ldc + 4 * v;
        vst1q_f32(cv, vfmaq_f32(vmulq_f32(vbeta, vld1q_f32(cv)), valpha, acc[i][v]));
      }
    return;
  }
  // Edge tile: spill to a local tile and touch only the valid part of C.
  alignas(16) float tile[kMR][kNR];
  for (std::size_t i = 0; i < kMR; ++i)
    for (std::size_t v = 0; v < 3; ++v) vst1q_f32(tile[i] + 4 * v, vmulq_f32(valpha, acc[i][v]));
  for (std::size_t i = 0; i < m_valid; ++i)
    for (std::size_t j = 0; j < n_valid; ++j)
      c[i * ldc + j] = beta == 0.0f ? tile[i][j] : tile[i][j] + beta * c[i * ldc + j];
}

void pack_a_neon(bool trans_a, const float* a, std::size_t lda, std::size_t row0, std::size_t mc, std::size_t p0,
                 std::size_t kc, float* dst, GemmCentering center) {
  pack_a_scalar(kMR, trans_a, a, lda, row0, mc, p0, kc, dst, center);
}

// A 12 KiB B sliver (256 x 12) in a 64 KiB L1, a 128 KiB A block (128 x 256) in L2 (1 MiB on
// Neoverse N1/V1), a ~4 MiB B panel (nc a multiple of 12); thin products: 24 x 4096 A blocks.
// Unmeasured on hardware: the AVX2 kernel's blocking scaled to this tile.
const GemmKernels kNeon = {"neon_8x12", micro_neon_8x12, pack_a_neon, kMR, kNR, 256, 128, 4080, 256, 24, 4096};

}  // namespace

const GemmKernels* gemm_kernels_neon() { return &kNeon; }

}  // namespace nnkit::kernels

#else

namespace nnkit::kernels {
const GemmKernels* gemm_kernels_neon() { return nullptr; }
}  // namespace nnkit::kernels

#endif
