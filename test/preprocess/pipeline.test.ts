import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as nn from '../../lib/index';
import { expectCoded } from '../helpers';
import { maxAbsError, offsetData, rowSlice, spectrumData } from './reference';

describe('nn.Pipeline', () => {
  it('fits each step on the output of the previous ones and transforms in order', () => {
    const X = offsetData(120, 8, 1, 50);
    const p = new nn.Pipeline([new nn.Standardizer(), new nn.RangeScaler({ range: [0, 1] })]).fit(X);
    const [s, r] = p.steps as [nn.Standardizer, nn.RangeScaler];
    const manual = r.transform(s.transform(X));
    expect(p.transform(X).data).toEqual(manual.data);
    // The range scaler saw standardized data, so the training set spans exactly [0, 1] per column.
    const Y = p.transform(X);
    for (let j = 0; j < 8; j++) {
      let lo = Infinity, hi = -Infinity;
      for (let i = 0; i < 120; i++) {
        lo = Math.min(lo, Y.data[i * 8 + j]!);
        hi = Math.max(hi, Y.data[i * 8 + j]!);
      }
      expect(lo).toBeCloseTo(0, 6);
      expect(hi).toBeCloseTo(1, 5);
    }
    expect(maxAbsError(p.inverseTransform(Y).data, X.data)).toBeLessThan(1e-3);
  });

  it('fitAsync, fitTransform, out and inPlace agree with fit + transform', async () => {
    const X = offsetData(64, 5, 2, 10);
    const a = new nn.Pipeline([new nn.Standardizer(), new nn.RangeScaler()]);
    const b = await new nn.Pipeline([new nn.Standardizer(), new nn.RangeScaler()]).fitAsync(X);
    const viaFitTransform = a.fitTransform(X);
    expect(b.transform(X).data).toEqual(viaFitTransform.data);
    const out = nn.matrix(64, 5);
    expect(a.transform(X, { out })).toBe(out);
    expect(out.data).toEqual(viaFitTransform.data);
    const copy = nn.matrix(X.data.slice(), 64, 5);
    expect(a.transform(copy, { inPlace: true }).data).toEqual(viaFitTransform.data);
  });

  it('saves nested pipelines and refuses unknown or over-deep steps', () => {
    const X = offsetData(20, 3, 3);
    const inner = new nn.Pipeline([new nn.Standardizer()]);
    const p = new nn.Pipeline([inner, new nn.RangeScaler()]).fit(X);
    const loaded = nn.Pipeline.fromJSON(JSON.parse(JSON.stringify(p)));
    expect(loaded.transform(X).data).toEqual(p.transform(X).data);
    expectCoded(() => nn.Pipeline.fromJSON({ format: 'nnkit.Pipeline', version: 1, steps: [{ format: 'sklearn.PCA', version: 1 }] }), 'ERR_NNKIT_FORMAT');
    expectCoded(() => nn.Pipeline.fromJSON({ format: 'nnkit.Pipeline', version: 1, steps: [] }), 'ERR_NNKIT_FORMAT');
    let deep: object = new nn.Standardizer().toJSON();
    for (let i = 0; i < 40; i++) deep = { format: 'nnkit.Pipeline', version: 1, steps: [deep] };
    expectCoded(() => nn.Pipeline.fromJSON(deep), 'ERR_NNKIT_FORMAT');
  });

  it('checks its steps and the shared rules (state, width)', () => {
    expectCoded(() => new nn.Pipeline([]), 'ERR_NNKIT_RANGE');
    expectCoded(() => new nn.Pipeline([{} as never]), 'ERR_NNKIT_TYPE', TypeError);
    expectCoded(() => new nn.Pipeline('x' as never), 'ERR_NNKIT_TYPE', TypeError);
    const p = new nn.Pipeline([new nn.Standardizer()]);
    expectCoded(() => p.transform(offsetData(3, 3, 1)), 'ERR_NNKIT_STATE');
    p.fit(offsetData(3, 3, 1));
    expectCoded(() => p.transform(offsetData(3, 4, 1)), 'ERR_NNKIT_SHAPE');
  });
});

