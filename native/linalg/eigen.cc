#include "eigen.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include "../kernels/error.h"
#include "../kernels/parallel.h"
#include "lapack.h"

namespace nnkit::linalg {
namespace {

// Fixed task sizes (independent of the thread count, so results are too).
constexpr std::size_t kRowsPerTask = 32;
constexpr std::size_t kSlabColumns = 128;
// Rotations buffered before one parallel application: 16 MiB of (index, c, s).
constexpr std::size_t kRotationBatch = std::size_t{1} << 20;
constexpr int kMaxQlIterations = 60;

struct Rotation {
  std::size_t i;  // acts on rows i and i + 1 of Zᵀ
  double c, s;
};

std::size_t tasks_for(std::size_t n, std::size_t per_task) { return (n + per_task - 1) / per_task; }

// Reduces the symmetric n x n `a` (row-major, float64) to tridiagonal form T = Qᵀ·A·Q:
// d = diagonal, e[k] couples k and k + 1 (e[n − 1] = 0). Row k of `a` keeps the reflector
// v_k at columns k + 1 .. n − 1, tau[k] its scale; Q = H_0 · H_1 · … · H_{n−2}.
void tridiagonalize(double* a, std::size_t n, double* d, double* e, double* tau) {
  std::vector<double> p(n), w(n);
  for (std::size_t k = 0; k + 1 < n; ++k) {
    d[k] = a[k * n + k];
    const std::size_t m = n - k - 1;  // trailing block size
    double* v = a + k * n + k + 1;
    e[k] = householder(v, m, &tau[k]);
    if (tau[k] == 0.0) continue;
    double* s = a + (k + 1) * n + (k + 1);  // trailing block, leading dimension n
    const double t = tau[k];
    // p = tau · S · v
    parallel_for(tasks_for(m, kRowsPerTask), [&](std::size_t task) {
      const std::size_t end = std::min(m, (task + 1) * kRowsPerTask);
      for (std::size_t i = task * kRowsPerTask; i < end; ++i) {
        const double* row = s + i * n;
        double acc = 0.0;
        for (std::size_t j = 0; j < m; ++j) acc += row[j] * v[j];
        p[i] = t * acc;
      }
    });
    // w = p − (tau/2 · pᵀv) · v; then S −= v·wᵀ + w·vᵀ keeps S symmetric.
    double pv = 0.0;
    for (std::size_t i = 0; i < m; ++i) pv += p[i] * v[i];
    const double half = 0.5 * t * pv;
    for (std::size_t i = 0; i < m; ++i) w[i] = p[i] - half * v[i];
    parallel_for(tasks_for(m, kRowsPerTask), [&](std::size_t task) {
      const std::size_t end = std::min(m, (task + 1) * kRowsPerTask);
      for (std::size_t i = task * kRowsPerTask; i < end; ++i) {
        double* row = s + i * n;
        const double vi = v[i], wi = w[i];
        for (std::size_t j = 0; j < m; ++j) row[j] -= vi * w[j] + wi * v[j];
      }
    });
  }
  d[n - 1] = a[(n - 1) * n + (n - 1)];
  e[n - 1] = 0.0;
  tau[n - 1] = 0.0;
}

// q = Q = H_0 · … · H_{n−2} (row-major n x n), accumulated backwards so that each reflector
// only touches the trailing block it acts on.
void form_q(const double* a, std::size_t n, const double* tau, double* q) {
  std::fill(q, q + n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i) q[i * n + i] = 1.0;
  std::vector<double> w(n);
  for (std::size_t kk = n - 1; kk-- > 0;) {
    if (tau[kk] == 0.0) continue;
    const std::size_t m = n - kk - 1;
    const double* v = a + kk * n + kk + 1;
    double* s = q + (kk + 1) * n + (kk + 1);
    // wᵀ = vᵀ·S, split over column ranges (each task sums rows in the same order).
    parallel_for(tasks_for(m, kSlabColumns), [&](std::size_t task) {
      const std::size_t c0 = task * kSlabColumns, c1 = std::min(m, c0 + kSlabColumns);
      double* wt = w.data();
      for (std::size_t j = c0; j < c1; ++j) wt[j] = 0.0;
      for (std::size_t i = 0; i < m; ++i) {
        const double vi = v[i];
        if (vi == 0.0) continue;
        const double* row = s + i * n;
        for (std::size_t j = c0; j < c1; ++j) wt[j] += vi * row[j];
      }
    });
    const double t = tau[kk];
    parallel_for(tasks_for(m, kRowsPerTask), [&](std::size_t task) {
      const std::size_t end = std::min(m, (task + 1) * kRowsPerTask);
      for (std::size_t i = task * kRowsPerTask; i < end; ++i) {
        const double f = t * v[i];
        double* row = s + i * n;
        for (std::size_t j = 0; j < m; ++j) row[j] -= f * w[j];
      }
    });
  }
}

void apply_rotations(double* zt, std::size_t n, const std::vector<Rotation>& rotations) {
  if (rotations.empty()) return;
  parallel_for(tasks_for(n, kSlabColumns), [&](std::size_t task) {
    const std::size_t c0 = task * kSlabColumns, width = std::min(kSlabColumns, n - c0);
    for (const Rotation& r : rotations) {
      double* __restrict x = zt + r.i * n + c0;
      double* __restrict y = x + n;
      const double c = r.c, s = r.s;
      for (std::size_t j = 0; j < width; ++j) {
        const double xj = x[j], yj = y[j];
        y[j] = s * xj + c * yj;
        x[j] = c * xj - s * yj;
      }
    }
  });
}

// Implicit QL with Wilkinson-style shifts on the tridiagonal (d, e) (JAMA/EISPACK tql2). The
// eigenvalues replace d; row i of zt (which starts as Qᵀ) becomes the eigenvector of d[i].
void tridiagonal_ql(double* d, double* e, std::size_t n, double* zt) {
  std::vector<Rotation> batch;
  batch.reserve(std::min(kRotationBatch, n * 8));
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
          throw Error(ErrorKind::range, kErrLapack, "built-in eigh: QL iteration did not converge");
        double g = d[l];
        double p = (d[l + 1] - g) / (2.0 * e[l]);
        double r = std::hypot(p, 1.0);
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
          r = std::hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          batch.push_back({i, c, s});
        }
        p = -s * s2 * c3 * el1 * e[l] / dl1;
        e[l] = s * p;
        d[l] = c * p;
        if (batch.size() >= kRotationBatch) {
          apply_rotations(zt, n, batch);
          batch.clear();
        }
      } while (std::fabs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0.0;
  }
  apply_rotations(zt, n, batch);
}

