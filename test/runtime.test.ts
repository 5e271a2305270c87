import { describe, expect, it } from 'vitest';
import * as nn from '../lib/index';
import { expectCoded } from './helpers';

describe('nn.backend / nn.setThreads', () => {
  it('reports the backends in use', () => {
    const b = nn.backend();
    expect(b.blas).toMatch(/^(openblas [0-9.]+|openblas|accelerate|builtin)$/);
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

  // A BLAS core below the CPU (OPENBLAS_CORETYPE forces one in a fresh process) must not run
  // the products: nnkit's own GEMM takes them, backend() says why, and the results stay right.
  describe('chooses the GEMM by the BLAS core', () => {
    const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
    const child = (env: Record<string, string>) => {
      const script = `const nn = require('node-gyp-build')('.');
        const a = Float32Array.from({ length: 64 * 48 }, (_, i) => ((i * 37) % 101) / 50 - 1);
        const b = Float32Array.from({ length: 48 * 40 }, (_, i) => ((i * 53) % 97) / 48 - 1);
        const c = new Float32Array(64 * 40);
        nn.gemm(a, 64, 48, b, 48, 40, c, false, false, 1, 0);
        let worst = 0;
        for (let i = 0; i < 64; i++) for (let j = 0; j < 40; j++) {
          let s = 0; for (let p = 0; p < 48; p++) s += a[i * 48 + p] * b[p * 40 + j];
          worst = Math.max(worst, Math.abs(s - c[i * 40 + j]));
        }
        console.log(JSON.stringify({ ...nn.backend(), worst }));`;
      const base: Record<string, string | undefined> = { ...process.env, NNKIT_SIMD: undefined, OPENBLAS_CORETYPE: undefined };
      const out = execFileSync(process.execPath, ['-e', script], {
        cwd: require('node:path').join(__dirname, '..'),
        env: { ...base, ...env } as NodeJS.ProcessEnv,
        encoding: 'utf8',
      });
      return JSON.parse(out) as nn.Backend & { worst: number };
    };
    const here = nn.backend();
    const x86 = process.arch === 'x64';
    const openblas = here.blas.startsWith('openblas');  // OPENBLAS_CORETYPE means nothing to Accelerate

    it.runIf(openblas && x86 && here.simdPaths.includes('avx2'))('routes GEMM away from a generic core', () => {
      const b = child({ OPENBLAS_CORETYPE: 'Prescott' });
      expect(b.blasCore).toBe('Prescott');
      expect(b.blasCoreSimd).toBe('scalar');
      expect(b.gemm).toBe('builtin');
      expect(b.centeredGemm).toBe('builtin');
      expect(b.gemmReason).toMatch(/Prescott runs scalar kernels on a CPU with avx/);
      expect(b.worst).toBeLessThan(1e-4);
    });

    it.runIf(openblas && x86 && here.simdPaths.includes('avx2'))('keeps BLAS when its core matches the path', () => {
      const b = child({ OPENBLAS_CORETYPE: 'Haswell', NNKIT_SIMD: 'avx2' });
      expect(b.blasCore).toBe('Haswell');
      expect(b.gemm).toBe('blas');
      expect(b.gemmReason).toMatch(/Haswell runs avx2 kernels, at least the avx2 path/);
      expect(b.worst).toBeLessThan(1e-4);
      // PCA's centered products: nnkit's AVX2 kernels center as they pack, BLAS needs copies.
      expect(b.centeredGemm).toBe('builtin');
      // A pre-AVX2 core against nnkit's scalar path: BLAS still wins there, centered or not.
      const scalar = child({ OPENBLAS_CORETYPE: 'Prescott', NNKIT_SIMD: 'scalar' });
      expect([scalar.gemm, scalar.centeredGemm]).toEqual(['blas', 'blas']);
      // An AVX2 core against the scalar path is wider: BLAS keeps the centered products too.
      expect(child({ OPENBLAS_CORETYPE: 'Haswell', NNKIT_SIMD: 'scalar' }).centeredGemm).toBe('blas');
    });

    it.runIf(openblas && x86 && here.simdPaths.includes('avx512'))('prefers the AVX-512 GEMM to an AVX2 core', () => {
      const b = child({ OPENBLAS_CORETYPE: 'Haswell' });
      expect(b.gemm).toBe('builtin');
      expect(b.gemmReason).toMatch(/Haswell runs avx2 kernels on a CPU with avx512/);
    });

    it.runIf(openblas && x86 && here.simdPaths.includes('avx512'))('prefers the AVX-512 GEMM to an AVX-512 core', () => {
      const b = child({ OPENBLAS_CORETYPE: 'SkylakeX' });
      expect(b.blasCoreSimd).toBe('avx512');
      expect([b.gemm, b.centeredGemm]).toEqual(['builtin', 'builtin']);
      expect(b.gemmReason).toMatch(/SkylakeX runs avx512 kernels, as nnkit's avx512 path does/);
      expect(b.worst).toBeLessThan(1e-4);
      // On the AVX2 path the AVX-512 core is wider: BLAS takes every product.
      const avx2 = child({ OPENBLAS_CORETYPE: 'SkylakeX', NNKIT_SIMD: 'avx2' });
      expect([avx2.gemm, avx2.centeredGemm]).toEqual(['blas', 'blas']);
    });

    it.runIf(here.blas === 'accelerate')('always runs the products on Accelerate (macOS)', () => {
      expect(here.gemm).toBe('blas');
      expect(here.blasCore).toBe('');
      expect(here.gemmReason).toMatch(/Accelerate/);
      expect(child({}).worst).toBeLessThan(1e-4);
    });

    it.runIf(here.blas === 'builtin')('reports the built-in kernels in a build without BLAS', () => {
      expect(here.gemm).toBe('builtin');
      expect(here.blasCore).toBe('');
      expect(here.gemmReason).toBe('this build has no BLAS');
    });
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

  // Outputs of 4 MiB and more are advised into transparent huge pages (lib/matrix.ts); the
  // advice itself is checked against /proc/self/smaps in the C++ tests.
  it('reports and switches huge-page outputs, and honours NNKIT_HUGEPAGES=0', () => {
    const fs = require('node:fs') as typeof import('node:fs');
    const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
    const thp = (() => {
      try {
        return /\[(always|madvise)\]/.test(fs.readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8'));
      } catch {
        return false;
      }
    })();
    const initial = nn.backend().hugePages;
    expect(initial).toBe(thp && process.env.NNKIT_HUGEPAGES !== '0');
    if (!thp) console.log('skipped: huge-page outputs on (this OS has no transparent huge pages)');
    try {
      expect(nn.setHugePages(false)).toBe(false);
      expect(nn.backend().hugePages).toBe(false);
      const off = nn.matrix(1024, 1024);
      expect(nn.setHugePages(true)).toBe(thp);
      const on = nn.matrix(2048, 1024);
      // Either way a fresh matrix is zeroed and usable like any other.
      for (const m of [off, on]) {
        expect(m.data.every((v) => v === 0)).toBe(true);
        new nn.Rng(1).uniform(m);
        expect(m.data.some((v) => v !== 0)).toBe(true);
      }
      expectCoded(() => nn.setHugePages(1 as unknown as boolean), 'ERR_NNKIT_TYPE', TypeError);
    } finally {
      nn.setHugePages(initial);
    }
    const out = execFileSync(process.execPath, ['-e', "console.log(require('node-gyp-build')('.').backend().hugePages)"], {
      cwd: require('node:path').join(__dirname, '..'),
      env: { ...process.env, NNKIT_HUGEPAGES: '0' },
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('false');
  });
});
