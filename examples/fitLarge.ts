/**
 * Fitting on a file larger than memory: Standardizer → PCA through a Pipeline, one streaming
 * pass over a .npy file per stage (`nn.io.rows` reads it in batches; `Pipeline.partialFit`
 * streams each stage), with a progress bar. Memory is bounded by the batch, not the file: the
 * peak RSS is printed at the end.
 *
 *   npx tsx examples/fitLarge.ts --file data.npy [--batch 8192] [--components 50] [--save pipeline.json]
 *   npx tsx examples/fitLarge.ts --make data.npy --rows 2000000 --cols 784   (a synthetic file, written in chunks)
 */
import { SingleBar } from 'cli-progress';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import * as nn from '../lib/index';

export interface FitLargeResult {
  pipeline: nn.Pipeline;
  rows: number;
  cols: number;
  seconds: number;
  /** Peak resident set size of this process, in bytes (process.resourceUsage().maxRSS). */
  peakRss: number;
}

/**
 * Fits Standardizer → PCA({ components }) on the rows of `file`, one pass per stage, reading
 * `batch` rows at a time. `onBatch(stage, rowsDone)` reports progress.
 */
export async function fitLarge(file: string, opts: { batch: number; components: number; onBatch?: (stage: number, rows: number) => void }): Promise<FitLargeResult> {
  const started = performance.now();
  const pipeline = new nn.Pipeline([new nn.Standardizer(), new nn.PCA({ components: opts.components })]);
  const header = await nn.io.npyHeader(file);
  for (let stage = 0; stage < 2; stage++) {
    let done = 0;
    for await (const batch of nn.io.rows(file, { batchSize: opts.batch })) {
      pipeline.partialFit(batch, { stage });
      done += batch.rows;
      opts.onBatch?.(stage, done);
    }
  }
  return { pipeline, rows: header.rows, cols: header.cols, seconds: (performance.now() - started) / 1000, peakRss: process.resourceUsage().maxRSS * 1024 };
}

/**
 * Writes a rows × cols float32 .npy file of synthetic data, chunk by chunk (never the whole file
 * in memory) through nn.io.NpyWriter: 100 + Z·B + noise, with 32 latent factors of decaying
 * scale (5/√(1+k)), so that the principal components are well separated even after
 * standardization, as in natural data.
 */
export function makeNpy(file: string, rows: number, cols: number, seed = 1, chunk = 4096): void {
  const rank = 32, rng = new nn.Rng(seed);
  const B = rng.normal(nn.matrix(rank, cols), 0, 1 / Math.sqrt(rank));
  const Z = nn.matrix(Math.min(chunk, rows), rank), block = nn.matrix(Math.min(chunk, rows), cols);
  const out = new nn.io.NpyWriter(file, cols);
  try {
    for (let r0 = 0; r0 < rows; r0 += chunk) {
      const n = Math.min(chunk, rows - r0);
      const z = nn.matrix(Z.data.subarray(0, n * rank), n, rank), x = nn.matrix(block.data.subarray(0, n * cols), n, cols);
      rng.normal(z.data);
      for (let i = 0; i < z.data.length; i++) z.data[i] = z.data[i]! * (5 / Math.sqrt(1 + (i % rank)));
      rng.normal(x.data, 100, 0.3);
      nn.gemm(z, B, { out: x, beta: 1 });
      out.write(x);
    }
  } finally {
    out.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      file: { type: 'string' }, make: { type: 'string' }, rows: { type: 'string', default: '1000000' }, cols: { type: 'string', default: '784' },
      batch: { type: 'string', default: '8192' }, components: { type: 'string', default: '50' }, save: { type: 'string' },
      'no-progress': { type: 'boolean', default: false }, json: { type: 'boolean', default: false },
    },
  });
  if (values.make) {
    makeNpy(values.make, Number(values.rows), Number(values.cols));
    console.log(`wrote ${values.make}: ${values.rows} × ${values.cols} float32`);
    return;
  }
  if (!values.file) throw new Error('--file PATH (a .npy file) or --make PATH');
  const header = await nn.io.npyHeader(values.file);
  const bar = values['no-progress'] || values.json ? null : new SingleBar({ format: '  stage {stage} [{bar}] {percentage}% | {value}/{total} rows', hideCursor: true });
  let current = -1;
  const r = await fitLarge(values.file, {
    batch: Number(values.batch), components: Number(values.components),
    onBatch: (stage, rows) => {
      if (!bar) return;
      if (stage !== current) {
        if (current >= 0) bar.stop();
        bar.start(header.rows, 0, { stage: stage === 0 ? '1/2 Standardizer' : '2/2 PCA' });
        current = stage;
      }
      bar.update(rows);
    },
  });
  bar?.stop();
  if (values.save) await writeFile(values.save, JSON.stringify(r.pipeline));
  if (values.json) console.log(JSON.stringify({ rows: r.rows, cols: r.cols, seconds: r.seconds, peakRss: r.peakRss, pipeline: r.pipeline.toJSON() }));
  else console.log(`fitted ${r.rows} × ${r.cols} in ${r.seconds.toFixed(1)} s; peak RSS ${(r.peakRss / 2 ** 20).toFixed(0)} MiB`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(String(e));
    process.exit(1);
  });
}
