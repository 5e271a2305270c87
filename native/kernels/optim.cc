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

const OptimKernels kScalar = {sgd_momentum_scalar};

constexpr std::size_t kElementsPerTask = 1 << 16;

}  // namespace

const OptimKernels& optim_kernels_scalar() { return kScalar; }

const OptimKernels& optim_kernels(SimdPath path) {
  return select_kernels<OptimKernels>(path, {&kScalar, optim_kernels_avx2(), optim_kernels_avx512(), optim_kernels_neon()});
}

void sgd_momentum(float* w, const float* g, float* v, std::size_t n, const SgdParams& p) {
  const OptimKernels& k = optim_kernels(active_simd_path());
  const std::size_t tasks = (n + kElementsPerTask - 1) / kElementsPerTask;
  parallel_for(tasks, [&](std::size_t t) {
    const std::size_t begin = t * kElementsPerTask;
    const std::size_t count = begin + kElementsPerTask <= n ? kElementsPerTask : n - begin;
    k.sgd_momentum(w + begin, g + begin, v + begin, count, p);
  });
}

}  // namespace nnkit::kernels
