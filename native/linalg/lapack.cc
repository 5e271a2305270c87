#include "lapack.h"

#include <atomic>
#include <string>
#include <vector>

#include "../kernels/error.h"

#if NNKIT_HAVE_LAPACKE
#include <lapacke.h>
#endif

namespace nnkit::linalg {
namespace {
std::atomic<LapackBackend> g_backend{have_lapack() ? LapackBackend::lapack : LapackBackend::builtin};

#if NNKIT_HAVE_LAPACKE
void check_info(lapack_int info, const char* routine) {
  if (info == 0) return;
  // info < 0: an argument LAPACK rejected (a bug here, never the user's input, which is
  // checked first); info > 0: the algorithm did not converge.
  throw Error(ErrorKind::range, kErrLapack,
              std::string("LAPACK ") + routine + " failed with info = " + std::to_string(info) +
                  (info > 0 ? " (no convergence)" : " (invalid argument)"));
}

lapack_int to_lapack(std::size_t n) {
  if (n > 2147483647u) throw Error(ErrorKind::range, kErrShape, "dimension exceeds LAPACK's 32-bit limit");
  return static_cast<lapack_int>(n);
}
#endif
}  // namespace

bool have_lapack() {
#if NNKIT_HAVE_LAPACKE
  return true;
#else
  return false;
#endif
}

LapackBackend lapack_backend() { return g_backend.load(std::memory_order_relaxed); }

bool set_lapack_backend(LapackBackend backend) {
  if (backend == LapackBackend::lapack && !have_lapack()) return false;
  g_backend.store(backend, std::memory_order_relaxed);
  return true;
}

#if NNKIT_HAVE_LAPACKE
void lapack_ssyevd(std::size_t n, float* a, float* w) {
  const lapack_int ln = to_lapack(n);
  check_info(LAPACKE_ssyevd(LAPACK_COL_MAJOR, 'V', 'U', ln, a, ln, w), "ssyevd");
}

void lapack_sgesdd(std::size_t m, std::size_t n, float* a, float* s, float* u, float* vt) {
  const lapack_int lm = to_lapack(m), ln = to_lapack(n);
  const lapack_int r = lm < ln ? lm : ln;
  check_info(LAPACKE_sgesdd(LAPACK_COL_MAJOR, 'S', lm, ln, a, lm, s, u, lm, vt, r), "sgesdd");
}

void lapack_orthonormal_rows(std::size_t m, std::size_t n, float* a) {
  const lapack_int lm = to_lapack(m), ln = to_lapack(n);
  std::vector<float> tau(m == 0 ? 1 : m);
  check_info(LAPACKE_sgelqf(LAPACK_COL_MAJOR, lm, ln, a, lm, tau.data()), "sgelqf");
  check_info(LAPACKE_sorglq(LAPACK_COL_MAJOR, lm, ln, lm, a, lm, tau.data()), "sorglq");
}
#endif

}  // namespace nnkit::linalg
