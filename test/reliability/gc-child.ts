/**
 * Child of async.test.ts (run with --expose-gc): async calls whose inputs and outputs have no
 * other reference than the pending call. GC runs repeatedly while they are pending; a
 * FinalizationRegistry records any array collected before its call settled. Prints one JSON line.
 */
import * as nn from '../../lib/index';

const gc = (globalThis as { gc?: () => void }).gc!;
let collectedEarly = 0;
const settled = new Set<number>();
const registry = new FinalizationRegistry<number>((id) => {
  if (!settled.has(id)) collectedEarly++;
});

function fill(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = ((i * 7 + seed * 13) % 17) / 17 - 0.5;
  return a;
}

/** Starts a gemm whose operands are referenced only by the call; resolves to a checksum. */
function startGemm(id: number, n: number): Promise<number> {
  const A = nn.matrix(fill(n * n, id), n, n), B = nn.matrix(fill(n * n, id + 1), n, n);
  registry.register(A.data, id);
  registry.register(B.data, id);
  return nn.gemmAsync(A, B).then((C) => {
    settled.add(id);
    let s = 0;
    for (let i = 0; i < n; i++) s += C.data[i * n + (i % n)]!; // a few entries suffice
    return s;
  });
}

function expectedChecksum(id: number, n: number): number {
  const a = fill(n * n, id), b = fill(n * n, id + 1);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const j = i % n;
    let acc = 0;
    for (let p = 0; p < n; p++) acc += a[i * n + p]! * b[p * n + j]!;
    s += acc;
  }
  return s;
}

async function main(): Promise<void> {
  const n = 500, calls = 32;
  const pending: Promise<number>[] = [];
  for (let id = 0; id < calls; id++) pending.push(startGemm(id * 2, n));
  const fills: Promise<boolean>[] = [];
  for (let id = 0; id < calls; id++) {
    const out = new Float32Array(1 << 18);
    registry.register(out, 1000 + id);
    fills.push(new nn.Rng(id).normalAsync(out).then((o) => {
      settled.add(1000 + id);
      return o.every(Number.isFinite) && o.some((v) => v !== 0);
    }));
  }
  // Collect between every turn of the event loop until everything settled.
  let gcs = 0, done = false;
  const all = Promise.all([Promise.all(pending), Promise.all(fills)]).finally(() => (done = true));
  while (!done) {
    gc();
    gcs++;
    await new Promise((r) => setImmediate(r));
  }
  const [sums, fillsOk] = await all;
  let wrong = 0;
  for (let id = 0; id < calls; id++) {
    const want = expectedChecksum(id * 2, n);
    if (!(Math.abs(sums[id]! - want) <= 1e-3 * (1 + Math.abs(want)))) wrong++;
  }
  for (let i = 0; i < 5; i++) gc();
  await new Promise((r) => setTimeout(r, 50));
  process.stdout.write(`${JSON.stringify({ calls: calls * 2, gcs, wrong, fillsWrong: fillsOk.filter((x) => !x).length, collectedEarly })}\n`);
}

void main();
