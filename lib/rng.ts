/**
 * A seedable, counter-based random generator (Philox-4x32-10).
 */
import { ErrorCodes, rangeError, typeError } from './errors';
import { floatsArg, type Matrix } from './matrix';
import { native } from './native';
import { assertFiniteNumber } from './validate';

const TWO_32 = 2 ** 32;

/** A Float32Array or a Matrix to fill in place. */
export type FillTarget = Float32Array | Matrix;

/**
 * A random generator whose numbers depend only on its seed: the same seed gives bit-identical
 * floats on every machine, for every thread count and SIMD path.
 *
 * It is counter-based (Philox-4x32-10, Salmon et al. 2011, checked against the Random123
 * known-answer vectors): the seed is the 64-bit key, each fill takes the next blocks of the
 * counter, so a fill of n values is split over threads without changing a bit. Normal deviates
 * use Box–Muller; uniform floats have 24 random bits.
 *
 * @example
 * const rng = new nn.Rng(42);
 * const w = rng.normal(new Float32Array(1024), 0, 0.01);
 */
export class Rng {
  #key0: number;
  #key1: number;
  #stream0: number;
  #stream1: number;
  #offset = 0; // Philox blocks consumed so far

  /** @param seed A non-negative safe integer or a bigint below 2^64. */
  constructor(seed: number | bigint) {
    let lo: number;
    let hi: number;
    if (typeof seed === 'bigint') {
      if (seed < 0n || seed >= 1n << 64n) rangeError('seed', 'a bigint from 0 to 2^64 − 1', seed);
      lo = Number(seed & 0xffffffffn);
      hi = Number(seed >> 32n);
    } else if (typeof seed === 'number') {
      if (!Number.isSafeInteger(seed) || seed < 0) rangeError('seed', 'a non-negative safe integer or a bigint', seed);
      lo = seed % TWO_32;
      hi = Math.floor(seed / TWO_32);
    } else {
      typeError('seed', 'a non-negative integer or a bigint', seed);
    }
    this.#key0 = lo;
    this.#key1 = hi;
    this.#stream0 = 0;
    this.#stream1 = 0;
  }

  /** Fills `out` with normal deviates of the given mean and standard deviation; returns `out`. */
  normal<T extends FillTarget>(out: T, mean = 0, std = 1): T {
    const data = floatsArg(out, 'out');
    this.#checkParams(mean, std, 'mean', 'std');
    this.#offset += native.rngFill(this.#key0, this.#key1, this.#stream0, this.#stream1, this.#offset, data, 'normal', mean, std);
    return out;
  }

  /** Fills `out` with floats uniform on [lo, hi) (hi itself only through float rounding); returns `out`. */
  uniform<T extends FillTarget>(out: T, lo = 0, hi = 1): T {
    const data = floatsArg(out, 'out');
    this.#checkParams(lo, hi, 'lo', 'hi');
    this.#offset += native.rngFill(this.#key0, this.#key1, this.#stream0, this.#stream1, this.#offset, data, 'uniform', lo, hi);
    return out;
  }

  /**
   * {@link normal} on the libuv thread pool. The generator advances immediately, so calls made
   * after this one draw different numbers whatever the order in which the fills finish.
   * The numbers land in `out` when the fill is done (transferring `out`'s buffer meanwhile
   * rejects with ERR_NNKIT_DETACHED; a SharedArrayBuffer-backed `out` is filled in place).
   */
  async normalAsync<T extends FillTarget>(out: T, mean = 0, std = 1): Promise<T> {
    const data = floatsArg(out, 'out');
    this.#checkParams(mean, std, 'mean', 'std');
    const offset = this.#advance(data.length);
    await native.rngFillAsync(this.#key0, this.#key1, this.#stream0, this.#stream1, offset, data, 'normal', mean, std);
    return out;
  }

  /** {@link uniform} on the libuv thread pool (see {@link normalAsync}). */
  async uniformAsync<T extends FillTarget>(out: T, lo = 0, hi = 1): Promise<T> {
    const data = floatsArg(out, 'out');
    this.#checkParams(lo, hi, 'lo', 'hi');
    const offset = this.#advance(data.length);
    await native.rngFillAsync(this.#key0, this.#key1, this.#stream0, this.#stream1, offset, data, 'uniform', lo, hi);
    return out;
  }

  /** Fills `out` with raw 32-bit random words; returns `out`. */
  bits(out: Uint32Array): Uint32Array {
    if (!(out instanceof Uint32Array)) typeError('out', 'a Uint32Array', out);
    this.#offset += native.rngBits(this.#key0, this.#key1, this.#stream0, this.#stream1, this.#offset, out);
    return out;
  }

  /**
   * A new, statistically independent generator derived from this one (which advances). Use it
   * to give each layer or worker its own stream while keeping one seed for the whole run.
   */
  split(): Rng {
    const words = this.bits(new Uint32Array(4));
    const child = new Rng(0);
    child.#key0 = words[0]!;
    child.#key1 = words[1]!;
    child.#stream0 = words[2]!;
    child.#stream1 = words[3]!;
    return child;
  }

  /**
   * Reserves the blocks a native draw of `n` values consumes (whole chunks, like every fill)
   * and returns where that draw starts (the stream's key and id, and its first Philox block).
   * For nnkit's own fused kernels (dropout masks).
   * @internal
   */
  claim(n: number): { key0: number; key1: number; stream0: number; stream1: number; offset: number } {
    return { key0: this.#key0, key1: this.#key1, stream0: this.#stream0, stream1: this.#stream1, offset: this.#advance(n) };
  }

  #checkParams(a: number, b: number, nameA: string, nameB: string): void {
    assertFiniteNumber(a, nameA);
    assertFiniteNumber(b, nameB);
    if (nameB === 'std' && b < 0) rangeError('std', 'a non-negative number', b);
    if (nameB === 'hi' && !(b >= a)) rangeError('hi', `a number ≥ lo (${a})`, b, ErrorCodes.RANGE);
  }

  #advance(n: number): number {
    const offset = this.#offset;
    this.#offset += Math.ceil(n / 32) * 8; // whole chunks of 8 blocks, as the native fill consumes
    return offset;
  }
}

let defaultGenerator = new Rng(0x5eed);

/** The generator used when a function's `rng` option is omitted. Reseed it with {@link seed}. */
export function defaultRng(): Rng {
  return defaultGenerator;
}

/** Reseeds the default generator, so everything drawn without an explicit `rng` is reproducible. */
export function seed(value: number | bigint): void {
  defaultGenerator = new Rng(value);
}
