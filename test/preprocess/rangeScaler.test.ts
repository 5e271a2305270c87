import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as nn from '../../lib/index';
import { expectCoded, forEachSimdPath } from '../helpers';
import { maxAbsError, offsetData, rowSlice } from './reference';

/** Float64 per-column min and max. */
function columnRange(X: nn.Matrix): { min: number[]; max: number[] } {
  const min: number[] = Array(X.cols).fill(Infinity), max: number[] = Array(X.cols).fill(-Infinity);
  for (let k = 0; k < X.data.length; k++) {
    const j = k % X.cols;
    min[j] = Math.min(min[j]!, X.data[k]!);
    max[j] = Math.max(max[j]!, X.data[k]!);
  }
  return { min, max };
}

describe('nn.RangeScaler', () => {
  it('maps each column min → lo and max → hi on every SIMD path', () => {
    forEachSimdPath((path) => {
      for (const [rows, cols, lo, hi] of [[1025, 9, -1, 1], [17, 33, 0, 1], [2100, 260, -5, 3]] as const) {
        const X = offsetData(rows, cols, rows, 100);
        const ref = columnRange(X);
        const s = new nn.RangeScaler({ range: [lo, hi] }).fit(X);
        expect([...s.min]).toEqual(ref.min);
        expect([...s.max]).toEqual(ref.max);
        const Y = s.transform(X);
        let worst = 0;
        for (let k = 0; k < X.data.length; k++) {
          const j = k % cols;
          const expected = lo + ((X.data[k]! - ref.min[j]!) * (hi - lo)) / (ref.max[j]! - ref.min[j]!);
          worst = Math.max(worst, Math.abs(Y.data[k]! - expected));
        }
        expect(worst, `${path} ${rows}x${cols}`).toBeLessThan(1e-5 * (hi - lo));
        const back = s.inverseTransform(Y);
        expect(maxAbsError(back.data, X.data), path).toBeLessThan(1e-4 * 100);
      }
    });
  });

  it('maps a constant column to the midpoint and back to the constant', () => {
    const X = offsetData(10, 3, 2);
    for (let i = 0; i < 10; i++) X.data[i * 3 + 1] = -7;
    const s = new nn.RangeScaler({ range: [0, 10] }).fit(X);
    const Y = s.transform(X);
    for (let i = 0; i < 10; i++) expect(Y.data[i * 3 + 1]).toBe(5);
    expect(Y.data.every(Number.isFinite)).toBe(true);
    const back = s.inverseTransform(Y);
    for (let i = 0; i < 10; i++) expect(back.data[i * 3 + 1]).toBe(-7);
    const single = nn.matrix(new Float32Array([4, 5]), 1, 2);
    expect([...new nn.RangeScaler().fitTransform(single).data]).toEqual([0, 0]);
  });

  it('partialFit and merge over any split equal the one-shot fit exactly', () => {
    const X = offsetData(300, 7, 4, 20);
    const whole = new nn.RangeScaler().fit(X);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 299 }), { maxLength: 6 }), fc.boolean(), (cuts, viaMerge) => {
        const bounds = [0, ...cuts.sort((a, b) => a - b), 300];
        const s = new nn.RangeScaler();
        for (let b = 0; b + 1 < bounds.length; b++) {
          const chunk = rowSlice(X, bounds[b]!, bounds[b + 1]!);
          if (viaMerge) s.merge(new nn.RangeScaler().fit(chunk));
          else s.partialFit(chunk);
        }
        expect(s.min).toEqual(whole.min);
        expect(s.max).toEqual(whole.max);
        expect(s.count).toBe(300);
      }),
      { numRuns: 40 },
    );
  });

  it('fitAsync equals fit; in place equals out of place', async () => {
    const X = offsetData(500, 13, 6, -3);
    const a = new nn.RangeScaler().fit(X), b = await new nn.RangeScaler().fitAsync(X);
    expect(b.min).toEqual(a.min);
    expect(b.max).toEqual(a.max);
    const copy = nn.matrix(X.data.slice(), 500, 13);
    expect(a.transform(copy, { inPlace: true }).data).toEqual(a.transform(X).data);
  });

  it('has coded errors for bad options, state and shapes', () => {
    expectCoded(() => new nn.RangeScaler({ range: [1, 1] }), 'ERR_NNKIT_RANGE');
    expectCoded(() => new nn.RangeScaler({ range: [0, Infinity] }), 'ERR_NNKIT_NONFINITE');
    expectCoded(() => new nn.RangeScaler({ range: 3 as never }), 'ERR_NNKIT_TYPE', TypeError);
    const s = new nn.RangeScaler();
    expectCoded(() => s.transform(offsetData(2, 2, 1)), 'ERR_NNKIT_STATE');
    expectCoded(() => s.min, 'ERR_NNKIT_STATE');
    s.fit(offsetData(3, 2, 1));
    expectCoded(() => s.transform(offsetData(2, 3, 1)), 'ERR_NNKIT_SHAPE');
    expectCoded(() => s.merge(new nn.RangeScaler().fit(offsetData(2, 3, 1))), 'ERR_NNKIT_SHAPE');
    const bad = offsetData(3, 2, 1);
    bad.data[3] = NaN;
    expectCoded(() => new nn.RangeScaler().fit(bad), 'ERR_NNKIT_NONFINITE');
  });
});
