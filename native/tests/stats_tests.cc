// Column-statistics kernels against float64 two-pass references, bit-for-bit agreement of every
// compiled SIMD path, thread-count independence and non-finite detection. Sizes straddle the
// 1024-row and 256-column tiles and the 8-wide vectors so every tail runs.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "../kernels/cpu.h"
#include "../kernels/error.h"
#include "../kernels/parallel.h"
#include "../kernels/stats.h"
#include "test_harness.h"

using namespace nnkit;
using namespace nnkit::kernels;

namespace {

// Values around `offset` (pixel-like data), spread ~1 per column plus a per-column scale.
std::vector<float> offset_data(std::size_t rows, std::size_t cols, std::uint32_t seed, float offset) {
  std::vector<float> out(rows * cols);
  std::uint32_t s = seed * 2654435761u + 12345u;
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j) {
      s = s * 1664525u + 1013904223u;
      const float u = static_cast<float>((s >> 8) & 0xffff) / 32768.0f - 1.0f;
      out[i * cols + j] = offset + u * static_cast<float>(1 + j % 5);
    }
  return out;
}

const std::size_t kShapes[][2] = {{1, 1}, {1, 9}, {3, 7}, {5, 8}, {17, 33}, {1023, 9}, {1025, 257}, {2100, 300}};

bool same_bits(const double* a, const double* b, std::size_t n) { return std::memcmp(a, b, n * sizeof(double)) == 0; }

}  // namespace

TEST(stats_moments_match_float64_two_pass) {
  for (const auto& shape : kShapes) {
    const std::size_t rows = shape[0], cols = shape[1];
    const std::vector<float> x = offset_data(rows, cols, 7, 200.0f);
    std::vector<double> ref_mean(cols, 0.0), ref_m2(cols, 0.0);
    for (std::size_t j = 0; j < cols; ++j) {
      for (std::size_t i = 0; i < rows; ++i) ref_mean[j] += x[i * cols + j];
      ref_mean[j] /= static_cast<double>(rows);
      for (std::size_t i = 0; i < rows; ++i) {
        const double d = x[i * cols + j] - ref_mean[j];
        ref_m2[j] += d * d;
      }
    }
    std::vector<double> first_mean, first_m2;
    for (SimdPath path : nnkit::test::supported_paths()) {
      std::vector<double> mean(cols), m2(cols);
      column_moments(path, x.data(), rows, cols, mean.data(), m2.data());
      for (std::size_t j = 0; j < cols; ++j) {
        CHECK(std::fabs(mean[j] - ref_mean[j]) <= 1e-12 * 200, "%s %zux%zu mean[%zu] %.17g vs %.17g",
              simd_path_name(path), rows, cols, j, mean[j], ref_mean[j]);
        CHECK(std::fabs(m2[j] - ref_m2[j]) <= 1e-10 * (ref_m2[j] + 1), "%s %zux%zu m2[%zu] %.17g vs %.17g",
              simd_path_name(path), rows, cols, j, m2[j], ref_m2[j]);
      }
      if (first_mean.empty()) {
        first_mean = mean;
        first_m2 = m2;
      } else {
        CHECK(same_bits(mean.data(), first_mean.data(), cols) && same_bits(m2.data(), first_m2.data(), cols),
              "%s differs from scalar at %zux%zu", simd_path_name(path), rows, cols);
      }
    }
  }
}

TEST(stats_moments_are_independent_of_thread_count) {
  const std::size_t rows = 3000, cols = 600;
  const std::vector<float> x = offset_data(rows, cols, 11, 1e4f);
  std::vector<double> mean1(cols), m21(cols), mean(cols), m2(cols);
  set_thread_count(1);
  column_moments(x.data(), rows, cols, mean1.data(), m21.data());
  for (int threads : {2, 3, 8}) {
    set_thread_count(threads);
    column_moments(x.data(), rows, cols, mean.data(), m2.data());
    CHECK(same_bits(mean.data(), mean1.data(), cols) && same_bits(m2.data(), m21.data(), cols), "threads=%d", threads);
  }
  set_thread_count(2);
}

