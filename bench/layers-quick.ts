/**
 * Quick benchmark of issue 5's targets until the shared framework lands: He init 4096×4096,
 * BatchNorm train forward+backward 8192×1024 and inverted dropout forward+backward
 * 8192×1024, nnkit and PyTorch (torch.set_num_threads(2)) timed alternately in one run,
 * medians, plus the memory-bandwidth bound (bytes moved / copy bandwidth measured here).
 *
 *   flock /tmp/nnkit-cpu.lock npx tsx bench/layers-quick.ts [reps]
 */
import { spawn } from 'node:child_process';
import * as readline from 'node:readline';
import * as nn from '../lib/index';

const reps = Number(process.argv[2] ?? 15);

const PEER = String.raw`
import sys, time, torch
import torch.nn.functional as F
torch.set_num_threads(2)
torch.manual_seed(0)
W = torch.empty(4096, 4096)
bn = torch.nn.BatchNorm1d(1024)
xb = torch.randn(8192, 1024, requires_grad=True)
gb = torch.randn(8192, 1024)
xd = torch.randn(8192, 1024, requires_grad=True)
gd = torch.randn(8192, 1024)
def he(): torch.nn.init.kaiming_normal_(W, nonlinearity='relu')
def batchnorm():
    xb.grad = None
    bn(xb).backward(gb)
def dropout():
    xd.grad = None
    F.dropout(xd, 0.5, training=True).backward(gd)
tasks = {'he': he, 'batchnorm': batchnorm, 'dropout': dropout}
for name in tasks: tasks[name]()
print('ready', flush=True)
for line in sys.stdin:
    f = tasks[line.strip()]
    t = time.perf_counter(); f(); ms = (time.perf_counter() - t) * 1e3
    print(ms, flush=True)
`;

const peer = spawn('/usr/bin/python3', ['-c', PEER], { stdio: ['pipe', 'pipe', 'inherit'] });
const lines = readline.createInterface({ input: peer.stdout! })[Symbol.asyncIterator]();
async function peerTime(task: string): Promise<number> {
  peer.stdin!.write(`${task}\n`);
  return Number((await lines.next()).value);
}

function time(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;

async function main(): Promise<void> {
  if ((await lines.next()).value !== 'ready') throw new Error('peer failed to start');
  const rng = new nn.Rng(1);
  const W = nn.matrix(4096, 4096);
  const n = 8192, d = 1024;
  const X = nn.matrix(n, d), dY = nn.matrix(n, d), out = nn.matrix(n, d), dX = nn.matrix(n, d);
  rng.normal(X.data);
  rng.normal(dY.data);
  const bn = new nn.BatchNorm(d);
  const dGamma = new Float32Array(d), dBeta = new Float32Array(d);
  const maskBits = new Uint32Array(n * d / 32);
  const big = new Float32Array(16 * 1024 * 1024), bigOut = new Float32Array(big.length);
  const bigM = nn.matrix(big, 4096, 4096), bigOutM = nn.matrix(bigOut, 4096, 4096);

  const ours: Record<string, () => void> = {
    he: () => nn.init.he(4096, 4096, { out: W, rng }),
    batchnorm: () => {
      bn.forward(X, { training: true, out });
      bn.backward(dY, { dX, dGamma, dBeta });
    },
    dropout: () => {
      const { mask } = nn.dropout.forward(X, { keepProb: 0.5, rng, out, maskBits });
      nn.dropout.backward(dY, mask, { out: dX });
    },
  };
  const bytes: Record<string, number> = {
    he: 4096 * 4096 * 4,
    batchnorm: 5 * n * d * 4, // forward reads X, writes Y; backward reads X and dY, writes dX
    dropout: 4 * n * d * 4 + 2 * maskBits.byteLength, // X, out, dY, dX and the mask twice
  };
  const copyTimes: number[] = [], memcpyTimes: number[] = [];
  const results: Record<string, { ours: number[]; torch: number[] }> = {};
  for (const task of Object.keys(ours)) results[task] = { ours: [], torch: [] };
  for (let r = 0; r < reps + 2; r++) {
    const c = time(() => nn.dropout.forward(bigM, { training: false, out: bigOutM })); // 2-thread copy (x · 1)
    const m = time(() => bigOut.set(big)); // memcpy, one thread
    if (r >= 2) {
      copyTimes.push(c);
      memcpyTimes.push(m);
    }
    for (const task of Object.keys(ours)) {
      const a = time(ours[task]!);
      const b = await peerTime(task);
      if (r >= 2) {
        results[task]!.ours.push(a);
        results[task]!.torch.push(b);
      }
    }
  }
  const copyBandwidth = Math.max((2 * big.byteLength) / median(copyTimes), (2 * big.byteLength) / median(memcpyTimes)) / 1e6; // GB/s
  console.log(`backend ${JSON.stringify(nn.backend())}`);
  console.log(`copy 64 MiB: nnkit 2-thread ${median(copyTimes).toFixed(2)} ms, memcpy ${median(memcpyTimes).toFixed(2)} ms -> ${copyBandwidth.toFixed(1)} GB/s (read+write)`);
  for (const task of Object.keys(ours)) {
    const o = median(results[task]!.ours), t = median(results[task]!.torch);
    const bound = bytes[task]! / 1e6 / copyBandwidth;
    console.log(`${task.padEnd(10)} nnkit ${o.toFixed(2)} ms  torch ${t.toFixed(2)} ms  speedup ${(t / o).toFixed(2)}x  bandwidth bound ${bound.toFixed(2)} ms (${(o / bound).toFixed(2)}x of bound)`);
  }
  peer.stdin!.end();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
