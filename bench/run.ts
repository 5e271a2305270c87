/**
 * nnkit's benchmark suite: `npm run bench [-- --quick] [-- --filter REGEX] [-- --json FILE]`.
 *
 * Every workload in bench/workloads/*.ts runs against its peers (numpy, PyTorch and scikit-learn
 * from Debian's /usr/bin/python3 through one persistent peer process; Node peers in this
 * process), alternating nnkit and each peer sample by sample so that a busy core slows both
 * alike. It prints one markdown table of medians with nnkit's speed-up over each peer, and
 * writes the raw samples as JSON (bench/results/latest.json unless --json says otherwise).
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import * as nn from '../lib/index';
import { isPythonPeer, type Workload } from './workload';
import { cell, formatSeconds, median, type Result } from './format';

const { values: options } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    filter: { type: 'string' },
    json: { type: 'string', default: path.join(__dirname, 'results', 'latest.json') },
    repeats: { type: 'string' },
    'no-peers': { type: 'boolean', default: false },
    list: { type: 'boolean', default: false },
    python: { type: 'string', default: '/usr/bin/python3' },
    settle: { type: 'string', default: '150' },
    'min-sample': { type: 'string' },  // default 200 ms, 50 with --quick
    'max-sample': { type: 'string' },  // default 2000 ms, 500 with --quick
  },
});

/** The persistent Python peer process. */
class PythonPeers {
  #child: ChildProcessWithoutNullStreams;
  #pending: ((reply: Record<string, unknown>) => void)[] = [];

  constructor(python: string) {
    this.#child = spawn(python, [path.join(__dirname, 'peers', 'server.py')], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child.stderr.on('data', (d: Buffer) => process.stderr.write(`[peers] ${d}`));
    createInterface({ input: this.#child.stdout }).on('line', (line) => this.#pending.shift()?.(JSON.parse(line)));
  }

  request(message: Record<string, unknown>): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      if (this.#child.exitCode !== null) return reject(new Error('peer process exited'));
      this.#pending.push(resolve);
      this.#child.stdin.write(`${JSON.stringify(message)}\n`);
    });
  }

  close(): void {
    this.#child.stdin.end();
  }
}

async function startPeers(): Promise<{ peers: PythonPeers | null; versions: Record<string, string> }> {
  if (options['no-peers']) return { peers: null, versions: {} };
  if (!fs.existsSync(options.python!)) {
    console.log(`Python peers skipped: ${options.python} not found (apt-get install python3-numpy python3-torch python3-sklearn).`);
    return { peers: null, versions: {} };
  }
  const peers = new PythonPeers(options.python!);
  const hello = await peers.request({ op: 'hello' });
  const versions = (hello.peers ?? {}) as Record<string, string>;
  for (const name of ['numpy', 'torch', 'sklearn'])
    if (!(name in versions)) console.log(`Peer ${name} skipped: not importable by ${options.python} (apt-get install python3-${name === 'sklearn' ? 'sklearn' : name}).`);
  return { peers, versions };
}

async function loadWorkloads(): Promise<Workload[]> {
  const dir = path.join(__dirname, 'workloads');
  const all: Workload[] = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()) {
    const module = (await import(path.join(dir, file))) as { workloads?: Workload[] };
    all.push(...(module.workloads ?? []));
  }
  return all;
}

// OpenBLAS's worker threads (numpy's, torch's and nnkit's own) busy-wait for a while after a
// call before they sleep, and so do OpenMP's. Pausing between samples lets every sample start
// on idle cores instead of sharing them with the previous contestant's spinning threads.
const settle = () => new Promise((resolve) => setTimeout(resolve, Number(options.settle)));

async function timeOnce(fn: () => unknown, inner: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < inner; i++) {
    const r = fn();
    if (r instanceof Promise) await r;
  }
  return Number(process.hrtime.bigint() - start) / 1e9 / inner;
}

