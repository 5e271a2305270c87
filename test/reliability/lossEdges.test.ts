/**
 * Numerical edge cases of the losses and of softmax, on every SIMD path, against the float64
 * references of test/loss/reference.ts: logits of ±1e4 and ±1e30, all-equal scores, a single
 * sample, a single class, margins exactly at zero, and the documented overflow of row losses
 * beyond the float32 range (+Infinity, never NaN).
 */
import { describe, expect, it } from 'vitest';
import * as nn from '../../lib/index';
import { forEachSimdPath, lcg } from '../helpers';
import { l1Ref, l2Ref, multiLabelHingeRef, type Ref, sigmoidCrossEntropyRef, softmaxRef, svmRef } from '../loss/reference';

function labelsFor(n: number, c: number, seed: number): Int32Array {
  return Int32Array.from(lcg(n, seed, 0, c), (v) => Math.min(c - 1, Math.floor(v)));
}

/** loss within 1e-5 relative (+1e-6), gradient within 1e-5 relative (+1e-6) of the float64 reference / N. */
function expectClose(where: string, got: nn.loss.LossResult, ref: Ref, n: number): void {
  const want = ref.loss / n;
  expect(Math.abs(got.loss - want), `${where}: loss ${got.loss} vs ${want}`).toBeLessThanOrEqual(1e-5 * Math.abs(want) + 1e-6);
  const g = got.grad!.data;
  for (let i = 0; i < g.length; i++) {
    const w = ref.grad[i]! / n;
    expect(Math.abs(g[i]! - w), `${where}: grad[${i}] ${g[i]} vs ${w}`).toBeLessThanOrEqual(1e-5 * Math.abs(w) + 1e-6);
  }
}

const allFinite = (r: nn.loss.LossResult) => Number.isFinite(r.loss) && r.grad!.data.every(Number.isFinite);

