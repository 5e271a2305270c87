/**
 * `nn.reg`: weight penalties and the max-norm constraint of the notes (spec §4). Each penalty is
 * one native SIMD pass over W that returns the penalty and, given `grad`, adds the penalty's
 * gradient into it in place (no allocation). Which parameters are regularized is the caller's
 * choice: the notes leave biases out, so pass only weight matrices; a per-layer strength is a
 * separate call per parameter group.
 */
import { ErrorCodes, rangeError, typeError } from './errors';
import { assertMatrix, floatsArg, type Matrix } from './matrix';
import { native } from './native';
import { assertFiniteNumber, assertFloat32Array, assertOneOf, assertOptions, optionKeys } from './validate';

/** Options of the penalties. */
export interface PenaltyOptions {
  /** The gradient of the data loss w.r.t. W (same length): the penalty's gradient is added into it. */
  grad?: Float32Array | Matrix;
}

function strength(value: unknown, name: string): number {
  assertFiniteNumber(value, name);
  if (value < 0) rangeError(name, 'a regularization strength >= 0', value);
  return value;
}

const PENALTY_KEYS = optionKeys<PenaltyOptions>()('grad');
const MAX_NORM_KEYS = optionKeys<MaxNormOptions>()('axis');

function gradBuffer(opts: PenaltyOptions | undefined, length: number): Float32Array | null {
  assertOptions(opts, 'options', PENALTY_KEYS);
  const g = opts?.grad;
  if (g === undefined) return null;
  const data = floatsArg(g, 'grad');
  if (data.length !== length) rangeError('grad', `a buffer of W's length ${length}`, data, ErrorCodes.SHAPE);
  return data;
}

/**
 * L2 penalty `½·λ·Σw²` (the notes' ½, so the gradient is exactly λ·w); adds `λ·W` into `grad`.
 * @returns the penalty.
 */
export function l2(W: Matrix | Float32Array, lambda: number, opts?: PenaltyOptions): number {
  const w = floatsArg(W, 'W');
  const l = strength(lambda, 'lambda');
  return native.regPenalty(w, 0, l, 0, 0.5 * l, gradBuffer(opts, w.length));
}

/** L1 penalty `λ·Σ|w|`; adds `λ·sign(W)` (0 where w = 0) into `grad`. @returns the penalty. */
export function l1(W: Matrix | Float32Array, lambda: number, opts?: PenaltyOptions): number {
  const w = floatsArg(W, 'W');
  const l = strength(lambda, 'lambda');
  return native.regPenalty(w, l, 0, l, 0, gradBuffer(opts, w.length));
}

/**
 * Elastic net `λ1·Σ|w| + λ2·Σw²`, written as in the notes — note there is **no ½** on the L2
 * part here, unlike {@link l2}: the gradient added into `grad` is `λ1·sign(w) + 2·λ2·w`.
 * @returns the penalty.
 */
export function elasticNet(W: Matrix | Float32Array, l1Strength: number, l2Strength: number, opts?: PenaltyOptions): number {
  const w = floatsArg(W, 'W');
  const a = strength(l1Strength, 'l1');
  const b = strength(l2Strength, 'l2');
  return native.regPenalty(w, a, 2 * b, a, b, gradBuffer(opts, w.length));
}

/** Options of {@link maxNorm}. */
export interface MaxNormOptions {
  /**
   * Which vectors are neurons: `'columns'` (default: a layer's `W` is `[fanIn × fanOut]`, so a
   * neuron's incoming weights are a column) or `'rows'`.
   */
  axis?: 'columns' | 'rows';
}

/**
 * Max-norm constraint: projects every neuron's weight vector w onto the ball `‖w‖₂ ≤ c`
 * (`w ← w · c/‖w‖₂` when `‖w‖₂ > c`), in place. The notes apply it after each parameter update,
 * with c typically 3 or 4. A Float32Array is treated as a single vector.
 * @returns how many vectors were clipped.
 */
export function maxNorm(W: Matrix | Float32Array, c: number, opts?: MaxNormOptions): number {
  assertOptions(opts, 'options', MAX_NORM_KEYS);
  const limit = strength(c, 'c');
  const axis = opts?.axis ?? 'columns';
  assertOneOf(axis, 'axis', ['columns', 'rows'] as const);
  if (W instanceof Float32Array) {
    assertFloat32Array(W, 'W');
    return native.regMaxNorm(W, 1, W.length, limit, true);
  }
  if (W === null || typeof W !== 'object') typeError('W', 'a Matrix or Float32Array', W);
  assertMatrix(W, 'W');
  return native.regMaxNorm(W.data, W.rows, W.cols, limit, axis === 'rows');
}
