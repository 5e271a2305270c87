/**
 * Issue 17, item 4: transforms reject NaN and ±Infinity by default, naming the first one's row
 * and column and writing nothing (in place included); checkFinite: false lets them through.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as nn from '../../lib/index';
import { forEachGemmBackendAsync, forEachSimdPath, lcg } from '../helpers';

const N = 37, D = 21; // not multiples of 8 or 16: the SIMD tails carry values too
const train = nn.matrix(lcg(N * D, 1, -3, 3), N, D);

type Step = { name: string; make: () => nn.Transformer; inPlace: boolean; inverse: boolean };
const steps: Step[] = [
  { name: 'Standardizer', make: () => new nn.Standardizer().fit(train), inPlace: true, inverse: true },
  { name: 'RangeScaler', make: () => new nn.RangeScaler({ range: [-1, 1] }).fit(train), inPlace: true, inverse: true },
  { name: 'PCA', make: () => new nn.PCA({ components: 5 }).fit(train), inPlace: false, inverse: true },
  { name: 'PCA zca', make: () => new nn.PCA({ whiten: 'zca' }).fit(train), inPlace: false, inverse: true },
  { name: 'Pipeline', make: () => new nn.Pipeline([new nn.Standardizer(), new nn.PCA({ components: 4, whiten: 'pca' })]).fit(train), inPlace: false, inverse: true },
];

function poisoned(row: number, col: number, value: number, rows = N, cols = D): nn.Matrix {
  const X = nn.matrix(lcg(rows * cols, 2), rows, cols);
  X.data[row * cols + col] = value;
  return X;
}

/** The error a call throws (sync) or rejects with (async). */
async function caught(fn: () => unknown): Promise<nn.NnkitRangeError> {
  try {
    await fn();
  } catch (e) {
    return e as nn.NnkitRangeError;
  }
  throw new Error('expected an error');
}

function expectNonFinite(e: nn.NnkitRangeError, row: number, col: number, what: string): void {
  expect(e, what).toBeInstanceOf(nn.NnkitRangeError);
  expect(e.code, what).toBe('ERR_NNKIT_NONFINITE');
  expect(e.argument, what).toBe(`X[${row}][${col}]`);
  expect(e.message, what).toMatch(/checkFinite: false/);
}

