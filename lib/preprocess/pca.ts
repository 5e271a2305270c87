/**
 * PCA, dimensionality reduction and PCA/ZCA whitening (the notes' `cov = XᵀX / N;
 * U, S = svd(cov); Xrot = X·U[:, :k]; Xwhite = Xrot / sqrt(S + eps)`), fitted in one shot or
 * streamed chunk by chunk and merged.
 */
import { ErrorCodes, rangeError, typeError } from '../errors';
import { covariance, covarianceAsync, eigh, eighAsync, gemm } from '../linalg';
import { allocateFloat32, assertMatrix, type Matrix, MAX_DIMENSION } from '../matrix';
import { native } from '../native';
import { Rng } from '../rng';
import { assertFiniteNumber, assertInteger, assertOneOf, assertOptions, optionKeys } from '../validate';
import { columnMoments, columnMomentsAsync } from './moments';
import { DocumentReader, encodeFloat32, encodeFloat64, formatError, type SavedDocument } from './serialize';
import {
  fitData, assertFitted, assertWidth, registerStep, resolveOutput, stateError, type Transformer, type TransformOptions,
} from './transformer';

/** Whitening applied after the rotation. */
export type Whitening = false | 'pca' | 'zca';

/** Options of {@link PCA}. */
export interface PCAOptions {
  /** Components kept, k (default: all D). */
  components?: number;
  /**
   * `false` (default): `Xrot = (X − mean)·U_k`. `'pca'`: `Xrot / sqrt(λ + eps)` (identity
   * covariance on the training set). `'zca'`: the PCA-whitened data rotated back,
   * `Xwhite·U_kᵀ` (`N × D`, the notes' "whitened images").
   */
  whiten?: Whitening;
  /** Added to each eigenvalue before the square root of whitening (default 1e-5); a larger eps damps noise. */
  eps?: number;
  /**
   * `'exact'`: covariance (one symmetric rank-N update) then a full eigendecomposition.
   * `'randomized'`: a randomized range finder on the centered data, never forming the
   * `D × D` covariance in `fit` (Halko et al. 2011, with implicit centering and power
   * iterations); for k well below min(N, D). `'auto'` (default): randomized when
   * max(N, D) > 500 and k < 0.8·min(N, D) − oversample, as scikit-learn, otherwise exact.
   * The randomized solver falls back to exact when k + oversample ≥ min(N, D), and is used by
   * `fit` only: `partialFit`/`merge` always accumulate the co-moment matrix and solve it exactly.
   */
  solver?: 'auto' | 'exact' | 'randomized';
  /** Seed of the randomized solver's test matrix (default 0): same seed ⇒ same components. */
  seed?: number;
  /** Extra random directions of the randomized solver (default 10). */
  oversample?: number;
  /**
   * Power iterations of the randomized solver (default 2). Its eigenvalues are Rayleigh–Ritz
   * values, never above the exact ones; where the spectrum around the k-th component is nearly
   * flat the trailing ones are underestimated: on the benchmark's 50000 × 3072 matrix the
   * 100th by 16% at the default, the 50th by 1.5% (bench/experiments/randomized-pca-accuracy.md).
   * More iterations or oversampling narrow that at one or two passes over X each; use
   * `solver: 'exact'` when the eigenvalues themselves matter.
   */
  powerIters?: number;
}

const FORMAT = 'nnkit.PCA';
interface Solution {
  k: number;
  mean32: Float32Array;
  /** D × k row-major, column j = eigenvector j. */
  components: Float32Array;
  eigenvalues: Float32Array;
  totalVariance: number;
}

interface Projection {
  /** Multiplies centered data: D × outCols. */
  forward: Matrix;
  /** Multiplies transformed data back: outCols × D. */
  backward: Matrix;
}

let restore: (p: PCA, width: number, count: number, mean: Float64Array, comoment: Float64Array | null, solution: Solution | null) => void;

/** Inputs and outputs of one randomized fit (see PCA's randomized solver). */
interface RandomizedPlan {
  N: number;
  D: number;
  k: number;
  l: number;
  mean32: Float32Array;
  omega: Float32Array;
  S: Float32Array;
  Vt: Float32Array;
}

