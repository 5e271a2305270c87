import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as nn from '../lib/index';
import { bitsOf, expectCoded, forEachSimdPath, withThreads } from './layers/support';

// Standard normal CDF via erfc (Numerical Recipes' erfcc, |error| < 1.2e-7).
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}
const normalCdf = (x: number, std: number) => 0.5 * erfc(-x / (std * Math.SQRT2));
const uniformCdf = (x: number, a: number) => Math.min(1, Math.max(0, (x + a) / (2 * a)));

/** Kolmogorov–Smirnov statistic of the sample against `cdf`. */
function ksStatistic(sample: Float32Array, cdf: (x: number) => number): number {
  const s = Float64Array.from(sample).sort();
  const n = s.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(s[i]!);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  return d;
}

function moments(a: Float32Array): { mean: number; variance: number } {
  let s = 0;
  for (const v of a) s += v;
  const mean = s / a.length;
  let s2 = 0;
  for (const v of a) s2 += (v - mean) * (v - mean);
  return { mean, variance: s2 / (a.length - 1) };
}

const fanIn = 400;
const fanOut = 300;
type Scheme = { name: string; make: (rng: nn.Rng) => nn.Matrix; std: number; distribution: 'normal' | 'uniform' };
const schemes: Scheme[] = [
  { name: 'normal (small random)', make: (rng) => nn.init.normal(fanIn, fanOut, { rng }), std: 0.01, distribution: 'normal' },
  { name: 'normal std 0.5', make: (rng) => nn.init.normal(fanIn, fanOut, { rng, std: 0.5 }), std: 0.5, distribution: 'normal' },
  { name: 'uniform (small random)', make: (rng) => nn.init.uniform(fanIn, fanOut, { rng }), std: 0.01, distribution: 'uniform' },
  { name: 'lecun normal', make: (rng) => nn.init.lecun(fanIn, fanOut, { rng }), std: Math.sqrt(1 / fanIn), distribution: 'normal' },
  { name: 'lecun uniform', make: (rng) => nn.init.lecun(fanIn, fanOut, { rng, distribution: 'uniform' }), std: Math.sqrt(1 / fanIn), distribution: 'uniform' },
  { name: 'glorot normal', make: (rng) => nn.init.glorot(fanIn, fanOut, { rng }), std: Math.sqrt(2 / (fanIn + fanOut)), distribution: 'normal' },
  { name: 'glorot uniform gain 2', make: (rng) => nn.init.glorot(fanIn, fanOut, { rng, distribution: 'uniform', gain: 2 }), std: 2 * Math.sqrt(2 / (fanIn + fanOut)), distribution: 'uniform' },
  { name: 'he normal', make: (rng) => nn.init.he(fanIn, fanOut, { rng }), std: Math.sqrt(2 / fanIn), distribution: 'normal' },
  { name: 'he uniform', make: (rng) => nn.init.he(fanIn, fanOut, { rng, distribution: 'uniform' }), std: Math.sqrt(2 / fanIn), distribution: 'uniform' },
];

