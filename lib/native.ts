/**
 * The loader and the typed interface of the native addon. This is the only module that
 * reaches the addon; every other module goes through the `native` object exported here.
 * @internal
 */
import * as path from 'node:path';
import { NnkitRangeError, NnkitTypeError } from './errors';

/** What `backend()` reports. */
export interface NativeBackend {
  blas: string;
  gemm: 'blas' | 'builtin';
  gemmReason: string;
  centeredGemm: 'blas' | 'builtin';
  blasCore: string;
  blasCoreSimd: string;
  simd: string;
  simdPaths: string[];
  threads: number;
  version: string;
  hugePages: boolean;
}

export interface NativeAddon {
  backend(): NativeBackend;
  setThreads(n: number): void;
  setSimd(path: string): void;
  setGemmBackend(backend: 'blas' | 'builtin'): void;
  /** Advises huge pages for a fresh, untouched Float32Array; returns the bytes advised. */
  adviseHugePages(data: Float32Array): number;
  /** Returns the new state (false where the OS has no transparent huge pages). */
  setHugePages(on: boolean): boolean;

  gemm(a: Float32Array, aRows: number, aCols: number, b: Float32Array, bRows: number, bCols: number,
    out: Float32Array, transA: boolean, transB: boolean, alpha: number, beta: number): void;
  gemmAsync(a: Float32Array, aRows: number, aCols: number, b: Float32Array, bRows: number, bCols: number,
    out: Float32Array, transA: boolean, transB: boolean, alpha: number, beta: number): Promise<void>;

  covariance(x: Float32Array, rows: number, cols: number, center: boolean, out: Float32Array, mean?: Float32Array): void;
  covarianceAsync(x: Float32Array, rows: number, cols: number, center: boolean, out: Float32Array, mean?: Float32Array): Promise<void>;
  eigh(a: Float32Array, n: number, values: Float32Array, vectors: Float32Array): void;
  eighAsync(a: Float32Array, n: number, values: Float32Array, vectors: Float32Array): Promise<void>;
  svd(a: Float32Array, m: number, n: number, u: Float32Array, s: Float32Array, vt: Float32Array): void;
  svdAsync(a: Float32Array, m: number, n: number, u: Float32Array, s: Float32Array, vt: Float32Array): Promise<void>;
  /** u null: U is not computed; center (length n): factors A − 1·centerᵀ without forming it. */
  randomizedSvd(a: Float32Array, m: number, n: number, k: number, omega: Float32Array, l: number, powerIters: number,
    u: Float32Array | null, s: Float32Array, vt: Float32Array, center?: Float32Array | null): void;
  randomizedSvdAsync(a: Float32Array, m: number, n: number, k: number, omega: Float32Array, l: number, powerIters: number,
    u: Float32Array | null, s: Float32Array, vt: Float32Array, center?: Float32Array | null): Promise<void>;
  setLapackBackend(backend: 'lapack' | 'builtin'): void;
  lapackBackend(): 'lapack' | 'builtin';

  /** Fills `out`; returns the Philox blocks consumed. */
  rngFill(key0: number, key1: number, stream0: number, stream1: number, offset: number, out: Float32Array,
    kind: 'normal' | 'uniform', p0: number, p1: number): number;
  rngFillAsync(key0: number, key1: number, stream0: number, stream1: number, offset: number, out: Float32Array,
    kind: 'normal' | 'uniform', p0: number, p1: number): Promise<number>;
  rngBits(key0: number, key1: number, stream0: number, stream1: number, offset: number, out: Uint32Array): number;

