/**
 * Peak memory of fitting: `npx tsx bench/memory.ts <rows> <cols> <pca-exact|pca-randomized|standardizer>`.
 * Run one fit per process so the peak (getrusage maxRSS) belongs to it; reports the peak above
 * the input and compares with D² floats.
 */
import * as nn from '../lib/index';

const [rowsArg, colsArg, what = 'pca-exact'] = process.argv.slice(2);
const rows = Number(rowsArg), cols = Number(colsArg);
const X = new nn.Rng(1).uniform(nn.matrix(rows, cols), 0, 255);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
// Warm up the addon, BLAS and LAPACK on a tiny problem so their one-time allocations are in the baseline.
new nn.PCA({ components: 2, solver: 'exact' }).fit(nn.matrix(new Float32Array(64).map((_, i) => i % 7), 16, 4));
const before = process.resourceUsage().maxRSS * 1024;
const start = performance.now();
if (what === 'standardizer') new nn.Standardizer().fit(X).transform(X, { inPlace: true });
else new nn.PCA({ components: 100, whiten: 'pca', solver: what === 'pca-randomized' ? 'randomized' : 'exact' }).fit(X);
const ms = performance.now() - start;
const peak = process.resourceUsage().maxRSS * 1024;
console.log(`${what} ${rows}×${cols}: input ${mib(X.data.byteLength)}, peak RSS before fit ${mib(before)}, after ${mib(peak)}: ` +
  `+${mib(peak - before)} = ${((peak - before) / (cols * cols * 4)).toFixed(1)} × D² float32 (fit ${ms.toFixed(0)} ms)`);
