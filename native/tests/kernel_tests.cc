// Kernel tests against independent references: the Random123 known-answer vectors, float64
// scalar GEMM, and bit-for-bit agreement of every compiled SIMD path with the scalar twin.
// Sizes are odd on purpose so every tail and edge tile runs (also under ASan/UBSan in CI).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "../kernels/batchnorm.h"
#include "../kernels/cpu.h"
#include "../kernels/dropout.h"
#include "../kernels/gemm.h"
#include "../kernels/layers.h"
#include "../kernels/loss.h"
#include "../kernels/optim.h"
#include "../kernels/parallel.h"
#include "../kernels/regularize.h"
#include "../kernels/rng.h"
#include "../kernels/stats.h"
#include "../linalg/blas.h"
#include "test_harness.h"

using namespace nnkit;
using namespace nnkit::kernels;

namespace {

// Deterministic test data without touching the code under test: uniform in [lo, hi).
std::vector<float> lcg_data(std::size_t n, std::uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::vector<float> out(n);
  std::uint32_t s = seed * 2654435761u + 12345u;
  for (auto& v : out) {
    s = s * 1664525u + 1013904223u;
    v = lo + (hi - lo) * (static_cast<float>((s >> 8) & 0xffff) / 65536.0f);
  }
  return out;
}

}  // namespace

TEST(philox_known_answers) {
  struct Vector {
    std::uint32_t counter[4], key[2], expect[4];
  };
  const Vector vectors[] = {
      {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}},
      {{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
       {0xffffffffu, 0xffffffffu},
       {0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}},
      {{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u},
       {0xa4093822u, 0x299f31d0u},
       {0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}},
  };
  for (const Vector& v : vectors) {
    std::uint32_t out[4];
    philox4x32_10(v.counter, v.key, out);
    for (int i = 0; i < 4; ++i) CHECK(out[i] == v.expect[i], "word %d: %08x != %08x", i, out[i], v.expect[i]);
  }
}

TEST(rng_bits_follow_lane_major_layout) {
  // Element e of chunk c is word e / 8 of block offset + 8c + e % 8, on every path.
  const RngStream s{{0xa4093822u, 0x299f31d0u}, 0x0370734413198a2eull};
  const std::uint64_t offset = 0xfffffffcull;  // crosses the 32-bit carry of the counter
  for (SimdPath path : nnkit::test::supported_paths()) {
    std::vector<std::uint32_t> bits(77);
    rng_fill_bits(path, s, offset, bits.data(), bits.size());
    for (std::size_t i = 0; i < bits.size(); ++i) {
      const std::uint64_t block = offset + (i / 32) * 8 + (i % 32) % 8;
      const std::uint32_t counter[4] = {static_cast<std::uint32_t>(block), static_cast<std::uint32_t>(block >> 32),
                                        0x13198a2eu, 0x03707344u};
      std::uint32_t words[4];
      philox4x32_10(counter, s.key, words);
      CHECK(bits[i] == words[(i % 32) / 8], "%s element %zu", simd_path_name(path), i);
    }
  }
}

TEST(rng_paths_are_bit_identical) {
  const RngStream s{{12345u, 678u}, 9};
  for (std::size_t n : {1u, 31u, 32u, 33u, 1000u, 65537u, 200003u}) {
    std::vector<float> ref_u(n), ref_n(n), u(n), z(n);
    rng_fill_uniform(SimdPath::scalar, s, 40, ref_u.data(), n, -2.0f, 3.0f);
    rng_fill_normal(SimdPath::scalar, s, 40, ref_n.data(), n, 0.5f, 2.0f);
    for (SimdPath path : nnkit::test::supported_paths()) {
      rng_fill_uniform(path, s, 40, u.data(), n, -2.0f, 3.0f);
      rng_fill_normal(path, s, 40, z.data(), n, 0.5f, 2.0f);
      CHECK(std::memcmp(u.data(), ref_u.data(), n * sizeof(float)) == 0, "uniform %s n=%zu", simd_path_name(path), n);
      CHECK(std::memcmp(z.data(), ref_n.data(), n * sizeof(float)) == 0, "normal %s n=%zu", simd_path_name(path), n);
    }
  }
}

