/**
 * Numerical edge cases of the functions on main, against the documented policy (lib/errors.ts):
 * NaN and ±Infinity in data propagate (BLAS semantics), random fills never produce NaN, denormal
 * inputs give the float64 answer rounded, empty (0-row) matrices work wherever they mean something.
 */
import { describe, expect, it } from 'vitest';
import * as nn from '../../lib/index';
import { forEachGemmBackend, forEachSimdPath, lcg } from '../helpers';

function each(fn: (where: string) => void): void {
  forEachGemmBackend((backend) => forEachSimdPath((path) => fn(`${backend}/${path}`)));
}

describe('numerical edge cases', () => {
  it('gemm: NaN or Infinity in A poisons exactly the rows of C that read it, on every backend and path', () => {
    const m = 7, k = 9, n = 5;
    each((where) => {
      for (const bad of [Number.NaN, Infinity]) {
        const A = nn.matrix(lcg(m * k, 1), m, k), B = nn.matrix(lcg(k * n, 2, 0.5, 1), k, n);
        A.data[3 * k + 4] = bad;
        const C = nn.gemm(A, B);
        for (let i = 0; i < m; i++)
          for (let j = 0; j < n; j++) expect(Number.isFinite(C.data[i * n + j]!), `${where} ${bad} (${i},${j})`).toBe(i !== 3);
        if (bad === Infinity) for (let j = 0; j < n; j++) expect(C.data[3 * n + j], where).toBe(Infinity); // B > 0
      }
    });
  });

  it('gemm: beta = 0 never reads out, so NaN already in out does not leak into the result', () => {
    each((where) => {
      const A = nn.matrix(lcg(12, 3), 3, 4), B = nn.matrix(lcg(20, 4), 4, 5);
      const out = nn.matrix(new Float32Array(15).fill(Number.NaN), 3, 5);
      nn.gemm(A, B, { out });
      expect(out.data.every(Number.isFinite), where).toBe(true);
    });
  });

  it('gemm: denormal inputs give the float64 product rounded to float32', () => {
    const m = 6, k = 11, n = 4;
    each((where) => {
      const A = nn.matrix(lcg(m * k, 5).map((v) => v * 1e-39), m, k); // denormal float32
      const B = nn.matrix(lcg(k * n, 6, 1, 4), k, n);
      expect(A.data.some((v) => v !== 0 && Math.abs(v) < 1.1754943508222875e-38)).toBe(true);
      const C = nn.gemm(A, B);
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let acc = 0;
          for (let p = 0; p < k; p++) acc += A.data[i * k + p]! * B.data[p * n + j]!;
          expect(Math.abs(C.data[i * n + j]! - acc), `${where} (${i},${j})`).toBeLessThan(1e-44 * k + 1e-6 * Math.abs(acc));
        }
    });
  });

  it('gemm: empty operands (0 rows, 0 cols or inner dimension 0)', () => {
    each((where) => {
      expect(nn.gemm(nn.matrix(0, 4), nn.matrix(4, 3))).toMatchObject({ rows: 0, cols: 3 });
      expect(nn.gemm(nn.matrix(2, 4), nn.matrix(4, 0))).toMatchObject({ rows: 2, cols: 0 });
      // k = 0: the product is empty, out = beta · out
      const out = nn.matrix(new Float32Array([1, 2, 3, 4, 5, 6]), 2, 3);
      nn.gemm(nn.matrix(2, 0), nn.matrix(0, 3), { out, beta: 0.5 });
      expect(Array.from(out.data), where).toEqual([0.5, 1, 1.5, 2, 2.5, 3]);
      expect(Array.from(nn.gemm(nn.matrix(2, 0), nn.matrix(0, 3)).data), where).toEqual([0, 0, 0, 0, 0, 0]);
    });
  });

  it('random fills never produce NaN, even at the extremes of their finite parameters', () => {
    forEachSimdPath((path) => {
      const u = new nn.Rng(1).uniform(new Float32Array(4099), -3.4e38, 3.4e38);
      expect(u.every((v) => !Number.isNaN(v) && v >= -3.4e38 && v <= 3.4e38), path).toBe(true);
      const z = new nn.Rng(2).normal(new Float32Array(4099), 3e38, 3e38);
      expect(z.some(Number.isNaN), path).toBe(false); // mean + std·z may round to ±Infinity, never NaN
      const zero = new nn.Rng(3).normal(new Float32Array(33), 1.5, 0);
      expect(zero.every((v) => v === 1.5), path).toBe(true);
      const point = new nn.Rng(4).uniform(new Float32Array(33), 2, 2);
      expect(point.every((v) => v === 2), path).toBe(true);
      expect(new nn.Rng(5).normal(new Float32Array(0))).toHaveLength(0);
      expect(new nn.Rng(5).normal(nn.matrix(0, 7)).rows).toBe(0);
    });
  });

  it('fills reject NaN and infinite parameters rather than producing NaN', () => {
    for (const [a, b] of [[Number.NaN, 1], [0, Infinity], [-Infinity, 0]] as const) {
      expect(() => new nn.Rng(1).normal(new Float32Array(4), a, b)).toThrow(expect.objectContaining({ code: 'ERR_NNKIT_NONFINITE' }));
      expect(() => new nn.Rng(1).uniform(new Float32Array(4), a, b)).toThrow(expect.objectContaining({ code: 'ERR_NNKIT_NONFINITE' }));
    }
  });
});
