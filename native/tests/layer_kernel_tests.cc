// Tests of the layer, batch-normalization and dropout kernels: every compiled SIMD path
// against the scalar twin (bit for bit), the scalar twin against float64 references, and the
// thread-count independence of every driver. Sizes are odd so every tail runs.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "../kernels/batchnorm.h"
#include "../kernels/cpu.h"
#include "../kernels/dropout.h"
#include "../kernels/layers.h"
#include "../kernels/parallel.h"
#include "../kernels/rng.h"
#include "test_harness.h"

using namespace nnkit;
using namespace nnkit::kernels;

namespace {

std::vector<float> data(std::size_t n, std::uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::vector<float> out(n);
  std::uint32_t s = seed * 2654435761u + 12345u;
  for (auto& v : out) {
    s = s * 1664525u + 1013904223u;
    v = lo + (hi - lo) * static_cast<float>(s >> 8) / 16777216.0f;
  }
  return out;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

template <typename Fn>
void with_threads(int n, Fn&& fn) {
  const int saved = thread_count();
  set_thread_count(n);
  fn();
  set_thread_count(saved);
}

}  // namespace

TEST(relu_forward_backward_every_path) {
  for (std::size_t n : {1u, 7u, 8u, 9u, 31u, 65537u, 131075u}) {
    auto x = data(n, 11), dy = data(n, 12);
    x[0] = -0.0f;
    if (n > 2) x[1] = std::nanf("");
    if (n > 3) x[2] = 0.0f;
    for (SimdPath path : nnkit::test::supported_paths()) {
      std::vector<float> out(n), dx(n);
      relu_forward(path, x.data(), out.data(), n);
      relu_backward(path, dy.data(), x.data(), dx.data(), n);
      for (std::size_t i = 0; i < n; ++i) {
        const float expect = x[i] < 0.0f ? 0.0f : x[i];
        CHECK(std::memcmp(&out[i], &expect, 4) == 0 || (std::isnan(out[i]) && std::isnan(expect)),
              "%s relu n=%zu i=%zu", simd_path_name(path), n, i);
        CHECK(dx[i] == (x[i] > 0.0f ? dy[i] : 0.0f), "%s relu' n=%zu i=%zu", simd_path_name(path), n, i);
      }
      std::vector<float> inplace = x;
      relu_forward(path, inplace.data(), inplace.data(), n);
      CHECK(std::memcmp(inplace.data(), out.data(), n * 4) == 0, "in place n=%zu", n);
    }
  }
}

TEST(column_sums_match_float64_and_paths) {
  const std::size_t shapes[][2] = {{1, 1}, {3, 7}, {17, 9}, {129, 65}, {1000, 131}, {5, 1000}};
  for (const auto& s : shapes) {
    const std::size_t rows = s[0], cols = s[1];
    const auto a = data(rows * cols, 3, -5.0f, 5.0f);
    std::vector<float> ref(cols);
    for (std::size_t j = 0; j < cols; ++j) {
      double acc = 0;
      for (std::size_t i = 0; i < rows; ++i) acc += a[i * cols + j];
      ref[j] = static_cast<float>(acc);
    }
    for (SimdPath path : nnkit::test::supported_paths()) {
      std::vector<float> sums(cols);
      column_sums(path, a.data(), rows, cols, sums.data());
      CHECK(same_bits(sums, ref), "%s %zux%zu", simd_path_name(path), rows, cols);
    }
  }
}

namespace {

struct BnReference {
  std::vector<double> y, mean, var, rm, rv, dx, dgamma, dbeta;
};

BnReference bn_reference(const std::vector<float>& x, const std::vector<float>& dy, const std::vector<float>& gamma,
                         const std::vector<float>& beta, std::size_t n, std::size_t d, double eps, double m) {
  BnReference r;
  r.y.resize(n * d);
  r.dx.resize(n * d);
  r.mean.assign(d, 0);
  r.var.assign(d, 0);
  r.rm.assign(d, 0);
  r.rv.assign(d, 1);
  r.dgamma.assign(d, 0);
  r.dbeta.assign(d, 0);
  for (std::size_t j = 0; j < d; ++j) {
    double mu = 0, v = 0;
    for (std::size_t i = 0; i < n; ++i) mu += x[i * d + j];
    mu /= n;
    for (std::size_t i = 0; i < n; ++i) v += (x[i * d + j] - mu) * (x[i * d + j] - mu);
    v /= n;
    const double is = 1.0 / std::sqrt(v + eps);
    r.mean[j] = mu;
    r.var[j] = v;
    r.rm[j] = m * mu;
    r.rv[j] = (1 - m) + m * v * n / (n - 1);
    double sdy = 0, sdyxh = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double xh = (x[i * d + j] - mu) * is;
      r.y[i * d + j] = gamma[j] * xh + beta[j];
      sdy += dy[i * d + j];
      sdyxh += dy[i * d + j] * xh;
    }
    r.dbeta[j] = sdy;
    r.dgamma[j] = sdyxh;
    for (std::size_t i = 0; i < n; ++i) {
      const double xh = (x[i * d + j] - mu) * is;
      r.dx[i * d + j] = gamma[j] * is / n * (n * dy[i * d + j] - sdy - xh * sdyxh);
    }
  }
  return r;
}

}  // namespace