TEST(rng_is_independent_of_thread_count) {
  const RngStream s{{1u, 2u}, 3};
  const std::size_t n = 300007;
  std::vector<float> one(n), many(n);
  const int saved = thread_count();
  set_thread_count(1);
  rng_fill_normal(s, 0, one.data(), n, 0.0f, 1.0f);
  set_thread_count(5);
  rng_fill_normal(s, 0, many.data(), n, 0.0f, 1.0f);
  set_thread_count(saved);
  CHECK(std::memcmp(one.data(), many.data(), n * sizeof(float)) == 0);
}

TEST(rng_normal_moments_and_accuracy) {
  // Box-Muller through our log/sincos polynomials against libm in float64 on the same words.
  const RngStream s{{7u, 0u}, 0};
  const std::size_t n = 1 << 20;
  std::vector<float> z(n);
  std::vector<std::uint32_t> bits(n);
  rng_fill_normal(s, 0, z.data(), n, 0.0f, 1.0f);
  rng_fill_bits(s, 0, bits.data(), n);
  double sum = 0, sum2 = 0, worst = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sum += z[i];
    sum2 += static_cast<double>(z[i]) * z[i];
    const std::size_t chunk = i / 32, e = i % 32, word = e / 8, lane = e % 8;
    const std::size_t pair_first = chunk * 32 + (word / 2) * 16 + lane;
    const double u1 = ((bits[pair_first] >> 8) + 1.0) / 16777216.0;
    const double u2 = (bits[pair_first + 8] >> 8) / 16777216.0;
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double expect = (word % 2 == 0) ? r * std::cos(2 * M_PI * u2) : r * std::sin(2 * M_PI * u2);
    worst = std::fmax(worst, std::fabs(expect - z[i]) / std::fmax(1.0, std::fabs(expect)));
  }
  const double mean = sum / n, var = sum2 / n - mean * mean;
  CHECK(std::fabs(mean) < 5.0 / std::sqrt(static_cast<double>(n)), "mean %g", mean);
  CHECK(std::fabs(var - 1.0) < 5.0 * std::sqrt(2.0 / n), "variance %g", var);
  CHECK(worst < 2e-6, "worst relative error against libm %g", worst);
}

namespace {

void reference_gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, float alpha, const float* a,
                    std::size_t lda, const float* b, std::size_t ldb, float beta, const float* c0, std::size_t ldc,
                    std::vector<double>& out) {
  out.assign(m * n, 0.0);
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      double acc = 0;
      for (std::size_t p = 0; p < k; ++p) {
        const double av = ta ? a[p * lda + i] : a[i * lda + p];
        const double bv = tb ? b[j * ldb + p] : b[p * ldb + j];
        acc += av * bv;
      }
      out[i * n + j] = alpha * acc + (beta == 0.0f ? 0.0 : beta * static_cast<double>(c0[i * ldc + j]));
    }
}

void check_gemm(SimdPath path, bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, float alpha,
                float beta) {
  const std::size_t lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 1, ldc = n + 2;  // strided on purpose
  const std::vector<float> a = lcg_data((ta ? k : m) * lda, 1), b = lcg_data((tb ? n : k) * ldb, 2);
  std::vector<float> c = lcg_data(m * ldc, 3);
  if (beta == 0.0f)
    for (std::size_t i = 0; i < m; ++i) c[i * ldc] = std::nanf("");  // must not leak through beta = 0
  const std::vector<float> c0 = c;
  std::vector<double> expect;
  reference_gemm(ta, tb, m, n, k, alpha, a.data(), lda, b.data(), ldb, beta, c0.data(), ldc, expect);
  sgemm_builtin(path, ta, tb, m, n, k, alpha, a.data(), lda, b.data(), ldb, beta, c.data(), ldc);
  double worst = 0;
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      const double tol = 1e-5 * (static_cast<double>(k) + 1.0);
      const double err = std::fabs(c[i * ldc + j] - expect[i * n + j]);
      if (!(err <= tol)) worst = std::fmax(worst, std::isnan(err) ? 1e30 : err);
    }
  for (std::size_t i = 0; i < m; ++i)  // the stride padding is never written
    for (std::size_t j = n; j < ldc; ++j) CHECK(c[i * ldc + j] == c0[i * ldc + j], "padding written at %zu,%zu", i, j);
  CHECK(worst == 0, "%s ta=%d tb=%d m=%zu n=%zu k=%zu worst excess error %g", simd_path_name(path), ta, tb, m, n, k,
        worst);
}

}  // namespace

