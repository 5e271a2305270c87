// Reliability tests for the sanitizer builds (scripts/sanitize.sh): every kernel on every SIMD
// path at every tail length, on buffers allocated to the exact element count (so AddressSanitizer
// traps any read or write past the end) and starting 4 bytes into the allocation (JS memory is
// only 4-byte aligned) with a canary in front (so a write before the start is caught too).
// Also the numerical edge cases of the documented NaN policy and denormal handling.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "../kernels/cpu.h"
#include "../kernels/data.h"
#include "../kernels/gemm.h"
#include "../kernels/optim.h"
#include "../kernels/parallel.h"
#include "../kernels/rng.h"
#include "test_harness.h"

using namespace nnkit;
using namespace nnkit::kernels;

namespace {

constexpr std::uint32_t kCanary = 0xdeadbeefu;

// n elements at a 4-byte (not 16- or 32-byte) aligned address, preceded by one canary word and
// followed by nothing: the allocation ends exactly at the last element.
template <typename T>
class Exact {
 public:
  explicit Exact(std::size_t n, float fill_seed = 0) : n_(n), storage_(new std::uint32_t[n + 1]) {
    storage_[0] = kCanary;
    for (std::size_t i = 0; i < n; ++i) {
      const float v = std::sin(static_cast<float>(i) * 0.7f + fill_seed);
      std::memcpy(&storage_[i + 1], &v, 4);
    }
  }
  T* data() { return reinterpret_cast<T*>(storage_.get() + 1); }
  std::size_t size() const { return n_; }
  bool canary_intact() const { return storage_[0] == kCanary; }

