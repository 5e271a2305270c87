import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as nn from '../../lib/index';
import { native } from '../../lib/native';
import { expectCoded, forEachGemmBackend, forEachSimdPath, lcg } from '../helpers';

/** op(A)(i, p) of a row-major matrix. */
function at(m: nn.Matrix, trans: boolean, i: number, p: number): number {
  return trans ? m.data[p * m.cols + i]! : m.data[i * m.cols + p]!;
}

/** Full float64 reference of alpha·op(A)·op(B) + beta·C0. */
function referenceGemm(a: nn.Matrix, b: nn.Matrix, ta: boolean, tb: boolean, alpha: number, beta: number, c0: Float32Array): Float64Array {
  const m = ta ? a.cols : a.rows, k = ta ? a.rows : a.cols, n = tb ? b.rows : b.cols;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) acc += at(a, ta, i, p) * at(b, tb, p, j);
      out[i * n + j] = alpha * acc + (beta === 0 ? 0 : beta * c0[i * n + j]!);
    }
  return out;
}

function randomMatrix(rows: number, cols: number, seed: number): nn.Matrix {
  return nn.matrix(lcg(rows * cols, seed), rows, cols);
}

/**
 * Freivalds' check in float64: C·x against op(A)·(op(B)·x) for random x, O(n²) instead of
 * O(n³), so sizes up to 2049 are checked against an independent float64 computation.
 */
function freivalds(a: nn.Matrix, b: nn.Matrix, ta: boolean, tb: boolean, c: nn.Matrix, seed: number): number {
  const m = c.rows, n = c.cols, k = ta ? a.rows : a.cols;
  const x = lcg(n, seed);
  const bx = new Float64Array(k);
  for (let p = 0; p < k; p++) {
    let acc = 0;
    for (let j = 0; j < n; j++) acc += at(b, tb, p, j) * x[j]!;
    bx[p] = acc;
  }
  let worst = 0;
  for (let i = 0; i < m; i++) {
    let expected = 0, scale = 0, got = 0;
    for (let p = 0; p < k; p++) {
      const av = at(a, ta, i, p);
      expected += av * bx[p]!;
      scale += Math.abs(av) * Math.abs(bx[p]!);
    }
    for (let j = 0; j < n; j++) got += c.data[i * n + j]! * x[j]!;
    worst = Math.max(worst, Math.abs(got - expected) / (scale + 1e-30));
  }
  return worst;
}

