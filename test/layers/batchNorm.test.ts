import { describe, expect, it } from 'vitest';
import * as nn from '../../lib/index';
import { bitsOf, dot, expectCoded, forEachSimdPath, gradRelError, lcg, lcgMatrix, maxRelError, numericGradient, withThreads } from './support';

/** Float64 mean and biased variance of column j. */
function columnMoments(x: ArrayLike<number>, n: number, d: number, j: number): { mu: number; v: number } {
  let mu = 0;
  for (let i = 0; i < n; i++) mu += x[i * d + j]!;
  mu /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (x[i * d + j]! - mu) ** 2;
  return { mu, v: v / n };
}

/** Float64 scalar batch norm, training mode: y and the batch mean / biased variance. */
function referenceTrain(x: ArrayLike<number>, n: number, d: number, gamma: ArrayLike<number>, beta: ArrayLike<number>, eps: number) {
  const y = new Float64Array(n * d), mean = new Float64Array(d), variance = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const { mu, v } = columnMoments(x, n, d, j);
    mean[j] = mu;
    variance[j] = v;
    for (let i = 0; i < n; i++) y[i * d + j] = gamma[j]! * (x[i * d + j]! - mu) / Math.sqrt(v + eps) + beta[j]!;
  }
  return { y, mean, variance };
}

/** Float64 backward by the staged chain rule (not the closed form the kernels use). */
function referenceBackward(x: ArrayLike<number>, dy: ArrayLike<number>, n: number, d: number, gamma: ArrayLike<number>, eps: number) {
  const dx = new Float64Array(n * d), dgamma = new Float64Array(d), dbeta = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const { mu, v } = columnMoments(x, n, d, j);
    const is = 1 / Math.sqrt(v + eps);
    let dvar = 0, dmu = 0;
    for (let i = 0; i < n; i++) {
      const xh = (x[i * d + j]! - mu) * is;
      dgamma[j]! += dy[i * d + j]! * xh;
      dbeta[j]! += dy[i * d + j]!;
      const dxh = dy[i * d + j]! * gamma[j]!;
      dvar += dxh * (x[i * d + j]! - mu) * -0.5 * is ** 3;
      dmu += -dxh * is;
    }
    for (let i = 0; i < n; i++) {
      const dxh = dy[i * d + j]! * gamma[j]!;
      dx[i * d + j] = dxh * is + dvar * 2 * (x[i * d + j]! - mu) / n + dmu / n;
    }
  }
  return { dx, dgamma, dbeta };
}