 private:
  std::size_t n_;
  std::unique_ptr<std::uint32_t[]> storage_;
};
static_assert(sizeof(float) == sizeof(std::uint32_t));

double ref_dot(bool ta, bool tb, std::size_t i, std::size_t j, std::size_t m, std::size_t n, std::size_t k,
               const float* a, const float* b) {
  double acc = 0;
  for (std::size_t p = 0; p < k; ++p) acc += static_cast<double>(ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
  return acc;
}

}  // namespace

TEST(rng_every_tail_on_exact_unaligned_buffers) {
  const RngStream s{{3u, 4u}, 5};
  std::vector<std::size_t> lengths;
  for (std::size_t n = 0; n <= 100; ++n) lengths.push_back(n);
  for (std::size_t n : {255u, 256u, 257u, 1023u, 1024u, 1025u, 4097u}) lengths.push_back(n);
  for (std::size_t n : lengths) {
    Exact<float> ref_u(n), ref_z(n);
    Exact<std::uint32_t> ref_b(n);
    rng_fill_uniform(SimdPath::scalar, s, 7, ref_u.data(), n, -1.0f, 2.0f);
    rng_fill_normal(SimdPath::scalar, s, 7, ref_z.data(), n, 0.0f, 1.0f);
    rng_fill_bits(SimdPath::scalar, s, 7, ref_b.data(), n);
    for (std::size_t i = 0; i < n; ++i) {
      CHECK(ref_u.data()[i] >= -1.0f && ref_u.data()[i] <= 2.0f, "uniform n=%zu [%zu]=%g", n, i, ref_u.data()[i]);
      CHECK(std::isfinite(ref_z.data()[i]), "normal n=%zu [%zu] not finite", n, i);  // fills never produce NaN
    }
    for (SimdPath path : nnkit::test::supported_paths()) {
      Exact<float> u(n), z(n);
      Exact<std::uint32_t> b(n);
      rng_fill_uniform(path, s, 7, u.data(), n, -1.0f, 2.0f);
      rng_fill_normal(path, s, 7, z.data(), n, 0.0f, 1.0f);
      rng_fill_bits(path, s, 7, b.data(), n);
      CHECK(u.canary_intact() && z.canary_intact() && b.canary_intact(), "%s n=%zu wrote before the buffer", simd_path_name(path), n);
      CHECK(n == 0 || std::memcmp(u.data(), ref_u.data(), n * 4) == 0, "%s uniform n=%zu", simd_path_name(path), n);
      CHECK(n == 0 || std::memcmp(z.data(), ref_z.data(), n * 4) == 0, "%s normal n=%zu", simd_path_name(path), n);
      CHECK(n == 0 || std::memcmp(b.data(), ref_b.data(), n * 4) == 0, "%s bits n=%zu", simd_path_name(path), n);
    }
  }
}

TEST(rng_extreme_parameters_stay_finite) {
  // The largest finite parameters the binding accepts: results may overflow to ±inf only
  // through mean + std * z, never become NaN.
  const RngStream s{{9u, 9u}, 0};
  for (SimdPath path : nnkit::test::supported_paths()) {
    Exact<float> u(77), z(77);
    rng_fill_uniform(path, s, 0, u.data(), 77, -3.0e38f, 3.0e38f);  // hi - lo overflows float
    rng_fill_normal(path, s, 0, z.data(), 77, 0.0f, 0.0f);
    bool both_signs[2] = {false, false};
    for (std::size_t i = 0; i < 77; ++i) {
      CHECK(u.data()[i] >= -3.0e38f && u.data()[i] <= 3.0e38f, "%s uniform wide range [%zu] = %g", simd_path_name(path), i, u.data()[i]);
      both_signs[u.data()[i] > 0] = true;
      CHECK(z.data()[i] == 0.0f, "%s normal with std 0 gave %g", simd_path_name(path), z.data()[i]);
    }
    CHECK(both_signs[0] && both_signs[1], "%s uniform wide range is one-sided", simd_path_name(path));
  }
}

TEST(gemm_every_tail_on_exact_unaligned_buffers) {
  const std::size_t sizes[] = {0, 1, 2, 3, 5, 7, 8, 9, 16, 17, 33};
  for (SimdPath path : nnkit::test::supported_paths())
    for (std::size_t m : sizes)
      for (std::size_t n : sizes)
        for (std::size_t k : sizes)
          for (int t = 0; t < 4; ++t) {
            const bool ta = t & 1, tb = t & 2;
            Exact<float> a(m * k, 1.0f), b(k * n, 2.0f), c(m * n, 3.0f);
            const float beta = (m + n + k) % 2 ? 0.5f : 0.0f;
            std::vector<float> c0(c.data(), c.data() + m * n);
            sgemm_builtin(path, ta, tb, m, n, k, 1.5f, a.data(), ta ? m : k, b.data(), tb ? k : n, beta, c.data(), n);
            CHECK(a.canary_intact() && b.canary_intact() && c.canary_intact(), "%s canary m=%zu n=%zu k=%zu", simd_path_name(path), m, n, k);
            for (std::size_t i = 0; i < m; ++i)
              for (std::size_t j = 0; j < n; ++j) {
                const double want = 1.5 * ref_dot(ta, tb, i, j, m, n, k, a.data(), b.data()) + (beta != 0.0f ? beta * c0[i * n + j] : 0.0);
                const double got = c.data()[i * n + j];
                if (!(std::fabs(got - want) <= 1e-5 * (k + 1))) {
                  CHECK(false, "%s ta=%d tb=%d m=%zu n=%zu k=%zu (%zu,%zu): %g != %g", simd_path_name(path), ta, tb, m, n, k, i, j, got, want);
                  i = m;
                  break;
                }
              }
          }
}

TEST(gemm_nan_policy_and_denormals) {
  // NaN and Inf in A or B propagate to exactly the outputs whose dot product reads them
  // (BLAS semantics); beta = 0 never reads C, so NaN already in C does not leak through.
  const std::size_t m = 9, n = 11, k = 13;
  for (SimdPath path : nnkit::test::supported_paths()) {
    Exact<float> a(m * k, 1.0f), b(k * n, 2.0f), c(m * n);
    a.data()[4 * k + 6] = std::numeric_limits<float>::quiet_NaN();  // row 4 of A
    for (std::size_t i = 0; i < m * n; ++i) c.data()[i] = std::numeric_limits<float>::quiet_NaN();
    sgemm_builtin(path, false, false, m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f, c.data(), n);
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n; ++j)
        CHECK(std::isnan(c.data()[i * n + j]) == (i == 4), "%s NaN policy at (%zu,%zu): %g", simd_path_name(path), i, j, c.data()[i * n + j]);

    // Denormal inputs: products underflow to (signed) zero or stay denormal, never garbage.
    Exact<float> da(m * k), db(k * n), dc(m * n);
    for (std::size_t i = 0; i < m * k; ++i) da.data()[i] = 1e-40f * static_cast<float>(i % 5 + 1);
    for (std::size_t i = 0; i < k * n; ++i) db.data()[i] = (i % 2 ? 1e-39f : 3.0f);
    sgemm_builtin(path, false, false, m, n, k, 1.0f, da.data(), k, db.data(), n, 0.0f, dc.data(), n);
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        const double want = ref_dot(false, false, i, j, m, n, k, da.data(), db.data());
        CHECK(std::isfinite(dc.data()[i * n + j]) && std::fabs(dc.data()[i * n + j] - want) <= 1e-44 * k + 1e-6 * std::fabs(want),
              "%s denormal (%zu,%zu): %g != %g", simd_path_name(path), i, j, dc.data()[i * n + j], want);
      }
  }
}

