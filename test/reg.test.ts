import { describe, expect, it } from 'vitest';
import * as nn from '../lib/index';
import { expectClose, expectNumberClose, forEachSimdPath, lcg, numericGradient64 } from './loss/support';

const code = (c: string) => expect.objectContaining({ code: c });
const sign = (x: number) => (x > 0 ? 1 : x < 0 ? -1 : 0);

describe('nn.reg penalties', () => {
  it('l2, l1 and elasticNet match float64 references and add their gradient into grad, on every path', () => {
    forEachSimdPath((path) => {
      for (const n of [1, 7, 8, 15, 16, 17, 100, 65536 + 13]) {
        const w = lcg(n, n, -2, 2);
        w[0] = 0;
        let sa = 0, sq = 0;
        for (const x of w) {
          sa += Math.abs(x);
          sq += x * x;
        }
        const base = lcg(n, n + 1, -1, 1);
        const cases = [
          { run: (g: Float32Array) => nn.reg.l2(w, 0.3, { grad: g }), value: 0.5 * 0.3 * sq, grad: (x: number) => 0.3 * x },
          { run: (g: Float32Array) => nn.reg.l1(w, 0.3, { grad: g }), value: 0.3 * sa, grad: (x: number) => 0.3 * sign(x) },
          { run: (g: Float32Array) => nn.reg.elasticNet(w, 0.2, 0.7, { grad: g }), value: 0.2 * sa + 0.7 * sq, grad: (x: number) => 0.2 * sign(x) + 1.4 * x },
        ];
        for (const c of cases) {
          const g = base.slice();
          expectNumberClose(c.run(g), c.value, 1e-5, 1e-7, `${path} n=${n}`);
          expectClose(g, Array.from(w, (x, i) => base[i]! + c.grad(x)), 1e-6, 1e-6, `${path} n=${n} grad`);
        }
      }
    });
  });

  it('have gradients equal to their finite differences (away from 0)', () => {
    const w = lcg(20, 3, -2, 2).map((x) => (Math.abs(x) < 0.05 ? 0.3 : x));
    for (const [fn, ref] of [
      [(x: Float32Array, g?: Float32Array) => nn.reg.l2(x, 0.4, { grad: g }), (x: Float64Array) => 0.2 * x.reduce((a, v) => a + v * v, 0)],
      [(x: Float32Array, g?: Float32Array) => nn.reg.l1(x, 0.4, { grad: g }), (x: Float64Array) => 0.4 * x.reduce((a, v) => a + Math.abs(v), 0)],
      [(x: Float32Array, g?: Float32Array) => nn.reg.elasticNet(x, 0.1, 0.4, { grad: g }),
        (x: Float64Array) => x.reduce((a, v) => a + 0.1 * Math.abs(v) + 0.4 * v * v, 0)],
    ] as const) {
      const g = new Float32Array(w.length);
      fn(w, g);
      expectClose(g, numericGradient64(ref, w), 1e-5, 1e-6, 'fd');
      expect(nn.gradcheck((x) => fn(x), w, g).passed).toBe(true);
    }
  });

  it('accept a Matrix and reject negative strengths and mis-sized gradients', () => {
    const W = nn.matrix(lcg(12, 1), 3, 4);
    expect(nn.reg.l2(W, 1)).toBeCloseTo(0.5 * W.data.reduce((a, v) => a + v * v, 0), 5);
    expect(() => nn.reg.l2(W, -1)).toThrow(code('ERR_NNKIT_RANGE'));
    expect(() => nn.reg.l1(W, -0.1)).toThrow(RangeError);
    expect(() => nn.reg.elasticNet(W, 0.1, -2)).toThrow(code('ERR_NNKIT_RANGE'));
    expect(() => nn.reg.l2(W, NaN)).toThrow(code('ERR_NNKIT_NONFINITE'));
    expect(() => nn.reg.l2(W, 1, { grad: new Float32Array(11) })).toThrow(code('ERR_NNKIT_SHAPE'));
    expect(() => nn.reg.l2(W, 1, { grad: W.data })).toThrow(code('ERR_NNKIT_ALIAS'));
    expect(() => nn.reg.l2([1, 2] as unknown as Float32Array, 1)).toThrow(TypeError);
  });
});

describe('nn.reg.maxNorm', () => {
  it('projects each column (default) or row onto ‖w‖ ≤ c and counts the clipped ones, on every path', () => {
    forEachSimdPath((path) => {
      for (const [rows, cols] of [[1, 1], [5, 3], [13, 64], [9, 65], [33, 130], [7, 200]] as const)
        for (const axis of ['columns', 'rows'] as const) {
          const w = lcg(rows * cols, rows * cols, -1.5, 1.5);
          const c = 2;
          const W = nn.matrix(w.slice(), rows, cols);
          const clipped = nn.reg.maxNorm(W, c, axis === 'columns' ? undefined : { axis });
          const vectors = axis === 'columns' ? cols : rows, len = axis === 'columns' ? rows : cols;
          const at = (v: number, k: number) => (axis === 'columns' ? k * cols + v : v * cols + k);
          let want = 0;
          const expected = new Float64Array(rows * cols);
          for (let v = 0; v < vectors; v++) {
            let norm = 0;
            for (let k = 0; k < len; k++) norm += w[at(v, k)]! ** 2;
            norm = Math.sqrt(norm);
            const f = norm > c ? c / norm : 1;
            if (norm > c) want++;
            for (let k = 0; k < len; k++) expected[at(v, k)] = w[at(v, k)]! * f;
          }
          expect(clipped, `${path} ${rows}x${cols} ${axis}`).toBe(want);
          expectClose(W.data, expected, 1e-6, 1e-7, `${path} ${rows}x${cols} ${axis}`);
        }
    });
  });

  it('leaves vectors inside the ball untouched, treats a Float32Array as one vector, rejects c < 0', () => {
    const W = nn.matrix(new Float32Array([3, 0, 4, 0.5]), 2, 2);  // columns [3,4] (norm 5) and [0,0.5]
    expect(nn.reg.maxNorm(W, 4)).toBe(1);
    expectClose(W.data, [2.4, 0, 3.2, 0.5], 1e-6, 0);
    const v = new Float32Array([3, 4]);
    expect(nn.reg.maxNorm(v, 10)).toBe(0);
    expect(nn.reg.maxNorm(v, 1)).toBe(1);
    expectClose(v, [0.6, 0.8], 1e-6, 0);
    expect(() => nn.reg.maxNorm(W, -1)).toThrow(code('ERR_NNKIT_RANGE'));
    expect(() => nn.reg.maxNorm(W, 3, { axis: 'diagonal' as 'rows' })).toThrow(RangeError);
  });
});
