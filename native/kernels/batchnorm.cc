// Scalar twins of the batch-normalization tile kernels and the strip-parallel drivers.
#include "batchnorm.h"

#include <algorithm>
#include <cmath>

#include "parallel.h"

namespace nnkit::kernels {
namespace {

void moments_scalar(const float* x, std::size_t rows, std::size_t cols, std::size_t ld, const float* shift,
                    double* s1, double* s2) {
  for (std::size_t i = 0; i < rows; ++i, x += ld)
    for (std::size_t j = 0; j < cols; ++j) {
      const double d = static_cast<double>(x[j]) - static_cast<double>(shift[j]);
      s1[j] += d;
      s2[j] += d * d;
    }
}

void affine_scalar(const float* x, std::size_t rows, std::size_t cols, std::size_t ld, const float* mean,
                   const float* scale, const float* offset, float* y) {
  for (std::size_t i = 0; i < rows; ++i, x += ld, y += ld)
    for (std::size_t j = 0; j < cols; ++j) y[j] = (x[j] - mean[j]) * scale[j] + offset[j];
}

void backward_sums_scalar(const float* dy, const float* x, std::size_t rows, std::size_t cols, std::size_t ld,
                          const float* mean, double* sdy, double* sdyx) {
  for (std::size_t i = 0; i < rows; ++i, x += ld, dy += ld)
    for (std::size_t j = 0; j < cols; ++j) {
      const double g = static_cast<double>(dy[j]);
      sdy[j] += g;
      sdyx[j] += g * (static_cast<double>(x[j]) - static_cast<double>(mean[j]));
    }
}

void backward_dx_scalar(const float* dy, const float* x, std::size_t rows, std::size_t cols, std::size_t ld,
                        const float* mean, const float* a, const float* b, const float* c, float* dx) {
  for (std::size_t i = 0; i < rows; ++i, x += ld, dy += ld, dx += ld)
    for (std::size_t j = 0; j < cols; ++j) dx[j] = (x[j] - mean[j]) * a[j] + (dy[j] * b[j] + c[j]);
}

const BatchNormKernels kScalar = {moments_scalar, affine_scalar, backward_sums_scalar, backward_dx_scalar};

std::size_t strip_count(std::size_t cols) { return (cols + kBatchNormStrip - 1) / kBatchNormStrip; }

}  // namespace

const BatchNormKernels& batchnorm_kernels_scalar() { return kScalar; }

const BatchNormKernels& batchnorm_kernels(SimdPath path) {
  if (path == SimdPath::avx2) {
    if (const BatchNormKernels* k = batchnorm_kernels_avx2()) return *k;
  }
  return kScalar;
}

void batchnorm_forward_train(SimdPath path, const BatchNormParams& p, const float* x, float* y, float* running_mean,
                             float* running_var, float* saved_mean, float* saved_invstd) {
  const BatchNormKernels& k = batchnorm_kernels(path);
  const std::size_t n = p.rows, d = p.cols;
  const double inv_n = 1.0 / static_cast<double>(n);
  const double unbias = static_cast<double>(n) / static_cast<double>(n - 1);
  parallel_for(strip_count(d), [&](std::size_t strip) {
    const std::size_t c0 = strip * kBatchNormStrip;
    const std::size_t w = std::min(d, c0 + kBatchNormStrip) - c0;
    double s1[kBatchNormStrip] = {}, s2[kBatchNormStrip] = {};
    float shift[kBatchNormStrip], scale[kBatchNormStrip], offset[kBatchNormStrip];
    for (std::size_t j = 0; j < w; ++j) shift[j] = x[c0 + j];
    k.moments(x + c0, n, w, d, shift, s1, s2);
    for (std::size_t j = 0; j < w; ++j) {
      const std::size_t col = c0 + j;
      const double mean_shifted = s1[j] * inv_n;
      const double var = std::max(0.0, s2[j] * inv_n - mean_shifted * mean_shifted);
      const double mean = static_cast<double>(shift[j]) + mean_shifted;
      const double invstd = 1.0 / std::sqrt(var + p.eps);
      saved_mean[col] = static_cast<float>(mean);
      saved_invstd[col] = static_cast<float>(invstd);
      scale[j] = static_cast<float>((p.gamma != nullptr ? static_cast<double>(p.gamma[col]) : 1.0) * invstd);
      offset[j] = p.beta != nullptr ? p.beta[col] : 0.0f;
      running_mean[col] =
          static_cast<float>((1.0 - p.momentum) * static_cast<double>(running_mean[col]) + p.momentum * mean);
      running_var[col] =
          static_cast<float>((1.0 - p.momentum) * static_cast<double>(running_var[col]) + p.momentum * var * unbias);
    }
    k.affine(x + c0, n, w, d, saved_mean + c0, scale, offset, y + c0);
  });
}

void batchnorm_forward_eval(SimdPath path, const BatchNormParams& p, const float* x, float* y,
                            const float* running_mean, const float* running_var) {
  const BatchNormKernels& k = batchnorm_kernels(path);
  const std::size_t n = p.rows, d = p.cols;
  parallel_for(strip_count(d), [&](std::size_t strip) {
    const std::size_t c0 = strip * kBatchNormStrip;
    const std::size_t w = std::min(d, c0 + kBatchNormStrip) - c0;
    float scale[kBatchNormStrip], offset[kBatchNormStrip];
    for (std::size_t j = 0; j < w; ++j) {
      const std::size_t col = c0 + j;
      const double invstd = 1.0 / std::sqrt(static_cast<double>(running_var[col]) + p.eps);
      scale[j] = static_cast<float>((p.gamma != nullptr ? static_cast<double>(p.gamma[col]) : 1.0) * invstd);
      offset[j] = p.beta != nullptr ? p.beta[col] : 0.0f;
    }
    k.affine(x + c0, n, w, d, running_mean + c0, scale, offset, y + c0);
  });
}

void batchnorm_backward(SimdPath path, const BatchNormParams& p, const float* dy, const float* x,
                        const float* saved_mean, const float* saved_invstd, float* dx, float* dgamma, float* dbeta) {
  const BatchNormKernels& k = batchnorm_kernels(path);
  const std::size_t n = p.rows, d = p.cols;
  const double inv_n = 1.0 / static_cast<double>(n);
  parallel_for(strip_count(d), [&](std::size_t strip) {
    const std::size_t c0 = strip * kBatchNormStrip;
    const std::size_t w = std::min(d, c0 + kBatchNormStrip) - c0;
    double sdy[kBatchNormStrip] = {}, sdyx[kBatchNormStrip] = {};
    float a[kBatchNormStrip], b[kBatchNormStrip], c[kBatchNormStrip];
    k.backward_sums(dy + c0, x + c0, n, w, d, saved_mean + c0, sdy, sdyx);
    for (std::size_t j = 0; j < w; ++j) {
      const std::size_t col = c0 + j;
      const double invstd = static_cast<double>(saved_invstd[col]);
      const double gain = (p.gamma != nullptr ? static_cast<double>(p.gamma[col]) : 1.0) * invstd;
      // dx = gain * (dy - sum(dy) / N - xhat * sum(dy * xhat) / N), xhat = (x - mean) * invstd.
      a[j] = static_cast<float>(-gain * invstd * invstd * sdyx[j] * inv_n);
      b[j] = static_cast<float>(gain);
      c[j] = static_cast<float>(-gain * sdy[j] * inv_n);
      if (dgamma != nullptr) dgamma[col] = static_cast<float>(sdyx[j] * invstd);
      if (dbeta != nullptr) dbeta[col] = static_cast<float>(sdy[j]);
    }
    if (dx != nullptr) k.backward_dx(dy + c0, x + c0, n, w, d, saved_mean + c0, a, b, c, dx + c0);
  });
}

}  // namespace nnkit::kernels
