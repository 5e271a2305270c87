import { describe, expect, it } from 'vitest';
import * as nn from '../lib/index';
import { expectCoded, forEachSimdPath, lcg } from './helpers';

/** The notes' momentum update in float64. */
function reference(w: Float32Array, g: Float32Array, v: Float32Array, lr: number, mu: number, wd: number, nesterov: boolean) {
  const W = Float64Array.from(w), V = Float64Array.from(v);
  for (let i = 0; i < W.length; i++) {
    const step = lr * (g[i]! + wd * W[i]!);
    V[i] = mu * V[i]! - step;
    W[i] = nesterov ? W[i]! + mu * V[i]! - step : W[i]! + V[i]!;
  }
  return { W, V };
}

describe('nn.optim.sgdStep', () => {
  it('matches the float64 momentum update on every SIMD path, odd lengths included', () => {
    for (const n of [1, 7, 8, 9, 65537 + 3])
      for (const nesterov of [false, true])
        forEachSimdPath((path) => {
          const w = lcg(n, 1), g = lcg(n, 2), v = lcg(n, 3, -0.1, 0.1);
          const ref = reference(w, g, v, 0.05, 0.9, 1e-4, nesterov);
          nn.optim.sgdStep(w, g, v, { lr: 0.05, momentum: 0.9, weightDecay: 1e-4, nesterov });
          for (let i = 0; i < n; i++) {
            expect(Math.abs(w[i]! - ref.W[i]!), `${path} n=${n} w[${i}]`).toBeLessThan(1e-6);
            expect(Math.abs(v[i]! - ref.V[i]!), `${path} n=${n} v[${i}]`).toBeLessThan(1e-6);
          }
        });
  });

  it('gives bit-identical results on every SIMD path', () => {
    const results: Float32Array[] = [];
    forEachSimdPath(() => {
      const w = lcg(1001, 4), g = lcg(1001, 5), v = new Float32Array(1001);
      for (let s = 0; s < 3; s++) nn.optim.sgdStep(w, g, v, { lr: 0.1, momentum: 0.8, weightDecay: 0.01, nesterov: true });
      results.push(w);
    });
    for (const r of results) expect(Buffer.compare(Buffer.from(r.buffer), Buffer.from(results[0]!.buffer))).toBe(0);
  });

  it('minimizes a quadratic (plain SGD with momentum converges)', () => {
    // f(w) = ½‖w − t‖², gradient w − t.
    const t = lcg(10, 6), w = new Float32Array(10), v = new Float32Array(10), g = new Float32Array(10);
    for (let s = 0; s < 200; s++) {
      for (let i = 0; i < 10; i++) g[i] = w[i]! - t[i]!;
      nn.optim.sgdStep(nn.matrix(w, 2, 5), g, v, { lr: 0.1 });
    }
    for (let i = 0; i < 10; i++) expect(w[i]).toBeCloseTo(t[i]!, 4);
  });

  it('rejects bad input', () => {
    const w = new Float32Array(4);
    expectCoded(() => nn.optim.sgdStep(w, new Float32Array(3), new Float32Array(4), { lr: 0.1 }), 'ERR_NNKIT_SHAPE');
    expectCoded(() => nn.optim.sgdStep(w, new Float32Array(4), new Float32Array(5), { lr: 0.1 }), 'ERR_NNKIT_SHAPE');
    expectCoded(() => nn.optim.sgdStep(w, new Float32Array(4), new Float32Array(4), { lr: -1 }), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.optim.sgdStep(w, new Float32Array(4), new Float32Array(4), { lr: 0.1, momentum: 1 }), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.optim.sgdStep(w, new Float32Array(4), new Float32Array(4), { lr: Number.NaN }), 'ERR_NNKIT_NONFINITE');
    expectCoded(() => nn.optim.sgdStep(w, w, new Float32Array(4), { lr: 0.1 }), 'ERR_NNKIT_ALIAS');
    expectCoded(() => nn.optim.sgdStep(w, new Float32Array(4), new Float32Array(4), undefined as unknown as nn.optim.SgdOptions), 'ERR_NNKIT_RANGE');
  });
});