TEST(builtin_gemm_matches_float64_reference) {
  const std::size_t sizes[][3] = {{1, 1, 1}, {1, 17, 5}, {7, 1, 300}, {6, 16, 256}, {13, 33, 257},
                                  {97, 65, 31}, {130, 129, 515}, {5, 4097, 3}, {241, 17, 1},
                                  // thin products (n <= 256): 24-row blocks up to 4096 deep, and beyond
                                  {50, 20, 9000}, {97, 256, 4100}, {25, 257, 300},
                                  // the AVX-512 tile (12 x 32) and blocks (144 x 192): whole, and one past
                                  {12, 32, 192}, {25, 65, 193}, {145, 31, 385}, {289, 300, 200},
                                  // the NEON tile (8 x 12) and blocks (128 x 256, panels 4080 wide): whole, and one past
                                  {8, 12, 256}, {17, 25, 257}, {129, 4081, 3}};
  for (SimdPath path : nnkit::test::supported_paths())
    for (const auto& s : sizes)
      for (int t = 0; t < 4; ++t) check_gemm(path, t & 1, t & 2, s[0], s[1], s[2], 1.0f, 0.0f);
  for (SimdPath path : nnkit::test::supported_paths()) {
    check_gemm(path, false, false, 37, 41, 43, -0.5f, 2.0f);
    check_gemm(path, true, true, 37, 41, 43, 2.0f, 1.0f);
    check_gemm(path, false, true, 19, 23, 0, 1.0f, 0.5f);  // k = 0: C = beta * C
  }
}

// The vector packers store whole vectors and let a spill be overwritten (AVX2, transposed A:
// four steps at a time, then single steps; AVX-512: 8- and 4-float moves): their slivers must
// equal the scalar packer's at the same tile height bit for bit, and they may write nothing past
// kGemmPackSlack. A is allocated at its exact size (under ASan a read past it is reported); a
// block at row 0, column 0 has nothing before it either.
// The upper-triangle product (the built-in SYRK of the covariance): on and above the diagonal
// it equals the full product bit for bit (same packing, same micro-kernel calls), for sizes
// whose tiles cross the diagonal at every offset; below it, tiles wholly below are untouched.
TEST(builtin_gemm_upper_triangle_equals_the_full_product) {
  const std::size_t shapes[][2] = {{1, 1}, {7, 3}, {13, 50}, {33, 257}, {145, 97}, {300, 600}, {784, 64}};
  for (SimdPath path : nnkit::test::supported_paths())
    for (const auto& shape : shapes) {
      const std::size_t n = shape[0], k = shape[1];
      std::vector<float> s(k * n);
      for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<float>((i * 7919) % 1000) / 500.0f - 1.0f;
      std::vector<float> full(n * n, 0.5f), upper(n * n, 0.5f), sentinel(n * n, 123.0f);
      nnkit::kernels::sgemm_builtin(path, true, false, n, n, k, 0.25f, s.data(), n, s.data(), n, 1.0f, full.data(), n);
      nnkit::kernels::sgemm_builtin_upper(path, true, false, n, k, 0.25f, s.data(), n, s.data(), n, 1.0f, upper.data(), n);
      nnkit::kernels::sgemm_builtin_upper(path, true, false, n, k, 0.25f, s.data(), n, s.data(), n, 1.0f, sentinel.data(), n);
      bool upper_same = true, far_below_untouched = true;
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) {
          if (j >= i) upper_same = upper_same && upper[i * n + j] == full[i * n + j];
          // 48 columns left of the diagonal is past any tile that crosses it (mr + nr <= 44).
          if (j + 48 < i) far_below_untouched = far_below_untouched && sentinel[i * n + j] == 123.0f;
        }
      CHECK(upper_same, "%s n=%zu k=%zu: upper triangle differs from the full product", simd_path_name(path), n, k);
      CHECK(far_below_untouched, "%s n=%zu k=%zu: wrote far below the diagonal", simd_path_name(path), n, k);
    }
}

