/**
 * nnkit's benchmark suite: `npm run bench [-- --quick] [-- --filter REGEX] [-- --json FILE]`.
 *
 * Every workload in bench/workloads/*.ts runs against its peers, alternating nnkit and each peer
 * sample by sample so that a busy core slows both alike. Python peers run in persistent peer
 * processes: `numpy` is the current numpy of the machine's default `python3` (numpy 2.x with its
 * own, current OpenBLAS; started without OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE so that it picks its
 * own core), `numpy-debian`, PyTorch and scikit-learn come from Debian's /usr/bin/python3 (with
 * the environment's OPENBLAS_CORETYPE, which fixes the core where Debian's OpenBLAS 0.3.21
 * misdetects the CPU). Node peers run in this process. It prints one markdown table of medians with nnkit's speed-up over each peer, and
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
    'python-current': { type: 'string', default: 'python3' },
    settle: { type: 'string', default: '150' },
    'min-sample': { type: 'string' },  // default 200 ms, 50 with --quick
    'max-sample': { type: 'string' },  // default 2000 ms, 500 with --quick
  },
});

/** A persistent Python peer process. */
class PythonPeers {
  #child: ChildProcessWithoutNullStreams;
  #pending: ((reply: Record<string, unknown>) => void)[] = [];
  /** The core each OpenBLAS in the process reported at load (OPENBLAS_VERBOSE=2), e.g. 'SkylakeX'. */
  readonly cores: string[] = [];

  constructor(python: string, env: NodeJS.ProcessEnv) {
    this.#child = spawn(python, [path.join(__dirname, 'peers', 'server.py')], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...env, OPENBLAS_VERBOSE: '2' },
    });
    createInterface({ input: this.#child.stderr }).on('line', (line) => {
      const core = /^Core: (\S+)/.exec(line);
      if (core) this.cores.push(core[1]!);
      else process.stderr.write(`[peers] ${line}\n`);
    });
    createInterface({ input: this.#child.stdout }).on('line', (line) => this.#pending.shift()?.(JSON.parse(line)));
    this.#child.on('error', () => undefined);  // reported by request()
  }

  request(message: Record<string, unknown>): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      if (this.#child.exitCode !== null || this.#child.pid === undefined) return reject(new Error('peer process exited'));
      this.#pending.push(resolve);
      this.#child.stdin.write(`${JSON.stringify(message)}\n`);
    });
  }

  close(): void {
    this.#child.stdin.end();
  }
}

/** The Python peer processes: Debian's interpreter, and the current numpy's where there is one. */
interface Peers {
  debian: PythonPeers | null;
  current: PythonPeers | null;
  /** Column name → version, e.g. numpy → 2.4.6, numpy-debian → 1.24.2. */
  versions: Record<string, string>;
  /** Column name → the OpenBLAS core that peer runs. */
  cores: Record<string, string>;
}

/** Where a workload's Python peer runs, and under which column name. */
function placePythonPeer(name: string, peers: Peers): { column: string; process: PythonPeers | null }[] {
  // numpy-rsvd (scikit-learn's randomized_svd transcribed to plain numpy) runs on the current
  // numpy only: it is the randomized-PCA peer on the machine's own numpy 2.x.
  if (name === 'numpy-rsvd') return [{ column: name, process: peers.current ?? peers.debian }];
  if (name !== 'numpy') return [{ column: name, process: peers.debian }];
  if (!peers.current) return [{ column: 'numpy-debian', process: peers.debian }];
  return [
    { column: 'numpy', process: peers.current },
    { column: 'numpy-debian', process: peers.debian },
  ];
}

async function hello(python: string, env: NodeJS.ProcessEnv): Promise<{ peers: PythonPeers; versions: Record<string, string> } | null> {
  const peers = new PythonPeers(python, env);
  let timer: NodeJS.Timeout | undefined;
  try {
    const reply = await Promise.race([
      peers.request({ op: 'hello' }),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('no answer')), 60_000); }),
    ]);
    return { peers, versions: (reply.peers ?? {}) as Record<string, string> };
  } catch {
    peers.close();
    return null;
  } finally {
    clearTimeout(timer);
  }
}

