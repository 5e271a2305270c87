import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
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

interface AdamRef { w: Float64Array; m: Float64Array; v: Float64Array }

/** Adam / AdamW in float64, as torch.optim writes it. */
function adamReference(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, t: number,
  o: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; decoupled: boolean }): AdamRef {
  const W = Float64Array.from(w), M = Float64Array.from(m), V = Float64Array.from(v);
  for (let i = 0; i < W.length; i++) {
    if (o.decoupled) W[i] = W[i]! * (1 - o.lr * o.weightDecay);
    const gi = g[i]! + (o.decoupled ? 0 : o.weightDecay * W[i]!);
    M[i] = o.beta1 * M[i]! + (1 - o.beta1) * gi;
    V[i] = o.beta2 * V[i]! + (1 - o.beta2) * gi * gi;
    const denom = Math.sqrt(V[i]!) / Math.sqrt(1 - o.beta2 ** t) + o.eps;
    W[i] = W[i]! - (o.lr / (1 - o.beta1 ** t)) * (M[i]! / denom);
  }
  return { w: W, m: M, v: V };
}

/** RMSProp in float64, as torch.optim writes it. */
function rmspropReference(w: Float32Array, g: Float32Array, s: Float32Array, b: Float32Array, a: Float32Array,
  o: { lr: number; alpha: number; eps: number; weightDecay: number; momentum: number; centered: boolean }) {
  const W = Float64Array.from(w), S = Float64Array.from(s), B = Float64Array.from(b), A = Float64Array.from(a);
  for (let i = 0; i < W.length; i++) {
    const gi = g[i]! + o.weightDecay * W[i]!;
    S[i] = o.alpha * S[i]! + (1 - o.alpha) * gi * gi;
    let d: number;
    if (o.centered) {
      A[i] = o.alpha * A[i]! + (1 - o.alpha) * gi;
      d = Math.sqrt(Math.max(S[i]! - A[i]! * A[i]!, 0)) + o.eps;
    } else {
      d = Math.sqrt(S[i]!) + o.eps;
    }
    if (o.momentum > 0) {
      B[i] = o.momentum * B[i]! + gi / d;
      W[i] = W[i]! - o.lr * B[i]!;
    } else {
      W[i] = W[i]! - (o.lr * gi) / d;
    }
  }
  return { w: W, s: S, b: B, a: A };
}

function expectClose(got: Float32Array, want: ArrayLike<number>, tol: number, what: string): void {
  let worst = 0, at = -1;
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!));
    if (!(err <= worst)) (worst = err), (at = i);
  }
  expect(worst, `${what}: worst at [${at}] ${got[at]} vs ${want[at]}`).toBeLessThanOrEqual(tol);
}

