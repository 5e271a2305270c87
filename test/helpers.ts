/**
 * Test helpers: deterministic data that does not come from the code under test, float64
 * references, and a loop over every SIMD path / GEMM backend this build can run.
 */
import * as nn from '../lib/index';

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

export type SimdPath = nn.SimdPath;

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

/** Runs `fn` once per GEMM backend ('blas' when linked, and 'builtin'), restoring the original. */
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

/** {@link forEachGemmBackend} for an async `fn`. */
export async function forEachGemmBackendAsync(fn: (backend: 'blas' | 'builtin') => Promise<void>): Promise<void> {
  const original = nn.backend().gemm;
  const backends: ('blas' | 'builtin')[] = nn.backend().blas === 'builtin' ? ['builtin'] : ['blas', 'builtin'];
  try {
    for (const b of backends) {
      nn.setGemmBackend(b);
      await fn(b);
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

/** Matcher for nnkit's coded errors. */
export function coded(code: string, type: typeof TypeError | typeof RangeError = RangeError) {
  return (e: unknown) => e instanceof type && (e as { code?: string }).code === code;
}

/** Asserts that `fn` throws an error of `type` with `code`; returns the error. */
export function expectCoded(fn: () => unknown, code: string, type: typeof TypeError | typeof RangeError = RangeError): Error {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof type)) throw new Error(`expected a ${type.name}, got ${String(e)}`);
    if ((e as { code?: string }).code !== code) throw new Error(`expected code ${code}, got ${(e as { code?: string }).code}: ${String(e)}`);
    return e;
  }
  throw new Error(`expected ${code} to be thrown`);
}

/** {@link forEachSimdPath} for async bodies: each path's body settles before the next path is set. */
export async function forEachSimdPathAsync(fn: (path: SimdPath) => Promise<void>): Promise<void> {
  const { simd, simdPaths } = nn.backend();
  try {
    for (const path of simdPaths as SimdPath[]) {
      nn.setSimd(path);
      await fn(path);
    }
  } finally {
    nn.setSimd(simd as SimdPath);
  }
}

/** Bytes of a Float32Array as 32-bit words, for bit-exact comparisons (NaN payloads and −0 included). */
export function wordsOf(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

/**
 * Runs `call` while a 5 ms interval timer counts ticks; returns the ticks and the elapsed time.
 * A call that blocked the event loop would let the timer fire at most once, after it returned.
 */
export async function ticksDuring<T>(call: () => Promise<T>): Promise<{ result: T; ticks: number; elapsed: number }> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  const started = Date.now();
  try {
    const result = await call();
    return { result, ticks, elapsed: Date.now() - started };
  } finally {
    clearInterval(timer);
  }
}

/** A Matrix on a SharedArrayBuffer holding a copy of `M` (async calls use such memory in place). */
export function sharedCopy(M: nn.Matrix): nn.Matrix {
  const data = new Float32Array(new SharedArrayBuffer(M.data.byteLength));
  data.set(M.data);
  return { data, rows: M.rows, cols: M.cols };
}