describe('loss edge cases', () => {
  for (const scale of [1e4, 1e30]) {
    it(`logits of ±${scale}: softmax, SVM, sigmoid CE, multi-label hinge and L1 are finite and match float64`, () => {
      for (const [n, c] of [[9, 5], [1, 17], [16, 3]] as const) {
        const f = lcg(n * c, n + c).map((v) => v * scale);
        const y = labelsFor(n, c, 7);
        const probs = lcg(n * c, 3, 0, 1);
        const signs = Float32Array.from(lcg(n * c, 4), (v) => (v > 0 ? 1 : -1));
        const S = nn.matrix(f, n, c);
        forEachSimdPath((path) => {
          const at = `${path} ${n}×${c}`;
          const cases: [string, nn.loss.LossResult, Ref][] = [
            ['softmax', nn.loss.softmax(S, y), softmaxRef(f, n, c, y)],
            ['svm', nn.loss.svm(S, y), svmRef(f, n, c, y)],
            ['sigmoidCrossEntropy', nn.loss.sigmoidCrossEntropy(S, probs), sigmoidCrossEntropyRef(f, probs)],
            ['multiLabelHinge', nn.loss.multiLabelHinge(S, signs), multiLabelHingeRef(f, signs)],
            ['l1', nn.loss.l1(S, probs), l1Ref(f, probs)],
          ];
          for (const [name, got, ref] of cases) {
            expect(allFinite(got), `${at} ${name}`).toBe(true);
            expectClose(`${at} ${name}`, got, ref, n);
          }
          // squared terms: (2e4)² is fine, (2e30)² is beyond float32 (documented: +Infinity, finite gradient)
          const sq = nn.loss.svm(S, y, { squared: true }), l2 = nn.loss.l2(S, probs);
          if (scale === 1e4) {
            expectClose(`${at} squared svm`, sq, svmRef(f, n, c, y, 1, true), n);
            expectClose(`${at} l2`, l2, l2Ref(f, probs), n);
          } else {
            expect([sq.loss, l2.loss], at).toEqual([Infinity, Infinity]);
            expect(sq.grad!.data.every(Number.isFinite) && l2.grad!.data.every(Number.isFinite), at).toBe(true);
          }
        });
      }
    });
  }

  it('scores near the float32 limit (±3e38): losses overflow to +Infinity, never NaN', () => {
    const n = 3, c = 4;
    const f = Float32Array.from(lcg(n * c, 11), (v) => (v > 0 ? 3e38 : -3e38));
    const S = nn.matrix(f, n, c), y = labelsFor(n, c, 2), t = lcg(n * c, 5, 0, 1);
    forEachSimdPath((path) => {
      for (const r of [nn.loss.softmax(S, y), nn.loss.svm(S, y), nn.loss.svm(S, y, { squared: true }), nn.loss.sigmoidCrossEntropy(S, t), nn.loss.l2(S, t), nn.loss.l1(S, t)]) {
        expect(Number.isNaN(r.loss), path).toBe(false);
        expect(r.loss, path).toBeGreaterThan(0);
        expect(r.grad!.data.some(Number.isNaN), path).toBe(false);
      }
    });
  });

  it('all-equal scores: softmax gives log C and 1/C − onehot, the SVM (C−1)·Δ, sigmoid CE log 2 per entry', () => {
    for (const c of [2, 7, 33]) {
      const n = 5;
      for (const value of [0, -1e4, 1e30]) {
        const S = nn.matrix(new Float32Array(n * c).fill(value), n, c);
        const y = labelsFor(n, c, c);
        forEachSimdPath((path) => {
          const sm = nn.loss.softmax(S, y);
          expect(sm.loss, `${path} C=${c} f=${value}`).toBeCloseTo(Math.log(c), 5);
          for (let i = 0; i < n; i++)
            for (let j = 0; j < c; j++) expect(sm.grad!.data[i * c + j]!).toBeCloseTo((1 / c - (j === y[i] ? 1 : 0)) / n, 7);
          expect(nn.loss.svm(S, y, { margin: 0.5 }).loss).toBeCloseTo((c - 1) * 0.5, 4);
          if (value === 0) expect(nn.loss.sigmoidCrossEntropy(S, new Float32Array(n * c).fill(1)).loss).toBeCloseTo(c * Math.LN2, 4); // float32 row sums
          expect(Array.from(nn.softmax(S).data).every((p) => Math.abs(p - 1 / c) < 1e-7)).toBe(true);
        });
      }
    }
  });

  it('a single sample and a single class', () => {
    forEachSimdPath((path) => {
      const one = nn.matrix(new Float32Array([3, -1e4, 1e30]), 3, 1);
      const y = new Int32Array(3);
      for (const r of [nn.loss.softmax(one, y), nn.loss.svm(one, y), nn.loss.svm(one, y, { squared: true })]) {
        expect(r.loss, path).toBe(0);
        expect(r.grad!.data.every((g) => g === 0), path).toBe(true);
      }
      expect(Array.from(nn.softmax(one).data)).toEqual([1, 1, 1]);
      const single = nn.matrix(new Float32Array([2, 1, -3]), 1, 3);
      expectClose(`${path} N=1 softmax`, nn.loss.softmax(single, new Int32Array([2])), softmaxRef(single.data, 1, 3, [2]), 1);
      expectClose(`${path} N=1 svm`, nn.loss.svm(single, new Uint8Array([1])), svmRef(single.data, 1, 3, [1]), 1);
    });
  });

  it('margins exactly at zero contribute nothing and have a zero subgradient (1[margin > 0])', () => {
    forEachSimdPath((path) => {
      // f_0 − f_1 + Δ = 1 − 2 + 1 = 0, exactly
      const S = nn.matrix(new Float32Array([1, 2]), 1, 2);
      for (const squared of [false, true]) {
        const r = nn.loss.svm(S, new Int32Array([1]), { squared });
        expect(r.loss, path).toBe(0);
        expect(Array.from(r.grad!.data).map(Math.abs), path).toEqual([0, 0]);
      }
      // multi-label hinge: 1 − y·f = 0 for f = y = ±1
      const h = nn.loss.multiLabelHinge(nn.matrix(new Float32Array([1, -1]), 1, 2), new Float32Array([1, -1]));
      expect(h.loss, path).toBe(0);
      expect(Array.from(h.grad!.data).map(Math.abs), path).toEqual([0, 0]);
    });
  });

  it('softmax probabilities of ±1e4 and ±1e30 logits match float64 and sum to 1', () => {
    for (const scale of [1e4, 1e30]) {
      const n = 7, c = 9;
      const f = lcg(n * c, 21).map((v) => v * scale);
      const ref = softmaxRef(f, n, c, new Int32Array(n));
      forEachSimdPath((path) => {
        const p = nn.softmax(nn.matrix(f, n, c)).data;
        for (let i = 0; i < n; i++) {
          let sum = 0;
          for (let j = 0; j < c; j++) {
            const want = ref.grad[i * c + j]! + (j === 0 ? 1 : 0); // softmaxRef's gradient is p − onehot(0)
            expect(Math.abs(p[i * c + j]! - want), `${path} ${scale} (${i},${j})`).toBeLessThan(1e-6);
            sum += p[i * c + j]!;
          }
          expect(sum).toBeCloseTo(1, 5);
        }
      });
    }
  });

  it('hierarchical softmax with v·h = ±1e4 is finite and matches −Σ log σ(±v·h) in float64', () => {
    const tree = nn.LabelTree.balanced(6);
    const d = 3, n = 4;
    const H = nn.matrix(Float32Array.from(lcg(n * d, 8), (v) => v * 1e4), n, d);
    const V = nn.matrix(lcg(tree.internalNodes * d, 9), tree.internalNodes, d);
    const y = new Uint16Array([0, 3, 5, 2]);
    const logSigmoid = (z: number) => (z >= 0 ? -Math.log1p(Math.exp(-z)) : z - Math.log1p(Math.exp(z)));
    let want = 0;
    for (let i = 0; i < n; i++)
      for (let p = tree.offsets[y[i]!]!; p < tree.offsets[y[i]! + 1]!; p++) {
        let z = 0;
        for (let k = 0; k < d; k++) z += V.data[tree.nodes[p]! * d + k]! * H.data[i * d + k]!;
        want -= logSigmoid(tree.bits[p] ? z : -z);
      }
    forEachSimdPath((path) => {
      const r = nn.loss.hierarchicalSoftmax(H, y, tree, V, { reduction: 'sum' });
      expect(Math.abs(r.loss - want), `${path}: ${r.loss} vs ${want}`).toBeLessThanOrEqual(1e-5 * want + 1e-6);
      expect(r.dH!.data.every(Number.isFinite) && r.dV!.data.every(Number.isFinite)).toBe(true);
    });
  });
});
