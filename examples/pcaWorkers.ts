/**
 * PCA of Fashion-MNIST fitted in parallel worker threads and merged.
 *
 * The 60 000 × 784 training images are decoded once into a SharedArrayBuffer; each worker of a
 * piscina pool receives the buffer (shared, never copied) and a range of rows, fits a partial
 * PCA on its zero-copy view (count, float64 mean and co-moment matrix), and sends back the
 * saved partial fit. The main thread merges them with Chan's update (exactly what it would do
 * with partial fits computed on other machines) and compares with a one-thread fit.
 *
 *   npx tsx examples/pcaWorkers.ts [--workers N] [--components K] [--dir /path/to/fashion-mnist]
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { isMainThread } from 'node:worker_threads';
import Piscina from 'piscina';
import * as nn from '../lib/index';
import { FASHION_MNIST_DIR, readIdx } from './datasets';

/** What a worker receives: the shared pixels and its rows. */
interface Chunk {
  pixels: SharedArrayBuffer;
  cols: number;
  begin: number;
  end: number;
}

/** The worker's task: a partial fit on a zero-copy view of its rows, saved with its co-moment state. */
export default function fitChunk({ pixels, cols, begin, end }: Chunk): { doc: nn.SavedDocument; ms: number } {
  nn.setThreads(1);  // one thread per worker: the pool provides the parallelism
  const start = performance.now();
  const view = nn.matrix(new Float32Array(pixels, begin * cols * 4, (end - begin) * cols), end - begin, cols);
  const pca = new nn.PCA({ solver: 'exact' }).partialFit(view);
  const ms = performance.now() - start;
  return { doc: pca.toJSON({ includeState: true }), ms };
}

/** Decodes the IDX images into float32 pixels in a SharedArrayBuffer. */
function loadSharedPixels(dir: string): { pixels: SharedArrayBuffer; rows: number; cols: number } {
  const images = readIdx(path.join(dir, 'train-images-idx3-ubyte.gz'));
  const [rows, h, w] = images.dims as [number, number, number];
  const pixels = new SharedArrayBuffer(rows * h * w * 4);
  const data = new Float32Array(pixels);
  for (let i = 0; i < data.length; i++) data[i] = images.data[i]!;
  return { pixels, rows, cols: h * w };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      workers: { type: 'string', default: String(Math.max(2, os.availableParallelism())) },
      components: { type: 'string', default: '50' },
      dir: { type: 'string', default: FASHION_MNIST_DIR },
    },
  });
  const workers = Number(values.workers), k = Number(values.components);
  const { pixels, rows, cols } = loadSharedPixels(values.dir!);
  const X = nn.matrix(new Float32Array(pixels), rows, cols);
  console.log(`Fashion-MNIST: ${rows} × ${cols} float32 in a SharedArrayBuffer (${(pixels.byteLength / 2 ** 20).toFixed(0)} MiB)`);

  // One thread, one process: the baseline.
  nn.setThreads(1);
  let start = performance.now();
  const single = new nn.PCA({ components: k, solver: 'exact' }).partialFit(X);
  const singleEigenvalues = single.eigenvalues;
  const singleMs = performance.now() - start;
  nn.setThreads(os.availableParallelism());

  const pool = new Piscina<Chunk, { doc: nn.SavedDocument; ms: number }>({
    filename: __filename,
    minThreads: workers,
    maxThreads: workers,
  });
  // Warm up: load the addon in every worker so the timing below is the fit alone.
  await Promise.all(Array.from({ length: workers }, () => pool.run({ pixels, cols, begin: 0, end: 1 })));

  start = performance.now();
  const per = Math.ceil(rows / workers);
  const parts = await Promise.all(
    Array.from({ length: workers }, (_, w) => pool.run({ pixels, cols, begin: w * per, end: Math.min(rows, (w + 1) * per) })),
  );
  const merged = new nn.PCA({ components: k, solver: 'exact' });
  for (const part of parts) merged.merge(nn.PCA.fromJSON(part.doc));
  const mergedEigenvalues = merged.eigenvalues;  // solves the merged co-moments
  const parallelMs = performance.now() - start;
  await pool.destroy();

  let worst = 0;
  for (let j = 0; j < k; j++) worst = Math.max(worst, Math.abs(mergedEigenvalues[j]! - singleEigenvalues[j]!) / singleEigenvalues[j]!);
  const ratio = merged.explainedVarianceRatio.reduce((a, b) => a + b, 0);
  console.log(`one thread:      ${singleMs.toFixed(0)} ms`);
  console.log(`${workers} workers:       ${parallelMs.toFixed(0)} ms (partial fits: ${parts.map((p) => p.ms.toFixed(0)).join(', ')} ms; transfer, merge and eigh included)`);
  console.log(`speed-up:        ${(singleMs / parallelMs).toFixed(2)}×`);
  console.log(`top-${k} eigenvalues, merged vs one thread: max relative difference ${worst.toExponential(2)}`);
  console.log(`variance explained by ${k} components: ${(100 * ratio).toFixed(1)}%`);
}

if (isMainThread) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