describe('nn.BatchNorm', () => {
  it('training forward, running statistics and evaluation match a float64 reference (every SIMD path)', () => {
    forEachSimdPath(() => {
      for (const [n, d] of [[2, 1], [7, 3], [33, 65], [130, 17]] as const) {
        const bn = new nn.BatchNorm(d, { momentum: 0.2, eps: 1e-3 });
        bn.gamma!.set(lcg(d, 1, 0.5, 2));
        bn.beta!.set(lcg(d, 2));
        const rm = new Float64Array(d), rv = new Float64Array(d).fill(1);
        for (let step = 0; step < 3; step++) {
          const X = lcgMatrix(n, d, 10 + step, 40, 60); // |mean| >> std
          const Y = bn.forward(X, { training: true });
          const ref = referenceTrain(X.data, n, d, bn.gamma!, bn.beta!, 1e-3);
          expect(maxRelError(Y.data, ref.y)).toBeLessThan(2e-4);
          for (let j = 0; j < d; j++) {
            rm[j] = 0.8 * rm[j]! + 0.2 * ref.mean[j]!;
            rv[j] = 0.8 * rv[j]! + 0.2 * ref.variance[j]! * n / (n - 1);
          }
          expect(maxRelError(bn.runningMean, rm)).toBeLessThan(1e-5);
          expect(maxRelError(bn.runningVar, rv)).toBeLessThan(1e-5);
        }
        const X = lcgMatrix(n, d, 99, 40, 60);
        const Y = bn.forward(X, { training: false });
        const expected = new Float64Array(n * d);
        for (let i = 0; i < n * d; i++) {
          const j = i % d;
          expected[i] = bn.gamma![j]! * (X.data[i]! - bn.runningMean[j]!) / Math.sqrt(bn.runningVar[j]! + 1e-3) + bn.beta![j]!;
        }
        expect(maxRelError(Y.data, expected)).toBeLessThan(1e-4);
      }
    });
  });

  it('backward matches a float64 staged chain rule (every SIMD path)', () => {
    forEachSimdPath(() => {
      for (const [n, d] of [[2, 3], [9, 5], [64, 67], [257, 3]] as const) {
        const bn = new nn.BatchNorm(d);
        bn.gamma!.set(lcg(d, 3, 0.5, 2));
        const X = lcgMatrix(n, d, 4, -3, 5), dY = lcgMatrix(n, d, 5);
        bn.forward(X);
        const g = bn.backward(dY);
        const ref = referenceBackward(X.data, dY.data, n, d, bn.gamma!, 1e-5);
        expect(maxRelError(g.dX.data, ref.dx)).toBeLessThan(1e-4);
        expect(maxRelError(g.dGamma!, ref.dgamma)).toBeLessThan(1e-4);
        expect(maxRelError(g.dBeta!, ref.dbeta)).toBeLessThan(1e-5);
      }
    });
  });

  it('passes centered finite-difference gradient checks for X, gamma and beta', () => {
    const n = 8, d = 5;
    const bn = new nn.BatchNorm(d);
    bn.gamma!.set(lcg(d, 6, 0.5, 2));
    bn.beta!.set(lcg(d, 7));
    const X = lcgMatrix(n, d, 8, -2, 2), G = lcgMatrix(n, d, 9);
    const loss = () => dot(G.data, bn.forward(X).data);
    bn.forward(X);
    const g = bn.backward(G);
    const gx = numericGradient(X.data, loss, 1e-2);
    const gg = numericGradient(bn.gamma!, loss, 1e-2);
    const gb = numericGradient(bn.beta!, loss, 1e-2);
    expect(gradRelError(g.dX.data, gx)).toBeLessThan(1e-2);
    expect(gradRelError(g.dGamma!, gg)).toBeLessThan(1e-2);
    expect(gradRelError(g.dBeta!, gb)).toBeLessThan(1e-2);
    // Tighter against finite differences of the float64 reference.
    const xd = Float64Array.from(X.data);
    const gx64 = numericGradient(xd, () => dot(G.data, referenceTrain(xd, n, d, bn.gamma!, bn.beta!, 1e-5).y), 1e-5);
    expect(gradRelError(g.dX.data, gx64)).toBeLessThan(1e-4);
  });

  it('without affine: y = x̂, no gamma/beta gradients', () => {
    const bn = new nn.BatchNorm(4, { affine: false });
    expect(bn.gamma).toBeNull();
    const X = lcgMatrix(10, 4, 11);
    const Y = bn.forward(X);
    const ref = referenceTrain(X.data, 10, 4, [1, 1, 1, 1], [0, 0, 0, 0], 1e-5);
    expect(maxRelError(Y.data, ref.y)).toBeLessThan(1e-5);
    const g = bn.backward(lcgMatrix(10, 4, 12));
    expect(g.dGamma).toBeNull();
    expect(g.dBeta).toBeNull();
  });

  it('gives the same bits for every thread count, and writes into given buffers', () => {
    const X = lcgMatrix(3000, 200, 13), dY = lcgMatrix(3000, 200, 14); // 3 row-block tasks
    const run = () => {
      const bn = new nn.BatchNorm(200);
      const Y = bn.forward(X);
      const g = bn.backward(dY);
      return [Y.data, g.dX.data, g.dGamma!, bn.runningVar].map((a) => bitsOf(a));
    };
    const one = withThreads(1, run);
    expect(withThreads(3, run)).toEqual(one);
    const bn = new nn.BatchNorm(200);
    const out = nn.matrix(3000, 200), dX = nn.matrix(3000, 200), dGamma = new Float32Array(200), dBeta = new Float32Array(200);
    expect(bn.forward(X, { out })).toBe(out);
    const g = bn.backward(dY, { dX, dGamma, dBeta });
    expect(g.dX).toBe(dX);
    expect(g.dGamma).toBe(dGamma);
    expect(g.dBeta).toBe(dBeta);
  });

  it('async forward/backward give the same bits and guard the layer while pending', async () => {
    const X = lcgMatrix(500, 37, 21), dY = lcgMatrix(500, 37, 22);
    const sync = new nn.BatchNorm(37), async = new nn.BatchNorm(37);
    const Y = sync.forward(X), g = sync.backward(dY);
    const pending = async.forwardAsync(X);
    expectCoded(() => async.forward(X), 'ERR_NNKIT_STATE');
    const Ya = await pending;
    const ga = await async.backwardAsync(dY);
    expect(bitsOf(Ya.data)).toEqual(bitsOf(Y.data));
    expect(bitsOf(ga.dX.data)).toEqual(bitsOf(g.dX.data));
    expect(bitsOf(ga.dGamma!)).toEqual(bitsOf(g.dGamma!));
    expect(bitsOf(async.runningVar)).toEqual(bitsOf(sync.runningVar));
    await expect(async.forwardAsync(lcgMatrix(3, 5, 1))).rejects.toMatchObject({ code: 'ERR_NNKIT_SHAPE' });
    await expect(new nn.BatchNorm(3).backwardAsync(lcgMatrix(3, 3, 1))).rejects.toMatchObject({ code: 'ERR_NNKIT_STATE' });
  });

  it('toJSON / fromJSON round-trips bit for bit and rejects bad documents', () => {
    const bn = new nn.BatchNorm(37, { momentum: 0.3, eps: 1e-4 });
    bn.forward(lcgMatrix(20, 37, 15, -7, 9));
    bn.gamma!.set(lcg(37, 16));
    bn.beta!.set(lcg(37, 17));
    bn.runningVar[3] = 1e-38; // subnormal-adjacent values survive too
    const text = JSON.stringify(bn);
    const back = nn.BatchNorm.fromJSON(JSON.parse(text));
    const fromText = nn.BatchNorm.fromJSON(text);
    for (const copy of [back, fromText]) {
      expect(copy.features).toBe(37);
      expect(copy.momentum).toBe(0.3);
      expect(copy.eps).toBe(1e-4);
      expect(bitsOf(copy.runningMean)).toEqual(bitsOf(bn.runningMean));
      expect(bitsOf(copy.runningVar)).toEqual(bitsOf(bn.runningVar));
      expect(bitsOf(copy.gamma!)).toEqual(bitsOf(bn.gamma!));
      expect(bitsOf(copy.beta!)).toEqual(bitsOf(bn.beta!));
    }
    const plain = nn.BatchNorm.fromJSON(JSON.stringify(new nn.BatchNorm(3, { affine: false })));
    expect(plain.affine).toBe(false);
    const doc = bn.toJSON();
    const bad: unknown[] = [
      null, 42, 'not json', [], { ...doc, format: 'nnkit.Standardizer' }, { ...doc, version: 2 }, { ...doc, features: 0 },
      { ...doc, features: 36 }, { ...doc, runningMean: doc.runningMean.slice(0, -4) }, { ...doc, runningVar: '!!!!' },
      { ...doc, gamma: 12 }, { ...doc, momentum: 2 }, { ...doc, eps: -1 }, { ...doc, affine: 'yes' }, { ...doc, beta: undefined },
    ];
    for (const b of bad) {
      let thrown: unknown;
      try {
        nn.BatchNorm.fromJSON(b);
      } catch (e) {
        thrown = e;
      }
      expect((thrown as { code?: string })?.code, JSON.stringify(b)?.slice(0, 60)).toBe('ERR_NNKIT_FORMAT');
      expect(thrown instanceof TypeError || thrown instanceof RangeError).toBe(true);
    }
  });

  it('rejects bad input and backward before a training forward', () => {
    expectCoded(() => new nn.BatchNorm(0), 'ERR_NNKIT_RANGE');
    expectCoded(() => new nn.BatchNorm(3, { momentum: 1.5 }), 'ERR_NNKIT_RANGE');
    expectCoded(() => new nn.BatchNorm(3, { eps: 0 }), 'ERR_NNKIT_RANGE');
    const bn = new nn.BatchNorm(3);
    expectCoded(() => bn.backward(lcgMatrix(4, 3, 1)), 'ERR_NNKIT_STATE');
    expectCoded(() => bn.forward(lcgMatrix(4, 5, 1)), 'ERR_NNKIT_SHAPE');
    expectCoded(() => bn.forward(lcgMatrix(1, 3, 1)), 'ERR_NNKIT_SHAPE');
    expect(bn.forward(lcgMatrix(1, 3, 1), { training: false }).rows).toBe(1);
    expectCoded(() => bn.backward(lcgMatrix(1, 3, 1)), 'ERR_NNKIT_STATE');
    const X = lcgMatrix(4, 3, 2);
    bn.forward(X);
    expectCoded(() => bn.backward(lcgMatrix(5, 3, 1)), 'ERR_NNKIT_SHAPE');
    expectCoded(() => bn.backward(lcgMatrix(4, 3, 1), { dGamma: new Float32Array(2) }), 'ERR_NNKIT_SHAPE');
    expectCoded(() => bn.forward(X, { out: X }), 'ERR_NNKIT_ALIAS');
    expectCoded(() => bn.forward(X, { training: 1 as unknown as boolean }), 'ERR_NNKIT_TYPE', TypeError);
  });
});
