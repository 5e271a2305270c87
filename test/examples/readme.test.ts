/**
 * The README's training snippet, run verbatim (extracted from README.md) on a synthetic
 * 784-feature, 10-class dataset in a temporary directory: what a newcomer copies must work.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..');
const dir = mkdtempSync(path.join(tmpdir(), 'nnkit-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The first ```ts block after `heading` in README.md. */
export function readmeBlock(heading: string): string {
  const text = readFileSync(path.join(root, 'README.md'), 'utf8');
  const at = text.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`README.md has no heading ${heading}`);
  const m = /```ts\n([\s\S]*?)```/.exec(text.slice(at));
  if (!m) throw new Error(`no ts block after ${heading}`);
  return m[1]!;
}

describe('README', () => {
  it('the Training snippet runs as written and learns', () => {
    const program = [
      `import * as nn from ${JSON.stringify(path.join(root, 'lib', 'index'))};`,
      // Ten separable classes: class c shifts features 78c … 78c + 77 by 1.
      'const N = 2000, X = new nn.Rng(7).normal(nn.matrix(N, 784)), y = new Uint8Array(N);',
      'for (let i = 0; i < N; i++) { y[i] = i % 10; for (let j = 0; j < 78; j++) X.data[i * 784 + 78 * y[i] + j] += 1; }',
      readmeBlock('### Training'),
      'console.log(JSON.stringify({ final: nn.metrics.accuracy(nn.linear.forward(validation.X, W2, loaded.vector("fc.bias")), validation.y), names: loaded.names(), recall: Array.from(cm.recall()) }));',
    ].join('\n');
    writeFileSync(path.join(dir, 'snippet.ts'), program);
    const tsx = pathToFileURL(require.resolve('tsx', { paths: [root] })).href; // resolved here: the program runs outside the repository
    const r = spawnSync(process.execPath, ['--import', tsx, 'snippet.ts'], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(11); // one accuracy per epoch, then the summary
    const summary = JSON.parse(lines.at(-1)!);
    expect(summary.final).toBeGreaterThan(0.9);
    expect(summary.names).toEqual(['fc.weight', 'fc.bias']);
    expect(summary.recall).toHaveLength(10);
  });
});