  /** Per-column float64 mean and M2 = Σ(x − mean)²; ERR_NNKIT_NONFINITE on NaN/±Infinity. */
  columnMoments(x: Float32Array, rows: number, cols: number, mean: Float64Array, m2: Float64Array): void;
  columnMomentsAsync(x: Float32Array, rows: number, cols: number, mean: Float64Array, m2: Float64Array): Promise<void>;
  /** Per-column min and max; ERR_NNKIT_NONFINITE on NaN/±Infinity. */
  columnMinMax(x: Float32Array, rows: number, cols: number, min: Float32Array, max: Float32Array): void;
  columnMinMaxAsync(x: Float32Array, rows: number, cols: number, min: Float32Array, max: Float32Array): Promise<void>;
  /**
   * out = (x − shift) · scale + offset per column; out may be x itself. `check` (a
   * {@link FiniteCheck}): ERR_NNKIT_NONFINITE naming the first NaN or ±Infinity of x.
   */
  columnAffine(x: Float32Array, rows: number, cols: number, out: Float32Array, shift: Float32Array, scale: Float32Array,
    offset: Float32Array, check: FiniteCheck): void;
  columnAffineAsync(x: Float32Array, rows: number, cols: number, out: Float32Array, shift: Float32Array, scale: Float32Array,
    offset: Float32Array, check: FiniteCheck): Promise<void>;
  /** out = ((X − mean) + low)·forward (rows × k), X centered on its way into the product: PCA.transform (one implementation, sync and async). */
  pcaProject(x: Float32Array, rows: number, cols: number, mean: Float32Array, low: Float32Array, forward: Float32Array,
    k: number, out: Float32Array, check: FiniteCheck): void;
  pcaProjectAsync(x: Float32Array, rows: number, cols: number, mean: Float32Array, low: Float32Array, forward: Float32Array,
    k: number, out: Float32Array, check: FiniteCheck): Promise<void>;
  /** out = Y·backward + mean (rows × cols): PCA.inverseTransform, sync and async. */
  pcaReconstruct(y: Float32Array, rows: number, k: number, backward: Float32Array, cols: number, mean: Float32Array,
    out: Float32Array, checkFinite: boolean): void;
  pcaReconstructAsync(y: Float32Array, rows: number, k: number, backward: Float32Array, cols: number, mean: Float32Array,
    out: Float32Array, checkFinite: boolean): Promise<void>;
  /** Registers the classes of the errors the addon raises (called once per thread, below). */
  setErrorClasses(typeError: typeof NnkitTypeError, rangeError: typeof NnkitRangeError): void;
  sgdStep(w: Float32Array, g: Float32Array, v: Float32Array, lr: number, momentum: number, weightDecay: number, nesterov: boolean): void;
  adamStep(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, beta1: number, beta2: number, oneMinusBeta1: number,
    oneMinusBeta2: number, stepSize: number, invBc2Sqrt: number, eps: number, l2: number, decay: number): void;
  rmspropStep(w: Float32Array, g: Float32Array, squareAvg: Float32Array, momentumBuffer: Float32Array | null, gradAvg: Float32Array | null,
    lr: number, alpha: number, oneMinusAlpha: number, eps: number, weightDecay: number, momentum: number): void;
  gatherRows(x: Float32Array, rows: number, cols: number, indices: Uint32Array, out: Float32Array): void;
  /** A rows × cols block of `type` elements (row- or column-major bytes) as row-major float32 in `out`. */
  toFloat32Rows(src: Uint8Array, type: ElementType, rows: number, cols: number, columnMajor: boolean, out: Float32Array): void;
  // Layers (lib/layers/*).
  linearForward(x: Float32Array, n: number, d: number, w: Float32Array, h: number, b: Float32Array | null, out: Float32Array): void;
  linearBackward(dy: Float32Array, n: number, h: number, x: Float32Array, d: number, w: Float32Array,
    dx: Float32Array | null, dw: Float32Array | null, db: Float32Array | null): void;
  reluForward(x: Float32Array, out: Float32Array): void;
  reluBackward(dy: Float32Array, x: Float32Array, out: Float32Array): void;
  batchNormForward(x: Float32Array, n: number, d: number, gamma: Float32Array | null, beta: Float32Array | null,
    training: boolean, momentum: number, eps: number, runningMean: Float32Array, runningVar: Float32Array,
    savedMean: Float32Array, savedInvstd: Float32Array, out: Float32Array): void;
  batchNormBackward(dy: Float32Array, x: Float32Array, n: number, d: number, gamma: Float32Array | null,
    savedMean: Float32Array, savedInvstd: Float32Array, dx: Float32Array | null, dGamma: Float32Array | null,
    dBeta: Float32Array | null): void;
  /** Returns the Philox blocks consumed. */
  dropoutForward(key0: number, key1: number, stream0: number, stream1: number, offset: number, x: Float32Array,
    out: Float32Array, mask: Uint32Array, keepProb: number, scale: number): number;
  dropoutBackward(dy: Float32Array, mask: Uint32Array | null, scale: number, out: Float32Array): void;
  reluForwardAsync(x: Float32Array, out: Float32Array): Promise<void>;
  reluBackwardAsync(dy: Float32Array, x: Float32Array, out: Float32Array): Promise<void>;
  /** Resolves to the Philox blocks consumed; `out` and `mask` are written when the work is done. */
  dropoutForwardAsync(key0: number, key1: number, stream0: number, stream1: number, offset: number, x: Float32Array,
    out: Float32Array, mask: Uint32Array, keepProb: number, scale: number): Promise<number>;
  dropoutBackwardAsync(dy: Float32Array, mask: Uint32Array | null, scale: number, out: Float32Array): Promise<void>;
  linearForwardAsync(x: Float32Array, n: number, d: number, w: Float32Array, h: number, b: Float32Array | null, out: Float32Array): Promise<void>;
  linearBackwardAsync(dy: Float32Array, n: number, h: number, x: Float32Array, d: number, w: Float32Array,
    dx: Float32Array | null, dw: Float32Array | null, db: Float32Array | null): Promise<void>;
  batchNormForwardAsync(x: Float32Array, n: number, d: number, gamma: Float32Array | null, beta: Float32Array | null,
    training: boolean, momentum: number, eps: number, runningMean: Float32Array, runningVar: Float32Array,
    savedMean: Float32Array, savedInvstd: Float32Array, out: Float32Array): Promise<void>;
  batchNormBackwardAsync(dy: Float32Array, x: Float32Array, n: number, d: number, gamma: Float32Array | null,
    savedMean: Float32Array, savedInvstd: Float32Array, dx: Float32Array | null, dGamma: Float32Array | null,
    dBeta: Float32Array | null): Promise<void>;
  /** Losses return Σ L_i and write gradScale · ∂L/∂scores into grad (when not null). */
  lossSvm(scores: Float32Array, rows: number, cols: number, labels: ArrayBufferView, margin: number, squared: boolean,
    gradScale: number, grad: Float32Array | null): number;
  lossSoftmax(scores: Float32Array, rows: number, cols: number, labels: ArrayBufferView, gradScale: number,
    grad: Float32Array | null): number;
  lossTargets(scores: Float32Array, rows: number, cols: number, targets: Float32Array,
    kind: 'multiLabelHinge' | 'sigmoidCrossEntropy' | 'l2' | 'l1', gradScale: number, grad: Float32Array | null): number;
  softmax(scores: Float32Array, rows: number, cols: number, out: Float32Array): void;
  /** The Async twins resolve to Σ L_i; labels and tree arrays are copied and re-checked at the call. */
  lossSvmAsync(scores: Float32Array, rows: number, cols: number, labels: ArrayBufferView, margin: number, squared: boolean,
    gradScale: number, grad: Float32Array | null): Promise<number>;
  lossSoftmaxAsync(scores: Float32Array, rows: number, cols: number, labels: ArrayBufferView, gradScale: number,
    grad: Float32Array | null): Promise<number>;
  lossTargetsAsync(scores: Float32Array, rows: number, cols: number, targets: Float32Array,
    kind: 'multiLabelHinge' | 'sigmoidCrossEntropy' | 'l2' | 'l1', gradScale: number, grad: Float32Array | null): Promise<number>;
  softmaxAsync(scores: Float32Array, rows: number, cols: number, out: Float32Array): Promise<void>;
  lossHierarchicalSoftmaxAsync(h: Float32Array, rows: number, dim: number, labels: ArrayBufferView, offsets: Uint32Array,
    nodes: Uint32Array, bits: Uint32Array, internalNodes: number, v: Float32Array, gradScale: number,
    dH: Float32Array | null, dV: Float32Array | null): Promise<number>;
  lossHierarchicalSoftmax(h: Float32Array, rows: number, dim: number, labels: ArrayBufferView, offsets: Uint32Array,
    nodes: Uint32Array, bits: Uint32Array, internalNodes: number, v: Float32Array, gradScale: number,
    dH: Float32Array | null, dV: Float32Array | null): number;
  hierarchicalLogProbabilities(h: Float32Array, rows: number, dim: number, offsets: Uint32Array, nodes: Uint32Array,
    bits: Uint32Array, internalNodes: number, v: Float32Array, out: Float32Array): void;
  hierarchicalLogProbabilitiesAsync(h: Float32Array, rows: number, dim: number, offsets: Uint32Array, nodes: Uint32Array,
    bits: Uint32Array, internalNodes: number, v: Float32Array, out: Float32Array): Promise<void>;