TEST(stats_constant_columns_have_zero_m2) {
  const std::size_t rows = 2049, cols = 13;
  std::vector<float> x(rows * cols, 255.0f);
  for (SimdPath path : nnkit::test::supported_paths()) {
    std::vector<double> mean(cols), m2(cols);
    column_moments(path, x.data(), rows, cols, mean.data(), m2.data());
    for (std::size_t j = 0; j < cols; ++j) CHECK(mean[j] == 255.0 && m2[j] == 0.0, "column %zu", j);
  }
}

TEST(stats_merge_of_splits_equals_whole) {
  const std::size_t rows = 777, cols = 19, split = 300;
  const std::vector<float> x = offset_data(rows, cols, 3, 50.0f);
  std::vector<double> mean(cols), m2(cols), mean_b(cols), m2_b(cols), whole_mean(cols), whole_m2(cols);
  column_moments(x.data(), rows, cols, whole_mean.data(), whole_m2.data());
  column_moments(x.data(), split, cols, mean.data(), m2.data());
  column_moments(x.data() + split * cols, rows - split, cols, mean_b.data(), m2_b.data());
  merge_moments(split, mean.data(), m2.data(), rows - split, mean_b.data(), m2_b.data(), cols);
  for (std::size_t j = 0; j < cols; ++j) {
    CHECK(std::fabs(mean[j] - whole_mean[j]) < 1e-12 * 50, "mean %zu", j);
    CHECK(std::fabs(m2[j] - whole_m2[j]) < 1e-10 * whole_m2[j], "m2 %zu", j);
  }
}

TEST(stats_min_max_match_reference_on_every_path) {
  for (const auto& shape : kShapes) {
    const std::size_t rows = shape[0], cols = shape[1];
    const std::vector<float> x = offset_data(rows, cols, 5, -3.0f);
    for (SimdPath path : nnkit::test::supported_paths()) {
      std::vector<float> mn(cols), mx(cols);
      column_min_max(path, x.data(), rows, cols, mn.data(), mx.data());
      for (std::size_t j = 0; j < cols; ++j) {
        float lo = x[j], hi = x[j];
        for (std::size_t i = 1; i < rows; ++i) {
          lo = std::fmin(lo, x[i * cols + j]);
          hi = std::fmax(hi, x[i * cols + j]);
        }
        CHECK(mn[j] == lo && mx[j] == hi, "%s %zux%zu column %zu", simd_path_name(path), rows, cols, j);
      }
    }
  }
}

TEST(stats_reject_nan_and_infinity_anywhere) {
  const std::size_t rows = 1100, cols = 21;
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                    -std::numeric_limits<float>::infinity()}) {
    for (std::size_t at : {std::size_t{0}, std::size_t{7 * cols + 20}, rows * cols - 1, std::size_t{1050 * cols + 3}}) {
      std::vector<float> x = offset_data(rows, cols, 9, 0.0f);
      x[at] = bad;
      for (SimdPath path : nnkit::test::supported_paths()) {
        std::vector<double> mean(cols), m2(cols);
        std::vector<float> mn(cols), mx(cols);
        // The kernels report the fact; the scan finds the exact place (what the binding names).
        const bool moments_ok = column_moments(path, x.data(), rows, cols, mean.data(), m2.data());
        const bool minmax_ok = column_min_max(path, x.data(), rows, cols, mn.data(), mx.data());
        CHECK(!moments_ok && !minmax_ok, "%s bad value %g at %zu", simd_path_name(path), bad, at);
        CHECK(find_nonfinite(path, x.data(), rows * cols) == at, "%s find_nonfinite for %g at %zu", simd_path_name(path), bad, at);
        std::vector<float> y(rows * cols);
        const std::vector<float> shift(cols, 1.0f), scale(cols, 2.0f), offset(cols, 0.5f);
        CHECK(column_affine_checked(path, x.data(), y.data(), rows, cols, shift.data(), scale.data(), offset.data()) == at,
              "%s column_affine_checked for %g at %zu", simd_path_name(path), bad, at);
      }
    }
  }
}

