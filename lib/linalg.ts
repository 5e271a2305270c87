/**
 * Linear algebra: matrix products (and, in later work, covariance, eigh, svd).
 */
import { ErrorCodes, rangeError } from './errors';
import { assertMatrix, type Matrix, outMatrix } from './matrix';
import { native } from './native';
import { assertBoolean, assertFiniteNumber, assertOptions } from './validate';

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

function planGemm(a: Matrix, b: Matrix, opts: GemmOptions | undefined): GemmPlan {
  assertMatrix(a, 'A');
  assertMatrix(b, 'B');
  assertOptions(opts, 'options');
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
