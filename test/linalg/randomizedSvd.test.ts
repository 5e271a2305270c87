import { describe, expect, it } from 'vitest';
import * as nn from '../../lib/index';
import { compose, f64, forEachBackend, forEachGemm, matmul, orthonormalColumns, orthonormalityError, toMatrix, transpose } from './reference';

/** m × n with singular values sigma_i = 0.7^i (known analytically) from orthonormal factors. */
function decaying(m: number, n: number, rank: number, seed: number): { a: nn.Matrix; sigma: number[] } {
  const sigma = Array.from({ length: rank }, (_, i) => 0.7 ** i);
  return { a: toMatrix(compose(orthonormalColumns(m, rank, seed), sigma, orthonormalColumns(n, rank, seed + 1))), sigma };
}

describe('randomizedSvd', () => {
  it('finds the top-k singular values within 1e-3 on a decaying spectrum, on every backend', () => {
    const { a, sigma } = decaying(300, 120, 60, 5);
    const k = 10;
    forEachBackend((label) => {
      forEachGemm((gemm) => {
        const out = nn.randomizedSvd(a, k, { seed: 1 });
        expect(out.U.rows).toBe(300);
        expect(out.U.cols).toBe(k);
        expect(out.Vt.rows).toBe(k);
        expect(out.Vt.cols).toBe(120);
        for (let j = 0; j < k; j++) expect(Math.abs(out.S[j]! - sigma[j]!) / sigma[j]!, `${label} ${gemm} σ${j}`).toBeLessThan(1e-3);
        expect(orthonormalityError(out.U), label).toBeLessThan(1e-5);
        expect(orthonormalityError(transpose(out.Vt)), label).toBeLessThan(1e-5);
      });
    });
  });

  it('is exact for a matrix whose rank is at most k + oversample, and matches svd up to sign convention', () => {
    // Rank 8 < l = 10: Y is rank-deficient, so Cholesky-QR fails and the Householder/LQ
    // fallback must still give an orthonormal basis.
    const { a } = decaying(90, 70, 8, 11);
    const exact = nn.svd(a);
    forEachBackend((label) => {
      const r = nn.randomizedSvd(a, 5, { seed: 3, oversample: 5, powerIters: 1 });
      expect(orthonormalityError(r.U), label).toBeLessThan(1e-5);
      for (let j = 0; j < 5; j++) expect(Math.abs(r.S[j]! - exact.S[j]!), label).toBeLessThan(1e-5);
    });
    const out = nn.randomizedSvd(a, 5, { seed: 3, oversample: 5, powerIters: 0 });
    for (let j = 0; j < 5; j++) expect(Math.abs(out.S[j]! - exact.S[j]!)).toBeLessThan(1e-5);
    for (let i = 0; i < 5 * 70; i++) expect(Math.abs(out.Vt.data[i]! - exact.Vt.data[i]!)).toBeLessThan(1e-3);
    // Rank-5 approximation error equals sigma_6 (Eckart–Young).
    const us = f64(out.U);
    for (let i = 0; i < us.rows; i++) for (let j = 0; j < 5; j++) us.data[i * 5 + j]! *= out.S[j]!;
    const approx = matmul(us, f64(out.Vt));
    let err = 0;
    for (let i = 0; i < approx.data.length; i++) err += (approx.data[i]! - a.data[i]!) ** 2;
    expect(Math.abs(Math.sqrt(err) - Math.sqrt(0.7 ** 10 + 0.7 ** 12 + 0.7 ** 14))).toBeLessThan(1e-4);
  });

  it('is reproducible from its seed and works for wide matrices', async () => {
    const { a } = decaying(40, 150, 30, 21);
    const one = nn.randomizedSvd(a, 6, { seed: 42 });
    const two = nn.randomizedSvd(a, 6, { seed: 42 });
    expect(two.S).toEqual(one.S);
    expect(two.U.data).toEqual(one.U.data);
    const three = await nn.randomizedSvdAsync(a, 6, { seed: 42 });
    expect(three.Vt.data).toEqual(one.Vt.data);
    const rng = new nn.Rng(42);
    expect(nn.randomizedSvd(a, 6, { rng }).S).toEqual(one.S);
    for (let j = 0; j < 6; j++) expect(Math.abs(one.S[j]! - 0.7 ** j) / 0.7 ** j).toBeLessThan(1e-3);
  });

  it('k = min(m, n) with oversampling capped', () => {
    const { a, sigma } = decaying(20, 12, 12, 8);
    forEachBackend((label) => {
      const out = nn.randomizedSvd(a, 12, { seed: 2 });
      for (let j = 0; j < 12; j++) expect(Math.abs(out.S[j]! - sigma[j]!) / sigma[j]!, label).toBeLessThan(1e-3);
    });
  });

  it('factors A − 1·cᵀ with `center` as if the centered matrix had been formed', async () => {
    // A large offset per column (pixel-like) on top of a known spectrum: centering by the offset
    // recovers the spectrum, and equals factoring the explicitly centered matrix.
    const { a: base, sigma } = decaying(400, 90, 40, 31);
    const center = Float32Array.from({ length: 90 }, (_, j) => 100 + (j % 7));
    const shifted = nn.matrix(400, 90);
    for (let i = 0; i < 400; i++) for (let j = 0; j < 90; j++) shifted.data[i * 90 + j] = base.data[i * 90 + j]! + center[j]!;
    forEachBackend((label) => {
      const implicit = nn.randomizedSvd(shifted, 8, { seed: 4, center });
      const explicit = nn.randomizedSvd(base, 8, { seed: 4 });
      for (let j = 0; j < 8; j++) {
        expect(Math.abs(implicit.S[j]! - sigma[j]!) / sigma[j]!, `${label} σ${j}`).toBeLessThan(1e-3);
        let dot = 0;
        for (let d = 0; d < 90; d++) dot += implicit.Vt.data[j * 90 + d]! * explicit.Vt.data[j * 90 + d]!;
        expect(dot, `${label} v${j}`).toBeGreaterThan(0.999);
      }
      expect(orthonormalityError(implicit.U), label).toBeLessThan(1e-4);
    });
    const again = await nn.randomizedSvdAsync(shifted, 8, { seed: 4, center });
    expect(again.S).toEqual(nn.randomizedSvd(shifted, 8, { seed: 4, center }).S);
    expect(() => nn.randomizedSvd(shifted, 8, { center: new Float32Array(89) })).toThrow(expect.objectContaining({ code: 'ERR_NNKIT_SHAPE' }));
    expect(() => nn.randomizedSvd(shifted, 8, { center: [1] as unknown as Float32Array })).toThrow(TypeError);
    const bad = center.slice();
    bad[3] = Number.NaN;
    expect(() => nn.randomizedSvd(shifted, 8, { center: bad })).toThrow(expect.objectContaining({ code: 'ERR_NNKIT_NONFINITE' }));
  });

  it('rejects bad input with codes', async () => {
    const { a } = decaying(20, 12, 5, 8);
    expect(() => nn.randomizedSvd(a, 13)).toThrow(expect.objectContaining({ code: 'ERR_NNKIT_RANGE' }));
    expect(() => nn.randomizedSvd(a, 0)).toThrow(expect.objectContaining({ code: 'ERR_NNKIT_RANGE' }));
    expect(() => nn.randomizedSvd(a, 2.5)).toThrow(RangeError);
    expect(() => nn.randomizedSvd(a, '3' as unknown as number)).toThrow(TypeError);
    expect(() => nn.randomizedSvd(a, 3, { powerIters: -1 })).toThrow(RangeError);
    expect(() => nn.randomizedSvd(a, 3, { rng: {} as nn.Rng })).toThrow(TypeError);
    // a has rank 5: a sixth component does not exist.
    forEachBackend((label) => {
      expect(() => nn.randomizedSvd(a, 6, { seed: 1 }), label).toThrow(expect.objectContaining({ code: 'ERR_NNKIT_RANGE' }));
      expect(() => nn.randomizedSvd(nn.matrix(20, 12), 1), label).toThrow(expect.objectContaining({ code: 'ERR_NNKIT_RANGE' }));
    });
    expect(nn.randomizedSvd(a, 5, { seed: 1 }).S[4]).toBeGreaterThan(0.2);
    const bad = nn.matrix(Float32Array.from(a.data), 20, 12);
    bad.data[3] = NaN;
    expect(() => nn.randomizedSvd(bad, 3)).toThrow(expect.objectContaining({ code: 'ERR_NNKIT_NONFINITE' }));
    await expect(nn.randomizedSvdAsync(bad, 3)).rejects.toMatchObject({ code: 'ERR_NNKIT_NONFINITE' });
    // Found through the product A·Ω, then named in A: an infinity of either sign, a row holding
    // both (their terms cancel to NaN), the last element, with or without centering.
    const cases: [number, number][][] = [[[7, Infinity]], [[200, -Infinity]], [[24, Infinity], [30, -Infinity]], [[239, NaN]]];
    for (const entries of cases)
      for (const center of [undefined, new Float32Array(12)]) {
        const m = nn.matrix(Float32Array.from(a.data), 20, 12);
        for (const [at, value] of entries) m.data[at] = value;
        const at = entries[0]![0];
        expect(() => nn.randomizedSvd(m, 3, { center })).toThrow(
          expect.objectContaining({ code: 'ERR_NNKIT_NONFINITE', argument: `A[${Math.floor(at / 12)}][${at % 12}]` }));
      }
  });
});
