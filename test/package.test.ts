import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..');

describe('the published package', () => {
  beforeAll(() => {
    if (!fs.existsSync(path.join(root, 'dist', 'index.mjs'))) execFileSync('npm', ['run', 'compile:ts'], { cwd: root, stdio: 'ignore' });
  });

  const script = `const C = nn.gemm(nn.matrix(new Float32Array([1, 2, 3, 4]), 2, 2), nn.matrix(new Float32Array([1, 0, 0, 1]), 2, 2));
    console.log(JSON.stringify({ c: Array.from(C.data), blas: nn.backend().blas, rng: typeof nn.Rng }));`;

  it('loads with require()', () => {
    const out = execFileSync(process.execPath, ['-e', `const nn = require('nnkit'); ${script}`], { cwd: root, encoding: 'utf8' });
    expect(JSON.parse(out)).toMatchObject({ c: [1, 2, 3, 4], rng: 'function' });
  });

  it('loads with import, namespace and named imports alike', () => {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', `import * as nn from 'nnkit'; import { gemm } from 'nnkit'; if (gemm !== nn.gemm) throw new Error('named'); ${script}`], { cwd: root, encoding: 'utf8' });
    expect(JSON.parse(out)).toMatchObject({ c: [1, 2, 3, 4], rng: 'function' });
  });

  it('ships type declarations', () => {
    expect(fs.existsSync(path.join(root, 'dist', 'index.d.ts'))).toBe(true);
  });
});
