import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as nn from '../../lib/index';
import { multiLabelHingeRef, scaled, sigmoidCrossEntropyRef, softmaxRef, svmRef } from './reference';
import { expectClose, expectNumberClose, forEachSimdPath, labelsFor, lcg, numericGradient64 } from './support';

// Rows ≥ 8 with C ≤ 16 reach the AVX2 kernel that puts 8 rows in lanes (and its row tail).
const SHAPES: [number, number][] = [[1, 1], [3, 2], [5, 7], [4, 8], [6, 9], [2, 17], [7, 33], [3, 100], [37, 1000],
  [8, 1], [17, 3], [8, 8], [19, 10], [64, 16], [9, 15]];

describe('nn.loss.svm', () => {
  it('reproduces the CS231n worked examples', () => {
    // Linear classification notes: scores [13, −7, 11], y = 0, Δ = 10 → max(0, −10) + max(0, 8) = 8.
    const r = nn.loss.svm(nn.matrix(new Float32Array([13, -7, 11]), 1, 3), new Int32Array([0]), { margin: 10 });
    expect(r.loss).toBe(8);
    expect(Array.from(r.grad!.data)).toEqual([-1, 0, 1]);
    // The three-image example (Δ = 1): cat [3.2, 5.1, −1.7] → 2.9, car [1.3, 4.9, 2.0] → 0,
    // frog [2.2, 2.5, −3.1] → 12.9; the data loss is their mean 5.27.
    const scores = nn.matrix(new Float32Array([3.2, 5.1, -1.7, 1.3, 4.9, 2.0, 2.2, 2.5, -3.1]), 3, 3);
    const y = new Uint8Array([0, 1, 2]);
    const sum = nn.loss.svm(scores, y, { reduction: 'sum', grad: false });
    expectNumberClose(sum.loss, 2.9 + 0 + 12.9, 1e-6, 1e-5, 'sum');
    expect(sum.grad).toBeNull();
    expectNumberClose(nn.loss.svm(scores, y).loss, (2.9 + 12.9) / 3, 1e-6, 1e-5, 'mean');
  });

  it('matches the float64 reference on every SIMD path and tail, hinge and squared hinge', () => {
    forEachSimdPath((path) => {
      for (const [n, c] of SHAPES)
        for (const squared of [false, true])
          for (const margin of [1, 0.5]) {
            const f = lcg(n * c, n * 100 + c, -2, 2);
            const y = labelsFor(n, c, c);
            const r = nn.loss.svm(nn.matrix(f, n, c), y, { squared, margin });
            const ref = svmRef(f, n, c, y, margin, squared);
            expectNumberClose(r.loss, ref.loss / n, 1e-5, 1e-6, `${path} ${n}x${c} loss`);
            expectClose(r.grad!.data, scaled(ref.grad, 1 / n), 1e-5, 1e-6, `${path} ${n}x${c} squared=${squared} grad`);
          }
    });
  });

  it('agrees with float64 finite differences and nn.gradcheck', () => {
    const n = 4, c = 9;
    const f = lcg(n * c, 3, -2, 2);
    const y = labelsFor(n, c, 1);
    for (const squared of [false, true]) {
      const r = nn.loss.svm(nn.matrix(f, n, c), y, { squared, reduction: 'sum' });
      const numeric = numericGradient64((x) => svmRef(x, n, c, y, 1, squared).loss, f);
      expectClose(r.grad!.data, numeric, 1e-4, 1e-4, 'fd');
      const check = nn.gradcheck((x) => nn.loss.svm(nn.matrix(x, n, c), y, { squared, reduction: 'sum', grad: false }).loss,
        f, r.grad!, { h: 1e-3 });
      expect(check.passed, JSON.stringify(check.worst[0])).toBe(true);
    }
  });
});

