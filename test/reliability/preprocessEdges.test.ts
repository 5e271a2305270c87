/**
 * Numerical edge cases of the preprocessing steps, against float64 references written here and
 * the results their TSDoc promises: a single sample, constant data, zero-variance columns,
 * rank-deficient data (N < D), a large offset (1e4 + noise of std ~6e-3), a denormal spread.
 */
import { describe, expect, it } from 'vitest';
import * as nn from '../../lib/index';
import { forEachSimdPath, lcg } from '../helpers';

/** Float64 column means and population stds. */
function moments(X: nn.Matrix): { mean: Float64Array; std: Float64Array } {
  const { rows: n, cols: d } = X;
  const mean = new Float64Array(d), std = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] = mean[j]! + X.data[i * d + j]! / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) std[j] = std[j]! + (X.data[i * d + j]! - mean[j]!) ** 2 / n;
  return { mean, std: std.map(Math.sqrt) };
}

const offsetData = (n: number, d: number, seed: number) =>
  nn.matrix(Float32Array.from(lcg(n * d, seed), (v, i) => 1e4 * (1 + (i % d)) + v * 1e-2), n, d);

const finite = (m: nn.Matrix) => m.data.every(Number.isFinite);

describe('preprocessing edge cases', () => {
  it('large offset (1e4 + noise): Standardizer moments and transform match float64 (the float32 mean alone was off by 6%)', () => {
    const X = offsetData(500, 3, 1);
    const ref = moments(X);
    forEachSimdPath((path) => {
      const s = new nn.Standardizer().fit(X);
      for (let j = 0; j < 3; j++) {
        expect(Math.abs(s.std[j]! - ref.std[j]!) / ref.std[j]!, path).toBeLessThan(1e-5);
        expect(s.mean[j]).toBe(Math.fround(ref.mean[j]!));
      }
      const Y = s.transform(X);
      let worst = 0;
      for (let i = 0; i < X.rows; i++)
        for (let j = 0; j < 3; j++) worst = Math.max(worst, Math.abs(Y.data[i * 3 + j]! - (X.data[i * 3 + j]! - ref.mean[j]!) / ref.std[j]!));
      expect(worst, path).toBeLessThan(1e-5);
      // the inverse lands on the input to its float32 rounding (ulp(3e4)/2 ≈ 1e-3)
      const back = s.inverseTransform(Y);
      for (let i = 0; i < X.data.length; i++) expect(Math.abs(back.data[i]! - X.data[i]!)).toBeLessThanOrEqual(2e-3);
    });
  });

  it('large offset: PCA transform matches the float64 projection on its components; eigenvalues sum to the float64 trace', () => {
    const X = offsetData(400, 4, 2);
    const ref = moments(X);
    const p = new nn.PCA().fit(X);
    const U = p.components, k = U.cols;
    const Z = p.transform(X);
    let worst = 0, scale = 0;
    for (let i = 0; i < X.rows; i++)
      for (let c = 0; c < k; c++) {
        let z = 0;
        for (let j = 0; j < 4; j++) z += (X.data[i * 4 + j]! - ref.mean[j]!) * U.data[j * k + c]!;
        worst = Math.max(worst, Math.abs(Z.data[i * k + c]! - z));
        scale = Math.max(scale, Math.abs(z));
      }
    expect(worst / scale).toBeLessThan(1e-5);
    const trace = ref.std.reduce((a, s) => a + s * s, 0);
    expect(Math.abs(p.eigenvalues.reduce((a, b) => a + b, 0) - trace) / trace).toBeLessThan(1e-4);
  });

  it('a single sample and constant data: zero spread, transforms of exactly 0 / the midpoint, inverses give the data back', () => {
    for (const X of [nn.matrix(new Float32Array([3, -1e4, 0.5]), 1, 3), nn.matrix(new Float32Array(15).fill(7.25), 5, 3)]) {
      const s = new nn.Standardizer().fit(X);
      expect(Array.from(s.std)).toEqual([0, 0, 0]);
      const Y = s.transform(X);
      expect(Array.from(Y.data).every((v) => v === 0)).toBe(true);
      expect(Array.from(s.inverseTransform(Y).data)).toEqual(Array.from(X.data));

      const r = new nn.RangeScaler({ range: [-1, 3] }).fit(X);
      const R = r.transform(X);
      expect(Array.from(R.data).every((v) => v === 1)).toBe(true); // (lo + hi) / 2
      expect(Array.from(r.inverseTransform(R).data)).toEqual(Array.from(X.data));

      for (const whiten of [false, 'pca', 'zca'] as const) {
        const p = new nn.PCA({ whiten }).fit(X);
        expect(Array.from(p.eigenvalues)).toEqual([0, 0, 0]);
        expect(Array.from(p.explainedVarianceRatio)).toEqual([0, 0, 0]);
        const Z = p.transform(X);
        expect(Array.from(Z.data).every((v) => v === 0), `${whiten}`).toBe(true);
        const back = p.inverseTransform(Z);
        expect(finite(back)).toBe(true);
        for (let i = 0; i < X.data.length; i++) expect(back.data[i]).toBe(X.data[i]);
      }
    }
  });

  it('a zero-variance column among varying ones: centered to 0 (Standardizer, also with eps 0), a zero eigenvalue that whitens to 0 (PCA)', () => {
    const n = 50, d = 4;
    const X = nn.matrix(Float32Array.from(lcg(n * d, 3), (v, i) => (i % d === 2 ? 5 : v)), n, d);
    const ref = moments(X);
    for (const eps of [1e-8, 0]) {
      const Y = new nn.Standardizer({ eps }).fit(X).transform(X);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < d; j++) {
          const want = j === 2 ? 0 : (X.data[i * d + j]! - ref.mean[j]!) / ref.std[j]!;
          expect(Math.abs(Y.data[i * d + j]! - want)).toBeLessThan(1e-5);
        }
    }
    const p = new nn.PCA({ whiten: 'pca' }).fit(X);
    const ev = p.eigenvalues;
    expect(Math.abs(ev[d - 1]!)).toBeLessThan(1e-6 * ev[0]!);
    const Z = p.transform(X);
    expect(finite(Z)).toBe(true);
    // whitened variance: 1/(1 + eps/λ) for the 3 real directions, and ~0 for the null one
    for (let c = 0; c < d; c++) {
      let v = 0;
      for (let i = 0; i < n; i++) v += Z.data[i * d + c]! ** 2 / n;
      if (c < d - 1) expect(v).toBeCloseTo(ev[c]! / (ev[c]! + 1e-5), 3);
      else expect(v).toBeLessThan(1e-3);
    }
  });

  it('rank-deficient data (N = 3 < D = 8): N − 1 positive eigenvalues, the rest 0 to rounding, finite whitening, exact round trip on the data', () => {
    const n = 3, d = 8;
    const X = nn.matrix(lcg(n * d, 4), n, d);
    const ref = moments(X);
    const trace = ref.std.reduce((a, s) => a + s * s, 0);
    for (const whiten of [false, 'pca', 'zca'] as const) {
      const p = new nn.PCA({ whiten, solver: 'exact' }).fit(X);
      const ev = p.eigenvalues;
      expect(ev[0]! >= ev[1]! && ev[1]! > 1e-3 * ev[0]!).toBe(true);
      for (let c = n - 1; c < d; c++) expect(Math.abs(ev[c]!)).toBeLessThan(1e-5 * ev[0]!);
      expect(Math.abs(ev.reduce((a, b) => a + b, 0) - trace) / trace).toBeLessThan(1e-5);
      const Z = p.transform(X);
      expect(finite(Z)).toBe(true);
      const back = p.inverseTransform(Z);
      for (let i = 0; i < X.data.length; i++) expect(Math.abs(back.data[i]! - X.data[i]!)).toBeLessThan(1e-4);
    }
    // only the first N − 1 components carry variance: keeping them loses nothing
    const p2 = new nn.PCA({ components: n - 1 }).fit(X);
    const back = p2.inverseTransform(p2.transform(X));
    for (let i = 0; i < X.data.length; i++) expect(Math.abs(back.data[i]! - X.data[i]!)).toBeLessThan(1e-5);
  });

  it('a denormal spread: RangeScaler treats the column as constant (midpoint) instead of NaN/Infinity', () => {
    const X = nn.matrix(new Float32Array([1e-40, 5, 3e-40, 6, 2e-40, 7]), 3, 2);
    const Y = new nn.RangeScaler().fit(X).transform(X);
    expect(Array.from(Y.data)).toEqual([0, -1, 0, 0, 0, 1]);
    // a tiny but representable spread still scales: (1e-30 spread) · 2 / 1e-30
    const Z = new nn.RangeScaler().fit(nn.matrix(new Float32Array([1e-30, 2e-30]), 2, 1)).transform(nn.matrix(new Float32Array([1e-30, 2e-30]), 2, 1));
    expect(Array.from(Z.data).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([-1, 1]);
  });

  it('whitening with a denormal eps on rank-deficient data: null directions whiten to 0, not Inf·0 = NaN', () => {
    const X = nn.matrix(Float32Array.from(lcg(24, 6)), 4, 6);
    for (const whiten of ['pca', 'zca'] as const) {
      const Z = new nn.PCA({ whiten, eps: 5e-324, solver: 'exact' }).fitTransform(X);
      expect(finite(Z), whiten).toBe(true);
    }
  });

  it('RangeScaler target ranges must stay within ±1e38 (rounding next to 3.4e38 gave +Infinity); documents too', () => {
    expect(() => new nn.RangeScaler({ range: [0, 3.4e38] })).toThrow(expect.objectContaining({ code: 'ERR_NNKIT_RANGE' }));
    const X = nn.matrix(lcg(21, 7), 7, 3);
    const Y = new nn.RangeScaler({ range: [-1e38, 1e38] }).fitTransform(X);
    expect(finite(Y)).toBe(true);
    const doc = new nn.RangeScaler().fit(X).toJSON() as unknown as Record<string, unknown>;
    expect(() => nn.RangeScaler.fromJSON({ ...doc, range: [0, 3.4e38] })).toThrow(expect.objectContaining({ code: 'ERR_NNKIT_FORMAT' }));
  });
});
