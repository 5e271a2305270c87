/**
 * Helpers of the loss tests: deterministic data independent of nnkit, a loop over every SIMD
 * path, and a float64 centered finite difference.
 */
import { expect } from 'vitest';
export { forEachSimdPath, lcg } from '../helpers';
export type { SimdPath } from '../helpers';

export function labelsFor(n: number, c: number, seed: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 7919 + seed * 31) % c;
  return out;
}

export function numericGradient64(f: (x: Float64Array) => number, x: ArrayLike<number>, h = 1e-6): Float64Array {
  const xs = Float64Array.from(x);
  const g = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    const saved = xs[i]!;
    xs[i] = saved + h;
    const plus = f(xs);
    xs[i] = saved - h;
    const minus = f(xs);
    xs[i] = saved;
    g[i] = (plus - minus) / (2 * h);
  }
  return g;
}

/** Element-wise |a − b| <= abs + rel·|b|. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, abs: number, what = ''): void {
  expect(actual.length, `${what} length`).toBe(expected.length);
  let worst = -1, worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const excess = Math.abs(actual[i]! - expected[i]!) - (abs + rel * Math.abs(expected[i]!));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) expect.fail(`${what} element ${worst}: ${actual[worst]} vs ${expected[worst]}`);
}

export function expectNumberClose(actual: number, expected: number, rel: number, abs: number, what = ''): void {
  if (!(Math.abs(actual - expected) <= abs + rel * Math.abs(expected))) expect.fail(`${what}: ${actual} vs ${expected}`);
}
