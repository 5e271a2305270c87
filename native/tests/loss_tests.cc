// Loss and regularization kernels against float64 references written here, on every compiled
// SIMD path, on odd row lengths so every masked tail runs (also under ASan/UBSan in CI).
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "../kernels/cpu.h"
#include "../kernels/loss.h"
#include "../kernels/loss_math.h"
#include "../kernels/parallel.h"
#include "../kernels/regularize.h"
#include "test_harness.h"

using namespace nnkit;
using namespace nnkit::kernels;

namespace {

// Float64 softmax cross-entropy: Σ_i (log Σ_j e^{f_ij} − f_iy) and grad_scale · (softmax − onehot).
template <typename Labels>
double reference_softmax(const std::vector<float>& f, const Labels& y, std::size_t n, std::size_t c, double grad_scale,
                         std::vector<double>& grad) {
  grad.assign(n * c, 0.0);
  double loss = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    double mx = -1e300, sum = 0.0;
    for (std::size_t j = 0; j < c; ++j) mx = std::fmax(mx, f[i * c + j]);
    for (std::size_t j = 0; j < c; ++j) sum += std::exp(f[i * c + j] - mx);
    loss += std::log(sum) + mx - f[i * c + y[i]];
    for (std::size_t j = 0; j < c; ++j)
      grad[i * c + j] = grad_scale * (std::exp(f[i * c + j] - mx) / sum - (static_cast<int>(j) == y[i] ? 1.0 : 0.0));
  }
  return loss;
}

std::vector<float> data(std::size_t n, std::uint32_t seed, float lo, float hi) {
  std::vector<float> out(n);
  std::uint32_t s = seed * 2654435761u + 777u;
  for (auto& v : out) {
    s = s * 1664525u + 1013904223u;
    v = lo + (hi - lo) * static_cast<float>(s >> 8) / 16777216.0f;
  }
  return out;
}

std::vector<std::int32_t> labels_for(std::size_t n, std::size_t c, std::uint32_t seed) {
  std::vector<std::int32_t> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::int32_t>((i * 7919u + seed) % c);
  return out;
}

bool close(double got, double want, double rel, double abs) {
  return std::fabs(got - want) <= abs + rel * std::fabs(want);
}

const std::size_t kCols[] = {1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 100};

}  // namespace

TEST(exp_and_log1p_twins_match_libm) {
  for (float x = -100.0f; x <= 0.0f; x += 0.01337f) {
    const double want = std::exp(static_cast<double>(x));
    const float got = loss_math::exp_neg(x);
    CHECK(close(got, want, 3e-7, 2e-38), "exp(%g) = %g, want %g", x, got, want);
  }
  for (float u = 0.0f; u <= 1.0f; u += 0.000731f) {
    const double want = std::log1p(static_cast<double>(u));
    CHECK(close(loss_math::log1p_unit(u), want, 3e-7, 1e-30), "log1p(%g)", u);
  }
  CHECK(close(loss_math::log1p_unit(1e-30f), 1e-30, 1e-6, 0), "log1p of a tiny argument");
  for (float e : {1.0f, 0.9f, 0.5f, 0.1f, 1e-3f, 1e-7f, 1e-20f, 1.6e-38f}) {
    float l, s;
    loss_math::softplus_sigmoid(e, &l, &s);
    CHECK(close(l, std::log1p(static_cast<double>(e)), 3e-7, 1e-44), "log1p(%g) = %g", e, l);
    CHECK(close(s, 1.0 / (1.0 + e), 3e-7, 0), "1/(1+%g) = %g", e, s);
  }
}