  /** Returns c1·Σ|w| + c2·Σw² and adds a1·sign(w) + a2·w into grad (when not null). */
  regPenalty(w: Float32Array, a1: number, a2: number, c1: number, c2: number, grad: Float32Array | null): number;
  /** Projects each column (or row) onto ‖w‖₂ ≤ c; returns how many were clipped. */
  regMaxNorm(w: Float32Array, rows: number, cols: number, c: number, byRows: boolean): number;
}

/**
 * How a transform checks its input for NaN and ±Infinity (native/binding/preprocess.cc):
 * 0 not at all; 1 in the transform's own pass (for a new output, dropped if the check fails);
 * 2 by a read-only scan first (in place or into the caller's buffer: a rejected call writes nothing).
 */
export type FiniteCheck = 0 | 1 | 2;

/** Element types the data readers convert from (native/kernels/data.h). */
export type ElementType = 'f32' | 'f64' | 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32' | 'i64' | 'u64';

// node-gyp-build looks in build/Release (cmake-js and node-gyp builds) and then prebuilds/.
// The package root is one level up from both lib/ (sources, tests) and dist/ (published).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const load = require('node-gyp-build') as (dir: string) => unknown;

export const native = load(path.join(__dirname, '..')) as NativeAddon;

// Every error the addon raises, sync or async, on the main thread or a worker (each loads this
// module), is an nn.NnkitTypeError / NnkitRangeError with `code` and `argument`.
native.setErrorClasses(NnkitTypeError, NnkitRangeError);
