#include "svd.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "../kernels/error.h"
#include "../kernels/parallel.h"
#include "../kernels/stats.h"
#include "blas.h"
#include "eigen.h"
#include "lapack.h"

namespace nnkit::linalg {
namespace {

constexpr std::size_t kVectorsPerTask = 4;
constexpr int kMaxJacobiSweeps = 80;

std::size_t tasks_for(std::size_t n, std::size_t per_task) { return (n + per_task - 1) / per_task; }

double dot(const double* x, const double* y, std::size_t n) {
  double acc = 0.0;
  for (std::size_t i = 0; i < n; ++i) acc += x[i] * y[i];
  return acc;
}

// Householder QR of the q x p matrix M whose columns are the p rows of wt (p <= q): row j of
// wt keeps the reflector v_j at positions j .. q − 1, tau[j] its scale, beta[j] = R_jj, and
// positions < k of row k hold column k of R above the diagonal.
void householder_qr(double* wt, std::size_t p, std::size_t q, double* tau, double* beta) {
  for (std::size_t j = 0; j < p; ++j) {
    double* v = wt + j * q + j;
    const std::size_t len = q - j;
    beta[j] = householder(v, len, &tau[j]);
    if (tau[j] == 0.0 || j + 1 == p) continue;
    const double t = tau[j];
    const std::size_t rest = p - j - 1;
    parallel_for(tasks_for(rest, kVectorsPerTask), [&](std::size_t task) {
      const std::size_t end = std::min(rest, (task + 1) * kVectorsPerTask);
      for (std::size_t r = task * kVectorsPerTask; r < end; ++r) {
        double* x = wt + (j + 1 + r) * q + j;
        const double f = t * dot(v, x, len);
        for (std::size_t i = 0; i < len; ++i) x[i] -= f * v[i];
      }
    });
  }
}

// rows (count x q): each row x ← Q·x, Q = H_0 · … · H_{p−1} from householder_qr.
void apply_q(const double* wt, std::size_t p, std::size_t q, const double* tau, double* rows, std::size_t count) {
  parallel_for(tasks_for(count, kVectorsPerTask), [&](std::size_t task) {
    const std::size_t end = std::min(count, (task + 1) * kVectorsPerTask);
    for (std::size_t r = task * kVectorsPerTask; r < end; ++r) {
      double* x = rows + r * q;
      for (std::size_t j = p; j-- > 0;) {
        if (tau[j] == 0.0) continue;
        const double* v = wt + j * q + j;
        const std::size_t len = q - j;
        const double f = tau[j] * dot(v, x + j, len);
        for (std::size_t i = 0; i < len; ++i) x[j + i] -= f * v[i];
      }
    }
  });
}

// Replaces the rows of `vectors` (count x len) flagged in `bad` by unit vectors orthogonal to
// every other row (Gram–Schmidt on the standard basis, twice for stability).
void complete_orthonormal(double* vectors, std::size_t count, std::size_t len, const std::vector<bool>& bad) {
  std::vector<double> candidate(len);
  std::size_t next_basis = 0;
  for (std::size_t k = 0; k < count; ++k) {
    if (!bad[k]) continue;
    bool found = false;
    while (!found && next_basis < len) {
      std::fill(candidate.begin(), candidate.end(), 0.0);
      candidate[next_basis++] = 1.0;
      for (int round = 0; round < 2; ++round)
        for (std::size_t o = 0; o < count; ++o) {
          if (o == k || (bad[o] && o > k)) continue;
          const double* other = vectors + o * len;
          const double f = dot(candidate.data(), other, len);
          for (std::size_t i = 0; i < len; ++i) candidate[i] -= f * other[i];
        }
      const double norm = std::sqrt(dot(candidate.data(), candidate.data(), len));
      if (norm > 0.5) {
        for (std::size_t i = 0; i < len; ++i) vectors[k * len + i] = candidate[i] / norm;
        found = true;
      }
    }
    if (!found) throw Error(ErrorKind::range, kErrConvergence, "built-in svd: could not complete an orthonormal basis");
  }
}

// SVD of the q x p matrix M whose columns are the p rows of wt (p <= q; wt is overwritten):
// M = Uc · diag(s) · Vcᵀ, s descending; uc rows (p x q) are the left vectors, v rows (p x p)
// the right ones.
void svd_columns(std::vector<double>& wt, std::size_t p, std::size_t q, std::vector<double>& uc,
                 std::vector<double>& s, std::vector<double>& v) {
  std::vector<double> tau(p), beta(p);
  householder_qr(wt.data(), p, q, tau.data(), beta.data());
  // x rows = columns of R (p x p).
  std::vector<double> x(p * p, 0.0);
  for (std::size_t k = 0; k < p; ++k) {
    for (std::size_t i = 0; i < k; ++i) x[k * p + i] = wt[k * q + i];
    x[k * p + k] = beta[k];
  }
  std::vector<double> vr(p * p, 0.0);
  for (std::size_t i = 0; i < p; ++i) vr[i * p + i] = 1.0;

  // One-sided Jacobi: rotate pairs of columns of R until all are mutually orthogonal.
  const double tolerance = std::max(1e-15, static_cast<double>(p) * std::ldexp(1.0, -53));
  // Columns of R that are rounding noise next to ‖R‖_F (a rank-deficient or constant A) are left
  // alone: rotating noise against noise never passes the relative test above, and their
  // directions are replaced by an orthonormal completion below anyway.
  double frobenius2 = 0.0;
  for (std::size_t k = 0; k < p; ++k) frobenius2 += dot(x.data() + k * p, x.data() + k * p, p);
  const double negligible = frobenius2 * 1e-28;  // a column norm below 1e-14·‖R‖_F
  bool converged = p < 2;
  for (int sweep = 0; sweep < kMaxJacobiSweeps && !converged; ++sweep) {
    converged = true;
    for (std::size_t i = 0; i + 1 < p; ++i) {
      double* xi = x.data() + i * p;
      double* vi = vr.data() + i * p;
      for (std::size_t j = i + 1; j < p; ++j) {
        double* xj = x.data() + j * p;
        const double alpha = dot(xi, xi, p), beta_ = dot(xj, xj, p), gamma = dot(xi, xj, p);
        if (alpha <= negligible || beta_ <= negligible || std::fabs(gamma) <= tolerance * std::sqrt(alpha * beta_))
          continue;
        converged = false;
        const double zeta = (beta_ - alpha) / (2.0 * gamma);
        const double t = (zeta >= 0 ? 1.0 : -1.0) / (std::fabs(zeta) + std::sqrt(1.0 + zeta * zeta));
        const double c = 1.0 / std::sqrt(1.0 + t * t), sn = c * t;
        double* vj = vr.data() + j * p;
        for (std::size_t r = 0; r < p; ++r) {
          const double a = xi[r], b = xj[r];
          xi[r] = c * a - sn * b;
          xj[r] = sn * a + c * b;
          const double va = vi[r], vb = vj[r];
          vi[r] = c * va - sn * vb;
          vj[r] = sn * va + c * vb;
        }
      }
    }
  }
  if (!converged) throw Error(ErrorKind::range, kErrConvergence, "built-in svd: Jacobi iteration did not converge");

  std::vector<double> norms(p);
  for (std::size_t k = 0; k < p; ++k) norms[k] = std::sqrt(dot(x.data() + k * p, x.data() + k * p, p));
  std::vector<std::size_t> order(p);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return norms[a] > norms[b]; });
  s.assign(p, 0.0);
  v.assign(p * p, 0.0);
  std::vector<double> ur(p * p, 0.0);
  std::vector<bool> bad(p, false);
  const double floor = (p > 0 ? norms[order[0]] : 0.0) * 1e-13;
  for (std::size_t k = 0; k < p; ++k) {
    const std::size_t src = order[k];
    s[k] = norms[src];
    std::copy(vr.begin() + src * p, vr.begin() + (src + 1) * p, v.begin() + k * p);
    if (norms[src] <= floor || norms[src] == 0.0) {
      bad[k] = true;
      continue;
    }
    for (std::size_t i = 0; i < p; ++i) ur[k * p + i] = x[src * p + i] / norms[src];
  }
  complete_orthonormal(ur.data(), p, p, bad);
  uc.assign(p * q, 0.0);
  for (std::size_t k = 0; k < p; ++k) std::copy(ur.begin() + k * p, ur.begin() + (k + 1) * p, uc.begin() + k * q);
  apply_q(wt.data(), p, q, tau.data(), uc.data(), p);
}

