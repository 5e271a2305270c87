/** Float64 references for the preprocessing tests, written independently of nnkit. */
import * as nn from '../../lib/index';
import { lcg } from '../helpers';

/** Data with a per-column offset and spread: column j ≈ offset + (j % 7 + 1) · u. */
export function offsetData(rows: number, cols: number, seed: number, offset = 0): nn.Matrix {
  const u = lcg(rows * cols, seed);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) data[i * cols + j] = offset + (j % 7 + 1) * u[i * cols + j]! + 0.1 * j;
  return nn.matrix(data, rows, cols);
}

/** Per-group float64 mean and population std, column j in group group(j). */
export function groupStats(X: nn.Matrix, groups: number, group: (j: number) => number): { mean: Float64Array; std: Float64Array } {
  const sum = new Float64Array(groups), count = new Float64Array(groups), ss = new Float64Array(groups);
  for (let i = 0; i < X.rows; i++)
    for (let j = 0; j < X.cols; j++) {
      const g = group(j);
      sum[g] = sum[g]! + X.data[i * X.cols + j]!;
      count[g] = count[g]! + 1;
    }
  const mean = sum.map((s, g) => s / count[g]!);
  for (let i = 0; i < X.rows; i++)
    for (let j = 0; j < X.cols; j++) {
      const d = X.data[i * X.cols + j]! - mean[group(j)]!;
      ss[group(j)] = ss[group(j)]! + d * d;
    }
  return { mean, std: ss.map((s, g) => Math.sqrt(s / count[g]!)) };
}

/** Per-column mean and population std. */
export function columnStats(X: nn.Matrix): { mean: Float64Array; std: Float64Array } {
  return groupStats(X, X.cols, (j) => j);
}

/** Max |a − b| / (|b| + floor) over two arrays. */
export function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-12): number {
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (Math.abs(b[i]!) + floor));
  return worst;
}

/** Max |a − b|. */
export function maxAbsError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

/** Rows [begin, end) of X as a zero-copy view. */
export function rowSlice(X: nn.Matrix, begin: number, end: number): nn.Matrix {
  return nn.matrix(X.data.subarray(begin * X.cols, end * X.cols), end - begin, X.cols);
}

/** Data with a clearly decaying spectrum: offset + Σ_j s_j·z_j·b_j + small noise. */
export function spectrumData(rows: number, cols: number, seed: number, offset = 0, rank = cols, noiseScale = 0.01): nn.Matrix {
  const z = lcg(rows * rank, seed), b = lcg(rank * cols, seed + 1), noise = lcg(rows * cols, seed + 2);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      let v = offset + noiseScale * noise[i * cols + j]!;
      for (let r = 0; r < rank; r++) v += (3 / (1 + r)) * z[i * rank + r]! * b[r * cols + j]!;
      data[i * cols + j] = v;
    }
  return nn.matrix(data, rows, cols);
}
