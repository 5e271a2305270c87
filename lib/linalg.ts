/**
 * Linear algebra: matrix products, covariance, symmetric eigendecomposition, SVD and
 * randomized SVD — the building blocks of PCA and whitening.
 */
import { ErrorCodes, rangeError, typeError } from './errors';
import { assertMatrix, type Matrix, outMatrix } from './matrix';
import { native } from './native';
import { defaultRng, Rng } from './rng';
import { assertBoolean, assertFiniteNumber, assertFloat32Array, assertInteger, assertOneOf, assertOptions, optionKeys } from './validate';

/** Options of {@link gemm}. */
export interface GemmOptions {
  /** Use Aᵀ instead of A. */
  transA?: boolean;
  /** Use Bᵀ instead of B. */
  transB?: boolean;
  /** Scale of the product (default 1). */
  alpha?: number;
  /** Scale of the existing `out` (default 0: `out` is overwritten and never read). */
  beta?: number;
  /** Where to write the `M × N` result (a Matrix or Float32Array); a new Matrix otherwise. */
  out?: Matrix | Float32Array;
}

interface GemmPlan {
  a: Matrix;
  b: Matrix;
  out: Matrix;
  transA: boolean;
  transB: boolean;
  alpha: number;
  beta: number;
}

const GEMM_KEYS = optionKeys<GemmOptions>()('transA', 'transB', 'alpha', 'beta', 'out');
const COVARIANCE_KEYS = optionKeys<CovarianceOptions>()('center', 'out', 'mean');
const EIGH_KEYS = optionKeys<EighOptions>()('values', 'vectors');
const SVD_KEYS = optionKeys<SvdOptions>()('U', 'S', 'Vt');
const RANDOMIZED_SVD_KEYS = optionKeys<RandomizedSvdOptions>()('U', 'S', 'Vt', 'oversample', 'powerIters', 'seed', 'rng', 'center');

function planGemm(a: Matrix, b: Matrix, opts: GemmOptions | undefined): GemmPlan {
  assertMatrix(a, 'A');
  assertMatrix(b, 'B');
  assertOptions(opts, 'options', GEMM_KEYS);
  const transA = opts?.transA ?? false;
  const transB = opts?.transB ?? false;
  const alpha = opts?.alpha ?? 1;
  const beta = opts?.beta ?? 0;
  assertBoolean(transA, 'transA');
  assertBoolean(transB, 'transB');
  assertFiniteNumber(alpha, 'alpha');
  assertFiniteNumber(beta, 'beta');
  const m = transA ? a.cols : a.rows;
  const k = transA ? a.rows : a.cols;
  const kB = transB ? b.cols : b.rows;
  const n = transB ? b.rows : b.cols;
  if (k !== kB) rangeError('B', `an inner dimension of ${k} to match op(A) (${m} × ${k})`, kB, ErrorCodes.SHAPE);
  const out = outMatrix(opts?.out, m, n);
  return { a, b, out, transA, transB, alpha, beta };
}

/**
 * General matrix multiply: `out = alpha · op(A) · op(B) + beta · out`, where op(X) is X or Xᵀ.
 * Runs on OpenBLAS's `cblas_sgemm` when nnkit was built with it, otherwise on nnkit's packed,
 * cache-blocked AVX2/FMA (or scalar) kernels. `out` must not overlap A or B.
 *
 * @returns `out` (or a new `M × N` Matrix).
 */
export function gemm(A: Matrix, B: Matrix, opts?: GemmOptions): Matrix {
  const p = planGemm(A, B, opts);
  native.gemm(p.a.data, p.a.rows, p.a.cols, p.b.data, p.b.rows, p.b.cols, p.out.data, p.transA, p.transB, p.alpha, p.beta);
  return p.out;
}

/**
 * {@link gemm} on the libuv thread pool: the event loop stays free. A and B are copied when
 * the call starts (later writes to them do not affect the result) and the product is written
 * into `out` when the work is done, on the JS thread. Transferring or detaching a buffer while
 * the call is pending is safe: a detached `out` rejects the Promise with ERR_NNKIT_DETACHED.
 * SharedArrayBuffer-backed arrays are used in place, without copies.
 */
export async function gemmAsync(A: Matrix, B: Matrix, opts?: GemmOptions): Promise<Matrix> {
  const p = planGemm(A, B, opts);
  await native.gemmAsync(p.a.data, p.a.rows, p.a.cols, p.b.data, p.b.rows, p.b.cols, p.out.data, p.transA, p.transB, p.alpha, p.beta);
  return p.out;
}

// ---------------------------------------------------------------------------------------------
// Covariance