async function runWorkload(w: Workload, python: PythonPeers | null, versions: Record<string, string>): Promise<Result> {
  const repeats = Number(options.repeats ?? (options.quick ? 3 : (w.repeats ?? 7)));
  const fn = await w.setup();
  // A peer times `calls` back-to-back calls per sample.
  const peerFns: Record<string, ((calls: number) => Promise<number>) | { skipped: string }> = {};
  for (const peer of w.peers ?? []) {
    if (isPythonPeer(peer)) {
      if (!python || !(peer.name in versions)) {
        peerFns[peer.name] = { skipped: 'not installed' };
        continue;
      }
      const id = `${w.name}/${peer.name}`;
      const reply = await python.request({ op: 'setup', id, task: peer.task, args: peer.args ?? {} });
      if (!reply.ok) {
        peerFns[peer.name] = { skipped: String(reply.error) };
        continue;
      }
      peerFns[peer.name] = async (calls) => {
        const r = await python.request({ op: 'run', id, inner: calls });
        if (!r.ok) throw new Error(String(r.error));
        return r.seconds as number;
      };
    } else {
      try {
        const peerFn = await peer.setup();
        peerFns[peer.name] = (calls) => timeOnce(peerFn, calls);
      } catch (e) {
        peerFns[peer.name] = { skipped: (e as Error).message };
      }
    }
  }
  // Untimed warm-up calls (page faults, lazy initialisation, JIT; nnkit's second call is the one
  // measured) that also size the samples. A sample repeats the call back to back until nnkit's
  // share lasts --min-sample ms (as timeit's autorange does), so that a millisecond-scale call is
  // not timed alone on cores that have just idled through the settle pause; fewer calls when the
  // slowest peer's sample would pass --max-sample ms. nnkit and every peer make the same number
  // of calls per sample.
  await timeOnce(fn, 1);
  const mine = await timeOnce(fn, 1);
  let slowest = mine;
  for (const p of Object.values(peerFns)) if (typeof p === 'function') slowest = Math.max(slowest, await p(1));
  const minSample = Number(options['min-sample'] ?? (options.quick ? 50 : 200));
  const maxSample = Number(options['max-sample'] ?? (options.quick ? 500 : 2000));
  const wanted = Math.ceil(minSample / 1e3 / mine);
  const affordable = Math.floor(maxSample / 1e3 / slowest);
  const inner = w.inner ?? Math.max(1, Math.min(100, wanted, affordable));
  const result: Result = { name: w.name, area: w.area, target: w.target, flops: w.flops, inner, nnkit: [], peers: {} };
  for (const [name, p] of Object.entries(peerFns)) result.peers[name] = typeof p === 'function' ? [] : p;
  for (let r = 0; r < repeats; r++) {
    await settle();
    result.nnkit.push(await timeOnce(fn, inner));
    for (const [name, p] of Object.entries(peerFns)) {
      if (typeof p !== 'function') continue;
      await settle();
      (result.peers[name] as number[]).push(await p(inner));
    }
  }
  if (python) for (const peer of w.peers ?? []) if (isPythonPeer(peer)) await python.request({ op: 'drop', id: `${w.name}/${peer.name}` });
  w.teardown?.();
  return result;
}

function table(results: Result[]): string {
  const peerNames = [...new Set(results.flatMap((r) => Object.keys(r.peers)))];
  const header = ['workload', 'nnkit', ...peerNames, 'nnkit speed-up (peer ÷ nnkit)', 'target'];
  const rows = results.map((r) => {
    const mine = median(r.nnkit);
    const speedups: string[] = [];
    const peerCells = peerNames.map((name) => {
      const p = r.peers[name];
      if (p === undefined) return '';
      if (!Array.isArray(p)) return `skipped`;
      const m = median(p);
      speedups.push(`${(m / mine).toFixed(2)}× ${name}`);
      return cell(m, r.flops);
    });
    return [r.name, cell(mine, r.flops), ...peerCells, speedups.join(', '), r.target ?? ''];
  });
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  let workloads = await loadWorkloads();
  if (options.quick) workloads = workloads.filter((w) => w.quick);
  if (options.filter) {
    const re = new RegExp(options.filter, 'i');
    workloads = workloads.filter((w) => re.test(w.name) || re.test(w.area));
  }
  if (options.list) {
    for (const w of workloads) console.log(`${w.area}\t${w.name}${w.quick ? '\t(quick)' : ''}`);
    return;
  }
  const backend = nn.backend();
  const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.versions.node}, nnkit ${backend.version} (${backend.blas}, ${backend.simd}, ${backend.threads} threads)`;
  console.log(`Machine: ${machine}`);
  const { peers, versions } = await startPeers();
  console.log(`Peers: ${Object.entries(versions).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}\n`);
  const results: Result[] = [];
  for (const w of workloads) {
    process.stdout.write(`  ${w.area}: ${w.name} … `);
    try {
      const r = await runWorkload(w, peers, versions);
      results.push(r);
      console.log(`${formatSeconds(median(r.nnkit))}${r.inner && r.inner > 1 ? ` (${r.inner} calls per sample)` : ''}`);
    } catch (e) {
      console.log(`failed: ${(e as Error).message}`);
    }
  }
  peers?.close();
  const markdown = table(results);
  console.log(`\n${markdown}\n`);
  const report = { date: new Date().toISOString(), machine, peers: versions, quick: options.quick, results, markdown };
  fs.mkdirSync(path.dirname(options.json!), { recursive: true });
  fs.writeFileSync(options.json!, `${JSON.stringify(report, null, 1)}\n`);
  console.log(`Wrote ${path.relative(process.cwd(), options.json!)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
