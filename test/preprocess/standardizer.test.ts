import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as nn from '../../lib/index';
import { expectCoded, forEachSimdPath, lcg, withThreads } from '../helpers';
import { columnStats, groupStats, maxAbsError, maxRelError, offsetData, rowSlice } from './reference';

const shapes: [number, number][] = [[1, 1], [3, 7], [5, 8], [17, 33], [1025, 9], [2100, 300]];

describe('nn.Standardizer', () => {
  it('matches float64 mean, population std and (x − mean) / std on every SIMD path, with a large offset', () => {
    forEachSimdPath((path) => {
      for (const [rows, cols] of shapes) {
        const X = offsetData(rows, cols, rows + cols, 1e4);
        const ref = columnStats(X);
        const s = new nn.Standardizer().fit(X);
        expect(s.count).toBe(rows);
        expect(maxAbsError(s.mean, ref.mean), `${path} ${rows}x${cols} mean`).toBeLessThan(1e4 * 1e-7);
        if (rows > 1) expect(maxRelError(s.std, ref.std), `${path} ${rows}x${cols} std`).toBeLessThan(1e-6);
        const Y = s.transform(X);
        let worst = 0;
        for (let i = 0; i < rows; i++)
          for (let j = 0; j < cols; j++) {
            const d = ref.std[j]! > 1e-8 ? ref.std[j]! : 1;
            const expected = (X.data[i * cols + j]! - ref.mean[j]!) / d;
            // The input is float32 near 1e4: rounding the mean to float32 (5e-4) over std bounds the error.
            worst = Math.max(worst, Math.abs(Y.data[i * cols + j]! - expected) * d);
          }
        expect(worst, `${path} ${rows}x${cols}`).toBeLessThan(1e-3);
      }
    });
  });

  it('standardized training data has mean 0 and std 1 per column (float64 check)', () => {
    const X = offsetData(3001, 37, 5, 128);
    const Y = new nn.Standardizer().fitTransform(X);
    const stats = columnStats(Y);
    for (let j = 0; j < 37; j++) {
      expect(Math.abs(stats.mean[j]!)).toBeLessThan(1e-5);
      expect(Math.abs(stats.std[j]! - 1)).toBeLessThan(1e-5);
    }
  });

  it('maps a zero-variance column to 0 (std reported as 0, divided by 1), never Inf/NaN', () => {
    const X = offsetData(50, 4, 1, 0);
    for (let i = 0; i < 50; i++) X.data[i * 4 + 2] = 255;
    const s = new nn.Standardizer().fit(X);
    expect(s.std[2]).toBe(0);
    expect(s.mean[2]).toBe(255);
    const Y = s.transform(X);
    for (let i = 0; i < 50; i++) expect(Y.data[i * 4 + 2]).toBe(0);
    expect(Y.data.every(Number.isFinite)).toBe(true);
    // eps decides what counts as zero variance: a tiny std is divided by 1 when below eps.
    const tiny = nn.matrix(new Float32Array([1, 1 + 2 ** -20, 1, 1 + 2 ** -20]), 4, 1);
    const strict = new nn.Standardizer({ eps: 0 }).fit(tiny).transform(tiny);
    const loose = new nn.Standardizer({ eps: 1e-3 }).fit(tiny).transform(tiny);
    expect(Math.abs(strict.data[1]! - 1)).toBeLessThan(1e-3);
    expect(Math.abs(loose.data[1]! - 2 ** -21)).toBeLessThan(1e-9);
  });

  it('a single sample and constant data give zeros and finite attributes', () => {
    const one = nn.matrix(new Float32Array([3, -1, 7]), 1, 3);
    const s = new nn.Standardizer().fit(one);
    expect([...s.std]).toEqual([0, 0, 0]);
    expect([...s.transform(one).data]).toEqual([0, 0, 0]);
    const constant = nn.matrix(new Float32Array(60).fill(42), 20, 3);
    expect([...new nn.Standardizer().fitTransform(constant).data].every((v) => v === 0)).toBe(true);
  });

  it("mode 'scalar' uses one mean and std over every value", () => {
    const X = offsetData(40, 12, 3, 100);
    const ref = groupStats(X, 1, () => 0);
    const s = new nn.Standardizer({ mode: 'scalar' }).fit(X);
    expect(s.mean.length).toBe(1);
    expect(Math.abs(s.mean[0]! - ref.mean[0]!)).toBeLessThan(1e-4);
    expect(maxRelError(s.std, ref.std)).toBeLessThan(1e-6);
    const Y = s.transform(X);
    for (let k = 0; k < X.data.length; k++)
      expect(Math.abs(Y.data[k]! - (X.data[k]! - ref.mean[0]!) / ref.std[0]!)).toBeLessThan(1e-5);
  });

  it("mode 'channel' uses one mean and std per channel of channels-last data", () => {
    const X = offsetData(30, 4 * 4 * 3, 4, 120);
    const ref = groupStats(X, 3, (j) => j % 3);
    const s = new nn.Standardizer({ mode: 'channel', channels: 3 }).fit(X);
    expect(s.mean.length).toBe(3);
    expect(maxRelError(s.mean, ref.mean)).toBeLessThan(1e-7);
    expect(maxRelError(s.std, ref.std)).toBeLessThan(1e-6);
    const Y = s.transform(X);
    for (let k = 0; k < X.data.length; k++) {
      const c = (k % X.cols) % 3;
      expect(Math.abs(Y.data[k]! - (X.data[k]! - ref.mean[c]!) / ref.std[c]!)).toBeLessThan(1e-5);
    }
    expectCoded(() => new nn.Standardizer({ mode: 'channel', channels: 5 }).fit(X), 'ERR_NNKIT_SHAPE');
  });

  it('center: false and scale: false do only the other half', () => {
    const X = offsetData(20, 5, 9, 10);
    const ref = columnStats(X);
    const onlyScale = new nn.Standardizer({ center: false }).fitTransform(X);
    const onlyCenter = new nn.Standardizer({ scale: false }).fitTransform(X);
    for (let k = 0; k < X.data.length; k++) {
      const j = k % 5;
      expect(Math.abs(onlyScale.data[k]! - X.data[k]! / ref.std[j]!)).toBeLessThan(1e-5 * Math.abs(X.data[k]! / ref.std[j]!) + 1e-6);
      expect(Math.abs(onlyCenter.data[k]! - (X.data[k]! - ref.mean[j]!))).toBeLessThan(1e-5);
    }
  });

  it('transforms in place, into out, and back with inverseTransform', () => {
    const X = offsetData(300, 19, 2, 50);
    const s = new nn.Standardizer().fit(X);
    const fresh = s.transform(X);
    const out = nn.matrix(300, 19);
    expect(s.transform(X, { out })).toBe(out);
    expect(out.data).toEqual(fresh.data);
    const copy = nn.matrix(X.data.slice(), 300, 19);
    const inPlace = s.transform(copy, { inPlace: true });
    expect(inPlace).toBe(copy);
    expect(inPlace.data).toEqual(fresh.data);
    const back = s.inverseTransform(fresh);
    expect(maxAbsError(back.data, X.data)).toBeLessThan(5e-5 * 60);
    // A Float32Array view with a byte offset works as out.
    const big = new Float32Array(300 * 19 + 3);
    s.transform(X, { out: big.subarray(3) });
    expect(big.subarray(3)).toEqual(fresh.data);
  });

  it('gives the same statistics for every thread count and for fitAsync', async () => {
    const X = offsetData(2500, 70, 6, 3);
    const one = withThreads(1, () => new nn.Standardizer().fit(X));
    const two = withThreads(2, () => new nn.Standardizer().fit(X));
    const five = withThreads(5, () => new nn.Standardizer().fit(X));
    expect(two.mean).toEqual(one.mean);
    expect(five.std).toEqual(one.std);
    const viaAsync = await new nn.Standardizer().fitAsync(X);
    expect(viaAsync.mean).toEqual(one.mean);
    expect(viaAsync.std).toEqual(one.std);
  });

  it('partialFit over any split, and merge of any partition, equal the one-shot fit (1e-5 relative)', () => {
    const rows = 700, cols = 11;
    const X = offsetData(rows, cols, 8, 255);
    const whole = new nn.Standardizer().fit(X);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: rows - 1 }), { maxLength: 8 }), fc.boolean(), (cuts, viaMerge) => {
        const bounds = [0, ...cuts.sort((a, b) => a - b), rows];
        let s = new nn.Standardizer();
        for (let b = 0; b + 1 < bounds.length; b++) {
          const chunk = rowSlice(X, bounds[b]!, bounds[b + 1]!);
          if (viaMerge) s = s.merge(new nn.Standardizer().fit(chunk));
          else s.partialFit(chunk);
        }
        expect(s.count).toBe(rows);
        expect(maxRelError(s.mean, whole.mean)).toBeLessThan(1e-5);
        expect(maxRelError(s.std, whole.std)).toBeLessThan(1e-5);
      }),
      { numRuns: 60 },
    );
  });

  it('merge works for scalar and channel modes and skips unfitted partners', () => {
    const X = offsetData(90, 12, 11, 30);
    for (const opts of [{ mode: 'scalar' as const }, { mode: 'channel' as const, channels: 4 }]) {
      const whole = new nn.Standardizer(opts).fit(X);
      const merged = new nn.Standardizer(opts).fit(rowSlice(X, 0, 31)).merge(new nn.Standardizer(opts).fit(rowSlice(X, 31, 90)));
      merged.merge(new nn.Standardizer(opts));
      expect(maxRelError(merged.mean, whole.mean)).toBeLessThan(1e-6);
      expect(maxRelError(merged.std, whole.std)).toBeLessThan(1e-6);
    }
  });

  it('refuses the notes pitfall: no transform before fit, no transform of another width', () => {
    const s = new nn.Standardizer();
    const X = offsetData(4, 3, 1);
    expectCoded(() => s.transform(X), 'ERR_NNKIT_STATE');
    expectCoded(() => s.inverseTransform(X), 'ERR_NNKIT_STATE');
    expectCoded(() => s.mean, 'ERR_NNKIT_STATE');
    expect(s.count).toBe(0);
    s.fit(X);
    expectCoded(() => s.transform(offsetData(4, 4, 1)), 'ERR_NNKIT_SHAPE');
    expectCoded(() => s.partialFit(offsetData(4, 2, 1)), 'ERR_NNKIT_SHAPE');
    expectCoded(() => s.merge(new nn.Standardizer().fit(offsetData(3, 5, 1))), 'ERR_NNKIT_SHAPE');
    // transform never changes the statistics.
    const before = s.mean;
    s.transform(offsetData(10, 3, 99, 1000));
    expect(s.mean).toEqual(before);
  });

  it('rejects bad input with coded errors', () => {
    const X = offsetData(6, 3, 1);
    expectCoded(() => new nn.Standardizer({ eps: -1 }), 'ERR_NNKIT_RANGE');
    expectCoded(() => new nn.Standardizer({ eps: NaN }), 'ERR_NNKIT_NONFINITE');
    expectCoded(() => new nn.Standardizer({ mode: 'pixel' as never }), 'ERR_NNKIT_RANGE');
    expectCoded(() => new nn.Standardizer({ mode: 'channel' }), 'ERR_NNKIT_TYPE', TypeError);
    expectCoded(() => new nn.Standardizer({ channels: 3 }), 'ERR_NNKIT_RANGE');
    expectCoded(() => new nn.Standardizer({ center: 1 as never }), 'ERR_NNKIT_TYPE', TypeError);
    expectCoded(() => new nn.Standardizer().fit(nn.matrix(0, 3)), 'ERR_NNKIT_SHAPE');
    expectCoded(() => new nn.Standardizer().fit({ data: new Float32Array(5), rows: 2, cols: 3 }), 'ERR_NNKIT_SHAPE');
    expectCoded(() => new nn.Standardizer().fit({ data: new Float64Array(6), rows: 2, cols: 3 } as never), 'ERR_NNKIT_TYPE', TypeError);
    const bad = nn.matrix(lcg(18, 1), 6, 3);
    bad.data[7] = NaN;
    expectCoded(() => new nn.Standardizer().fit(bad), 'ERR_NNKIT_NONFINITE');
    bad.data[7] = -Infinity;
    expectCoded(() => new nn.Standardizer().partialFit(bad), 'ERR_NNKIT_NONFINITE');
    const s = new nn.Standardizer().fit(X);
    expectCoded(() => s.transform(X, { out: nn.matrix(6, 4) }), 'ERR_NNKIT_SHAPE');
    expectCoded(() => s.transform(X, { inPlace: true, out: nn.matrix(6, 3) }), 'ERR_NNKIT_RANGE');
    expectCoded(() => s.transform(X, { out: new Float32Array(17) }), 'ERR_NNKIT_SHAPE');
    // out may be X's own array: the same as inPlace.
    expect(s.transform(nn.matrix(X.data.slice(), 6, 3), { out: X.data }).data).toBe(X.data);
    const shared = new Float32Array(30);
    const overlapping = nn.matrix(shared.subarray(0, 18), 6, 3);
    expectCoded(() => s.transform(overlapping, { out: shared.subarray(3, 21) }), 'ERR_NNKIT_ALIAS');
    expectCoded(() => s.merge(new nn.RangeScaler() as never), 'ERR_NNKIT_TYPE', TypeError);
    expectCoded(() => s.merge(new nn.Standardizer({ mode: 'scalar' })), 'ERR_NNKIT_RANGE');
  });
});
