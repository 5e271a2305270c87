import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as nn from '../../lib/index';
import { bitsOf, dot, expectCoded, forEachSimdPath, gradRelError, lcg, lcgMatrix, numericGradient, withThreads } from './support';

const bit = (mask: nn.DropoutMask, i: number) => (mask.bits![i >>> 5]! >>> (i & 31)) & 1;

describe('nn.dropout', () => {
  it('keeps unit i exactly when its Philox word is below ceil(p·2^32) (every SIMD path)', () => {
    forEachSimdPath(() => {
      for (const [rows, cols] of [[1, 1], [3, 11], [33, 97], [300, 301]] as const) {
        for (const keepProb of [0.5, 0.8, 0.05, 1]) {
          const X = lcgMatrix(rows, cols, rows + cols);
          const rng = new nn.Rng(1234);
          rng.bits(new Uint32Array(5)); // start mid-stream
          const words = new nn.Rng(1234);
          words.bits(new Uint32Array(5));
          const w = words.bits(new Uint32Array(rows * cols));
          const { out, mask } = nn.dropout.forward(X, { keepProb, rng });
          const threshold = Math.ceil(keepProb * 2 ** 32);
          const scale = Math.fround(1 / keepProb);
          let wrong = 0;
          for (let i = 0; i < rows * cols; i++) {
            const keep = w[i]! < threshold;
            if (bit(mask, i) !== (keep ? 1 : 0) || out.data[i] !== (keep ? Math.fround(X.data[i]! * scale) : 0)) wrong++;
          }
          expect(wrong).toBe(0);
          expect(mask.scale).toBe(scale);
          // Both generators advanced by the same amount.
          expect(rng.bits(new Uint32Array(1))).toEqual(words.bits(new Uint32Array(1)));
        }
      }
    });
  });

  it('inverted dropout keeps the expectation; vanilla scales by p at test time', () => {
    const n = 1 << 18;
    const X = nn.matrix(new Float32Array(n).fill(3), 512, 512);
    for (const keepProb of [0.2, 0.5, 0.9]) {
      const { out } = nn.dropout.forward(X, { keepProb, rng: new nn.Rng(77) });
      let sum = 0;
      for (const v of out.data) sum += v;
      // out_i = 3/p · Bernoulli(p): sd of the mean = 3·sqrt((1 − p)/p) / sqrt(n).
      expect(Math.abs(sum / n - 3)).toBeLessThan(4 * 3 * Math.sqrt((1 - keepProb) / keepProb / n));
      const vanillaTrain = nn.dropout.forward(X, { keepProb, mode: 'vanilla', rng: new nn.Rng(77) }).out;
      for (let i = 0; i < n; i += 997) expect(vanillaTrain.data[i]).toBe(out.data[i] === 0 ? 0 : 3);
    }
    const Z = lcgMatrix(13, 17, 5);
    const test = nn.dropout.forward(Z, { keepProb: 0.3, mode: 'vanilla', training: false });
    expect(test.out.data).toEqual(Z.data.map((v) => Math.fround(v * Math.fround(0.3))));
    expect(test.mask.bits).toBeNull();
    const identity = nn.dropout.forward(Z, { keepProb: 0.3, training: false });
    expect(identity.out.data).toEqual(Z.data);
    expect(identity.out.data).not.toBe(Z.data);
    expect(nn.dropout.backward(Z, test.mask).data).toEqual(test.out.data);
  });

  it('backward multiplies by the mask, and passes a gradient check', () => {
    forEachSimdPath(() => {
      const X = lcgMatrix(7, 9, 8), G = lcgMatrix(7, 9, 9);
      const rngState = 55;
      const { mask } = nn.dropout.forward(X, { keepProb: 0.6, rng: new nn.Rng(rngState) });
      const dX = nn.dropout.backward(G, mask);
      for (let i = 0; i < 63; i++) expect(dX.data[i]).toBe(bit(mask, i) ? Math.fround(G.data[i]! * mask.scale) : 0);
      // The loss with the same mask (same seed every evaluation).
      const loss = () => dot(G.data, nn.dropout.forward(X, { keepProb: 0.6, rng: new nn.Rng(rngState) }).out.data);
      expect(gradRelError(dX.data, numericGradient(X.data, loss, 1e-2))).toBeLessThan(1e-2);
    });
  });

  it('gives the same mask for every thread count and SIMD path', () => {
    const X = lcgMatrix(1000, 333, 3);
    const run = () => {
      const { out, mask } = nn.dropout.forward(X, { keepProb: 0.7, rng: new nn.Rng(8) });
      return [bitsOf(out.data), mask.bits!.slice()];
    };
    const reference = run();
    forEachSimdPath(() => {
      for (const t of [1, 2, 3]) expect(withThreads(t, run)).toEqual(reference);
    });
  });

  it('property: the mask keep-rate is binomial(n, p) and bits past n are clear', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4000 }), fc.double({ min: 0.01, max: 1, noNaN: true }), fc.integer({ min: 0, max: 2 ** 30 }), (n, keepProb, seed) => {
        const X = nn.matrix(lcg(n, seed), 1, n);
        const { out, mask } = nn.dropout.forward(X, { keepProb, rng: new nn.Rng(seed) });
        let kept = 0;
        for (let i = 0; i < n; i++) {
          const b = bit(mask, i);
          kept += b;
          if (!b && out.data[i] !== 0) return false;
        }
        if (n % 32 !== 0 && mask.bits![mask.bits!.length - 1]! >>> (n % 32) !== 0) return false;
        const sd = Math.sqrt(n * keepProb * (1 - keepProb));
        return Math.abs(kept - n * keepProb) <= 5 * sd + 1;
      }),
      { numRuns: 200 },
    );
  });

  it('reuses out and maskBits, and runs in place', () => {
    const X = lcgMatrix(10, 10, 1);
    const copy = nn.matrix(X.data.slice(), 10, 10);
    const maskBits = new Uint32Array(4);
    const ref = nn.dropout.forward(copy, { keepProb: 0.5, rng: new nn.Rng(3) });
    const r = nn.dropout.forward(X, { keepProb: 0.5, rng: new nn.Rng(3), out: X, maskBits });
    expect(r.out).toBe(X);
    expect(r.mask.bits).toBe(maskBits);
    expect(X.data).toEqual(ref.out.data);
    expect(maskBits).toEqual(ref.mask.bits);
  });

  it('rejects bad keepProb, modes, masks and shapes', () => {
    const X = lcgMatrix(4, 4, 1);
    for (const keepProb of [0, -0.1, 1.5]) expectCoded(() => nn.dropout.forward(X, { keepProb }), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.dropout.forward(X, { keepProb: Number.NaN }), 'ERR_NNKIT_NONFINITE');
    expectCoded(() => nn.dropout.forward(X, { keepProb: '0.5' as unknown as number }), 'ERR_NNKIT_TYPE', TypeError);
    expectCoded(() => nn.dropout.forward(X, { mode: 'standard' as 'inverted' }), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.dropout.forward(X, { rng: Math as unknown as nn.Rng }), 'ERR_NNKIT_TYPE', TypeError);
    expectCoded(() => nn.dropout.forward(X, { maskBits: new Uint32Array(2) }), 'ERR_NNKIT_SHAPE');
    expectCoded(() => nn.dropout.forward(X, { out: new Float32Array(15) }), 'ERR_NNKIT_SHAPE');
    const { mask } = nn.dropout.forward(X);
    expectCoded(() => nn.dropout.backward(lcgMatrix(4, 5, 1), mask), 'ERR_NNKIT_SHAPE');
    expectCoded(() => nn.dropout.backward(X, { bits: new Uint32Array(2), length: 16, scale: 2 }), 'ERR_NNKIT_SHAPE');
    expectCoded(() => nn.dropout.backward(X, null as unknown as nn.DropoutMask), 'ERR_NNKIT_TYPE', TypeError);
  });
});

