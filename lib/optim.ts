/**
 * Parameter updates for training loops: SGD with momentum, Adam, AdamW and RMSProp, each one fused in-place pass.
 */
import { ErrorCodes, rangeError, typeError } from './errors';
import { floatsArg, type Matrix } from './matrix';
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
  const w = floatsArg(param, 'param'), g = floatsArg(grad, 'grad'), v = floatsArg(velocity, 'velocity');
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

/** The per-parameter state of {@link adamStep} and {@link adamwStep}: create it with {@link adamState}. */
export interface AdamState {
  /** First-moment estimate (zeros at the start). */
  readonly m: Float32Array;
  /** Second-moment estimate (zeros at the start). */
  readonly v: Float32Array;
  /** Steps taken so far (0 at the start); each call adds one before its update. */
  step: number;
}

/** Options of {@link adamStep}. */
export interface AdamOptions {
  /** Learning rate (> 0). */
  lr: number;
  /** Decay rate of the first moment, in [0, 1) (default 0.9). */
  beta1?: number;
  /** Decay rate of the second moment, in [0, 1) (default 0.999). */
  beta2?: number;
  /** Added to the denominator (> 0, default 1e-8). */
  eps?: number;
  /**
   * Weight decay (≥ 0; default 0 for Adam, 0.01 for AdamW). Adam adds `wd · w` to the gradient
   * (L2); AdamW (`decoupled: true`) shrinks the weights by `1 − lr · wd` before the update.
   */
  weightDecay?: number;
  /** AdamW's decoupled weight decay (default false; {@link adamwStep} sets it). */
  decoupled?: boolean;
}

/** Options of {@link adamwStep}: {@link AdamOptions} with the decay always decoupled. */
export type AdamWOptions = Omit<AdamOptions, 'decoupled'>;

/** The per-parameter state of {@link rmspropStep}: create it with {@link rmspropState}. */
export interface RmspropState {
  /** Running mean of the squared gradient (zeros at the start). */
  readonly squareAvg: Float32Array;
  /** The momentum buffer, allocated (zeros) by the first step with `momentum > 0`. */
  momentumBuffer: Float32Array | null;
  /** The running mean gradient, allocated (zeros) by the first step with `centered`. */
  gradAvg: Float32Array | null;
}

/** Options of {@link rmspropStep}. */
export interface RmspropOptions {
  /** Learning rate (> 0). */
  lr: number;
  /** Decay rate of the running means, in [0, 1) (default 0.99). */
  alpha?: number;
  /** Added to the denominator (> 0, default 1e-8). */
  eps?: number;
  /** L2 weight decay added to the gradient as `wd · w` (≥ 0, default 0). */
  weightDecay?: number;
  /** Momentum in [0, 1) (default 0). */
  momentum?: number;
  /** Divide by the gradient's estimated standard deviation rather than its RMS (default false). */
  centered?: boolean;
}

const ADAM_KEYS = optionKeys<AdamOptions>()('lr', 'beta1', 'beta2', 'eps', 'weightDecay', 'decoupled');
const ADAMW_KEYS = optionKeys<AdamWOptions>()('lr', 'beta1', 'beta2', 'eps', 'weightDecay');
const RMSPROP_KEYS = optionKeys<RmspropOptions>()('lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered');

/** Zeroed state for {@link adamStep} or {@link adamwStep} on `param`. */
export function adamState(param: Matrix | Float32Array): AdamState {
  const n = floatsArg(param, 'param').length;
  return { m: new Float32Array(n), v: new Float32Array(n), step: 0 };
}

/** Zeroed state for {@link rmspropStep} on `param`. */
export function rmspropState(param: Matrix | Float32Array): RmspropState {
  return { squareAvg: new Float32Array(floatsArg(param, 'param').length), momentumBuffer: null, gradAvg: null };
}

function checkRate(value: number, name: string): void {
  assertFiniteNumber(value, name);
  if (value < 0 || value >= 1) rangeError(name, 'a number in [0, 1)', value);
}

function checkCommon(opts: { lr: number; eps?: number; weightDecay?: number } | undefined, defaultDecay: number) {
  if (opts === undefined) rangeError('options', 'an options object with lr', opts);
  const lr = opts.lr, eps = opts.eps ?? 1e-8, weightDecay = opts.weightDecay ?? defaultDecay;
  assertFiniteNumber(lr, 'lr');
  assertFiniteNumber(eps, 'eps');
  assertFiniteNumber(weightDecay, 'weightDecay');
  if (!(lr > 0)) rangeError('lr', 'a positive number', lr);
  if (!(eps > 0)) rangeError('eps', 'a positive number', eps);
  if (weightDecay < 0) rangeError('weightDecay', 'a non-negative number', weightDecay);
  return { lr, eps, weightDecay };
}

function stateArray(x: unknown, name: string, length: number): Float32Array {
  assertFloat32Array(x, name);
  if (x.length !== length) rangeError(name, `${length} elements like param`, x, ErrorCodes.SHAPE);
  return x;
}