TEST(sgd_every_tail_on_exact_unaligned_buffers) {
  for (std::size_t n = 0; n <= 70; ++n)
    for (bool nesterov : {false, true}) {
      const SgdParams p{0.1f, 0.9f, 1e-3f, nesterov};
      Exact<float> w0(n, 1.0f), g(n, 2.0f), v0(n, 3.0f);
      for (SimdPath path : nnkit::test::supported_paths()) {
        Exact<float> w(n, 1.0f), v(n, 3.0f);
        optim_kernels(path).sgd_momentum(w.data(), g.data(), v.data(), n, p);
        CHECK(w.canary_intact() && v.canary_intact() && g.canary_intact(), "%s sgd canary n=%zu", simd_path_name(path), n);
        for (std::size_t i = 0; i < n; ++i) {
          const double step = 0.1 * (g.data()[i] + 1e-3 * static_cast<double>(w0.data()[i]));
          const double vv = 0.9 * v0.data()[i] - step;
          const double ww = nesterov ? w0.data()[i] + 0.9 * vv - step : w0.data()[i] + vv;
          CHECK(std::fabs(v.data()[i] - vv) < 1e-6 && std::fabs(w.data()[i] - ww) < 1e-6, "%s sgd n=%zu i=%zu", simd_path_name(path), n, i);
        }
      }
    }
}

