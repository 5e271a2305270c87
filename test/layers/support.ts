/**
 * Helpers for the init and layer tests: deterministic data independent of nnkit's Rng, float64
 * references, loops over SIMD paths and thread counts, and coded-error assertions.
 */
import { expect } from 'vitest';
import * as nn from '../../lib/index';

/** A small LCG (Numerical Recipes constants): test data independent of nnkit's own Rng. */
export function lcg(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  let s = (seed * 2654435761 + 12345) >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + ((s >>> 8) / 16777216) * (hi - lo);
  }
  return out;
}

export function lcgMatrix(rows: number, cols: number, seed: number, lo = -1, hi = 1): nn.Matrix {
  return nn.matrix(lcg(rows * cols, seed, lo, hi), rows, cols);
}

export type SimdPath = 'avx2' | 'scalar';

/** Runs `fn` once per SIMD path this CPU and build support, restoring the original path. */
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

/** Runs `fn` once per GEMM backend this build has, restoring the original. */
export function forEachGemmBackend(fn: (backend: 'blas' | 'builtin') => void): void {
  const original = nn.backend().gemm;
  const backends: ('blas' | 'builtin')[] = nn.backend().blas === 'builtin' ? ['builtin'] : ['blas', 'builtin'];
  try {
    for (const b of backends) {
      nn.setGemmBackend(b);
      fn(b);
    }
  } finally {
    nn.setGemmBackend(original);
  }
}

/** Runs `fn` with the thread count set to n, restoring the original. */
export function withThreads<T>(n: number, fn: () => T): T {
  const original = nn.backend().threads;
  nn.setThreads(n);
  try {
    return fn();
  } finally {
    nn.setThreads(original);
  }
}

/** Asserts that `fn` throws a `type` error with `code`. */
export function expectCoded(fn: () => unknown, code: string, type: typeof TypeError | typeof RangeError = RangeError): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `expected ${code}`).toBeInstanceOf(type);
  expect((thrown as { code?: string }).code).toBe(code);
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
