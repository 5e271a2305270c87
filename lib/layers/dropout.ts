/**
 * Dropout (`nn.dropout`, Srivastava et al. 2014). `keepProb` is the notes' `p`, the
 * probability of **keeping** a unit (PyTorch, TensorFlow and Keras use the probability of
 * dropping it; the name keeps the two apart).
 *
 * - `mode: 'inverted'` (default, recommended): training multiplies by the mask
 *   `(u < p) / p`; test time is the identity.
 * - `mode: 'vanilla'`: training multiplies by `(u < p)`; test time multiplies by `p`.
 *
 * The mask comes from the counter-based {@link Rng}: unit i of a draw is kept when its 32-bit
 * Philox word `w_i` (the word `rng.bits` would give at that index) satisfies
 * `w_i < ⌈p · 2³²⌉`, i.e. `u < p` for `u = w / 2³²`. The same seed reproduces the same mask on
 * every thread count and SIMD path; one fused native pass generates the words, writes the
 * mask and scales the input.
 *
 * @example
 * const { out: H1d, mask } = nn.dropout.forward(H1, { keepProb: 0.5, rng });
 * // ... backward:
 * const dH1 = nn.dropout.backward(dH1d, mask);
 */
import { ErrorCodes, Received, rangeError, typeError } from '../errors';
import { assertMatrix, type Matrix, outMatrix } from '../matrix';
import { native } from '../native';
import { defaultRng, Rng } from '../rng';
import { assertBoolean, assertFiniteNumber, assertInteger, assertOneOf, assertOptions } from '../validate';

/**
 * A compact dropout mask: bit `i % 32` of `bits[i >> 5]` is 1 when unit i was kept (1 bit per
 * unit; bits past `length` are 0). `bits === null` means every unit was kept (evaluation
 * mode). The backward pass computes `dX = kept ? dY · scale : 0`.
 */
export interface DropoutMask {
  readonly bits: Uint32Array | null;
  /** Number of units (elements of the input). */
  readonly length: number;
  /**
   * The float32 factor kept units were multiplied by: `fround(1/p)` (inverted, training),
   * `fround(p)` (vanilla, test), or 1.
   */
  readonly scale: number;
}

/** Options of {@link forward}. */
export interface DropoutOptions {
  /** Probability of keeping a unit, in (0, 1]; default 0.5. */
  keepProb?: number;
  /** `'inverted'` (default) or `'vanilla'`; see the module description. */
  mode?: 'inverted' | 'vanilla';
  /** Training pass (random mask, default `true`) or evaluation pass (deterministic scaling). */
  training?: boolean;
  /** The generator of the mask (default: {@link defaultRng}). */
  rng?: Rng;
  /** Where to write the output (may be X itself); a new Matrix otherwise. */
  out?: Matrix | Float32Array;
  /** Where to write the mask bits (`Uint32Array` of `⌈N·D / 32⌉` words); a new one otherwise. */
  maskBits?: Uint32Array;
}

/** Options of {@link backward}. */
export interface DropoutBackwardOptions {
  /** Where to write dX (may be dY itself); a new Matrix otherwise. */
  out?: Matrix | Float32Array;
}

/** @internal The shared validation of keepProb. */
export function checkKeepProb(keepProb: unknown): number {
  assertFiniteNumber(keepProb, 'keepProb');
  if (!(keepProb > 0 && keepProb <= 1)) rangeError('keepProb', 'a probability of keeping in (0, 1]', keepProb);
  return keepProb;
}

/** A drawn-but-not-applied mask: the Rng words are claimed at planning time, in call order. */
interface MaskPlan {
  bits: Uint32Array;
  draw: { key0: number; key1: number; stream0: number; stream1: number; offset: number };
}

function planRandomMask(X: Matrix, rngOption: unknown, maskBits: unknown): MaskPlan {
  const rng = rngOption === undefined ? defaultRng() : rngOption;
  if (!(rng instanceof Rng)) typeError('rng', 'an nn.Rng', rng);
  const n = X.data.length;
  const words = Math.ceil(n / 32);
  let bits: Uint32Array;
  if (maskBits === undefined) {
    bits = new Uint32Array(words);
  } else {
    if (!(maskBits instanceof Uint32Array)) typeError('maskBits', 'a Uint32Array', maskBits);
    if (maskBits.length !== words) rangeError('maskBits', `a Uint32Array of length ${words}`, maskBits, ErrorCodes.SHAPE);
    bits = maskBits;
  }
  return { bits, draw: rng.claim(n) };
}

/** @internal Draws a mask for X.data and writes `out = kept ? X · scale : 0`. */
export function applyRandomMask(X: Matrix, out: Matrix, keepProb: number, scale: number, rngOption: unknown, maskBits: unknown): DropoutMask {
  const { bits, draw } = planRandomMask(X, rngOption, maskBits);
  native.dropoutForward(draw.key0, draw.key1, draw.stream0, draw.stream1, draw.offset, X.data, out.data, bits, keepProb, scale);
  return { bits, length: X.data.length, scale };
}

/**
 * @internal {@link applyRandomMask} on the libuv thread pool. The Rng's words are claimed at the
 * call (so concurrent calls draw what the same sync calls in the same order would); `out` and the
 * mask bits are written when the work is done.
 */