function copyColumns(src: Float32Array, rows: number, srcCols: number, cols: number): Float32Array {
  const out = allocateFloat32(rows * cols, 'out');
  for (let i = 0; i < rows; i++) out.set(src.subarray(i * srcCols, i * srcCols + cols), i * cols);
  return out;
}

const PCA_KEYS = optionKeys<PCAOptions>()('components', 'whiten', 'eps', 'solver', 'seed', 'oversample', 'powerIters');

/**
 * Principal component analysis with optional whitening, fitted on training data:
 *
 * - `fit`: mean μ and covariance `C = (X − μ)ᵀ(X − μ) / N` (float64 means, large offsets are
 *   fine), eigenvectors U (columns, descending eigenvalues λ, each with its largest-magnitude
 *   entry positive), k kept.
 * - `transform(X) = (X − μ)·U_k`, divided by `sqrt(λ + eps)` when whitening, and multiplied by
 *   `U_kᵀ` for ZCA. X is centered in blocks of 4 Mi elements (no N × D temporary).
 * - `inverseTransform` maps back: `Y·diag(sqrt(λ + eps))·U_kᵀ + μ` (exact when k = D).
 * - `partialFit` accumulates count, mean and the float64 co-moment matrix
 *   `M = Σ(x − μ)(x − μ)ᵀ` chunk by chunk; `merge` combines two partial fits with Chan's update
 *   `M = M_A + M_B + δδᵀ·n_A·n_B/n`. Any split equals the one-shot fit to rounding.
 * - Edge cases: zero-variance directions have λ = 0, whiten to 0 (`0 / sqrt(eps)`; also when
 *   λ + eps is so small, below ~1e-77, that 1/sqrt(λ + eps) overflows float32), and count
 *   for 0 in `explainedVarianceRatio`; constant data or a single sample give all-zero λ and
 *   ratios of 0 (never NaN); with N < D the trailing N..D eigenvalues are 0 (to rounding).
 */
export class PCA implements Transformer {
  /** Requested components (undefined: all). */
  readonly requestedComponents: number | undefined;
  readonly whiten: Whitening;
  readonly eps: number;
  readonly solver: 'auto' | 'exact' | 'randomized';
  readonly seed: number;
  readonly oversample: number;
  readonly powerIters: number;

  #width = 0;
  #count = 0;
  #mean: Float64Array | null = null;
  #comoment: Float64Array | null = null;  // D × D float64, null after a randomized fit or a stateless load
  #solution: Solution | null = null;
  #projection: Projection | null = null;

  constructor(opts?: PCAOptions) {
    assertOptions(opts, 'options', PCA_KEYS);
    // Each option is read once: the value checked is the value kept, whatever a getter does.
    const components = opts?.components;
    if (components !== undefined) assertInteger(components, 'components', 1, MAX_DIMENSION);
    const whiten = opts?.whiten ?? false;
    if (whiten !== false) assertOneOf(whiten, 'whiten', ['pca', 'zca'] as const);
    const eps = opts?.eps ?? 1e-5;
    assertFiniteNumber(eps, 'eps');
    if (eps < 0) rangeError('eps', 'a number ≥ 0', eps);
    const solver = opts?.solver ?? 'auto';
    assertOneOf(solver, 'solver', ['auto', 'exact', 'randomized'] as const);
    const seed = opts?.seed ?? 0;
    assertInteger(seed, 'seed', 0, Number.MAX_SAFE_INTEGER);
    const oversample = opts?.oversample ?? 10;
    assertInteger(oversample, 'oversample', 0, 10000);
    const powerIters = opts?.powerIters ?? 2;
    assertInteger(powerIters, 'powerIters', 0, 100);
    this.requestedComponents = components;
    this.whiten = whiten;
    this.eps = eps;
    this.solver = solver;
    this.seed = seed;
    this.oversample = oversample;
    this.powerIters = powerIters;
  }

  /** Samples fitted. */
  get count(): number {
    return this.#count;
  }

  /** Width D of the fitted data (0 before fit). */
  get width(): number {
    return this.#width;
  }

  /** True once fitted. */
  get fitted(): boolean {
    return this.#mean !== null;
  }