TEST(vector_packing_of_a_matches_scalar_packing) {
  for (SimdPath path : nnkit::test::supported_paths()) {
    if (path == SimdPath::scalar) continue;
    const GemmKernels& kern = gemm_kernels(path);
    const std::size_t mr = kern.mr;
    const std::size_t mcs[] = {1, 5, 6, 7, 11, 12, 13, 24, 25, 120, 144}, kcs[] = {1, 2, 3, 4, 5, 7, 8, 9, 16, 257};
    for (std::size_t origin : {0, 3}) {
      for (int ta = 0; ta < 2; ++ta)
        for (std::size_t mc : mcs)
          for (std::size_t kc : kcs) {
            const std::size_t row0 = origin, p0 = origin == 0 ? 0 : 2;
            // op(A) is (row0 + mc) x (p0 + kc); A is its transpose when ta.
            const std::size_t rows = ta ? p0 + kc : row0 + mc, cols = ta ? row0 + mc : p0 + kc;
            const std::vector<float> a = lcg_data(rows * cols, static_cast<std::uint32_t>(mc * 1000 + kc));
            const std::size_t packed = (mc + mr - 1) / mr * mr * kc;
            // Centered too: shifts and offsets of exactly A's column count (under ASan a read
            // past them is reported).
            const std::vector<float> shift = lcg_data(cols, 21, 0.2f, 0.4f), offset = lcg_data(cols, 22, -1e-3f, 1e-3f);
            for (const GemmCentering center : {GemmCentering{}, GemmCentering{shift.data(), offset.data()}}) {
              std::vector<float> want(packed + kGemmPackSlack + 16, -7.0f), got(want);
              pack_a_scalar(mr, ta, a.data(), cols, row0, mc, p0, kc, want.data(), center);
              kern.pack_a(ta, a.data(), cols, row0, mc, p0, kc, got.data(), center);
              CHECK(std::memcmp(want.data(), got.data(), packed * sizeof(float)) == 0,
                    "%s ta=%d row0=%zu mc=%zu kc=%zu centered=%d slivers differ", kern.name, ta, row0, mc, kc,
                    center.shift != nullptr);
              for (std::size_t i = packed + kGemmPackSlack; i < got.size(); ++i)
                CHECK(got[i] == -7.0f, "%s ta=%d row0=%zu mc=%zu kc=%zu wrote past the slack at %zu", kern.name, ta,
                      row0, mc, kc, i);
            }
          }
    }
  }
}