TEST(adam_and_rmsprop_every_tail_on_exact_unaligned_buffers) {
  // Every length up to past two AVX-512 vectors: the masked tails write nothing outside the
  // buffers (canaries), and every path gives the scalar twin's bits.
  AdamParams a{};
  a.beta1 = 0.9f, a.beta2 = 0.999f, a.one_minus_beta1 = 0.1f, a.one_minus_beta2 = 0.001f;
  a.step_size = 0.01f / 0.1f, a.inv_bc2_sqrt = 1.0f / std::sqrt(0.001f), a.eps = 1e-8f, a.l2 = 0.01f, a.decay = 1.0f;
  const RmspropParams r{0.01f, 0.99f, 0.01f, 1e-8f, 0.01f, 0.9f};
  // Exact's sin fill: second moments (v, sq) must be >= 0, so they take absolute values.
  const auto non_negative = [](Exact<float>& x) {
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = std::fabs(x.data()[i]);
  };
  for (std::size_t n = 0; n <= 40; ++n) {
    Exact<float> g(n, 0.5f);
    std::vector<float> want_w, want_r;
    for (SimdPath path : nnkit::test::supported_paths()) {
      Exact<float> w(n, 1.0f), m(n, 2.0f), v(n, 3.0f);
      non_negative(v);
      optim_kernels(path).adam(w.data(), g.data(), m.data(), v.data(), n, a);
      CHECK(w.canary_intact() && m.canary_intact() && v.canary_intact() && g.canary_intact(), "%s adam canary n=%zu", simd_path_name(path), n);
      if (want_w.empty()) want_w.assign(w.data(), w.data() + n);
      CHECK(std::equal(want_w.begin(), want_w.end(), w.data()), "%s adam n=%zu differs from the first path", simd_path_name(path), n);
      Exact<float> w2(n, 1.0f), sq(n, 4.0f), buf(n, 5.0f), avg(n, 6.0f);
      non_negative(sq);
      optim_kernels(path).rmsprop(w2.data(), g.data(), sq.data(), buf.data(), avg.data(), n, r);
      CHECK(w2.canary_intact() && sq.canary_intact() && buf.canary_intact() && avg.canary_intact(), "%s rmsprop canary n=%zu", simd_path_name(path), n);
      if (want_r.empty()) want_r.assign(w2.data(), w2.data() + n);
      CHECK(std::equal(want_r.begin(), want_r.end(), w2.data()), "%s rmsprop n=%zu differs from the first path", simd_path_name(path), n);
      for (std::size_t i = 0; i < n; ++i) CHECK(std::isfinite(w.data()[i]) && std::isfinite(w2.data()[i]), "%s n=%zu i=%zu not finite", simd_path_name(path), n, i);
    }
  }
}

TEST(data_kernels_stay_inside_exact_buffers) {
  // gather_rows and to_float32_rows on buffers with nothing after them (ASan) and a canary
  // before: every shape across the tile (256 × 16) and task boundaries, both layouts.
  for (std::size_t rows : {std::size_t{0}, std::size_t{1}, std::size_t{17}, std::size_t{257}, std::size_t{600}})
    for (std::size_t cols : {std::size_t{1}, std::size_t{15}, std::size_t{16}, std::size_t{33}}) {
      Exact<float> src(rows * cols, 1.0f);
      std::vector<double> wide(rows * cols);
      for (std::size_t i = 0; i < rows * cols; ++i) wide[i] = static_cast<double>(src.data()[i]);
      for (bool column_major : {false, true}) {
        Exact<float> out(rows * cols);
        to_float32_rows(wide.data(), ElementType::f64, rows, cols, column_major, out.data());
        CHECK(out.canary_intact(), "to_float32_rows canary %zux%zu", rows, cols);
        for (std::size_t i = 0; i < rows; ++i)
          for (std::size_t j = 0; j < cols; ++j) {
            const float want = static_cast<float>(wide[column_major ? j * rows + i : i * cols + j]);
            CHECK(out.data()[i * cols + j] == want, "to_float32_rows %zux%zu cm=%d at (%zu,%zu)", rows, cols, column_major, i, j);
          }
      }
      if (rows == 0) continue;
      std::vector<std::uint32_t> idx(rows + 3);
      for (std::size_t k = 0; k < idx.size(); ++k) idx[k] = static_cast<std::uint32_t>((k * 7) % rows);
      Exact<float> gathered(idx.size() * cols);
      CHECK(gather_rows(src.data(), rows, cols, idx.data(), idx.size(), gathered.data()) == kNoBadIndex, "gather %zux%zu", rows, cols);
      CHECK(gathered.canary_intact(), "gather canary");
      for (std::size_t k = 0; k < idx.size(); ++k)
        CHECK(std::memcmp(gathered.data() + k * cols, src.data() + idx[k] * cols, cols * sizeof(float)) == 0, "gather row %zu", k);
      idx[idx.size() - 1] = static_cast<std::uint32_t>(rows);  // out of range: reported, nothing written
      Exact<float> untouched(idx.size() * cols, 9.0f);
      const float first = untouched.data()[0];
      CHECK(gather_rows(src.data(), rows, cols, idx.data(), idx.size(), untouched.data()) == idx.size() - 1, "gather bad index");
      CHECK(untouched.data()[0] == first, "gather wrote before reporting a bad index");
    }
}

