/**
 * The `*Async` twins of every loss in nn.loss and of nn.softmax: the sync call's loss (same
 * double) and gradient bits on every SIMD path, gradients written only when the Promise settles,
 * the sync call's error codes as rejections, and a free event loop during a large call.
 */
import { describe, expect, it } from 'vitest';
import * as nn from '../../lib/index';
import { forEachSimdPathAsync, sharedCopy, ticksDuring, wordsOf } from '../helpers';
import { labelsFor, lcg } from './support';

const code = (c: string) => expect.objectContaining({ code: c });
const shapes: [number, number][] = [[1, 1], [1, 3], [5, 10], [37, 129], [256, 10]];

type Result = { loss: number; grad: nn.Matrix | null };

function expectSame(a: Result, b: Result): void {
  expect(Object.is(a.loss, b.loss)).toBe(true);
  if (b.grad === null) expect(a.grad).toBeNull();
  else expect(wordsOf(a.grad!.data)).toEqual(wordsOf(b.grad.data));
}

describe('nn.loss async twins', () => {
  it('give the sync loss and gradient bits for every loss, reduction and SIMD path', async () => {
    await forEachSimdPathAsync(async () => {
      for (const [r, c] of shapes) {
        const S = nn.matrix(lcg(r * c, r + c, -4, 4), r, c);
        if (r > 3) S.data[2 * c] = NaN;  // the documented NaN row, on both paths
        const y = labelsFor(r, c, 3);
        const signs = Float32Array.from(lcg(r * c, 7), (v) => (v > 0 ? 1 : -1));
        const probs = lcg(r * c, 8, 0, 1);
        const T = nn.matrix(lcg(r * c, 9, -2, 2), r, c);
        for (const reduction of ['mean', 'sum'] as const) {
          const o = { reduction };
          expectSame(await nn.loss.svmAsync(S, y, o), nn.loss.svm(S, y, o));
          expectSame(await nn.loss.svmAsync(S, y, { ...o, squared: true, margin: 0.5 }), nn.loss.svm(S, y, { ...o, squared: true, margin: 0.5 }));
          expectSame(await nn.loss.softmaxAsync(S, y, o), nn.loss.softmax(S, y, o));
          expectSame(await nn.loss.multiLabelHingeAsync(S, signs, o), nn.loss.multiLabelHinge(S, signs, o));
          expectSame(await nn.loss.sigmoidCrossEntropyAsync(S, probs, o), nn.loss.sigmoidCrossEntropy(S, probs, o));
          expectSame(await nn.loss.l2Async(S, T, o), nn.loss.l2(S, T, o));
          expectSame(await nn.loss.l1Async(S, T, o), nn.loss.l1(S, T, o));
        }
        expectSame(await nn.loss.softmaxAsync(S, y, { grad: false }), nn.loss.softmax(S, y, { grad: false }));
        expect(wordsOf((await nn.softmaxAsync(S)).data)).toEqual(wordsOf(nn.softmax(S).data));
        const inPlace = { data: S.data.slice(), rows: r, cols: c };
        await nn.softmaxAsync(inPlace, { out: inPlace });
        expect(wordsOf(inPlace.data)).toEqual(wordsOf(nn.softmax(S).data));
      }
    });
  });

  it('an independent value: the notes\' SVM example gives 8 asynchronously too', async () => {
    const r = await nn.loss.svmAsync(nn.matrix(new Float32Array([13, -7, 11]), 1, 3), new Int32Array([0]), { margin: 10 });
    expect(r.loss).toBe(8);
    expect(Array.from(r.grad!.data)).toEqual([-1, 0, 1]);
  });

  it('hierarchicalSoftmaxAsync gives the sync bits (balanced and Huffman trees, every SIMD path)', async () => {
    await forEachSimdPathAsync(async () => {
      for (const tree of [nn.LabelTree.balanced(37), nn.LabelTree.huffman([50, 1, 1, 9, 3, 3, 20]), nn.LabelTree.balanced(1)]) {
        const n = 19, d = 13;
        const H = nn.matrix(lcg(n * d, 1), n, d), V = nn.matrix(lcg(tree.internalNodes * d, 2), tree.internalNodes, d);
        const y = labelsFor(n, tree.numClasses, 5);
        for (const opts of [{}, { reduction: 'sum' as const }, { grad: false }]) {
          const a = await nn.loss.hierarchicalSoftmaxAsync(H, y, tree, V, opts), s = nn.loss.hierarchicalSoftmax(H, y, tree, V, opts);
          expect(Object.is(a.loss, s.loss)).toBe(true);
          expect(a.dH && wordsOf(a.dH.data)).toEqual(s.dH && wordsOf(s.dH.data));
          expect(a.dV && wordsOf(a.dV.data)).toEqual(s.dV && wordsOf(s.dV.data));
        }
      }
    });
  });

  it('LabelTree#logProbabilitiesAsync and #predictAsync give the sync results (every SIMD path); codes', async () => {
    await forEachSimdPathAsync(async () => {
      for (const tree of [nn.LabelTree.balanced(23), nn.LabelTree.huffman([5, 1, 1, 9, 3])]) {
        const n = 11, d = 6;
        const H = nn.matrix(lcg(n * d, 3), n, d), V = nn.matrix(lcg(tree.internalNodes * d, 4), tree.internalNodes, d);
        const want = tree.logProbabilities(H, V);
        const out = new Float32Array(n * tree.numClasses).fill(1);
        const pending = tree.logProbabilitiesAsync(H, V, { out });
        expect(out.every((v) => v === 1)).toBe(true);
        await pending;
        expect(wordsOf(out)).toEqual(wordsOf(want.data));
        expect(await tree.predictAsync(H, V)).toEqual(tree.predict(H, V));
      }
    });
    const tree = nn.LabelTree.balanced(8);
    await expect(tree.logProbabilitiesAsync(nn.matrix(2, 3), nn.matrix(tree.internalNodes, 4))).rejects.toThrow(code('ERR_NNKIT_SHAPE'));
    await expect(tree.logProbabilitiesAsync(nn.matrix(2, 3), nn.matrix(tree.internalNodes, 3), { out: new Float32Array(3) })).rejects.toThrow(code('ERR_NNKIT_SHAPE'));
    await expect(tree.predictAsync(nn.matrix(2, 3), {} as nn.Matrix)).rejects.toThrow(TypeError);
  });

  it('keeps the event loop free while the log-probabilities of 4096 classes are computed', async () => {
    const tree = nn.LabelTree.balanced(4096), n = 600, d = 256;
    const H = nn.matrix(lcg(n * d, 5), n, d), V = nn.matrix(lcg(tree.internalNodes * d, 6, -0.1, 0.1), tree.internalNodes, d);
    const { result, ticks, elapsed } = await ticksDuring(() => tree.predictAsync(H, V));
    expect(result.length).toBe(n);
    expect(ticks).toBeGreaterThan(Math.min(20, elapsed / 50));
    expect(ticks).toBeGreaterThan(5);
  });

  it('writes the gradient only when the Promise settles; inputs are read as they were at the call', async () => {
    const S = nn.matrix(lcg(64 * 50, 1, -3, 3), 64, 50), y = labelsFor(64, 50, 1);
    const want = nn.loss.softmax(S, y);
    const grad = new Float32Array(64 * 50).fill(7);
    const pending = nn.loss.softmaxAsync(S, y, { grad });
    expect(grad.every((v) => v === 7)).toBe(true);
    S.data.fill(0);
    y.fill(0);
    const got = await pending;
    expect(got.grad!.data).toBe(grad);
    expectSame(got, want);
    // dH and dV likewise.
    const tree = nn.LabelTree.balanced(10), H = nn.matrix(lcg(8 * 4, 2), 8, 4), V = nn.matrix(lcg(tree.internalNodes * 4, 3), tree.internalNodes, 4);
    const yh = labelsFor(8, 10, 2), wantH = nn.loss.hierarchicalSoftmax(H, yh, tree, V);
    const dH = new Float32Array(32).fill(9), dV = new Float32Array(tree.internalNodes * 4).fill(9);
    const p = nn.loss.hierarchicalSoftmaxAsync(H, yh, tree, V, { dH, dV });
    expect(dH.every((v) => v === 9) && dV.every((v) => v === 9)).toBe(true);
    H.data.fill(0);
    await p;
    expect(wordsOf(dH)).toEqual(wordsOf(wantH.dH!.data));
    expect(wordsOf(dV)).toEqual(wordsOf(wantH.dV!.data));
  });

  it('rejects bad input with the sync codes (and never throws synchronously)', async () => {
    const S = () => nn.matrix(lcg(12, 1), 3, 4);
    for (const labels of [new Int32Array([0, 4, 1]), new Int32Array([0, -1, 1]), new Uint8Array([0, 1, 200])]) {
      await expect(nn.loss.softmaxAsync(S(), labels)).rejects.toThrow(code('ERR_NNKIT_RANGE'));
      await expect(nn.loss.svmAsync(S(), labels)).rejects.toThrow(RangeError);
    }
    await expect(nn.loss.softmaxAsync(S(), new Int32Array([0, 4, 1]))).rejects.toThrow(/row 1/);
    await expect(nn.loss.softmaxAsync(S(), new Float32Array(3) as unknown as Int32Array)).rejects.toThrow(TypeError);
    await expect(nn.loss.svmAsync(S(), new Int32Array(2))).rejects.toThrow(code('ERR_NNKIT_SHAPE'));
    await expect(nn.loss.svmAsync(S(), new Int32Array(3), { margin: NaN })).rejects.toThrow(code('ERR_NNKIT_NONFINITE'));
    await expect(nn.loss.softmaxAsync(S(), new Int32Array(3), { grad: new Float32Array(5) })).rejects.toThrow(code('ERR_NNKIT_SHAPE'));
    await expect(nn.loss.softmaxAsync(S(), new Int32Array(3), { reduction: 'avg' as 'mean' })).rejects.toThrow(code('ERR_NNKIT_RANGE'));
    const s = S();
    await expect(nn.loss.softmaxAsync(s, new Int32Array(3), { grad: s.data })).rejects.toThrow(code('ERR_NNKIT_ALIAS'));
    // Targets out of their domain are found by the kernel on the pool: the Promise rejects, grad is untouched.
    const t = new Float32Array(12), grad = new Float32Array(12).fill(3);
    t[9] = 0.5;
    await expect(nn.loss.multiLabelHingeAsync(S(), t, { grad })).rejects.toThrow(/row 2/);
    expect(grad.every((v) => v === 3)).toBe(true);
    t[9] = 2;
    await expect(nn.loss.sigmoidCrossEntropyAsync(S(), t)).rejects.toThrow(code('ERR_NNKIT_RANGE'));
    await expect(nn.loss.l2Async(S(), nn.matrix(4, 3))).rejects.toThrow(code('ERR_NNKIT_SHAPE'));
    await expect(nn.loss.l1Async(S(), new Float32Array(11))).rejects.toThrow(code('ERR_NNKIT_SHAPE'));
    await expect(nn.softmaxAsync(nn.matrix(2, 0))).rejects.toThrow(code('ERR_NNKIT_SHAPE'));
    const tree = nn.LabelTree.balanced(4), H = nn.matrix(3, 2), V = nn.matrix(tree.internalNodes, 2);
    await expect(nn.loss.hierarchicalSoftmaxAsync(H, new Int32Array([0, 4, 1]), tree, V)).rejects.toThrow(code('ERR_NNKIT_RANGE'));
    await expect(nn.loss.hierarchicalSoftmaxAsync(H, new Int32Array(3), tree, nn.matrix(2, 2))).rejects.toThrow(code('ERR_NNKIT_SHAPE'));
    await expect(nn.loss.hierarchicalSoftmaxAsync(H, new Int32Array(3), {} as nn.LabelTree, V)).rejects.toThrow(TypeError);
    // Labels on a SharedArrayBuffer are copied and checked on the copy.
    const shared = new Int32Array(new SharedArrayBuffer(12));
    shared.set([0, 3, 1]);
    const r = await nn.loss.softmaxAsync(S(), shared);
    expect(r.loss).toBe(nn.loss.softmax(S(), new Int32Array([0, 3, 1])).loss);
  });

  it('keeps the event loop free during large calls on shared memory', async () => {
    const S = sharedCopy(nn.matrix(lcg(8192 * 1000, 4, -5, 5), 8192, 1000)), y = labelsFor(8192, 1000, 1);
    const grad = sharedCopy(nn.matrix(8192, 1000));
    const want = nn.loss.softmax(S, y);
    const { result, ticks, elapsed } = await ticksDuring(async () => {
      let r: Result = { loss: 0, grad: null };
      // Enough calls to span well over 30 ms (the 5 ms timer must fire > 5 times) now that one
      // call takes ~2–4 ms.
      for (let i = 0; i < 40; i++) r = await nn.loss.softmaxAsync(S, y, { grad });
      return r;
    });
    expect(result.loss).toBe(want.loss);
    const got = wordsOf(grad.data), expected = wordsOf(want.grad!.data);
    let differing = 0;
    for (let i = 0; i < expected.length; i++) if (got[i] !== expected[i]) differing++;
    expect(differing).toBe(0);
    expect(ticks).toBeGreaterThan(Math.min(20, elapsed / 50));
    expect(ticks).toBeGreaterThan(5);
  });
});