// A column of C is the same dot products in the same order whatever the width of the product
// around it: a last sliver narrow enough for a half tile (AVX-512: at most 16 of 32 columns)
// must give the bits the full tile gives. C's first n columns of an n-wide product against those
// of a 64-wide one (B's first n columns equal), with beta, both A layouts, every path.
TEST(narrow_last_sliver_gives_the_full_tiles_bits) {
  const std::size_t m = 37, k = 301, wide = 64;
  const auto a = lcg_data(m * k, 6), b_wide = lcg_data(k * wide, 7), c0 = lcg_data(m * wide, 8);
  for (SimdPath path : nnkit::test::supported_paths())
    for (std::size_t n : {1, 9, 16, 17, 33, 41, 48}) {
      std::vector<float> b(k * n);
      for (std::size_t p = 0; p < k; ++p) std::copy(&b_wide[p * wide], &b_wide[p * wide] + n, &b[p * n]);
      for (int ta = 0; ta < 2; ++ta) {
        std::vector<float> at(m * k);  // op(A) = A, stored as its transpose when ta
        for (std::size_t i = 0; i < m; ++i)
          for (std::size_t p = 0; p < k; ++p) (ta ? at[p * m + i] : at[i * k + p]) = a[i * k + p];
        const std::size_t lda = ta ? m : k;
        std::vector<float> cw(c0), cn(m * n);
        for (std::size_t i = 0; i < m; ++i) std::copy(&c0[i * wide], &c0[i * wide] + n, &cn[i * n]);
        sgemm_builtin(path, ta, false, m, wide, k, 0.5f, at.data(), lda, b_wide.data(), wide, 1.5f, cw.data(), wide);
        sgemm_builtin(path, ta, false, m, n, k, 0.5f, at.data(), lda, b.data(), n, 1.5f, cn.data(), n);
        for (std::size_t i = 0; i < m; ++i)
          CHECK(std::memcmp(&cw[i * wide], &cn[i * n], n * sizeof(float)) == 0, "%s n=%zu ta=%d row %zu differs",
                simd_path_name(path), n, ta, i);
      }
    }
}

TEST(builtin_gemm_is_independent_of_thread_count) {
  const std::size_t m = 301, n = 67, k = 700;
  const auto a = lcg_data(m * k, 4), b = lcg_data(k * n, 5);
  std::vector<float> one(m * n), many(m * n);
  const int saved = thread_count();
  set_thread_count(1);
  sgemm_builtin(active_simd_path(), false, false, m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f, one.data(), n);
  set_thread_count(3);
  sgemm_builtin(active_simd_path(), false, false, m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f, many.data(), n);
  set_thread_count(saved);
  CHECK(std::memcmp(one.data(), many.data(), one.size() * sizeof(float)) == 0);
}

TEST(blas_gemm_matches_builtin) {
  if (!linalg::have_blas()) return;
  const std::size_t m = 50, n = 70, k = 90;
  const auto a = lcg_data(m * k, 6), b = lcg_data(n * k, 7);
  std::vector<float> blas(m * n), builtin(m * n);
  linalg::sgemm(false, true, m, n, k, 1.0f, a.data(), k, b.data(), k, 0.0f, blas.data(), n);
  sgemm_builtin(SimdPath::scalar, false, true, m, n, k, 1.0f, a.data(), k, b.data(), k, 0.0f, builtin.data(), n);
  for (std::size_t i = 0; i < blas.size(); ++i) CHECK(std::fabs(blas[i] - builtin[i]) < 1e-4, "element %zu", i);
}

// sgemm_builtin_centered packs the same floats as column_affine's explicitly centered copy, so
// the products agree bit for bit: both A layouts, thin (n <= 256, deep blocks) and wide shapes,
// several k-blocks, partial slivers, alpha and beta.
TEST(centered_gemm_equals_the_product_of_a_centered_copy) {
  const std::size_t shapes[][3] = {{37, 41, 43}, {30, 20, 4200}, {145, 300, 600}, {12, 110, 1030}, {1, 1, 1}};
  for (SimdPath path : nnkit::test::supported_paths())
    for (const auto& s : shapes)
      for (int ta = 0; ta < 2; ++ta)
        for (int tb = 0; tb < 2; ++tb) {
          const std::size_t m = s[0], n = s[1], k = s[2];
          const std::size_t rows = ta ? k : m, cols = ta ? m : k;  // A as stored
          const auto a = lcg_data(rows * cols, static_cast<std::uint32_t>(m + n + k), 50.0f, 90.0f);
          const auto shift = lcg_data(cols, 11, 60.0f, 80.0f), offset = lcg_data(cols, 12, -1e-3f, 1e-3f);
          const auto b = lcg_data(k * n, 13), c0 = lcg_data(m * n, 14);
          const std::vector<float> ones(cols, 1.0f);
          std::vector<float> centered(rows * cols), want(c0), got(c0);
          column_affine(path, a.data(), centered.data(), rows, cols, shift.data(), ones.data(), offset.data());
          const std::size_t ldb = tb ? k : n;
          sgemm_builtin(path, ta, tb, m, n, k, 0.5f, centered.data(), cols, b.data(), ldb, 0.25f, want.data(), n);
          sgemm_builtin_centered(path, ta, tb, m, n, k, 0.5f, a.data(), cols, shift.data(), offset.data(), b.data(),
                                 ldb, 0.25f, got.data(), n);
          CHECK(std::memcmp(want.data(), got.data(), want.size() * sizeof(float)) == 0,
                "%s %zux%zux%zu ta=%d tb=%d: differs from the centered copy's product", simd_path_name(path), m, n, k,
                ta, tb);
        }
}

