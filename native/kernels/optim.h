// Parameter updates for training loops: SGD with (Nesterov) momentum in one fused pass.
//
// The classic momentum form of the CS231n notes:
//   v = momentum * v - lr * (g + weight_decay * w)
//   w = w + v                                  (plain momentum)
//   w = w + momentum * v - lr * (g + wd * w)   (Nesterov, the "look-ahead" rewrite of the notes)
// Elementwise, so every element is computed the same way whatever the thread split.
#pragma once

#include <cstddef>

#include "cpu.h"

namespace nnkit::kernels {

struct SgdParams {
  float lr;
  float momentum;
  float weight_decay;
  bool nesterov;
};

struct OptimKernels {
  void (*sgd_momentum)(float* w, const float* g, float* v, std::size_t n, const SgdParams& p);
};

const OptimKernels& optim_kernels_scalar();
// Built from optim_simd.cc once per vector target; nullptr where the build or compiler lacks it.
const OptimKernels* optim_kernels_avx2();
const OptimKernels* optim_kernels_avx512();
const OptimKernels* optim_kernels_neon();
const OptimKernels& optim_kernels(SimdPath path);

// Parallel over fixed blocks of elements, on the active path.
void sgd_momentum(float* w, const float* g, float* v, std::size_t n, const SgdParams& p);

}  // namespace nnkit::kernels
