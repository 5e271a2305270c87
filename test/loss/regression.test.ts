import { describe, expect, it } from 'vitest';
import * as nn from '../../lib/index';
import { l1Ref, l2Ref, scaled } from './reference';
import { expectClose, expectNumberClose, forEachSimdPath, lcg, numericGradient64 } from './support';

const SHAPES: [number, number][] = [[1, 1], [3, 5], [2, 8], [4, 9], [5, 23], [2, 64], [3, 301]];

describe('nn.loss.l2 and nn.loss.l1', () => {
  it('match the float64 references on every path and tail', () => {
    forEachSimdPath((path) => {
      for (const [n, c] of SHAPES) {
        const f = lcg(n * c, c, -3, 3);
        const t = lcg(n * c, c + 1, -3, 3);
        t[0] = f[0]!;  // sign(0) = 0
        for (const [fn, ref] of [[nn.loss.l2, l2Ref], [nn.loss.l1, l1Ref]] as const) {
          const r = fn(nn.matrix(f, n, c), nn.matrix(t, n, c));
          const want = ref(f, t);
          expectNumberClose(r.loss, want.loss / n, 1e-5, 1e-6, `${path} ${n}x${c} loss`);
          expectClose(r.grad!.data, scaled(want.grad, 1 / n), 1e-6, 1e-7, `${path} ${n}x${c} grad`);
        }
      }
    });
  });

  it('uses ‖f − y‖² without the ½ (gradient 2(f − y))', () => {
    const r = nn.loss.l2(nn.matrix(new Float32Array([3, 1]), 1, 2), new Float32Array([1, 1]));
    expect(r.loss).toBe(4);
    expect(Array.from(r.grad!.data)).toEqual([4, 0]);
    expect(Array.from(nn.loss.l1(nn.matrix(new Float32Array([3, 1, -2]), 1, 3), new Float32Array([1, 1, 0])).grad!.data)).toEqual([1, 0, -1]);
  });

  it('agree with finite differences', () => {
    const n = 3, c = 4;
    const f = lcg(n * c, 2, -2, 2);
    const t = lcg(n * c, 3, -2, 2);
    const r2 = nn.loss.l2(nn.matrix(f, n, c), t, { reduction: 'sum' });
    expectClose(r2.grad!.data, numericGradient64((x) => l2Ref(x, t).loss, f), 1e-6, 1e-6, 'l2 fd');
    expect(nn.gradcheck((x) => nn.loss.l2(nn.matrix(x, n, c), t, { reduction: 'sum', grad: false }).loss, f, r2.grad!).passed).toBe(true);
    const r1 = nn.loss.l1(nn.matrix(f, n, c), t, { reduction: 'sum' });
    expectClose(r1.grad!.data, numericGradient64((x) => l1Ref(x, t).loss, f), 1e-6, 1e-6, 'l1 fd');
    expect(nn.gradcheck((x) => nn.loss.l1(nn.matrix(x, n, c), t, { reduction: 'sum', grad: false }).loss, f, r1.grad!).passed).toBe(true);
  });
});
