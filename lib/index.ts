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
export { matrix, MAX_DIMENSION } from './matrix';
export type { Labels, Matrix } from './matrix';
export { backend, setGemmBackend, setSimd, setThreads } from './runtime';
export type { Backend } from './runtime';
export { gemm, gemmAsync } from './linalg';
export type { GemmOptions } from './linalg';
export { defaultRng, Rng, seed } from './rng';
export type { FillTarget } from './rng';
export * as optim from './optim';
export { DocumentReader, encodeFloat32, encodeFloat64, Pipeline, RangeScaler, Standardizer } from './preprocess';
export type { RangeScalerOptions, SavedDocument, StandardizerMode, StandardizerOptions, Transformer, TransformOptions } from './preprocess';
