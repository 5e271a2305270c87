/**
 * The dropout mask shared by nn.dropout and nn.dropConnect: drawing it from the Rng, applying it,
 * checking it. Internal (not re-exported): the public functions validate before calling here.
 * @internal
 */
import { ErrorCodes, Received, rangeError, typeError } from '../errors';
import { assertMatrix, type Matrix, outMatrix } from '../matrix';
import { native } from '../native';
import { defaultRng, Rng } from '../rng';
import { assertFiniteNumber, assertInteger, assertOptions, optionKeys } from '../validate';

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

/** The shared validation of keepProb. */
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

/** Draws a mask for X.data and writes `out = kept ? X · scale : 0`. */
export function applyRandomMask(X: Matrix, out: Matrix, keepProb: number, scale: number, rngOption: unknown, maskBits: unknown): DropoutMask {
  const { bits, draw } = planRandomMask(X, rngOption, maskBits);
  native.dropoutForward(draw.key0, draw.key1, draw.stream0, draw.stream1, draw.offset, X.data, out.data, bits, keepProb, scale);
  return { bits, length: X.data.length, scale };
}

/**
 * {@link applyRandomMask} on the libuv thread pool. The Rng's words are claimed at the
 * call (so concurrent calls draw what the same sync calls in the same order would); `out` and the
 * mask bits are written when the work is done.
 */
export async function applyRandomMaskAsync(X: Matrix, out: Matrix, keepProb: number, scale: number, rngOption: unknown, maskBits: unknown): Promise<DropoutMask> {
  const { bits, draw } = planRandomMask(X, rngOption, maskBits);
  await native.dropoutForwardAsync(draw.key0, draw.key1, draw.stream0, draw.stream1, draw.offset, X.data, out.data, bits, keepProb, scale);
  return { bits, length: X.data.length, scale };
}

/** Checks a mask object and that it covers `n` units. */
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

const BACKWARD_KEYS = optionKeys<{ out?: Matrix | Float32Array }>()('out');

/** Validates the upstream gradient, the mask and `out` of a masked backward pass. */
export function planMaskedBackward(dY: Matrix, mask: DropoutMask, opts: { out?: Matrix | Float32Array } | undefined, name: string): Matrix {
  assertMatrix(dY, name);
  assertOptions(opts, 'options', BACKWARD_KEYS);
  checkMask(mask, dY.data.length);
  return outMatrix(opts?.out, dY.rows, dY.cols);
}
