// Tests of the built-in (float64) eigensolver, SVD, randomized SVD and covariance on odd sizes,
// against float64 references computed here: residuals ‖A·v − λ·v‖, reconstructions, and
// orthonormality. They run in every build (also NNKIT_BLAS=none and under sanitizers); in a
// LAPACK build they also check that both backends agree.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "../kernels/cpu.h"
#include "../kernels/eigen_kernels.h"
#include "../kernels/error.h"
#include "../kernels/parallel.h"
#include "../linalg/covariance.h"
#include "../linalg/eigen.h"
#include "../linalg/lapack.h"
#include "../linalg/svd.h"
#include "test_harness.h"

using namespace nnkit;

namespace {

std::vector<float> lcg_matrix(std::size_t n, std::uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::vector<float> out(n);
  std::uint32_t s = seed * 2654435761u + 12345u;
  for (auto& v : out) {
    s = s * 1664525u + 1013904223u;
    v = lo + (hi - lo) * static_cast<float>((s >> 8) & 0xffffff) / 16777216.0f;
  }
  return out;
}

std::vector<float> symmetric(std::size_t n, std::uint32_t seed) {
  std::vector<float> a = lcg_matrix(n * n, seed);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < i; ++j) a[i * n + j] = a[j * n + i];
  return a;
}

// max_ij |(Mᵀ·M − I)_ij| over the `cols` columns of the row-major rows x cols M.
double orthonormality_error(const float* m, std::size_t rows, std::size_t cols) {
  double worst = 0.0;
  for (std::size_t a = 0; a < cols; ++a)
    for (std::size_t b = a; b < cols; ++b) {
      double acc = 0.0;
      for (std::size_t i = 0; i < rows; ++i) acc += static_cast<double>(m[i * cols + a]) * m[i * cols + b];
      worst = std::max(worst, std::fabs(acc - (a == b ? 1.0 : 0.0)));
    }
  return worst;
}

double frobenius(const float* a, std::size_t count) {
  double acc = 0.0;
  for (std::size_t i = 0; i < count; ++i) acc += static_cast<double>(a[i]) * a[i];
  return std::sqrt(acc);
}

void check_eigh(std::size_t n, bool builtin) {
  const std::vector<float> a = symmetric(n, static_cast<std::uint32_t>(n) + 3);
  std::vector<float> values(n), vectors(n * n);
  if (builtin) {
    linalg::eigh_builtin(a.data(), n, values.data(), vectors.data());
  } else {
    linalg::eigh(a.data(), n, values.data(), vectors.data());
  }
  const double scale = std::max(1e-30, frobenius(a.data(), n * n));
  double residual = 0.0;
  for (std::size_t j = 0; j < n; ++j) {
    if (j > 0) CHECK(values[j - 1] >= values[j], "n=%zu: values not descending at %zu", n, j);
    for (std::size_t i = 0; i < n; ++i) {
      double av = 0.0;
      for (std::size_t k = 0; k < n; ++k) av += static_cast<double>(a[i * n + k]) * vectors[k * n + j];
      residual = std::max(residual, std::fabs(av - static_cast<double>(values[j]) * vectors[i * n + j]));
    }
    // Sign convention: the largest-magnitude component is positive.
    float best = 0.0f, signed_best = 0.0f;
    for (std::size_t i = 0; i < n; ++i)
      if (std::fabs(vectors[i * n + j]) > best) {
        best = std::fabs(vectors[i * n + j]);
        signed_best = vectors[i * n + j];
      }
    CHECK(signed_best > 0, "n=%zu: vector %zu has a negative largest component", n, j);
  }
  CHECK(residual / scale < 1e-5, "n=%zu builtin=%d: residual %g", n, builtin, residual / scale);
  const double ortho = orthonormality_error(vectors.data(), n, n);
  CHECK(ortho < 1e-5, "n=%zu builtin=%d: orthonormality %g", n, builtin, ortho);
}

