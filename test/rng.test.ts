import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as nn from '../lib/index';
import { expectCoded, forEachSimdPath, withThreads } from './helpers';

// --- An independent Philox-4x32-10 in JavaScript (BigInt arithmetic) -------------------------
const M0 = 0xd2511f53n, M1 = 0xcd9e8d57n, W0 = 0x9e3779b9n, W1 = 0xbb67ae85n, MASK = 0xffffffffn;

function philox(counter: bigint[], key: bigint[]): number[] {
  let [c0, c1, c2, c3] = counter as [bigint, bigint, bigint, bigint];
  let [k0, k1] = key as [bigint, bigint];
  for (let r = 0; r < 10; r++) {
    const p0 = M0 * c0, p1 = M1 * c2;
    [c0, c1, c2, c3] = [((p1 >> 32n) ^ c1 ^ k0) & MASK, p1 & MASK, ((p0 >> 32n) ^ c3 ^ k1) & MASK, p0 & MASK];
    k0 = (k0 + W0) & MASK;
    k1 = (k1 + W1) & MASK;
  }
  return [c0, c1, c2, c3].map(Number);
}

/** Word i of a stream with `seed` (stream id 0) starting at block `offset`, in nnkit's lane-major layout. */
function streamWord(seed: bigint, offset: number, i: number): number {
  const block = BigInt(offset + Math.floor(i / 32) * 8 + ((i % 32) % 8));
  return philox([block & MASK, block >> 32n, 0n, 0n], [seed & MASK, seed >> 32n])[Math.floor((i % 32) / 8)]!;
}

/** Kolmogorov–Smirnov statistic of a sample against a CDF. */
function ksStatistic(sample: Float32Array, cdf: (x: number) => number): number {
  const sorted = Float64Array.from(sample).sort();
  let d = 0;
  for (let i = 0; i < sorted.length; i++) {
    const f = cdf(sorted[i]!);
    d = Math.max(d, (i + 1) / sorted.length - f, f - i / sorted.length);
  }
  return d;
}

/** Standard normal CDF via erf (Abramowitz–Stegun 7.1.26 is too coarse; use a series/continued fraction). */
function normalCdf(x: number): number {
  // erfc by the Numerical Recipes Chebyshev fit (relative error < 1.2e-7).
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - r / 2 : r / 2;
}