describe('nn.loss.softmax', () => {
  // c = 10: 8 short rows share a register; c = 37 and 1000: one row at a time, with a tail.
  it.each([10, 37, 1000])('poisons exactly the rows with a non-finite score (C = %i)', (c) => {
    const n = 24;
    const f = lcg(n * c, 5, -3, 3);
    f[2 * c + 4] = -Infinity;
    f[9 * c] = Infinity;
    f[12 * c + c - 1] = Number.NaN;  // the last score: in the tail block of the row kernel
    f[15 * c + (c >> 1)] = Number.NaN;
    for (let j = 0; j < c; j++) f[20 * c + j] = -Infinity;  // every score −inf
    const y = labelsFor(n, c, c);
    const poisoned = new Set([2, 9, 12, 15, 20]);
    forEachSimdPath((path) => {
      const p = nn.softmax(nn.matrix(f, n, c));
      for (let row = 0; row < n; row++)
        expect(p.data.subarray(row * c, (row + 1) * c).every(Number.isNaN), `${path} probabilities row ${row}`).toBe(poisoned.has(row));
      const r = nn.loss.softmax(nn.matrix(f, n, c), y);
      expect(Number.isNaN(r.loss)).toBe(true);
      for (let row = 0; row < n; row++) {
        const g = r.grad!.data.subarray(row * c, (row + 1) * c);
        if (poisoned.has(row)) expect(g.every(Number.isNaN), `${path} row ${row}`).toBe(true);
        else expectClose(g, scaled(softmaxRef(f.subarray(row * c, (row + 1) * c), 1, c, [y[row]!]).grad, 1 / n), 1e-5, 1e-7, `${path} row ${row}`);
      }
    });
  });

  it('matches the float64 reference on every SIMD path and tail', () => {
    forEachSimdPath((path) => {
      for (const [n, c] of SHAPES) {
        const f = lcg(n * c, n * 31 + c, -5, 5);
        const y = labelsFor(n, c, 2);
        for (const reduction of ['mean', 'sum'] as const) {
          const r = nn.loss.softmax(nn.matrix(f, n, c), y, { reduction });
          const ref = softmaxRef(f, n, c, y);
          const d = reduction === 'mean' ? n : 1;
          expectNumberClose(r.loss, ref.loss / d, 1e-5, 1e-6, `${path} ${n}x${c} loss`);
          expectClose(r.grad!.data, scaled(ref.grad, 1 / d), 1e-5, 1e-7, `${path} ${n}x${c} grad`);
        }
      }
    });
  });

  it('is stable for scores of ±1e4', () => {
    forEachSimdPath((path) => {
      const n = 5, c = 13;
      const f = lcg(n * c, 9, -1e4, 1e4);
      const y = labelsFor(n, c, 0);
      const r = nn.loss.softmax(nn.matrix(f, n, c), y);
      expect(Number.isFinite(r.loss), path).toBe(true);
      expect(r.grad!.data.every(Number.isFinite)).toBe(true);
      expectNumberClose(r.loss, softmaxRef(f, n, c, y).loss / n, 1e-5, 1e-3, path);
    });
  });

  it('agrees with float64 finite differences and nn.gradcheck', () => {
    const n = 3, c = 7;
    const f = lcg(n * c, 5, -3, 3);
    const y = labelsFor(n, c, 4);
    const r = nn.loss.softmax(nn.matrix(f, n, c), y, { reduction: 'sum' });
    expectClose(r.grad!.data, numericGradient64((x) => softmaxRef(x, n, c, y).loss, f), 1e-5, 1e-6, 'fd');
    // Small gradient entries (~5e-3) next to a loss of ~6 in float32: h = 1e-2 keeps the rounding
    // noise of the difference below the tolerance; the truncation error h²·f'''/6 stays ~1e-5.
    const check = nn.gradcheck((x) => nn.loss.softmax(nn.matrix(x, n, c), y, { reduction: 'sum', grad: false }).loss, f, r.grad!, { h: 1e-2 });
    expect(check.passed, JSON.stringify(check.worst)).toBe(true);
  });

  it('writes into a caller buffer and accepts every label type', () => {
    const n = 4, c = 5;
    const f = lcg(n * c, 1);
    const buf = new Float32Array(n * c);
    const expected = nn.loss.softmax(nn.matrix(f, n, c), new Int32Array([0, 1, 2, 4]));
    for (const labels of [new Uint32Array([0, 1, 2, 4]), new Uint16Array([0, 1, 2, 4]), new Uint8Array([0, 1, 2, 4])]) {
      const r = nn.loss.softmax(nn.matrix(f, n, c), labels, { grad: buf });
      expect(r.grad!.data).toBe(buf);
      expect(r.loss).toBe(expected.loss);
      expect(Array.from(buf)).toEqual(Array.from(expected.grad!.data));
    }
    // a view with a non-zero byteOffset works too
    const big = new Float32Array(n * c + 3);
    big.set(f, 3);
    expect(nn.loss.softmax(nn.matrix(big.subarray(3), n, c), new Int32Array([0, 1, 2, 4]), { grad: false }).loss).toBe(expected.loss);
  });

  it('has the properties of a softmax loss (fast-check)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 40 }), fc.integer(), fc.double({ min: -50, max: 50, noNaN: true }),
      (n, c, seed, shift) => {
        const f = lcg(n * c, seed >>> 0, -20, 20);
        const y = labelsFor(n, c, seed & 7);
        const r = nn.loss.softmax(nn.matrix(f, n, c), y, { reduction: 'sum' });
        expect(r.loss).toBeGreaterThanOrEqual(-1e-5 * n);
        for (let i = 0; i < n; i++) {  // each gradient row sums to 0: Σ softmax = 1 = Σ onehot
          let s = 0;
          for (let j = 0; j < c; j++) s += r.grad!.data[i * c + j]!;
          expect(Math.abs(s)).toBeLessThan(1e-5);
        }
        // translation invariance: adding a constant to a row changes nothing (up to rounding of f + shift)
        const shifted = f.map((v) => v + Math.fround(shift));
        const r2 = nn.loss.softmax(nn.matrix(shifted, n, c), y, { reduction: 'sum' });
        expectNumberClose(r2.loss, softmaxRef(shifted, n, c, y).loss, 1e-5, 1e-4 * n, 'shifted');
        expectNumberClose(r2.loss, r.loss, 0, 2e-4 * n * (1 + Math.abs(shift)), 'invariance');
      }), { numRuns: 60 });
  });
});

