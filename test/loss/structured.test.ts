import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as nn from '../../lib/index';
import { lcg } from './support';

/** Every label sequence of length T over K labels. */
function* sequences(T: number, K: number): Generator<number[]> {
  const seq = new Array<number>(T).fill(0);
  for (;;) {
    yield [...seq];
    let t = T - 1;
    while (t >= 0 && seq[t] === K - 1) seq[t--] = 0;
    if (t < 0) return;
    seq[t]! += 1;
  }
}

function score(E: Float32Array, A: Float32Array, K: number, y: ArrayLike<number>): number {
  let s = 0;
  for (let t = 0; t < y.length; t++) s += E[t * K + y[t]!]!;
  for (let t = 1; t < y.length; t++) s += A[y[t - 1]! * K + y[t]!]!;
  return s;
}

function bruteForce(E: Float32Array, A: Float32Array, T: number, K: number, gold: Int32Array, scale = 1): number {
  let best = -Infinity;
  for (const y of sequences(T, K)) {
    let hamming = 0;
    for (let t = 0; t < T; t++) hamming += y[t] !== gold[t] ? 1 : 0;
    best = Math.max(best, scale * hamming + score(E, A, K, y));
  }
  return best - score(E, A, K, gold);
}

describe('nn.loss.structuredSvm', () => {
  it('matches brute-force enumeration of every label sequence (fast-check)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }), fc.integer(), fc.constantFrom(0, 0.5, 1, 3),
      (T, K, seed, scale) => {
        const E = lcg(T * K, seed >>> 0, -2, 2);
        const A = lcg(K * K, (seed >>> 0) + 1, -2, 2);
        const gold = Int32Array.from({ length: T }, (_, t) => (t * 5 + (seed & 3)) % K);
        const r = nn.loss.structuredSvm(nn.matrix(E, T, K), nn.matrix(A, K, K), gold, { marginScale: scale });
        expect(r.loss).toBeCloseTo(bruteForce(E, A, T, K, gold, scale), 5);
        // the subgradient is the score difference of the arg-max and the gold sequence
        let hamming = 0;
        for (let t = 0; t < T; t++) hamming += r.prediction[t] !== gold[t] ? 1 : 0;
        expect(scale * hamming + score(E, A, K, r.prediction) - score(E, A, K, gold)).toBeCloseTo(r.loss, 5);
        const dE = new Float32Array(T * K), dA = new Float32Array(K * K);
        for (let t = 0; t < T; t++) {
          dE[t * K + r.prediction[t]!]! += 1;
          dE[t * K + gold[t]!]! -= 1;
          if (t > 0) {
            dA[r.prediction[t - 1]! * K + r.prediction[t]!]! += 1;
            dA[gold[t - 1]! * K + gold[t]!]! -= 1;
          }
        }
        expect(Array.from(r.dEmissions.data)).toEqual(Array.from(dE));
        expect(Array.from(r.dTransitions.data)).toEqual(Array.from(dA));
      }), { numRuns: 150 });
  });

  it('is a valid subgradient: L(θ + δ) ≥ L(θ) + ⟨g, δ⟩ for random directions', () => {
    const T = 4, K = 3;
    const E = lcg(T * K, 7, -1, 1), A = lcg(K * K, 8, -1, 1);
    const gold = new Int32Array([0, 2, 1, 1]);
    const r = nn.loss.structuredSvm(nn.matrix(E, T, K), nn.matrix(A, K, K), gold);
    for (let s = 0; s < 20; s++) {
      const dE = lcg(T * K, 100 + s, -0.5, 0.5), dA = lcg(K * K, 200 + s, -0.5, 0.5);
      const E2 = E.map((v, i) => v + dE[i]!), A2 = A.map((v, i) => v + dA[i]!);
      let inner = 0;
      for (let i = 0; i < dE.length; i++) inner += r.dEmissions.data[i]! * dE[i]!;
      for (let i = 0; i < dA.length; i++) inner += r.dTransitions.data[i]! * dA[i]!;
      const l2 = nn.loss.structuredSvm(nn.matrix(E2, T, K), nn.matrix(A2, K, K), gold).loss;
      expect(l2).toBeGreaterThanOrEqual(r.loss + inner - 1e-5);
    }
  });

  it('decodes with nn.loss.viterbi and is zero when the gold sequence wins by the margin', () => {
    const K = 3, T = 3;
    const gold = new Int32Array([2, 0, 1]);
    const E = new Float32Array(T * K);
    for (let t = 0; t < T; t++) E[t * K + gold[t]!] = 5;
    const A = new Float32Array(K * K);
    const r = nn.loss.structuredSvm(nn.matrix(E, T, K), nn.matrix(A, K, K), gold);
    expect(r.loss).toBe(0);
    expect(r.dEmissions.data.every((v) => v === 0)).toBe(true);
    expect(Array.from(nn.loss.viterbi(nn.matrix(E, T, K), nn.matrix(A, K, K)))).toEqual([2, 0, 1]);
  });

  it('rejects mismatched shapes and labels', () => {
    const E = nn.matrix(3, 4);
    expect(() => nn.loss.structuredSvm(E, nn.matrix(3, 3), new Int32Array(3))).toThrow(expect.objectContaining({ code: 'ERR_NNKIT_SHAPE' }));
    expect(() => nn.loss.structuredSvm(E, nn.matrix(4, 4), new Int32Array([0, 4, 1]))).toThrow(expect.objectContaining({ code: 'ERR_NNKIT_RANGE' }));
    expect(() => nn.loss.structuredSvm(E, nn.matrix(4, 4), new Int32Array(2))).toThrow(expect.objectContaining({ code: 'ERR_NNKIT_SHAPE' }));
  });
});