TEST(softmax_and_svm_match_float64_on_every_tail) {
  for (SimdPath path : nnkit::test::supported_paths())
    for (std::size_t c : kCols) {
      const std::size_t n = 5;
      auto f = data(n * c, static_cast<std::uint32_t>(c), -4.0f, 4.0f);
      auto y = labels_for(n, c, 3);
      const LabelView lv{y.data(), LabelType::int32};
      std::vector<float> g(n * c);
      // softmax
      const double loss = loss_softmax(path, f.data(), n, c, lv, 0.5f, g.data());
      std::vector<double> ref_grad;
      const double want = reference_softmax(f, y, n, c, 0.5, ref_grad);
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < c; ++j) {
          const double gj = ref_grad[i * c + j];
          CHECK(close(g[i * c + j], gj, 1e-5, 1e-6), "%s softmax c=%zu grad[%zu,%zu] %g vs %g", simd_path_name(path), c,
                i, j, g[i * c + j], gj);
        }
      }
      CHECK(close(loss, want, 1e-5, 1e-6), "%s softmax c=%zu loss %g vs %g", simd_path_name(path), c, loss, want);
      // svm, plain and squared
      for (bool squared : {false, true}) {
        const double l = loss_svm(path, f.data(), n, c, lv, 1.0f, squared, 1.0f, g.data());
        double w = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
          double count = 0.0;
          const double fy = f[i * c + y[i]];
          for (std::size_t j = 0; j < c; ++j) {
            if (static_cast<int>(j) == y[i]) continue;
            const double m = f[i * c + j] - fy + 1.0;
            const double slope = m > 0 ? (squared ? 2 * m : 1.0) : 0.0;
            w += m > 0 ? (squared ? m * m : m) : 0.0;
            count += slope;
            CHECK(close(g[i * c + j], slope, 1e-5, 1e-5), "%s svm grad", simd_path_name(path));
          }
          CHECK(close(g[i * c + y[i]], -count, 1e-5, 1e-5), "%s svm grad at label", simd_path_name(path));
        }
        CHECK(close(l, w, 1e-5, 1e-5), "%s svm c=%zu squared=%d %g vs %g", simd_path_name(path), c, squared, l, w);
      }
    }
}

TEST(target_losses_match_float64_on_every_tail) {
  for (SimdPath path : nnkit::test::supported_paths())
    for (std::size_t c : kCols) {
      const std::size_t n = 4;
      auto f = data(n * c, static_cast<std::uint32_t>(c) + 9, -30.0f, 30.0f);
      auto u = data(n * c, static_cast<std::uint32_t>(c) + 99, 0.0f, 1.0f);
      std::vector<float> bin(n * c), pm(n * c), g(n * c);
      for (std::size_t i = 0; i < n * c; ++i) {
        bin[i] = u[i] < 0.5f ? 0.0f : 1.0f;
        pm[i] = u[i] < 0.3f ? -1.0f : (u[i] < 0.6f ? 0.0f : 1.0f);
      }
      struct Case {
        TargetLoss kind;
        const std::vector<float>* t;
      };
      for (const Case& k : {Case{TargetLoss::sigmoid_cross_entropy, &u}, Case{TargetLoss::sigmoid_cross_entropy, &bin},
                            Case{TargetLoss::multilabel_hinge, &pm}, Case{TargetLoss::l2, &u}, Case{TargetLoss::l1, &u}}) {
        std::size_t bad = 0;
        const double l = loss_with_targets(path, k.kind, f.data(), k.t->data(), n, c, 1.0f, g.data(), &bad);
        CHECK(bad == n, "%s valid targets reported bad at row %zu", simd_path_name(path), bad);
        double w = 0.0;
        for (std::size_t i = 0; i < n * c; ++i) {
          const double x = f[i], t = (*k.t)[i];
          double term = 0, grad = 0;
          switch (k.kind) {
            case TargetLoss::sigmoid_cross_entropy:
              term = std::fmax(x, 0) - x * t + std::log1p(std::exp(-std::fabs(x)));
              grad = 1 / (1 + std::exp(-x)) - t;
              break;
            case TargetLoss::multilabel_hinge: {
              const double s = t > 0 ? 1 : -1;
              term = std::fmax(0, 1 - s * x);
              grad = 1 - s * x > 0 ? -s : 0;
              break;
            }
            case TargetLoss::l2: term = (x - t) * (x - t); grad = 2 * (x - t); break;
            case TargetLoss::l1: term = std::fabs(x - t); grad = x > t ? 1 : (x < t ? -1 : 0); break;
          }
          w += term;
          CHECK(close(g[i], grad, 1e-5, 1e-6), "%s kind=%d c=%zu grad[%zu] %g vs %g", simd_path_name(path),
                static_cast<int>(k.kind), c, i, g[i], grad);
        }
        CHECK(close(l, w, 2e-5, 1e-5), "%s kind=%d c=%zu loss %g vs %g", simd_path_name(path), static_cast<int>(k.kind),
              c, l, w);
      }
    }
}

TEST(nonfinite_scores_poison_only_their_row) {
  for (SimdPath path : nnkit::test::supported_paths()) {
    const std::size_t n = 3, c = 11;
    auto f = data(n * c, 5, -1.0f, 1.0f);
    f[1 * c + 9] = NAN;
    auto y = labels_for(n, c, 1);
    std::vector<float> g(n * c);
    const double loss = loss_softmax(path, f.data(), n, c, {y.data(), LabelType::int32}, 1.0f, g.data());
    CHECK(std::isnan(loss), "%s loss is NaN", simd_path_name(path));
    for (std::size_t j = 0; j < c; ++j) {
      CHECK(std::isnan(g[c + j]), "%s poisoned row", simd_path_name(path));
      CHECK(std::isfinite(g[j]) && std::isfinite(g[2 * c + j]), "%s other rows finite", simd_path_name(path));
    }
  }
}

