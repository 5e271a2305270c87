import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as nn from '../../lib/index';
import { dot, expectCoded, forEachGemmBackend, forEachSimdPath, gradRelError, lcg, lcgMatrix, maxRelError, numericGradient } from './support';

function referenceForward(X: nn.Matrix, W: nn.Matrix, b: Float32Array | null): Float64Array {
  const out = new Float64Array(X.rows * W.cols);
  for (let i = 0; i < X.rows; i++)
    for (let j = 0; j < W.cols; j++) {
      let acc = b ? b[j]! : 0;
      for (let p = 0; p < X.cols; p++) acc += X.data[i * X.cols + p]! * W.data[p * W.cols + j]!;
      out[i * W.cols + j] = acc;
    }
  return out;
}

function referenceBackward(dY: nn.Matrix, X: nn.Matrix, W: nn.Matrix) {
  const n = X.rows, d = X.cols, h = W.cols;
  const dX = new Float64Array(n * d), dW = new Float64Array(d * h), db = new Float64Array(h);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < h; j++) {
      const g = dY.data[i * h + j]!;
      db[j]! += g;
      for (let p = 0; p < d; p++) {
        dX[i * d + p]! += g * W.data[p * h + j]!;
        dW[p * h + j]! += X.data[i * d + p]! * g;
      }
    }
  return { dX, dW, db };
}

const shapes: [number, number, number][] = [[1, 1, 1], [3, 5, 7], [17, 33, 9], [64, 31, 65], [5, 130, 3]];

describe('nn.linear', () => {
  it('forward matches a float64 reference (every GEMM backend and SIMD path)', () => {
    forEachGemmBackend(() => forEachSimdPath(() => {
      for (const [n, d, h] of shapes) {
        const X = lcgMatrix(n, d, 1), W = lcgMatrix(d, h, 2), b = lcg(h, 3);
        expect(maxRelError(nn.linear.forward(X, W, b).data, referenceForward(X, W, b))).toBeLessThan(1e-5 * d);
        expect(maxRelError(nn.linear.forward(X, W, null).data, referenceForward(X, W, null))).toBeLessThan(1e-5 * d);
        // b as a 1-row Matrix, output into a dirty out buffer (overwritten, not accumulated).
        const out = nn.matrix(new Float32Array(n * h).fill(Number.NaN), n, h);
        nn.linear.forward(X, W, nn.matrix(b, 1, h), { out });
        expect(maxRelError(out.data, referenceForward(X, W, b))).toBeLessThan(1e-5 * d);
      }
    }));
  });

  it('backward matches a float64 reference (every GEMM backend and SIMD path)', () => {
    forEachGemmBackend(() => forEachSimdPath(() => {
      for (const [n, d, h] of shapes) {
        const X = lcgMatrix(n, d, 4), W = lcgMatrix(d, h, 5), dY = lcgMatrix(n, h, 6);
        const ref = referenceBackward(dY, X, W);
        const g = nn.linear.backward(dY, X, W);
        expect(maxRelError(g.dX!.data, ref.dX)).toBeLessThan(1e-5 * h);
        expect(maxRelError(g.dW!.data, ref.dW)).toBeLessThan(1e-5 * n);
        expect(maxRelError(g.db!, ref.db)).toBeLessThan(1e-6);
      }
    }));
  });

  it('passes a centered finite-difference gradient check', () => {
    const X = lcgMatrix(6, 5, 7), W = lcgMatrix(5, 4, 8), b = lcg(4, 9), G = lcgMatrix(6, 4, 10);
    const loss = () => dot(G.data, nn.linear.forward(X, W, b).data);
    const g = nn.linear.backward(G, X, W);
    expect(gradRelError(g.dX!.data, numericGradient(X.data, loss, 1e-2))).toBeLessThan(1e-2);
    expect(gradRelError(g.dW!.data, numericGradient(W.data, loss, 1e-2))).toBeLessThan(1e-2);
    expect(gradRelError(g.db!, numericGradient(b, loss, 1e-2))).toBeLessThan(1e-2);
    // The float64 reference's finite differences agree far tighter (the loss is linear).
    const Xd = Float64Array.from(X.data);
    const loss64 = () => dot(G.data, referenceForward({ data: Float32Array.from(Xd), rows: 6, cols: 5 }, W, b));
    expect(gradRelError(g.dX!.data, numericGradient(Xd, loss64, 1e-3))).toBeLessThan(1e-4);
  });

  it('async forward/backward give the same bits as the synchronous calls', async () => {
    const X = lcgMatrix(70, 33, 14), W = lcgMatrix(33, 21, 15), b = lcg(21, 16), dY = lcgMatrix(70, 21, 17);
    expect(Array.from((await nn.linear.forwardAsync(X, W, b)).data)).toEqual(Array.from(nn.linear.forward(X, W, b).data));
    const ga = await nn.linear.backwardAsync(dY, X, W), g = nn.linear.backward(dY, X, W);
    expect(Array.from(ga.dX!.data)).toEqual(Array.from(g.dX!.data));
    expect(Array.from(ga.dW!.data)).toEqual(Array.from(g.dW!.data));
    expect(Array.from(ga.db!)).toEqual(Array.from(g.db!));
    await expect(nn.linear.forwardAsync(X, dY, null)).rejects.toMatchObject({ code: 'ERR_NNKIT_SHAPE' });
  });

  it('writes into the given buffers and skips gradients set to false', () => {
    const X = lcgMatrix(8, 3, 11), W = lcgMatrix(3, 2, 12), dY = lcgMatrix(8, 2, 13);
    const dX = nn.matrix(8, 3), dW = new Float32Array(6), db = new Float32Array(2);
    const g = nn.linear.backward(dY, X, W, { dX, dW, db });
    expect(g.dX).toBe(dX);
    expect(g.dW!.data).toBe(dW);
    expect(g.db).toBe(db);
    const skipped = nn.linear.backward(dY, X, W, { dX: false, db: false });
    expect(skipped.dX).toBeNull();
    expect(skipped.db).toBeNull();
    expect(skipped.dW!.data).toEqual(dW);
  });

  it('rejects shape mismatches and overlapping outputs', () => {
    const X = lcgMatrix(4, 3, 1), W = lcgMatrix(3, 2, 2);
    expectCoded(() => nn.linear.forward(X, lcgMatrix(4, 2, 3), null), 'ERR_NNKIT_SHAPE');
    expectCoded(() => nn.linear.forward(X, W, new Float32Array(3)), 'ERR_NNKIT_SHAPE');
    expectCoded(() => nn.linear.forward(X, W, null, { out: nn.matrix(4, 3) }), 'ERR_NNKIT_SHAPE');
    expectCoded(() => nn.linear.forward(X, W, null, { out: X.data.subarray(0, 8) }), 'ERR_NNKIT_ALIAS');
    expectCoded(() => nn.linear.backward(lcgMatrix(4, 3, 4), X, W), 'ERR_NNKIT_SHAPE');
    expectCoded(() => nn.linear.backward(lcgMatrix(4, 2, 4), X, W, { db: new Float32Array(3) }), 'ERR_NNKIT_SHAPE');
    expectCoded(() => nn.linear.forward({ data: [1], rows: 1, cols: 1 } as unknown as nn.Matrix, W, null), 'ERR_NNKIT_TYPE', TypeError);
  });
});