describe('nn.optim.adamStep and adamwStep', () => {
  const settings = [
    { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false },
    { lr: 0.003, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.1, decoupled: false },
    { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, decoupled: true },
  ];

  it('matches the float64 update over several steps on every SIMD path, odd lengths included', () => {
    for (const n of [1, 7, 17, 65537 + 3])
      for (const o of settings)
        forEachSimdPath((path) => {
          const w = lcg(n, 1), state = nn.optim.adamState(w);
          let ref: AdamRef = { w: Float64Array.from(w), m: new Float64Array(n), v: new Float64Array(n) };
          for (let t = 1; t <= 3; t++) {
            const g = lcg(n, 10 + t);
            ref = adamReference(Float32Array.from(ref.w), g, Float32Array.from(ref.m), Float32Array.from(ref.v), t, o);
            nn.optim.adamStep(w, g, state, o);
            expect(state.step).toBe(t);
            expectClose(w, ref.w, 2e-6, `${path} n=${n} ${JSON.stringify(o)} step ${t} w`);
            expectClose(state.m, ref.m, 1e-6, `${path} n=${n} step ${t} m`);
            expectClose(state.v, ref.v, 1e-6, `${path} n=${n} step ${t} v`);
          }
        });
  });

  it('gives bit-identical results on every SIMD path', () => {
    const results: Float32Array[] = [];
    forEachSimdPath(() => {
      const w = lcg(1001, 4), state = nn.optim.adamState(w);
      for (let s = 0; s < 4; s++) nn.optim.adamwStep(w, lcg(1001, 5 + s), state, { lr: 0.01, weightDecay: 0.1 });
      results.push(w, state.m, state.v);
    });
    for (let i = 3; i < results.length; i++)
      expect(Buffer.compare(Buffer.from(results[i]!.buffer), Buffer.from(results[i % 3]!.buffer))).toBe(0);
  });

  it('moves each weight by lr against its gradient\'s sign on the first step (property)', () => {
    // m̂ = g and v̂ = g² after one step, so the update is lr · g / (|g| + ε).
    fc.assert(
      fc.property(fc.float32Array({ minLength: 1, maxLength: 40, noNaN: true, noDefaultInfinity: true, min: -1e3, max: 1e3 }),
        fc.double({ min: 1e-4, max: 1, noNaN: true }), (g, lr) => {
          const w = new Float32Array(g.length), state = nn.optim.adamState(w);
          nn.optim.adamStep(w, g, state, { lr });
          for (let i = 0; i < g.length; i++) {
            const want = -lr * g[i]! / (Math.abs(g[i]!) + 1e-8);
            expect(Math.abs(w[i]! - want)).toBeLessThanOrEqual(1e-6 * lr + 1e-12);
          }
        }));
  });

  it('adamwStep is adamStep with decoupled decay, default weightDecay 0.01', () => {
    const a = lcg(50, 1), b = Float32Array.from(a), sa = nn.optim.adamState(a), sb = nn.optim.adamState(b), g = lcg(50, 2);
    nn.optim.adamwStep(a, g, sa, { lr: 0.1 });
    nn.optim.adamStep(b, g, sb, { lr: 0.1, weightDecay: 0.01, decoupled: true });
    expect(a).toEqual(b);
  });

  it('minimizes a quadratic', () => {
    const t = lcg(10, 6), w = new Float32Array(10), g = new Float32Array(10), state = nn.optim.adamState(w);
    for (let s = 0; s < 2000; s++) {
      for (let i = 0; i < 10; i++) g[i] = w[i]! - t[i]!;
      nn.optim.adamStep(nn.matrix(w, 2, 5), g, state, { lr: 0.01 * (1 - s / 2000) + 1e-4 });
    }
    for (let i = 0; i < 10; i++) expect(w[i]).toBeCloseTo(t[i]!, 3);
  });

  it('rejects bad input and leaves the state as it was', () => {
    const w = new Float32Array(4), state = nn.optim.adamState(w), g = new Float32Array(4);
    expectCoded(() => nn.optim.adamStep(w, new Float32Array(3), state, { lr: 0.1 }), 'ERR_NNKIT_SHAPE');
    expectCoded(() => nn.optim.adamStep(w, g, nn.optim.adamState(new Float32Array(5)), { lr: 0.1 }), 'ERR_NNKIT_SHAPE');
    expectCoded(() => nn.optim.adamStep(w, g, state, { lr: 0 }), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.optim.adamStep(w, g, state, { lr: 0.1, beta1: 1 }), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.optim.adamStep(w, g, state, { lr: 0.1, beta2: -0.1 }), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.optim.adamStep(w, g, state, { lr: 0.1, eps: 0 }), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.optim.adamStep(w, g, state, { lr: Number.NaN }), 'ERR_NNKIT_NONFINITE');
    expectCoded(() => nn.optim.adamwStep(w, g, state, { lr: 10, weightDecay: 0.5 }), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.optim.adamStep(w, g, { ...state, step: -1 }, { lr: 0.1 }), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.optim.adamStep(w, g, null as unknown as nn.optim.AdamState, { lr: 0.1 }), 'ERR_NNKIT_TYPE', TypeError);
    expectCoded(() => nn.optim.adamStep(w, g, state, { lr: 0.1, betas: [0.9, 0.99] } as unknown as nn.optim.AdamOptions), 'ERR_NNKIT_TYPE', TypeError);
    expectCoded(() => nn.optim.adamStep(w, w, state, { lr: 0.1 }), 'ERR_NNKIT_ALIAS');
    expectCoded(() => nn.optim.adamStep(w, g, { m: state.m, v: state.m, step: 0 }, { lr: 0.1 }), 'ERR_NNKIT_ALIAS');
    expectCoded(() => nn.optim.adamwStep(w, g, state, { lr: 0.1, decoupled: true } as unknown as nn.optim.AdamWOptions), 'ERR_NNKIT_TYPE', TypeError);
    expect(state.step).toBe(0);
    expect(state.m.every((x) => x === 0) && state.v.every((x) => x === 0) && w.every((x) => x === 0)).toBe(true);
  });
});

