/**
 * Child of async.test.ts: the addon in several worker_threads at once. Each worker loads nnkit,
 * runs sync and async gemm and fills and reports checksums; some are terminated while an async
 * call is pending; afterwards the main thread (whose thread pool is process-global) still works.
 * Prints one JSON line.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import * as nn from '../../lib/index';

function checksum(seed: number): number {
  const n = 64;
  const A = nn.matrix(new nn.Rng(seed).uniform(new Float32Array(n * n)), n, n);
  const C = nn.gemm(A, A, { transB: true });
  let s = 0;
  for (const v of C.data) s += v;
  return s;
}

async function worker(): Promise<void> {
  const { seed, abandon } = workerData as { seed: number; abandon: boolean };
  const sync = checksum(seed);
  const big = nn.matrix(512, 512);
  const pending = nn.gemmAsync(big, big); // keeps running while this worker may be terminated
  const fill = await new nn.Rng(seed).normalAsync(new Float32Array(1 << 16));
  parentPort!.postMessage({ seed, sync, fillOk: fill.every(Number.isFinite), backend: nn.backend().simd });
  if (abandon) return; // the parent terminates this worker with `pending` still queued
  await pending;
  parentPort!.postMessage({ seed, done: true });
}

async function main(): Promise<void> {
  const expected = new Map<number, number>();
  for (let seed = 1; seed <= 6; seed++) expected.set(seed, checksum(seed));
  let wrong = 0, messages = 0;
  const runRound = () =>
    Promise.all([1, 2, 3, 4, 5, 6].map((seed) => new Promise<void>((resolve, reject) => {
      const abandon = seed % 2 === 0;
      // tsx's loader does not follow into workers by itself: register it in the worker first.
      const w = new Worker(`require('tsx/cjs'); require(${JSON.stringify(__filename)});`, { eval: true, workerData: { seed, abandon } });
      w.on('message', (m: { sync?: number; fillOk?: boolean; done?: boolean }) => {
        messages++;
        if (m.sync !== undefined) {
          if (m.sync !== expected.get(seed) || !m.fillOk) wrong++;
          if (abandon) void w.terminate();
        }
      });
      w.on('error', reject);
      w.on('exit', () => resolve());
    })));
  for (let round = 0; round < 3; round++) await runRound();
  const after = checksum(1) === expected.get(1) && (await nn.gemmAsync(nn.matrix(8, 8), nn.matrix(8, 8))).rows === 8;
  process.stdout.write(`${JSON.stringify({ workers: 18, messages, wrong, mainThreadAfter: after })}\n`);
}

if (isMainThread) void main();
else void worker();