// linalg::sgemm_centered_copies on BLAS (centered row blocks into scratch) against the built-in
// kernels: one block, and A's 45000 rows in two blocks of 2^22 floats (rows of C, or the depth).
TEST(blas_centered_gemm_matches_builtin) {
  if (!linalg::have_blas()) return;
  const linalg::GemmBackend saved = linalg::gemm_backend();
  const std::size_t shapes[][4] = {{70, 30, 90, 0}, {70, 30, 90, 1}, {45000, 8, 100, 0}, {100, 8, 45000, 1}};
  for (const auto& s : shapes) {
    const std::size_t m = s[0], n = s[1], k = s[2], ta = s[3], rows = ta ? k : m, cols = ta ? m : k;
    const auto a = lcg_data(rows * cols, 15, 100.0f, 110.0f), shift = lcg_data(cols, 16, 100.0f, 110.0f);
    const std::vector<float> offset(cols, 0.0f);
    const auto b = lcg_data(k * n, 17);
    std::vector<float> blas(m * n), builtin(m * n);
    linalg::set_gemm_backend(linalg::GemmBackend::blas);
    linalg::sgemm_centered_copies(ta, false, m, n, k, 1.0f, a.data(), cols, shift.data(), offset.data(), b.data(), n,
                                  0.0f, blas.data(), n);
    linalg::set_gemm_backend(linalg::GemmBackend::builtin);
    CHECK(linalg::centered_products_on_builtin());
    linalg::sgemm_centered(ta, false, m, n, k, 1.0f, a.data(), cols, shift.data(), offset.data(), b.data(), n, 0.0f,
                           builtin.data(), n);
    for (std::size_t i = 0; i < blas.size(); ++i)
      CHECK(std::fabs(blas[i] - builtin[i]) < 1e-3 * (1 + std::sqrt(static_cast<double>(k))),
            "%zux%zux%zu ta=%zu element %zu: %g vs %g", m, n, k, ta, i, blas[i], builtin[i]);
  }
  linalg::set_gemm_backend(saved);
}

TEST(parallel_for_runs_every_task_once) {
  for (int threads : {1, 2, 7}) {
    set_thread_count(threads);
    std::vector<int> hits(1000, 0);
    parallel_for(hits.size(), [&](std::size_t t) { hits[t] += 1; });
    for (std::size_t t = 0; t < hits.size(); ++t) CHECK(hits[t] == 1, "threads=%d task %zu ran %d times", threads, t, hits[t]);
  }
}

int main() {
  std::printf("nnkit kernel tests: SIMD path %s, paths compiled:", simd_path_name(active_simd_path()));
  for (SimdPath p : kSimdPaths)
    if (simd_path_supported(p)) std::printf(" %s", simd_path_name(p));
  std::printf(", blas %s\n", linalg::blas_description().c_str());
  int failed_cases = 0;
  for (const auto& c : nnkit::test::registry()) {
    const int before = nnkit::test::failures();
    c.fn();
    const bool ok = nnkit::test::failures() == before;
    failed_cases += ok ? 0 : 1;
    std::printf("%s %s\n", ok ? "ok  " : "FAIL", c.name);
  }
  std::printf("%zu cases, %d failed\n", nnkit::test::registry().size(), failed_cases);
  return failed_cases == 0 ? 0 : 1;
}