async function startPeers(): Promise<Peers> {
  const none: Peers = { debian: null, current: null, versions: {}, cores: {} };
  if (options['no-peers']) return none;
  const result = { ...none };
  if (fs.existsSync(options.python!)) {
    const debian = await hello(options.python!, process.env);
    if (debian) {
      result.debian = debian.peers;
      for (const [name, version] of Object.entries(debian.versions)) result.versions[name === 'numpy' ? 'numpy-debian' : name] = version;
      for (const name of ['numpy', 'torch', 'sklearn'])
        if (!(name in debian.versions)) console.log(`Peer ${name} (Debian) skipped: not importable by ${options.python} (apt-get install python3-${name}).`);
    }
  } else {
    console.log(`Debian's Python peers skipped: ${options.python} not found (apt-get install python3-numpy python3-torch python3-sklearn).`);
  }
  // The current numpy, on its own OpenBLAS's choice of core: the environment's OPENBLAS_CORETYPE
  // and OPENBLAS_L2_SIZE are there for Debian's older OpenBLAS and slow a current one.
  const { OPENBLAS_CORETYPE: _core, OPENBLAS_L2_SIZE: _l2, ...currentEnv } = process.env;
  const current = await hello(options['python-current']!, currentEnv);
  if (current && 'numpy' in current.versions && current.versions.numpy !== result.versions['numpy-debian']) {
    result.current = current.peers;
    result.versions.numpy = current.versions.numpy!;
  } else {
    current?.peers.close();
    console.log(`Peer numpy (current) skipped: ${options['python-current']} has no numpy other than Debian's; numpy-debian is the numpy column.`);
  }
  await new Promise((resolve) => setTimeout(resolve, 100));  // let the Core: lines arrive
  if (result.debian?.cores[0]) for (const name of ['numpy-debian', 'torch', 'sklearn']) if (name in result.versions) result.cores[name] = result.debian.cores[0];
  if (result.current?.cores[0]) result.cores.numpy = result.current.cores[0];
  // numpy-rsvd runs where the numpy column does (or on Debian's numpy without a current one).
  const rsvd = result.current ? 'numpy' : 'numpy-debian';
  if (rsvd in result.versions) result.versions['numpy-rsvd'] = result.versions[rsvd]!;
  if (rsvd in result.cores) result.cores['numpy-rsvd'] = result.cores[rsvd]!;
  return result;
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

async function runWorkload(w: Workload, peers: Peers): Promise<Result> {
  const repeats = Number(options.repeats ?? (options.quick ? 3 : (w.repeats ?? 7)));
  const fn = await w.setup();
  // A peer times `calls` back-to-back calls per sample.
  const peerFns: Record<string, ((calls: number) => Promise<number>) | { skipped: string }> = {};
  const dropped: { process: PythonPeers; id: string }[] = [];
  for (const peer of w.peers ?? []) {
    if (isPythonPeer(peer)) {
      for (const { column, process: python } of placePythonPeer(peer.name, peers)) {
        if (!python || !(column in peers.versions)) {
          peerFns[column] = { skipped: 'not installed' };
          continue;
        }
        const id = `${w.name}/${column}`;
        const reply = await python.request({ op: 'setup', id, task: peer.task, args: peer.args ?? {} });
        if (!reply.ok) {
          peerFns[column] = { skipped: String(reply.error) };
          continue;
        }
        dropped.push({ process: python, id });
        peerFns[column] = async (calls) => {
          const r = await python.request({ op: 'run', id, inner: calls });
          if (!r.ok) throw new Error(String(r.error));
          return r.seconds as number;
        };
      }
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
  for (const { process: python, id } of dropped) await python.request({ op: 'drop', id });
  w.teardown?.();
  return result;
}

/** The CPU model, family/model numbers and SIMD flags, from /proc/cpuinfo where there is one. */
function cpuDescription(): { model: string; family?: string; modelNumber?: string; flags: string[] } {
  const model = os.cpus()[0]?.model ?? 'unknown CPU';
  let text = '';
  try {
    text = fs.readFileSync('/proc/cpuinfo', 'utf8').split('\n\n')[0] ?? '';
  } catch {
    return { model, flags: [] };
  }
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(text)?.[1];
  const simd = /^(avx2|fma|avx512(f|bw|dq|vl|_bf16|_fp16|_vnni|vnni)|amx_\w+|asimd|sve\d*)$/;
  const flags = (field('flags') ?? field('Features') ?? '').split(/\s+/).filter((f) => simd.test(f));
  return { model, family: field('cpu family'), modelNumber: field('model'), flags };
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
  const cpu = cpuDescription();
  const machine = `${cpu.model}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.versions.node}, nnkit ${backend.version} (${backend.blas}${backend.blasCore ? ` core ${backend.blasCore}` : ''}, GEMM ${backend.gemm}, SIMD ${backend.simd} of ${backend.simdPaths.join('/')}, ${backend.threads} threads)`;
  console.log(`Machine: ${machine}`);
  console.log(`GEMM: ${backend.gemmReason}`);
  const peers = await startPeers();
  const { versions } = peers;
  const describePeer = (k: string) => `${k} ${versions[k]}${peers.cores[k] ? ` (OpenBLAS core ${peers.cores[k]})` : ''}`;
  console.log(`Peers: ${Object.keys(versions).map(describePeer).join(', ') || 'none'}`);
  if (process.env.OPENBLAS_CORETYPE) console.log(`Debian's peers run with OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE} from the environment.`);
  console.log('');
  const results: Result[] = [];
  for (const w of workloads) {
    process.stdout.write(`  ${w.area}: ${w.name} … `);
    try {
      const r = await runWorkload(w, peers);
      results.push(r);
      console.log(`${formatSeconds(median(r.nnkit))}${r.inner && r.inner > 1 ? ` (${r.inner} calls per sample)` : ''}`);
    } catch (e) {
      console.log(`failed: ${(e as Error).message}`);
    }
  }
  peers.debian?.close();
  peers.current?.close();
  const markdown = table(results);
  console.log(`\n${markdown}\n`);
  const report = {
    date: new Date().toISOString(), machine, cpu, backend, peers: versions, peerCores: peers.cores,
    openblasCoretype: process.env.OPENBLAS_CORETYPE ?? null, quick: options.quick, results, markdown,
  };
  fs.mkdirSync(path.dirname(options.json!), { recursive: true });
  fs.writeFileSync(options.json!, `${JSON.stringify(report, null, 1)}\n`);
  console.log(`Wrote ${path.relative(process.cwd(), options.json!)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