describe('nn.Rng', () => {
  it('produces the Philox-4x32-10 stream of its seed (checked against an independent JS Philox)', () => {
    for (const seed of [0n, 42n, 0xa4093822_299f31d0n]) {
      const rng = new nn.Rng(seed);
      const words = rng.bits(new Uint32Array(77));
      for (let i = 0; i < words.length; i++) expect(words[i], `seed ${seed} word ${i}`).toBe(streamWord(seed, 0, i));
      // The next call starts on the next whole chunk of 8 blocks.
      const next = rng.bits(new Uint32Array(3));
      for (let i = 0; i < 3; i++) expect(next[i]).toBe(streamWord(seed, 24, i));
    }
  });

  it('maps words to uniform floats with 24 random bits and normals by Box–Muller', () => {
    const words = new nn.Rng(7).bits(new Uint32Array(64));
    const u = new nn.Rng(7).uniform(new Float32Array(64), -1, 3);
    const z = new nn.Rng(7).normal(new Float32Array(64), 0.5, 2);
    for (let i = 0; i < 64; i++) {
      expect(u[i]).toBeCloseTo(-1 + 4 * ((words[i]! >>> 8) / 2 ** 24), 5);
      // Element i pairs word i with its partner 8 places away (words 0/1 and 2/3 of a block).
      const w = Math.floor((i % 32) / 8), lane = i % 8, base = Math.floor(i / 32) * 32 + (w >> 1) * 16 + lane;
      const u1 = ((words[base]! >>> 8) + 1) / 2 ** 24, u2 = (words[base + 8]! >>> 8) / 2 ** 24;
      const r = Math.sqrt(-2 * Math.log(u1));
      const expected = 0.5 + 2 * (w % 2 === 0 ? r * Math.cos(2 * Math.PI * u2) : r * Math.sin(2 * Math.PI * u2));
      expect(Math.abs(z[i]! - expected)).toBeLessThan(1e-5 * Math.max(1, Math.abs(expected)));
    }
  });

  it('gives bit-identical numbers for any thread count and SIMD path', () => {
    const n = 1_000_003;
    const reference = withThreads(1, () => {
      let ref: Float32Array | undefined;
      forEachSimdPath((path) => {
        if (path === 'scalar') ref = new nn.Rng(123).normal(new Float32Array(n));
      });
      return ref!;
    });
    for (const threads of [1, 2, 3, 8])
      withThreads(threads, () =>
        forEachSimdPath((path) => {
          const z = new nn.Rng(123).normal(new Float32Array(n));
          const u = new nn.Rng(123).uniform(new Float32Array(n));
          expect(Buffer.compare(Buffer.from(z.buffer), Buffer.from(reference.buffer)), `${threads} threads, ${path}`).toBe(0);
          expect(u.every((v) => v >= 0 && v < 1)).toBe(true);
        }),
      );
  });

  it('gives a saved seed the numbers it gave before (streams pinned by hash, every SIMD path)', () => {
    // FNV-1a of the raw bytes, recorded from nnkit 0.1.0 on every path. A change here breaks
    // every user's saved seed: the kernels may change how they compute, never what.
    const fnv1a = (a: Float32Array | Uint32Array): string => {
      const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
      let h = 0x811c9dc5;
      for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
      return h.toString(16).padStart(8, '0');
    };
    const n = 4096 + 37;  // whole register pairs, a single register, and a partial chunk
    forEachSimdPath((path) => {
      const rng = new nn.Rng(2024);
      const hashes = [
        fnv1a(rng.normal(new Float32Array(n), 0.25, 3)),
        fnv1a(rng.uniform(new Float32Array(n), -1, 2)),
        fnv1a(rng.bits(new Uint32Array(n))),
        fnv1a(nn.init.he(67, 61, { rng }).data),
      ];
      expect(hashes, path).toEqual(['3b612afb', '650a8554', '9d578b48', 'e4bd6dd2']);
    });
  });

  it('has the moments and distribution of N(mean, std²) and U[lo, hi) (KS below the 1% critical value)', () => {
    const n = 200_000;
    const z = new nn.Rng(2024).normal(new Float32Array(n), 3, 0.5);
    let sum = 0, sum2 = 0;
    for (const v of z) sum += v;
    const mean = sum / n;
    for (const v of z) sum2 += (v - mean) ** 2;
    const variance = sum2 / n;
    expect(Math.abs(mean - 3)).toBeLessThan(3 * 0.5 / Math.sqrt(n));
    expect(Math.abs(variance - 0.25)).toBeLessThan(3 * 0.25 * Math.sqrt(2 / n));
    const critical = 1.628 / Math.sqrt(n); // KS 1% critical value
    expect(ksStatistic(z, (x) => normalCdf((x - 3) / 0.5))).toBeLessThan(critical);
    const u = new nn.Rng(2025).uniform(new Float32Array(n), -2, 6);
    expect(ksStatistic(u, (x) => Math.min(1, Math.max(0, (x + 2) / 8)))).toBeLessThan(critical);
  });

  it('fills matrices and views in place and advances between calls', () => {
    const rng = new nn.Rng(5);
    const m = rng.normal(nn.matrix(3, 4));
    const again = new nn.Rng(5);
    expect(Array.from(again.normal(new Float32Array(12)))).toEqual(Array.from(m.data));
    const second = rng.normal(new Float32Array(12));
    expect(Array.from(second)).not.toEqual(Array.from(m.data));
    const buffer = new Float32Array(20).fill(9);
    rng.uniform(buffer.subarray(5, 10));
    expect(buffer[4]).toBe(9);
    expect(buffer[10]).toBe(9);
  });

  it('splits into independent, reproducible streams', () => {
    const a = new nn.Rng(11), b = new nn.Rng(11);
    const childA = a.split(), childB = b.split();
    const x = childA.normal(new Float32Array(1000)), y = childB.normal(new Float32Array(1000));
    expect(Array.from(x)).toEqual(Array.from(y));
    const parent = a.normal(new Float32Array(1000));
    let dot = 0;
    for (let i = 0; i < 1000; i++) dot += x[i]! * parent[i]!;
    expect(Math.abs(dot / 1000)).toBeLessThan(0.15); // uncorrelated streams
    expect(Array.from(a.split().normal(new Float32Array(8)))).not.toEqual(Array.from(childA.normal(new Float32Array(8))));
  });

  it('async fills equal the sync sequence, whatever order they finish in', async () => {
    const sync = new nn.Rng(99);
    const s1 = sync.normal(new Float32Array(100_000)), s2 = sync.uniform(new Float32Array(70));
    const rng = new nn.Rng(99);
    const [a1, a2] = await Promise.all([rng.normalAsync(new Float32Array(100_000)), rng.uniformAsync(new Float32Array(70))]);
    expect(Array.from(a1)).toEqual(Array.from(s1));
    expect(Array.from(a2)).toEqual(Array.from(s2));
  });

  it('accepts seeds up to 2^64 − 1 and rejects others', () => {
    expect(new nn.Rng(2n ** 64n - 1n).normal(new Float32Array(4)).every(Number.isFinite)).toBe(true);
    expect(Array.from(new nn.Rng(2 ** 40).bits(new Uint32Array(4)))).toEqual(Array.from(new nn.Rng(2n ** 40n).bits(new Uint32Array(4))));
    expectCoded(() => new nn.Rng(-1), 'ERR_NNKIT_RANGE');
    expectCoded(() => new nn.Rng(1.5), 'ERR_NNKIT_RANGE');
    expectCoded(() => new nn.Rng(2n ** 64n), 'ERR_NNKIT_RANGE');
    expectCoded(() => new nn.Rng('1' as unknown as number), 'ERR_NNKIT_TYPE', TypeError);
    const rng = new nn.Rng(1);
    expectCoded(() => rng.normal(new Float32Array(3), 0, -1), 'ERR_NNKIT_RANGE');
    expectCoded(() => rng.normal(new Float32Array(3), Number.NaN), 'ERR_NNKIT_NONFINITE');
    expectCoded(() => rng.uniform(new Float32Array(3), 2, 1), 'ERR_NNKIT_RANGE');
    expectCoded(() => rng.normal(new Float64Array(3) as unknown as Float32Array), 'ERR_NNKIT_TYPE', TypeError);
    expectCoded(() => rng.bits(new Int32Array(3) as unknown as Uint32Array), 'ERR_NNKIT_TYPE', TypeError);
  });

  it('distinct seeds give distinct streams (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (s, t) => {
        fc.pre(s !== t);
        const a = new nn.Rng(s).bits(new Uint32Array(8)), b = new nn.Rng(t).bits(new Uint32Array(8));
        expect(Array.from(a)).not.toEqual(Array.from(b));
        expect(a[0]).toBe(streamWord(s, 0, 0));
      }),
      { numRuns: 50 },
    );
  });

  it('reseeds the default generator', () => {
    nn.seed(77);
    const a = nn.defaultRng().normal(new Float32Array(5));
    nn.seed(77);
    expect(Array.from(nn.defaultRng().normal(new Float32Array(5)))).toEqual(Array.from(a));
  });
});
