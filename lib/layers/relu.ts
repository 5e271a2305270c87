/**
 * The rectified linear unit (`nn.relu`): `max(0, x)` elementwise.
 */
import { ErrorCodes, Received, rangeError } from '../errors';
import { assertMatrix, type Matrix, outMatrix } from '../matrix';
import { native } from '../native';
import { assertOptions, optionKeys } from '../validate';

/** Options of {@link forward} and {@link backward}. */
export interface ReluOptions {
  /** Where to write the result (may be the input itself: the kernels run in place). */
  out?: Matrix | Float32Array;
}

/**
 * `out = max(0, X)` elementwise (NaN passes through; `-0` stays `-0`). `out` may be `X` for an
 * in-place ReLU.
 */
export function forward(X: Matrix, opts?: ReluOptions): Matrix {
  const out = planForward(X, opts);
  native.reluForward(X.data, out.data);
  return out;
}

/**
 * {@link forward} on the libuv thread pool; the result is bit-identical to the sync call. X is
 * copied when the call starts and the result is written into `out` on the JS thread when the
 * work is done (in place, X itself is overwritten only then). A detached `out` rejects with
 * ERR_NNKIT_DETACHED; bad arguments reject with the sync call's codes.
 *
 * Cost: the copies that make a pending call safe (an ordinary ArrayBuffer can be transferred
 * away meanwhile) run on the JS thread, and for an elementwise kernel they cost more than the
 * kernel (4096 × 4096 here: ~75 ms async vs ~5 ms sync). Operands on a SharedArrayBuffer are
 * used in place: then only the kernel runs, on the pool.
 */
export async function forwardAsync(X: Matrix, opts?: ReluOptions): Promise<Matrix> {
  const out = planForward(X, opts);
  await native.reluForwardAsync(X.data, out.data);
  return out;
}

const RELU_KEYS = optionKeys<ReluOptions>()('out');

function planForward(X: Matrix, opts: ReluOptions | undefined): Matrix {
  assertMatrix(X, 'X');
  assertOptions(opts, 'options', RELU_KEYS);
  return outMatrix(opts?.out, X.rows, X.cols);
}

/**
 * `dX = dY ⊙ 1[X > 0]`: the upstream gradient where the input was positive, 0 elsewhere
 * (the subgradient at exactly 0 is taken as 0). `X` is the forward pass's input; `out` may be
 * `dY` for an in-place backward.
 */
export function backward(dY: Matrix, X: Matrix, opts?: ReluOptions): Matrix {
  const out = planBackward(dY, X, opts);
  native.reluBackward(dY.data, X.data, out.data);
  return out;
}

/** {@link backward} on the libuv thread pool (same semantics as {@link forwardAsync}). */
export async function backwardAsync(dY: Matrix, X: Matrix, opts?: ReluOptions): Promise<Matrix> {
  const out = planBackward(dY, X, opts);
  await native.reluBackwardAsync(dY.data, X.data, out.data);
  return out;
}

function planBackward(dY: Matrix, X: Matrix, opts: ReluOptions | undefined): Matrix {
  assertMatrix(dY, 'dY');
  assertMatrix(X, 'X');
  assertOptions(opts, 'options', RELU_KEYS);
  if (dY.rows !== X.rows || dY.cols !== X.cols)
    rangeError('dY', `a ${X.rows} × ${X.cols} Matrix (the shape of X)`, new Received(`a ${dY.rows} × ${dY.cols} Matrix`), ErrorCodes.SHAPE);
  return outMatrix(opts?.out, X.rows, X.cols);
}
