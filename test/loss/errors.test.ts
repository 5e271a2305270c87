import { describe, expect, it } from 'vitest';
import * as nn from '../../lib/index';
import { forEachSimdPath, lcg } from './support';

const code = (c: string) => expect.objectContaining({ code: c });
const S = () => nn.matrix(lcg(12, 1), 3, 4);

describe('loss input errors', () => {
  it('rejects labels outside [0, C) with a RangeError naming the row', () => {
    for (const labels of [new Int32Array([0, 4, 1]), new Int32Array([0, -1, 1]), new Uint8Array([0, 1, 200])]) {
      expect(() => nn.loss.softmax(S(), labels)).toThrow(RangeError);
      expect(() => nn.loss.svm(S(), labels)).toThrow(code('ERR_NNKIT_RANGE'));
    }
    expect(() => nn.loss.softmax(S(), new Int32Array([0, 4, 1]))).toThrow(/row 1/);
    // The value and the first offending row, whatever the label type.
    expect(() => nn.loss.softmax(S(), new Int32Array([0, -1, 9]))).toThrow(/-1 at row 1/);
    expect(() => nn.loss.svm(S(), new Uint32Array([0, 1, 4294967295]))).toThrow(/4294967295 at row 2/);
    expect(() => nn.loss.softmax(S(), new Uint16Array([65535, 1, 2]))).toThrow(/65535 at row 0/);
  });

  it('rejects non-integer label arrays and labels of the wrong length', () => {
    expect(() => nn.loss.softmax(S(), new Float32Array([0, 1, 2]) as unknown as Int32Array)).toThrow(TypeError);
    expect(() => nn.loss.svm(S(), [0, 1, 2] as unknown as Int32Array)).toThrow(code('ERR_NNKIT_TYPE'));
    expect(() => nn.loss.softmax(S(), new Int32Array([0, 1]))).toThrow(code('ERR_NNKIT_SHAPE'));
  });

  it('rejects targets of the wrong shape or out of their domain', () => {
    expect(() => nn.loss.sigmoidCrossEntropy(S(), new Float32Array(11))).toThrow(code('ERR_NNKIT_SHAPE'));
    expect(() => nn.loss.l2(S(), nn.matrix(4, 3))).toThrow(code('ERR_NNKIT_SHAPE'));
    forEachSimdPath(() => {
      const t = new Float32Array(12);
      t[9] = 0.5;
      expect(() => nn.loss.multiLabelHinge(S(), t)).toThrow(/row 2/);
      t[9] = 2;
      expect(() => nn.loss.sigmoidCrossEntropy(S(), t)).toThrow(code('ERR_NNKIT_RANGE'));
      t[9] = NaN;
      expect(() => nn.loss.sigmoidCrossEntropy(S(), t)).toThrow(RangeError);
    });
  });

  it('rejects bad options and gradient buffers', () => {
    expect(() => nn.loss.softmax(S(), new Int32Array(3), { reduction: 'avg' as 'mean' })).toThrow(code('ERR_NNKIT_RANGE'));
    expect(() => nn.loss.softmax(S(), new Int32Array(3), { grad: new Float32Array(5) })).toThrow(code('ERR_NNKIT_SHAPE'));
    const s = S();
    expect(() => nn.loss.softmax(s, new Int32Array(3), { grad: s.data })).toThrow(code('ERR_NNKIT_ALIAS'));
    expect(() => nn.loss.svm(S(), new Int32Array(3), { margin: NaN })).toThrow(RangeError);
    expect(() => nn.loss.svm({ data: new Float32Array(5), rows: 3, cols: 4 }, new Int32Array(3))).toThrow(code('ERR_NNKIT_SHAPE'));
  });

  it('propagates NaN scores to the loss and to the gradient row of that sample only', () => {
    forEachSimdPath((path) => {
      const f = lcg(3 * 10, 2);
      f[15] = NaN;
      const t = new Float32Array(30).fill(1);
      const y = new Int32Array([0, 1, 2]);
      const results = [
        nn.loss.softmax(nn.matrix(f, 3, 10), y),
        nn.loss.svm(nn.matrix(f, 3, 10), y),
        nn.loss.multiLabelHinge(nn.matrix(f, 3, 10), t),
        nn.loss.sigmoidCrossEntropy(nn.matrix(f, 3, 10), t),
        nn.loss.l2(nn.matrix(f, 3, 10), t),
        nn.loss.l1(nn.matrix(f, 3, 10), t),
      ];
      for (const r of results) {
        expect(Number.isNaN(r.loss), path).toBe(true);
        const g = r.grad!.data;
        expect(g.subarray(10, 20).every(Number.isNaN), path).toBe(true);
        expect(g.subarray(0, 10).every(Number.isFinite) && g.subarray(20).every(Number.isFinite), path).toBe(true);
      }
      expect(nn.softmax(nn.matrix(f, 3, 10)).data.subarray(10, 20).every(Number.isNaN)).toBe(true);
    });
  });

  it('returns 0 for an empty batch', () => {
    expect(nn.loss.softmax(nn.matrix(0, 5), new Int32Array(0)).loss).toBe(0);
  });
});

describe('determinism', () => {
  it('gives bit-identical losses and gradients for every thread count', () => {
    const saved = nn.backend().threads;
    try {
      const n = 301, c = 997;
      const f = nn.matrix(lcg(n * c, 21, -4, 4), n, c);
      const y = Int32Array.from({ length: n }, (_, i) => (i * 13) % c);
      const t = lcg(n * c, 22, 0, 1);
      const tree = nn.LabelTree.balanced(c);
      const H = nn.matrix(lcg(n * 16, 23), n, 16);
      const V = nn.matrix(lcg(tree.internalNodes * 16, 24), tree.internalNodes, 16);
      const W = lcg(4099 * 33, 25);
      const run = () => {
        const g = new Float32Array(W.length);
        const m = nn.matrix(W.slice(), 4099, 33);
        return [
          nn.loss.softmax(f, y), nn.loss.svm(f, y), nn.loss.sigmoidCrossEntropy(f, t),
          nn.loss.hierarchicalSoftmax(H, y, tree, V), { loss: nn.reg.elasticNet(W, 0.1, 0.2, { grad: g }), grad: g },
          { loss: nn.reg.maxNorm(m, 1), grad: m.data },
        ].map((r) => ({ loss: r.loss, grad: Array.from(('grad' in r ? (r.grad instanceof Float32Array ? r.grad : r.grad!.data) : r.dH!.data)) }));
      };
      nn.setThreads(1);
      const one = run();
      nn.setThreads(3);
      const three = run();
      expect(three).toEqual(one);
    } finally {
      nn.setThreads(saved);
    }
  });
});