TEST(large_scores_stay_finite) {
  for (SimdPath path : nnkit::test::supported_paths()) {
    const std::size_t n = 2, c = 13;
    auto f = data(n * c, 8, -1e4f, 1e4f);
    auto y = labels_for(n, c, 0);
    std::vector<float> g(n * c), t(n * c, 1.0f);
    const double l = loss_softmax(path, f.data(), n, c, {y.data(), LabelType::int32}, 1.0f, g.data());
    CHECK(std::isfinite(l), "softmax finite");
    for (float v : g) CHECK(std::isfinite(v), "softmax grad finite");
    std::size_t bad = 0;
    const double s = loss_with_targets(path, TargetLoss::sigmoid_cross_entropy, f.data(), t.data(), n, c, 1.0f, g.data(), &bad);
    CHECK(std::isfinite(s), "sigmoid finite");
    for (float v : g) CHECK(std::isfinite(v), "sigmoid grad finite");
  }
}

TEST(losses_are_independent_of_thread_count) {
  const std::size_t n = 301, c = 997;
  auto f = data(n * c, 12, -3.0f, 3.0f);
  auto y = labels_for(n, c, 4);
  const int saved = thread_count();
  double losses[2];
  std::vector<float> g1(n * c), g2(n * c);
  set_thread_count(1);
  losses[0] = loss_softmax(active_simd_path(), f.data(), n, c, {y.data(), LabelType::int32}, 1.0f, g1.data());
  set_thread_count(3);
  losses[1] = loss_softmax(active_simd_path(), f.data(), n, c, {y.data(), LabelType::int32}, 1.0f, g2.data());
  set_thread_count(saved);
  CHECK(losses[0] == losses[1], "%.17g vs %.17g", losses[0], losses[1]);
  CHECK(std::memcmp(g1.data(), g2.data(), g1.size() * sizeof(float)) == 0, "gradients differ");
}

TEST(penalty_and_max_norm_match_float64) {
  for (SimdPath path : nnkit::test::supported_paths())
    for (std::size_t cols : kCols) {
      const std::size_t rows = 13, n = rows * cols;
      auto w = data(n, static_cast<std::uint32_t>(cols) + 1, -2.0f, 2.0f);
      w[0] = 0.0f;
      std::vector<float> g(n, 0.5f);
      const PenaltySums s = penalty(path, w.data(), n, 0.3f, 0.7f, g.data());
      double sa = 0, sq = 0;
      for (std::size_t i = 0; i < n; ++i) {
        sa += std::fabs(w[i]);
        sq += static_cast<double>(w[i]) * w[i];
        const double sign = w[i] > 0 ? 1 : (w[i] < 0 ? -1 : 0);
        CHECK(close(g[i], 0.5 + 0.3 * sign + 0.7 * w[i], 1e-6, 1e-6), "%s penalty grad", simd_path_name(path));
      }
      CHECK(close(s.abs_sum, sa, 1e-5, 0) && close(s.square_sum, sq, 1e-5, 0), "%s penalty sums", simd_path_name(path));
      for (bool by_rows : {false, true}) {
        auto m = w;
        const float c = 2.5f;
        const std::size_t clipped = max_norm(path, m.data(), rows, cols, c, by_rows);
        const std::size_t vectors = by_rows ? rows : cols, len = by_rows ? cols : rows;
        std::size_t want = 0;
        for (std::size_t v = 0; v < vectors; ++v) {
          double norm = 0;
          for (std::size_t k = 0; k < len; ++k) {
            const double x = by_rows ? w[v * cols + k] : w[k * cols + v];
            norm += x * x;
          }
          norm = std::sqrt(norm);
          const double factor = norm > c ? c / norm : 1.0;
          want += norm > c;
          for (std::size_t k = 0; k < len; ++k) {
            const std::size_t at = by_rows ? v * cols + k : k * cols + v;
            CHECK(close(m[at], w[at] * factor, 1e-5, 1e-6), "%s max norm value", simd_path_name(path));
          }
        }
        CHECK(clipped == want, "%s cols=%zu by_rows=%d clipped %zu want %zu", simd_path_name(path), cols, by_rows,
              clipped, want);
      }
    }
}

