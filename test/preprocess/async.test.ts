/**
 * transformAsync / inverseTransformAsync of Standardizer, RangeScaler, PCA and Pipeline: the
 * bits of the sync calls on every SIMD path (and GEMM backend for PCA), the result written only
 * when the Promise settles, the fitted state captured at the call, the sync codes as
 * rejections, and a free event loop during a large PCA projection.
 */
import { describe, expect, it } from 'vitest';
import * as nn from '../../lib/index';
import { forEachGemmBackendAsync, forEachSimdPathAsync, ticksDuring, wordsOf } from '../helpers';
import { offsetData, spectrumData } from './reference';

const code = (c: string) => expect.objectContaining({ code: c });

function sameWords(a: Float32Array, b: Float32Array): number {
  const x = wordsOf(a), y = wordsOf(b);
  if (x.length !== y.length) return -1;
  let differing = 0;
  for (let i = 0; i < y.length; i++) if (x[i] !== y[i]) differing++;
  return differing;
}

describe('Standardizer and RangeScaler async transforms', () => {
  it('give the sync bits (every SIMD path, out, inPlace, every Standardizer mode)', async () => {
    const X = offsetData(75, 12, 1, 100), test = offsetData(31, 12, 2, 90);
    const steps = [
      new nn.Standardizer().fit(X), new nn.Standardizer({ mode: 'scalar' }).fit(X),
      new nn.Standardizer({ mode: 'channel', channels: 3 }).fit(X), new nn.Standardizer({ scale: false }).fit(X),
      new nn.RangeScaler().fit(X), new nn.RangeScaler({ range: [0, 255] }).fit(X),
    ];
    await forEachSimdPathAsync(async () => {
      for (const step of steps) {
        const want = step.transform(test);
        expect(sameWords((await step.transformAsync(test)).data, want.data)).toBe(0);
        const out = nn.matrix(31, 12);
        expect((await step.transformAsync(test, { out })).data).toBe(out.data);
        expect(sameWords(out.data, want.data)).toBe(0);
        const copy = nn.matrix(test.data.slice(), 31, 12);
        expect(await step.transformAsync(copy, { inPlace: true })).toBe(copy);
        expect(sameWords(copy.data, want.data)).toBe(0);
        expect(sameWords((await step.inverseTransformAsync(want)).data, step.inverseTransform(want).data)).toBe(0);
      }
    });
  });

  it('write the result only when the Promise settles and use the statistics fitted at the call', async () => {
    const X = offsetData(64, 8, 3, 10), Y = offsetData(40, 8, 4, 12);
    const s = new nn.Standardizer().fit(X);
    const want = s.transform(Y);
    const copy = nn.matrix(Y.data.slice(), 40, 8);
    const pending = s.transformAsync(copy, { inPlace: true });
    expect(copy.data).toEqual(Y.data);  // untouched until the work is done
    s.partialFit(Y);  // a later fit does not change the pending call
    await pending;
    expect(sameWords(copy.data, want.data)).toBe(0);
    const r = new nn.RangeScaler().fit(X);
    const wantR = r.transform(Y);
    const p = r.transformAsync(Y);
    r.partialFit(offsetData(5, 8, 9, 1000));  // widens the ranges in place
    expect(sameWords((await p).data, wantR.data)).toBe(0);
  });

  it('reject with the sync codes', async () => {
    await expect(new nn.Standardizer().transformAsync(offsetData(3, 3, 1))).rejects.toThrow(code('ERR_NNKIT_STATE'));
    await expect(new nn.RangeScaler().inverseTransformAsync(offsetData(3, 3, 1))).rejects.toThrow(code('ERR_NNKIT_STATE'));
    const s = new nn.Standardizer().fit(offsetData(10, 3, 1));
    await expect(s.transformAsync(offsetData(3, 4, 1))).rejects.toThrow(code('ERR_NNKIT_SHAPE'));
    await expect(s.transformAsync(offsetData(3, 3, 1), { out: new Float32Array(8) })).rejects.toThrow(code('ERR_NNKIT_SHAPE'));
    await expect(s.transformAsync(offsetData(3, 3, 1), { inPlace: 1 as unknown as boolean })).rejects.toThrow(TypeError);
    const r = new nn.RangeScaler().fit(offsetData(10, 3, 1));
    await expect(r.inverseTransformAsync(offsetData(3, 2, 1))).rejects.toThrow(code('ERR_NNKIT_SHAPE'));
    await expect(r.transformAsync({ data: new Float32Array(2), rows: 3, cols: 3 })).rejects.toThrow(code('ERR_NNKIT_SHAPE'));
  });
});

