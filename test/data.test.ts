import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as nn from '../lib/index';
import { expectCoded, lcg } from './helpers';

/** Lemire's bounded draw computed with BigInt: the reference for the exact 64-bit product. */
function lemireReference(words: Uint32Array, bounds: number[]): number[] {
  const out: number[] = [];
  let next = 0;
  for (const bound of bounds) {
    const threshold = (2n ** 32n - BigInt(bound)) % BigInt(bound);
    for (;;) {
      const m = BigInt(words[next++]!) * BigInt(bound);
      if ((m & 0xffffffffn) >= threshold) {
        out.push(Number(m >> 32n));
        break;
      }
    }
  }
  return out;
}

describe('nn.data.permutation and shuffle', () => {
  it('is Fisher–Yates over exact unbiased draws from the Rng stream (checked with BigInt)', () => {
    for (const n of [2, 10, 1000, 70000]) {
      const perm = nn.data.permutation(n, { rng: new nn.Rng(9) });
      // Replay: the draws for i = n-1 … 1 come from the stream in blocks of 256 words.
      const words = new nn.Rng(9).bits(new Uint32Array(Math.ceil(n / 256 + 2) * 256));
      const bounds = Array.from({ length: n - 1 }, (_, k) => n - k);
      const js = lemireReference(words, bounds);
      const want = Uint32Array.from({ length: n }, (_, i) => i);
      js.forEach((j, k) => {
        const i = n - 1 - k;
        [want[i], want[j]] = [want[j]!, want[i]!];
      });
      expect(perm).toEqual(want);
    }
  });

  it('is a permutation, reproducible from the seed, and different for another seed (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 3000 }), fc.nat(), (n, seed) => {
      const a = nn.data.permutation(n, { rng: new nn.Rng(seed) });
      expect(a).toEqual(nn.data.permutation(n, { rng: new nn.Rng(seed) }));
      expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
      if (n > 20) expect(a).not.toEqual(nn.data.permutation(n, { rng: new nn.Rng(seed + 1) }));
    }), { numRuns: 60 });
  });

  it('puts every element in every position equally often (chi-squared, 3 elements)', () => {
    const rng = new nn.Rng(3), counts = new Map<string, number>();
    const trials = 60000;
    for (let t = 0; t < trials; t++) {
      const key = nn.data.permutation(3, { rng }).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    const e = trials / 6;
    const chi2 = [...counts.values()].reduce((s, c) => s + (c - e) ** 2 / e, 0);
    expect(chi2).toBeLessThan(20.5); // 5 degrees of freedom, p = 0.001
  });

  it('shuffles typed arrays and arrays in place as permutation orders them', () => {
    const a = Float64Array.from({ length: 50 }, (_, i) => i * 10), b = Array.from({ length: 50 }, (_, i) => `r${i}`);
    const p = nn.data.permutation(50, { rng: new nn.Rng(4) });
    expect(nn.data.shuffle(a, { rng: new nn.Rng(4) })).toBe(a);
    nn.data.shuffle(b, { rng: new nn.Rng(4) });
    expect(Array.from(a)).toEqual(Array.from(p, (i) => i * 10));
    expect(b).toEqual(Array.from(p, (i) => `r${i}`));
  });

  it('uses the default generator when rng is omitted (reseeded by nn.seed)', () => {
    nn.seed(77);
    const a = nn.data.permutation(100);
    nn.seed(77);
    expect(nn.data.permutation(100)).toEqual(a);
  });

  it('rejects bad input', () => {
    expectCoded(() => nn.data.permutation(-1), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.data.permutation(2.5), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.data.permutation(5, { rng: 3 as unknown as nn.Rng }), 'ERR_NNKIT_TYPE', TypeError);
    expectCoded(() => nn.data.permutation(5, { seed: 3 } as unknown as nn.data.RandomOptions), 'ERR_NNKIT_TYPE', TypeError);
    expectCoded(() => nn.data.shuffle('abc' as unknown as unknown[]), 'ERR_NNKIT_TYPE', TypeError);
  });
});

