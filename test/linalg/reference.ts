/**
 * Float64 references for the decomposition tests (independent of nnkit), and loops over the
 * LAPACK backends on top of the shared helpers.
 */
import * as nn from '../../lib/index';
import { forEachGemmBackend, forEachSimdPath, lcg } from '../helpers';

export { lcg };

/** Row-major float64 matrix. */
export interface F64 {
  data: Float64Array;
  rows: number;
  cols: number;
}

export function f64(m: nn.Matrix): F64 {
  return { data: Float64Array.from(m.data), rows: m.rows, cols: m.cols };
}

export function toMatrix(m: F64): nn.Matrix {
  return { data: Float32Array.from(m.data), rows: m.rows, cols: m.cols };
}

export function matmul(a: F64, b: F64, transA = false, transB = false): F64 {
  const m = transA ? a.cols : a.rows;
  const k = transA ? a.rows : a.cols;
  const n = transB ? b.rows : b.cols;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      const x = transA ? a.data[p * a.cols + i]! : a.data[i * a.cols + p]!;
      if (x === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j]! += x * (transB ? b.data[j * b.cols + p]! : b.data[p * b.cols + j]!);
    }
  return { data: out, rows: m, cols: n };
}

/** An m × k matrix with orthonormal columns (modified Gram–Schmidt, twice, on LCG columns). */
export function orthonormalColumns(m: number, k: number, seed: number): F64 {
  const raw = lcg(m * k, seed);
  const q = new Float64Array(m * k);
  for (let i = 0; i < m * k; i++) q[i] = raw[i]!;
  for (let j = 0; j < k; j++) {
    for (let round = 0; round < 2; round++)
      for (let p = 0; p < j; p++) {
        let d = 0;
        for (let i = 0; i < m; i++) d += q[i * k + j]! * q[i * k + p]!;
        for (let i = 0; i < m; i++) q[i * k + j]! -= d * q[i * k + p]!;
      }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += q[i * k + j]! ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < m; i++) q[i * k + j]! /= norm;
  }
  return { data: q, rows: m, cols: k };
}

/** U·diag(s)·Vᵀ from factors with orthonormal columns. */
export function compose(u: F64, s: number[], v: F64): F64 {
  const us = { data: Float64Array.from(u.data), rows: u.rows, cols: u.cols };
  for (let i = 0; i < u.rows; i++) for (let j = 0; j < u.cols; j++) us.data[i * u.cols + j]! *= s[j]!;
  return matmul(us, v, false, true);
}

/** Eigenvalues of a symmetric matrix, descending, by cyclic Jacobi rotations in float64. */
export function jacobiEigenvalues(a: F64): number[] {
  const n = a.rows;
  const m = Float64Array.from(a.data);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += m[i * n + j]! ** 2;
    if (off < 1e-26) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q * n + q]! - m[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = m[k * n + p]!, akq = m[k * n + q]!;
          m[k * n + p] = c * akp - s * akq;
          m[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = m[p * n + k]!, aqk = m[q * n + k]!;
          m[p * n + k] = c * apk - s * aqk;
          m[q * n + k] = s * apk + c * aqk;
        }
      }
  }
  const values: number[] = [];
  for (let i = 0; i < n; i++) values.push(m[i * n + i]!);
  return values.sort((x, y) => y - x);
}

/** ‖MᵀM − I‖ (Frobenius) over the columns of M. */
export function orthonormalityError(m: nn.Matrix): number {
  const g = matmul(f64(m), f64(m), true, false);
  let e = 0;
  for (let i = 0; i < g.rows; i++) for (let j = 0; j < g.cols; j++) e += (g.data[i * g.cols + j]! - (i === j ? 1 : 0)) ** 2;
  return Math.sqrt(e);
}

/** Frobenius norm of a − b relative to that of a. */
export function relativeError(a: F64, b: F64): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.data.length; i++) {
    num += (a.data[i]! - b.data[i]!) ** 2;
    den += a.data[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

export function transpose(m: nn.Matrix): nn.Matrix {
  const out = new Float32Array(m.data.length);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) out[j * m.rows + i] = m.data[i * m.cols + j]!;
  return { data: out, rows: m.cols, cols: m.rows };
}

/**
 * Runs `fn` for every LAPACK backend of this build ('lapack' when linked, and 'builtin') and
 * every SIMD path, restoring the originals.
 */
export function forEachBackend(fn: (label: string) => void): void {
  const lapack = nn.lapackBackend();
  const backends: ('lapack' | 'builtin')[] = ['builtin'];
  try {
    nn.setLapackBackend('lapack'); // throws in a build without LAPACKE
    backends.unshift('lapack');
  } catch {
    // built-in only
  }
  try {
    for (const b of backends) {
      nn.setLapackBackend(b);
      forEachSimdPath((path) => fn(`${b}/${path}`));
    }
  } finally {
    nn.setLapackBackend(lapack);
  }
}

/** Runs `fn` for every GEMM backend and SIMD path, restoring the originals. */
export function forEachGemm(fn: (label: string) => void): void {
  forEachGemmBackend((backend) => forEachSimdPath((path) => fn(`${backend}/${path}`)));
}
