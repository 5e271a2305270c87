/**
 * Boundary fuzzing: every export of the facade and every raw native function, called with
 * generated broken arguments in a child process (see child.ts for what is checked per call).
 * The child runs with only 6 GB of address space to spare, so calls that ask for absurd outputs meet a
 * real allocation failure, which must surface as ERR_NNKIT_ALLOC rather than a crash.
 *
 * FUZZ_RUNS (default 600 per target; ~153,000 calls over 262 targets, the async twins and streaming included, ~110 s) and FUZZ_SEED reproduce or
 * lengthen a run.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..');
const HEADROOM_MB = 6 * 1024;
// tsx instantiates its WebAssembly lexer asynchronously at start-up, and with trap-handler bounds
// checks V8 reserves a 10 GB address-space cage for every Wasm memory. When a busy machine delays
// that instantiation past the child's address-space cap (6 GB of headroom), it fails and tsx's
// unhandled rejection ends the child with status 1 after a complete run (7 of 150 self-test runs
// with both cores loaded). Without the trap handler Wasm memories reserve only their size.
// (The flag exists from Node 20.15; older versions keep the race.)
const WASM_FLAGS = process.allowedNodeEnvironmentFlags.has('--disable-wasm-trap-handler') ? ['--disable-wasm-trap-handler'] : [];

interface Report {
  calls: number;
  seed: number;
  ms: number;
  failures: { target: string; message: string }[];
  generic: string[];
  stats: Record<string, { calls: number; ok: number; errors: Record<string, number> }>;
}

async function runChild(env: Record<string, string>, timeoutMs: number): Promise<{ report?: Report; code: number | null; signal: string | null; last: string; stderr: string }> {
  const last = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nnkit-fuzz-')), 'last-call');
  const child = spawn(process.execPath, [...WASM_FLAGS, '--import', 'tsx', 'test/fuzz/child.ts'], {
    cwd: root,
    env: { ...process.env, FUZZ_HEADROOM_MB: String(HEADROOM_MB), ...env, FUZZ_LAST: last },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  clearTimeout(timer);
  const line = stdout.trim().split('\n').pop() ?? '';
  let report: Report | undefined;
  try {
    report = JSON.parse(line);
  } catch {
    report = undefined;
  }
  return { report, code, signal, last: fs.existsSync(last) ? fs.readFileSync(last, 'utf8') : '', stderr };
}

describe('boundary fuzzing', () => {
  it('no generated call crashes, overruns a buffer, or throws an undocumented error', async () => {
    const r = await runChild({ FUZZ_RUNS: process.env.FUZZ_RUNS ?? '600' }, 600_000);
    // A dead child is a crash (or a hang): name the call it was running.
    expect({ code: r.code, signal: r.signal, call: r.code === 0 ? '' : r.last, stderr: r.code === 0 ? '' : r.stderr.slice(-3000) })
      .toEqual({ code: 0, signal: null, call: '', stderr: '' });
    const report = r.report!;
    const targets = Object.keys(report.stats).length;
    const accepted = Object.values(report.stats).reduce((n, s) => n + s.ok, 0);
    console.log(`boundary fuzz: ${report.calls} calls over ${targets} targets (${accepted} returned, ${report.calls - accepted} threw coded errors), ` +
      `0 crashes, seed ${report.seed}, ${report.ms} ms; ${report.generic.length} exports fuzzed with generic arguments only`);
    expect(report.failures.map((f) => `${f.target}: ${f.message}`)).toEqual([]);
    // Every target got both valid calls that succeeded and broken ones that were rejected.
    for (const [name, s] of Object.entries(report.stats)) {
      expect(s.calls, name).toBeGreaterThan(0);
      if (!name.endsWith('(generic)')) expect(s.ok, `${name}: no call succeeded`).toBeGreaterThan(0);
    }
  }, 660_000);

  it('the harness catches overruns, writes to inputs, uncoded errors and wrong shapes', async () => {
    const r = await runChild({ FUZZ_RUNS: '20', FUZZ_SELFTEST: '1' }, 120_000);
    const explain = `child exited ${r.code} (${r.signal}): ${r.stderr.slice(-2000)} ${JSON.stringify(r.report?.failures.filter((f) => !f.target.startsWith('selftest:')))}`;
    expect(r.code, explain).toBe(0);
    const failed = new Map(r.report!.failures.map((f) => [f.target, f.message]));
    expect(failed.get('selftest:overrun')).toMatch(/canary bytes overwritten/);
    expect(failed.get('selftest:writes-input')).toMatch(/read-only input modified/);
    expect(failed.get('selftest:uncoded')).toMatch(/undocumented error/);
    expect(failed.get('selftest:bad-shape')).toMatch(/bad result/);
  });

  it('a native crash in the child is detected and the call named', async () => {
    const r = await runChild({ FUZZ_RUNS: '5', FUZZ_SELFTEST: '1', FUZZ_ONLY: 'selftest:overrun', NODE_OPTIONS: '--require ./test/fuzz/abort-on-first-call.cjs' }, 120_000);
    expect(r.code === 0 && r.signal === null).toBe(false);
    expect(r.last).toMatch(/selftest:overrun/);
  });
});
