import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as nn from '../../lib/index';
import { expectCoded, forEachSimdPath } from '../helpers';
import { maxAbsError, offsetData, rowSlice, spectrumData } from './reference';

/** Cyclic Jacobi eigendecomposition of a symmetric float64 matrix: values descending, vectors in columns. */
function jacobiEigh(A: Float64Array, n: number): { values: number[]; vectors: Float64Array } {
  const a = Float64Array.from(A), v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!, akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!, aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!, vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  const order = [...Array(n).keys()].sort((i, j) => a[j * n + j]! - a[i * n + i]!);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src]!;
  });
  return { values: order.map((i) => a[i * n + i]!), vectors };
}

/** The notes' numpy code in float64: X −= mean; cov = XᵀX/N; U, S = eig(cov). */
function referencePCA(X: nn.Matrix) {
  const { rows: N, cols: D } = X;
  const mean = new Float64Array(D);
  for (let i = 0; i < N; i++) for (let j = 0; j < D; j++) mean[j] = mean[j]! + X.data[i * D + j]! / N;
  const Xc = new Float64Array(N * D);
  for (let i = 0; i < N; i++) for (let j = 0; j < D; j++) Xc[i * D + j] = X.data[i * D + j]! - mean[j]!;
  const cov = new Float64Array(D * D);
  for (let i = 0; i < N; i++)
    for (let a = 0; a < D; a++) {
      const xa = Xc[i * D + a]!;
      for (let b = 0; b < D; b++) cov[a * D + b] = cov[a * D + b]! + (xa * Xc[i * D + b]!) / N;
    }
  const { values, vectors } = jacobiEigh(cov, D);
  return { mean, Xc, values, vectors };
}

/** Float64 covariance of the rows of Y. */
function covarianceOf(Y: nn.Matrix): Float64Array {
  const { rows: N, cols: D } = Y;
  const mean = new Float64Array(D);
  for (let i = 0; i < N; i++) for (let j = 0; j < D; j++) mean[j] = mean[j]! + Y.data[i * D + j]! / N;
  const cov = new Float64Array(D * D);
  for (let i = 0; i < N; i++)
    for (let a = 0; a < D; a++)
      for (let b = 0; b < D; b++) cov[a * D + b] = cov[a * D + b]! + ((Y.data[i * D + a]! - mean[a]!) * (Y.data[i * D + b]! - mean[b]!)) / N;
  return cov;
}

function identityError(cov: Float64Array, n: number): number {
  let worst = 0;
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) worst = Math.max(worst, Math.abs(cov[a * n + b]! - (a === b ? 1 : 0)));
  return worst;
}

/** |cosine| between column j of the component matrix and column j of the reference. */
function alignment(components: nn.Matrix, ref: Float64Array, D: number, j: number): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < D; i++) {
    const a = components.data[i * components.cols + j]!, b = ref[i * D + j]!;
    dot += a * b;
    na += a * a;
    nb += b * b;
  }
  return Math.abs(dot) / Math.sqrt(na * nb);
}