describe('nn.data.gather', () => {
  it('copies the indexed rows of a matrix in order (repeats allowed), on both sides of the parallel threshold', () => {
    for (const [rows, cols, count] of [[5, 3, 7], [3000, 700, 2500], [10, 0, 4], [4, 4, 0]] as const) {
      const X = nn.matrix(lcg(rows * cols, 1), rows, cols);
      const idx = Uint32Array.from({ length: count }, (_, k) => (k * 7919) % rows);
      const out = nn.data.gather(X, idx);
      expect([out.rows, out.cols]).toEqual([count, cols]);
      for (let k = 0; k < count; k++) expect(out.data.subarray(k * cols, (k + 1) * cols)).toEqual(X.data.subarray(idx[k]! * cols, (idx[k]! + 1) * cols));
    }
  });

  it('writes into out, takes plain arrays and Int32Array indices, gathers labels into their own type', () => {
    const X = nn.matrix(Float32Array.from({ length: 12 }, (_, i) => i), 4, 3), out = nn.matrix(2, 3);
    expect(nn.data.gather(X, [3, 1], { out })).toBe(out);
    expect(Array.from(out.data)).toEqual([9, 10, 11, 3, 4, 5]);
    expect(Array.from(nn.data.gather(X, Int32Array.of(0)).data)).toEqual([0, 1, 2]);
    const y = Uint8Array.of(5, 6, 7, 8), yb = new Uint8Array(3);
    expect(nn.data.gather(y, [2, 2, 0], { out: yb })).toBe(yb);
    expect(Array.from(yb)).toEqual([7, 7, 5]);
    expect(nn.data.gather(Int32Array.of(1, 2), [1])).toBeInstanceOf(Int32Array);
  });

  it('rejects an out-of-range index naming it, writing nothing', () => {
    const X = nn.matrix(lcg(12, 1), 4, 3), out = nn.matrix(3, 3);
    out.data.fill(-7);
    const e = expectCoded(() => nn.data.gather(X, [0, 1, 4], { out }), 'ERR_NNKIT_RANGE') as nn.NnkitRangeError;
    expect(e.message).toMatch(/indices\[2\]/);
    expect(out.data.every((v) => v === -7)).toBe(true);
    expectCoded(() => nn.data.gather(X, [-1]), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.data.gather(X, [0.5]), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.data.gather(X, [0], { out: nn.matrix(2, 3) }), 'ERR_NNKIT_SHAPE');
    expectCoded(() => nn.data.gather(X, 'ab' as unknown as number[]), 'ERR_NNKIT_TYPE', TypeError);
    expectCoded(() => nn.data.gather(Uint8Array.of(1), [1]), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.data.gather(Uint8Array.of(1), [0], { out: new Int32Array(1) as unknown as Uint8Array }), 'ERR_NNKIT_TYPE', TypeError);
    expectCoded(() => nn.data.gather(X, [0], { out: { data: X.data.subarray(0, 3), rows: 1, cols: 3 } }), 'ERR_NNKIT_ALIAS');
  });
});

