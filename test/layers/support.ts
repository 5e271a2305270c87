/**
 * Helpers for the init and layer tests on top of test/helpers.ts: matrices of LCG data, bit
 * views, error measures and centered finite differences.
 */
import * as nn from '../../lib/index';
import { lcg } from '../helpers';

export { expectCoded, forEachGemmBackend, forEachSimdPath, lcg, withThreads } from '../helpers';
export type { SimdPath } from '../helpers';

export function lcgMatrix(rows: number, cols: number, seed: number, lo = -1, hi = 1): nn.Matrix {
  return nn.matrix(lcg(rows * cols, seed, lo, hi), rows, cols);
}

/** Bytes of a Float32Array, for bit-exact comparisons. */
export function bitsOf(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

/** max |a − b| / max(1, |b|). */
export function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return worst;
}

/** Relative error of a gradient check: max |a − n| / max(|a|, |n|, floor). */
export function gradRelError(analytic: ArrayLike<number>, numeric: ArrayLike<number>, floor = 1e-3): number {
  let worst = 0;
  for (let i = 0; i < numeric.length; i++) {
    const a = analytic[i]!, n = numeric[i]!;
    worst = Math.max(worst, Math.abs(a - n) / Math.max(Math.abs(a), Math.abs(n), floor));
  }
  return worst;
}

/**
 * Centered finite differences of `loss` with respect to every element of `x` (changed in
 * place and restored): (L(x + h) − L(x − h)) / 2h.
 */
export function numericGradient(x: Float32Array | Float64Array, loss: () => number, h: number): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    x[i] = v + h;
    const up = x[i]!; // the step actually taken after float32 rounding
    const plus = loss();
    x[i] = v - h;
    const down = x[i]!;
    const minus = loss();
    x[i] = v;
    g[i] = (plus - minus) / (up - down);
  }
  return g;
}

/** Σ g ⊙ y in float64: a scalar loss whose gradient with respect to y is g. */
export function dot(g: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += g[i]! * y[i]!;
  return s;
}