/** Options of {@link covariance}. */
export interface CovarianceOptions {
  /** Subtract the column means first (default true); false computes `Xᵀ·X / N` of X as is. */
  center?: boolean;
  /** Where to write the `D × D` result (a Matrix or Float32Array); a new Matrix otherwise. */
  out?: Matrix | Float32Array;
  /**
   * A Float32Array of length D that receives the column means (zeros when `center` is false),
   * so that PCA gets the mean and the covariance from one pass.
   */
  mean?: Float32Array;
}

interface CovariancePlan {
  x: Matrix;
  center: boolean;
  out: Matrix;
  mean: Float32Array | undefined;
}

function planCovariance(X: Matrix, opts: CovarianceOptions | undefined): CovariancePlan {
  assertMatrix(X, 'X');
  assertOptions(opts, 'options', COVARIANCE_KEYS);
  const center = opts?.center ?? true;
  assertBoolean(center, 'center');
  if (X.rows < 1) rangeError('X', 'a matrix with at least one row', X.rows, ErrorCodes.SHAPE);
  const out = outMatrix(opts?.out, X.cols, X.cols);
  const mean = opts?.mean;
  if (mean !== undefined) {
    assertFloat32Array(mean, 'mean');
    if (mean.length !== X.cols) rangeError('mean', `a Float32Array of length ${X.cols}`, mean, ErrorCodes.SHAPE);
  }
  return { x: X, center, out, mean };
}

/**
 * Covariance of the rows of X (`N × D`, one sample per row): `C = Xcᵀ·Xc / N` with
 * `Xc = X − mean(X, axis 0)` (population covariance, the notes' `np.dot(X.T, X) / N` on
 * centered data). `C` is `D × D`, exactly symmetric.
 *
 * The mean is accumulated in float64, so data with a large offset (pixels in 0–255) loses no
 * precision; centering is blocked over rows (a block of rows is centered into a small scratch
 * and added to C with a symmetric rank-k update, OpenBLAS `ssyrk` or nnkit's GEMM on the upper
 * block-triangle), so X is never copied.
 *
 * @throws RangeError `ERR_NNKIT_NONFINITE` when X holds NaN or ±Infinity.
 * @returns `out` (or a new `D × D` Matrix).
 */
export function covariance(X: Matrix, opts?: CovarianceOptions): Matrix {
  const p = planCovariance(X, opts);
  native.covariance(p.x.data, p.x.rows, p.x.cols, p.center, p.out.data, p.mean);
  return p.out;
}

/** {@link covariance} on the libuv thread pool; X, `out` and `mean` are held until it settles. */
export async function covarianceAsync(X: Matrix, opts?: CovarianceOptions): Promise<Matrix> {
  const p = planCovariance(X, opts);
  await native.covarianceAsync(p.x.data, p.x.rows, p.x.cols, p.center, p.out.data, p.mean);
  return p.out;
}

// ---------------------------------------------------------------------------------------------
// Symmetric eigendecomposition

/** What {@link eigh} returns. */
export interface EighResult {
  /** Eigenvalues λ, descending. */
  values: Float32Array;
  /** `n × n`; column j is the unit eigenvector of `values[j]`. */
  vectors: Matrix;
}

/** Options of {@link eigh}. */
export interface EighOptions {
  /** Where to write the eigenvalues (length n). */
  values?: Float32Array;
  /** Where to write the eigenvectors (`n × n`). */
  vectors?: Matrix | Float32Array;
}

function planEigh(A: Matrix, opts: EighOptions | undefined) {
  assertMatrix(A, 'A');
  assertOptions(opts, 'options', EIGH_KEYS);
  if (A.rows !== A.cols) rangeError('A', 'a square matrix', `a ${A.rows} × ${A.cols} matrix`, ErrorCodes.SHAPE);
  const n = A.rows;
  const values = opts?.values ?? new Float32Array(n);
  assertFloat32Array(values, 'values');
  if (values.length !== n) rangeError('values', `a Float32Array of length ${n}`, values, ErrorCodes.SHAPE);
  const vectors = outMatrix(opts?.vectors, n, n, 'vectors');
  return { a: A, values, vectors };
}