describe('nn.relu', () => {
  it('property: forward is max(0, x) and backward masks dY where x > 0 (every SIMD path)', () => {
    forEachSimdPath(() => {
      fc.assert(
        fc.property(fc.array(fc.float({ noNaN: true }), { minLength: 1, maxLength: 300 }), (values) => {
          const X = nn.matrix(Float32Array.from(values), 1, values.length);
          const dY = nn.matrix(lcg(values.length, values.length), 1, values.length);
          const Y = nn.relu.forward(X);
          const dX = nn.relu.backward(dY, X);
          return values.every((x, i) =>
            Object.is(Y.data[i], x < 0 ? 0 : Math.fround(x)) && dX.data[i] === (x > 0 ? dY.data[i] : 0));
        }),
        { numRuns: 100 },
      );
    });
  });

  it('propagates NaN, runs in place and passes a gradient check', () => {
    const X = nn.matrix(new Float32Array([Number.NaN, -1, 2, 0]), 2, 2);
    expect(Number.isNaN(nn.relu.forward(X).data[0])).toBe(true);
    const Z = lcgMatrix(9, 11, 3);
    const expected = nn.relu.forward(Z).data.slice();
    expect(nn.relu.forward(Z, { out: Z }).data).toEqual(expected);
    // Away from the kink the finite differences are exact up to rounding.
    const A = lcgMatrix(5, 7, 4);
    for (let i = 0; i < A.data.length; i++) if (Math.abs(A.data[i]!) < 0.05) A.data[i] = 0.5;
    const G = lcgMatrix(5, 7, 5);
    const analytic = nn.relu.backward(G, A).data;
    expect(gradRelError(analytic, numericGradient(A.data, () => dot(G.data, nn.relu.forward(A).data), 1e-2))).toBeLessThan(1e-2);
  });

  it('rejects shape mismatches', () => {
    expectCoded(() => nn.relu.backward(lcgMatrix(2, 3, 1), lcgMatrix(3, 2, 2)), 'ERR_NNKIT_SHAPE');
    expectCoded(() => nn.relu.forward(lcgMatrix(2, 3, 1), { out: new Float32Array(5) }), 'ERR_NNKIT_SHAPE');
    // In place is fine; a shifted view of the same memory is not.
    const buffer = lcg(9, 1);
    const X = nn.matrix(buffer.subarray(0, 8), 2, 4);
    expectCoded(() => nn.relu.forward(X, { out: buffer.subarray(1, 9) }), 'ERR_NNKIT_ALIAS');
  });
});
