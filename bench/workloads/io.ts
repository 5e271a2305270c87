/**
 * Issue 18 workloads: reading a 1 GiB .npy file into batches, and the column-to-row conversion
 * kernel against numpy doing the same conversion, with the copy bandwidth beside them. The file
 * is written once per run under the OS temporary directory (and stays in the page cache, as for
 * the peers: the rows measure the reader, not the disk).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { makeNpy } from '../../examples/fitLarge';
import * as nn from '../../lib/index';
import type { Workload } from '../workload';

const ROWS = 350_000, COLS = 784; // 1.02 GiB of float32
let scratch: string | null = null;
function scratchDir(): string {
  if (scratch) return scratch;
  const dir = mkdtempSync(path.join(tmpdir(), 'nnkit-bench-io-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return (scratch = dir);
}
let file: string | null = null;
function bigNpy(): string {
  if (file) return file;
  file = path.join(scratchDir(), 'big.npy');
  makeNpy(file, ROWS, COLS, 5);
  return file;
}

const N = 8192, D = 784;
/** The numpy peer's array: column j holds (i·D + j) mod 1000 / 7 at row i, stored column after column. */
function columnMajorF64(): Uint8Array {
  const values = new Float64Array(N * D);
  for (let j = 0; j < D; j++) for (let i = 0; i < N; i++) values[j * N + i] = ((i * D + j) % 1000) / 7;
  return new Uint8Array(values.buffer);
}

export const workloads: Workload[] = [
  {
    name: `io.rows .npy ${ROWS}×${COLS} float32 (1 GiB) in batches of 8192`,
    area: 'io',
    target: 'report (numpy: np.load(mmap_mode="r") and a float32 copy of each batch)',
    setup() {
      const f = bigNpy();
      return async () => {
        let rows = 0;
        for await (const batch of nn.io.rows(f, { batchSize: 8192 })) rows += batch.rows;
        return rows;
      };
    },
    peers: [{ name: 'numpy', task: 'numpy.npy_batches', get args() { return { path: bigNpy(), batch: 8192 }; } }],
  },
  {
    name: 'io.rows Parquet 200000×32 float64 (hyparquet, row groups of 50000) in batches of 8192',
    area: 'io',
    target: 'report (no pyarrow on this machine: Debian 12 does not package it)',
    async setup() {
      const { parquetWriteFile } = await import('hyparquet-writer');
      const f = path.join(scratchDir(), 'cols.parquet'), rowsN = 200_000;
      parquetWriteFile({ filename: f, rowGroupSize: 50_000, columnData: Array.from({ length: 32 }, (_, j) => ({
        name: `c${j}`, type: 'DOUBLE' as const, data: Float64Array.from({ length: rowsN }, (_, i) => Math.sin(i * (j + 1))),
      })) });
      return async () => {
        let rows = 0;
        for await (const batch of nn.io.rows(f, { batchSize: 8192 })) rows += batch.rows;
        return rows;
      };
    },
  },
  {
    name: `io.toRows column-major float64 → float32 rows ${N}×${D}`,
    area: 'io',
    target: 'report (numpy: np.ascontiguousarray(A.T, dtype=np.float32) of a Fortran-order float64 array)',
    setup() {
      const bytes = columnMajorF64(), out = nn.matrix(N, D);
      return () => nn.io.toRows(bytes, 'f64', N, D, { columnMajor: true, out });
    },
    peers: [{ name: 'numpy', task: 'numpy.columns_to_rows', args: { rows: N, cols: D } }],
  },
  {
    name: `io.toRows row-major float32 ${N}×${D} (the copy it is bounded by)`,
    area: 'io',
    setup() {
      const src = new nn.Rng(3).normal(new Float32Array(N * D)), out = nn.matrix(N, D);
      const bytes = new Uint8Array(src.buffer);
      return () => nn.io.toRows(bytes, 'f32', N, D, { out });
    },
  },
];