describe('transform rejects non-finite input (checkFinite, default true)', () => {
  for (const step of steps) {
    it(`${step.name}: transform and transformAsync name the first NaN/±Infinity and write nothing`, async () => {
      const s = step.make();
      const width = s.transform(nn.matrix(1, D)).cols;
      for (const [row, col, value] of [[0, 0, Number.NaN], [N - 1, D - 1, Infinity], [17, 20, -Infinity], [5, 9, Number.NaN]] as const) {
        const X = poisoned(row, col, value);
        expectNonFinite(await caught(() => s.transform(X)), row, col, `${step.name} fresh`);
        expectNonFinite(await caught(() => s.transformAsync!(X)), row, col, `${step.name} async`);
        // The caller's out: untouched.
        const out = nn.matrix(N, width);
        out.data.fill(7);
        expectNonFinite(await caught(() => s.transform(X, { out })), row, col, `${step.name} out`);
        expect(out.data.every((v) => v === 7), `${step.name} out untouched`).toBe(true);
        expectNonFinite(await caught(() => s.transformAsync!(X, { out })), row, col, `${step.name} async out`);
        expect(out.data.every((v) => v === 7), `${step.name} async out untouched`).toBe(true);
        if (step.inPlace) {
          const before = X.data.slice();
          expectNonFinite(await caught(() => s.transform(X, { inPlace: true })), row, col, `${step.name} in place`);
          expect(Buffer.compare(Buffer.from(X.data.buffer), Buffer.from(before.buffer)), `${step.name} X untouched`).toBe(0);
          expectNonFinite(await caught(() => s.transformAsync!(X, { inPlace: true })), row, col, `${step.name} async in place`);
          expect(Buffer.compare(Buffer.from(X.data.buffer), Buffer.from(before.buffer)), `${step.name} X untouched (async)`).toBe(0);
        }
        // The first one is named when there are several.
        if (row < N - 1) {
          X.data[(N - 1) * D + 3] = Number.NaN;
          expectNonFinite(await caught(() => s.transform(X)), row, col, `${step.name} first of two`);
        }
      }
    });

    it(`${step.name}: inverseTransform checks too; checkFinite: false lets NaN through`, async () => {
      const s = step.make();
      const Y = s.transform(nn.matrix(lcg(N * D, 3), N, D));
      Y.data[2 * Y.cols + 1] = Number.NaN;
      expectNonFinite(await caught(() => s.inverseTransform!(Y)), 2, 1, `${step.name} inverse`);
      expectNonFinite(await caught(() => s.inverseTransformAsync!(Y)), 2, 1, `${step.name} inverse async`);
      const through = s.transform(poisoned(3, 4, Number.NaN), { checkFinite: false });
      expect(Number.isNaN(through.data[3 * through.cols + (step.name.startsWith('PCA') || step.name === 'Pipeline' ? 0 : 4)])).toBe(true);
      expect(s.inverseTransform!(Y, { checkFinite: false }).data.some(Number.isNaN)).toBe(true);
    });
  }

  it('finds the first non-finite value at every position on every SIMD path (fused and scanning kernels)', () => {
    const s = new nn.Standardizer().fit(train);
    forEachSimdPath((path) => {
      for (let i = 0; i < N * D; i += 13) {
        const X = poisoned(Math.floor(i / D), i % D, i % 2 ? Infinity : Number.NaN);
        expectNonFinite(expectThrows(() => s.transform(X)), Math.floor(i / D), i % D, `${path} fused i=${i}`);
        expectNonFinite(expectThrows(() => s.transform(X, { inPlace: true })), Math.floor(i / D), i % D, `${path} scan i=${i}`);
      }
      // Large enough for several tasks of the parallel kernels: the first bad value wins, whatever the thread that finds it.
      const big = nn.matrix(lcg(3000 * 300, 4), 3000, 300), wide = new nn.Standardizer().fit(nn.matrix(lcg(300 * 4, 5), 4, 300));
      big.data[2999 * 300 + 299] = Number.NaN;
      big.data[1234 * 300 + 5] = -Infinity;
      expectNonFinite(expectThrows(() => wide.transform(big)), 1234, 5, `${path} big fused`);
      expectNonFinite(expectThrows(() => wide.transform(big, { inPlace: true })), 1234, 5, `${path} big scan`);
    });
  });

  it('PCA into new storage: the check of the product finds a NaN late in X (past the first BLAS block), and agrees with the unchecked bits', async () => {
    // Into new storage PCA.transform checks its N × k product, not X, and scans X only to name
    // the cell. With BLAS the product runs over centered blocks of 2^22 floats: 1400 columns
    // make blocks of 2995 rows, so row 3050 lies in the second, after the first block's rows of
    // the output were written; the built-in GEMM centers as it packs.
    const rows = 3100, cols = 1400;
    const X = nn.matrix(lcg(rows * cols, 6, -2, 2), rows, cols);
    const pca = new nn.PCA({ components: 3, solver: 'randomized' }).fit(X);
    const bad = nn.matrix(X.data.slice(), rows, cols);
    bad.data[3050 * cols + 777] = Number.NaN;
    await forEachGemmBackendAsync(async (backend) => {
      const clean = pca.transform(X);
      expect(Buffer.compare(Buffer.from(clean.data.buffer), Buffer.from(pca.transform(X, { checkFinite: false }).data.buffer)), backend).toBe(0);
      expectNonFinite(expectThrows(() => pca.transform(bad)), 3050, 777, `${backend} new storage`);
      expectNonFinite(await caught(() => pca.transformAsync(bad)), 3050, 777, `${backend} new storage, async`);
      const out = nn.matrix(rows, 3);
      out.data.fill(7);
      expectNonFinite(expectThrows(() => pca.transform(bad, { out })), 3050, 777, `${backend} into out: scan first`);
      expect(out.data.every((v) => v === 7), `${backend} out untouched`).toBe(true);
    });
  });

  it('finite input gives the same bits with the check on and off (property)', () => {
    const s = new nn.Standardizer().fit(train);
    fc.assert(fc.property(fc.float32Array({ minLength: D, maxLength: D * 6, noNaN: true, noDefaultInfinity: true }), (values) => {
      const rows = Math.floor(values.length / D), X = nn.matrix(values.slice(0, rows * D), rows, D);
      const a = s.transform(X), b = s.transform(X, { checkFinite: false }), c = s.transform(nn.matrix(X.data.slice(), rows, D), { inPlace: true });
      expect(Buffer.compare(Buffer.from(a.data.buffer), Buffer.from(b.data.buffer))).toBe(0);
      expect(Buffer.compare(Buffer.from(a.data.buffer), Buffer.from(c.data.buffer))).toBe(0);
    }), { numRuns: 50 });
  });

  it('rejects a checkFinite that is not a boolean, and knows sklearn\'s names for it', () => {
    const s = new nn.Standardizer().fit(train);
    expect(() => s.transform(train, { checkFinite: 0 as unknown as boolean })).toThrow(/checkFinite/);
    expect(() => s.transform(train, { ensure_all_finite: false } as unknown as nn.TransformOptions)).toThrow(/'checkFinite'/);
  });
});

function expectThrows(fn: () => unknown): nn.NnkitRangeError {
  try {
    fn();
  } catch (e) {
    return e as nn.NnkitRangeError;
  }
  throw new Error('expected an error');
}