describe('nn.softmax', () => {
  it('gives probabilities that match the float64 reference and sum to 1, in place too', () => {
    forEachSimdPath((path) => {
      for (const [n, c] of SHAPES) {
        const f = lcg(n * c, c, -8, 8);
        const p = nn.softmax(nn.matrix(f, n, c));
        const ref = softmaxRef(f, n, c, new Int32Array(n));
        const probs = ref.grad.map((g, k) => (k % c === 0 ? g + 1 : g));
        expectClose(p.data, probs, 1e-5, 1e-7, `${path} ${n}x${c}`);
        const copy = f.slice();
        nn.softmax(nn.matrix(copy, n, c), { out: copy });
        expect(Array.from(copy)).toEqual(Array.from(p.data));
      }
    });
  });
});

describe('nn.loss.multiLabelHinge', () => {
  it('matches the float64 reference with ±1 and 0/1 targets (0 → −1)', () => {
    forEachSimdPath((path) => {
      for (const [n, c] of SHAPES) {
        const f = lcg(n * c, c + 7, -3, 3);
        const u = lcg(n * c, c + 8, 0, 1);
        const pm = u.map((v) => (v < 0.5 ? -1 : 1));
        const zo = u.map((v) => (v < 0.5 ? 0 : 1));
        const ref = multiLabelHingeRef(f, pm);
        for (const t of [pm, zo]) {
          const r = nn.loss.multiLabelHinge(nn.matrix(f, n, c), nn.matrix(t, n, c));
          expectNumberClose(r.loss, ref.loss / n, 1e-5, 1e-6, `${path} loss`);
          expectClose(r.grad!.data, scaled(ref.grad, 1 / n), 1e-6, 1e-7, `${path} grad`);
        }
      }
    });
  });

  it('agrees with finite differences away from the kinks', () => {
    const n = 3, c = 6;
    const f = lcg(n * c, 2, -3, 3).map((v) => (Math.abs(Math.abs(v) - 1) < 0.05 ? v + 0.2 : v));
    const t = lcg(n * c, 4, 0, 1).map((v) => (v < 0.5 ? -1 : 1));
    const r = nn.loss.multiLabelHinge(nn.matrix(f, n, c), t, { reduction: 'sum' });
    expectClose(r.grad!.data, numericGradient64((x) => multiLabelHingeRef(x, t).loss, f), 1e-6, 1e-6, 'fd');
    const check = nn.gradcheck((x) => nn.loss.multiLabelHinge(nn.matrix(x, n, c), t, { reduction: 'sum', grad: false }).loss, f, r.grad!);
    expect(check.passed).toBe(true);
  });
});