/**
 * Eigendecomposition of a symmetric matrix: `A = V·diag(λ)·Vᵀ`, with `A·v_j = λ_j·v_j`.
 *
 * - Eigenvalues come out descending; eigenvector j is column j of `vectors` (as the notes'
 *   `U` of `svd(cov)`: `Xrot = X·U`).
 * - Sign convention (every backend): each eigenvector's largest-magnitude component is
 *   positive (the first such component on ties), so results are reproducible.
 * - Runs LAPACK `ssyevd` (divide and conquer) when nnkit was built with LAPACKE, otherwise a
 *   built-in float64 Householder tridiagonalization + implicit QL with Wilkinson shifts (the
 *   eigenvector matrix is formed and rotated in float32, as `ssyevd`'s; orthonormality is of
 *   the same order as LAPACK's); see {@link setLapackBackend}.
 *
 * @throws RangeError `ERR_NNKIT_SHAPE` for a non-square matrix or one that is not symmetric to
 *   `|a_ij − a_ji| ≤ 1e-4 · max|a|` (the input is symmetrized within that tolerance);
 *   `ERR_NNKIT_NONFINITE` for NaN/±Infinity; `ERR_NNKIT_LAPACK` if the solver fails.
 */
export function eigh(A: Matrix, opts?: EighOptions): EighResult {
  const p = planEigh(A, opts);
  native.eigh(p.a.data, p.a.rows, p.values, p.vectors.data);
  return { values: p.values, vectors: p.vectors };
}

/** {@link eigh} on the libuv thread pool; A and the outputs are held until it settles. */
export async function eighAsync(A: Matrix, opts?: EighOptions): Promise<EighResult> {
  const p = planEigh(A, opts);
  await native.eighAsync(p.a.data, p.a.rows, p.values, p.vectors.data);
  return { values: p.values, vectors: p.vectors };
}

// ---------------------------------------------------------------------------------------------
// SVD

/** What {@link svd} and {@link randomizedSvd} return: `A ≈ U·diag(S)·Vt`. */
export interface SvdResult {
  /** `M × r`, orthonormal columns (left singular vectors). */
  U: Matrix;
  /** Singular values, descending (length r). */
  S: Float32Array;
  /** `r × N`, orthonormal rows (right singular vectors). */
  Vt: Matrix;
}

/** Options of {@link svd}: where to write the results. */
export interface SvdOptions {
  U?: Matrix | Float32Array;
  S?: Float32Array;
  Vt?: Matrix | Float32Array;
}

function svdOutputs(m: number, n: number, r: number, opts: SvdOptions | undefined): SvdResult {
  const U = outMatrix(opts?.U, m, r, 'U');
  const S = opts?.S ?? new Float32Array(r);
  assertFloat32Array(S, 'S');
  if (S.length !== r) rangeError('S', `a Float32Array of length ${r}`, S, ErrorCodes.SHAPE);
  const Vt = outMatrix(opts?.Vt, r, n, 'Vt');
  return { U, S, Vt };
}

function planSvd(A: Matrix, opts: SvdOptions | undefined) {
  assertMatrix(A, 'A');
  assertOptions(opts, 'options', SVD_KEYS);
  return svdOutputs(A.rows, A.cols, Math.min(A.rows, A.cols), opts);
}

/**
 * Thin singular value decomposition `A = U·diag(S)·Vt` of an `M × N` matrix, `r = min(M, N)`:
 * U is `M × r`, S descending, Vt is `r × N`.
 *
 * Sign convention (every backend): each right singular vector (row of Vt) has its
 * largest-magnitude entry positive, and the matching column of U is flipped with it. A
 * rank-deficient A still gets an orthonormal U. Runs LAPACK `sgesdd` when nnkit was built with
 * LAPACKE, otherwise a built-in float64 Householder QR + one-sided Jacobi; see
 * {@link setLapackBackend}.
 *
 * @throws RangeError `ERR_NNKIT_NONFINITE` for NaN/±Infinity; `ERR_NNKIT_LAPACK` if the solver fails.
 */
export function svd(A: Matrix, opts?: SvdOptions): SvdResult {
  const out = planSvd(A, opts);
  native.svd(A.data, A.rows, A.cols, out.U.data, out.S, out.Vt.data);
  return out;
}

/** {@link svd} on the libuv thread pool; A and the outputs are held until it settles. */
export async function svdAsync(A: Matrix, opts?: SvdOptions): Promise<SvdResult> {
  const out = planSvd(A, opts);
  await native.svdAsync(A.data, A.rows, A.cols, out.U.data, out.S, out.Vt.data);
  return out;
}

/** Options of {@link randomizedSvd}. */
export interface RandomizedSvdOptions extends SvdOptions {
  /** Extra random directions beyond k (default 10); k + oversample is capped at min(M, N). */
  oversample?: number;
  /** Power (subspace) iterations, each re-orthonormalized (default 2). */
  powerIters?: number;
  /** Seed of the Gaussian test matrix (`new nn.Rng(seed)`); same seed ⇒ same result. */
  seed?: number | bigint;
  /** Generator of the test matrix when no seed is given (default: {@link defaultRng}). */
  rng?: Rng;
  /**
   * A row vector c (length N) to subtract from every row first: factors `A − 1·cᵀ` (PCA of A
   * with c its column means) without forming it: the products are corrected by rank one.
   */
  center?: Float32Array;
}

