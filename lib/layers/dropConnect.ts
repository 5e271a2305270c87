/**
 * DropConnect (`nn.dropConnect`, Wan et al. 2013): during training a random subset of the
 * **weights** is zeroed in the forward pass (dropout drops activations). Use the masked
 * weights `out` in place of W for that step, then map the gradient of the masked weights back
 * with {@link backward}: `dW = dWmasked ⊙ mask`.
 *
 * Like `nn.dropout`, `keepProb` is the probability of keeping a weight, and the mask comes
 * from the counter-based {@link Rng} (same seed, same mask). `mode: 'inverted'` (default)
 * scales kept weights by `1/p` so the expected pre-activation equals the one with W (test
 * time then uses W unchanged); `'vanilla'` keeps them as they are (test time then uses `p·W`,
 * the mean-field approximation).
 */
import { assertMatrix, type Matrix, outMatrix } from '../matrix';
import { native } from '../native';
import type { Rng } from '../rng';
import { assertOneOf, assertOptions, optionKeys } from '../validate';
import { applyRandomMask, applyRandomMaskAsync, checkKeepProb, type DropoutMask, planMaskedBackward } from './mask';

/** Options of {@link forward}. */
export interface DropConnectOptions {
  /** Probability of keeping a weight, in (0, 1]; default 0.5. */
  keepProb?: number;
  /** `'inverted'` (default: kept weights × 1/p) or `'vanilla'` (kept weights unchanged). */
  mode?: 'inverted' | 'vanilla';
  /** The generator of the mask (default: `nn.defaultRng()`). */
  rng?: Rng;
  /** Where to write the masked weights; a new Matrix otherwise. */
  out?: Matrix | Float32Array;
  /** Where to write the mask bits (`⌈fanIn·fanOut / 32⌉` words); a new Uint32Array otherwise. */
  maskBits?: Uint32Array;
}

/** Masks the weights for one training step: `out = W ⊙ mask`, mask `(u < p)/p` or `(u < p)`. */
export function forward(W: Matrix, opts?: DropConnectOptions): { out: Matrix; mask: DropoutMask } {
  const p = planForward(W, opts);
  const mask = applyRandomMask(W, p.out, p.keepProb, p.scale, opts?.rng, opts?.maskBits);
  return { out: p.out, mask };
}

/**
 * {@link forward} on the libuv thread pool, bit-identical to the sync call with the same Rng
 * state: the random words are claimed when the call starts, W is copied then, and `out` and the
 * mask bits are written when the work is done.
 */
export async function forwardAsync(W: Matrix, opts?: DropConnectOptions): Promise<{ out: Matrix; mask: DropoutMask }> {
  const p = planForward(W, opts);
  const mask = await applyRandomMaskAsync(W, p.out, p.keepProb, p.scale, opts?.rng, opts?.maskBits);
  return { out: p.out, mask };
}

const DROP_CONNECT_KEYS = optionKeys<DropConnectOptions>()('keepProb', 'mode', 'rng', 'out', 'maskBits');

function planForward(W: Matrix, opts: DropConnectOptions | undefined): { out: Matrix; keepProb: number; scale: number } {
  assertMatrix(W, 'W');
  assertOptions(opts, 'options', DROP_CONNECT_KEYS);
  const keepProb = checkKeepProb(opts?.keepProb ?? 0.5);
  const mode = opts?.mode ?? 'inverted';
  assertOneOf(mode, 'mode', ['inverted', 'vanilla'] as const);
  const out = outMatrix(opts?.out, W.rows, W.cols);
  return { out, keepProb, scale: mode === 'inverted' ? Math.fround(1 / keepProb) : 1 };
}

/** The gradient of the loss with respect to W: `dW = dWmasked ⊙ mask` (dropped weights get 0). */
export function backward(dWmasked: Matrix, mask: DropoutMask, opts?: { out?: Matrix | Float32Array }): Matrix {
  const out = planMaskedBackward(dWmasked, mask, opts, 'dWmasked');
  native.dropoutBackward(dWmasked.data, mask.bits, mask.scale, out.data);
  return out;
}

/** {@link backward} on the libuv thread pool (inputs copied at the call, `out` written when done). */
export async function backwardAsync(dWmasked: Matrix, mask: DropoutMask, opts?: { out?: Matrix | Float32Array }): Promise<Matrix> {
  const out = planMaskedBackward(dWmasked, mask, opts, 'dWmasked');
  await native.dropoutBackwardAsync(dWmasked.data, mask.bits, mask.scale, out.data);
  return out;
}