describe('nn.init random schemes', () => {
  for (const s of schemes) {
    it(`${s.name}: mean and variance within 3 standard errors, KS below the 1% critical value`, () => {
      const W = s.make(new nn.Rng(2024));
      expect(W.rows).toBe(fanIn);
      expect(W.cols).toBe(fanOut);
      const n = W.data.length;
      const { mean, variance } = moments(W.data);
      const sigma2 = s.std * s.std;
      expect(Math.abs(mean)).toBeLessThan(3 * s.std / Math.sqrt(n));
      // Var(s²) = (μ4 − σ⁴) / n: μ4 = 3σ⁴ (normal), 9σ⁴/5 (uniform).
      const kurtosis = s.distribution === 'normal' ? 3 : 1.8;
      expect(Math.abs(variance - sigma2)).toBeLessThan(3 * sigma2 * Math.sqrt((kurtosis - 1) / n));
      const cdf = s.distribution === 'normal' ? (x: number) => normalCdf(x, s.std) : (x: number) => uniformCdf(x, s.std * Math.sqrt(3));
      expect(ksStatistic(W.data, cdf)).toBeLessThan(1.628 / Math.sqrt(n));
      if (s.distribution === 'uniform') {
        const bound = s.std * Math.sqrt(3);
        let largest = 0;
        for (const v of W.data) largest = Math.max(largest, Math.abs(v));
        expect(largest).toBeLessThanOrEqual(bound * (1 + 1e-6));
      }
    });
  }

  it('the same seed gives the same bits for every thread count and SIMD path', () => {
    const make = () => [
      nn.init.he(97, 131, { rng: new nn.Rng(7) }),
      nn.init.glorot(33, 65, { rng: new nn.Rng(8), distribution: 'uniform' }),
      nn.init.sparse(50, 77, { rng: new nn.Rng(9), connections: 7 }),
      nn.init.he(1024, 300, { rng: new nn.Rng(10) }), // several parallel tasks
    ];
    const reference = make().map((m) => bitsOf(m.data));
    forEachSimdPath(() => {
      for (const threads of [1, 2, 3]) {
        withThreads(threads, () => {
          make().forEach((m, i) => expect(bitsOf(m.data)).toEqual(reference[i]));
        });
      }
    });
  });

  it('async variants give the same bits as the synchronous calls and advance the generator alike', async () => {
    const pairs: [() => nn.Matrix, () => Promise<nn.Matrix>][] = [];
    const make = (seed: number) => new nn.Rng(seed);
    pairs.push([() => nn.init.he(300, 301, { rng: make(1) }), () => nn.init.heAsync(300, 301, { rng: make(1) })]);
    pairs.push([() => nn.init.glorot(33, 65, { rng: make(2), distribution: 'uniform', gain: 3 }), () => nn.init.glorotAsync(33, 65, { rng: make(2), distribution: 'uniform', gain: 3 })]);
    pairs.push([() => nn.init.lecun(70, 9, { rng: make(3) }), () => nn.init.lecunAsync(70, 9, { rng: make(3) })]);
    pairs.push([() => nn.init.normal(70, 9, { rng: make(4), std: 2 }), () => nn.init.normalAsync(70, 9, { rng: make(4), std: 2 })]);
    pairs.push([() => nn.init.uniform(70, 9, { rng: make(5) }), () => nn.init.uniformAsync(70, 9, { rng: make(5) })]);
    for (const [sync, async] of pairs) expect(bitsOf((await async()).data)).toEqual(bitsOf(sync().data));
    const a = new nn.Rng(6), b = new nn.Rng(6);
    nn.init.he(10, 11, { rng: a });
    const pending = nn.init.heAsync(10, 11, { rng: b });
    expect(a.bits(new Uint32Array(2))).toEqual(b.bits(new Uint32Array(2)));
    await pending;
    await expect(nn.init.heAsync(0, 3)).rejects.toMatchObject({ code: 'ERR_NNKIT_RANGE' });
  });

  it('draws from the default generator, reseeded by nn.seed', () => {
    nn.seed(99);
    const a = nn.init.he(10, 10);
    nn.seed(99);
    const b = nn.init.he(10, 10);
    expect(bitsOf(a.data)).toEqual(bitsOf(b.data));
    expect(bitsOf(nn.init.he(10, 10).data)).not.toEqual(bitsOf(a.data));
  });

  it('fills out (Matrix or Float32Array) and returns it', () => {
    const out = nn.matrix(20, 30);
    expect(nn.init.he(20, 30, { out, rng: new nn.Rng(1) })).toBe(out);
    expect(bitsOf(out.data)).toEqual(bitsOf(nn.init.he(20, 30, { rng: new nn.Rng(1) }).data));
    const flat = new Float32Array(600);
    const W = nn.init.lecun(20, 30, { out: flat, rng: new nn.Rng(1) });
    expect(W.data).toBe(flat);
    expect(W.rows).toBe(20);
  });
});

describe('nn.init.zeros / bias', () => {
  it('zeros fills 0 (also overwriting out)', () => {
    const out = nn.matrix(new Float32Array(12).fill(5), 3, 4);
    expect(nn.init.zeros(3, 4, { out }).data.every((v) => v === 0)).toBe(true);
    expect(nn.init.zeros(2, 5).data).toEqual(new Float32Array(10));
  });

  it('bias fills a constant', () => {
    expect(nn.init.bias(4)).toEqual(new Float32Array(4));
    expect(nn.init.bias(3, 0.01)).toEqual(new Float32Array([0.01, 0.01, 0.01]));
    const out = new Float32Array(2);
    expect(nn.init.bias(2, 1, { out })).toBe(out);
    expect(out).toEqual(new Float32Array([1, 1]));
  });
});