describe('nn.gemm', () => {
  it('matches a float64 reference for odd sizes, every transpose, backend and SIMD path', () => {
    const shapes = [[1, 1, 1], [1, 7, 3], [5, 1, 9], [6, 16, 256], [13, 33, 257], [61, 17, 130], [7, 129, 2]];
    forEachGemmBackend((backend) =>
      forEachSimdPath((path) => {
        for (const [m, n, k] of shapes)
          for (const ta of [false, true])
            for (const tb of [false, true]) {
              const a = ta ? randomMatrix(k!, m!, 1) : randomMatrix(m!, k!, 1);
              const b = tb ? randomMatrix(n!, k!, 2) : randomMatrix(k!, n!, 2);
              const c = nn.gemm(a, b, { transA: ta, transB: tb });
              const ref = referenceGemm(a, b, ta, tb, 1, 0, c.data);
              expect([c.rows, c.cols]).toEqual([m, n]);
              for (let i = 0; i < ref.length; i++)
                expect(Math.abs(c.data[i]! - ref[i]!), `${backend}/${path} ${m}x${n}x${k} ta=${ta} tb=${tb} @${i}`).toBeLessThan(1e-5 * (k! + 1));
            }
      }),
    );
  });

  it('applies alpha and beta, and beta = 0 ignores NaN already in out', () => {
    forEachGemmBackend(() => {
      const a = randomMatrix(9, 11, 3), b = randomMatrix(11, 10, 4);
      const c0 = lcg(90, 5);
      const out = nn.matrix(c0.slice(), 9, 10);
      nn.gemm(a, b, { alpha: -0.5, beta: 2, out });
      const ref = referenceGemm(a, b, false, false, -0.5, 2, c0);
      for (let i = 0; i < 90; i++) expect(out.data[i]).toBeCloseTo(ref[i]!, 4);
      const nan = nn.matrix(new Float32Array(90).fill(Number.NaN), 9, 10);
      nn.gemm(a, b, { out: nan });
      expect(nan.data.every(Number.isFinite)).toBe(true);
    });
  });

  it('is correct at large odd sizes up to 2049 (Freivalds in float64)', () => {
    forEachGemmBackend(() => {
      for (const [m, n, k, ta, tb] of [[2049, 2049, 2049, false, false], [1023, 1025, 777, true, false], [1537, 911, 1301, false, true], [301, 1999, 1024, true, true]] as const) {
        const a = ta ? randomMatrix(k, m, 6) : randomMatrix(m, k, 6);
        const b = tb ? randomMatrix(n, k, 7) : randomMatrix(k, n, 7);
        const c = nn.gemm(a, b, { transA: ta, transB: tb });
        expect(freivalds(a, b, ta, tb, c, 8)).toBeLessThan(1e-5);
      }
    });
  });

  it('works on views with a byteOffset and writes nothing outside out', () => {
    const buffer = new ArrayBuffer(4 * 200);
    const whole = new Float32Array(buffer).fill(7);
    const a = nn.matrix(new Float32Array(buffer, 4 * 3, 12).fill(1), 3, 4);
    const b = randomMatrix(4, 5, 9);
    const out = nn.matrix(new Float32Array(buffer, 4 * 101, 15), 3, 5);
    nn.gemm(a, b, { out });
    expect(whole[100]).toBe(7);
    expect(whole[116]).toBe(7);
    expect(whole.slice(15, 101).every((v) => v === 7)).toBe(true);
    const ref = referenceGemm(a, b, false, false, 1, 0, out.data);
    for (let i = 0; i < 15; i++) expect(out.data[i]).toBeCloseTo(ref[i]!, 5);
  });

  it('handles empty shapes', () => {
    expect(nn.gemm(nn.matrix(0, 3), nn.matrix(3, 4)).data.length).toBe(0);
    const c = nn.gemm(nn.matrix(2, 0), nn.matrix(0, 3));
    expect([c.rows, c.cols]).toEqual([2, 3]);
    expect(c.data.every((v) => v === 0)).toBe(true);
  });

  it('agrees with itself under any split of the inner dimension (property)', () => {
    // (A1 A2)·(B1; B2) = A1·B1 + A2·B2 — checks beta accumulation against an independent split.
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 2, max: 60 }), fc.nat(), (m, n, k, s) => {
        const split = 1 + (s % (k - 1));
        const a = randomMatrix(m, k, s), b = randomMatrix(k, n, s + 1);
        const full = nn.gemm(a, b);
        const a1 = nn.matrix(m, split), a2 = nn.matrix(m, k - split);
        for (let i = 0; i < m; i++) {
          a1.data.set(a.data.subarray(i * k, i * k + split), i * split);
          a2.data.set(a.data.subarray(i * k + split, (i + 1) * k), i * (k - split));
        }
        const b1 = nn.matrix(b.data.slice(0, split * n), split, n), b2 = nn.matrix(b.data.slice(split * n), k - split, n);
        const acc = nn.gemm(a1, b1);
        nn.gemm(a2, b2, { out: acc, beta: 1 });
        for (let i = 0; i < m * n; i++) expect(Math.abs(acc.data[i]! - full.data[i]!)).toBeLessThan(1e-4 * k);
      }),
      { numRuns: 60 },
    );
  });

  it('rejects bad input with coded errors and leaves out untouched', () => {
    const a = randomMatrix(2, 3, 1), b = randomMatrix(3, 4, 2);
    expectCoded(() => nn.gemm(a, randomMatrix(2, 4, 3)), 'ERR_NNKIT_SHAPE');
    expectCoded(() => nn.gemm(a, b, { out: nn.matrix(2, 5) }), 'ERR_NNKIT_SHAPE');
    expectCoded(() => nn.gemm(a, b, { out: new Float32Array(7) }), 'ERR_NNKIT_SHAPE');
    expectCoded(() => nn.gemm({ data: new Float32Array(5), rows: 2, cols: 3 }, b), 'ERR_NNKIT_SHAPE');
    expectCoded(() => nn.gemm({ data: new Float64Array(6), rows: 2, cols: 3 } as unknown as nn.Matrix, b), 'ERR_NNKIT_TYPE', TypeError);
    expectCoded(() => nn.gemm({ data: a.data, rows: -2, cols: -3 }, b), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.gemm(a, b, { alpha: Number.NaN }), 'ERR_NNKIT_NONFINITE');
    expectCoded(() => nn.gemm(a, b, { transA: 1 as unknown as boolean }), 'ERR_NNKIT_TYPE', TypeError);
    expectCoded(() => nn.gemm(null as unknown as nn.Matrix, b), 'ERR_NNKIT_TYPE', TypeError);
    const shared = new Float32Array(20);
    expectCoded(() => nn.gemm(nn.matrix(shared.subarray(0, 6), 2, 3), b, { out: nn.matrix(shared.subarray(4, 12), 2, 4) }), 'ERR_NNKIT_ALIAS');
    const detached = new Float32Array(6);
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    expectCoded(() => nn.gemm({ data: detached, rows: 2, cols: 3 }, b), 'ERR_NNKIT_DETACHED', TypeError);
  });

  it('re-checks every size natively (callers that bypass the facade cannot overrun)', () => {
    const a = new Float32Array(6), b = new Float32Array(12), c = new Float32Array(8);
    expectCoded(() => native.gemm(a, 1000, 1000, b, 3, 4, c, false, false, 1, 0), 'ERR_NNKIT_SHAPE');
    expectCoded(() => native.gemm(a, 2, 3, b, 3, 4, new Float32Array(7), false, false, 1, 0), 'ERR_NNKIT_SHAPE');
    expectCoded(() => native.gemm(a, 2 ** 31, 2 ** 33, b, 3, 4, c, false, false, 1, 0), 'ERR_NNKIT_SHAPE');
    expectCoded(() => native.gemm(a, 2, 3, b, 4, 3, c, false, false, 1, 0), 'ERR_NNKIT_SHAPE');
    expectCoded(() => native.gemm(a, -1, 3, b, 3, 4, c, false, false, 1, 0), 'ERR_NNKIT_RANGE');
    expectCoded(() => native.gemm(a, 2, 3, b, 3, 4, c, false, false, Infinity, 0), 'ERR_NNKIT_RANGE');
    expectCoded(() => (native.gemm as (...args: unknown[]) => void)(a, 2, 3), 'ERR_NNKIT_TYPE', TypeError);
  });
});

describe('nn.gemmAsync', () => {
  it('resolves with the same result as gemm, on every backend', async () => {
    const a = randomMatrix(300, 200, 1), b = randomMatrix(200, 100, 2);
    const sync = nn.gemm(a, b);
    const results = await Promise.all(Array.from({ length: 8 }, () => nn.gemmAsync(a, b)));
    for (const r of results) expect(Array.from(r.data)).toEqual(Array.from(sync.data));
  });

  it('rejects bad input synchronously-validated as a rejected Promise', async () => {
    await expect(nn.gemmAsync(randomMatrix(2, 3, 1), randomMatrix(2, 3, 1))).rejects.toMatchObject({ code: 'ERR_NNKIT_SHAPE' });
  });
});