function planRandomizedSvd(A: Matrix, k: number, opts: RandomizedSvdOptions | undefined) {
  assertMatrix(A, 'A');
  assertOptions(opts, 'options', RANDOMIZED_SVD_KEYS);
  const r = Math.min(A.rows, A.cols);
  if (typeof k !== 'number') assertInteger(k, 'k', 1, Math.max(1, r));
  if (!Number.isInteger(k) || k < 1 || k > r) rangeError('k', `an integer from 1 to min(rows, cols) = ${r}`, k);
  const oversample = opts?.oversample ?? 10;
  const powerIters = opts?.powerIters ?? 2;
  assertInteger(oversample, 'oversample', 0, 100000);
  assertInteger(powerIters, 'powerIters', 0, 1000);
  const l = Math.min(k + oversample, r);
  let rng: Rng;
  const seed = opts?.seed, given = opts?.rng;  // read once: the value checked is the value used
  if (seed !== undefined) {
    rng = new Rng(seed);
  } else if (given !== undefined) {
    if (!(given instanceof Rng)) typeError('rng', 'an nn.Rng', given);
    rng = given;
  } else {
    rng = defaultRng();
  }
  const center = opts?.center ?? null;
  if (center !== null) {
    assertFloat32Array(center, 'center');
    if (center.length !== A.cols) rangeError('center', `a Float32Array of length ${A.cols} (A's columns)`, center, ErrorCodes.SHAPE);
  }
  const omega = rng.normal(new Float32Array(A.cols * l));
  const out = svdOutputs(A.rows, A.cols, k, opts);
  return { k, l, powerIters, omega, out, center };
}

/**
 * Truncated SVD by random projection (Halko, Martinsson & Tropp 2011, Algorithm 4.4): the top
 * k singular triplets of an `M × N` matrix, `A ≈ U·diag(S)·Vt` with U `M × k`, Vt `k × N`.
 *
 * `Y = A·Ω` for a Gaussian `N × (k + oversample)` test matrix Ω, then `powerIters` rounds of
 * `Y ← A·orth(Aᵀ·orth(Y))` (QR re-orthonormalization between every product keeps the small
 * singular directions from drowning in rounding), `Q = orth(Y)`, `B = Qᵀ·A`, the small SVD
 * `B = X·S·Wᵀ`, and `U = Q·X`, `Vt = Wᵀ` (first k). GEMM dominates the cost, so it is fast with
 * or without LAPACK. Same sign convention as {@link svd}; same seed ⇒ same result.
 *
 * @throws RangeError `ERR_NNKIT_RANGE` unless 1 ≤ k ≤ min(M, N), or when k exceeds the
 *   numerical rank of A (the k-th singular value is at most 16·ε·σ₁, ε = 2⁻²³: such components
 *   are rounding noise); `ERR_NNKIT_NONFINITE` for NaN/±Infinity.
 */
export function randomizedSvd(A: Matrix, k: number, opts?: RandomizedSvdOptions): SvdResult {
  const p = planRandomizedSvd(A, k, opts);
  native.randomizedSvd(A.data, A.rows, A.cols, p.k, p.omega, p.l, p.powerIters, p.out.U.data, p.out.S, p.out.Vt.data, p.center);
  return p.out;
}

/** {@link randomizedSvd} on the libuv thread pool; A and the outputs are held until it settles. */
export async function randomizedSvdAsync(A: Matrix, k: number, opts?: RandomizedSvdOptions): Promise<SvdResult> {
  const p = planRandomizedSvd(A, k, opts);
  await native.randomizedSvdAsync(A.data, A.rows, A.cols, p.k, p.omega, p.l, p.powerIters, p.out.U.data, p.out.S, p.out.Vt.data, p.center);
  return p.out;
}

// ---------------------------------------------------------------------------------------------
// Backend switch

/**
 * Chooses the solver behind {@link eigh}, {@link svd} and the QR/SVD steps of
 * {@link randomizedSvd}: LAPACK (through LAPACKE, when nnkit was built with it) or nnkit's
 * built-in float64 routines (the only choice in a build without LAPACKE). Both follow the same
 * conventions. Meant for tests and benchmarks.
 */
export function setLapackBackend(backend: 'lapack' | 'builtin'): void {
  assertOneOf(backend, 'backend', ['lapack', 'builtin'] as const);
  native.setLapackBackend(backend);
}

/** The solver {@link eigh} and {@link svd} use now: `'lapack'` or `'builtin'`. */
export function lapackBackend(): 'lapack' | 'builtin' {
  return native.lapackBackend();
}