TEST(stats_finite_data_passes_every_check) {
  const std::size_t rows = 1100, cols = 21;
  const std::vector<float> x = offset_data(rows, cols, 9, 0.0f);
  for (SimdPath path : nnkit::test::supported_paths()) {
    std::vector<double> mean(cols), m2(cols);
    std::vector<float> mn(cols), mx(cols), y(rows * cols), want(rows * cols);
    const std::vector<float> shift(cols, 1.0f), scale(cols, 2.0f), offset(cols, 0.5f);
    CHECK(column_moments(path, x.data(), rows, cols, mean.data(), m2.data()), "%s moments", simd_path_name(path));
    CHECK(column_min_max(path, x.data(), rows, cols, mn.data(), mx.data()), "%s min/max", simd_path_name(path));
    CHECK(find_nonfinite(path, x.data(), rows * cols) == kAllFinite, "%s scan", simd_path_name(path));
    CHECK(column_affine_checked(path, x.data(), y.data(), rows, cols, shift.data(), scale.data(), offset.data()) == kAllFinite,
          "%s checked affine", simd_path_name(path));
    column_affine(path, x.data(), want.data(), rows, cols, shift.data(), scale.data(), offset.data());
    CHECK(std::memcmp(y.data(), want.data(), y.size() * sizeof(float)) == 0, "%s checked affine differs", simd_path_name(path));
  }
}

TEST(stats_affine_matches_reference_in_and_out_of_place) {
  for (const auto& shape : kShapes) {
    const std::size_t rows = shape[0], cols = shape[1];
    const std::vector<float> x = offset_data(rows, cols, 13, 100.0f);
    std::vector<float> shift(cols), scale(cols), offset(cols);
    for (std::size_t j = 0; j < cols; ++j) {
      shift[j] = 100.0f + 0.25f * static_cast<float>(j % 3);
      scale[j] = 1.0f / static_cast<float>(1 + j % 5);
      offset[j] = static_cast<float>(j % 2) - 0.5f;
    }
    std::vector<float> first;
    for (SimdPath path : nnkit::test::supported_paths()) {
      std::vector<float> y(rows * cols), inplace = x;
      column_affine(path, x.data(), y.data(), rows, cols, shift.data(), scale.data(), offset.data());
      column_affine(path, inplace.data(), inplace.data(), rows, cols, shift.data(), scale.data(), offset.data());
      for (std::size_t i = 0; i < rows * cols; ++i) {
        const std::size_t j = i % cols;
        const double ref = (static_cast<double>(x[i]) - shift[j]) * scale[j] + offset[j];
        CHECK(std::fabs(y[i] - ref) <= 1e-6 * (std::fabs(ref) + 1), "%s %zux%zu element %zu", simd_path_name(path),
              rows, cols, i);
      }
      CHECK(std::memcmp(y.data(), inplace.data(), y.size() * sizeof(float)) == 0, "in place differs");
      if (first.empty())
        first = y;
      else
        CHECK(std::memcmp(y.data(), first.data(), y.size() * sizeof(float)) == 0, "%s differs from scalar",
              simd_path_name(path));
    }
  }
}

// The covariance's centering: float64 subtraction rounded once, the same bits on every path and
// for every tail (the vector body and the scalar tail meet at kLanes columns).
TEST(stats_center_matches_float64_on_every_path) {
  for (const auto& shape : kShapes) {
    const std::size_t rows = shape[0], cols = shape[1];
    const std::vector<float> x = offset_data(rows, cols, 29, 128.0f);
    std::vector<double> mean(cols);
    for (std::size_t j = 0; j < cols; ++j) mean[j] = 128.0 + 0.1 * static_cast<double>(j % 7) + 1e-9 * j;
    for (SimdPath path : nnkit::test::supported_paths()) {
      std::vector<float> y(rows * cols + 1, -7.0f);  // one canary past the end
      center_columns(path, x.data(), y.data(), rows, cols, mean.data());
      bool exact = true;
      for (std::size_t i = 0; i < rows * cols; ++i)
        exact = exact && y[i] == static_cast<float>(static_cast<double>(x[i]) - mean[i % cols]);
      CHECK(exact, "%s %zux%zu differs from float64 rounded once", simd_path_name(path), rows, cols);
      CHECK(y[rows * cols] == -7.0f, "%s %zux%zu wrote past the end", simd_path_name(path), rows, cols);
    }
  }
}