void check_svd(std::size_t m, std::size_t n, std::size_t rank, bool builtin) {
  // rank < min(m, n): A = L·R with L (m x rank), R (rank x n).
  std::vector<float> a;
  if (rank >= std::min(m, n)) {
    a = lcg_matrix(m * n, static_cast<std::uint32_t>(m * 31 + n));
  } else {
    const std::vector<float> l = lcg_matrix(m * rank, 7), r = lcg_matrix(rank * n, 11);
    a.assign(m * n, 0.0f);
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        double acc = 0.0;
        for (std::size_t t = 0; t < rank; ++t) acc += static_cast<double>(l[i * rank + t]) * r[t * n + j];
        a[i * n + j] = static_cast<float>(acc);
      }
  }
  const std::size_t p = std::min(m, n);
  std::vector<float> u(m * p), s(p), vt(p * n);
  if (builtin) {
    linalg::svd_builtin(a.data(), m, n, u.data(), s.data(), vt.data());
  } else {
    linalg::svd(a.data(), m, n, u.data(), s.data(), vt.data());
  }
  double error = 0.0;
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      double acc = 0.0;
      for (std::size_t t = 0; t < p; ++t) acc += static_cast<double>(u[i * p + t]) * s[t] * vt[t * n + j];
      error += (acc - a[i * n + j]) * (acc - a[i * n + j]);
    }
  const double relative = std::sqrt(error) / std::max(1e-30, frobenius(a.data(), m * n));
  CHECK(relative < 1e-5, "%zux%zu rank %zu builtin=%d: reconstruction %g", m, n, rank, builtin, relative);
  for (std::size_t t = 1; t < p; ++t) CHECK(s[t - 1] >= s[t], "%zux%zu: S not descending", m, n);
  CHECK(orthonormality_error(u.data(), m, p) < 1e-5, "%zux%zu rank %zu builtin=%d: U not orthonormal (%g)", m, n, rank,
        builtin, orthonormality_error(u.data(), m, p));
  // Vt rows orthonormal: check the columns of Vtᵀ by transposing.
  std::vector<float> v(n * p);
  for (std::size_t t = 0; t < p; ++t)
    for (std::size_t j = 0; j < n; ++j) v[j * p + t] = vt[t * n + j];
  CHECK(orthonormality_error(v.data(), n, p) < 1e-5, "%zux%zu builtin=%d: V not orthonormal", m, n, builtin);
}

struct BackendGuard {
  linalg::LapackBackend saved = linalg::lapack_backend();
  ~BackendGuard() { linalg::set_lapack_backend(saved); }
};

}  // namespace

TEST(builtin_eigh_odd_sizes) {
  for (std::size_t n : {1u, 2u, 3u, 7u, 33u, 65u, 130u}) check_eigh(n, true);
}

TEST(eigh_default_backend_odd_sizes) {
  for (std::size_t n : {1u, 5u, 33u, 65u}) check_eigh(n, false);
}

TEST(builtin_eigh_repeated_eigenvalues) {
  // The identity and a rank-one matrix: many equal eigenvalues must still give an orthonormal basis.
  const std::size_t n = 19;
  std::vector<float> a(n * n, 0.0f), values(n), vectors(n * n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) a[i * n + j] = static_cast<float>((i + 1) * (j + 1)) / 100.0f;
  linalg::eigh_builtin(a.data(), n, values.data(), vectors.data());
  double expect = 0.0;
  for (std::size_t i = 1; i <= n; ++i) expect += static_cast<double>(i * i) / 100.0;
  CHECK(std::fabs(values[0] - expect) < 1e-5 * expect, "rank-one top eigenvalue %g vs %g", values[0], expect);
  for (std::size_t j = 1; j < n; ++j) CHECK(std::fabs(values[j]) < 1e-4, "rank-one eigenvalue %zu = %g", j, values[j]);
  CHECK(orthonormality_error(vectors.data(), n, n) < 1e-5, "rank-one vectors not orthonormal");
}

