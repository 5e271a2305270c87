#include "optim.h"

#include <cmath>

#include "parallel.h"

namespace nnkit::kernels {
namespace {

// The scalar twin: the same fused operations, in the same order, as the vector paths (optim_simd.cc).
void sgd_momentum_scalar(float* w, const float* g, float* v, std::size_t n, const SgdParams& p) {
  for (std::size_t i = 0; i < n; ++i) {
    const float step = std::fmaf(p.weight_decay, w[i], g[i]) * p.lr;   // lr * (g + wd * w)
    const float velocity = std::fmaf(p.momentum, v[i], -step);          // mu * v - step
    v[i] = velocity;
    w[i] = p.nesterov ? w[i] + std::fmaf(p.momentum, velocity, -step) : w[i] + velocity;
  }
}

void adam_scalar(float* w, const float* g, float* m, float* v, std::size_t n, const AdamParams& p) {
  for (std::size_t i = 0; i < n; ++i) {
    const float wi = w[i] * p.decay;
    const float gi = std::fmaf(p.l2, wi, g[i]);
    const float mi = std::fmaf(p.beta1, m[i], p.one_minus_beta1 * gi);
    const float vi = std::fmaf(p.beta2, v[i], p.one_minus_beta2 * (gi * gi));
    const float denom = std::fmaf(std::sqrt(vi), p.inv_bc2_sqrt, p.eps);
    m[i] = mi;
    v[i] = vi;
    w[i] = std::fmaf(-p.step_size, mi / denom, wi);
  }
}

void rmsprop_scalar(float* w, const float* g, float* sq, float* buf, float* avg, std::size_t n, const RmspropParams& p) {
  for (std::size_t i = 0; i < n; ++i) {
    const float gi = std::fmaf(p.weight_decay, w[i], g[i]);
    const float si = std::fmaf(p.alpha, sq[i], p.one_minus_alpha * (gi * gi));
    sq[i] = si;
    float var = si;
    if (avg) {
      const float ai = std::fmaf(p.alpha, avg[i], p.one_minus_alpha * gi);
      avg[i] = ai;
      const float centered = std::fmaf(-ai, ai, si);
      var = centered > 0.0f ? centered : 0.0f;  // rounding can take s - a^2 below 0
    }
    const float scaled = gi / (std::sqrt(var) + p.eps);
    if (buf) {
      const float bi = std::fmaf(p.momentum, buf[i], scaled);
      buf[i] = bi;
      w[i] = std::fmaf(-p.lr, bi, w[i]);
    } else {
      w[i] = std::fmaf(-p.lr, scaled, w[i]);
    }
  }
}

const OptimKernels kScalar = {sgd_momentum_scalar, adam_scalar, rmsprop_scalar};

constexpr std::size_t kElementsPerTask = 1 << 16;

}  // namespace

const OptimKernels& optim_kernels(SimdPath path) {
  return select_kernels<OptimKernels>(path, {&kScalar, optim_kernels_avx2(), optim_kernels_avx512(), optim_kernels_neon()});
}

namespace {
// Runs fn(begin, count) over fixed blocks of [0, n) on the thread pool.
template <class Fn>
void for_blocks(std::size_t n, Fn&& fn) {
  const std::size_t tasks = (n + kElementsPerTask - 1) / kElementsPerTask;
  parallel_for(tasks, [&](std::size_t t) {
    const std::size_t begin = t * kElementsPerTask;
    fn(begin, begin + kElementsPerTask <= n ? kElementsPerTask : n - begin);
  });
}
}  // namespace

void sgd_momentum(float* w, const float* g, float* v, std::size_t n, const SgdParams& p) {
  const OptimKernels& k = optim_kernels(active_simd_path());
  for_blocks(n, [&](std::size_t b, std::size_t count) { k.sgd_momentum(w + b, g + b, v + b, count, p); });
}

void adam(float* w, const float* g, float* m, float* v, std::size_t n, const AdamParams& p) {
  const OptimKernels& k = optim_kernels(active_simd_path());
  for_blocks(n, [&](std::size_t b, std::size_t count) { k.adam(w + b, g + b, m + b, v + b, count, p); });
}

void rmsprop(float* w, const float* g, float* sq, float* buf, float* avg, std::size_t n, const RmspropParams& p) {
  const OptimKernels& k = optim_kernels(active_simd_path());
  for_blocks(n, [&](std::size_t b, std::size_t count) {
    k.rmsprop(w + b, g + b, sq + b, buf ? buf + b : nullptr, avg ? avg + b : nullptr, count, p);
  });
}

}  // namespace nnkit::kernels
