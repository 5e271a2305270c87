#include "eigen.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "../kernels/cpu.h"
#include "../kernels/eigen_kernels.h"
#include "../kernels/error.h"
#include "../kernels/parallel.h"
#include "lapack.h"

namespace nnkit::linalg {
namespace {

// Fixed task sizes (independent of the thread count, so results are too).
constexpr std::size_t kRowsPerTask = 32;
constexpr std::size_t kSlabColumns = 128;
// Rotations buffered before one parallel application: 12 MiB of (index, c, s).
constexpr std::size_t kRotationBatch = std::size_t{1} << 20;
constexpr int kMaxQlIterations = 60;

using Rotation = kernels::GivensRotation;  // acts on rows i and i + 1 of Zᵀ

std::size_t tasks_for(std::size_t n, std::size_t per_task) { return (n + per_task - 1) / per_task; }

// Reduces the symmetric n x n `a` (row-major, float64) to tridiagonal form T = Qᵀ·A·Q:
// d = diagonal, e[k] couples k and k + 1 (e[n − 1] = 0). Row k of `a` keeps the reflector
// v_k at columns k + 1 .. n − 1, tau[k] its scale; Q = H_0 · H_1 · … · H_{n−2}.
//
// Step k needs p = tau·S·v over the trailing block S and then updates S −= v·wᵀ + w·vᵀ. Only
// the upper triangle of S is kept (the lower one goes stale), which halves the memory traffic
// of this memory-bound loop, and the update of step k and the product of step k + 1 are fused
// into one pass over each row (the next reflector comes from the first row of S, which is
// updated first). Row i's upper part gives p_i's dot product and, scaled by v_i, the lower
// triangle's share of p_j (j > i), which each task accumulates in its own buffer; the buffers
// are added in task order, so the result does not depend on the thread count.
void tridiagonalize(const kernels::EigenKernels& kern, double* a, std::size_t n, double* d, double* e,
                    double* tau) {
  constexpr std::size_t kMaxTasks = 16;
  std::vector<double> p(n, 0.0), w(n, 0.0), dots(n, 0.0), partial(kMaxTasks * n, 0.0);
  d[0] = a[0];
  e[n - 1] = 0.0;
  tau[n - 1] = 0.0;
  if (n == 1) return;
  e[0] = householder(a + 1, n - 1, &tau[0]);
  if (tau[0] != 0.0) {
    // The first product: `a` is still whole.
    const std::size_t m = n - 1;
    const double* v = a + 1;
    const double* s = a + n + 1;
    parallel_for(tasks_for(m, kRowsPerTask), [&](std::size_t task) {
      const std::size_t end = std::min(m, (task + 1) * kRowsPerTask);
      for (std::size_t i = task * kRowsPerTask; i < end; ++i) p[i] = tau[0] * kern.dot(s + i * n, v, m);
    });
  }
  for (std::size_t k = 0; k + 1 < n; ++k) {
    const std::size_t m = n - k - 1;  // trailing block size
    const double* v = a + k * n + k + 1;
    double* s = a + (k + 1) * n + (k + 1);  // trailing block, leading dimension n
    if (tau[k] != 0.0) {
      // w = p − (tau/2 · pᵀv) · v, so that S − v·wᵀ − w·vᵀ = H·S·H.
      const double half = 0.5 * tau[k] * kern.dot(p.data(), v, m);
      for (std::size_t i = 0; i < m; ++i) w[i] = p[i] - half * v[i];
    } else {
      std::fill(w.begin(), w.begin() + m, 0.0);  // H = I: the update below subtracts zeros
    }
    kern.update2(s, m, v[0], w.data(), w[0], v);  // row 0: its upper part is all of it
    if (k + 2 == n) {
      d[n - 1] = s[0];
      break;
    }
    d[k + 1] = s[0];
    double* next_v = s + 1;
    e[k + 1] = householder(next_v, m - 1, &tau[k + 1]);
    const double next_tau = tau[k + 1];
    // Rows 1 .. m − 1 of S (row r of the next trailing block is row r + 1 of S), from the
    // diagonal on: finish step k's update, then step k + 1's product with the new reflector.
    const std::size_t mm = m - 1;
    const std::size_t per_task = std::max(kRowsPerTask, tasks_for(mm, kMaxTasks));
    const std::size_t tasks = tasks_for(mm, per_task);
    parallel_for(tasks, [&](std::size_t task) {
      const std::size_t r0 = task * per_task, end = std::min(mm, r0 + per_task);
      double* acc = partial.data() + task * mm;
      std::fill(acc + r0, acc + mm, 0.0);
      for (std::size_t r = r0; r < end; ++r) {
        const std::size_t i = r + 1;
        dots[r] = kern.sym_row(s + i * n + i, m - i, v[i], w.data() + i, w[i], v + i, next_v + r, next_v[r], acc + r);
      }
    });
    for (std::size_t r = 0; r < mm; ++r) p[r] = dots[r];
    for (std::size_t task = 0; task < tasks; ++task) {
      const double* acc = partial.data() + task * mm;
      for (std::size_t r = task * per_task; r < mm; ++r) p[r] += acc[r];
    }
    for (std::size_t r = 0; r < mm; ++r) p[r] *= next_tau;
  }
}

// q = Q = H_0 · … · H_{n−2} (row-major n x n, float32), accumulated backwards so that each
// reflector only touches the trailing block it acts on: S ← S − tau·v·(vᵀS). The next (larger) block
// is this one bordered by a unit row and column, so its vᵀS is accumulated during this
// block's update pass, in per-task partial sums added in task order: one pass per reflector
// instead of two, and the same result for any thread count.
void form_q(const kernels::EigenKernels& kern, const double* a, std::size_t n, const double* tau, float* q) {
  std::fill(q, q + n * n, 0.0f);
  for (std::size_t i = 0; i < n; ++i) q[i * n + i] = 1.0f;
  if (n < 2) return;
  std::vector<float> w(n, 0.0f), next_w(n, 0.0f), partial;
  w[0] = static_cast<float>(a[(n - 2) * n + (n - 1)]);  // the first block is the 1 x 1 identity: vᵀS = v
  for (std::size_t kk = n - 1; kk-- > 0;) {
    const std::size_t m = n - kk - 1;
    const double* v = a + kk * n + kk + 1;
    float* s = q + (kk + 1) * n + (kk + 1);
    const double t = tau[kk];
    const bool has_next = kk >= 1 && tau[kk - 1] != 0.0;
    const double* nv = has_next ? a + (kk - 1) * n + kk : nullptr;  // v_{kk−1}, length m + 1
    if (t == 0.0 && !has_next) continue;
    const std::size_t tasks = tasks_for(m, kRowsPerTask);
    if (has_next && partial.size() < tasks * m) partial.resize(tasks * m);
    parallel_for(tasks, [&](std::size_t task) {
      const std::size_t end = std::min(m, (task + 1) * kRowsPerTask);
      float* acc = has_next ? partial.data() + task * m : nullptr;
      if (acc) std::fill(acc, acc + m, 0.0f);
      for (std::size_t i = task * kRowsPerTask; i < end; ++i) {
        float* row = s + i * n;
        if (t != 0.0) kern.update1(row, m, static_cast<float>(t * v[i]), w.data());
        if (has_next && nv[i + 1] != 0.0) kern.update1(acc, m, static_cast<float>(-nv[i + 1]), row);
      }
    });
    if (has_next) {
      next_w[0] = static_cast<float>(nv[0]);
      // Column ranges in parallel, each summing the partials in task order.
      parallel_for(tasks_for(m, kSlabColumns), [&](std::size_t chunk) {
        const std::size_t c0 = chunk * kSlabColumns, width = std::min(kSlabColumns, m - c0);
        float* out = next_w.data() + 1 + c0;
        std::fill(out, out + width, 0.0f);
        for (std::size_t task = 0; task < tasks; ++task) kern.update1(out, width, -1.0f, partial.data() + task * m + c0);
      });
      std::swap(w, next_w);
    }
  }
}

void apply_rotations(const kernels::EigenKernels& kern, float* zt, std::size_t n,
                     const std::vector<Rotation>& rotations) {
  if (rotations.empty()) return;
  // About 16 slabs whatever n (a multiple of 32 columns for the AVX2 kernel): balanced over 2 or
  // 4 threads, and, depending only on n, the same arithmetic for every thread count.
  const std::size_t slab = std::max<std::size_t>(32, (tasks_for(n, 16) + 31) / 32 * 32);
  parallel_for(tasks_for(n, slab), [&](std::size_t task) {
    const std::size_t c0 = task * slab;
    kern.rotate_rows(zt + c0, n, std::min(slab, n - c0), rotations.data(), rotations.size());
  });
}

// Implicit QL with Wilkinson-style shifts on the tridiagonal (d, e) (JAMA/EISPACK tql2). The
// eigenvalues replace d; row i of zt (which starts as Qᵀ) becomes the eigenvector of d[i].
void tridiagonal_ql(const kernels::EigenKernels& kern, double* d, double* e, std::size_t n, float* zt) {
  std::vector<Rotation> batch;
  // About two sweeps of n / 2 rotations per eigenvalue, n² in all: reserved once when they fit.
  batch.reserve(std::min(kRotationBatch, n * n + 64));
  const double eps = std::ldexp(1.0, -52);
  double f = 0.0, tst1 = 0.0;
  for (std::size_t l = 0; l < n; ++l) {
    tst1 = std::max(tst1, std::fabs(d[l]) + std::fabs(e[l]));
    std::size_t m = l;
    while (m < n - 1 && std::fabs(e[m]) > eps * tst1) ++m;
    if (m > l) {
      int iter = 0;
      do {
        if (++iter > kMaxQlIterations)
          throw Error(ErrorKind::range, kErrConvergence, "built-in eigh: QL iteration did not converge");
        double g = d[l];
        double p = (d[l + 1] - g) / (2.0 * e[l]);
        double r = std::sqrt(p * p + 1.0);  // float inputs cannot overflow a double here; hypot is slow
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const double dl1 = d[l + 1];
        double h = g - d[l];
        for (std::size_t i = l + 2; i < n; ++i) d[i] -= h;
        f += h;
        p = d[m];
        double c = 1.0, c2 = 1.0, c3 = 1.0;
        const double el1 = e[l + 1];
        double s = 0.0, s2 = 0.0;
        for (std::size_t i = m; i-- > l;) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = std::sqrt(p * p + e[i] * e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          batch.push_back({static_cast<std::uint32_t>(i), static_cast<float>(c), static_cast<float>(s)});
        }
        p = -s * s2 * c3 * el1 * e[l] / dl1;
        e[l] = s * p;
        d[l] = c * p;
        if (batch.size() >= kRotationBatch) {
          apply_rotations(kern, zt, n, batch);
          batch.clear();
        }
      } while (std::fabs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0.0;
  }
  apply_rotations(kern, zt, n, batch);
}

#if NNKIT_HAVE_LAPACK
void eigh_lapack(const float* a, std::size_t n, float* values, float* vectors) {
  // LAPACK overwrites its input and is column-major: work on a private copy. A symmetric matrix
  // is its own transpose, so the row-major copy already is the column-major input; the output
  // (column j of Z = vector j, column-major) is transposed back below.
  std::vector<float> z(a, a + n * n);
  std::vector<float> w(n);
  lapack_ssyevd(n, z.data(), w.data());
  for (std::size_t j = 0; j < n; ++j) {
    const std::size_t src = n - 1 - j;  // LAPACK returns ascending order
    values[j] = w[src];
    const float* col = z.data() + src * n;
    for (std::size_t i = 0; i < n; ++i) vectors[i * n + j] = col[i];
  }
}
#endif

}  // namespace

double householder(double* x, std::size_t len, double* tau) {
  if (len == 0) {
    *tau = 0.0;
    return 0.0;
  }
  const double alpha = x[0];
  double sigma = 0.0;
  for (std::size_t i = 1; i < len; ++i) sigma += x[i] * x[i];
  if (sigma == 0.0) {
    *tau = 0.0;
    x[0] = 1.0;
    return alpha;
  }
  const double norm = std::sqrt(alpha * alpha + sigma);
  const double beta = alpha >= 0.0 ? -norm : norm;
  *tau = (beta - alpha) / beta;
  const double scale = 1.0 / (alpha - beta);
  for (std::size_t i = 1; i < len; ++i) x[i] *= scale;
  x[0] = 1.0;
  return beta;
}

bool find_asymmetry(const float* a, std::size_t n, std::size_t* i_out, std::size_t* j_out) {
  float max_abs = 0.0f;
  for (std::size_t i = 0; i < n * n; ++i) max_abs = std::max(max_abs, std::fabs(a[i]));
  const float tolerance = 1e-4f * max_abs;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j)
      if (std::fabs(a[i * n + j] - a[j * n + i]) > tolerance) {
        *i_out = i;
        *j_out = j;
        return true;
      }
  return false;
}

void orient_columns(float* v, std::size_t rows, std::size_t cols, float* companion, std::size_t companion_rows) {
  for (std::size_t j = 0; j < cols; ++j) {
    float best = 0.0f;
    float sign = 1.0f;
    for (std::size_t i = 0; i < rows; ++i) {
      const float x = v[i * cols + j];
      if (std::fabs(x) > best) {
        best = std::fabs(x);
        sign = x < 0 ? -1.0f : 1.0f;
      }
    }
    if (sign > 0) continue;
    for (std::size_t i = 0; i < rows; ++i) v[i * cols + j] = -v[i * cols + j];
    if (companion)
      for (std::size_t i = 0; i < companion_rows; ++i) companion[i * cols + j] = -companion[i * cols + j];
  }
}

void orient_rows(float* vt, std::size_t rows, std::size_t cols, float* u, std::size_t u_rows) {
  for (std::size_t j = 0; j < rows; ++j) {
    float* row = vt + j * cols;
    float best = 0.0f;
    float sign = 1.0f;
    for (std::size_t i = 0; i < cols; ++i) {
      if (std::fabs(row[i]) > best) {
        best = std::fabs(row[i]);
        sign = row[i] < 0 ? -1.0f : 1.0f;
      }
    }
    if (sign > 0) continue;
    for (std::size_t i = 0; i < cols; ++i) row[i] = -row[i];
    if (u)
      for (std::size_t i = 0; i < u_rows; ++i) u[i * rows + j] = -u[i * rows + j];
  }
}

void eigh_builtin(const float* a_in, std::size_t n, float* values, float* vectors) {
  if (n == 0) return;
  // Symmetrize while widening: the input may be symmetric only to the tolerance above.
  std::vector<double> a(n * n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j)
      a[i * n + j] = 0.5 * (static_cast<double>(a_in[i * n + j]) + static_cast<double>(a_in[j * n + i]));
  std::vector<double> d(n), e(n), tau(n);
  const kernels::EigenKernels& kern = kernels::eigen_kernels(active_simd_path());
  tridiagonalize(kern, a.data(), n, d.data(), e.data(), tau.data());
  std::vector<float> q(n * n);
  form_q(kern, a.data(), n, tau.data(), q.data());
  a.clear();
  a.shrink_to_fit();
  // Qᵀ: the rotations below act on rows.
  std::vector<float> zt(n * n);
  constexpr std::size_t kTile = 32;
  for (std::size_t i0 = 0; i0 < n; i0 += kTile)
    for (std::size_t j0 = 0; j0 < n; j0 += kTile)
      for (std::size_t i = i0; i < std::min(n, i0 + kTile); ++i)
        for (std::size_t j = j0; j < std::min(n, j0 + kTile); ++j) zt[i * n + j] = q[j * n + i];
  q.clear();
  q.shrink_to_fit();
  tridiagonal_ql(kern, d.data(), e.data(), n, zt.data());

  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return d[x] > d[y]; });
  for (std::size_t j = 0; j < n; ++j) {
    values[j] = static_cast<float>(d[order[j]]);
    const float* z = zt.data() + order[j] * n;
    for (std::size_t i = 0; i < n; ++i) vectors[i * n + j] = z[i];
  }
  orient_columns(vectors, n, n, nullptr, 0);
}

void eigh(const float* a, std::size_t n, float* values, float* vectors) {
#if NNKIT_HAVE_LAPACK
  if (lapack_backend() == LapackBackend::lapack) {
    if (n == 0) return;
    eigh_lapack(a, n, values, vectors);
    orient_columns(vectors, n, n, nullptr, 0);
    return;
  }
#endif
  eigh_builtin(a, n, values, vectors);
}

}  // namespace nnkit::linalg