TEST(eigh_input_facts) {
  // eigh's preconditions are checked by the binding with these facts (and kernels::find_nonfinite).
  std::vector<float> a = symmetric(4, 1);
  std::size_t i = 9, j = 9;
  CHECK(!linalg::find_asymmetry(a.data(), 4, &i, &j), "a symmetric matrix reported asymmetric");
  a[1 * 4 + 3] += 1.0f;  // (1, 3) no longer matches (3, 1)
  CHECK(linalg::find_asymmetry(a.data(), 4, &i, &j) && i == 1 && j == 3, "asymmetry at (%zu, %zu), want (1, 3)", i, j);
}

TEST(builtin_svd_odd_shapes) {
  check_svd(17, 5, 5, true);
  check_svd(5, 17, 5, true);
  check_svd(31, 31, 31, true);
  check_svd(1, 9, 1, true);
  check_svd(23, 13, 4, true);  // rank deficient: U still orthonormal
  check_svd(13, 23, 4, true);
}

TEST(svd_default_backend_odd_shapes) {
  check_svd(17, 5, 5, false);
  check_svd(5, 17, 5, false);
  check_svd(23, 13, 4, false);
}

TEST(both_backends_agree) {
  if (!linalg::have_lapack()) return;
  BackendGuard guard;
  const std::size_t n = 21;
  const std::vector<float> a = symmetric(n, 99);
  std::vector<float> v1(n), v2(n), z1(n * n), z2(n * n);
  linalg::set_lapack_backend(linalg::LapackBackend::lapack);
  linalg::eigh(a.data(), n, v1.data(), z1.data());
  linalg::set_lapack_backend(linalg::LapackBackend::builtin);
  linalg::eigh(a.data(), n, v2.data(), z2.data());
  double dv = 0.0, dz = 0.0;
  for (std::size_t i = 0; i < n; ++i) dv = std::max(dv, static_cast<double>(std::fabs(v1[i] - v2[i])));
  for (std::size_t i = 0; i < n * n; ++i) dz = std::max(dz, static_cast<double>(std::fabs(z1[i] - z2[i])));
  CHECK(dv < 1e-4, "eigenvalues differ by %g", dv);
  CHECK(dz < 1e-3, "eigenvectors (same sign convention) differ by %g", dz);
}

TEST(covariance_with_offset) {
  const std::size_t n = 1037, d = 19;  // more rows than one block, odd everything
  std::vector<float> x = lcg_matrix(n * d, 5, 0.0f, 255.0f);
  std::vector<float> cov(d * d), mean(d);
  linalg::covariance(x.data(), n, d, true, cov.data(), mean.data());
  std::vector<double> mu(d, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < d; ++j) mu[j] += x[i * d + j];
  for (auto& v : mu) v /= static_cast<double>(n);
  double worst = 0.0, scale = 0.0;
  for (std::size_t a = 0; a < d; ++a)
    for (std::size_t b = 0; b < d; ++b) {
      double acc = 0.0;
      for (std::size_t i = 0; i < n; ++i) acc += (x[i * d + a] - mu[a]) * (x[i * d + b] - mu[b]);
      acc /= static_cast<double>(n);
      scale = std::max(scale, std::fabs(acc));
      worst = std::max(worst, std::fabs(acc - cov[a * d + b]));
      CHECK(cov[a * d + b] == cov[b * d + a], "not exactly symmetric at %zu,%zu", a, b);
    }
  CHECK(worst < 1e-5 * scale, "covariance error %g (scale %g)", worst, scale);
  for (std::size_t j = 0; j < d; ++j) CHECK(std::fabs(mean[j] - mu[j]) < 1e-4, "mean %zu", j);
}