#if NNKIT_HAVE_LAPACK
void svd_lapack(const float* a, std::size_t m, std::size_t n, float* u, float* s, float* vt) {
  // LAPACK overwrites its input and is column-major: the row-major m x n A is the column-major
  // n x m Aᵀ, so decompose a copy of Aᵀ = U'·S·V'ᵀ. Then A = V'·S·U'ᵀ, and the column-major
  // V'ᵀ (r x m) and U' (n x r) have exactly the memory layout of the row-major U (m x r) and
  // Vt (r x n): LAPACK writes them in place.
  std::vector<float> copy(a, a + m * n);
  lapack_sgesdd(n, m, copy.data(), s, /*u=*/vt, /*vt=*/u);
}
#endif

// One Cholesky-QR pass: Y ← Y·R⁻¹ with RᵀR = YᵀY + shift·trace·I. Returns false (leaving y
// untouched) when a pivot shows Y too ill-conditioned for float Gram matrices.
bool cholesky_qr_pass(float* y, std::size_t m, std::size_t l, double shift) {
  std::vector<float> g(l * l);
  sgemm_thin(true, false, l, l, m, 1.0f, y, l, y, l, 0.0f, g.data(), l);
  std::vector<double> r(l * l, 0.0);
  double trace = 0.0;
  for (std::size_t i = 0; i < l; ++i) trace += g[i * l + i];
  if (!(trace > 0.0) || !std::isfinite(trace)) return false;
  for (std::size_t i = 0; i < l; ++i)
    for (std::size_t j = i; j < l; ++j)
      r[i * l + j] = 0.5 * (static_cast<double>(g[i * l + j]) + static_cast<double>(g[j * l + i]));
  for (std::size_t i = 0; i < l; ++i) r[i * l + i] += shift * trace;
  // Upper Cholesky factor in place (G = RᵀR).
  for (std::size_t j = 0; j < l; ++j) {
    const double gjj = r[j * l + j];
    double diag = gjj;
    for (std::size_t i = 0; i < j; ++i) diag -= r[i * l + j] * r[i * l + j];
    // A pivot this small relative to its column means κ(Y)² has used up float's precision.
    if (!(diag > 1e-5 * gjj) || !(gjj > 0.0)) return false;
    const double rjj = std::sqrt(diag);
    r[j * l + j] = rjj;
    for (std::size_t c = j + 1; c < l; ++c) {
      double value = r[j * l + c];
      for (std::size_t i = 0; i < j; ++i) value -= r[i * l + j] * r[i * l + c];
      r[j * l + c] = value / rjj;
    }
  }
  // R⁻¹ (upper triangular) by back substitution, column by column.
  std::vector<float> inverse(l * l, 0.0f);
  std::vector<double> col(l);
  for (std::size_t c = 0; c < l; ++c) {
    for (std::size_t ii = c + 1; ii-- > 0;) {
      double value = ii == c ? 1.0 : 0.0;
      for (std::size_t t = ii + 1; t <= c; ++t) value -= r[ii * l + t] * col[t];
      col[ii] = value / r[ii * l + ii];
    }
    for (std::size_t i = 0; i <= c; ++i) inverse[i * l + c] = static_cast<float>(col[i]);
  }
  // Y·R⁻¹ a block of rows at a time through a cache-sized buffer: a scratch copy of all of Y
  // (22 MB for 50000 x 110) would cost fresh page faults and a copy through memory per pass.
  constexpr std::size_t kBlockRows = 2048;
  std::vector<float> block(std::min(m, kBlockRows) * l);
  for (std::size_t r0 = 0; r0 < m; r0 += kBlockRows) {
    const std::size_t rows = std::min(kBlockRows, m - r0);
    sgemm_thin(false, false, rows, l, l, 1.0f, y + r0 * l, l, inverse.data(), l, 0.0f, block.data(), l);
    std::copy(block.begin(), block.begin() + rows * l, y + r0 * l);
  }
  return true;
}