  /** Components kept, k. */
  get components(): Matrix {
    const s = this.#solve('components');
    return { data: s.components.slice(), rows: this.#width, cols: s.k };
  }

  /** The fitted mean (float32 copy). */
  get mean(): Float32Array {
    return this.#solve('mean').mean32.slice();
  }

  /** The k largest eigenvalues of the covariance (variances along the components), descending, ≥ 0. */
  get eigenvalues(): Float32Array {
    return this.#solve('eigenvalues').eigenvalues.slice();
  }

  /** λ_j / trace(C): the share of the total variance each component explains (0 for constant data). */
  get explainedVarianceRatio(): Float32Array {
    const s = this.#solve('explainedVarianceRatio');
    return Float32Array.from(s.eigenvalues, (v) => (s.totalVariance > 0 ? v / s.totalVariance : 0));
  }

  #k(width: number): number {
    const k = this.requestedComponents ?? width;
    if (k > width) rangeError('components', `at most the data's width (${width})`, k, ErrorCodes.SHAPE);
    return k;
  }

  #useRandomized(rows: number, width: number, k: number): boolean {
    const fits = k + this.oversample < Math.min(rows, width);
    if (this.solver === 'randomized') return fits;
    if (this.solver === 'exact') return false;
    return Math.max(rows, width) > 500 && k < 0.8 * Math.min(rows, width) - this.oversample && fits;
  }

  #reset(): void {
    this.#width = 0;
    this.#count = 0;
    this.#mean = null;
    this.#comoment = null;
    this.#solution = null;
    this.#projection = null;
  }

  /** Fits mean, covariance and components on X, replacing any previous fit. */
  fit(X: Matrix): this {
    X = fitData(X);
    const k = this.#k(X.cols);
    const moments = columnMoments(X);
    if (this.#useRandomized(X.rows, X.cols, k)) {
      const solution = this.#randomized(X, moments.mean, moments.m2, k);
      this.#reset();
      this.#install(X.cols, X.rows, moments.mean, null, solution);
      return this;
    }
    const cov = covariance(X);
    const { values, vectors } = eigh(cov);
    this.#reset();
    this.#install(X.cols, X.rows, moments.mean, comomentOf(cov, X.rows), this.#exactSolution(X.cols, moments.mean, values, vectors, traceOf(cov), k));
    return this;
  }

  /** {@link fit} with the passes over X and the eigendecomposition (or the randomized solver) on the libuv thread pool. */
  async fitAsync(X: Matrix): Promise<this> {
    X = fitData(X);
    const k = this.#k(X.cols);
    const moments = await columnMomentsAsync(X);
    if (this.#useRandomized(X.rows, X.cols, k)) {
      const solution = await this.#randomizedAsync(X, moments.mean, moments.m2, k);
      this.#reset();
      this.#install(X.cols, X.rows, moments.mean, null, solution);
      return this;
    }
    const cov = await covarianceAsync(X);
    const { values, vectors } = await eighAsync(cov);
    this.#reset();
    this.#install(X.cols, X.rows, moments.mean, comomentOf(cov, X.rows), this.#exactSolution(X.cols, moments.mean, values, vectors, traceOf(cov), k));
    return this;
  }

  /**
   * Adds a chunk of training rows: count, float64 mean and the float64 co-moment matrix are
   * updated with Chan's formula; components are recomputed when next needed.
   */
  partialFit(X: Matrix): this {
    assertMatrix(X, 'X');
    if (this.fitted) {
      assertWidth(X, this.#width, 'PCA');
      if (this.#comoment === null) stateError('PCA.partialFit() needs the co-moment state, which a randomized fit or a load without state does not keep; refit with solver \'exact\'');
    } else if (X.cols < 1) rangeError('X.cols', 'at least 1 column', X.cols, ErrorCodes.SHAPE);
    if (X.rows === 0) return this;
    this.#k(X.cols);
    const moments = columnMoments(X);
    const chunk = comomentOf(covariance(X), X.rows);
    this.#accumulate(X.cols, X.rows, moments.mean, chunk);
    return this;
  }

  /** Adds another PCA's partial fit (same width; both with co-moment state) to this one. */
  merge(other: PCA): this {
    if (!(other instanceof PCA)) typeError('other', 'a PCA', other);
    if (!other.fitted) return this;
    if (other.#comoment === null || (this.fitted && this.#comoment === null))
      stateError('PCA.merge() needs the co-moment state on both sides (fit with solver \'exact\' or partialFit)');
    if (this.fitted && other.#width !== this.#width)
      rangeError('other.width', `${this.#width} (this PCA's width)`, other.#width, ErrorCodes.SHAPE);
    this.#k(other.#width);
    this.#accumulate(other.#width, other.#count, other.#mean!, other.#comoment.slice());
    return this;
  }

  #accumulate(width: number, n: number, mean: Float64Array, comoment: Float64Array): void {
    if (!this.fitted) {
      this.#width = width;
      this.#count = n;
      this.#mean = Float64Array.from(mean);
      this.#comoment = comoment;
    } else {
      const nA = this.#count, total = nA + n, meanA = this.#mean!, M = this.#comoment!;
      const delta = new Float64Array(width);
      for (let j = 0; j < width; j++) delta[j] = mean[j]! - meanA[j]!;
      const cross = (nA * n) / total;
      for (let i = 0; i < width; i++) {
        const di = delta[i]! * cross, row = i * width;
        for (let j = 0; j < width; j++) M[row + j] = M[row + j]! + comoment[row + j]! + di * delta[j]!;
      }
      for (let j = 0; j < width; j++) meanA[j] = meanA[j]! + (delta[j]! * n) / total;
      this.#count = total;
    }
    this.#solution = null;
    this.#projection = null;
  }

  #install(width: number, count: number, mean: Float64Array, comoment: Float64Array | null, solution: Solution | null): void {
    this.#width = width;
    this.#count = count;
    this.#mean = mean;
    this.#comoment = comoment;
    this.#solution = solution;
    this.#projection = null;
  }

  #exactSolution(width: number, mean: Float64Array, values: Float32Array, vectors: Matrix, trace: number, k: number): Solution {
    return {
      k,
      mean32: Float32Array.from(mean),
      components: copyColumns(vectors.data, width, width, k),
      eigenvalues: Float32Array.from(values.subarray(0, k), (v) => Math.max(v, 0)),
      totalVariance: trace,
    };
  }

  /** The components from the accumulated co-moments (after partialFit/merge), computed once. */
  #solve(what: string): Solution {
    assertFitted(this.fitted, 'PCA', what);
    if (this.#solution) return this.#solution;
    const D = this.#width, n = this.#count, M = this.#comoment!;
    const cov = { data: new Float32Array(D * D), rows: D, cols: D };
    for (let i = 0; i < D * D; i++) cov.data[i] = M[i]! / n;
    let trace = 0;
    for (let j = 0; j < D; j++) trace += M[j * D + j]! / n;
    const k = this.#k(D);
    const { values, vectors } = eigh(cov);
    this.#solution = this.#exactSolution(D, this.#mean!, values, vectors, trace, k);
    return this.#solution;
  }

  /**
   * The randomized solver: {@link randomizedSvd}'s range finder on Xc = X − 1μᵀ, never forming
   * Xc or C (its products with X are corrected by rank one), without the N × k left factor.
   * The right singular vectors are the components and λ = s² / N.
   */
  #randomizedPlan(X: Matrix, mean: Float64Array, k: number): RandomizedPlan {
    const N = X.rows, D = X.cols, l = Math.min(k + this.oversample, D, N);
    const mean32 = Float32Array.from(mean);
    const omega = new Rng(this.seed).normal(new Float32Array(D * l));
    return { N, D, k, l, mean32, omega, S: new Float32Array(k), Vt: new Float32Array(k * D) };
  }

  #randomizedSolution(plan: RandomizedPlan, m2: Float64Array): Solution {
    const { N, D, k, Vt, S, mean32 } = plan;
    const components = new Float32Array(D * k);
    for (let j = 0; j < k; j++) for (let d = 0; d < D; d++) components[d * k + j] = Vt[j * D + d]!;
    let trace = 0;
    for (let j = 0; j < D; j++) trace += m2[j]! / N;
    return { k, mean32, components, eigenvalues: Float32Array.from(S, (s) => (s * s) / N), totalVariance: trace };
  }

  #randomized(X: Matrix, mean: Float64Array, m2: Float64Array, k: number): Solution {
    const p = this.#randomizedPlan(X, mean, k);
    native.randomizedSvd(X.data, p.N, p.D, k, p.omega, p.l, this.powerIters, null, p.S, p.Vt, p.mean32);
    return this.#randomizedSolution(p, m2);
  }

  async #randomizedAsync(X: Matrix, mean: Float64Array, m2: Float64Array, k: number): Promise<Solution> {
    const p = this.#randomizedPlan(X, mean, k);
    await native.randomizedSvdAsync(X.data, p.N, p.D, k, p.omega, p.l, this.powerIters, null, p.S, p.Vt, p.mean32);
    return this.#randomizedSolution(p, m2);
  }

  #project(): Projection {
    if (this.#projection) return this.#projection;
    const s = this.#solve('transform');
    const D = this.#width, k = s.k;
    // λ + eps = 0 (a zero-variance direction with eps = 0) whitens to 0 rather than Inf·0 = NaN, and so
    // does λ + eps so small (a denormal eps) that 1/sqrt(λ + eps) is beyond float32.
    const whitenScale = (v: number) => {
      const scale = v + this.eps > 0 ? 1 / Math.sqrt(v + this.eps) : 0;
      return Number.isFinite(Math.fround(scale)) ? scale : 0;
    };
    const forwardScale = Float64Array.from(s.eigenvalues, (v) => (this.whiten ? whitenScale(v) : 1));
    const Uk: Matrix = { data: s.components, rows: D, cols: k };
    const scaled = (scale: Float64Array): Matrix => {  // U_k · diag(scale)
      const out = new Float32Array(D * k);
      for (let i = 0; i < D; i++) for (let j = 0; j < k; j++) out[i * k + j] = s.components[i * k + j]! * scale[j]!;
      return { data: out, rows: D, cols: k };
    };
    const backwardScale = forwardScale.map((v) => (v === 0 ? 0 : 1 / v));
    const forward = scaled(forwardScale);                                  // D × k
    const backwardT = scaled(backwardScale);                               // D × k
    if (this.whiten === 'zca') {
      this.#projection = { forward: gemm(forward, Uk, { transB: true }), backward: gemm(backwardT, Uk, { transB: true }) };
    } else {
      const backward = { data: new Float32Array(k * D), rows: k, cols: D };
      for (let i = 0; i < D; i++) for (let j = 0; j < k; j++) backward.data[j * D + i] = backwardT.data[i * k + j]!;
      this.#projection = { forward, backward };
    }
    return this.#projection;
  }

  /**
   * Centering subtracts the float64 mean as a float32 pair, (x − hi) + low with low = −(μ − hi):
   * the float32 mean alone is off by up to half an ulp of the offset (4.9e-4 at 1e4), a large
   * error next to a small spread.
   */
  #centeringLow(): Float32Array {
    const mean32 = this.#solution!.mean32, mean = this.#mean!;
    return Float32Array.from(mean32, (hi, j) => -(mean[j]! - hi));
  }

  /** Output width of transform: k, or D for ZCA. */
  get outputWidth(): number {
    const s = this.#solve('outputWidth');
    return this.whiten === 'zca' ? this.#width : s.k;
  }

  /**
   * `(X − μ)·U_k` (÷ sqrt(λ + eps) when whitening, ·U_kᵀ for ZCA): `N × k`, or `N × D` for ZCA.
   * `{ out }` receives the result; `inPlace` is refused (the output is a product, not an overwrite).
   */
  transform(X: Matrix, opts?: TransformOptions): Matrix {
    assertMatrix(X, 'X');
    assertFitted(this.fitted, 'PCA', 'transform');
    assertWidth(X, this.#width, 'PCA');
    if (opts?.inPlace) rangeError('inPlace', 'false (a PCA projection cannot overwrite its input)', true);
    const P = this.#project();
    const { out, check } = resolveOutput(X, P.forward.cols, opts, 'PCA');
    const D = this.#width;
    native.pcaProject(X.data, X.rows, D, this.#solution!.mean32, this.#centeringLow(), P.forward.data, P.forward.cols,
      out.data, check);
    return out;
  }

  /** Back to the input space: `Y·diag(sqrt(λ + eps))·U_kᵀ + μ` (ZCA: `Y·U_k·diag(…)·U_kᵀ + μ`). Exact when k = D. */
  inverseTransform(Y: Matrix, opts?: TransformOptions): Matrix {
    assertMatrix(Y, 'X');
    assertFitted(this.fitted, 'PCA', 'inverseTransform');
    const P = this.#project();
    if (Y.cols !== P.backward.rows) rangeError('X.cols', `${P.backward.rows} columns (PCA's output width)`, Y.cols, ErrorCodes.SHAPE);
    if (opts?.inPlace) rangeError('inPlace', 'false (a PCA projection cannot overwrite its input)', true);
    const D = this.#width;
    const { out, check } = resolveOutput(Y, D, opts, 'PCA');
    native.pcaReconstruct(Y.data, Y.rows, Y.cols, P.backward.data, D, this.#solution!.mean32, out.data, check !== 0);
    return out;
  }

  /**
   * {@link transform} on the libuv thread pool, bit-identical to it (the same native code, in one
   * pool job). The components fitted when the call starts are used (a later fit or
   * partialFit does not change a pending call); X is copied then, and the result is written into
   * `out` on the JS thread when the work is done. A detached `out` rejects with
   * ERR_NNKIT_DETACHED; argument and state errors reject with the sync codes.
   */
  async transformAsync(X: Matrix, opts?: TransformOptions): Promise<Matrix> {
    assertMatrix(X, 'X');
    assertFitted(this.fitted, 'PCA', 'transformAsync');
    assertWidth(X, this.#width, 'PCA');
    if (opts?.inPlace) rangeError('inPlace', 'false (a PCA projection cannot overwrite its input)', true);
    const P = this.#project();
    const { out, check } = resolveOutput(X, P.forward.cols, opts, 'PCA');
    const D = this.#width;
    await native.pcaProjectAsync(X.data, X.rows, D, this.#solution!.mean32, this.#centeringLow(), P.forward.data, P.forward.cols,
      out.data, check);
    return out;
  }

  /** {@link inverseTransform} on the libuv thread pool, bit-identical to it (semantics as {@link transformAsync}). */
  async inverseTransformAsync(Y: Matrix, opts?: TransformOptions): Promise<Matrix> {
    assertMatrix(Y, 'X');
    assertFitted(this.fitted, 'PCA', 'inverseTransformAsync');
    const P = this.#project();
    if (Y.cols !== P.backward.rows) rangeError('X.cols', `${P.backward.rows} columns (PCA's output width)`, Y.cols, ErrorCodes.SHAPE);
    if (opts?.inPlace) rangeError('inPlace', 'false (a PCA projection cannot overwrite its input)', true);
    const D = this.#width;
    const { out, check } = resolveOutput(Y, D, opts, 'PCA');
    await native.pcaReconstructAsync(Y.data, Y.rows, Y.cols, P.backward.data, D, this.#solution!.mean32, out.data, check !== 0);
    return out;
  }

  /** `fit(X)` then `transform(X, opts)`. */
  fitTransform(X: Matrix, opts?: TransformOptions): Matrix {
    return this.fit(X).transform(X, opts);
  }

  /**
   * `{ format: 'nnkit.PCA', version: 1, options…, width, count, k, mean (float64),
   * components (float32, D × k), eigenvalues (float32), totalVariance, comoment }`.
   * The D × D float64 co-moment (needed only to continue partialFit/merge after loading) is
   * included with `{ includeState: true }`; otherwise it is null.
   */
  toJSON(opts?: unknown): SavedDocument {
    const includeState = typeof opts === 'object' && opts !== null && (opts as { includeState?: unknown }).includeState === true;
    // A partial fit saved with its state need not be solved first (a worker ships its
    // co-moments; the eigendecomposition happens once, after the merge).
    const stateOnly = includeState && this.#comoment !== null && this.#solution === null;
    const s = this.fitted && !stateOnly ? this.#solve('toJSON') : null;
    return {
      format: FORMAT,
      version: 1,
      components: this.requestedComponents ?? null,
      whiten: this.whiten,
      eps: this.eps,
      solver: this.solver,
      seed: this.seed,
      oversample: this.oversample,
      powerIters: this.powerIters,
      width: this.#width,
      count: this.#count,
      mean: this.fitted ? encodeFloat64(this.#mean!) : null,
      k: s ? s.k : 0,
      vectors: s ? encodeFloat32(s.components) : null,
      eigenvalues: s ? encodeFloat32(s.eigenvalues) : null,
      totalVariance: s ? s.totalVariance : 0,
      comoment: this.fitted && includeState && this.#comoment ? encodeFloat64(this.#comoment) : null,
    };
  }

  /** Reads a document of {@link toJSON}; every field is validated, damage throws ERR_NNKIT_FORMAT. */
  static fromJSON(json: unknown): PCA {
    return readPCA(json, 'json');
  }

  static {
    restore = (p, width, count, mean, comoment, solution) => p.#install(width, count, mean, comoment, solution);
  }
}

// Plain loops here and below: TypedArray.from with a map function walks the iterator protocol
// and takes seconds on a 3072 × 3072 matrix.
function comomentOf(cov: Matrix, n: number): Float64Array {
  const out = new Float64Array(cov.data.length);
  for (let i = 0; i < out.length; i++) out[i] = cov.data[i]! * n;
  return out;
}

function traceOf(cov: Matrix): number {
  let t = 0;
  for (let j = 0; j < cov.rows; j++) t += cov.data[j * cov.cols + j]!;
  return t;
}

function readPCA(json: unknown, path: string): PCA {
  const r = new DocumentReader(json, FORMAT, [1], path);
  const opts: PCAOptions = {
    eps: r.number('eps', 0),
    solver: r.oneOf('solver', ['auto', 'exact', 'randomized'] as const),
    seed: r.integer('seed'),
    oversample: r.integer('oversample', { max: 10000 }),
    powerIters: r.integer('powerIters', { max: 100 }),
  };
  const whiten = r.raw('whiten');
  if (whiten !== false) opts.whiten = r.oneOf('whiten', ['pca', 'zca'] as const);
  if (r.raw('components') !== null) opts.components = r.dimension('components');
  const p = new PCA(opts);
  const width = r.integer('width', { max: MAX_DIMENSION });
  const count = r.integer('count');
  if (width === 0) {
    if (count !== 0 || r.raw('mean') !== null || r.raw('vectors') !== null) formatError(`${path}.count`, 'count 0 and null arrays for an unfitted PCA', count);
    return p;
  }
  if (count < 1) formatError(`${path}.count`, 'at least 1 for a fitted PCA', count);
  const mean = r.float64('mean', width);
  const comoment = r.raw('comoment') === null ? null : r.float64('comoment', width * width);
  if (r.raw('vectors') === null) {
    // A saved partial fit: state only, solved after loading (and merging).
    if (comoment === null) formatError(`${path}.vectors`, 'the components, or the co-moment state to compute them from', null);
    if (r.integer('k') !== 0 || r.raw('eigenvalues') !== null) formatError(`${path}.k`, 'k 0 and null eigenvalues when vectors is null', r.raw('k'));
    restore(p, width, count, mean, comoment, null);
    return p;
  }
  const k = r.integer('k', { min: 1, max: width });
  if (opts.components !== undefined && opts.components !== k) formatError(`${path}.k`, `the requested components (${opts.components})`, k);
  if (opts.components === undefined && k !== width) formatError(`${path}.k`, `the width (${width}) when components is null`, k);
  const components = r.float32('vectors', width * k);
  const eigenvalues = r.float32('eigenvalues', k);
  r.check('eigenvalues', eigenvalues, 'a non-negative value, non-increasing', (v, i) => v >= 0 && (i === 0 || v <= eigenvalues[i - 1]!));
  const totalVariance = r.number('totalVariance', 0);
  restore(p, width, count, mean, comoment, { k, mean32: Float32Array.from(mean), components, eigenvalues, totalVariance });
  return p;
}

registerStep(FORMAT, readPCA);
