/**
 * Async safety: many concurrent *Async calls, inputs kept alive under forced GC, buffers
 * detached while a call is pending, and the addon in several worker_threads at once (crash-prone
 * cases run in child processes so a failure is a dead child, not a dead test runner).
 */
import { describe, expect, it } from 'vitest';
import * as nn from '../../lib/index';
import { lcg } from '../helpers';
import { runChild } from './run-child';

describe('async safety', () => {
  it('1000 concurrent gemmAsync and Rng *Async calls complete with the results of the sync calls', async () => {
    const calls = 1000;
    const jobs: Promise<boolean>[] = [];
    for (let i = 0; i < calls; i++) {
      if (i % 2 === 0) {
        const m = 5 + (i % 23), k = 3 + (i % 17), n = 7 + (i % 13);
        const A = nn.matrix(lcg(m * k, i), m, k), B = nn.matrix(lcg(k * n, i + 1), k, n);
        const want = new Float64Array(m * n);
        for (let r = 0; r < m; r++)
          for (let c = 0; c < n; c++) {
            let acc = 0;
            for (let p = 0; p < k; p++) acc += A.data[r * k + p]! * B.data[p * n + c]!;
            want[r * n + c] = acc;
          }
        jobs.push(nn.gemmAsync(A, B).then((C) => C.rows === m && C.cols === n && C.data.every((v, j) => Math.abs(v - want[j]!) < 1e-4)));
      } else {
        const len = 1 + ((i * 37) % 5000);
        const want = i % 4 === 1 ? new nn.Rng(i).normal(new Float32Array(len), 1, 2) : new nn.Rng(i).uniform(new Float32Array(len), -3, 5);
        const out = new Float32Array(len);
        const p = i % 4 === 1 ? new nn.Rng(i).normalAsync(out, 1, 2) : new nn.Rng(i).uniformAsync(out, -3, 5);
        jobs.push(p.then((o) => o === out && o.every((v, j) => Object.is(v, want[j]))));
      }
    }
    const ok = await Promise.all(jobs);
    expect(ok.filter((x) => !x).length).toBe(0);
    expect(ok.length).toBe(calls);
  });

  it('rejects (never crashes) when arguments are bad, like the sync calls', async () => {
    await expect(nn.gemmAsync(nn.matrix(2, 3), nn.matrix(2, 3))).rejects.toMatchObject({ code: 'ERR_NNKIT_SHAPE' });
    await expect(new nn.Rng(1).normalAsync(new Float32Array(4), 0, -1)).rejects.toMatchObject({ code: 'ERR_NNKIT_RANGE' });
  });

  it('writes the result of gemmAsync into out only when done, from operands as they were at the call', async () => {
    const A = nn.matrix(lcg(64 * 64, 3), 64, 64), B = nn.matrix(lcg(64 * 64, 4), 64, 64);
    const want = nn.gemm(A, B);
    const p = nn.gemmAsync(A, B);
    A.data.fill(0); // after the call: copied operands are unaffected
    const C = await p;
    expect(C.data).toEqual(want.data);
  });

  it('keeps inputs alive under forced GC while calls are pending (--expose-gc child)', () => {
    const r = runChild<{ calls: number; gcs: number; wrong: number; fillsWrong: number; collectedEarly: number }>('gc-child.ts', ['--expose-gc']);
    expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.report).toMatchObject({ calls: 64, wrong: 0, fillsWrong: 0, collectedEarly: 0 });
    expect(r.report!.gcs).toBeGreaterThan(0);
  });

  it('detaching an input or output of a pending call is safe and documented (child process)', () => {
    const r = runChild<Record<string, string>>('detach-child.ts', ['--expose-gc']);
    expect({ status: r.status, signal: r.signal }, `child stderr: ${r.stderr}`).toEqual({ status: 0, signal: null });
    // Inputs are copied at the call, so transferring them away changes nothing; a detached
    // output rejects with ERR_NNKIT_DETACHED (the result has nowhere to go).
    expect(r.report).toEqual({
      'gemmAsync, A detached': 'resolved',
      'gemmAsync, A detached: out': 'correct',
      'gemmAsync, B detached': 'resolved',
      'gemmAsync, B detached: out': 'correct',
      'gemmAsync, out detached': 'rejected ERR_NNKIT_DETACHED',
      'normalAsync, out detached': 'rejected ERR_NNKIT_DETACHED',
      'softmaxAsync, grad detached': 'rejected ERR_NNKIT_DETACHED',
      'dropout.forwardAsync, maskBits detached': 'rejected ERR_NNKIT_DETACHED',
      'relu.forwardAsync, X detached: out': 'correct',
    });
  });

  it('loads and works in several worker_threads at once, survives workers terminated mid-call (child)', () => {
    const r = runChild<{ workers: number; messages: number; wrong: number; mainThreadAfter: boolean }>('worker-child.ts');
    expect({ status: r.status, signal: r.signal, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
    expect(r.report).toEqual({ workers: 18, messages: 27, wrong: 0, mainThreadAfter: true });
  });
});