describe('PCA async transforms', () => {
  it('give the sync bits for every whitening, GEMM backend and SIMD path', async () => {
    const X = spectrumData(300, 16, 5, 20), T = spectrumData(97, 16, 6, 20);
    const fits = [
      new nn.PCA().fit(X), new nn.PCA({ components: 5, whiten: 'pca' }).fit(X), new nn.PCA({ whiten: 'zca' }).fit(X),
      new nn.PCA({ components: 3 }).partialFit(X),
    ];
    await forEachGemmBackendAsync(async (backend) => {
      await forEachSimdPathAsync(async () => {
        for (const pca of fits) {
          const want = pca.transform(T);
          const got = await pca.transformAsync(T);
          expect([got.rows, got.cols]).toEqual([want.rows, want.cols]);
          expect(sameWords(got.data, want.data), backend).toBe(0);
          const out = nn.matrix(97, want.cols);
          expect((await pca.transformAsync(T, { out })).data).toBe(out.data);
          expect(sameWords(out.data, want.data)).toBe(0);
          expect(sameWords((await pca.inverseTransformAsync(want)).data, pca.inverseTransform(want).data)).toBe(0);
        }
      });
    });
  });

  it('agrees with transform on a matrix larger than one BLAS centering block', async () => {
    // 4 Mi elements per block: 2100 rows × 2048 columns span two blocks, the second partial.
    const X = spectrumData(2100, 2048, 7, 3, 4);
    const pca = new nn.PCA({ components: 4, solver: 'randomized', seed: 1 }).fit(X);
    expect(sameWords((await pca.transformAsync(X)).data, pca.transform(X).data)).toBe(0);
  });

  it('writes out only when the Promise settles; a later fit does not change a pending call; codes', async () => {
    const X = spectrumData(200, 10, 8, 5), T = spectrumData(50, 10, 9, 5);
    const pca = new nn.PCA({ components: 4 }).fit(X);
    const want = pca.transform(T);
    const out = new Float32Array(200).fill(3);
    const pending = pca.transformAsync(T, { out });
    expect(out.every((v) => v === 3)).toBe(true);
    pca.fit(T);
    await pending;
    expect(sameWords(out, want.data)).toBe(0);
    await expect(new nn.PCA().transformAsync(X)).rejects.toThrow(code('ERR_NNKIT_STATE'));
    await expect(pca.transformAsync(spectrumData(5, 9, 1))).rejects.toThrow(code('ERR_NNKIT_SHAPE'));
    await expect(pca.transformAsync(T, { inPlace: true })).rejects.toThrow(code('ERR_NNKIT_RANGE'));
    await expect(pca.transformAsync(T, { out: new Float32Array(7) })).rejects.toThrow(code('ERR_NNKIT_SHAPE'));
    await expect(pca.inverseTransformAsync(T)).rejects.toThrow(code('ERR_NNKIT_SHAPE'));
    await expect(new nn.PCA().inverseTransformAsync(T)).rejects.toThrow(code('ERR_NNKIT_STATE'));
  });

  it('keeps the event loop free while a large projection runs', async () => {
    const X = spectrumData(3000, 512, 10, 1, 8);
    const pca = new nn.PCA({ solver: 'exact' }).fit(X);
    const big = nn.matrix(new Float32Array(24000 * 512), 24000, 512);
    for (let i = 0; i < 8; i++) big.data.set(X.data, i * X.data.length);
    const { result, ticks, elapsed } = await ticksDuring(() => pca.transformAsync(big));
    expect(result.cols).toBe(512);
    expect(ticks).toBeGreaterThan(Math.min(20, elapsed / 50));
    expect(ticks).toBeGreaterThan(5);
  });
});

describe('Pipeline async transforms', () => {
  it('chain the steps asynchronously with the sync bits (out, inPlace, inverse)', async () => {
    const X = spectrumData(150, 9, 11, 40), T = spectrumData(60, 9, 12, 40);
    const p = new nn.Pipeline([new nn.Standardizer(), new nn.PCA({ components: 4, whiten: 'pca' })]).fit(X);
    const want = p.transform(T);
    expect(sameWords((await p.transformAsync(T)).data, want.data)).toBe(0);
    const out = nn.matrix(60, 4);
    expect((await p.transformAsync(T, { out })).data).toBe(out.data);
    expect(sameWords(out.data, want.data)).toBe(0);
    const inv = new nn.Pipeline([new nn.Standardizer(), new nn.PCA({ whiten: 'zca' })]).fit(X);
    const w = inv.transform(T);
    expect(sameWords((await inv.inverseTransformAsync(w)).data, inv.inverseTransform(w).data)).toBe(0);
    // inPlace: X changes only when the last step is done.
    const scalers = new nn.Pipeline([new nn.Standardizer(), new nn.RangeScaler(), new nn.Standardizer({ scale: false })]).fit(X);
    const wantInPlace = scalers.transform(T);
    const copy = nn.matrix(T.data.slice(), 60, 9);
    const pending = scalers.transformAsync(copy, { inPlace: true });
    expect(copy.data).toEqual(T.data);
    expect(await pending).toBe(copy);
    expect(sameWords(copy.data, wantInPlace.data)).toBe(0);
  });

  it('reject with the sync codes and leave X unchanged when a step refuses', async () => {
    const X = spectrumData(40, 5, 13);
    await expect(new nn.Pipeline([new nn.Standardizer()]).transformAsync(X)).rejects.toThrow(code('ERR_NNKIT_STATE'));
    const p = new nn.Pipeline([new nn.Standardizer(), new nn.PCA({ components: 2 })]).fit(X);
    const copy = nn.matrix(X.data.slice(), 40, 5);
    await expect(p.transformAsync(copy, { inPlace: true })).rejects.toThrow(code('ERR_NNKIT_RANGE'));
    expect(copy.data).toEqual(X.data);
    await expect(p.transformAsync(spectrumData(3, 4, 1))).rejects.toThrow(code('ERR_NNKIT_SHAPE'));
    const custom = { fit() { return this; }, async fitAsync() { return this; }, transform: (m: nn.Matrix) => m, fitTransform: (m: nn.Matrix) => m, toJSON: () => ({ format: 'x', version: 1 }) };
    await expect(new nn.Pipeline([custom as unknown as nn.Transformer]).inverseTransformAsync(X)).rejects.toThrow(TypeError);
    // A step without transformAsync runs its sync transform in the chain.
    expect(await new nn.Pipeline([custom as unknown as nn.Transformer]).transformAsync(X)).toBe(X);
  });
});
