/**
 * The `*Async` twins of nn.relu, nn.dropout and nn.dropConnect: the same bits as the sync calls
 * on every SIMD path, outputs written only when the Promise settles, the sync call's error codes
 * as rejections, and a free event loop during a large call.
 */
import { describe, expect, it } from 'vitest';
import * as nn from '../../lib/index';
import { forEachSimdPathAsync, sharedCopy, ticksDuring, wordsOf } from '../helpers';
import { lcgMatrix } from './support';

const shapes: [number, number][] = [[1, 1], [3, 7], [17, 33], [64, 129]];

describe('nn.relu async', () => {
  it('forwardAsync/backwardAsync give the sync bits (every SIMD path, in place too)', async () => {
    await forEachSimdPathAsync(async () => {
      for (const [r, c] of shapes) {
        const X = lcgMatrix(r, c, r * 31 + c);
        X.data[0] = NaN;
        if (X.data.length > 2) X.data[1] = -0;
        const dY = lcgMatrix(r, c, r + c);
        const f = await nn.relu.forwardAsync(X);
        expect(wordsOf(f.data)).toEqual(wordsOf(nn.relu.forward(X).data));
        // An independent check of the values: max(0, x), NaN passing through.
        for (let i = 0; i < X.data.length; i++) {
          const x = X.data[i]!;
          expect(Object.is(f.data[i], Number.isNaN(x) ? NaN : x < 0 ? 0 : x)).toBe(true);
        }
        const b = await nn.relu.backwardAsync(dY, X);
        expect(wordsOf(b.data)).toEqual(wordsOf(nn.relu.backward(dY, X).data));
        const inPlace = { data: X.data.slice(), rows: r, cols: c };
        expect((await nn.relu.forwardAsync(inPlace, { out: inPlace })).data).toBe(inPlace.data);
        expect(wordsOf(inPlace.data)).toEqual(wordsOf(f.data));
      }
    });
  });

  it('writes out only when the Promise settles; inputs are read as they were at the call', async () => {
    const X = lcgMatrix(64, 64, 5), want = nn.relu.forward(X);
    const out = new Float32Array(64 * 64).fill(7);
    const pending = nn.relu.forwardAsync(X, { out });
    expect(out.every((v) => v === 7)).toBe(true);
    X.data.fill(-1);  // after the call: the input was copied
    await pending;
    expect(wordsOf(out)).toEqual(wordsOf(want.data));
  });

  it('rejects bad input with the sync codes', async () => {
    const X = lcgMatrix(3, 4, 1);
    await expect(nn.relu.forwardAsync(X, { out: new Float32Array(5) })).rejects.toMatchObject({ code: 'ERR_NNKIT_SHAPE' });
    await expect(nn.relu.backwardAsync(lcgMatrix(4, 3, 1), X)).rejects.toMatchObject({ code: 'ERR_NNKIT_SHAPE' });
    await expect(nn.relu.forwardAsync({ data: new Float64Array(12), rows: 3, cols: 4 } as unknown as nn.Matrix)).rejects.toBeInstanceOf(TypeError);
    // A shifted view of X as out is an alias the kernels refuse (exact in-place is fine).
    const buf = new Float32Array(13);
    const shifted = { data: buf.subarray(0, 12), rows: 3, cols: 4 };
    await expect(nn.relu.forwardAsync(shifted, { out: buf.subarray(1, 13) })).rejects.toMatchObject({ code: 'ERR_NNKIT_ALIAS' });
    await expect(nn.relu.backwardAsync(X, X, { out: { data: new Float32Array(12), rows: 4, cols: 3 } })).rejects.toMatchObject({ code: 'ERR_NNKIT_SHAPE' });
  });

  // SharedArrayBuffer operands are used in place: nothing but the kernel runs, and it runs on the
  // pool. (With ordinary buffers the JS thread copies the operands in and the result out, which
  // for an elementwise kernel costs more than the kernel itself; see the TSDoc.)
  it('keeps the event loop free during large forwardAsync calls on shared memory', async () => {
    const X = sharedCopy(lcgMatrix(4096, 4096, 9)), out = sharedCopy(nn.matrix(4096, 4096));
    const { ticks, elapsed } = await ticksDuring(async () => {
      for (let i = 0; i < 20; i++) await nn.relu.forwardAsync(X, { out });
    });
    expect(out.data[1]).toBe(Math.max(0, X.data[1]!));
    expect(out.data[4096 * 4096 - 1]).toBe(Math.max(0, X.data[4096 * 4096 - 1]!));
    expect(ticks).toBeGreaterThan(Math.min(20, elapsed / 50));
    expect(ticks).toBeGreaterThan(5);
  });
});

