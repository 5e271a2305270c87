import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as nn from '../../lib/index';
import { compose, f64, forEachBackend, lcg, matmul, orthonormalColumns, orthonormalityError, relativeError, toMatrix, transpose } from './reference';

/** ‖A − U·diag(S)·Vt‖_F / ‖A‖_F in float64. */
function reconstructionError(a: nn.Matrix, r: nn.SvdResult): number {
  const us = f64(r.U);
  for (let i = 0; i < us.rows; i++) for (let j = 0; j < us.cols; j++) us.data[i * us.cols + j]! *= r.S[j]!;
  return relativeError(f64(a), matmul(us, f64(r.Vt)));
}

function expectRowSignConvention(vt: nn.Matrix): void {
  for (let j = 0; j < vt.rows; j++) {
    let best = 0, signed = 0;
    for (let i = 0; i < vt.cols; i++) {
      const x = vt.data[j * vt.cols + i]!;
      if (Math.abs(x) > best) {
        best = Math.abs(x);
        signed = x;
      }
    }
    expect(signed).toBeGreaterThan(0);
  }
}

describe('svd', () => {
  it('recovers known singular values and reconstructs A, tall and wide, on every backend', () => {
    for (const [m, n] of [[40, 13], [13, 40], [33, 33], [1, 7], [7, 1], [120, 57]] as const) {
      const r = Math.min(m, n);
      const sigma = Array.from({ length: r }, (_, i) => 5 * 0.8 ** i + 0.1);
      const a = toMatrix(compose(orthonormalColumns(m, r, m), sigma, orthonormalColumns(n, r, n + 1000)));
      forEachBackend((label) => {
        const out = nn.svd(a);
        expect(out.U.rows).toBe(m);
        expect(out.U.cols).toBe(r);
        expect(out.Vt.rows).toBe(r);
        expect(out.Vt.cols).toBe(n);
        for (let j = 0; j < r; j++) expect(Math.abs(out.S[j]! - sigma[j]!) / sigma[j]!, `${label} ${m}x${n}`).toBeLessThan(1e-4);
        expect(reconstructionError(a, out), label).toBeLessThan(1e-5);
        expect(orthonormalityError(out.U), label).toBeLessThan(1e-5);
        expect(orthonormalityError(transpose(out.Vt)), label).toBeLessThan(1e-5);
        expectRowSignConvention(out.Vt);
      });
    }
  });

  it('converges on constant matrices (rank one: the other columns of R are rounding noise)', () => {
    // The fuzzer's 7 × 6 matrix of 0.5 made the built-in Jacobi sweep noise against noise forever.
    for (const [m, n, v] of [[7, 6, 0.5], [6, 7, 0.5], [40, 13, -3], [5, 5, 1e-20], [9, 4, 1e20]] as const) {
      const a = nn.matrix(new Float32Array(m * n).fill(v), m, n);
      forEachBackend((label) => {
        const out = nn.svd(a);
        expect(Math.abs(out.S[0]! - Math.abs(v) * Math.sqrt(m * n)) / (Math.abs(v) * Math.sqrt(m * n)), `${label} ${m}x${n} σ1`).toBeLessThan(1e-5);
        for (let j = 1; j < Math.min(m, n); j++) expect(out.S[j]!, `${label} σ${j}`).toBeLessThan(1e-5 * out.S[0]!);
        expect(orthonormalityError(out.U), label).toBeLessThan(1e-5);
        expect(orthonormalityError(transpose(out.Vt)), label).toBeLessThan(1e-5);
        expect(reconstructionError(a, out), label).toBeLessThan(1e-5);
      });
    }
  });

  it('keeps U orthonormal for rank-deficient input, and both backends agree on the top vectors', () => {
    const m = 30, n = 18;
    const a = toMatrix(compose(orthonormalColumns(m, 4, 1), [4, 3, 2, 1], orthonormalColumns(n, 4, 2)));
    const tops: nn.SvdResult[] = [];
    forEachBackend((label) => {
      const out = nn.svd(a);
      expect(reconstructionError(a, out), label).toBeLessThan(1e-5);
      expect(orthonormalityError(out.U), label).toBeLessThan(1e-5);
      for (let j = 4; j < n; j++) expect(out.S[j]!).toBeLessThan(1e-5);
      tops.push(out);
    });
    for (const t of tops)
      for (let j = 0; j < 4; j++)
        for (let i = 0; i < n; i++) expect(Math.abs(t.Vt.data[j * n + i]! - tops[0]!.Vt.data[j * n + i]!)).toBeLessThan(1e-4);
  });

  it('reconstructs random matrices of random shapes (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 24 }), fc.integer({ min: 1, max: 24 }), fc.integer({ min: 0, max: 1000 }), (m, n, seed) => {
        const a = nn.matrix(lcg(m * n, seed), m, n);
        forEachBackend((label) => {
          const out = nn.svd(a);
          expect(reconstructionError(a, out), label).toBeLessThan(1e-5);
          expect(orthonormalityError(out.U), label).toBeLessThan(1e-5);
          for (let j = 1; j < out.S.length; j++) expect(out.S[j]!).toBeLessThanOrEqual(out.S[j - 1]!);
        });
      }),
      { numRuns: 25 },
    );
  });

  it('svdAsync agrees and outputs can be supplied', async () => {
    const a = nn.matrix(lcg(25 * 11, 3), 25, 11);
    const U = nn.matrix(25, 11), S = new Float32Array(11), Vt = nn.matrix(11, 11);
    const out = nn.svd(a, { U, S, Vt });
    expect(out.U).toBe(U);
    expect(out.S).toBe(S);
    const again = await nn.svdAsync(a);
    expect(again.S).toEqual(S);
    expect(again.U.data).toEqual(U.data);
  });

  it('rejects bad input with codes', async () => {
    const a = nn.matrix(lcg(12, 1), 4, 3);
    a.data[5] = Infinity;
    forEachBackend(() => {
      expect(() => nn.svd(a)).toThrow(expect.objectContaining({ code: 'ERR_NNKIT_NONFINITE' }));
    });
    await expect(nn.svdAsync(a)).rejects.toMatchObject({ code: 'ERR_NNKIT_NONFINITE' });
    const b = nn.matrix(lcg(12, 1), 4, 3);
    expect(() => nn.svd(b, { S: new Float32Array(4) })).toThrow(expect.objectContaining({ code: 'ERR_NNKIT_SHAPE' }));
    expect(() => nn.svd(b, { U: nn.matrix(3, 3) })).toThrow(expect.objectContaining({ code: 'ERR_NNKIT_SHAPE' }));
    expect(() => nn.svd({ data: new Float64Array(12), rows: 4, cols: 3 } as unknown as nn.Matrix)).toThrow(TypeError);
  });
});
