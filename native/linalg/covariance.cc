#include "covariance.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "../kernels/cpu.h"
#include "../kernels/error.h"
#include "../kernels/gemm.h"
#include "../kernels/memory.h"
#include "../kernels/parallel.h"
#include "../kernels/stats.h"
#include "blas.h"
#include "blas_library.h"

namespace nnkit::linalg {
namespace {

// Rows summed per task of the mean (fixed, so the float64 sum's order never depends on the
// thread count).
constexpr std::size_t kMeanRowsPerTask = 512;
// The centered scratch holds at most this many floats (32 MiB) and at least 256 rows: long
// rank-k updates keep ssyrk efficient (and thread start-up amortized), while the scratch stays
// small beside a large X (2730 rows of 3072 columns, 12 MiB, for a 600 MB X).
constexpr std::size_t kScratchFloats = std::size_t{8} << 20;
constexpr std::size_t kMinBlockRows = 256;

std::size_t block_rows(std::size_t n, std::size_t d) {
  return std::min(n, std::max(kMinBlockRows, kScratchFloats / d));
}

// Column sums in float64: per-task partial sums combined in task order.
std::vector<double> column_sums(const float* x, std::size_t n, std::size_t d) {
  const std::size_t tasks = (n + kMeanRowsPerTask - 1) / kMeanRowsPerTask;
  std::vector<double> partial(tasks * d, 0.0);
  parallel_for(tasks, [&](std::size_t task) {
    double* sum = partial.data() + task * d;
    const std::size_t end = std::min(n, (task + 1) * kMeanRowsPerTask);
    for (std::size_t i = task * kMeanRowsPerTask; i < end; ++i) {
      const float* row = x + i * d;
      for (std::size_t j = 0; j < d; ++j) sum[j] += row[j];
    }
  });
  std::vector<double> total(d, 0.0);
  for (std::size_t t = 0; t < tasks; ++t)
    for (std::size_t j = 0; j < d; ++j) total[j] += partial[t * d + j];
  return total;
}

// C(upper) += alpha · Sᵀ·S for the rows x d block S.
void rank_k_update(const float* s, std::size_t rows, std::size_t d, float alpha, float* c) {
#if NNKIT_HAVE_CBLAS
  if (gemm_backend() == GemmBackend::blas) {
    cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, static_cast<blasint>(d), static_cast<blasint>(rows), alpha, s,
                static_cast<blasint>(d), 1.0f, c, static_cast<blasint>(d));
    return;
  }
#endif
  // The upper triangle in one blocked product that skips the micro-tiles below the diagonal:
  // about half a GEMM's work with a full GEMM's packing (the 256-column blocks this replaced
  // repacked S once per block and ran a third slower per flop).
  kernels::sgemm_builtin_upper(active_simd_path(), true, false, d, rows, alpha, s, d, s, d, 1.0f, c, d);
}

}  // namespace

bool covariance(const float* x, std::size_t n, std::size_t d, bool center, float* cov, float* mean) {
  if (n == 0 || d == 0) return true;
  // The sums also reveal NaN/Inf: a float sum of finite float32 values cannot overflow a double.
  const std::vector<double> sums = column_sums(x, n, d);
  for (std::size_t j = 0; j < d; ++j)
    if (!std::isfinite(sums[j])) return false;
  std::vector<double> mu(d, 0.0);
  if (center)
    for (std::size_t j = 0; j < d; ++j) mu[j] = sums[j] / static_cast<double>(n);
  if (mean)
    for (std::size_t j = 0; j < d; ++j) mean[j] = static_cast<float>(mu[j]);

  std::fill(cov, cov + d * d, 0.0f);
  const float alpha = static_cast<float>(1.0 / static_cast<double>(n));
  const std::size_t block = block_rows(n, d);
  if (!center) {
    for (std::size_t r0 = 0; r0 < n; r0 += block) rank_k_update(x + r0 * d, std::min(block, n - r0), d, alpha, cov);
  } else {
    // Uninitialized (a vector would zero it, touching every page first), and in huge pages:
    // the centering pass is its first write.
    std::unique_ptr<float[]> scratch(new float[block * d]);
    kernels::advise_huge_pages(scratch.get(), block * d * sizeof(float));
    for (std::size_t r0 = 0; r0 < n; r0 += block) {
      const std::size_t rows = std::min(block, n - r0);
      // Centering in float64, rounded once: x − mean loses nothing to the offset.
      kernels::center_columns(x + r0 * d, scratch.get(), rows, d, mu.data());
      rank_k_update(scratch.get(), rows, d, alpha, cov);
    }
  }
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t j = 0; j < i; ++j) cov[i * d + j] = cov[j * d + i];
  return true;
}

}  // namespace nnkit::linalg
