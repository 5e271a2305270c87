#include "blas.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstring>
#include <optional>
#include <vector>

#include "../kernels/cpu.h"
#include "../kernels/gemm.h"
#include "../kernels/stats.h"
#include "blas_library.h"

namespace nnkit::linalg {
namespace {

// OpenBLAS's x86 and arm64 core names (lower case) and the SIMD path their kernels use.
struct CoreIsa {
  const char* core;
  SimdPath path;
};
constexpr CoreIsa kCoreIsa[] = {
    {"skylakex", SimdPath::avx512}, {"cooperlake", SimdPath::avx512}, {"sapphirerapids", SimdPath::avx512},
    {"haswell", SimdPath::avx2},    {"zen", SimdPath::avx2},          {"excavator", SimdPath::avx2},
    {"sandybridge", SimdPath::scalar}, {"nehalem", SimdPath::scalar},  {"prescott", SimdPath::scalar},
    {"core2", SimdPath::scalar},     {"penryn", SimdPath::scalar},     {"dunnington", SimdPath::scalar},
    {"atom", SimdPath::scalar},      {"barcelona", SimdPath::scalar},  {"opteron", SimdPath::scalar},
    {"opteron_sse3", SimdPath::scalar}, {"bobcat", SimdPath::scalar},  {"bulldozer", SimdPath::scalar},
    {"piledriver", SimdPath::scalar}, {"steamroller", SimdPath::scalar}, {"katmai", SimdPath::scalar},
    {"coppermine", SimdPath::scalar}, {"northwood", SimdPath::scalar}, {"athlon", SimdPath::scalar},
    {"armv8", SimdPath::neon},       {"cortexa53", SimdPath::neon},    {"cortexa57", SimdPath::neon},
    {"cortexa72", SimdPath::neon},   {"cortexa73", SimdPath::neon},    {"neoversen1", SimdPath::neon},
    {"neoversen2", SimdPath::neon},  {"neoversev1", SimdPath::neon},   {"thunderx", SimdPath::neon},
    {"thunderx2t99", SimdPath::neon}, {"thunderx3t110", SimdPath::neon}, {"falkor", SimdPath::neon},
    {"tsv110", SimdPath::neon},      {"emag8180", SimdPath::neon},     {"a64fx", SimdPath::neon},
    {"vortex", SimdPath::neon},
};

// How wide a path's vectors are, to compare a BLAS core with nnkit's path on one architecture.
int isa_rank(SimdPath path) {
  switch (path) {
    case SimdPath::scalar: return 0;
    case SimdPath::avx2: return 1;
    case SimdPath::avx512: return 2;
    case SimdPath::neon: return 1;
  }
  return 0;
}

bool core_path(const std::string& core, SimdPath* out) {
  std::string lower(core);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
  for (const CoreIsa& entry : kCoreIsa) {
    if (lower == entry.core) {
      *out = entry.path;
      return true;
    }
  }
  return false;
}

struct GemmChoice {
  GemmBackend backend;
  std::string reason;
  std::optional<SimdPath> core_simd;  // the path of the core's kernels; none when unknown or without BLAS
};

GemmChoice choose_gemm() {
  if (!have_blas()) return {GemmBackend::builtin, "this build has no BLAS", std::nullopt};
#if NNKIT_HAVE_ACCELERATE
  // Accelerate has no cores to compare: it is Apple's BLAS for the Mac it runs on (the matrix
  // units of Apple silicon included), so it always takes the products.
  return {GemmBackend::blas, "Accelerate is the system BLAS of this Mac; BLAS is trusted", std::nullopt};
#endif
  const std::string core = blas_core();
  const SimdPath path = detect_simd_path();  // the path picked at load (NNKIT_SIMD included)
  SimdPath core_simd;
  if (!core_path(core, &core_simd))
    return {GemmBackend::blas, "OpenBLAS core '" + core + "' is not in nnkit's table of cores; BLAS is trusted",
            std::nullopt};
  const std::string core_name = simd_path_name(core_simd), path_name = simd_path_name(path);
  const bool same_family = (core_simd == SimdPath::neon) == (path == SimdPath::neon);
  if (same_family && isa_rank(core_simd) < isa_rank(path)) {
    return {GemmBackend::builtin,
            "OpenBLAS core " + core + " runs " + core_name + " kernels on a CPU with " + path_name + ": nnkit's " +
                path_name + " GEMM is faster",
            core_simd};
  }
  if (core_simd == SimdPath::avx512 && path == SimdPath::avx512) {
    // Measured against OpenBLAS 0.3.21's Cooperlake kernels on AMD Zen 4 (2 threads): square
    // products level (1024³ 0.96×, 2048³ 1.00×), the thin products of PCA and the randomized
    // SVD 1.3–1.5× faster, the Fashion-MNIST training step 1.38× (median epoch 1.33 against
    // 1.84 s over six runs each), the covariance's SYRK 1.05–1.15×.
    return {GemmBackend::builtin,
            "OpenBLAS core " + core + " runs avx512 kernels, as nnkit's avx512 path does: nnkit's GEMM is level on "
            "square products and faster on thin ones and a training step's",
            core_simd};
  }
  return {GemmBackend::blas, "OpenBLAS core " + core + " runs " + core_name + " kernels, at least the " + path_name + " path nnkit runs",
          core_simd};
}

const GemmChoice& initial_choice() {
  static const GemmChoice choice = choose_gemm();
  return choice;
}

constexpr int kUnset = -1;
std::atomic<int> g_backend{kUnset};

}  // namespace

bool have_blas() {
#if NNKIT_HAVE_CBLAS
  return true;
#else
  return false;
#endif
}

std::string blas_description() {
#if NNKIT_HAVE_ACCELERATE
  return "accelerate";  // versioned with macOS; there is no version call
#elif NNKIT_HAVE_CBLAS
  // openblas_get_config() reads like "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64".
  std::string config = openblas_get_config();
  std::string version;
  const std::size_t at = config.find(' ');
  if (at != std::string::npos) {
    const std::size_t end = config.find(' ', at + 1);
    version = config.substr(at + 1, end == std::string::npos ? std::string::npos : end - at - 1);
  }
  return version.empty() ? "openblas" : "openblas " + version;
#else
  return "builtin";
#endif
}

std::string blas_core() {
#if NNKIT_HAVE_CBLAS && !NNKIT_HAVE_ACCELERATE
  const char* name = openblas_get_corename();
  return name == nullptr ? std::string() : std::string(name);
#else
  return std::string();
#endif
}

std::string blas_core_simd() {
  const std::optional<SimdPath>& core_simd = initial_choice().core_simd;
  return core_simd ? simd_path_name(*core_simd) : std::string();
}

std::string gemm_choice_reason() { return initial_choice().reason; }

GemmBackend gemm_backend() {
  int value = g_backend.load(std::memory_order_relaxed);
  if (value == kUnset) {
    int expected = kUnset;
    g_backend.compare_exchange_strong(expected, static_cast<int>(initial_choice().backend), std::memory_order_relaxed);
    value = g_backend.load(std::memory_order_relaxed);
  }
  return static_cast<GemmBackend>(value);
}

bool set_gemm_backend(GemmBackend backend) {
  if (backend == GemmBackend::blas && !have_blas()) return false;
  g_backend.store(static_cast<int>(backend), std::memory_order_relaxed);
  return true;
}

void set_blas_threads(int n) {
#if NNKIT_HAVE_ACCELERATE
  // Accelerate sizes its own threading and has no count to set: BLASSetThreading (macOS 15+)
  // only switches the calling thread between single- and multi-threaded.
  (void)n;
#elif NNKIT_HAVE_CBLAS
  openblas_set_num_threads(n);
#else
  (void)n;
#endif
}

void sgemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha, const float* a,
           std::size_t lda, const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc) {
  if (m == 0 || n == 0) return;
#if NNKIT_HAVE_CBLAS
  // CBLAS rejects k == 0 with lda < 1 on some builds; the product is empty then, so only the
  // beta scaling remains, which the built-in path does without touching A or B.
  if (k > 0 && gemm_backend() == GemmBackend::blas) {
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
                static_cast<blasint>(m), static_cast<blasint>(n), static_cast<blasint>(k), alpha, a,
                static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta, c, static_cast<blasint>(ldc));
    return;
  }