describe('nn.loss.sigmoidCrossEntropy', () => {
  it('matches the float64 reference for hard and soft targets, on every path and tail', () => {
    forEachSimdPath((path) => {
      for (const [n, c] of SHAPES) {
        const f = lcg(n * c, c + 70, -12, 12);
        const soft = lcg(n * c, c + 71, 0, 1);
        const hard = soft.map((v) => (v < 0.5 ? 0 : 1));
        for (const t of [soft, hard]) {
          const r = nn.loss.sigmoidCrossEntropy(nn.matrix(f, n, c), nn.matrix(t, n, c), { reduction: 'sum' });
          const ref = sigmoidCrossEntropyRef(f, t);
          expectNumberClose(r.loss, ref.loss, 2e-6, 1e-5, `${path} ${n}x${c} loss`);
          // σ(f) − y cancels when y is soft: allow a few float32 ulps of σ ∈ [0, 1] in absolute terms.
          expectClose(r.grad!.data, ref.grad, 1e-6, 3e-7, `${path} ${n}x${c} grad`);
        }
      }
    });
  });

  it('gives the gradient σ(f) − y (the descent direction; the notes print y − σ(f))', () => {
    const r = nn.loss.sigmoidCrossEntropy(nn.matrix(new Float32Array([0, 2]), 1, 2), new Float32Array([1, 0]), { reduction: 'sum' });
    expectClose(r.grad!.data, [0.5 - 1, 1 / (1 + Math.exp(-2))], 1e-6, 1e-7, 'grad');
    // a step against the gradient lowers the loss
    const f2 = new Float32Array([0 - 0.1 * r.grad!.data[0]!, 2 - 0.1 * r.grad!.data[1]!]);
    expect(nn.loss.sigmoidCrossEntropy(nn.matrix(f2, 1, 2), new Float32Array([1, 0]), { reduction: 'sum' }).loss).toBeLessThan(r.loss);
  });

  it('is stable for scores of ±1e4 and agrees with finite differences', () => {
    forEachSimdPath((path) => {
      const f = new Float32Array([1e4, -1e4, 1e4, -1e4, 30, -30, 0, 1e-20]);
      const t = new Float32Array([1, 0, 0, 1, 1, 0, 1, 0]);
      const r = nn.loss.sigmoidCrossEntropy(nn.matrix(f, 2, 4), t, { reduction: 'sum' });
      const ref = sigmoidCrossEntropyRef(f, t);
      expectNumberClose(r.loss, ref.loss, 1e-6, 1e-5, path);
      expectClose(r.grad!.data, ref.grad, 1e-6, 1e-7, path);
    });
    const n = 2, c = 5;
    const f = lcg(n * c, 11, -4, 4);
    const t = lcg(n * c, 12, 0, 1);
    const r = nn.loss.sigmoidCrossEntropy(nn.matrix(f, n, c), t, { reduction: 'sum' });
    expectClose(r.grad!.data, numericGradient64((x) => sigmoidCrossEntropyRef(x, t).loss, f), 1e-5, 1e-6, 'fd');
    expect(nn.gradcheck((x) => nn.loss.sigmoidCrossEntropy(nn.matrix(x, n, c), t, { reduction: 'sum', grad: false }).loss, f, r.grad!).passed).toBe(true);
  });
});
