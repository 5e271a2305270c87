/**
 * The fully connected layer (`nn.linear`): `Y = X·W + b` with `X: [N × fanIn]`,
 * `W: [fanIn × fanOut]` (one neuron per column), `b: [fanOut]`.
 */
import { ErrorCodes, Received, rangeError } from '../errors';
import { assertMatrix, floatsArg, type Matrix, outMatrix, type Unless } from '../matrix';
import { native } from '../native';
import { assertFloat32Array, assertOptions, optionKeys } from '../validate';

/** Options of {@link forward}. */
export interface LinearForwardOptions {
  /** Where to write the `N × fanOut` output; a new Matrix otherwise. */
  out?: Matrix | Float32Array;
}

/** Options of {@link backward}: where to write each gradient, or `false` to skip it. */
export interface LinearBackwardOptions {
  /** `N × fanIn`; `false` skips dX (e.g. for the first layer). */
  dX?: Matrix | Float32Array | false;
  /** `fanIn × fanOut`; `false` skips dW. */
  dW?: Matrix | Float32Array | false;
  /** `fanOut`; `false` skips db. */
  db?: Float32Array | false;
}

/** The gradients of a linear layer; a skipped one is `null`. */
/**
 * The gradients of {@link backward}. Each is non-null unless its option was `false`: for options
 * `O` the types follow (see `nn.Unless`), so `backward(dY, X, W).dW` is a `Matrix` and
 * `backward(dY, X, W, { dX: false }).dX` is `null`.
 */
export interface LinearGradients<O = LinearBackwardOptions> {
  dX: Unless<O, 'dX', Matrix>;
  dW: Unless<O, 'dW', Matrix>;
  db: Unless<O, 'db', Float32Array>;
}

/** A bias given as a Float32Array or a 1-row (or 1-column) Matrix. */
export type Bias = Float32Array | Matrix;

function biasData(b: Bias | null | undefined, fanOut: number): Float32Array | null {
  if (b === null || b === undefined) return null;
  const data = floatsArg(b, 'b');
  if (data.length !== fanOut) rangeError('b', `${fanOut} values (one per column of W)`, data, ErrorCodes.SHAPE);
  return data;
}

function checkInner(X: Matrix, W: Matrix): void {
  if (X.cols !== W.rows)
    rangeError('W', `a Matrix with ${X.cols} rows (X.cols)`, new Received(`a ${W.rows} × ${W.cols} Matrix`), ErrorCodes.SHAPE);
}

/**
 * `out = X·W + b` (`b` may be `null` for no bias). The bias is written first and the matrix
 * product (BLAS `sgemm`, or nnkit's built-in kernels) accumulates onto it.
 *
 * @returns `out` (or a new `N × fanOut` Matrix).
 */
export function forward(X: Matrix, W: Matrix, b: Bias | null | undefined, opts?: LinearForwardOptions): Matrix {
  const p = planForward(X, W, b, opts);
  native.linearForward(X.data, X.rows, X.cols, W.data, W.cols, p.bias, p.out.data);
  return p.out;
}

/**
 * {@link forward} on the libuv thread pool. X, W, b and `out` are held until the Promise
 * settles; do not write to them meanwhile.
 */
export async function forwardAsync(X: Matrix, W: Matrix, b: Bias | null | undefined, opts?: LinearForwardOptions): Promise<Matrix> {
  const p = planForward(X, W, b, opts);
  await native.linearForwardAsync(X.data, X.rows, X.cols, W.data, W.cols, p.bias, p.out.data);
  return p.out;
}

const FORWARD_KEYS = optionKeys<LinearForwardOptions>()('out');
const BACKWARD_KEYS = optionKeys<LinearBackwardOptions>()('dX', 'dW', 'db');

function planForward(X: Matrix, W: Matrix, b: Bias | null | undefined, opts: LinearForwardOptions | undefined): { bias: Float32Array | null; out: Matrix } {
  assertMatrix(X, 'X');
  assertMatrix(W, 'W');
  assertOptions(opts, 'options', FORWARD_KEYS);
  checkInner(X, W);
  const bias = biasData(b, W.cols);
  return { bias, out: outMatrix(opts?.out, X.rows, W.cols) };
}

/**
 * Gradients of `Y = X·W + b` given the upstream gradient `dY = ∂L/∂Y`:
 * `dX = dY·Wᵀ`, `dW = Xᵀ·dY`, `db = Σ_rows dY` (column sums, accumulated in float64).
 * Gradients are written (not accumulated) into the given buffers.
 */
export function backward<O extends LinearBackwardOptions | undefined = undefined>(dY: Matrix, X: Matrix, W: Matrix, opts?: O): LinearGradients<O> {
  const g = planBackward(dY, X, W, opts);
  native.linearBackward(dY.data, dY.rows, dY.cols, X.data, X.cols, W.data, g.dX?.data ?? null, g.dW?.data ?? null, g.db);
  return g as LinearGradients<O>;
}

/** {@link backward} on the libuv thread pool (see {@link forwardAsync}). */
export async function backwardAsync<O extends LinearBackwardOptions | undefined = undefined>(dY: Matrix, X: Matrix, W: Matrix, opts?: O):
  Promise<LinearGradients<O>> {
  const g = planBackward(dY, X, W, opts);
  await native.linearBackwardAsync(dY.data, dY.rows, dY.cols, X.data, X.cols, W.data, g.dX?.data ?? null, g.dW?.data ?? null, g.db);
  return g as LinearGradients<O>;
}

function planBackward(dY: Matrix, X: Matrix, W: Matrix, opts: LinearBackwardOptions | undefined): { dX: Matrix | null; dW: Matrix | null; db: Float32Array | null } {
  assertMatrix(dY, 'dY');
  assertMatrix(X, 'X');
  assertMatrix(W, 'W');
  assertOptions(opts, 'options', BACKWARD_KEYS);
  checkInner(X, W);
  if (dY.rows !== X.rows || dY.cols !== W.cols)
    rangeError('dY', `a ${X.rows} × ${W.cols} Matrix (X.rows × W.cols)`, new Received(`a ${dY.rows} × ${dY.cols} Matrix`), ErrorCodes.SHAPE);
  const dX = opts?.dX === false ? null : outMatrix(opts?.dX, X.rows, X.cols, 'dX');
  const dW = opts?.dW === false ? null : outMatrix(opts?.dW, W.rows, W.cols, 'dW');
  let db: Float32Array | null = null;
  if (opts?.db !== false) {
    db = opts?.db === undefined ? new Float32Array(W.cols) : opts.db;
    assertFloat32Array(db, 'db');
    if (db.length !== W.cols) rangeError('db', `a Float32Array of length ${W.cols}`, db, ErrorCodes.SHAPE);
  }
  return { dX, dW, db };
}
