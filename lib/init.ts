/**
 * Weight initialization (`nn.init`), CS231n "Setting up the Data and the Loss" §Weight
 * Initialization. A layer's weights are `W: [fanIn × fanOut]` (the layer computes `X·W + b`),
 * so the incoming weights of one neuron are one **column** of `W`.
 *
 * Every random scheme draws from an {@link Rng} (option `rng`, default {@link defaultRng}):
 * the same seed gives bit-identical weights for every thread count and SIMD path. Each
 * function returns a new `fanIn × fanOut` Matrix, or fills `out` (a Matrix or Float32Array of
 * that size) and returns it.
 *
 * @example
 * const rng = new nn.Rng(1);
 * const W1 = nn.init.he(784, 256, { rng });           // the notes' recommended default for ReLU
 * const b1 = nn.init.bias(256, 0.01);
 */
import { ErrorCodes, rangeError, typeError } from './errors';
import { type Matrix, MAX_DIMENSION, outMatrix, allocateFloat32 } from './matrix';
import { defaultRng, Rng } from './rng';
import { assertFiniteNumber, assertFloat32Array, assertInteger, assertOneOf, assertOptions, optionKeys } from './validate';

/** Options shared by every initializer. */
export interface InitOptions {
  /** Where to write the `fanIn × fanOut` weights; a new Matrix otherwise. */
  out?: Matrix | Float32Array;
}

/** Options of the random initializers. */
export interface RandomInitOptions extends InitOptions {
  /** The generator to draw from (default: {@link defaultRng}, reseed it with `nn.seed`). */
  rng?: Rng;
}

/** Options of {@link normal} and {@link uniform}. */
export interface SmallRandomOptions extends RandomInitOptions {
  /** Standard deviation of every weight (default 0.01, the notes' `0.01 * randn`). */
  std?: number;
}

/** Options of the variance-calibrated schemes {@link lecun} and {@link he}. */
export interface CalibratedOptions extends RandomInitOptions {
  /**
   * `'normal'` (default): `N(0, σ²)`; `'uniform'`: `U(−a, a)` with `a = σ·√3`, the same
   * variance σ².
   */
  distribution?: 'normal' | 'uniform';
}

/** Options of {@link glorot}. */
export interface GlorotOptions extends CalibratedOptions {
  /** Multiplies the standard deviation (and the uniform bound); default 1. */
  gain?: number;
}

/** Options of {@link sparse}. */
export interface SparseOptions extends RandomInitOptions {
  /** Non-zero incoming weights per neuron (per column of W); default 10, at most fanIn. */
  connections?: number;
  /** Standard deviation of the non-zero weights (default 0.01). */
  std?: number;
}

const SQRT3 = Math.sqrt(3);

function checkFans(fanIn: unknown, fanOut: unknown): asserts fanIn is number {
  assertInteger(fanIn, 'fanIn', 1, MAX_DIMENSION);
  assertInteger(fanOut, 'fanOut', 1, MAX_DIMENSION);
  if (fanIn * (fanOut as number) > 2 ** 32) rangeError('fanIn × fanOut', 'at most 2^32 weights', fanIn * (fanOut as number));
}

function resolveRng(rng: unknown): Rng {
  if (rng === undefined) return defaultRng();
  if (!(rng instanceof Rng)) typeError('rng', 'an nn.Rng', rng);
  return rng;
}

function target(fanIn: number, fanOut: number, opts: InitOptions | undefined): Matrix {
  return outMatrix(opts?.out, fanIn, fanOut);
}

function distributionOf(opts: CalibratedOptions | undefined): 'normal' | 'uniform' {
  const distribution = opts?.distribution ?? 'normal';
  assertOneOf(distribution, 'distribution', ['normal', 'uniform'] as const);
  return distribution;
}

function checkStd(std: unknown): number {
  assertFiniteNumber(std, 'std');
  if (std < 0) rangeError('std', 'a non-negative number', std);
  return std;
}

/** Fills W with N(0, std²) or U(−std·√3, std·√3) (the same variance). */
function fillScaled(fanIn: number, fanOut: number, std: number, distribution: 'normal' | 'uniform', opts: RandomInitOptions | undefined): Matrix {
  const rng = resolveRng(opts?.rng);
  const W = target(fanIn, fanOut, opts);
  if (distribution === 'normal') rng.normal(W.data, 0, std);
  else rng.uniform(W.data, -std * SQRT3, std * SQRT3);
  return W;
}

async function fillScaledAsync(fanIn: number, fanOut: number, std: number, distribution: 'normal' | 'uniform', opts: RandomInitOptions | undefined): Promise<Matrix> {
  const rng = resolveRng(opts?.rng);
  const W = target(fanIn, fanOut, opts);
  if (distribution === 'normal') await rng.normalAsync(W.data, 0, std);
  else await rng.uniformAsync(W.data, -std * SQRT3, std * SQRT3);
  return W;
}

