/**
 * Child of leak.test.ts (run with --expose-gc): RSS and external memory before and after a
 * million small calls and a thousand large ones, measured after a warm-up and full GCs.
 * LEAK_SCALE (default 1) scales every count. Prints one JSON line.
 */
import * as nn from '../../lib/index';

const gc = (globalThis as { gc?: () => void }).gc!;
const scale = Number(process.env.LEAK_SCALE ?? 1);
const MB = 1024 * 1024;

async function settle(): Promise<{ rss: number; heapTotal: number; external: number; arrayBuffers: number }> {
  for (let i = 0; i < 6; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  const m = process.memoryUsage();
  return { rss: m.rss / MB, heapTotal: m.heapTotal / MB, external: m.external / MB, arrayBuffers: m.arrayBuffers / MB };
}

function smallSync(count: number): void {
  const A = nn.matrix(new Float32Array(16).fill(0.5), 4, 4), out = nn.matrix(4, 4);
  const rng = new nn.Rng(1), fill = new Float32Array(16);
  for (let i = 0; i < count; i += 2) {
    nn.gemm(A, A, { out, beta: 0.5 });
    rng.uniform(fill);
  }
  // error paths allocate messages and error objects: they must not leak either
  for (let i = 0; i < count / 100; i++) {
    try {
      nn.gemm(A, nn.matrix(3, 3));
    } catch {}
  }
}

async function smallAsync(count: number): Promise<void> {
  const A = nn.matrix(new Float32Array(16).fill(0.5), 4, 4);
  const rng = new nn.Rng(2);
  for (let i = 0; i < count; i += 1000) {
    const batch: Promise<unknown>[] = [];
    for (let j = 0; j < 500; j++) {
      batch.push(nn.gemmAsync(A, A));
      batch.push(rng.normalAsync(new Float32Array(16)));
    }
    await Promise.all(batch);
  }
}

async function large(count: number): Promise<void> {
  const A = nn.matrix(new nn.Rng(3).uniform(new Float32Array(1024 * 64)), 1024, 64);
  const rng = new nn.Rng(4);
  for (let i = 0; i < count; i += 4) {
    nn.gemm(A, A, { transB: true }); // a new 1024 × 1024 output each time
    rng.normal(new Float32Array(4 << 20)); // 4M floats
    await nn.gemmAsync(A, A, { transB: true });
    await rng.uniformAsync(new Float32Array(4 << 20));
  }
}

async function main(): Promise<void> {
  const t0 = Date.now();
  // Warm-up: V8's heap and the malloc arenas of the libuv threads grow to their working size
  // over the first ~100k async calls (measured: +16 MB, then flat over 200k more).
  smallSync(50_000);
  await smallAsync(150_000);
  await large(8);
  const base = await settle();
  smallSync(900_000 * scale);
  await smallAsync(100_000 * scale);
  const afterSmall = await settle();
  await large(1000 * scale);
  const afterLarge = await settle();
  process.stdout.write(`${JSON.stringify({
    smallCalls: (900_000 + 9_000 + 100_000) * scale,
    largeCalls: 1000 * scale,
    base, afterSmall, afterLarge,
    rssGrowthSmallMB: afterSmall.rss - base.rss,
    rssGrowthLargeMB: afterLarge.rss - afterSmall.rss,
    externalGrowthMB: afterLarge.external - base.external,
    ms: Date.now() - t0,
  })}\n`);
}

void main();
