import { describe, expect, it } from 'vitest';
import * as nn from '../../lib/index';
import { forEachGemm, lcg } from './reference';

/** Float64 reference: mean and Xcᵀ·Xc / N. */
function referenceCovariance(x: nn.Matrix, center: boolean): { mean: Float64Array; cov: Float64Array } {
  const { rows: n, cols: d } = x;
  const mean = new Float64Array(d);
  if (center) {
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += x.data[i * d + j]!;
    for (let j = 0; j < d; j++) mean[j]! /= n;
  }
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = x.data[i * d + j]! - mean[j]!;
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) cov[a * d + b]! += row[a]! * row[b]!;
  }
  for (let k = 0; k < d * d; k++) cov[k]! /= n;
  return { mean, cov };
}

function maxRelative(got: Float32Array, want: Float64Array): number {
  let scale = 0, err = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]!));
    err = Math.max(err, Math.abs(got[i]! - want[i]!));
  }
  return scale === 0 ? err : err / scale;
}

describe('covariance', () => {
  it('matches a float64 reference, also with a +200 offset, on every GEMM backend and SIMD path', () => {
    for (const [n, d, offset] of [[1100, 37, 200], [513, 300, 0], [3, 5, 200], [1, 4, 0]] as const) {
      const x = nn.matrix(lcg(n * d, n + d, -1 + offset, 1 + offset), n, d);
      const ref = referenceCovariance(x, true);
      forEachGemm((label) => {
        const mean = new Float32Array(d);
        const c = nn.covariance(x, { mean });
        expect(c.rows).toBe(d);
        expect(maxRelative(c.data, ref.cov), `${label} ${n}x${d}+${offset}`).toBeLessThan(2e-5);
        for (let j = 0; j < d; j++) expect(Math.abs(mean[j]! - ref.mean[j]!)).toBeLessThan(1e-4);
        for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) expect(c.data[a * d + b]).toBe(c.data[b * d + a]);
      });
    }
  });

  it('keeps precision with pixel-like data (0–255 with a tiny spread)', () => {
    // Values near 200 with variance ~1e-2: a float32 mean would lose most digits of the result.
    const n = 2000, d = 8;
    const x = nn.matrix(lcg(n * d, 7, 199.8, 200.2), n, d);
    const ref = referenceCovariance(x, true);
    forEachGemm((label) => {
      expect(maxRelative(nn.covariance(x).data, ref.cov), label).toBeLessThan(1e-4);
    });
  });

  it('center: false computes Xᵀ·X / N, and out is written in place', () => {
    const x = nn.matrix(lcg(600 * 9, 3), 600, 9);
    const ref = referenceCovariance(x, false);
    const out = new Float32Array(81);
    const mean = new Float32Array(9).fill(5);
    const c = nn.covariance(x, { center: false, out, mean });
    expect(c.data).toBe(out);
    expect(maxRelative(out, ref.cov)).toBeLessThan(2e-5);
    expect(Array.from(mean)).toEqual(new Array(9).fill(0));
  });

  it('does not depend on the thread count', () => {
    const x = nn.matrix(lcg(1500 * 40, 11, 0, 255), 1500, 40);
    const threads = nn.backend().threads;
    try {
      nn.setThreads(1);
      const one = nn.covariance(x).data;
      nn.setThreads(2);
      expect(nn.covariance(x).data).toEqual(one);
    } finally {
      nn.setThreads(threads);
    }
  });

  it('covarianceAsync gives the same result', async () => {
    const x = nn.matrix(lcg(800 * 21, 5, 0, 255), 800, 21);
    const sync = nn.covariance(x);
    const mean = new Float32Array(21);
    const asyncResult = await nn.covarianceAsync(x, { mean });
    expect(asyncResult.data).toEqual(sync.data);
    expect(mean[0]).toBeGreaterThan(100);
  });

  it('rejects bad input with codes', () => {
    const x = nn.matrix(lcg(20, 1), 5, 4);
    const bad = nn.matrix(lcg(20, 1), 5, 4);
    bad.data[7] = NaN;
    expect(() => nn.covariance(bad)).toThrow(expect.objectContaining({ code: 'ERR_NNKIT_NONFINITE' }));
    bad.data[7] = Infinity;
    expect(() => nn.covariance(bad)).toThrow(RangeError);
    expect(() => nn.covariance(x, { out: new Float32Array(15) })).toThrow(expect.objectContaining({ code: 'ERR_NNKIT_SHAPE' }));
    expect(() => nn.covariance(x, { mean: new Float32Array(5) })).toThrow(expect.objectContaining({ code: 'ERR_NNKIT_SHAPE' }));
    expect(() => nn.covariance(nn.matrix(0, 4))).toThrow(expect.objectContaining({ code: 'ERR_NNKIT_SHAPE' }));
    expect(() => nn.covariance(x, { center: 1 as unknown as boolean })).toThrow(TypeError);
    expect(() => nn.covariance(x, { out: x.data.subarray(0, 16) })).toThrow(expect.objectContaining({ code: 'ERR_NNKIT_ALIAS' }));
    return expect(nn.covarianceAsync(bad)).rejects.toMatchObject({ code: 'ERR_NNKIT_NONFINITE' });
  });
});
