import { describe, expect, it } from 'vitest';
import * as nn from '../lib/index';
import { expectCoded } from './helpers';

describe('nn.backend / nn.setThreads', () => {
  it('reports the backends in use', () => {
    const b = nn.backend();
    expect(b.blas).toMatch(/^(openblas [0-9.]+|openblas|builtin)$/);
    expect(['blas', 'builtin']).toContain(b.gemm);
    expect(b.simdPaths).toContain('scalar');
    expect(b.simdPaths).toContain(b.simd);
    expect(b.threads).toBeGreaterThanOrEqual(1);
    expect(b.version).toBe(require('../package.json').version);
  });

  it('honours NNKIT_SIMD at load time', () => {
    // In a fresh process, NNKIT_SIMD=scalar must select the scalar path.
    const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
    const out = execFileSync(process.execPath, ['-e', "console.log(require('node-gyp-build')('.').backend().simd)"], {
      cwd: require('node:path').join(__dirname, '..'),
      env: { ...process.env, NNKIT_SIMD: 'scalar' },
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('scalar');
  });

  it('sets the thread count and rejects bad values', () => {
    const original = nn.backend().threads;
    nn.setThreads(3);
    expect(nn.backend().threads).toBe(3);
    nn.setThreads(original);
    expect(nn.backend().threads).toBe(original);
    expectCoded(() => nn.setThreads(0), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.setThreads(1.5), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.setThreads('2' as unknown as number), 'ERR_NNKIT_TYPE', TypeError);
  });

  it('switches SIMD path and GEMM backend only to supported ones', () => {
    const { simd, simdPaths } = nn.backend();
    expect(simdPaths).toContain('scalar');
    expect(simdPaths).toContain(simd);
    for (const p of simdPaths) expect(nn.simdPathNames).toContain(p);
    try {
      for (const p of nn.simdPathNames) {
        if (simdPaths.includes(p)) {
          nn.setSimd(p);
          expect(nn.backend().simd).toBe(p);
        } else {
          console.log(`skipped: SIMD path ${p} (this CPU or build cannot run it)`);
          expectCoded(() => nn.setSimd(p), 'ERR_NNKIT_RANGE');
        }
      }
    } finally {
      nn.setSimd(simd);
    }
    expectCoded(() => nn.setSimd('sse9' as nn.SimdPath), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.setGemmBackend('mkl' as 'blas'), 'ERR_NNKIT_RANGE');
    if (nn.backend().blas === 'builtin') expectCoded(() => nn.setGemmBackend('blas'), 'ERR_NNKIT_RANGE');
  });
});
