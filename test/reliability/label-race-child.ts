/**
 * Child of aliasing.test.ts: loss calls whose labels live in a SharedArrayBuffer that a worker
 * thread keeps corrupting (one label at a time flips to 2^31 − 1 and back). Before the fix the
 * kernels re-read labels that had been validated earlier, so a flip in between indexed far outside
 * the scores and the gradient. Every call must return or throw ERR_NNKIT_RANGE; a crash kills this
 * process, which the parent sees. Prints {calls, returned, rejected, other} as JSON.
 */
import { Worker } from 'node:worker_threads';
import * as nn from '../../lib/index';

const N = 20_000, C = 10;
const sab = new SharedArrayBuffer(N * 4);
const labels = new Int32Array(sab);
for (let i = 0; i < N; i++) labels[i] = i % C;
const stop = new Int32Array(new SharedArrayBuffer(4));

const worker = new Worker(`
  const { workerData } = require('node:worker_threads');
  const a = new Int32Array(workerData.sab), stop = new Int32Array(workerData.stop);
  let j = 0;
  while (Atomics.load(stop, 0) === 0) {
    j = (j * 1103515245 + 12345) % a.length;
    const keep = a[j];
    a[j] = 2147483647;
    for (let spin = 0; spin < 50; spin++) Atomics.load(stop, 0);
    a[j] = keep;
  }
`, { eval: true, workerData: { sab, stop: stop.buffer } });

const scores = nn.matrix(new Float32Array(N * C).map((_, i) => Math.sin(i)), N, C);
const tree = nn.LabelTree.balanced(C);
const H = nn.matrix(new Float32Array(N * 4).map((_, i) => Math.cos(i)), N, 4);
const V = nn.matrix(new Float32Array((C - 1) * 4).fill(0.1), C - 1, 4);
const counts = { calls: 0, returned: 0, rejected: 0, other: [] as string[] };
const deadline = Date.now() + Number(process.env.RACE_MS ?? 3000);
while (Date.now() < deadline) {
  for (const call of [
    () => nn.loss.softmax(scores, labels).loss,
    () => nn.loss.svm(scores, labels).loss,
    () => nn.loss.hierarchicalSoftmax(H, labels, tree, V).loss,
  ]) {
    counts.calls++;
    try {
      const loss = call();
      if (Number.isFinite(loss)) counts.returned++;
      else counts.other.push(`loss ${loss}`);
    } catch (e) {
      if ((e as { code?: string }).code === 'ERR_NNKIT_RANGE') counts.rejected++;
      else counts.other.push(String(e));
    }
  }
}
Atomics.store(stop, 0, 1);
void worker.terminate().then(() => process.stdout.write(`${JSON.stringify(counts)}\n`));
