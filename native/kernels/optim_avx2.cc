// AVX2/FMA twin of optim.cc: 8 parameters per step, unaligned loads (JS memory is only 4-byte
// aligned), the tail through the scalar formula with the same fused operations.
#include "optim.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

#include <cmath>

namespace nnkit::kernels {
namespace {

void sgd_momentum_avx2(float* w, const float* g, float* v, std::size_t n, const SgdParams& p) {
  const __m256 lr = _mm256_set1_ps(p.lr), mu = _mm256_set1_ps(p.momentum), wd = _mm256_set1_ps(p.weight_decay);
  const __m256 sign = _mm256_set1_ps(-0.0f);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 wi = _mm256_loadu_ps(w + i);
    const __m256 step = _mm256_mul_ps(_mm256_fmadd_ps(wd, wi, _mm256_loadu_ps(g + i)), lr);
    const __m256 neg_step = _mm256_xor_ps(step, sign);
    const __m256 velocity = _mm256_fmadd_ps(mu, _mm256_loadu_ps(v + i), neg_step);
    _mm256_storeu_ps(v + i, velocity);
    const __m256 delta = p.nesterov ? _mm256_fmadd_ps(mu, velocity, neg_step) : velocity;
    _mm256_storeu_ps(w + i, _mm256_add_ps(wi, delta));
  }
  for (; i < n; ++i) {
    const float step = std::fmaf(p.weight_decay, w[i], g[i]) * p.lr;
    const float velocity = std::fmaf(p.momentum, v[i], -step);
    v[i] = velocity;
    w[i] = p.nesterov ? w[i] + std::fmaf(p.momentum, velocity, -step) : w[i] + velocity;
  }
}

const OptimKernels kAvx2 = {sgd_momentum_avx2};

}  // namespace

const OptimKernels* optim_kernels_avx2() { return &kAvx2; }

}  // namespace nnkit::kernels

#else

namespace nnkit::kernels {
const OptimKernels* optim_kernels_avx2() { return nullptr; }
}  // namespace nnkit::kernels

#endif