TEST(randomized_svd_recovers_low_rank) {
  // Rank-6 40 x 27 matrix: with k = 6 and l = 9 the randomized SVD is exact up to rounding.
  const std::size_t m = 40, n = 27, rank = 6, k = 6, l = 9;
  const std::vector<float> left = lcg_matrix(m * rank, 3), right = lcg_matrix(rank * n, 4);
  std::vector<float> a(m * n);
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      double acc = 0.0;
      for (std::size_t t = 0; t < rank; ++t) acc += static_cast<double>(left[i * rank + t]) * right[t * n + j];
      a[i * n + j] = static_cast<float>(acc);
    }
  const std::vector<float> omega = lcg_matrix(n * l, 8);
  std::vector<float> u(m * k), s(k), vt(k * n), u2(m * n), s2(n), vt2(n * n);
  for (int backend = 0; backend < 2; ++backend) {
    BackendGuard guard;
    if (backend == 1) linalg::set_lapack_backend(linalg::LapackBackend::builtin);
    else if (!linalg::have_lapack()) continue;
    linalg::randomized_svd(a.data(), m, n, k, omega.data(), l, 2, u.data(), s.data(), vt.data());
    linalg::svd_builtin(a.data(), m, n, u2.data(), s2.data(), vt2.data());
    for (std::size_t t = 0; t < k; ++t)
      CHECK(std::fabs(s[t] - s2[t]) < 1e-4 * s2[0], "backend %d: singular value %zu: %g vs %g", backend, t, s[t], s2[t]);
    CHECK(orthonormality_error(u.data(), m, k) < 1e-5, "backend %d: U not orthonormal", backend);
  }
}

TEST(eigen_kernels_match_reference_on_every_path) {
  // Odd widths exercise the AVX2 tails; a chain of 5 descending rotations, then a lone one.
  const std::size_t rows = 9, width = 77;  // 32 + 32 + 8 + 5 columns: every AVX2 block and tail
  std::vector<double> base(rows * width);
  const std::vector<float> init = lcg_matrix(rows * width, 42);
  for (std::size_t i = 0; i < base.size(); ++i) base[i] = init[i];
  std::vector<kernels::GivensRotation> rotations;
  for (std::uint32_t t = 0; t < 5; ++t) {
    const double angle = 0.3 + 0.2 * static_cast<double>(t);
    rotations.push_back({6 - t, static_cast<float>(std::cos(angle)), static_cast<float>(std::sin(angle))});
  }
  rotations.push_back({7, static_cast<float>(std::cos(1.1)), static_cast<float>(std::sin(1.1))});
  // Float64 reference of the float32 rotations (the same c and s).
  std::vector<double> expect = base;
  for (const auto& r : rotations)
    for (std::size_t j = 0; j < width; ++j) {
      const double x = expect[r.i * width + j], y = expect[(r.i + 1) * width + j];
      expect[(r.i + 1) * width + j] = double{r.s} * x + double{r.c} * y;
      expect[r.i * width + j] = double{r.c} * x - double{r.s} * y;
    }
  double dot_expect = 0.0;
  for (std::size_t j = 0; j < width; ++j) dot_expect += base[j] * base[width + j];
  for (SimdPath path : nnkit::test::supported_paths()) {
    const kernels::EigenKernels& k = kernels::eigen_kernels(path);
    std::vector<float> z(init.begin(), init.end());
    k.rotate_rows(z.data(), width, width, rotations.data(), rotations.size());
    double worst = 0.0;
    for (std::size_t i = 0; i < z.size(); ++i) worst = std::max(worst, std::fabs(z[i] - expect[i]));
    CHECK(worst < 2e-6, "%s: rotate_rows differs by %g", k.name, worst);
    CHECK(std::fabs(k.dot(base.data(), base.data() + width, width) - dot_expect) < 1e-13, "%s: dot", k.name);
    std::vector<double> row(base.begin(), base.begin() + width);
    k.update2(row.data(), width, 0.5, base.data() + width, -2.0, base.data() + 2 * width);
    for (std::size_t j = 0; j < width; ++j)
      CHECK(std::fabs(row[j] - (base[j] - (0.5 * base[width + j] - 2.0 * base[2 * width + j]))) < 1e-14, "%s: update2",
            k.name);
    // sym_row: update, dot with z, and acc += c·row from the second entry on. Lengths 77 and 75
    // reach the AVX2 four-wide block and the scalar tail after the eight-wide blocks.
    for (const std::size_t len : {width, width - 2}) {
      row.assign(base.begin(), base.begin() + len);
      std::vector<double> acc(base.begin() + 3 * width, base.begin() + 3 * width + len), updated(len);
      const double dot = k.sym_row(row.data(), len, 0.5, base.data() + width, -2.0, base.data() + 2 * width,
                                   base.data() + 4 * width, 1.5, acc.data());
      double dot_ref = 0.0;
      for (std::size_t j = 0; j < len; ++j) {
        updated[j] = base[j] - (0.5 * base[width + j] - 2.0 * base[2 * width + j]);
        dot_ref += updated[j] * base[4 * width + j];
        CHECK(std::fabs(row[j] - updated[j]) < 1e-14, "%s: sym_row update at %zu", k.name, j);
        const double acc_ref = base[3 * width + j] + (j == 0 ? 0.0 : 1.5 * updated[j]);
        CHECK(std::fabs(acc[j] - acc_ref) < 1e-14, "%s: sym_row share at %zu", k.name, j);
      }
      CHECK(std::fabs(dot - dot_ref) < 1e-13, "%s: sym_row dot %g vs %g", k.name, dot, dot_ref);
    }
    std::vector<float> row32(init.begin(), init.begin() + width);
    k.update1(row32.data(), width, 3.0f, init.data() + width);
    for (std::size_t j = 0; j < width; ++j)
      CHECK(std::fabs(row32[j] - (base[j] - 3.0 * base[width + j])) < 1e-6, "%s: update1", k.name);
  }
}