describe('nn.PCA', () => {
  it('matches the notes numpy code in float64 (mean, eigenvalues, components up to sign, Xrot), every SIMD path', () => {
    const X = spectrumData(400, 12, 1, 100);
    const ref = referencePCA(X);
    forEachSimdPath((path) => {
      const pca = new nn.PCA({ components: 5, solver: 'exact' }).fit(X);
      expect(maxAbsError(pca.mean, ref.mean), path).toBeLessThan(1e-4);
      for (let j = 0; j < 5; j++) {
        expect(Math.abs(pca.eigenvalues[j]! - ref.values[j]!) / ref.values[j]!, `${path} λ${j}`).toBeLessThan(1e-4);
        expect(alignment(pca.components, ref.vectors, 12, j), `${path} u${j}`).toBeGreaterThan(1 - 1e-5);
      }
      const total = ref.values.reduce((a, b) => a + b, 0);
      expect(maxAbsError(pca.explainedVarianceRatio, ref.values.slice(0, 5).map((v) => v / total))).toBeLessThan(1e-5);
      const Xrot = pca.transform(X);
      expect([Xrot.rows, Xrot.cols]).toEqual([400, 5]);
      for (let j = 0; j < 5; j++) {
        const sign = Math.sign(pca.components.data.reduce((acc, v, idx) => (idx % 5 === j ? acc + v * ref.vectors[Math.floor(idx / 5) * 12 + j]! : acc), 0));
        let worst = 0;
        for (let i = 0; i < 400; i++) {
          let expected = 0;
          for (let d = 0; d < 12; d++) expected += ref.Xc[i * 12 + d]! * ref.vectors[d * 12 + j]!;
          worst = Math.max(worst, Math.abs(Xrot.data[i * 5 + j]! - sign * expected));
        }
        expect(worst, `${path} Xrot column ${j}`).toBeLessThan(2e-4);
      }
    });
  });

  it('PCA whitening and ZCA whitening give identity covariance on the training set', () => {
    // Noise keeps every eigenvalue ≥ 0.03, so eps = 1e-5 changes the whitened variances by < 1e-3.
    const X = spectrumData(600, 10, 2, 50, 10, 0.5);
    const white = new nn.PCA({ whiten: 'pca', solver: 'exact' }).fitTransform(X);
    expect(identityError(covarianceOf(white), 10)).toBeLessThan(1e-3);
    const zca = new nn.PCA({ whiten: 'zca', solver: 'exact' });
    const Z = zca.fitTransform(X);
    expect([Z.rows, Z.cols]).toEqual([600, 10]);
    expect(identityError(covarianceOf(Z), 10)).toBeLessThan(1e-3);
    // Reduced PCA whitening: the first k whitened directions, still identity.
    const reduced = new nn.PCA({ components: 4, whiten: 'pca' }).fitTransform(X);
    expect(identityError(covarianceOf(reduced), 4)).toBeLessThan(1e-3);
  });

  it('inverseTransform(transform(X)) recovers X when k = D, for every whitening', () => {
    const X = spectrumData(200, 9, 3, 20);
    for (const whiten of [false, 'pca', 'zca'] as const) {
      const pca = new nn.PCA({ whiten }).fit(X);
      const back = pca.inverseTransform(pca.transform(X));
      expect(maxAbsError(back.data, X.data), String(whiten)).toBeLessThan(2e-3);
    }
    // With k < D the reconstruction is the projection onto the top components.
    const pca = new nn.PCA({ components: 3 }).fit(X);
    const back = pca.inverseTransform(pca.transform(X));
    expect(pca.transform(back).data.every(Number.isFinite)).toBe(true);
    expect(maxAbsError(pca.transform(back).data, pca.transform(X).data)).toBeLessThan(1e-3);
  });

  it('partialFit over random splits and merge of partial fits equal the one-shot fit (1e-5 relative)', () => {
    const X = spectrumData(300, 8, 4, 255);
    const whole = new nn.PCA({ solver: 'exact' }).fit(X);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 299 }), { maxLength: 5 }), fc.boolean(), (cuts, viaMerge) => {
        const bounds = [0, ...cuts.sort((a, b) => a - b), 300];
        const pca = new nn.PCA({ solver: 'exact' });
        for (let b = 0; b + 1 < bounds.length; b++) {
          const chunk = rowSlice(X, bounds[b]!, bounds[b + 1]!);
          if (viaMerge) pca.merge(new nn.PCA().partialFit(chunk));
          else pca.partialFit(chunk);
        }
        expect(pca.count).toBe(300);
        for (let j = 0; j < 8; j++) {
          expect(Math.abs(pca.mean[j]! - whole.mean[j]!) / Math.abs(whole.mean[j]!)).toBeLessThan(1e-5);
          expect(Math.abs(pca.eigenvalues[j]! - whole.eigenvalues[j]!) / whole.eigenvalues[0]!).toBeLessThan(1e-5);
        }
        for (let j = 0; j < 4; j++) {
          let dot = 0;
          for (let d = 0; d < 8; d++) dot += pca.components.data[d * 8 + j]! * whole.components.data[d * 8 + j]!;
          expect(Math.abs(dot)).toBeGreaterThan(1 - 1e-4);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('the randomized solver finds the top eigenvalues (1e-3) and components of a decaying spectrum', () => {
    const X = spectrumData(1500, 60, 5, 10, 60);
    const exact = new nn.PCA({ components: 8, solver: 'exact' }).fit(X);
    const fast = new nn.PCA({ components: 8, solver: 'randomized', seed: 7, powerIters: 3 }).fit(X);
    for (let j = 0; j < 8; j++) {
      expect(Math.abs(fast.eigenvalues[j]! - exact.eigenvalues[j]!) / exact.eigenvalues[j]!, `λ${j}`).toBeLessThan(1e-3);
      let dot = 0;
      for (let d = 0; d < 60; d++) dot += fast.components.data[d * 8 + j]! * exact.components.data[d * 8 + j]!;
      expect(dot, `u${j} (same sign convention)`).toBeGreaterThan(0.999);
    }
    const again = new nn.PCA({ components: 8, solver: 'randomized', seed: 7, powerIters: 3 }).fit(X);
    expect(again.components.data).toEqual(fast.components.data);
    const white = new nn.PCA({ components: 8, solver: 'randomized', whiten: 'pca' }).fitTransform(X);
    expect(identityError(covarianceOf(white), 8)).toBeLessThan(1e-3);
    expectCoded(() => fast.partialFit(X), 'ERR_NNKIT_STATE');
  });

  it('fitAsync gives the randomized solver\'s result bit for bit (it runs on the libuv pool)', async () => {
    const X = spectrumData(1500, 60, 5, 10, 60);
    const sync = new nn.PCA({ components: 8, solver: 'randomized', seed: 7 }).fit(X);
    const viaAsync = await new nn.PCA({ components: 8, solver: 'randomized', seed: 7 }).fitAsync(X);
    expect(viaAsync.eigenvalues).toEqual(sync.eigenvalues);
    expect(viaAsync.components.data).toEqual(sync.components.data);
    expect(viaAsync.transform(X).data).toEqual(sync.transform(X).data);
  });

  it('gives finite, documented results for zero variance, constant data, one sample, N < D and large offsets', () => {
    const X = spectrumData(50, 6, 6);
    for (let i = 0; i < 50; i++) X.data[i * 6 + 2] = 7;
    const pca = new nn.PCA({ whiten: 'pca' }).fit(X);
    expect(pca.eigenvalues[5]).toBeLessThan(1e-6);
    const W = pca.transform(X);
    expect(W.data.every(Number.isFinite)).toBe(true);
    expect(Math.abs(W.data[5]!)).toBeLessThan(1e-2);  // the zero-variance direction whitens to ~0
    const constant = nn.matrix(new Float32Array(40).fill(3), 10, 4);
    const c = new nn.PCA({ whiten: 'zca' }).fit(constant);
    expect([...c.eigenvalues]).toEqual([0, 0, 0, 0]);
    expect([...c.explainedVarianceRatio]).toEqual([0, 0, 0, 0]);
    expect(c.transform(constant).data.every((v) => v === 0)).toBe(true);
    const one = new nn.PCA({ whiten: 'pca' }).fit(nn.matrix(new Float32Array([1, 2, 3]), 1, 3));
    expect(one.transform(nn.matrix(new Float32Array([1, 2, 3]), 1, 3)).data.every((v) => v === 0)).toBe(true);
    const wide = spectrumData(5, 20, 8);
    const w = new nn.PCA().fit(wide);
    expect(w.eigenvalues.every((v) => v >= 0 && Number.isFinite(v))).toBe(true);
    for (let j = 5; j < 20; j++) expect(w.eigenvalues[j]).toBeLessThan(1e-5 * w.eigenvalues[0]!);
    const back = w.inverseTransform(w.transform(wide));
    expect(maxAbsError(back.data, wide.data)).toBeLessThan(1e-3);
    const offset = spectrumData(300, 6, 9, 1e4);
    const ref = referencePCA(offset);
    const o = new nn.PCA().fit(offset);
    expect(Math.abs(o.eigenvalues[0]! - ref.values[0]!) / ref.values[0]!).toBeLessThan(1e-3);
  });

  it('saves and loads bit-exactly; with includeState it keeps fitting', () => {
    const X = spectrumData(120, 7, 10, 5);
    const pca = new nn.PCA({ components: 4, whiten: 'pca' }).fit(rowSlice(X, 0, 80));
    const text = JSON.stringify(pca);
    const loaded = nn.PCA.fromJSON(JSON.parse(text));
    expect(loaded.components.data).toEqual(pca.components.data);
    expect(loaded.eigenvalues).toEqual(pca.eigenvalues);
    expect(loaded.transform(X).data).toEqual(pca.transform(X).data);
    expectCoded(() => loaded.partialFit(X), 'ERR_NNKIT_STATE');
    const stateful = nn.PCA.fromJSON(JSON.parse(JSON.stringify(pca.toJSON({ includeState: true }))));
    stateful.partialFit(rowSlice(X, 80, 120));
    pca.partialFit(rowSlice(X, 80, 120));
    expect(stateful.eigenvalues).toEqual(pca.eigenvalues);
    const p = new nn.Pipeline([new nn.Standardizer(), new nn.PCA({ components: 3, whiten: 'zca' })]).fit(X);
    expect(nn.Pipeline.fromJSON(JSON.parse(JSON.stringify(p))).transform(X).data).toEqual(p.transform(X).data);
    const doc = JSON.parse(text) as Record<string, unknown>;
    for (const damage of [{ k: 9 }, { k: 0 }, { width: 1e12 }, { width: 100000 }, { vectors: 'AAAA' }, { eigenvalues: nn.encodeFloat32(new Float32Array([1, 2, 3, 4])) },
      { whiten: 'white' }, { version: 3 }, { totalVariance: -1 }, { comoment: 'AAAA' }, { mean: null }])
      expect(() => nn.PCA.fromJSON({ ...doc, ...damage }), JSON.stringify(damage)).toThrow(expect.objectContaining({ code: 'ERR_NNKIT_FORMAT' }));
  });

  it('fitAsync gives the same fit as fit', async () => {
    const X = spectrumData(300, 16, 12, 40);
    const sync = new nn.PCA({ components: 6, whiten: 'zca', solver: 'exact' }).fit(X);
    const viaAsync = await new nn.PCA({ components: 6, whiten: 'zca', solver: 'exact' }).fitAsync(X);
    expect(viaAsync.eigenvalues).toEqual(sync.eigenvalues);
    expect(viaAsync.components.data).toEqual(sync.components.data);
    expect(viaAsync.transform(X).data).toEqual(sync.transform(X).data);
  });

  it('refuses transform before fit, other widths, inPlace and bad options', () => {
    const X = spectrumData(20, 5, 11);
    const pca = new nn.PCA({ components: 2 });
    expectCoded(() => pca.transform(X), 'ERR_NNKIT_STATE');
    expectCoded(() => pca.components, 'ERR_NNKIT_STATE');
    pca.fit(X);
    expectCoded(() => pca.transform(spectrumData(3, 4, 1)), 'ERR_NNKIT_SHAPE');
    expectCoded(() => pca.inverseTransform(spectrumData(3, 5, 1)), 'ERR_NNKIT_SHAPE');
    expectCoded(() => pca.transform(X, { inPlace: true }), 'ERR_NNKIT_RANGE');
    expectCoded(() => pca.transform(X, { out: nn.matrix(20, 3) }), 'ERR_NNKIT_SHAPE');
    expectCoded(() => new nn.PCA({ components: 9 }).fit(X), 'ERR_NNKIT_SHAPE');
    expectCoded(() => new nn.PCA({ components: 0 }), 'ERR_NNKIT_RANGE');
    expectCoded(() => new nn.PCA({ whiten: true as never }), 'ERR_NNKIT_TYPE', TypeError);
    expectCoded(() => new nn.PCA({ solver: 'arpack' as never }), 'ERR_NNKIT_RANGE');
    expectCoded(() => pca.merge(new nn.PCA().fit(spectrumData(10, 6, 1))), 'ERR_NNKIT_SHAPE');
    const out = nn.matrix(20, 2);
    expect(pca.transform(X, { out })).toBe(out);
  });
});