TEST(thread_pool_clamps_and_survives_resizes) {
  const int saved = thread_count();
  for (int n : {0, -5, 1, 3, 1000, 2}) {
    set_thread_count(n);
    CHECK(thread_count() >= 1 && thread_count() <= 256, "thread_count %d after set %d", thread_count(), n);
    std::vector<int> hits(97, 0);
    parallel_for(hits.size(), [&](std::size_t t) { hits[t]++; });
    parallel_for(0, [&](std::size_t) { CHECK(false, "task run for an empty range"); });
    for (int h : hits) CHECK(h == 1, "threads=%d: a task ran %d times", n, h);
  }
  set_thread_count(saved);
}

// Huge-page advice covers exactly the whole 2 MiB pages inside a buffer, marks them in the
// kernel's view of the mapping (VmFlags "hg" in /proc/self/smaps), and does nothing when off.
#if defined(__linux__)
#include <sys/mman.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "../kernels/memory.h"

namespace {
// The VmFlags of the mapping that holds `address`, from /proc/self/smaps ("" if none).
std::string vm_flags_at(const void* address) {
  std::ifstream smaps("/proc/self/smaps");
  const auto at = reinterpret_cast<std::uintptr_t>(address);
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    unsigned long lo = 0, hi = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &lo, &hi) == 2 && line.find(':') > line.find('-')) {
      inside = at >= lo && at < hi;
    } else if (inside && line.rfind("VmFlags:", 0) == 0) {
      return line.substr(8);
    }
  }
  return "";
}
}  // namespace

TEST(huge_page_advice_covers_whole_pages_only) {
  using namespace nnkit::kernels;
  constexpr std::size_t H = kHugePageBytes;
  const bool was_on = huge_pages_enabled();
  void* raw = mmap(nullptr, 8 * H, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(raw != MAP_FAILED, "mmap failed");
  if (raw == MAP_FAILED) return;
  char* aligned = reinterpret_cast<char*>((reinterpret_cast<std::uintptr_t>(raw) + H - 1) & ~(std::uintptr_t{H} - 1));
  if (was_on) {
    // 64 bytes past a boundary, 3 pages and a bit long: the 2 whole pages inside, no more.
    CHECK(advise_huge_pages(aligned + 64, 3 * H) == 2 * H, "advised %zu", advise_huge_pages(aligned + 64, 3 * H));
    // Under qemu-user (scripts/arm64-kernel-tests.sh) madvise is accepted but not passed to the
    // host kernel, so the mapping shows no flag there.
    if (std::getenv("NNKIT_TEST_EMULATED") == nullptr) {
      CHECK(vm_flags_at(aligned + H).find(" hg") != std::string::npos, "no hg flag: %s", vm_flags_at(aligned + H).c_str());
      CHECK(vm_flags_at(aligned).find(" hg") == std::string::npos, "the partial first page was advised too");
    } else {
      std::printf("skipped: VmFlags check of the huge-page advice (emulated, NNKIT_TEST_EMULATED)\n");
    }
    CHECK(advise_huge_pages(aligned, H) == 0, "below kHugeAllocMinBytes");
    CHECK(advise_huge_pages(aligned + 64, kHugeAllocMinBytes) == H, "one whole page inside");
  } else {
    std::printf("skipped: huge-page advice checks (transparent huge pages off here)\n");
  }
  set_huge_pages(false);
  CHECK(!huge_pages_enabled() && advise_huge_pages(aligned + 4 * H, 3 * H) == 0, "advised while off");
  CHECK(vm_flags_at(aligned + 4 * H).find(" hg") == std::string::npos, "hg set while off");
  set_huge_pages(was_on);
  CHECK(huge_pages_enabled() == was_on, "state not restored");
  munmap(raw, 8 * H);
}
#endif
