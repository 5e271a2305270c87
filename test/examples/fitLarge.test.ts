/**
 * Issue 18, item 2: a Standardizer → PCA Pipeline fitted by streaming a .npy file through
 * nn.io.rows, with the process's peak RSS bounded by the batch, not the file (asserted on a file
 * of at least 4× the bound, in a child process of its own), and the result equal to an
 * in-memory fit of the same data.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeNpy } from '../../examples/fitLarge';
import * as nn from '../../lib/index';

const root = path.join(__dirname, '..', '..');
const dir = mkdtempSync(path.join(tmpdir(), 'nnkit-large-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BOUND = 100 * 2 ** 20; // bytes of RSS the streaming fit may add to what the process held before it

describe('fitting a file larger than the memory the process uses (examples/fitLarge.ts)', () => {
  it('keeps the peak RSS within the bound on a file 4× larger, and matches the in-memory fit', () => {
    const file = path.join(dir, 'large.npy'), rows = 210_000, cols = 512;
    makeNpy(file, rows, cols, 3);
    expect(statSync(file).size).toBeGreaterThanOrEqual(4 * BOUND);
    const program = `
      const { fitLarge } = require(${JSON.stringify(path.join(root, 'examples', 'fitLarge.ts'))});
      const before = process.resourceUsage().maxRSS * 1024;
      fitLarge(${JSON.stringify(file)}, { batch: 4096, components: 12 }).then((r) => {
        console.log(JSON.stringify({ before, peak: r.peakRss, pipeline: r.pipeline.toJSON() }));
      });`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', program], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(child.status, child.stderr).toBe(0);
    const { before, peak, pipeline } = JSON.parse(child.stdout);
    console.log(`streaming fit of a ${(statSync(file).size / 2 ** 20).toFixed(0)} MiB file: peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB, ${((peak - before) / 2 ** 20).toFixed(0)} MiB above the ${(before / 2 ** 20).toFixed(0)} MiB before the fit (bound ${BOUND / 2 ** 20} MiB)`);
    expect(peak - before).toBeLessThan(BOUND);

    // The same fit in memory (this process can hold the file).
    const X = nn.io.readNpy(file);
    const inMemory = new nn.Pipeline([new nn.Standardizer(), new nn.PCA({ components: 12, solver: 'exact' })]).fit(X); // partialFit is exact too
    const streamed = nn.Pipeline.fromJSON(pipeline);
    // The Standardizer's statistics agree to float rounding (both float64 moments).
    const [sa, sb] = [inMemory.steps[0] as nn.Standardizer, streamed.steps[0] as nn.Standardizer];
    for (let j = 0; j < cols; j++) {
      expect(Math.abs(sa.mean[j]! - sb.mean[j]!), `mean ${j}`).toBeLessThanOrEqual(1e-5 * Math.abs(sa.mean[j]!));
      expect(Math.abs(sa.std[j]! - sb.std[j]!), `std ${j}`).toBeLessThanOrEqual(1e-5 * sa.std[j]!);
    }
    // The components agree up to sign, within what separates the in-memory fit's float32
    // covariance (one GEMM over 210 000 rows) from the streamed float64 co-moments.
    const sample = nn.data.gather(X, Array.from({ length: 500 }, (_, i) => i * 397));
    const a = inMemory.transform(sample), b = streamed.transform(sample);
    for (let j = 0; j < 12; j++) {
      let dot = 0, na = 0, nb = 0;
      for (let i = 0; i < 500; i++) {
        const x = a.data[i * 12 + j]!, y = b.data[i * 12 + j]!;
        dot += x * y, na += x * x, nb += y * y;
      }
      expect(Math.abs(dot) / Math.sqrt(na * nb), `component ${j}`).toBeGreaterThan(1 - 1e-4); // float32 covariance (fit) against float64 co-moments (partialFit)
      expect(Math.abs(na / nb - 1), `component ${j} scale`).toBeLessThan(5e-3);
    }
  }, 120_000);
});