describe('nn.dropout async', () => {
  it('forwardAsync draws the same mask and output as forward with the same Rng state (every SIMD path, both modes)', async () => {
    await forEachSimdPathAsync(async () => {
      for (const [r, c] of shapes)
        for (const mode of ['inverted', 'vanilla'] as const) {
          const X = lcgMatrix(r, c, r * 7 + c);
          const sync = nn.dropout.forward(X, { keepProb: 0.6, mode, rng: new nn.Rng(r + c) });
          const rng = new nn.Rng(r + c);
          const a = await nn.dropout.forwardAsync(X, { keepProb: 0.6, mode, rng });
          expect(wordsOf(a.out.data)).toEqual(wordsOf(sync.out.data));
          expect(a.mask.bits).toEqual(sync.mask.bits);
          expect(a.mask.scale).toBe(sync.mask.scale);
          // The Rng advanced exactly as the sync call's: the next draws agree.
          const after = new nn.Rng(r + c);
          nn.dropout.forward(X, { keepProb: 0.6, rng: after });
          expect(rng.uniform(new Float32Array(4))).toEqual(after.uniform(new Float32Array(4)));
          const dY = lcgMatrix(r, c, r);
          expect(wordsOf((await nn.dropout.backwardAsync(dY, a.mask)).data)).toEqual(wordsOf(nn.dropout.backward(dY, sync.mask).data));
          const evalSync = nn.dropout.forward(X, { keepProb: 0.6, mode, training: false });
          const evalAsync = await nn.dropout.forwardAsync(X, { keepProb: 0.6, mode, training: false });
          expect(wordsOf(evalAsync.out.data)).toEqual(wordsOf(evalSync.out.data));
          expect(evalAsync.mask.bits).toBeNull();
        }
    });
  });

  it('concurrent calls on one Rng draw in call order, like sync calls', async () => {
    const X = lcgMatrix(50, 40, 3);
    const syncRng = new nn.Rng(11);
    const want = [0, 1, 2].map(() => nn.dropout.forward(X, { keepProb: 0.3, rng: syncRng }).mask.bits);
    const rng = new nn.Rng(11);
    const got = await Promise.all([0, 1, 2].map(() => nn.dropout.forwardAsync(X, { keepProb: 0.3, rng })));
    expect(got.map((g) => g.mask.bits)).toEqual(want);
  });

  it('writes out and maskBits only when the Promise settles', async () => {
    const X = lcgMatrix(32, 32, 4);
    const want = nn.dropout.forward(X, { rng: new nn.Rng(2) });
    const out = new Float32Array(1024).fill(5), maskBits = new Uint32Array(32).fill(0xdeadbeef);
    const pending = nn.dropout.forwardAsync(X, { rng: new nn.Rng(2), out, maskBits });
    expect(out.every((v) => v === 5) && maskBits.every((w) => w === 0xdeadbeef)).toBe(true);
    const got = await pending;
    expect(got.mask.bits).toBe(maskBits);
    expect(maskBits).toEqual(want.mask.bits);
    expect(wordsOf(out)).toEqual(wordsOf(want.out.data));
  });

  it('rejects bad input with the sync codes', async () => {
    const X = lcgMatrix(4, 8, 1);
    await expect(nn.dropout.forwardAsync(X, { keepProb: 0 })).rejects.toMatchObject({ code: 'ERR_NNKIT_RANGE' });
    await expect(nn.dropout.forwardAsync(X, { mode: 'spatial' as 'inverted' })).rejects.toMatchObject({ code: 'ERR_NNKIT_RANGE' });
    await expect(nn.dropout.forwardAsync(X, { maskBits: new Uint32Array(2) })).rejects.toMatchObject({ code: 'ERR_NNKIT_SHAPE' });
    await expect(nn.dropout.forwardAsync(X, { rng: {} as nn.Rng })).rejects.toBeInstanceOf(TypeError);
    const { mask } = nn.dropout.forward(X);
    await expect(nn.dropout.backwardAsync(lcgMatrix(4, 9, 1), mask)).rejects.toMatchObject({ code: 'ERR_NNKIT_SHAPE' });
    await expect(nn.dropout.backwardAsync(X, { ...mask, bits: new Uint32Array(3) })).rejects.toMatchObject({ code: 'ERR_NNKIT_SHAPE' });
  });

  it('uses SharedArrayBuffer operands in place and gives the sync bits', async () => {
    const X = lcgMatrix(300, 70, 10), shared = sharedCopy(X), out = sharedCopy(nn.matrix(300, 70));
    const want = nn.dropout.forward(X, { rng: new nn.Rng(1) });
    const got = await nn.dropout.forwardAsync(shared, { rng: new nn.Rng(1), out });
    expect(got.out).toBe(out);
    expect(wordsOf(out.data)).toEqual(wordsOf(want.out.data));
    expect(got.mask.bits).toEqual(want.mask.bits);
  });
});

describe('nn.dropConnect async', () => {
  it('forwardAsync/backwardAsync give the sync bits (every SIMD path)', async () => {
    await forEachSimdPathAsync(async () => {
      for (const [r, c] of shapes) {
        const W = lcgMatrix(r, c, r * 3 + c);
        const sync = nn.dropConnect.forward(W, { keepProb: 0.8, rng: new nn.Rng(9) });
        const a = await nn.dropConnect.forwardAsync(W, { keepProb: 0.8, rng: new nn.Rng(9) });
        expect(wordsOf(a.out.data)).toEqual(wordsOf(sync.out.data));
        expect(a.mask.bits).toEqual(sync.mask.bits);
        const dW = lcgMatrix(r, c, c);
        expect(wordsOf((await nn.dropConnect.backwardAsync(dW, a.mask)).data)).toEqual(wordsOf(nn.dropConnect.backward(dW, sync.mask).data));
      }
    });
    await expect(nn.dropConnect.forwardAsync(lcgMatrix(2, 2, 1), { keepProb: 1.5 })).rejects.toMatchObject({ code: 'ERR_NNKIT_RANGE' });
    await expect(nn.dropConnect.backwardAsync(lcgMatrix(2, 2, 1), { bits: null, length: 3, scale: 1 })).rejects.toMatchObject({ code: 'ERR_NNKIT_SHAPE' });
  });
});
