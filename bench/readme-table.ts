/**
 * The README's benchmark table from saved results: one row per workload, nnkit's median, the
 * peers' medians in one cell and the speed-ups (peer ÷ nnkit, both from the same run).
 *
 *   npx tsx bench/readme-table.ts bench/results/latest.json [extra.json …]
 *
 * Rows of the extra files (a `--quick` run with TensorFlow.js, a `--filter` run) are added
 * after the main file's, marked with the footnote mark and their file's date.
 */
import * as fs from 'node:fs';
import { cell, median, type Result } from './format';

interface Saved {
  date: string;
  results: Result[];
}

function row(r: Result, mark: string): string {
  const mine = median(r.nnkit);
  const peers: string[] = [], ratios: string[] = [];
  for (const [name, samples] of Object.entries(r.peers)) {
    if (!Array.isArray(samples) || samples.length === 0) continue;
    const m = median(samples);
    peers.push(`${name} ${cell(m)}`);
    ratios.push(`${(m / mine).toFixed(2)}× ${name}`);
  }
  return `| ${r.name}${mark} | ${cell(mine, r.flops)} | ${peers.join(', ')} | ${ratios.join(', ')} | ${r.target ?? ''} |`;
}

const [main, ...extras] = process.argv.slice(2);
if (!main) {
  console.error('usage: tsx bench/readme-table.ts results.json [extra.json …]');
  process.exit(2);
}
const saved = (file: string): Saved => JSON.parse(fs.readFileSync(file, 'utf8')) as Saved;
const lines = [
  '| workload | nnkit | peers (median) | nnkit speed-up (peer ÷ nnkit, same run) | target |',
  '|---|---|---|---|---|',
  ...saved(main).results.map((r) => row(r, '')),
];
const notes: string[] = [];
extras.forEach((file, i) => {
  const mark = '¹²³⁴⁵'[i] ?? '*';
  const extra = saved(file);
  lines.push(...extra.results.map((r) => row(r, mark)));
  notes.push(`${mark} from \`${file}\` (${extra.date}).`);
});
console.log([...lines, '', ...notes].join('\n'));
