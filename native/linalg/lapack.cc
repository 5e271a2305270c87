#include "lapack.h"

#include <atomic>
#include <cstdlib>
#include <string>
#include <vector>

#include "../kernels/error.h"
#include "blas_library.h"

namespace nnkit::linalg {

#if NNKIT_HAVE_ACCELERATE
using lapack_int = __LAPACK_int;  // 32-bit: ACCELERATE_LAPACK_ILP64 is not defined

namespace {
// Accelerate ships no LAPACKE, only the Fortran-style routines (every argument by pointer, no
// hidden string lengths): the four LAPACKE calls below, column-major only, on top of them, with
// LAPACKE's own info convention (an invalid argument i is reported as -(i + 1)).
#ifndef LAPACK_COL_MAJOR
#define LAPACK_COL_MAJOR 102
#endif
lapack_int lapacke_info(lapack_int info) { return info < 0 ? info - 1 : info; }

lapack_int LAPACKE_ssyevd_work(int /*layout*/, char jobz, char uplo, lapack_int n, float* a, lapack_int lda, float* w,
                               float* work, lapack_int lwork, lapack_int* iwork, lapack_int liwork) {
  lapack_int info = 0;
  ssyevd_(&jobz, &uplo, &n, a, &lda, w, work, &lwork, iwork, &liwork, &info);
  return lapacke_info(info);
}

lapack_int LAPACKE_sgesdd_work(int /*layout*/, char jobz, lapack_int m, lapack_int n, float* a, lapack_int lda,
                               float* s, float* u, lapack_int ldu, float* vt, lapack_int ldvt, float* work,
                               lapack_int lwork, lapack_int* iwork) {
  lapack_int info = 0;
  sgesdd_(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, iwork, &info);
  return lapacke_info(info);
}

lapack_int LAPACKE_sgelqf_work(int /*layout*/, lapack_int m, lapack_int n, float* a, lapack_int lda, float* tau,
                               float* work, lapack_int lwork) {
  lapack_int info = 0;
  sgelqf_(&m, &n, a, &lda, tau, work, &lwork, &info);
  return lapacke_info(info);
}

lapack_int LAPACKE_sorglq_work(int /*layout*/, lapack_int m, lapack_int n, lapack_int k, float* a, lapack_int lda,
                               const float* tau, float* work, lapack_int lwork) {
  lapack_int info = 0;
  sorglq_(&m, &n, &k, a, &lda, tau, work, &lwork, &info);
  return lapacke_info(info);
}
}  // namespace
#endif

namespace {
std::atomic<LapackBackend> g_backend{have_lapack() ? LapackBackend::lapack : LapackBackend::builtin};

#if NNKIT_HAVE_LAPACK
// Test hook: NNKIT_TEST_LAPACK_INFO="<routine>:<info>" (e.g. "ssyevd:3") makes that routine
// report `info` after it has run. Finite input practically never makes ssyevd or sgesdd fail,
// so without it the failure path (error, binding, rejected Promise) could not be tested. Read
// on every call, so a test can arm it for one call and clear it again.
lapack_int forced_info(const char* routine, lapack_int info) {
  const char* hook = std::getenv("NNKIT_TEST_LAPACK_INFO");
  if (info != 0 || hook == nullptr) return info;
  const std::string spec(hook), name(routine);
  if (spec.size() <= name.size() + 1 || spec.compare(0, name.size(), name) != 0 || spec[name.size()] != ':')
    return info;
  return static_cast<lapack_int>(std::strtol(spec.c_str() + name.size() + 1, nullptr, 10));
}

void check_info(lapack_int info, const char* routine) {
  info = forced_info(routine, info);
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
#if NNKIT_HAVE_LAPACK
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

#if NNKIT_HAVE_LAPACK
// LAPACK reports workspace sizes in a float, which rounds sizes above 2^24 down (n = 3000
// needs 1 + 6n + 2n² = 18 018 001 words for ssyevd): the queried size is bumped by one part in
// a million, and ssyevd's documented size is computed in integers.
lapack_int workspace_size(float queried) {
  const double size = static_cast<double>(queried) * (1.0 + 1e-6) + 64.0;
  if (size > 2147483647.0) throw Error(ErrorKind::range, kErrShape, "matrix too large for LAPACK's workspace");
  return static_cast<lapack_int>(size);
}

void lapack_ssyevd(std::size_t n, float* a, float* w) {
  const lapack_int ln = to_lapack(n);
  const double words = 1.0 + 6.0 * static_cast<double>(n) + 2.0 * static_cast<double>(n) * static_cast<double>(n);
  if (words > 2147483647.0) throw Error(ErrorKind::range, kErrShape, "matrix too large for LAPACK's workspace");
  std::vector<float> work(static_cast<std::size_t>(words));
  std::vector<lapack_int> iwork(3 + 5 * n);
  check_info(LAPACKE_ssyevd_work(LAPACK_COL_MAJOR, 'V', 'U', ln, a, ln, w, work.data(), static_cast<lapack_int>(words),
                                 iwork.data(), static_cast<lapack_int>(iwork.size())),
             "ssyevd");
}

void lapack_sgesdd(std::size_t m, std::size_t n, float* a, float* s, float* u, float* vt) {
  const lapack_int lm = to_lapack(m), ln = to_lapack(n);
  const lapack_int r = lm < ln ? lm : ln;
  std::vector<lapack_int> iwork(8 * static_cast<std::size_t>(r));
  float query = 0.0f;
  check_info(LAPACKE_sgesdd_work(LAPACK_COL_MAJOR, 'S', lm, ln, a, lm, s, u, lm, vt, r, &query, -1, iwork.data()),
             "sgesdd");
  const lapack_int lwork = workspace_size(query);
  std::vector<float> work(static_cast<std::size_t>(lwork));
  check_info(LAPACKE_sgesdd_work(LAPACK_COL_MAJOR, 'S', lm, ln, a, lm, s, u, lm, vt, r, work.data(), lwork, iwork.data()),
             "sgesdd");
}

void lapack_orthonormal_rows(std::size_t m, std::size_t n, float* a) {
  const lapack_int lm = to_lapack(m), ln = to_lapack(n);
  std::vector<float> tau(m == 0 ? 1 : m);
  float query = 0.0f;
  check_info(LAPACKE_sgelqf_work(LAPACK_COL_MAJOR, lm, ln, a, lm, tau.data(), &query, -1), "sgelqf");
  lapack_int lwork = workspace_size(query);
  std::vector<float> work(static_cast<std::size_t>(lwork));
  check_info(LAPACKE_sgelqf_work(LAPACK_COL_MAJOR, lm, ln, a, lm, tau.data(), work.data(), lwork), "sgelqf");
  check_info(LAPACKE_sorglq_work(LAPACK_COL_MAJOR, lm, ln, lm, a, lm, tau.data(), &query, -1), "sorglq");
  lwork = workspace_size(query);
  work.resize(static_cast<std::size_t>(lwork));
  check_info(LAPACKE_sorglq_work(LAPACK_COL_MAJOR, lm, ln, lm, a, lm, tau.data(), work.data(), lwork), "sorglq");
}
#endif

}  // namespace nnkit::linalg