describe('nn.init.sparse', () => {
  it('has exactly k non-zeros per column, N(0, std) values, rows spread uniformly', () => {
    const k = 10;
    const W = nn.init.sparse(200, 1000, { rng: new nn.Rng(5), connections: k, std: 0.02 });
    const rowHits = new Float64Array(200);
    const values: number[] = [];
    for (let j = 0; j < 1000; j++) {
      let nonZero = 0;
      for (let i = 0; i < 200; i++) {
        const v = W.data[i * 1000 + j]!;
        if (v !== 0) {
          nonZero++;
          rowHits[i]!++;
          values.push(v);
        }
      }
      expect(nonZero).toBe(k);
    }
    // Each row is picked with probability k / fanIn per column: 50 ± 3·sqrt(50·0.95) per row.
    for (const hits of rowHits) expect(Math.abs(hits - 50)).toBeLessThan(5 * Math.sqrt(50 * 0.95));
    const sample = Float32Array.from(values);
    const { mean, variance } = moments(sample);
    expect(Math.abs(mean)).toBeLessThan(3 * 0.02 / Math.sqrt(sample.length));
    expect(Math.abs(variance - 4e-4)).toBeLessThan(3 * 4e-4 * Math.sqrt(2 / sample.length));
  });

  it('property: any shape and k ≤ fanIn gives exactly k non-zeros per column', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 30 }), fc.nat(), fc.integer({ min: 0, max: 2 ** 31 }), (fanIn, fanOut, kRaw, seed) => {
        const k = kRaw % (fanIn + 1);
        const W = nn.init.sparse(fanIn, fanOut, { connections: k, rng: new nn.Rng(seed) });
        for (let j = 0; j < fanOut; j++) {
          let count = 0;
          for (let i = 0; i < fanIn; i++) if (W.data[i * fanOut + j] !== 0) count++;
          if (count !== k) return false;
        }
        return true;
      }),
      { numRuns: 60 },
    );
  });

  it('clears a reused out buffer', () => {
    const out = nn.matrix(new Float32Array(50).fill(3), 10, 5);
    nn.init.sparse(10, 5, { out, connections: 2 });
    let nonZero = 0;
    for (const v of out.data) if (v !== 0) nonZero++;
    expect(nonZero).toBe(10);
  });
});

describe('nn.init bad input', () => {
  it('rejects fans that are not positive integers', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 31]) {
      expectCoded(() => nn.init.he(bad, 3), 'ERR_NNKIT_RANGE');
      expectCoded(() => nn.init.zeros(3, bad), 'ERR_NNKIT_RANGE');
    }
    expectCoded(() => nn.init.glorot('3' as unknown as number, 3), 'ERR_NNKIT_TYPE', TypeError);
    expectCoded(() => nn.init.bias(0), 'ERR_NNKIT_RANGE');
  });

  it('rejects bad options', () => {
    expectCoded(() => nn.init.sparse(5, 3, { connections: 6 }), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.init.sparse(5, 3, { connections: -1 }), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.init.normal(5, 3, { std: -1 }), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.init.normal(5, 3, { std: Number.POSITIVE_INFINITY }), 'ERR_NNKIT_NONFINITE');
    expectCoded(() => nn.init.he(5, 3, { distribution: 'cauchy' as 'normal' }), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.init.glorot(5, 3, { gain: -2 }), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.init.he(5, 3, { rng: {} as nn.Rng }), 'ERR_NNKIT_TYPE', TypeError);
    expectCoded(() => nn.init.he(5, 3, { out: new Float32Array(14) }), 'ERR_NNKIT_SHAPE');
    expectCoded(() => nn.init.he(5, 3, { out: nn.matrix(3, 5) }), 'ERR_NNKIT_SHAPE');
    expectCoded(() => nn.init.bias(3, 0, { out: new Float32Array(2) }), 'ERR_NNKIT_SHAPE');
  });
});