function adamUpdate(param: Matrix | Float32Array, grad: Matrix | Float32Array, state: AdamState, opts: AdamOptions, decoupled: boolean, defaultDecay: number): void {
  const w = floatsArg(param, 'param'), g = floatsArg(grad, 'grad');
  if (g.length !== w.length) rangeError('grad', `${w.length} elements like param`, g, ErrorCodes.SHAPE);
  if (typeof state !== 'object' || state === null) typeError('state', 'an AdamState (nn.optim.adamState(param))', state);
  const m = stateArray(state.m, 'state.m', w.length), v = stateArray(state.v, 'state.v', w.length);
  if (!Number.isSafeInteger(state.step) || state.step < 0) rangeError('state.step', 'a non-negative integer', state.step);
  const { lr, eps, weightDecay } = checkCommon(opts, defaultDecay);
  const beta1 = opts.beta1 ?? 0.9, beta2 = opts.beta2 ?? 0.999;
  checkRate(beta1, 'beta1');
  checkRate(beta2, 'beta2');
  const t = state.step + 1;
  // The bias corrections in double, as PyTorch computes them in Python floats.
  const stepSize = lr / (1 - beta1 ** t), invBc2Sqrt = 1 / Math.sqrt(1 - beta2 ** t);
  const decay = decoupled ? 1 - lr * weightDecay : 1;
  if (decoupled && !(decay > 0)) rangeError('weightDecay', `a number below 1 / lr (${1 / lr}) for AdamW`, weightDecay);
  native.adamStep(w, g, m, v, beta1, beta2, 1 - beta1, 1 - beta2, stepSize, invBc2Sqrt, eps, decoupled ? 0 : weightDecay, decay);
  state.step = t;
}

/**
 * One Adam update of a parameter in place (Kingma & Ba 2015), in one fused SIMD pass, as
 * PyTorch's `torch.optim.Adam` computes it:
 *
 *   g ← g + wd·w;  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  t ← t + 1
 *   w ← w − lr/(1−β₁ᵗ) · m / (√v / √(1−β₂ᵗ) + ε)
 *
 * With `decoupled` (or {@link adamwStep}) the decay is AdamW's (Loshchilov & Hutter 2019):
 * w ← w·(1 − lr·wd) before the update, and the gradient is left alone. `state` comes from
 * {@link adamState}, one per parameter, kept by the caller between steps; `grad` is read only.
 * The learning rate may change from step to step (a schedule); the bias corrections use
 * `state.step`.
 */
export function adamStep(param: Matrix | Float32Array, grad: Matrix | Float32Array, state: AdamState, opts: AdamOptions): void {
  assertOptions(opts, 'options', ADAM_KEYS);
  const decoupled = opts?.decoupled ?? false;
  assertBoolean(decoupled, 'decoupled');
  adamUpdate(param, grad, state, opts, decoupled, 0);
}

/** {@link adamStep} with AdamW's decoupled weight decay (default `weightDecay` 0.01, as `torch.optim.AdamW`). */
export function adamwStep(param: Matrix | Float32Array, grad: Matrix | Float32Array, state: AdamState, opts: AdamWOptions): void {
  assertOptions(opts, 'options', ADAMW_KEYS);
  adamUpdate(param, grad, state, opts, true, 0.01);
}

/**
 * One RMSProp update of a parameter in place (Hinton, lecture 6e), in one fused SIMD pass, as
 * PyTorch's `torch.optim.RMSprop` computes it:
 *
 *   g ← g + wd·w;  s ← αs + (1−α)g²;  d = √s + ε   (centered: a ← αa + (1−α)g, d = √(s − a²) + ε)
 *   w ← w − lr·g/d   (momentum μ > 0: b ← μb + g/d, w ← w − lr·b)
 *
 * `state` comes from {@link rmspropState}, one per parameter, kept by the caller between steps.
 */
export function rmspropStep(param: Matrix | Float32Array, grad: Matrix | Float32Array, state: RmspropState, opts: RmspropOptions): void {
  const w = floatsArg(param, 'param'), g = floatsArg(grad, 'grad');
  if (g.length !== w.length) rangeError('grad', `${w.length} elements like param`, g, ErrorCodes.SHAPE);
  if (typeof state !== 'object' || state === null) typeError('state', 'an RmspropState (nn.optim.rmspropState(param))', state);
  const squareAvg = stateArray(state.squareAvg, 'state.squareAvg', w.length);
  assertOptions(opts, 'options', RMSPROP_KEYS);
  const { lr, eps, weightDecay } = checkCommon(opts, 0);
  const alpha = opts.alpha ?? 0.99, momentum = opts.momentum ?? 0, centered = opts.centered ?? false;
  checkRate(alpha, 'alpha');
  checkRate(momentum, 'momentum');
  assertBoolean(centered, 'centered');
  let buf: Float32Array | null = null, avg: Float32Array | null = null;
  if (momentum > 0) buf = state.momentumBuffer == null ? null : stateArray(state.momentumBuffer, 'state.momentumBuffer', w.length);
  if (centered) avg = state.gradAvg == null ? null : stateArray(state.gradAvg, 'state.gradAvg', w.length);
  // Allocated once the options and state have passed their checks (a fresh zero buffer means what null does).
  if (momentum > 0 && buf === null) buf = state.momentumBuffer = new Float32Array(w.length);
  if (centered && avg === null) avg = state.gradAvg = new Float32Array(w.length);
  native.rmspropStep(w, g, squareAvg, buf, avg, lr, alpha, 1 - alpha, eps, weightDecay, momentum);
}