#if NNKIT_HAVE_LAPACKE
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

void validate_eigh_input(const float* a, std::size_t n) {
  check_finite(a, n * n, "A");
  check_symmetric(a, n, "A");
}

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

void check_finite(const float* a, std::size_t count, const char* name) {
  for (std::size_t i = 0; i < count; ++i)
    if (!std::isfinite(a[i]))
      throw Error(ErrorKind::range, kErrNonFinite,
                  std::string("Expected finite numbers for ") + name + " but received " +
                      (std::isnan(a[i]) ? "NaN" : "an infinity") + " at index " + std::to_string(i));
}

void check_symmetric(const float* a, std::size_t n, const char* name) {
  float max_abs = 0.0f;
  for (std::size_t i = 0; i < n * n; ++i) max_abs = std::max(max_abs, std::fabs(a[i]));
  const float tolerance = 1e-4f * max_abs;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j)
      if (std::fabs(a[i * n + j] - a[j * n + i]) > tolerance)
        throw Error(ErrorKind::range, kErrShape,
                    std::string("Expected a symmetric matrix for ") + name + " (|a_ij - a_ji| <= 1e-4 max|a|) but " +
                        "entries (" + std::to_string(i) + ", " + std::to_string(j) + ") and (" + std::to_string(j) +
                        ", " + std::to_string(i) + ") differ");
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
  validate_eigh_input(a_in, n);
  if (n == 0) return;
  // Symmetrize while widening: the input may be symmetric only to the tolerance above.
  std::vector<double> a(n * n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j)
      a[i * n + j] = 0.5 * (static_cast<double>(a_in[i * n + j]) + static_cast<double>(a_in[j * n + i]));
  std::vector<double> d(n), e(n), tau(n);
  tridiagonalize(a.data(), n, d.data(), e.data(), tau.data());
  std::vector<double> zt(n * n);
  form_q(a.data(), n, tau.data(), zt.data());
  a.clear();
  a.shrink_to_fit();
  // Qᵀ in place: the rotations below act on rows.
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) std::swap(zt[i * n + j], zt[j * n + i]);
  tridiagonal_ql(d.data(), e.data(), n, zt.data());

  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return d[x] > d[y]; });
  for (std::size_t j = 0; j < n; ++j) {
    values[j] = static_cast<float>(d[order[j]]);
    const double* z = zt.data() + order[j] * n;
    for (std::size_t i = 0; i < n; ++i) vectors[i * n + j] = static_cast<float>(z[i]);
  }
  orient_columns(vectors, n, n, nullptr, 0);
}

void eigh(const float* a, std::size_t n, float* values, float* vectors) {
#if NNKIT_HAVE_LAPACKE
  if (lapack_backend() == LapackBackend::lapack) {
    validate_eigh_input(a, n);
    if (n == 0) return;
    eigh_lapack(a, n, values, vectors);
    orient_columns(vectors, n, n, nullptr, 0);
    return;
  }
#endif
  eigh_builtin(a, n, values, vectors);
}

}  // namespace nnkit::linalg