TEST(rotate_rows_pairs_chains_bit_identically) {
  // Two sweeps over the same rows (paired on full 32-column strips), a lone rotation, then two
  // sweeps of different lengths (not paired); 77 columns: two full strips and a partial one.
  const std::size_t rows = 12, width = 77;
  const std::vector<float> init = lcg_matrix(rows * width, 7);
  std::vector<kernels::GivensRotation> rotations;
  std::vector<std::size_t> chain_starts;
  double angle = 0.1;
  auto sweep = [&](std::uint32_t top, std::uint32_t bottom) {
    chain_starts.push_back(rotations.size());
    for (std::uint32_t i = top + 1; i-- > bottom;) {
      angle += 0.37;
      rotations.push_back({i, static_cast<float>(std::cos(angle)), static_cast<float>(std::sin(angle))});
    }
  };
  sweep(9, 3);
  sweep(9, 3);
  sweep(1, 1);
  sweep(10, 5);
  sweep(10, 6);
  chain_starts.push_back(rotations.size());
  std::vector<double> expect(init.begin(), init.end());
  for (const auto& r : rotations)
    for (std::size_t j = 0; j < width; ++j) {
      const double x = expect[r.i * width + j], y = expect[(r.i + 1) * width + j];
      expect[(r.i + 1) * width + j] = double{r.s} * x + double{r.c} * y;
      expect[r.i * width + j] = double{r.c} * x - double{r.s} * y;
    }
  for (SimdPath path : nnkit::test::supported_paths()) {
    const kernels::EigenKernels& k = kernels::eigen_kernels(path);
    std::vector<float> together = init, one_by_one = init;
    k.rotate_rows(together.data(), width, width, rotations.data(), rotations.size());
    for (std::size_t c = 0; c + 1 < chain_starts.size(); ++c)
      k.rotate_rows(one_by_one.data(), width, width, rotations.data() + chain_starts[c],
                    chain_starts[c + 1] - chain_starts[c]);
    CHECK(together == one_by_one, "%s: chains applied together differ from one by one", k.name);
    double worst = 0.0;
    for (std::size_t i = 0; i < together.size(); ++i) worst = std::max(worst, std::fabs(together[i] - expect[i]));
    CHECK(worst < 2e-6, "%s: rotate_rows differs from the float64 reference by %g", k.name, worst);
  }
}

TEST(builtin_eigh_is_independent_of_thread_count) {
  const std::size_t n = 150;
  const std::vector<float> a = symmetric(n, 17);
  std::vector<float> v1(n), z1(n * n), v2(n), z2(n * n);
  const int saved = thread_count();
  set_thread_count(1);
  linalg::eigh_builtin(a.data(), n, v1.data(), z1.data());
  set_thread_count(3);
  linalg::eigh_builtin(a.data(), n, v2.data(), z2.data());
  set_thread_count(saved);
  CHECK(v1 == v2 && z1 == z2, "results differ between 1 and 3 threads");
}
