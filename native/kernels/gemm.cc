#include "gemm.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include "parallel.h"

namespace nnkit::kernels {
namespace {

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

constexpr std::size_t kScalarMR = 6, kScalarNR = 16;

void micro_scalar(std::size_t k, const float* a, const float* b, float* c, std::size_t ldc, float alpha,
                  float beta, std::size_t m_valid, std::size_t n_valid) {
  float acc[kScalarMR][kScalarNR] = {};
  for (std::size_t p = 0; p < k; ++p) {
    const float* ap = a + p * kScalarMR;
    const float* bp = b + p * kScalarNR;
    for (std::size_t i = 0; i < kScalarMR; ++i)
      for (std::size_t j = 0; j < kScalarNR; ++j) acc[i][j] += ap[i] * bp[j];
  }
  for (std::size_t i = 0; i < m_valid; ++i)
    for (std::size_t j = 0; j < n_valid; ++j)
      c[i * ldc + j] = beta == 0.0f ? alpha * acc[i][j] : alpha * acc[i][j] + beta * c[i * ldc + j];
}

void pack_a_scalar_6(bool trans_a, const float* a, std::size_t lda, std::size_t row0, std::size_t mc, std::size_t p0,
                     std::size_t kc, float* dst, GemmCentering center) {
  pack_a_scalar(kScalarMR, trans_a, a, lda, row0, mc, p0, kc, dst, center);
}

}  // namespace

void pack_a_scalar(std::size_t mr, bool trans_a, const float* a, std::size_t lda, std::size_t row0, std::size_t mc,
                   std::size_t p0, std::size_t kc, float* dst, GemmCentering center) {
  const float *shift = center.shift, *offset = center.offset;
  for (std::size_t ir = 0; ir < mc; ir += mr) {
    const std::size_t rows = std::min(mr, mc - ir);
    float* sliver = dst + ir * kc;
    for (std::size_t p = 0; p < kc; ++p) {
      float* out = sliver + p * mr;
      std::size_t i = 0;
      if (trans_a) {
        const float* src = a + (p0 + p) * lda + row0 + ir;  // op(A)(r, p) = A[p][r], A's column row0 + r
        if (shift) {
          for (; i < rows; ++i) out[i] = (src[i] - shift[row0 + ir + i]) + offset[row0 + ir + i];
        } else {
          for (; i < rows; ++i) out[i] = src[i];
        }
      } else {
        const float* src = a + (row0 + ir) * lda + p0 + p;  // A's column p0 + p
        if (shift) {
          const float sh = shift[p0 + p], off = offset[p0 + p];
          for (; i < rows; ++i) out[i] = (src[i * lda] - sh) + off;
        } else {
          for (; i < rows; ++i) out[i] = src[i * lda];
        }
      }
      for (; i < mr; ++i) out[i] = 0.0f;
    }
  }
}

namespace {

// A 16 KiB B sliver (256 x 16) in L1, a 120 KiB A block in L2, a 4 MiB B panel in L3; thin
// products: 24 x 4096 A blocks (384 KiB, in L2).
const GemmKernels kScalar = {"scalar_6x16", micro_scalar, pack_a_scalar_6, kScalarMR, kScalarNR,
                             256, 120, 4096, 256, 24, 4096};

// Packs the nr-wide sliver starting at column col0 (width cols <= nr) of op(B), depth [p0, p0 + kc).
void pack_b_sliver(std::size_t nr, bool trans_b, const float* b, std::size_t ldb, std::size_t col0, std::size_t cols,
                   std::size_t p0, std::size_t kc, float* dst) {
  for (std::size_t p = 0; p < kc; ++p) {
    float* out = dst + p * nr;
    std::size_t j = 0;
    if (trans_b) {
      const float* src = b + col0 * ldb + p0 + p;  // op(B)(p, c) = B[c][p]
      for (; j < cols; ++j) out[j] = src[j * ldb];
    } else {
      const float* src = b + (p0 + p) * ldb + col0;
      if (cols == nr) {
        std::memcpy(out, src, nr * sizeof(float));
        continue;
      }
      for (; j < cols; ++j) out[j] = src[j];
    }
    for (; j < nr; ++j) out[j] = 0.0f;
  }
}

std::size_t round_up(std::size_t value, std::size_t multiple) { return (value + multiple - 1) / multiple * multiple; }

}  // namespace

const GemmKernels& gemm_kernels(SimdPath path) {
  return select_kernels<GemmKernels>(path, {&kScalar, gemm_kernels_avx2(), gemm_kernels_avx512(), gemm_kernels_neon()});
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

namespace {

void sgemm_blocked(SimdPath path, bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha,
                   const float* a, std::size_t lda, const float* b, std::size_t ldb, float beta, float* c,
                   std::size_t ldc, bool upper_only, GemmCentering center = {}) {
  if (m == 0 || n == 0) return;
  if (k == 0 || alpha == 0.0f) {
    scale_matrix(m, n, beta, c, ldc);
    return;
  }
  const GemmKernels& kern = gemm_kernels(path);
  const std::size_t mr = kern.mr, nr = kern.nr;

  // A thin product of a row-major A (few columns of C: the randomized SVD's A·Z over a tall
  // matrix) packs A in blocks of few rows but deep: each pack then reads long contiguous runs
  // of A's rows from memory (12 KB instead of 1 KB for 50000×3072·3072×110, which made that
  // product 16% faster), and the B slivers, too big for L1 now, stream from L2.
  const bool thin = !trans_a && n <= kern.thin_max_n;
  const std::size_t block_m = thin ? kern.thin_mc : kern.mc, block_k = thin ? kern.thin_kc : kern.kc;
  const std::size_t block_n = kern.nc;

  // Row blocks: as many as block_m allows, rounded up to a multiple of the thread count so that
  // no thread idles through the last round; each block a whole number of MR slivers.
  const std::size_t threads = static_cast<std::size_t>(thread_count());
  std::size_t row_blocks = round_up((m + block_m - 1) / block_m, threads);
  const std::size_t mc = std::min(round_up((m + row_blocks - 1) / row_blocks, mr), round_up(m, mr));
  row_blocks = (m + mc - 1) / mc;

  // The packed B panel is reused across calls on the same thread (grow-only, at most
  // KC x NC floats): allocating it per call costs fresh page faults every time.
  const std::size_t nc_max = std::min(block_n, round_up(n, nr));
  const std::size_t kc_max = std::min(block_k, k);
  thread_local AlignedBuffer packed_b;
  thread_local std::size_t packed_b_capacity = 0;
  if (packed_b_capacity < nc_max * kc_max) {
    packed_b = allocate_aligned(nc_max * kc_max);
    packed_b_capacity = nc_max * kc_max;
  }

  for (std::size_t jc = 0; jc < n; jc += block_n) {
    const std::size_t nc = std::min(block_n, n - jc);
    const std::size_t slivers_b = (nc + nr - 1) / nr;
    for (std::size_t pc = 0; pc < k; pc += block_k) {
      const std::size_t kc = std::min(block_k, k - pc);
      const float block_beta = pc == 0 ? beta : 1.0f;
      float* pb = packed_b.get();
      parallel_for(slivers_b, [&](std::size_t s) {
        const std::size_t col0 = s * nr;
        pack_b_sliver(nr, trans_b, b, ldb, jc + col0, std::min(nr, nc - col0), pc, kc, pb + s * nr * kc);
      });
      parallel_for(row_blocks, [&](std::size_t block) {
        const std::size_t row0 = block * mc;
        if (row0 >= m) return;
        const std::size_t rows = std::min(mc, m - row0);
        // One A block per worker thread, reused across calls; sized for the largest block.
        thread_local AlignedBuffer packed_a;
        thread_local std::size_t packed_a_capacity = 0;
        const std::size_t need = round_up(mc, mr) * kc_max + kGemmPackSlack;
        if (packed_a_capacity < need) {
          packed_a = allocate_aligned(need);
          packed_a_capacity = need;
        }
        float* pa = packed_a.get();
        kern.pack_a(trans_a, a, lda, row0, rows, pc, kc, pa, center);
        for (std::size_t jr = 0; jr < nc; jr += nr) {
          const std::size_t cols = std::min(nr, nc - jr);
          const float* sliver_b = pb + (jr / nr) * nr * kc;
          for (std::size_t ir = 0; ir < rows; ir += mr) {
            // Upper triangle only: a tile whose last column lies left of its first row is
            // wholly below the diagonal.
            if (upper_only && jc + jr + cols <= row0 + ir) continue;
            kern.micro(kc, pa + ir * kc, sliver_b, c + (row0 + ir) * ldc + jc + jr, ldc, alpha, block_beta,
                       std::min(mr, rows - ir), cols);
          }
        }
      });
    }
  }
}

}  // namespace

void sgemm_builtin(SimdPath path, bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k,
                   float alpha, const float* a, std::size_t lda, const float* b, std::size_t ldb, float beta,
                   float* c, std::size_t ldc) {
  sgemm_blocked(path, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, false);
}

void sgemm_builtin_centered(SimdPath path, bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k,
                            float alpha, const float* a, std::size_t lda, const float* shift, const float* offset,
                            const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc) {
  sgemm_blocked(path, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, false, {shift, offset});
}

void sgemm_builtin_upper(SimdPath path, bool trans_a, bool trans_b, std::size_t n, std::size_t k, float alpha,
                         const float* a, std::size_t lda, const float* b, std::size_t ldb, float beta, float* c,
                         std::size_t ldc) {
  sgemm_blocked(path, trans_a, trans_b, n, n, k, alpha, a, lda, b, ldb, beta, c, ldc, true);
}

}  // namespace nnkit::kernels
