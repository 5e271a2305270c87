import { describe, expect, it } from 'vitest';
import * as nn from '../../lib/index';
import { expectCoded } from '../helpers';
import { maxAbsError, offsetData } from './reference';

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
