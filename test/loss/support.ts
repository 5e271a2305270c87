/**
 * Helpers of the loss tests: deterministic data independent of nnkit, a loop over every SIMD
 * path, and a float64 centered finite difference.
 */
import { expect } from 'vitest';
import * as nn from '../../lib/index';

export function lcg(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  let s = (seed * 2654435761 + 12345) >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + ((s >>> 8) / 16777216) * (hi - lo);
  }
  return out;
}

export function labelsFor(n: number, c: number, seed: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 7919 + seed * 31) % c;
  return out;
}

export type SimdPath = 'avx2' | 'scalar';

export function forEachSimdPath(fn: (path: SimdPath) => void): void {
  const { simd, simdPaths } = nn.backend();
  try {
    for (const path of simdPaths as SimdPath[]) {
      nn.setSimd(path);
      fn(path);
    }
  } finally {
    nn.setSimd(simd as SimdPath);
  }
}

/** Centered differences of a float64 function of a float64 copy of x (step h, in float64). */
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
