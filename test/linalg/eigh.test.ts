import { describe, expect, it } from 'vitest';
import * as nn from '../../lib/index';
import { compose, f64, forEachBackend, jacobiEigenvalues, lcg, matmul, orthonormalColumns, orthonormalityError, toMatrix } from './reference';

function symmetricLcg(n: number, seed: number): nn.Matrix {
  const a = nn.matrix(lcg(n * n, seed), n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a.data[i * n + j] = a.data[j * n + i]!;
  return a;
}

/** max_j ‖A·v_j − λ_j·v_j‖ / ‖A‖_F in float64. */
function residual(a: nn.Matrix, values: Float32Array, vectors: nn.Matrix): number {
  const n = a.rows;
  const av = matmul(f64(a), f64(vectors));
  let norm = 0;
  for (const x of a.data) norm += x * x;
  let worst = 0;
  for (let j = 0; j < n; j++) {
    let r = 0;
    for (let i = 0; i < n; i++) r += (av.data[i * n + j]! - values[j]! * vectors.data[i * n + j]!) ** 2;
    worst = Math.max(worst, Math.sqrt(r));
  }
  return worst / Math.sqrt(norm);
}

function expectSignConvention(vectors: nn.Matrix): void {
  const { rows, cols } = vectors;
  for (let j = 0; j < cols; j++) {
    let best = 0, signed = 0;
    for (let i = 0; i < rows; i++) {
      const x = vectors.data[i * cols + j]!;
      if (Math.abs(x) > best) {
        best = Math.abs(x);
        signed = x;
      }
    }
    expect(signed).toBeGreaterThan(0);
  }
}

describe('eigh', () => {
  it('recovers a known spectrum (relative error <= 1e-4) on every backend and SIMD path', () => {
    for (const n of [1, 2, 5, 31, 64, 97]) {
      const q = orthonormalColumns(n, n, n + 1);
      const lambda = Array.from({ length: n }, (_, i) => 10 * 0.95 ** i * (i % 3 === 2 ? -1 : 1));
      const a = toMatrix(compose(q, lambda, q));
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a.data[i * n + j] = a.data[j * n + i]!;
      const sorted = [...lambda].sort((x, y) => y - x);
      forEachBackend((label) => {
        const { values, vectors } = nn.eigh(a);
        for (let j = 0; j < n; j++)
          expect(Math.abs(values[j]! - sorted[j]!) / Math.abs(sorted[j]!), `${label} n=${n} λ${j}`).toBeLessThan(1e-4);
        expect(orthonormalityError(vectors), label).toBeLessThan(1e-5);
        expect(residual(a, values, vectors), label).toBeLessThan(1e-5);
        expectSignConvention(vectors);
      });
    }
  });

  it('matches a float64 Jacobi reference on random symmetric matrices', () => {
    for (const n of [3, 17, 40]) {
      const a = symmetricLcg(n, 100 + n);
      const ref = jacobiEigenvalues(f64(a));
      const scale = Math.max(...ref.map(Math.abs));
      forEachBackend((label) => {
        const { values, vectors } = nn.eigh(a);
        for (let j = 0; j < n; j++) expect(Math.abs(values[j]! - ref[j]!) / scale, `${label} n=${n}`).toBeLessThan(1e-5);
        expect(orthonormalityError(vectors)).toBeLessThan(1e-5);
        expect(residual(a, values, vectors)).toBeLessThan(1e-5);
      });
    }
  });

  it('gives an orthonormal basis for repeated eigenvalues, and the same vectors on both backends', () => {
    const n = 24;
    // A covariance of rank 3: 21 zero eigenvalues.
    const x = nn.matrix(lcg(3 * n, 9), 3, n);
    const a = nn.covariance(x, { center: false });
    const results: nn.EighResult[] = [];
    forEachBackend((label) => {
      const r = nn.eigh(a);
      expect(orthonormalityError(r.vectors), label).toBeLessThan(1e-5);
      expect(residual(a, r.values, r.vectors), label).toBeLessThan(1e-5);
      results.push(r);
    });
    // The three nonzero eigenpairs are unique up to sign, which the convention fixes.
    for (const r of results)
      for (let i = 0; i < n; i++) for (let j = 0; j < 3; j++)
        expect(Math.abs(r.vectors.data[i * n + j]! - results[0]!.vectors.data[i * n + j]!)).toBeLessThan(1e-3);
  });

  it('writes into the given outputs and eighAsync agrees', async () => {
    const a = symmetricLcg(33, 4);
    const values = new Float32Array(33);
    const vectors = nn.matrix(33, 33);
    const r = nn.eigh(a, { values, vectors });
    expect(r.values).toBe(values);
    expect(r.vectors).toBe(vectors);
    const r2 = await nn.eighAsync(a);
    expect(r2.values).toEqual(values);
    expect(r2.vectors.data).toEqual(vectors.data);
  });

  it('rejects bad input with codes', async () => {
    expect(() => nn.eigh(nn.matrix(lcg(6, 1), 2, 3))).toThrow(expect.objectContaining({ code: 'ERR_NNKIT_SHAPE' }));
    const asym = symmetricLcg(5, 2);
    asym.data[1] = asym.data[1]! + 0.5;
    forEachBackend(() => {
      expect(() => nn.eigh(asym)).toThrow(expect.objectContaining({ code: 'ERR_NNKIT_SHAPE' }));
    });
    const nan = symmetricLcg(5, 2);
    nan.data[12] = NaN;
    forEachBackend(() => {
      expect(() => nn.eigh(nan)).toThrow(expect.objectContaining({ code: 'ERR_NNKIT_NONFINITE' }));
    });
    // Symmetric up to rounding is accepted.
    const nearly = symmetricLcg(5, 2);
    nearly.data[1] = nearly.data[1]! * (1 + 1e-6);
    expect(() => nn.eigh(nearly)).not.toThrow();
    expect(() => nn.eigh(symmetricLcg(3, 1), { values: new Float32Array(2) })).toThrow(expect.objectContaining({ code: 'ERR_NNKIT_SHAPE' }));
    expect(() => nn.setLapackBackend('cusolver' as 'lapack')).toThrow(RangeError);
    await expect(nn.eighAsync(nan)).rejects.toMatchObject({ code: 'ERR_NNKIT_NONFINITE' });
    const r = nn.eigh(nn.matrix(0, 0));
    expect(r.values.length).toBe(0);
  });

  it('built-in: the same bits for any thread count on every SIMD path', () => {
    // n = 200 splits every phase into several tasks (32 rows, 32-column slabs).
    const a = symmetricLcg(200, 11);
    const saved = nn.lapackBackend();
    const { simd, threads: savedThreads } = nn.backend();
    nn.setLapackBackend('builtin');
    try {
      for (const path of nn.backend().simdPaths) {
        nn.setSimd(path as nn.SimdPath);
        nn.setThreads(1);
        const one = nn.eigh(a);
        for (const threads of [2, 3]) {
          nn.setThreads(threads);
          const r = nn.eigh(a);
          expect(r.values, `${path} ${threads} threads`).toEqual(one.values);
          expect(r.vectors.data, `${path} ${threads} threads`).toEqual(one.vectors.data);
        }
      }
    } finally {
      nn.setSimd(simd as nn.SimdPath);
      nn.setThreads(savedThreads);
      nn.setLapackBackend(saved);
    }
  });

  it('built-in: a 784 × 784 covariance (the benchmark size) is as accurate as LAPACK', () => {
    const n = 784;
    const c = nn.covariance(new nn.Rng(3).normal(nn.matrix(1200, n)));
    const saved = nn.lapackBackend();
    let lapackError = Infinity;
    try {
      nn.setLapackBackend('lapack');
      lapackError = orthonormalityError(nn.eigh(c).vectors);
    } catch {
      // a build without LAPACKE: only the absolute bound below
    }
    nn.setLapackBackend('builtin');
    try {
      const { values, vectors } = nn.eigh(c);
      // ‖VᵀV − I‖_F of float32 vectors grows with n: ssyevd itself measures 4.1e-5 here, the
      // built-in (float32 Q and rotations, as ssyevd's) 6.4e-5.
      const error = orthonormalityError(vectors);
      expect(error).toBeLessThan(1e-4);
      expect(error).toBeLessThan(2 * lapackError);
      expect(residual(c, values, vectors)).toBeLessThan(1e-5);
      // Trace and Frobenius norm are sums of the eigenvalues and of their squares.
      let trace = 0, frob = 0, sum = 0, sumSq = 0;
      for (let i = 0; i < n; i++) trace += c.data[i * n + i]!;
      for (const x of c.data) frob += x * x;
      for (const x of values) {
        sum += x;
        sumSq += x * x;
      }
      expect(Math.abs(sum - trace) / trace).toBeLessThan(1e-5);
      expect(Math.abs(sumSq - frob) / frob).toBeLessThan(1e-5);
    } finally {
      nn.setLapackBackend(saved);
    }
  });

  it('keeps the event loop free while eighAsync of a 3000 × 3000 matrix runs', async () => {
    const n = 3000;
    const x = nn.matrix(lcg(n * 200, 77), 200, n);
    const a = nn.covariance(x, { center: false });
    for (let i = 0; i < n; i++) a.data[i * n + i]! += 1;
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = Date.now();
    try {
      const { values } = await nn.eighAsync(a);
      expect(values[n - 1]).toBeGreaterThan(0.99);
    } finally {
      clearInterval(timer);
    }
    const elapsed = Date.now() - started;
    // A blocked loop would fire at most once after the call returns.
    expect(ticks).toBeGreaterThan(Math.min(20, elapsed / 50));
    expect(ticks).toBeGreaterThan(5);
  });
});