// Every family has its own AVX2 table; AVX-512 has one only where it measured >= 10% faster (see
// each *_simd.cc) and runs the AVX2 table elsewhere. A table left out or added by mistake shows
// here before it shows in a benchmark.
TEST(each_path_dispatches_to_its_own_table_or_its_fallback) {
  using namespace nnkit::kernels;
  CHECK(&layer_kernels(SimdPath::scalar) == &layer_kernels_scalar(), "layers scalar");
  if (simd_path_supported(SimdPath::neon)) {  // every vector-layer family has a NEON table, and GEMM
    CHECK(layer_kernels_neon() && &layer_kernels(SimdPath::neon) == layer_kernels_neon(), "layers neon");
    CHECK(rng_kernels_neon() && &rng_kernels(SimdPath::neon) == rng_kernels_neon(), "rng neon");
    CHECK(loss_kernels_neon() && &loss_kernels(SimdPath::neon) == loss_kernels_neon(), "loss neon");
    CHECK(stats_kernels_neon() && dropout_kernels_neon() && batchnorm_kernels_neon() && optim_kernels_neon() &&
              regularize_kernels_neon(),
          "a NEON table is missing");
    CHECK(gemm_kernels_neon() && &gemm_kernels(SimdPath::neon) == gemm_kernels_neon(), "gemm neon");
  } else {
    CHECK(!layer_kernels_neon() && !rng_kernels_neon() && !gemm_kernels_neon(), "NEON tables in a build that cannot run them");
  }
  if (!simd_path_supported(SimdPath::avx2)) {
    std::printf("skipped: AVX2 table dispatch (this CPU or build has no AVX2 path)\n");
    return;
  }
  CHECK(&layer_kernels(SimdPath::avx2) == layer_kernels_avx2(), "layers avx2");
  CHECK(&rng_kernels(SimdPath::avx2) == rng_kernels_avx2(), "rng avx2");
  CHECK(&loss_kernels(SimdPath::avx2) == loss_kernels_avx2(), "loss avx2");
  if (!simd_path_supported(SimdPath::avx512)) {
    std::printf("skipped: AVX-512 table dispatch (this CPU or build has no AVX-512 path)\n");
    return;
  }
  // Own AVX-512 tables.
  CHECK(rng_kernels_avx512() && &rng_kernels(SimdPath::avx512) == rng_kernels_avx512(), "rng");
  CHECK(dropout_kernels_avx512() && &dropout_kernels(SimdPath::avx512) == dropout_kernels_avx512(), "dropout");
  CHECK(loss_kernels_avx512() && &loss_kernels(SimdPath::avx512) == loss_kernels_avx512(), "loss");
  CHECK(stats_kernels_avx512() && &stats_kernels(SimdPath::avx512) == stats_kernels_avx512(), "stats");
  CHECK(gemm_kernels_avx512() && &gemm_kernels(SimdPath::avx512) == gemm_kernels_avx512(), "gemm");
  // The AVX2 tables.
  CHECK(!layer_kernels_avx512() && &layer_kernels(SimdPath::avx512) == layer_kernels_avx2(), "layers");
  CHECK(!optim_kernels_avx512() && &optim_kernels(SimdPath::avx512) == optim_kernels_avx2(), "optim");
  CHECK(!batchnorm_kernels_avx512() && &batchnorm_kernels(SimdPath::avx512) == batchnorm_kernels_avx2(), "batchnorm");
  CHECK(!regularize_kernels_avx512() && &regularize_kernels(SimdPath::avx512) == regularize_kernels_avx2(),
        "regularize");
}
