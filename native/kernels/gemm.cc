#include "gemm.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

#include "parallel.h"

namespace nnkit::kernels {
namespace {

// Block sizes: a KC x NR sliver of B (16 KiB) stays in L1 with the A sliver streaming past it;
// an MC x KC block of A (120 KiB) fits L2; a KC x NC panel of B (4 MiB) is shared by all
// threads from L3.
constexpr std::size_t kKC = 256;
constexpr std::size_t kMC = 120;
constexpr std::size_t kNC = 4096;
constexpr std::size_t kThinMaxN = 256, kThinMC = 24, kThinKC = 4096;  // 24 x 4096: 384 KiB, in L2
static_assert(kMC % kGemmMR == 0 && kNC % kGemmNR == 0, "blocks hold whole slivers");

struct AlignedFree {
  void operator()(float* p) const { std::free(p); }
};
using AlignedBuffer = std::unique_ptr<float, AlignedFree>;

AlignedBuffer allocate_aligned(std::size_t floats) {
  const std::size_t bytes = ((floats * sizeof(float) + 63) / 64) * 64;
  void* p = std::aligned_alloc(64, bytes == 0 ? 64 : bytes);
  if (p == nullptr) throw std::bad_alloc();
  return AlignedBuffer(static_cast<float*>(p));
}

void micro_scalar(std::size_t k, const float* a, const float* b, float* c, std::size_t ldc, float alpha,
                  float beta, std::size_t m_valid, std::size_t n_valid) {
  float acc[kGemmMR][kGemmNR] = {};
  for (std::size_t p = 0; p < k; ++p) {
    const float* ap = a + p * kGemmMR;
    const float* bp = b + p * kGemmNR;
    for (std::size_t i = 0; i < kGemmMR; ++i)
      for (std::size_t j = 0; j < kGemmNR; ++j) acc[i][j] += ap[i] * bp[j];
  }
  for (std::size_t i = 0; i < m_valid; ++i)
    for (std::size_t j = 0; j < n_valid; ++j)
      c[i * ldc + j] = beta == 0.0f ? alpha * acc[i][j] : alpha * acc[i][j] + beta * c[i * ldc + j];
}

}  // namespace

void pack_a_scalar(bool trans_a, const float* a, std::size_t lda, std::size_t row0, std::size_t mc, std::size_t p0,
                   std::size_t kc, float* dst) {
  for (std::size_t ir = 0; ir < mc; ir += kGemmMR) {
    const std::size_t rows = std::min(kGemmMR, mc - ir);
    float* sliver = dst + ir * kc;
    for (std::size_t p = 0; p < kc; ++p) {
      float* out = sliver + p * kGemmMR;
      std::size_t i = 0;
      if (trans_a) {
        const float* src = a + (p0 + p) * lda + row0 + ir;  // op(A)(r, p) = A[p][r]
        for (; i < rows; ++i) out[i] = src[i];
      } else {
        const float* src = a + (row0 + ir) * lda + p0 + p;
        for (; i < rows; ++i) out[i] = src[i * lda];
      }
      for (; i < kGemmMR; ++i) out[i] = 0.0f;
    }
  }
}

namespace {

const GemmKernels kScalar = {"scalar_6x16", micro_scalar, pack_a_scalar};

// Packs the NR-wide sliver starting at column col0 (width cols <= NR) of op(B), depth [p0, p0 + kc).
void pack_b_sliver(bool trans_b, const float* b, std::size_t ldb, std::size_t col0, std::size_t cols,
                   std::size_t p0, std::size_t kc, float* dst) {
  for (std::size_t p = 0; p < kc; ++p) {
    float* out = dst + p * kGemmNR;
    std::size_t j = 0;
    if (trans_b) {
      const float* src = b + col0 * ldb + p0 + p;  // op(B)(p, c) = B[c][p]
      for (; j < cols; ++j) out[j] = src[j * ldb];
    } else {
      const float* src = b + (p0 + p) * ldb + col0;
      if (cols == kGemmNR) {
        std::memcpy(out, src, kGemmNR * sizeof(float));
        continue;
      }
      for (; j < cols; ++j) out[j] = src[j];
    }
    for (; j < kGemmNR; ++j) out[j] = 0.0f;
  }
}

std::size_t round_up(std::size_t value, std::size_t multiple) { return (value + multiple - 1) / multiple * multiple; }

}  // namespace

const GemmKernels& gemm_kernels_scalar() { return kScalar; }

const GemmKernels& gemm_kernels(SimdPath path) {
  if (path == SimdPath::avx2) {
    if (const GemmKernels* k = gemm_kernels_avx2()) return *k;
  }
  return kScalar;
}

void scale_matrix(std::size_t m, std::size_t n, float beta, float* c, std::size_t ldc) {
  if (beta == 1.0f || m == 0 || n == 0) return;
  constexpr std::size_t kRowsPerTask = 64;
  parallel_for((m + kRowsPerTask - 1) / kRowsPerTask, [&](std::size_t task) {
    const std::size_t end = std::min(m, (task + 1) * kRowsPerTask);
    for (std::size_t i = task * kRowsPerTask; i < end; ++i) {
      float* row = c + i * ldc;
      if (beta == 0.0f) {
        std::fill(row, row + n, 0.0f);
      } else {
        for (std::size_t j = 0; j < n; ++j) row[j] *= beta;
      }
    }
  });
}

void sgemm_builtin(SimdPath path, bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k,
                   float alpha, const float* a, std::size_t lda, const float* b, std::size_t ldb, float beta,
                   float* c, std::size_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0 || alpha == 0.0f) {
    scale_matrix(m, n, beta, c, ldc);
    return;
  }
  const GemmMicroKernel micro = gemm_kernels(path).micro;
  const GemmPackA pack_a = gemm_kernels(path).pack_a;