describe('nn.dropConnect', () => {
  it('masks weights from the generator and masks the weight gradient', () => {
    forEachSimdPath(() => {
      const W = lcgMatrix(37, 29, 2), G = lcgMatrix(37, 29, 3);
      const w = new nn.Rng(9).bits(new Uint32Array(37 * 29));
      const { out, mask } = nn.dropConnect.forward(W, { keepProb: 0.75, rng: new nn.Rng(9) });
      const dW = nn.dropConnect.backward(G, mask);
      const threshold = Math.ceil(0.75 * 2 ** 32);
      const scale = Math.fround(1 / 0.75);
      for (let i = 0; i < W.data.length; i++) {
        const keep = w[i]! < threshold;
        expect(out.data[i]).toBe(keep ? Math.fround(W.data[i]! * scale) : 0);
        expect(dW.data[i]).toBe(keep ? Math.fround(G.data[i]! * scale) : 0);
      }
      const vanilla = nn.dropConnect.forward(W, { keepProb: 0.75, mode: 'vanilla', rng: new nn.Rng(9) });
      for (let i = 0; i < W.data.length; i++) expect(vanilla.out.data[i]).toBe(w[i]! < threshold ? W.data[i] : 0);
    });
    expectCoded(() => nn.dropConnect.forward(lcgMatrix(2, 2, 1), { keepProb: 0 }), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.dropConnect.backward(lcgMatrix(2, 2, 1), { bits: null, length: 3, scale: 1 }), 'ERR_NNKIT_SHAPE');
  });
});
