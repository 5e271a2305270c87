/**
 * The rectified linear unit (`nn.relu`): `max(0, x)` elementwise.
 */
import { ErrorCodes, Received, rangeError } from '../errors';
import { assertMatrix, type Matrix, outMatrix } from '../matrix';
import { native } from '../native';
import { assertOptions } from '../validate';

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
  assertMatrix(X, 'X');
  assertOptions(opts, 'options');
  const out = outMatrix(opts?.out, X.rows, X.cols);
  native.reluForward(X.data, out.data);
  return out;
}

/**
 * `dX = dY ⊙ 1[X > 0]`: the upstream gradient where the input was positive, 0 elsewhere
 * (the subgradient at exactly 0 is taken as 0). `X` is the forward pass's input; `out` may be
 * `dY` for an in-place backward.
 */
export function backward(dY: Matrix, X: Matrix, opts?: ReluOptions): Matrix {
  assertMatrix(dY, 'dY');
  assertMatrix(X, 'X');
  assertOptions(opts, 'options');
  if (dY.rows !== X.rows || dY.cols !== X.cols)
    rangeError('dY', `a ${X.rows} × ${X.cols} Matrix (the shape of X)`, new Received(`a ${dY.rows} × ${dY.cols} Matrix`), ErrorCodes.SHAPE);
  const out = outMatrix(opts?.out, X.rows, X.cols);
  native.reluBackward(dY.data, X.data, out.data);
  return out;
}