TEST(batchnorm_matches_float64_reference_every_path) {
  // {200, 4099} and {700, 1001} split into several row-block tasks with a partial last one.
  // {1025, 4100}: outputs over kBatchNormStreamBytes, written with non-temporal stores.
  const std::size_t shapes[][2] = {{2, 1}, {3, 7}, {17, 9}, {64, 65}, {129, 131}, {1000, 3}, {200, 4099}, {700, 1001}, {1025, 4100}};
  for (const auto& s : shapes) {
    const std::size_t n = s[0], d = s[1];
    const auto x = data(n * d, 21, 90.0f, 110.0f);  // |mean| >> std on purpose
    const auto dy = data(n * d, 22);
    const auto gamma = data(d, 23, 0.5f, 1.5f), beta = data(d, 24);
    const BnReference r = bn_reference(x, dy, gamma, beta, n, d, 1e-5, 0.1);
    BatchNormParams p;
    p.rows = n;
    p.cols = d;
    p.gamma = gamma.data();
    p.beta = beta.data();
    std::vector<float> ref_y, ref_dx, ref_dg;
    for (SimdPath path : nnkit::test::supported_paths()) {
      std::vector<float> y(n * d), rm(d, 0.0f), rv(d, 1.0f), mean(d), invstd(d), dx(n * d), dg(d), db(d);
      batchnorm_forward_train(path, p, x.data(), y.data(), rm.data(), rv.data(), mean.data(), invstd.data());
      batchnorm_backward(path, p, dy.data(), x.data(), mean.data(), invstd.data(), dx.data(), dg.data(), db.data());
      double worst_y = 0, worst_dx = 0, worst_stats = 0, worst_sums = 0;
      for (std::size_t i = 0; i < n * d; ++i) {
        worst_y = std::fmax(worst_y, std::fabs(y[i] - r.y[i]));
        worst_dx = std::fmax(worst_dx, std::fabs(dx[i] - r.dx[i]));
      }
      for (std::size_t j = 0; j < d; ++j) {
        worst_stats = std::fmax(worst_stats, std::fabs(rm[j] - r.rm[j]) / (1 + std::fabs(r.rm[j])));
        worst_stats = std::fmax(worst_stats, std::fabs(rv[j] - r.rv[j]) / (1 + std::fabs(r.rv[j])));
        worst_sums = std::fmax(worst_sums, std::fabs(dg[j] - r.dgamma[j]) / (1 + std::fabs(r.dgamma[j])));
        worst_sums = std::fmax(worst_sums, std::fabs(db[j] - r.dbeta[j]) / (1 + std::fabs(r.dbeta[j])));
      }
      CHECK(worst_y < 2e-4, "%s %zux%zu y error %g", simd_path_name(path), n, d, worst_y);
      CHECK(worst_dx < 2e-4, "%s %zux%zu dx error %g", simd_path_name(path), n, d, worst_dx);
      CHECK(worst_stats < 1e-5, "%s %zux%zu running statistics error %g", simd_path_name(path), n, d, worst_stats);
      // dgamma/dbeta: float32 products summed in float32 over 8 rows, then float64.
      CHECK(worst_sums < 3e-5, "%s %zux%zu dgamma/dbeta error %g", simd_path_name(path), n, d, worst_sums);
      if (path == SimdPath::scalar) {
        ref_y = y;
        ref_dx = dx;
        ref_dg = dg;
      } else {
        CHECK(same_bits(y, ref_y) && same_bits(dx, ref_dx) && same_bits(dg, ref_dg), "%s differs from scalar %zux%zu",
              simd_path_name(path), n, d);
      }
      // Evaluation with the running statistics just computed.
      std::vector<float> ye(n * d);
      batchnorm_forward_eval(path, p, x.data(), ye.data(), rm.data(), rv.data());
      double worst_eval = 0;
      for (std::size_t i = 0; i < n * d; ++i) {
        const std::size_t j = i % d;
        const double expect = gamma[j] * (x[i] - static_cast<double>(rm[j])) / std::sqrt(rv[j] + 1e-5) + beta[j];
        worst_eval = std::fmax(worst_eval, std::fabs(ye[i] - expect));
      }
      CHECK(worst_eval < 1e-3, "%s eval %zux%zu error %g", simd_path_name(path), n, d, worst_eval);
    }
  }
}

