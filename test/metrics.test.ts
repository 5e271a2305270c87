import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as nn from '../lib/index';
import { expectCoded } from './helpers';

describe('nn.metrics', () => {
  const S = nn.matrix(Float32Array.of(
    0.1, 0.9, 0.0,
    2.0, 2.0, 1.0, // tie: the first
    -Infinity, -Infinity, -Infinity,
    0.0, -1.0, 5.0,
  ), 4, 3);

  it('argmax picks the first largest per row, into out when given', () => {
    expect(Array.from(nn.metrics.argmax(S))).toEqual([1, 0, 0, 2]);
    const out = new Int32Array(4);
    expect(nn.metrics.argmax(S, { out })).toBe(out);
    expect(nn.metrics.argmax(nn.matrix(0, 0)).length).toBe(0);
  });

  it('argmax agrees with a plain reference on random scores (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 12 }).chain((c) => fc.tuple(fc.constant(c),
      fc.float32Array({ minLength: c * 20, maxLength: c * 20, noNaN: true }))), (rows, [cols, values]) => {
      const data = values.subarray(0, rows * cols), M = nn.matrix(data, rows, cols);
      const got = nn.metrics.argmax(M);
      for (let i = 0; i < rows; i++) {
        const row = Array.from(data.subarray(i * cols, (i + 1) * cols));
        expect(got[i]).toBe(row.indexOf(Math.max(...row)) === -1 ? 0 : row.indexOf(Math.max(...row)));
      }
    }));
  });

  it('accuracy from scores or classes; the confusion matrix as scikit-learn lays it out', () => {
    const y = Uint8Array.of(1, 1, 0, 0);
    expect(nn.metrics.accuracy(S, y)).toBe(0.5);
    expect(nn.metrics.accuracy(Int32Array.of(1, 0, 0, 0), y)).toBe(0.75);
    expect(nn.metrics.accuracy(new Int32Array(0), new Uint8Array(0))).toBeNaN();
    // sklearn.metrics.confusion_matrix([1, 1, 0, 0, 2], [1, 0, 0, 2, 2]) = [[1,0,1],[1,1,0],[0,0,1]]
    const cm = nn.metrics.confusionMatrix(Uint8Array.of(1, 1, 0, 0, 2), Int32Array.of(1, 0, 0, 2, 2));
    expect(cm.classes).toBe(3);
    expect(Array.from(cm.counts)).toEqual([1, 0, 1, 1, 1, 0, 0, 0, 1]);
    expect(Array.from(cm.recall())).toEqual([0.5, 0.5, 1]);
    expect(Array.from(cm.precision())).toEqual([0.5, 1, 0.5]);
    const wide = nn.metrics.confusionMatrix(Uint8Array.of(0), Uint8Array.of(0), { classes: 3 });
    expect(Array.from(wide.recall())).toEqual([1, Number.NaN, Number.NaN]);
  });

  it('rejects NaN scores naming the cell, mismatched lengths and out-of-range classes', () => {
    const bad = nn.matrix(Float32Array.of(1, 2, 3, 4, Number.NaN, 0), 2, 3);
    const e = expectCoded(() => nn.metrics.argmax(bad), 'ERR_NNKIT_NONFINITE') as nn.NnkitRangeError;
    expect(e.argument).toBe('scores[1][1]');
    expectCoded(() => nn.metrics.argmax(nn.matrix(Float32Array.of(Number.NaN, 1), 1, 2)), 'ERR_NNKIT_NONFINITE');
    expectCoded(() => nn.metrics.argmax(nn.matrix(2, 0)), 'ERR_NNKIT_SHAPE');
    expectCoded(() => nn.metrics.argmax(S, { out: new Int32Array(3) }), 'ERR_NNKIT_SHAPE');
    expectCoded(() => nn.metrics.argmax(S, { out: new Uint32Array(4) as unknown as Int32Array }), 'ERR_NNKIT_TYPE', TypeError);
    expectCoded(() => nn.metrics.accuracy(S, new Uint8Array(3)), 'ERR_NNKIT_SHAPE');
    expectCoded(() => nn.metrics.accuracy(S, [1, 2, 3, 4] as unknown as Uint8Array), 'ERR_NNKIT_TYPE', TypeError);
    expectCoded(() => nn.metrics.confusionMatrix(Uint8Array.of(3), Uint8Array.of(0), { classes: 3 }), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.metrics.confusionMatrix(Uint8Array.of(0), Uint8Array.of(0), { classes: 0 }), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.metrics.confusionMatrix(Uint32Array.of(1e9), Uint32Array.of(0)), 'ERR_NNKIT_RANGE');
  });
});
