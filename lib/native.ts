/**
 * The loader and the typed interface of the native addon. This is the only module that
 * reaches the addon; every other module goes through the `native` object exported here.
 * @internal
 */
import * as path from 'node:path';

/** What `backend()` reports. */
export interface NativeBackend {
  blas: string;
  gemm: 'blas' | 'builtin';
  simd: string;
  simdPaths: string[];
  threads: number;
  version: string;
}

export interface NativeAddon {
  backend(): NativeBackend;
  setThreads(n: number): void;
  setSimd(path: string): void;
  setGemmBackend(backend: 'blas' | 'builtin'): void;

  gemm(a: Float32Array, aRows: number, aCols: number, b: Float32Array, bRows: number, bCols: number,
    out: Float32Array, transA: boolean, transB: boolean, alpha: number, beta: number): void;
  gemmAsync(a: Float32Array, aRows: number, aCols: number, b: Float32Array, bRows: number, bCols: number,
    out: Float32Array, transA: boolean, transB: boolean, alpha: number, beta: number): Promise<void>;

  /** Fills `out`; returns the Philox blocks consumed. */
  rngFill(key0: number, key1: number, stream0: number, stream1: number, offset: number, out: Float32Array,
    kind: 'normal' | 'uniform', p0: number, p1: number): number;
  rngFillAsync(key0: number, key1: number, stream0: number, stream1: number, offset: number, out: Float32Array,
    kind: 'normal' | 'uniform', p0: number, p1: number): Promise<void>;
  rngBits(key0: number, key1: number, stream0: number, stream1: number, offset: number, out: Uint32Array): number;

  /** Per-column float64 mean and M2 = Σ(x − mean)²; ERR_NNKIT_NONFINITE on NaN/±Infinity. */
  columnMoments(x: Float32Array, rows: number, cols: number, mean: Float64Array, m2: Float64Array): void;
  columnMomentsAsync(x: Float32Array, rows: number, cols: number, mean: Float64Array, m2: Float64Array): Promise<void>;
  /** Per-column min and max; ERR_NNKIT_NONFINITE on NaN/±Infinity. */
  columnMinMax(x: Float32Array, rows: number, cols: number, min: Float32Array, max: Float32Array): void;
  columnMinMaxAsync(x: Float32Array, rows: number, cols: number, min: Float32Array, max: Float32Array): Promise<void>;
  /** out = (x − shift) · scale + offset per column; out may be x itself. */
  columnAffine(x: Float32Array, rows: number, cols: number, out: Float32Array, shift: Float32Array, scale: Float32Array,
    offset: Float32Array): void;
  columnAffineAsync(x: Float32Array, rows: number, cols: number, out: Float32Array, shift: Float32Array, scale: Float32Array,
    offset: Float32Array): Promise<void>;
  sgdStep(w: Float32Array, g: Float32Array, v: Float32Array, lr: number, momentum: number, weightDecay: number, nesterov: boolean): void;
}

// node-gyp-build looks in build/Release (cmake-js and node-gyp builds) and then prebuilds/.
// The package root is one level up from both lib/ (sources, tests) and dist/ (published).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const load = require('node-gyp-build') as (dir: string) => unknown;

export const native = load(path.join(__dirname, '..')) as NativeAddon;