TEST(batchnorm_is_independent_of_thread_count) {
  const std::size_t n = 1301, d = 517;  // 3 row-block tasks, the last one partial
  const auto x = data(n * d, 31), dy = data(n * d, 32);
  BatchNormParams p;
  p.rows = n;
  p.cols = d;
  std::vector<float> y1(n * d), y3(n * d), dx1(n * d), dx3(n * d), rm(d), rv(d), mean(d), invstd(d);
  with_threads(1, [&] {
    batchnorm_forward_train(active_simd_path(), p, x.data(), y1.data(), rm.data(), rv.data(), mean.data(), invstd.data());
    batchnorm_backward(active_simd_path(), p, dy.data(), x.data(), mean.data(), invstd.data(), dx1.data(), nullptr, nullptr);
  });
  with_threads(3, [&] {
    batchnorm_forward_train(active_simd_path(), p, x.data(), y3.data(), rm.data(), rv.data(), mean.data(), invstd.data());
    batchnorm_backward(active_simd_path(), p, dy.data(), x.data(), mean.data(), invstd.data(), dx3.data(), nullptr, nullptr);
  });
  CHECK(same_bits(y1, y3) && same_bits(dx1, dx3));
}

TEST(dropout_mask_follows_the_rng_words_every_path) {
  const RngStream s{{0xdeadbeefu, 42u}, 7};
  // The second offset makes the block counter carry into its high word inside a chunk.
  for (std::uint64_t offset : {std::uint64_t{24}, std::uint64_t{0xfffffff4u}})
  for (std::size_t n : {1u, 31u, 32u, 33u, 95u, 65536u + 17u, 200003u}) {
    for (double p : {0.5, 0.1, 0.999, 1.0}) {
      const auto x = data(n, 41);
      std::vector<std::uint32_t> words(n);
      rng_fill_bits(SimdPath::scalar, s, offset, words.data(), n);
      const double t = std::ceil(p * 4294967296.0);
      const float scale = static_cast<float>(1.0 / p);
      std::vector<float> ref_out;
      std::vector<std::uint32_t> ref_mask;
      for (SimdPath path : nnkit::test::supported_paths()) {
        std::vector<float> out(n), dx(n);
        std::vector<std::uint32_t> mask(dropout_mask_words(n), 0xabababab);
        dropout_forward(path, s, offset, p, scale, x.data(), out.data(), mask.data(), n);
        std::size_t wrong = 0;
        for (std::size_t i = 0; i < n; ++i) {
          const bool keep = static_cast<double>(words[i]) < t;
          const bool bit = (mask[i / 32] >> (i % 32)) & 1u;
          if (bit != keep || out[i] != (keep ? x[i] * scale : 0.0f)) ++wrong;
        }
        CHECK(wrong == 0, "%s n=%zu p=%g: %zu wrong", simd_path_name(path), n, p, wrong);
        if (n % 32 != 0) CHECK((mask.back() >> (n % 32)) == 0, "bits past n are set, n=%zu", n);
        dropout_backward(path, x.data(), mask.data(), scale, dx.data(), n);
        CHECK(std::memcmp(dx.data(), out.data(), n * 4) == 0, "%s backward n=%zu p=%g", simd_path_name(path), n, p);
        if (path == SimdPath::scalar) {
          ref_out = out;
          ref_mask = mask;
        } else {
          CHECK(same_bits(out, ref_out) && mask == ref_mask, "%s differs from scalar", simd_path_name(path));
        }
      }
    }
  }
}

TEST(dropout_is_independent_of_thread_count) {
  const RngStream s{{1u, 2u}, 3};
  const std::size_t n = 300007;
  const auto x = data(n, 51);
  std::vector<float> o1(n), o2(n);
  std::vector<std::uint32_t> m1(dropout_mask_words(n)), m2(m1.size());
  with_threads(1, [&] { dropout_forward(active_simd_path(), s, 0, 0.3, 1.0f, x.data(), o1.data(), m1.data(), n); });
  with_threads(3, [&] { dropout_forward(active_simd_path(), s, 0, 0.3, 1.0f, x.data(), o2.data(), m2.data(), n); });
  CHECK(same_bits(o1, o2) && m1 == m2);
}

TEST(dropout_large_outputs_stream_and_match) {
  // Over kDropoutStreamBytes the outputs are written with non-temporal stores.
  const std::size_t n = kDropoutStreamBytes / sizeof(float) + 45;
  const RngStream s{{5u, 6u}, 7};
  const auto x = data(n, 61);
  std::vector<std::uint32_t> words(n);
  rng_fill_bits(SimdPath::scalar, s, 0, words.data(), n);
  const double p = 0.7;
  const auto t = static_cast<std::uint32_t>(std::ceil(p * 4294967296.0));
  const float scale = static_cast<float>(1.0 / p);
  for (SimdPath path : nnkit::test::supported_paths()) {
    std::vector<float> out(n), dx(n);
    std::vector<std::uint32_t> mask(dropout_mask_words(n));
    dropout_forward(path, s, 0, p, scale, x.data(), out.data(), mask.data(), n);
    dropout_backward(path, x.data(), mask.data(), scale, dx.data(), n);
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const bool keep = words[i] < t;
      const float expect = keep ? x[i] * scale : 0.0f;
      if (((mask[i / 32] >> (i % 32)) & 1u) != static_cast<std::uint32_t>(keep) || out[i] != expect || dx[i] != expect)
        ++wrong;
    }
    CHECK(wrong == 0, "%s: %zu wrong of %zu", simd_path_name(path), wrong, n);
  }
}