describe('nn.data.batches', () => {
  const X = nn.matrix(Float32Array.from({ length: 10 * 2 }, (_, i) => i), 10, 2);
  const y = Uint8Array.from({ length: 10 }, (_, i) => i);

  it('visits every row once per pass, in a seeded order, rows and labels together', () => {
    const seen: number[] = [];
    const sizes: number[] = [];
    for (const b of nn.data.batches(X, y, { batchSize: 4, rng: new nn.Rng(1) })) {
      sizes.push(b.X.rows);
      for (let k = 0; k < b.X.rows; k++) {
        expect(b.X.data[k * 2]).toBe(b.y[k]! * 2); // the row travelled with its label
        expect(b.indices[k]).toBe(b.y[k]);
        seen.push(b.y[k]!);
      }
    }
    expect(sizes).toEqual([4, 4, 2]);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    const order = nn.data.permutation(10, { rng: new nn.Rng(1) });
    const first = nn.data.batches(X, y, { batchSize: 4, rng: new nn.Rng(1) }).next().value!;
    expect(Array.from(first.indices)).toEqual(Array.from(order.subarray(0, 4)));
  });

  it('reuses its buffers, keeps the order without shuffle, drops the last batch when asked, takes target matrices or none', () => {
    const it1 = nn.data.batches(X, undefined, { batchSize: 3, shuffle: false, dropLast: true });
    const a = it1.next().value!, aData = a.X.data;
    expect(Array.from(a.X.data)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(a.y).toBeUndefined();
    const b = it1.next().value!;
    expect(b.X.data).toBe(aData);
    expect([...it1].length).toBe(1); // 10 rows, batches of 3, the last one (1 row) dropped
    const T = nn.matrix(Float32Array.from({ length: 10 }, (_, i) => -i), 10, 1);
    const all: number[][] = [];
    for (const bt of nn.data.batches(X, T, { batchSize: 7, shuffle: false })) all.push([bt.X.rows, bt.y.rows, bt.y.data[0]!]);
    expect(all).toEqual([[7, 7, -0], [3, 3, -7]]);
  });

  it('draws the order when called, not at the first batch', () => {
    const rng = new nn.Rng(5);
    const gen = nn.data.batches(X, y, { batchSize: 10, rng });
    rng.bits(new Uint32Array(999));
    expect(Array.from(gen.next().value!.indices)).toEqual(Array.from(nn.data.permutation(10, { rng: new nn.Rng(5) })));
  });

  it('rejects bad input when called', () => {
    expectCoded(() => nn.data.batches(X, y, { batchSize: 0 }), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.data.batches(X, y.subarray(1), { batchSize: 2 }), 'ERR_NNKIT_SHAPE');
    expectCoded(() => nn.data.batches(X, y, { batch_size: 2 } as unknown as nn.data.BatchOptions), 'ERR_NNKIT_TYPE', TypeError);
    expectCoded(() => nn.data.batches(X, y, undefined as unknown as nn.data.BatchOptions), 'ERR_NNKIT_RANGE');
  });
});

describe('nn.data.split', () => {
  it('splits into copies of the given size, every row in exactly one part', () => {
    const X = nn.matrix(Float32Array.from({ length: 100 * 3 }, (_, i) => i), 100, 3), y = Int32Array.from({ length: 100 }, (_, i) => i);
    const { train, validation } = nn.data.split(X, y, { validation: 0.2, rng: new nn.Rng(2) });
    expect([train.X.rows, validation.X.rows]).toEqual([80, 20]);
    expect(train.X.data.buffer).not.toBe(X.data.buffer);
    const all = [...train.y, ...validation.y].sort((a, b) => a - b);
    expect(all).toEqual(Array.from(y));
    for (let k = 0; k < 20; k++) expect(validation.X.data[k * 3]).toBe(validation.y[k]! * 3);
    expect(nn.data.split(X, y, { validation: 25 }).validation.X.rows).toBe(25);
    const last = nn.data.split(X, y, { validation: 10, shuffle: false });
    expect(Array.from(last.validation.y)).toEqual(Array.from({ length: 10 }, (_, i) => 90 + i));
  });

  it('stratifies: each class keeps its share (largest remainder), total exact (property)', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 300 }), fc.double({ min: 0.05, max: 0.95, noNaN: true }), fc.nat(),
      (labels, frac, seed) => {
        const y = Uint8Array.from(labels), X = nn.matrix(Float32Array.from(labels, (_, i) => i), labels.length, 1);
        const { train, validation } = nn.data.split(X, y, { validation: frac, stratify: true, rng: new nn.Rng(seed) });
        const k = Math.round(frac * labels.length);
        expect(validation.y.length).toBe(k);
        expect(train.y.length + validation.y.length).toBe(labels.length);
        for (let c = 0; c <= 4; c++) {
          const n = labels.filter((l) => l === c).length, v = validation.y.filter((l) => l === c).length;
          expect(Math.abs(v - (n * k) / labels.length)).toBeLessThan(1 + 1e-9);
        }
        // Rows travel with their labels.
        for (let i = 0; i < validation.y.length; i++) expect(labels[validation.X.data[i]!]).toBe(validation.y[i]);
      }), { numRuns: 100 });
  });

  it('rejects bad input', () => {
    const X = nn.matrix(4, 2), y = new Uint8Array(4);
    expectCoded(() => nn.data.split(X, y, { validation: 1.5 }), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.data.split(X, y, { validation: 5 }), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.data.split(X, y, { validation: Number.NaN }), 'ERR_NNKIT_TYPE', TypeError);
    expectCoded(() => nn.data.split(X, undefined, { validation: 0.5, stratify: true }), 'ERR_NNKIT_TYPE', TypeError);
    expectCoded(() => nn.data.split(X, new Uint8Array(3), { validation: 0.5 }), 'ERR_NNKIT_SHAPE');
    expectCoded(() => nn.data.split(X, y, { test_size: 0.5 } as unknown as nn.data.SplitOptions), 'ERR_NNKIT_TYPE', TypeError);
  });
});