// Column max-norm over several row bands and column blocks (the tiles of the two passes), with
// unclipped and NaN columns among the clipped ones: float64 values and the same bits for any
// thread count.
TEST(max_norm_columns_across_tiles) {
  const std::size_t rows = 2 * kMaxNormBandRows + 37, cols = 2 * kMaxNormBlockCols + 45, n = rows * cols;
  auto w = data(n, 77, -1.0f, 1.0f);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t j = 0; j < cols; j += 7) w[r * cols + j] *= 0.01f;  // norms ~0.14: left alone
  w[300 * cols + 4100] = std::nanf("");
  const float c = 10.0f;  // the other columns' norms are ~13.5
  std::vector<double> factor(cols);
  std::size_t want = 0;
  for (std::size_t j = 0; j < cols; ++j) {
    double sum = 0;
    for (std::size_t r = 0; r < rows; ++r) sum += static_cast<double>(w[r * cols + j]) * w[r * cols + j];
    const double norm = std::sqrt(sum);
    factor[j] = norm > c ? c / norm : 1.0;
    want += norm > c;
  }
  const int saved = thread_count();
  for (SimdPath path : nnkit::test::supported_paths()) {
    auto one = w, many = w;
    set_thread_count(1);
    const std::size_t clipped = max_norm(path, one.data(), rows, cols, c, false);
    set_thread_count(3);
    max_norm(path, many.data(), rows, cols, c, false);
    CHECK(clipped == want, "%s clipped %zu want %zu", simd_path_name(path), clipped, want);
    CHECK(std::memcmp(one.data(), many.data(), n * sizeof(float)) == 0, "%s: thread count changed the result",
          simd_path_name(path));
    std::size_t bad = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double expect = w[i] * factor[i % cols];
      if (std::isnan(expect) ? !std::isnan(one[i]) : !close(one[i], expect, 1e-5, 1e-7)) ++bad;
    }
    CHECK(bad == 0, "%s: %zu values differ from float64", simd_path_name(path), bad);
    CHECK(std::isnan(one[300 * cols + 4100]) && one[cols + 4100] == w[cols + 4100], "%s: NaN column touched",
          simd_path_name(path));
  }
  set_thread_count(saved);
}

TEST(softmax_lane_rows_match_float64_and_stay_in_bounds) {
  for (SimdPath path : nnkit::test::supported_paths())
    for (std::size_t c = 1; c <= 17; ++c)
      for (std::size_t n : {8u, 9u, 16u, 23u, 25u, 40u}) {  // one block, two, two then one, tails
        const std::size_t guard = 16;
        auto f = data(n * c, static_cast<std::uint32_t>(c * 31 + n), -6.0f, 6.0f);
        auto y = labels_for(n, c, static_cast<std::uint32_t>(n));
        std::vector<float> buffer(n * c + 2 * guard, 7.0f);
        float* g = buffer.data() + guard;
        const double loss = loss_softmax(path, f.data(), n, c, {y.data(), LabelType::int32}, 0.25f, g);
        std::vector<double> ref_grad;
        const double want = reference_softmax(f, y, n, c, 0.25, ref_grad);
        for (std::size_t i = 0; i < n; ++i) {
          for (std::size_t j = 0; j < c; ++j) {
            const double gj = ref_grad[i * c + j];
            CHECK(close(g[i * c + j], gj, 1e-5, 1e-7), "%s c=%zu n=%zu grad[%zu,%zu] %g vs %g", simd_path_name(path), c, n,
                  i, j, g[i * c + j], gj);
          }
        }
        CHECK(close(loss, want, 1e-5, 1e-6), "%s c=%zu n=%zu loss %g vs %g", simd_path_name(path), c, n, loss, want);
        for (std::size_t k = 0; k < guard; ++k)
          CHECK(buffer[k] == 7.0f && buffer[guard + n * c + k] == 7.0f, "%s c=%zu n=%zu wrote outside the gradient",
                simd_path_name(path), c, n);
      }
}

TEST(softmax_paths_agree_over_the_whole_exp_range) {
  // Scores from −100 to 1: exponent arguments cover the clamp at −87 and the whole range above.
  const std::size_t c = 203;
  std::vector<float> f(c);
  for (std::size_t j = 0; j < c; ++j) f[j] = -100.0f + 0.5f * static_cast<float>(j);
  std::vector<float> a(c), b(c);
  softmax_probabilities(SimdPath::scalar, f.data(), 1, c, a.data());
  for (SimdPath path : nnkit::test::supported_paths()) {
    softmax_probabilities(path, f.data(), 1, c, b.data());
    for (std::size_t j = 0; j < c; ++j)
      CHECK(close(a[j], b[j], 2e-6, 1e-37), "%s prob %zu: %g vs %g", simd_path_name(path), j, a[j], b[j]);
  }
}
