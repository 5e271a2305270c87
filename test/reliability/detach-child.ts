/**
 * Child of async.test.ts (run with --expose-gc): detaches the buffers of pending async calls by
 * transferring them away, drops the receiving side and forces GC, so a binding that kept raw
 * pointers into those buffers would read and write freed (munmapped) memory.
 * Prints one JSON line: what each call did.
 */
import * as nn from '../../lib/index';

const gc = (globalThis as { gc?: () => void }).gc!;
const n = 700;

function detach(a: Float32Array): void {
  structuredClone(a.buffer, { transfer: [a.buffer as ArrayBuffer] }); // the clone is dropped at once
}

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return `rejected ${(e as { code?: string }).code}`;
  }
}

async function main(): Promise<void> {
  const results: Record<string, string> = {};
  for (const which of ['A', 'B', 'out'] as const) {
    const A = nn.matrix(n, n), B = nn.matrix(n, n), out = nn.matrix(n, n);
    A.data.fill(1);
    B.data.fill(2);
    const p = nn.gemmAsync(A, B, { out });
    detach(which === 'A' ? A.data : which === 'B' ? B.data : out.data);
    for (let i = 0; i < 5; i++) {
      gc();
      new Float32Array(n * n).fill(-7); // reuse freed memory if it was freed
    }
    results[`gemmAsync, ${which} detached`] = await outcome(p);
    if (which !== 'out') results[`gemmAsync, ${which} detached: out`] = out.data.every((v) => v === 2 * n) ? 'correct' : 'wrong';
  }
  {
    const out = new Float32Array(4 << 20);
    const p = new nn.Rng(1).normalAsync(out);
    detach(out);
    for (let i = 0; i < 5; i++) gc();
    results['normalAsync, out detached'] = await outcome(p);
  }
  {
    // Write-only staged outputs (allocated without copying their old contents): the gradient and
    // the dropout mask of pending calls detached, then the inputs of another.
    const S = nn.matrix(n, n), y = new Int32Array(n), grad = new Float32Array(n * n);
    S.data.fill(1);
    // outcome() attaches its handler at once: awaiting one call while another, still without a
    // handler, rejects would be an unhandled rejection, which exits the process with status 1
    // (it did, about once in 20 runs, whenever the dropout call finished before the softmax).
    const p = outcome(nn.loss.softmaxAsync(S, y, { grad }));
    detach(grad);
    const X = nn.matrix(n, n), maskBits = new Uint32Array(Math.ceil((n * n) / 32));
    const q = outcome(nn.dropout.forwardAsync(X, { rng: new nn.Rng(1), maskBits }));
    detach(maskBits as unknown as Float32Array);
    const Y = nn.matrix(n, n);
    Y.data.fill(-3);
    const r = nn.relu.forwardAsync(Y);
    detach(Y.data);
    for (let i = 0; i < 5; i++) gc();
    results['softmaxAsync, grad detached'] = await p;
    results['dropout.forwardAsync, maskBits detached'] = await q;
    const relu = await r;
    results['relu.forwardAsync, X detached: out'] = relu.data.every((v) => v === 0) ? 'correct' : 'wrong';
  }
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

void main();
