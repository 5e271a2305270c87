import { afterEach, describe, expect, it } from 'vitest';
import * as nn from '../../lib/index';
import { lcg } from './reference';

/** True when this build links LAPACKE (setLapackBackend('lapack') throws otherwise). */
function haveLapack(): boolean {
  const saved = nn.lapackBackend();
  try {
    nn.setLapackBackend('lapack');
    return true;
  } catch {
    return false;
  } finally {
    nn.setLapackBackend(saved);
  }
}

function symmetric(n: number, seed: number): nn.Matrix {
  const a = nn.matrix(lcg(n * n, seed), n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a.data[i * n + j] = a.data[j * n + i]!;
  return a;
}

// The vitest pool runs each file in a forked process: process.env writes reach the native
// getenv that lapack.cc's test hook (NNKIT_TEST_LAPACK_INFO) reads on every call.
describe.skipIf(!haveLapack())('LAPACK failure (info != 0)', () => {
  const saved = nn.lapackBackend();
  afterEach(() => {
    delete process.env.NNKIT_TEST_LAPACK_INFO;
    nn.setLapackBackend(saved);
  });

  it('eigh: ssyevd failing to converge is a RangeError with a code, outputs untouched', async () => {
    nn.setLapackBackend('lapack');
    const a = symmetric(12, 5);
    const values = new Float32Array(12).fill(7), vectors = nn.matrix(12, 12).data.fill(7);
    process.env.NNKIT_TEST_LAPACK_INFO = 'ssyevd:3';
    let caught: unknown;
    try {
      nn.eigh(a, { values, vectors: { data: vectors, rows: 12, cols: 12 } });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(RangeError);
    expect(caught).toMatchObject({ code: 'ERR_NNKIT_LAPACK' });
    expect((caught as Error).message).toMatch(/ssyevd.*info = 3/);
    expect(values.every((x) => x === 7) && vectors.every((x) => x === 7)).toBe(true);
    await expect(nn.eighAsync(a)).rejects.toMatchObject({ code: 'ERR_NNKIT_LAPACK' });
    // The hook names one routine: sgesdd still works, and eigh works again once it is cleared.
    expect(() => nn.svd(nn.matrix(lcg(15, 2), 5, 3))).not.toThrow();
    delete process.env.NNKIT_TEST_LAPACK_INFO;
    expect(nn.eigh(a).values.length).toBe(12);
  });

  it('svd: sgesdd failing (positive and negative info) is a RangeError with a code', async () => {
    nn.setLapackBackend('lapack');
    const a = nn.matrix(lcg(35, 9), 7, 5);
    for (const info of ['2', '-4']) {
      process.env.NNKIT_TEST_LAPACK_INFO = `sgesdd:${info}`;
      expect(() => nn.svd(a)).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_NNKIT_LAPACK' }));
      await expect(nn.svdAsync(a)).rejects.toMatchObject({ code: 'ERR_NNKIT_LAPACK' });
    }
    // The built-in backend does not call LAPACK, so the armed hook cannot touch it.
    nn.setLapackBackend('builtin');
    expect(nn.svd(a).S.length).toBe(5);
  });
});
