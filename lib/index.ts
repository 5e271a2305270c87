/**
 * nnkit — everything in the CS231n notes "Setting up the Data and the Loss", on native SIMD
 * and OpenBLAS kernels over zero-copy Float32Arrays.
 *
 * @example
 * import * as nn from 'nnkit';
 * const A = nn.matrix(new Float32Array([1, 2, 3, 4]), 2, 2);
 * const C = nn.gemm(A, A, { transB: true });
 *
 * @packageDocumentation
 */
export { ErrorCodes, NnkitRangeError, NnkitTypeError } from './errors';
export type { ErrorCode, NnkitErrorFields } from './errors';
export { matrix, MAX_DIMENSION, sharedMatrix } from './matrix';
export type { Labels, Matrix, Unless } from './matrix';
export { backend, setGemmBackend, setHugePages, setSimd, setThreads, simdPathNames } from './runtime';
export type { Backend, SimdPath } from './runtime';
export { gemm, gemmAsync } from './linalg';
export type { GemmOptions } from './linalg';
export {
  covariance, covarianceAsync, eigh, eighAsync, lapackBackend, randomizedSvd, randomizedSvdAsync, setLapackBackend, svd,
  svdAsync,
} from './linalg';
export type { CovarianceOptions, EighOptions, EighResult, RandomizedSvdOptions, SvdOptions, SvdResult } from './linalg';
export { defaultRng, Rng, seed } from './rng';
export type { FillTarget } from './rng';
export * as optim from './optim';
export * as data from './data';
export * as metrics from './metrics';
export * as weights from './weights';
export * as io from './io';
export * as init from './init';
export * as linear from './layers/linear';
export * as relu from './layers/relu';
export * as dropout from './layers/dropout';
export * as dropConnect from './layers/dropConnect';
export { BatchNorm } from './layers/batchNorm';
export type {
  BatchNormBackwardOptions, BatchNormForwardOptions, BatchNormGradients, BatchNormJSON, BatchNormOptions, IfAffine,
} from './layers/batchNorm';
export type { DropoutMask } from './layers/dropout';
export * as loss from './loss/index';
export { softmax, softmaxAsync } from './loss/probabilities';
export { LabelTree } from './loss/hierarchical';
export * as reg from './reg';
export { gradcheck } from './gradcheck';
export type { GradcheckEntry, GradcheckOptions, GradcheckResult } from './gradcheck';
export { DocumentReader, encodeFloat32, encodeFloat64, PCA, Pipeline, RangeScaler, Standardizer } from './preprocess';
export type { PCAOptions, PipelinePartialFitOptions, RangeScalerOptions, SavedDocument, StandardizerMode, StandardizerOptions, Transformer, TransformOptions, Whitening } from './preprocess';