describe('nn.optim.rmspropStep', () => {
  const settings = [
    { lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false },
    { lr: 0.005, alpha: 0.9, eps: 1e-6, weightDecay: 0.05, momentum: 0.8, centered: false },
    { lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: true },
    { lr: 0.002, alpha: 0.95, eps: 1e-5, weightDecay: 0.01, momentum: 0.5, centered: true },
  ];

  it('matches the float64 update over several steps on every SIMD path, odd lengths included', () => {
    for (const n of [1, 7, 17, 65537 + 3])
      for (const o of settings)
        forEachSimdPath((path) => {
          const w = lcg(n, 1), state = nn.optim.rmspropState(w);
          let ref = { w: Float64Array.from(w), s: new Float64Array(n), b: new Float64Array(n), a: new Float64Array(n) };
          for (let t = 1; t <= 3; t++) {
            const g = lcg(n, 10 + t);
            ref = rmspropReference(Float32Array.from(ref.w), g, Float32Array.from(ref.s), Float32Array.from(ref.b), Float32Array.from(ref.a), o);
            nn.optim.rmspropStep(w, g, state, o);
            expectClose(w, ref.w, 2e-6, `${path} n=${n} ${JSON.stringify(o)} step ${t} w`);
            expectClose(state.squareAvg, ref.s, 1e-6, `${path} n=${n} step ${t} squareAvg`);
            expect(state.momentumBuffer !== null).toBe(o.momentum > 0);
            expect(state.gradAvg !== null).toBe(o.centered);
            if (state.momentumBuffer) expectClose(state.momentumBuffer, ref.b, 1e-5, `${path} n=${n} step ${t} momentumBuffer`);
            if (state.gradAvg) expectClose(state.gradAvg, ref.a, 1e-6, `${path} n=${n} step ${t} gradAvg`);
          }
        });
  });

  it('gives bit-identical results on every SIMD path', () => {
    const results: Float32Array[] = [];
    forEachSimdPath(() => {
      const w = lcg(1001, 4), state = nn.optim.rmspropState(w);
      for (let s = 0; s < 4; s++) nn.optim.rmspropStep(w, lcg(1001, 5 + s), state, { lr: 0.01, momentum: 0.9, centered: true, weightDecay: 0.01 });
      results.push(w, state.squareAvg, state.momentumBuffer!, state.gradAvg!);
    });
    for (let i = 4; i < results.length; i++)
      expect(Buffer.compare(Buffer.from(results[i]!.buffer), Buffer.from(results[i % 4]!.buffer))).toBe(0);
  });

  it('keeps the centered variance at zero or above where rounding would take it below', () => {
    // A constant gradient makes s − a² zero in exact arithmetic; float rounding must not give √(negative) = NaN.
    const w = new Float32Array(33), g = new Float32Array(33).fill(0.3), state = nn.optim.rmspropState(w);
    for (let s = 0; s < 50; s++) nn.optim.rmspropStep(w, g, state, { lr: 1e-3, centered: true, alpha: 0.9 });
    expect(w.every(Number.isFinite)).toBe(true);
  });

  it('rejects bad input', () => {
    const w = new Float32Array(4), state = nn.optim.rmspropState(w), g = new Float32Array(4);
    expectCoded(() => nn.optim.rmspropStep(w, g, state, { lr: 0.1, alpha: 1 }), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.optim.rmspropStep(w, g, state, { lr: 0.1, momentum: -0.5 }), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.optim.rmspropStep(w, g, { squareAvg: new Float32Array(3), momentumBuffer: null, gradAvg: null }, { lr: 0.1 }), 'ERR_NNKIT_SHAPE');
    expectCoded(() => nn.optim.rmspropStep(w, g, { ...state, momentumBuffer: new Float32Array(2) }, { lr: 0.1, momentum: 0.9 }), 'ERR_NNKIT_SHAPE');
    expectCoded(() => nn.optim.rmspropStep(w, g, state, { lr: 0.1, rho: 0.9 } as unknown as nn.optim.RmspropOptions), 'ERR_NNKIT_TYPE', TypeError);
    expectCoded(() => nn.optim.rmspropStep(w, g, { ...state, momentumBuffer: g }, { lr: 0.1, momentum: 0.9 }), 'ERR_NNKIT_ALIAS');
    expect(state.momentumBuffer).toBeNull();
    expect(state.squareAvg.every((x) => x === 0)).toBe(true);
  });
});

describe('nn.optim against torch.optim (PyTorch 1.13, test/fixtures/torch_optim.py)', () => {
  interface TorchCase { kind: 'adam' | 'adamw' | 'rmsprop'; options: Record<string, number | boolean>; w0: number[]; grads: number[][]; lrs: number[]; after: number[][] }
  const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'torch-optim.json'), 'utf8')) as { torch: string; cases: TorchCase[] };

  it('takes the same steps as Adam, AdamW and RMSprop, step by step, on every SIMD path', () => {
    expect(fixture.cases.length).toBe(8);
    for (const c of fixture.cases)
      forEachSimdPath((path) => {
        const w = Float32Array.from(c.w0);
        const adam = nn.optim.adamState(w), rms = nn.optim.rmspropState(w);
        c.grads.forEach((gs, s) => {
          const g = Float32Array.from(gs), opts = { ...c.options, lr: c.lrs[s]! };
          if (c.kind === 'adam') nn.optim.adamStep(w, g, adam, opts);
          else if (c.kind === 'adamw') nn.optim.adamwStep(w, g, adam, opts);
          else nn.optim.rmspropStep(w, g, rms, opts);
          // Float32 both sides, in a different order of rounding: a few ulps of the weights.
          expectClose(w, c.after[s]!, 1e-6, `${path} ${c.kind} ${JSON.stringify(c.options)} step ${s + 1}`);
        });
      });
  });
});
