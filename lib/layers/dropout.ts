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
import { assertMatrix, type Matrix, outMatrix } from '../matrix';
import { native } from '../native';
import type { Rng } from '../rng';
import { assertBoolean, assertOneOf, assertOptions, optionKeys } from '../validate';
import { applyRandomMask, applyRandomMaskAsync, checkKeepProb, type DropoutMask, planMaskedBackward } from './mask';

export type { DropoutMask } from './mask';

/** Options of {@link forward}. */
export interface DropoutOptions {
  /** Probability of keeping a unit, in (0, 1]; default 0.5. */
  keepProb?: number;
  /** `'inverted'` (default) or `'vanilla'`; see the module description. */
  mode?: 'inverted' | 'vanilla';
  /** Training pass (random mask, default `true`) or evaluation pass (deterministic scaling). */
  training?: boolean;
  /** The generator of the mask (default: `nn.defaultRng()`). */
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

const DROPOUT_KEYS = optionKeys<DropoutOptions>()('keepProb', 'mode', 'training', 'rng', 'out', 'maskBits');

function planForward(X: Matrix, opts: DropoutOptions | undefined): { out: Matrix; keepProb: number; scale: number; training: boolean } {
  assertMatrix(X, 'X');
  assertOptions(opts, 'options', DROPOUT_KEYS);
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
  const out = planMaskedBackward(dY, mask, opts, 'dY');
  native.dropoutBackward(dY.data, mask.bits, mask.scale, out.data);
  return out;
}

/** {@link backward} on the libuv thread pool (dY and the mask copied at the call, `out` written when done). */
export async function backwardAsync(dY: Matrix, mask: DropoutMask, opts?: DropoutBackwardOptions): Promise<Matrix> {
  const out = planMaskedBackward(dY, mask, opts, 'dY');
  await native.dropoutBackwardAsync(dY.data, mask.bits, mask.scale, out.data);
  return out;
}
