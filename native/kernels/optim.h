// Parameter updates for training loops, each one fused pass over the parameter and its state:
// SGD with (Nesterov) momentum, Adam/AdamW and RMSProp.
//
// The classic momentum form of the CS231n notes:
//   v = momentum * v - lr * (g + weight_decay * w)
//   w = w + v                                  (plain momentum)
//   w = w + momentum * v - lr * (g + wd * w)   (Nesterov, the "look-ahead" rewrite of the notes)
// Adam (Kingma & Ba 2015) in PyTorch's form, with the bias corrections folded into two scalars
// the caller computes in double for step t:
//   w = w * decay                          (AdamW's decoupled decay: decay = 1 - lr * wd)
//   g = g + l2 * w                         (Adam's L2 weight decay, added to the gradient)
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + (1 - beta2) * g^2
//   w = w - step_size * m / (sqrt(v) * inv_bc2_sqrt + eps)
//       step_size = lr / (1 - beta1^t), inv_bc2_sqrt = 1 / sqrt(1 - beta2^t)
// RMSProp (Hinton's lecture 6e) in PyTorch's form:
//   g = g + wd * w
//   s = alpha * s + (1 - alpha) * g^2
//   centered: a = alpha * a + (1 - alpha) * g;  d = sqrt(max(s - a^2, 0)) + eps
//   otherwise d = sqrt(s) + eps
//   momentum > 0: b = momentum * b + g / d;  w = w - lr * b
//   otherwise     w = w - lr * g / d
// Elementwise, so every element is computed the same way whatever the thread split, and every
// path runs the same IEEE operations in the same order (bit-identical results).
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

struct AdamParams {
  float beta1, beta2;                    // the moments' decay rates
  float one_minus_beta1, one_minus_beta2;
  float step_size;                       // lr / (1 - beta1^t)
  float inv_bc2_sqrt;                    // 1 / sqrt(1 - beta2^t)
  float eps;
  float l2;                              // Adam's weight decay (0 for AdamW)
  float decay;                           // AdamW's 1 - lr * wd (1 for Adam)
};

struct RmspropParams {
  float lr;
  float alpha, one_minus_alpha;
  float eps;
  float weight_decay;
  float momentum;  // used when the momentum buffer is given
};

struct OptimKernels {
  void (*sgd_momentum)(float* w, const float* g, float* v, std::size_t n, const SgdParams& p);
  void (*adam)(float* w, const float* g, float* m, float* v, std::size_t n, const AdamParams& p);
  // buf (momentum) and avg (the centered variant's mean gradient) are nullptr when unused.
  void (*rmsprop)(float* w, const float* g, float* sq, float* buf, float* avg, std::size_t n, const RmspropParams& p);
};

// Built from optim_simd.cc once per vector target; nullptr where the build or compiler lacks it.
const OptimKernels* optim_kernels_avx2();
const OptimKernels* optim_kernels_avx512();
const OptimKernels* optim_kernels_neon();
const OptimKernels& optim_kernels(SimdPath path);

// Parallel over fixed blocks of elements, on the active path.
void sgd_momentum(float* w, const float* g, float* v, std::size_t n, const SgdParams& p);
void adam(float* w, const float* g, float* m, float* v, std::size_t n, const AdamParams& p);
void rmsprop(float* w, const float* g, float* sq, float* buf, float* avg, std::size_t n, const RmspropParams& p);

}  // namespace nnkit::kernels