export async function applyRandomMaskAsync(X: Matrix, out: Matrix, keepProb: number, scale: number, rngOption: unknown, maskBits: unknown): Promise<DropoutMask> {
  const { bits, draw } = planRandomMask(X, rngOption, maskBits);
  await native.dropoutForwardAsync(draw.key0, draw.key1, draw.stream0, draw.stream1, draw.offset, X.data, out.data, bits, keepProb, scale);
  return { bits, length: X.data.length, scale };
}

/** @internal Checks a mask object and that it covers `n` units. */
export function checkMask(mask: unknown, n: number): asserts mask is DropoutMask {
  if (mask === null || typeof mask !== 'object') typeError('mask', 'a DropoutMask { bits, length, scale }', mask);
  const m = mask as Partial<DropoutMask>;
  if (m.bits !== null && !(m.bits instanceof Uint32Array)) typeError('mask.bits', 'a Uint32Array or null', m.bits);
  assertInteger(m.length, 'mask.length');
  assertFiniteNumber(m.scale, 'mask.scale');
  if (m.length !== n) rangeError('mask', `a mask of ${n} units (the size of dY)`, new Received(`a mask of ${m.length} units`), ErrorCodes.SHAPE);
  if (m.bits !== null && m.bits.length !== Math.ceil(n / 32))
    rangeError('mask.bits', `a Uint32Array of length ${Math.ceil(n / 32)}`, m.bits, ErrorCodes.SHAPE);
}

/**
 * Dropout forward pass. Training: `out = X ⊙ mask` with mask `(u < p) / p` (inverted) or
 * `(u < p)` (vanilla); dropped units are exactly 0. Evaluation (`training: false`): `out = X`
 * (inverted) or `out = p · X` (vanilla), no random numbers drawn.
 *
 * @returns the output and the mask that {@link backward} needs.
 */
export function forward(X: Matrix, opts?: DropoutOptions): { out: Matrix; mask: DropoutMask } {
  const p = planForward(X, opts);
  if (!p.training) {
    native.dropoutBackward(X.data, null, p.scale, p.out.data);
    return { out: p.out, mask: { bits: null, length: X.data.length, scale: p.scale } };
  }
  const mask = applyRandomMask(X, p.out, p.keepProb, p.scale, opts?.rng, opts?.maskBits);
  return { out: p.out, mask };
}

/**
 * {@link forward} on the libuv thread pool, bit-identical to the sync call with the same Rng
 * state. The mask's random words are claimed from the Rng when the call starts (so calls draw in
 * call order, as the sync ones would); X is copied then, and `out` and the mask bits are written
 * on the JS thread when the work is done. A detached `out` or `maskBits` rejects with
 * ERR_NNKIT_DETACHED; bad arguments reject with the sync call's codes. Operands on a
 * SharedArrayBuffer are used in place; ordinary buffers are copied on the JS thread, which for
 * this memory-bound kernel costs more than the kernel itself (see `nn.relu.forwardAsync`).
 */
export async function forwardAsync(X: Matrix, opts?: DropoutOptions): Promise<{ out: Matrix; mask: DropoutMask }> {
  const p = planForward(X, opts);
  if (!p.training) {
    await native.dropoutBackwardAsync(X.data, null, p.scale, p.out.data);
    return { out: p.out, mask: { bits: null, length: X.data.length, scale: p.scale } };
  }
  const mask = await applyRandomMaskAsync(X, p.out, p.keepProb, p.scale, opts?.rng, opts?.maskBits);
  return { out: p.out, mask };
}

function planForward(X: Matrix, opts: DropoutOptions | undefined): { out: Matrix; keepProb: number; scale: number; training: boolean } {
  assertMatrix(X, 'X');
  assertOptions(opts, 'options');
  const keepProb = checkKeepProb(opts?.keepProb ?? 0.5);
  const mode = opts?.mode ?? 'inverted';
  assertOneOf(mode, 'mode', ['inverted', 'vanilla'] as const);
  const training = opts?.training ?? true;
  assertBoolean(training, 'training');
  const out = outMatrix(opts?.out, X.rows, X.cols);
  if (!training) return { out, keepProb, training, scale: mode === 'vanilla' ? Math.fround(keepProb) : 1 };
  return { out, keepProb, training, scale: mode === 'inverted' ? Math.fround(1 / keepProb) : 1 };
}

/**
 * Dropout backward pass: the mask multiplies the upstream gradient,
 * `dX = dY ⊙ mask` (`kept ? dY · mask.scale : 0`).
 */
export function backward(dY: Matrix, mask: DropoutMask, opts?: DropoutBackwardOptions): Matrix {
  const out = planBackward(dY, mask, opts, 'dY');
  native.dropoutBackward(dY.data, mask.bits, mask.scale, out.data);
  return out;
}

/** {@link backward} on the libuv thread pool (dY and the mask copied at the call, `out` written when done). */
export async function backwardAsync(dY: Matrix, mask: DropoutMask, opts?: DropoutBackwardOptions): Promise<Matrix> {
  const out = planBackward(dY, mask, opts, 'dY');
  await native.dropoutBackwardAsync(dY.data, mask.bits, mask.scale, out.data);
  return out;
}

/** @internal Validates the upstream gradient, the mask and `out` of a masked backward pass. */
export function planBackward(dY: Matrix, mask: DropoutMask, opts: DropoutBackwardOptions | undefined, name: string): Matrix {
  assertMatrix(dY, name);
  assertOptions(opts, 'options');
  checkMask(mask, dY.data.length);
  return outMatrix(opts?.out, dY.rows, dY.cols);
}