  // A thin product of a row-major A (few columns of C: the randomized SVD's A·Z over a tall
  // matrix) packs A in blocks of few rows but up to kThinKC deep: each pack then reads long
  // contiguous runs of A's rows from memory (12 KB instead of 1 KB for 50000×3072·3072×110, which
  // made that product 16% faster), and the B slivers, too big for L1 now, stream from L2.
  const bool thin = !trans_a && n <= kThinMaxN;
  const std::size_t block_m = thin ? kThinMC : kMC, block_k = thin ? kThinKC : kKC;

  // Row blocks: as many as block_m allows, rounded up to a multiple of the thread count so that
  // no thread idles through the last round; each block a whole number of MR slivers.
  const std::size_t threads = static_cast<std::size_t>(thread_count());
  std::size_t row_blocks = round_up((m + block_m - 1) / block_m, threads);
  const std::size_t mc = std::min(round_up((m + row_blocks - 1) / row_blocks, kGemmMR), round_up(m, kGemmMR));
  row_blocks = (m + mc - 1) / mc;

  // The packed B panel is reused across calls on the same thread (grow-only, at most
  // KC x NC floats = 4 MiB): allocating it per call costs fresh page faults every time.
  const std::size_t nc_max = std::min(kNC, round_up(n, kGemmNR));
  const std::size_t kc_max = std::min(block_k, k);
  thread_local AlignedBuffer packed_b;
  thread_local std::size_t packed_b_capacity = 0;
  if (packed_b_capacity < nc_max * kc_max) {
    packed_b = allocate_aligned(nc_max * kc_max);
    packed_b_capacity = nc_max * kc_max;
  }

  for (std::size_t jc = 0; jc < n; jc += kNC) {
    const std::size_t nc = std::min(kNC, n - jc);
    const std::size_t slivers_b = (nc + kGemmNR - 1) / kGemmNR;
    for (std::size_t pc = 0; pc < k; pc += block_k) {
      const std::size_t kc = std::min(block_k, k - pc);
      const float block_beta = pc == 0 ? beta : 1.0f;
      float* pb = packed_b.get();
      parallel_for(slivers_b, [&](std::size_t s) {
        const std::size_t col0 = s * kGemmNR;
        pack_b_sliver(trans_b, b, ldb, jc + col0, std::min(kGemmNR, nc - col0), pc, kc, pb + s * kGemmNR * kc);
      });
      parallel_for(row_blocks, [&](std::size_t block) {
        const std::size_t row0 = block * mc;
        if (row0 >= m) return;
        const std::size_t rows = std::min(mc, m - row0);
        // One A block per worker thread, reused across calls; sized for the largest block.
        thread_local AlignedBuffer packed_a;
        thread_local std::size_t packed_a_capacity = 0;
        const std::size_t need = round_up(mc, kGemmMR) * kc_max + kGemmPackSlack;
        if (packed_a_capacity < need) {
          packed_a = allocate_aligned(need);
          packed_a_capacity = need;
        }
        float* pa = packed_a.get();
        pack_a(trans_a, a, lda, row0, rows, pc, kc, pa);
        for (std::size_t jr = 0; jr < nc; jr += kGemmNR) {
          const std::size_t cols = std::min(kGemmNR, nc - jr);
          const float* sliver_b = pb + (jr / kGemmNR) * kGemmNR * kc;
          for (std::size_t ir = 0; ir < rows; ir += kGemmMR) {
            micro(kc, pa + ir * kc, sliver_b, c + (row0 + ir) * ldc + jc + jr, ldc, alpha, block_beta,
                  std::min(kGemmMR, rows - ir), cols);
          }
        }
      });
    }
  }
}

}  // namespace nnkit::kernels