void householder_orthonormalize(float* y, std::size_t m, std::size_t l) {
  std::vector<double> wt(l * m);
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < l; ++j) wt[j * m + i] = y[i * l + j];
  std::vector<double> tau(l), beta(l);
  householder_qr(wt.data(), l, m, tau.data(), beta.data());
  std::vector<double> q(l * m, 0.0);
  for (std::size_t k = 0; k < l; ++k) q[k * m + k] = 1.0;
  apply_q(wt.data(), l, m, tau.data(), q.data(), l);
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < l; ++j) y[i * l + j] = static_cast<float>(q[j * m + i]);
}

}  // namespace

namespace {
// `exact` false: one Cholesky-QR pass when it succeeds, enough to keep a power iteration's
// basis well-conditioned (its span is what matters; the final basis gets the full treatment).
void orthonormalize(float* y, std::size_t m, std::size_t l, bool exact);
}  // namespace

void orthonormalize_columns(float* y, std::size_t m, std::size_t l) { orthonormalize(y, m, l, true); }

namespace {
void orthonormalize(float* y, std::size_t m, std::size_t l, bool exact) {
  if (l == 0 || m == 0) return;
  if (l > m) throw Error(ErrorKind::range, kErrShape, "orthonormalize_columns: more columns than rows");
  // CholeskyQR2 (Yamamoto et al.) costs two GEMM-speed passes, several times faster than a
  // Householder QR of a tall-skinny Y (LAPACK's included); a shifted first pass (Fukaya et al.'s
  // shifted CholeskyQR3) handles ill-conditioned Y; Householder QR only when even that fails.
  bool ok = true;
  if (cholesky_qr_pass(y, m, l, 0.0)) {
    if (!exact) return;
  } else {
    // After the shifted pass κ(Y) is at most ~300, and one plain pass leaves a basis whose
    // columns are orthonormal to ~1e-3: enough for a basis inside the power iterations.
    ok = cholesky_qr_pass(y, m, l, 1e-5) && cholesky_qr_pass(y, m, l, 0.0);
    if (ok && !exact) return;
  }
  ok = ok && cholesky_qr_pass(y, m, l, 0.0);
  if (ok) return;
#if NNKIT_HAVE_LAPACK
  if (lapack_backend() == LapackBackend::lapack) {
    // The row-major m x l Y is the column-major l x m Yᵀ; its LQ factorization Yᵀ = L·Q' gives
    // Q' with orthonormal rows, i.e. Q'ᵀ (row-major, in place) with orthonormal columns.
    lapack_orthonormal_rows(l, m, y);
    return;
  }
#endif
  householder_orthonormalize(y, m, l);
}
}  // namespace