describe('nn.Pipeline streaming (partialFit / merge by stages)', () => {
  const N = 300, D = 8;
  const X = spectrumData(N, D, 21, 50);
  const oneShot = new nn.Pipeline([new nn.Standardizer(), new nn.PCA({ solver: 'exact' })]).fit(X);
  const chunksOf = (cuts: number[]) => {
    const bounds = [0, ...[...cuts].sort((a, b) => a - b), N];
    return bounds.slice(1).map((end, i) => rowSlice(X, bounds[i]!, end));
  };

  /** Statistics of every step against the one-shot fit: 1e-5 relative (the PCA up to component signs). */
  function expectOneShot(p: nn.Pipeline): void {
    const [s, pca] = p.steps as [nn.Standardizer, nn.PCA];
    const [s1, pca1] = oneShot.steps as [nn.Standardizer, nn.PCA];
    expect(s.count).toBe(N);
    expect(pca.count).toBe(N);
    for (let j = 0; j < D; j++) {
      expect(Math.abs(s.mean[j]! - s1.mean[j]!) / Math.abs(s1.mean[j]!)).toBeLessThan(1e-5);
      expect(Math.abs(s.std[j]! - s1.std[j]!) / s1.std[j]!).toBeLessThan(1e-5);
      // Standardized data has unit scale: its mean (≈ 0) is compared in those units.
      expect(Math.abs(pca.mean[j]! - pca1.mean[j]!)).toBeLessThan(1e-5);
      expect(Math.abs(pca.eigenvalues[j]! - pca1.eigenvalues[j]!) / pca1.eigenvalues[0]!).toBeLessThan(1e-5);
    }
    for (let j = 0; j < 4; j++) {
      let dot = 0;
      for (let d = 0; d < D; d++) dot += pca.components.data[d * D + j]! * pca1.components.data[d * D + j]!;
      expect(Math.abs(dot)).toBeGreaterThan(1 - 1e-4);
    }
  }

  it('property: stage-by-stage partialFit over random splits equals the one-shot fit (1e-5 relative)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: N - 1 }), { maxLength: 6 }), (cuts) => {
        const p = new nn.Pipeline([new nn.Standardizer(), new nn.PCA({ solver: 'exact' })]);
        const chunks = chunksOf(cuts);
        for (let stage = 0; stage < 2; stage++) for (const chunk of chunks) p.partialFit(chunk, { stage });
        expect(p.stage).toBe(1);
        expectOneShot(p);
      }),
      { numRuns: 25 },
    );
  });

  it('property: partial fits made in "workers" and merged stage by stage equal the one-shot fit', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: N - 1 }), { maxLength: 5 }), (cuts) => {
        const main = new nn.Pipeline([new nn.Standardizer(), new nn.PCA({ solver: 'exact' })]);
        const chunks = chunksOf(cuts);
        for (const chunk of chunks) main.merge(new nn.Pipeline([new nn.Standardizer(), new nn.PCA()]).partialFit(chunk, { stage: 0 }));
        // Stage 1: each worker loads the merged (now frozen) Standardizer from its saved document.
        const saved = JSON.parse(JSON.stringify(main.steps[0]));
        for (const chunk of chunks) main.merge(new nn.Pipeline([nn.Standardizer.fromJSON(saved), new nn.PCA()]).partialFit(chunk));
        expectOneShot(main);
      }),
      { numRuns: 15 },
    );
  });

  it('why stages: fitting every step on each chunk in one pass gives other statistics', () => {
    const scaler = new nn.Standardizer(), pca = new nn.PCA({ solver: 'exact' });
    for (const chunk of chunksOf([60, 120, 180, 240])) pca.partialFit(scaler.partialFit(chunk).transform(chunk));
    const pca1 = oneShot.steps[1] as nn.PCA;
    let worst = 0;
    for (let j = 0; j < D; j++) worst = Math.max(worst, Math.abs(pca.eigenvalues[j]! - pca1.eigenvalues[j]!) / pca1.eigenvalues[0]!);
    expect(worst).toBeGreaterThan(1e-3);
  });

  it('streams the last step through an already fitted prefix (the default stage)', () => {
    const p = new nn.Pipeline([new nn.Standardizer().fit(X), new nn.PCA({ solver: 'exact' })]);
    for (const chunk of chunksOf([17, 150, 151, 299])) p.partialFit(chunk);
    expectOneShot(p);
    expect(p.transform(X).data.every(Number.isFinite)).toBe(true);
    // fit ends the streaming.
    p.fit(X);
    expect(p.stage).toBeNull();
  });

  it('refuses, with ERR_NNKIT_STATE, everything that would give statistics other than the one-shot fit', () => {
    const chunk = rowSlice(X, 0, 50), more = rowSlice(X, 50, 100);
    const fresh = () => new nn.Pipeline([new nn.Standardizer(), new nn.PCA()]);
    // An unfitted step before the stage.
    expectCoded(() => fresh().partialFit(chunk), 'ERR_NNKIT_STATE');
    // The stage step already holds statistics (here from a one-shot fit).
    expectCoded(() => new nn.Pipeline([new nn.Standardizer(), new nn.PCA()]).fit(X).partialFit(chunk), 'ERR_NNKIT_STATE');
    // Going back to a frozen stage.
    const p = fresh().partialFit(chunk, { stage: 0 }).partialFit(chunk, { stage: 1 });
    expectCoded(() => p.partialFit(more, { stage: 0 }), 'ERR_NNKIT_STATE');
    // A frozen step changed behind the pipeline's back.
    (p.steps[0] as nn.Standardizer).partialFit(more);
    expectCoded(() => p.partialFit(more, { stage: 1 }), 'ERR_NNKIT_STATE');
    // Skipping a stage.
    const three = new nn.Pipeline([new nn.Standardizer(), new nn.RangeScaler(), new nn.PCA()]).partialFit(chunk, { stage: 0 });
    expectCoded(() => three.partialFit(chunk, { stage: 2 }), 'ERR_NNKIT_STATE');
    // Merging pipelines whose frozen steps differ, or a pipeline that did not stream.
    const a = new nn.Pipeline([new nn.Standardizer().fit(chunk), new nn.PCA()]).partialFit(chunk);
    const b = new nn.Pipeline([new nn.Standardizer().fit(more), new nn.PCA()]).partialFit(more);
    expectCoded(() => a.merge(b), 'ERR_NNKIT_STATE');
    expectCoded(() => a.merge(new nn.Pipeline([new nn.Standardizer(), new nn.PCA()]).fit(X)), 'ERR_NNKIT_STATE');
    // ... while an unfitted one adds nothing, and identical frozen steps merge.
    const before = (a.steps[1] as nn.PCA).count;
    a.merge(fresh());
    expect((a.steps[1] as nn.PCA).count).toBe(before);
    a.merge(new nn.Pipeline([nn.Standardizer.fromJSON(JSON.parse(JSON.stringify(a.steps[0]))), new nn.PCA()]).partialFit(more));
    expect((a.steps[1] as nn.PCA).count).toBe(before + 50);
  });

  it('rejects bad arguments with codes', () => {
    const chunk = rowSlice(X, 0, 20);
    const p = new nn.Pipeline([new nn.Standardizer(), new nn.PCA()]);
    expectCoded(() => p.partialFit(chunk, { stage: 2 }), 'ERR_NNKIT_RANGE');
    expectCoded(() => p.partialFit(chunk, { stage: 0.5 }), 'ERR_NNKIT_RANGE');
    expectCoded(() => p.partialFit(chunk, { stage: '0' as unknown as number }), 'ERR_NNKIT_TYPE', TypeError);
    expectCoded(() => p.partialFit({ data: new Float32Array(3), rows: 2, cols: 2 }), 'ERR_NNKIT_SHAPE');
    expectCoded(() => p.merge({} as nn.Pipeline), 'ERR_NNKIT_TYPE', TypeError);
    expectCoded(() => p.merge(p), 'ERR_NNKIT_RANGE');
    const streamed = new nn.Pipeline([new nn.Standardizer()]).partialFit(chunk, { stage: 0 });
    expectCoded(() => p.merge(streamed), 'ERR_NNKIT_SHAPE');
    const custom = { fit() { return this; }, async fitAsync() { return this; }, transform: (m: nn.Matrix) => m, fitTransform: (m: nn.Matrix) => m, toJSON: () => ({ format: 'x', version: 1 }) };
    expectCoded(() => new nn.Pipeline([custom as unknown as nn.Transformer]).partialFit(chunk), 'ERR_NNKIT_TYPE', TypeError);
    // A width change between chunks is the stage step's own ERR_NNKIT_SHAPE.
    const q = new nn.Pipeline([new nn.Standardizer()]).partialFit(chunk, { stage: 0 });
    expectCoded(() => q.partialFit(spectrumData(5, 3, 1)), 'ERR_NNKIT_SHAPE');
  });
});