#endif
  kernels::sgemm_builtin(active_simd_path(), trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void sgemm_thin(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha, const float* a,
                std::size_t lda, const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc) {
  kernels::sgemm_builtin(active_simd_path(), trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void sgemm_thin_centered(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha,
                         const float* a, std::size_t lda, const float* shift, const float* offset, const float* b,
                         std::size_t ldb, float beta, float* c, std::size_t ldc) {
  kernels::sgemm_builtin_centered(active_simd_path(), trans_a, trans_b, m, n, k, alpha, a, lda, shift, offset, b, ldb,
                                  beta, c, ldc);
}

bool centered_products_on_builtin() {
  if (gemm_backend() != GemmBackend::blas) return true;
  const std::optional<SimdPath>& core_simd = initial_choice().core_simd;
  const SimdPath path = active_simd_path();
  // x86 vector paths only: the scalar GEMM is no match for any BLAS, and the NEON one has not
  // been timed against OpenBLAS on arm64 hardware.
  if (path != SimdPath::avx2 && path != SimdPath::avx512) return false;
  return core_simd && isa_rank(*core_simd) <= isa_rank(path);
}

void sgemm_centered(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha,
                    const float* a, std::size_t lda, const float* shift, const float* offset, const float* b,
                    std::size_t ldb, float beta, float* c, std::size_t ldc) {
  if (centered_products_on_builtin()) {
    sgemm_thin_centered(trans_a, trans_b, m, n, k, alpha, a, lda, shift, offset, b, ldb, beta, c, ldc);
    return;
  }
  sgemm_centered_copies(trans_a, trans_b, m, n, k, alpha, a, lda, shift, offset, b, ldb, beta, c, ldc);
}

void sgemm_centered_copies(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha,
                         const float* a, std::size_t lda, const float* shift, const float* offset, const float* b,
                         std::size_t ldb, float beta, float* c, std::size_t ldc) {
  if (m == 0 || n == 0) return;
  if (!have_blas() || k == 0) {
    sgemm_thin_centered(trans_a, trans_b, m, n, k, alpha, a, lda, shift, offset, b, ldb, beta, c, ldc);
    return;
  }
  // BLAS: A's rows in blocks of about 2^22 floats, centered into scratch, each block one call.
  // Without trans_a a block of A's rows is a block of C's rows; with it, a block of the depth
  // (C accumulates from the second block on).
  const std::size_t rows = trans_a ? k : m, cols = trans_a ? m : k;
  const std::size_t block = std::max<std::size_t>(1, std::min<std::size_t>(rows, (std::size_t{1} << 22) / cols));
  const std::vector<float> ones(cols, 1.0f);
  std::vector<float> scratch(block * cols);
  for (std::size_t r0 = 0; r0 < rows; r0 += block) {
    const std::size_t nr = std::min(block, rows - r0);
    const float* src = a + r0 * lda;
    if (lda == cols)
      kernels::column_affine(src, scratch.data(), nr, cols, shift, ones.data(), offset);
    else  // rows apart in A: one at a time
      for (std::size_t i = 0; i < nr; ++i)
        kernels::column_affine(src + i * lda, scratch.data() + i * cols, 1, cols, shift, ones.data(), offset);
    if (trans_a)
      sgemm(true, trans_b, m, n, nr, alpha, scratch.data(), cols, trans_b ? b + r0 : b + r0 * ldb, ldb,
            r0 == 0 ? beta : 1.0f, c, ldc);
    else
      sgemm(false, trans_b, nr, n, k, alpha, scratch.data(), cols, b, ldb, beta, c + r0 * ldc, ldc);
  }
}

}  // namespace nnkit::linalg