const INIT_KEYS = optionKeys<InitOptions>()('out');
const SMALL_RANDOM_KEYS = optionKeys<SmallRandomOptions>()('out', 'rng', 'std');
const CALIBRATED_KEYS = optionKeys<CalibratedOptions>()('out', 'rng', 'distribution');
const GLOROT_KEYS = optionKeys<GlorotOptions>()('out', 'rng', 'distribution', 'gain');
const SPARSE_KEYS = optionKeys<SparseOptions>()('out', 'rng', 'connections', 'std');
const BIAS_KEYS = optionKeys<{ out?: Float32Array }>()('out');

/**
 * All-zero weights. Kept for completeness and as the notes' **pitfall**: with every weight
 * equal, every neuron of a layer computes the same output and receives the same gradient, so
 * they stay identical forever — symmetry is never broken. Use a random scheme ({@link he})
 * for weights; zeros are fine for biases ({@link bias}).
 */
export function zeros(fanIn: number, fanOut: number, opts?: InitOptions): Matrix {
  checkFans(fanIn, fanOut);
  assertOptions(opts, 'options', INIT_KEYS);
  const W = target(fanIn, fanOut, opts);
  W.data.fill(0);
  return W;
}

/**
 * "Small random numbers": `w ~ std · N(0, 1)`, default std 0.01 (the notes' `0.01 * randn(D, H)`).
 * The output variance of a neuron then grows with fanIn; prefer {@link he} or {@link lecun}.
 */
export function normal(fanIn: number, fanOut: number, opts?: SmallRandomOptions): Matrix {
  checkFans(fanIn, fanOut);
  assertOptions(opts, 'options', SMALL_RANDOM_KEYS);
  return fillScaled(fanIn, fanOut, checkStd(opts?.std ?? 0.01), 'normal', opts);
}

/** Uniform "small random numbers": `w ~ U(−a, a)` with `a = std·√3` (variance std²), default std 0.01. */
export function uniform(fanIn: number, fanOut: number, opts?: SmallRandomOptions): Matrix {
  checkFans(fanIn, fanOut);
  assertOptions(opts, 'options', SMALL_RANDOM_KEYS);
  return fillScaled(fanIn, fanOut, checkStd(opts?.std ?? 0.01), 'uniform', opts);
}

/**
 * Calibrated variances (LeCun): `Var(w) = 1 / fanIn`, i.e. `w = randn / sqrt(fanIn)`, so a
 * linear neuron's output has the variance of its inputs. Uniform variant: bound `sqrt(3 / fanIn)`.
 */
export function lecun(fanIn: number, fanOut: number, opts?: CalibratedOptions): Matrix {
  checkFans(fanIn, fanOut);
  assertOptions(opts, 'options', CALIBRATED_KEYS);
  return fillScaled(fanIn, fanOut, Math.sqrt(1 / fanIn), distributionOf(opts), opts);
}

/**
 * Glorot / Xavier: `Var(w) = gain² · 2 / (fanIn + fanOut)`; uniform variant: bound
 * `gain · sqrt(6 / (fanIn + fanOut))`.
 */
export function glorot(fanIn: number, fanOut: number, opts?: GlorotOptions): Matrix {
  checkFans(fanIn, fanOut);
  assertOptions(opts, 'options', GLOROT_KEYS);
  const gain = opts?.gain ?? 1;
  assertFiniteNumber(gain, 'gain');
  if (gain < 0) rangeError('gain', 'a non-negative number', gain);
  return fillScaled(fanIn, fanOut, gain * Math.sqrt(2 / (fanIn + fanOut)), distributionOf(opts), opts);
}

/**
 * He (for ReLU networks), the notes' recommended default: `w = randn · sqrt(2 / fanIn)`,
 * `Var(w) = 2 / fanIn`; uniform variant: bound `sqrt(6 / fanIn)`.
 */
export function he(fanIn: number, fanOut: number, opts?: CalibratedOptions): Matrix {
  checkFans(fanIn, fanOut);
  assertOptions(opts, 'options', CALIBRATED_KEYS);
  return fillScaled(fanIn, fanOut, Math.sqrt(2 / fanIn), distributionOf(opts), opts);
}

/**
 * {@link normal} on the libuv thread pool (the event loop stays free for large layers). The
 * generator advances immediately, so the weights are the same bits as the synchronous call's;
 * do not touch `out` until the Promise settles.
 */
export async function normalAsync(fanIn: number, fanOut: number, opts?: SmallRandomOptions): Promise<Matrix> {
  checkFans(fanIn, fanOut);
  assertOptions(opts, 'options', SMALL_RANDOM_KEYS);
  return fillScaledAsync(fanIn, fanOut, checkStd(opts?.std ?? 0.01), 'normal', opts);
}

/** {@link uniform} on the libuv thread pool (see {@link normalAsync}). */
export async function uniformAsync(fanIn: number, fanOut: number, opts?: SmallRandomOptions): Promise<Matrix> {
  checkFans(fanIn, fanOut);
  assertOptions(opts, 'options', SMALL_RANDOM_KEYS);
  return fillScaledAsync(fanIn, fanOut, checkStd(opts?.std ?? 0.01), 'uniform', opts);
}

