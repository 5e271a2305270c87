/**
 * Parameter updates for training loops.
 */
import { ErrorCodes, rangeError } from './errors';
import { assertMatrix, type Matrix } from './matrix';
import { native } from './native';
import { assertBoolean, assertFiniteNumber, assertFloat32Array, assertOptions, optionKeys } from './validate';

/** Options of {@link sgdStep}. */
export interface SgdOptions {
  /** Learning rate (> 0). */
  lr: number;
  /** Momentum μ in [0, 1) (default 0.9; 0 gives plain SGD). */
  momentum?: number;
  /** Weight decay added to the gradient as `wd · w` (default 0; prefer `nn.reg.l2` to report the penalty). */
  weightDecay?: number;
  /** Nesterov momentum (default false). */
  nesterov?: boolean;
}

function dataOf(x: Matrix | Float32Array, name: string): Float32Array {
  if (x instanceof Float32Array) {
    assertFloat32Array(x, name);
    return x;
  }
  assertMatrix(x, name);
  return x.data;
}

const SGD_KEYS = optionKeys<SgdOptions>()('lr', 'momentum', 'weightDecay', 'nesterov');

/**
 * One SGD-with-momentum update of a parameter in place, in one fused SIMD pass, in the form of
 * the CS231n notes:
 *
 *   v ← μ·v − lr·(g + wd·w);  w ← w + v
 *
 * or with `nesterov`, the notes' look-ahead form w ← w + μ·v − lr·(g + wd·w) (v updated as
 * above). `velocity` starts as zeros and is kept by the caller between steps, one per parameter.
 * For a constant learning rate this equals PyTorch's `SGD(momentum=μ)`, whose velocity is
 * scaled by 1/lr.
 */
export function sgdStep(param: Matrix | Float32Array, grad: Matrix | Float32Array, velocity: Matrix | Float32Array, opts: SgdOptions): void {
  const w = dataOf(param, 'param'), g = dataOf(grad, 'grad'), v = dataOf(velocity, 'velocity');
  assertOptions(opts, 'options', SGD_KEYS);
  if (opts === undefined) rangeError('options', 'an options object with lr', opts);
  const lr = opts.lr, momentum = opts.momentum ?? 0.9, weightDecay = opts.weightDecay ?? 0, nesterov = opts.nesterov ?? false;
  assertFiniteNumber(lr, 'lr');
  assertFiniteNumber(momentum, 'momentum');
  assertFiniteNumber(weightDecay, 'weightDecay');
  assertBoolean(nesterov, 'nesterov');
  if (!(lr > 0)) rangeError('lr', 'a positive number', lr);
  if (momentum < 0 || momentum >= 1) rangeError('momentum', 'a number in [0, 1)', momentum);
  if (weightDecay < 0) rangeError('weightDecay', 'a non-negative number', weightDecay);
  if (g.length !== w.length) rangeError('grad', `${w.length} elements like param`, g, ErrorCodes.SHAPE);
  if (v.length !== w.length) rangeError('velocity', `${w.length} elements like param`, v, ErrorCodes.SHAPE);
  native.sgdStep(w, g, v, lr, momentum, weightDecay, nesterov);
}