void svd_builtin(const float* a, std::size_t m, std::size_t n, float* u, float* s, float* vt) {
  if (m == 0 || n == 0) return;
  const bool tall = m >= n;
  const std::size_t p = tall ? n : m, q = tall ? m : n;
  // Rows of wt are the columns of M = A (tall) or Aᵀ (wide).
  std::vector<double> wt(p * q);
  if (tall) {
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n; ++j) wt[j * m + i] = a[i * n + j];
  } else {
    for (std::size_t i = 0; i < m * n; ++i) wt[i] = a[i];
  }
  std::vector<double> uc, sv, v;
  svd_columns(wt, p, q, uc, sv, v);
  for (std::size_t k = 0; k < p; ++k) s[k] = static_cast<float>(sv[k]);
  if (tall) {  // A = Uc·S·Vᵀ
    for (std::size_t k = 0; k < p; ++k)
      for (std::size_t i = 0; i < m; ++i) u[i * p + k] = static_cast<float>(uc[k * q + i]);
    for (std::size_t i = 0; i < p * n; ++i) vt[i] = static_cast<float>(v[i]);
  } else {  // Aᵀ = Uc·S·Vᵀ, so A = V·S·Ucᵀ
    for (std::size_t k = 0; k < p; ++k)
      for (std::size_t i = 0; i < m; ++i) u[i * p + k] = static_cast<float>(v[k * p + i]);
    for (std::size_t i = 0; i < p * n; ++i) vt[i] = static_cast<float>(uc[i]);
  }
  orient_rows(vt, p, n, u, m);
}

void svd(const float* a, std::size_t m, std::size_t n, float* u, float* s, float* vt) {
#if NNKIT_HAVE_LAPACK
  if (lapack_backend() == LapackBackend::lapack) {
    if (m == 0 || n == 0) return;
    svd_lapack(a, m, n, u, s, vt);
    orient_rows(vt, std::min(m, n), n, u, m);
    return;
  }
#endif
  svd_builtin(a, m, n, u, s, vt);
}