/** {@link lecun} on the libuv thread pool (see {@link normalAsync}). */
export async function lecunAsync(fanIn: number, fanOut: number, opts?: CalibratedOptions): Promise<Matrix> {
  checkFans(fanIn, fanOut);
  assertOptions(opts, 'options', CALIBRATED_KEYS);
  return fillScaledAsync(fanIn, fanOut, Math.sqrt(1 / fanIn), distributionOf(opts), opts);
}

/** {@link glorot} on the libuv thread pool (see {@link normalAsync}). */
export async function glorotAsync(fanIn: number, fanOut: number, opts?: GlorotOptions): Promise<Matrix> {
  checkFans(fanIn, fanOut);
  assertOptions(opts, 'options', GLOROT_KEYS);
  const gain = opts?.gain ?? 1;
  assertFiniteNumber(gain, 'gain');
  if (gain < 0) rangeError('gain', 'a non-negative number', gain);
  return fillScaledAsync(fanIn, fanOut, gain * Math.sqrt(2 / (fanIn + fanOut)), distributionOf(opts), opts);
}

/** {@link he} on the libuv thread pool (see {@link normalAsync}). */
export async function heAsync(fanIn: number, fanOut: number, opts?: CalibratedOptions): Promise<Matrix> {
  checkFans(fanIn, fanOut);
  assertOptions(opts, 'options', CALIBRATED_KEYS);
  return fillScaledAsync(fanIn, fanOut, Math.sqrt(2 / fanIn), distributionOf(opts), opts);
}

/**
 * Sparse initialization: every weight 0 except exactly `connections` (default 10) incoming
 * weights per neuron — per column of W — at rows chosen uniformly without replacement, each
 * drawn from `N(0, std²)` (default std 0.01).
 *
 * Draws, in this order, `connections · fanOut` normals (column j's values are
 * `[j·k, (j+1)·k)`) and `2 · connections · fanOut` raw words; the rows of column j come from a
 * partial Fisher–Yates shuffle of `0 … fanIn−1` whose t-th swap index is
 * `t + ⌊u·(fanIn − t)⌋` with `u` a 53-bit uniform from the next two words.
 */
export function sparse(fanIn: number, fanOut: number, opts?: SparseOptions): Matrix {
  checkFans(fanIn, fanOut);
  assertOptions(opts, 'options', SPARSE_KEYS);
  const k = opts?.connections ?? 10;
  assertInteger(k, 'connections', 0, MAX_DIMENSION);
  if (k > fanIn) rangeError('connections', `an integer from 0 to fanIn (${fanIn})`, k);
  const std = checkStd(opts?.std ?? 0.01);
  const rng = resolveRng(opts?.rng);
  const W = target(fanIn, fanOut, opts);
  const w = W.data;
  w.fill(0);
  if (k === 0) return W;
  const values = rng.normal(new Float32Array(k * fanOut), 0, std);
  const words = rng.bits(new Uint32Array(2 * k * fanOut));
  const perm = new Int32Array(fanIn);
  for (let i = 0; i < fanIn; i++) perm[i] = i;
  const swaps = new Int32Array(k);
  for (let j = 0; j < fanOut; j++) {
    for (let t = 0; t < k; t++) {
      const q = 2 * (j * k + t);
      // 53 random bits: the top 32 of the first word and the top 21 of the second.
      const u = (words[q]! * 2097152 + (words[q + 1]! >>> 11)) / 9007199254740992;
      const r = t + Math.floor(u * (fanIn - t));
      swaps[t] = r;
      const row = perm[r]!;
      perm[r] = perm[t]!;
      perm[t] = row;
      w[row * fanOut + j] = values[j * k + t]!;
    }
    // Undo the swaps (in reverse) so the next column starts from the identity again: O(k) per
    // column instead of O(fanIn).
    for (let t = k - 1; t >= 0; t--) {
      const r = swaps[t]!;
      const row = perm[r]!;
      perm[r] = perm[t]!;
      perm[t] = row;
    }
  }
  return W;
}

/**
 * Biases: a Float32Array of `n` copies of `value` (default 0, the notes' recommendation; a
 * small constant such as 0.01 is sometimes used for ReLU units). Fills `out` when given.
 */
export function bias(n: number, value = 0, opts?: { out?: Float32Array }): Float32Array {
  assertInteger(n, 'n', 1, MAX_DIMENSION);
  assertFiniteNumber(value, 'value');
  assertOptions(opts, 'options', BIAS_KEYS);
  const out = opts?.out;
  if (out === undefined) return allocateFloat32(n, 'n').fill(value);
  assertFloat32Array(out, 'out');
  if (out.length !== n) rangeError('out', `a Float32Array of length ${n}`, out, ErrorCodes.SHAPE);
  return out.fill(value);
}
