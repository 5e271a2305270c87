/**
 * Float64 running moments (count, mean, M2 = Σ(x − mean)²) per group of columns, and their
 * Chan–Golub–LeVeque parallel update, shared by the Standardizer and PCA.
 * @internal
 */
import { type Matrix } from '../matrix';
import { native } from '../native';

/** Moments of `groups` groups; every group has the same count. */
export interface Moments {
  /** Values seen per group (rows × columns per group). */
  count: number;
  mean: Float64Array;
  m2: Float64Array;
}

/**
 * Chan, Golub & LeVeque (1979): merges b into a in place.
 * δ = μ_b − μ_a; μ = μ_a + δ·n_b/n; M2 = M2_a + M2_b + δ²·n_a·n_b/n.
 */
export function mergeMoments(a: Moments, b: Moments): void {
  if (b.count === 0) return;
  if (a.count === 0) {
    a.count = b.count;
    a.mean.set(b.mean);
    a.m2.set(b.m2);
    return;
  }
  const n = a.count + b.count;
  const weightB = b.count / n;
  const cross = (a.count * b.count) / n;
  for (let g = 0; g < a.mean.length; g++) {
    const delta = b.mean[g]! - a.mean[g]!;
    a.mean[g] = a.mean[g]! + delta * weightB;
    a.m2[g] = a.m2[g]! + b.m2[g]! + delta * delta * cross;
  }
  a.count = n;
}

/**
 * Pools per-column moments (every column has `rows` values) into `groups` groups, column j
 * going to group j mod groups: one group is the scalar image mode, `channels` groups the
 * per-channel mode of channels-last data, D groups the per-feature mode (a copy).
 */
export function poolColumns(rows: number, mean: Float64Array, m2: Float64Array, groups: number): Moments {
  const cols = mean.length;
  if (groups === cols) return { count: rows, mean, m2 };
  const perGroup = cols / groups;
  const pooled: Moments = { count: rows * perGroup, mean: new Float64Array(groups), m2: new Float64Array(groups) };
  for (let j = 0; j < cols; j++) pooled.mean[j % groups] = pooled.mean[j % groups]! + mean[j]!;
  for (let g = 0; g < groups; g++) pooled.mean[g] = pooled.mean[g]! / perGroup;
  for (let j = 0; j < cols; j++) {
    const g = j % groups;
    const delta = mean[j]! - pooled.mean[g]!;
    pooled.m2[g] = pooled.m2[g]! + m2[j]! + rows * delta * delta;
  }
  return pooled;
}

/** Per-column moments of X (float64, blocked, thread-count independent). */
export function columnMoments(X: Matrix): { mean: Float64Array; m2: Float64Array } {
  const mean = new Float64Array(X.cols), m2 = new Float64Array(X.cols);
  native.columnMoments(X.data, X.rows, X.cols, mean, m2);
  return { mean, m2 };
}

/** {@link columnMoments} on the libuv thread pool. */
export async function columnMomentsAsync(X: Matrix): Promise<{ mean: Float64Array; m2: Float64Array }> {
  const mean = new Float64Array(X.cols), m2 = new Float64Array(X.cols);
  await native.columnMomentsAsync(X.data, X.rows, X.cols, mean, m2);
  return { mean, m2 };
}
