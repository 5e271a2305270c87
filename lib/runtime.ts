/**
 * What nnkit runs on, and how many threads it uses.
 */
import { native } from './native';
import { typeError } from './errors';
import { assertInteger, assertOneOf } from './validate';

/**
 * The SIMD paths nnkit knows: portable C++, AVX2 + FMA, AVX-512 (F/BW/DQ/VL) and NEON (arm64).
 * A path without a kernel of its own in some family runs the next one down there (AVX-512 runs
 * the AVX2 kernels, which its CPUs also have); `backend().simdPaths` lists what this CPU and
 * build can run.
 */
export const simdPathNames = ['scalar', 'avx2', 'avx512', 'neon'] as const;
export type SimdPath = (typeof simdPathNames)[number];

/** The compiled backends in use. */
export interface Backend {
  /** BLAS library linked in, e.g. `'openblas 0.3.21'`, `'accelerate'` (macOS), or `'builtin'` for nnkit's own kernels. */
  blas: string;
  /**
   * Which GEMM (and covariance SYRK) runs now: the BLAS library or nnkit's packed kernels. It
   * starts as BLAS unless the linked OpenBLAS runs kernels for an older instruction set than
   * the SIMD path nnkit picked at load (a CPU that OpenBLAS does not know and runs on generic
   * kernels, or a core forced with `OPENBLAS_CORETYPE`), or both run AVX-512: then nnkit's own
   * GEMM, which is faster (or level, on square products). Apple's Accelerate always starts as BLAS.
   */
  gemm: 'blas' | 'builtin';
  /** Why `gemm` started as it did, in one sentence. */
  gemmReason: string;
  /**
   * Which GEMM runs PCA's centered products (`transform`) now. nnkit's kernels center the data
   * as they pack it, where BLAS needs centered copies, so they take these products whenever
   * `gemm` is `'builtin'`, and also on BLAS when nnkit's path is AVX2 or AVX-512 and the BLAS
   * core's kernels are not wider (AMD Zen 4 against OpenBLAS's AVX-512 core: 1.2–1.8× faster).
   */
  centeredGemm: 'blas' | 'builtin';
  /** The core the linked OpenBLAS runs (`openblas_get_corename()`, e.g. `'Haswell'`), or `''` without OpenBLAS. */
  blasCore: string;
  /** The SIMD path of that core's kernels (`'scalar'` for pre-AVX2 cores), or `''` when unknown or without BLAS. */
  blasCoreSimd: string;
  /** SIMD path the kernels dispatch to (the best this CPU runs, unless `NNKIT_SIMD` or `setSimd` chose another). */
  simd: SimdPath;
  /** Every SIMD path this build and CPU can run. */
  simdPaths: SimdPath[];
  /** Threads one operation may use (nnkit's pool including the caller, and OpenBLAS's). */
  threads: number;
  /** The addon's version. */
  version: string;
  /**
   * Whether outputs of 4 MiB and more that nnkit allocates (`matrix(rows, cols)`, a `forward`
   * without `out`, …) are backed by 2 MiB transparent huge pages: Linux with THP in `always` or
   * `madvise` mode, unless `NNKIT_HUGEPAGES=0` or {@link setHugePages} turned it off.
   */
  hugePages: boolean;
}

/** Reports the BLAS library, SIMD path, thread count and version in use. */
export function backend(): Backend {
  // The addon names its paths from the same list as simdPathNames (native/kernels/cpu.h);
  // test/runtime.test.ts checks that the two agree.
  return native.backend() as Backend;
}

/**
 * Sets how many threads one operation may use: nnkit's own worker pool (the calling thread
 * plus n − 1 workers) and OpenBLAS's threads. The default is the number of cores.
 *
 * Async operations run on libuv's thread pool (`UV_THREADPOOL_SIZE`, 4 by default); each one
 * that reaches a parallel kernel while the pool is busy runs that kernel on its own libuv
 * thread instead of queueing, so k concurrent operations use at most n + k − 1 threads.
 * Results never depend on the thread count.
 *
 * LAPACK (eigh, svd, the QR of randomizedSvd) runs on OpenBLAS's threads, so the same bound
 * holds for it; the built-in eigensolver and SVD use nnkit's pool.
 */
export function setThreads(n: number): void {
  assertInteger(n, 'threads', 1, 256);
  native.setThreads(n);
}

/**
 * Switches the SIMD path of every kernel (`NNKIT_SIMD=<name>` does the same at load time).
 * Results are bit-identical across paths for the random generator; other kernels agree to
 * rounding. A path this CPU or build cannot run is a `RangeError`. Meant for tests and benchmarks.
 */
export function setSimd(path: SimdPath): void {
  assertOneOf(path, 'path', simdPathNames);
  native.setSimd(path);
}

/**
 * Turns huge-page outputs off or on (see {@link Backend.hugePages}); returns the new state, which
 * stays false where the OS has no transparent huge pages. Such buffers are external
 * ArrayBuffers, which a few runtimes refuse (then nnkit allocates plain ones by itself); turn
 * them off if something downstream insists on V8-allocated memory.
 */
export function setHugePages(on: boolean): boolean {
  if (typeof on !== 'boolean') typeError('on', 'a boolean', on);
  return native.setHugePages(on);
}

/**
 * Chooses the GEMM behind every matrix product: the linked BLAS or nnkit's built-in packed
 * kernels (the only choice in a build with `NNKIT_BLAS=none`). Meant for tests and benchmarks.
 */
export function setGemmBackend(backend: 'blas' | 'builtin'): void {
  assertOneOf(backend, 'backend', ['blas', 'builtin'] as const);
  native.setGemmBackend(backend);
}
