#include "blas.h"

#include <atomic>
#include <cstring>

#include "../kernels/cpu.h"
#include "../kernels/gemm.h"

#if NNKIT_HAVE_CBLAS
#include <cblas.h>
#endif

namespace nnkit::linalg {
namespace {
std::atomic<GemmBackend> g_backend{have_blas() ? GemmBackend::blas : GemmBackend::builtin};
}

bool have_blas() {
#if NNKIT_HAVE_CBLAS
  return true;
#else
  return false;
#endif
}

std::string blas_description() {
#if NNKIT_HAVE_CBLAS
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

GemmBackend gemm_backend() { return g_backend.load(std::memory_order_relaxed); }

bool set_gemm_backend(GemmBackend backend) {
  if (backend == GemmBackend::blas && !have_blas()) return false;
  g_backend.store(backend, std::memory_order_relaxed);
  return true;
}

void set_blas_threads(int n) {
#if NNKIT_HAVE_CBLAS
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

}  // namespace nnkit::linalg