namespace {

// Products with A_c = A − 1·cᵀ (c = center, length n; A_c = A when c is null) without forming
// A_c: the GEMM centers A as it packs it (sgemm_thin_centered), so the products cost what
// uncentered ones do and keep the precision of centering first (the rank-one correction
// A·Z − 1·(cᵀZ) used before cancels when the mean is large next to the spread).
struct CenteredProducts {
  const float* a;
  std::size_t m, n, l;
  const float* center;
  std::vector<float> zeros = std::vector<float>(center ? n : 0, 0.0f);

  void times(const float* z, float* out) const {  // out (m x l) = A_c · z (n x l)
    if (center)
      sgemm_thin_centered(false, false, m, l, n, 1.0f, a, n, center, zeros.data(), z, l, 0.0f, out, l);
    else
      sgemm_thin(false, false, m, l, n, 1.0f, a, n, z, l, 0.0f, out, l);
  }

  void transposed_times(const float* y, float* out) const {  // out (n x l) = A_cᵀ · y (m x l)
    if (center)
      sgemm_thin_centered(true, false, n, l, m, 1.0f, a, n, center, zeros.data(), y, l, 0.0f, out, l);
    else
      sgemm_thin(true, false, n, l, m, 1.0f, a, n, y, l, 0.0f, out, l);
  }
};

}  // namespace

RandomizedSvdFacts randomized_svd(const float* a, std::size_t m, std::size_t n, std::size_t k, const float* omega,
                                  std::size_t l, std::size_t power_iterations, float* u, float* s, float* vt,
                                  const float* center) {
  const CenteredProducts product{a, m, n, l, center};
  std::vector<float> y(m * l), z(n * l);
  product.times(omega, y.data());
  // A NaN or infinity in row i of A makes every entry of row i of A·Ω NaN or infinite (x·Inf is
  // ±Inf or NaN, NaN absorbs, and so do sums), so the m x l product is scanned instead of the
  // m x n A (19 ms of a ~1.25 s call for 50000 x 3072); A is scanned, to name the element, only
  // when the product is not finite (a finite A whose products overflow then goes on as before).
  const auto all_finite = [](const float* v, std::size_t count) {
    return kernels::find_nonfinite(v, count) == kernels::kAllFinite;
  };
  if (!all_finite(y.data(), m * l) && !all_finite(a, m * n)) return {false};
  orthonormalize(y.data(), m, l, power_iterations == 0);
  for (std::size_t it = 0; it < power_iterations; ++it) {
    product.transposed_times(y.data(), z.data());
    orthonormalize(z.data(), n, l, false);
    product.times(z.data(), y.data());
    orthonormalize(y.data(), m, l, it + 1 == power_iterations);
  }
  // B = Qᵀ·A_c (l x n), formed as the transpose of A_cᵀ·Q, = X·S·Wᵀ, and A_c ≈ Q·B = (Q·X)·S·Wᵀ.
  // (LAPACK takes the l x n B several times faster than the n x l Bᵀ: row-major B is a tall
  // column-major matrix, which sgesdd reduces with a QR first.)
  product.transposed_times(y.data(), z.data());
  std::vector<float> b(l * n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < l; ++j) b[j * n + i] = z[i * l + j];
  std::vector<float> x(l * l), sv(l), wt(l * n);
  svd(b.data(), l, n, x.data(), sv.data(), wt.data());
  // Components beyond the numerical rank are rounding noise with arbitrary directions: asking
  // for them is an error rather than a silently meaningless result.
  const float floor = 16.0f * std::numeric_limits<float>::epsilon() * sv[0];
  if (!(sv[k - 1] > floor)) {
    std::size_t rank = 0;
    while (rank < l && sv[rank] > floor) ++rank;
    return {true, rank};
  }
  if (u) sgemm_thin(false, false, m, k, l, 1.0f, y.data(), l, x.data(), l, 0.0f, u, k);
  for (std::size_t j = 0; j < k; ++j) s[j] = sv[j];
  std::copy(wt.begin(), wt.begin() + k * n, vt);
  orient_rows(vt, k, n, u, u ? m : 0);
  return {};
}

}  // namespace nnkit::linalg
