/**
 * The boundary fuzzer's child process (run by boundary.test.ts, or by hand:
 * `FUZZ_RUNS=5000 node --import tsx test/fuzz/child.ts`). A native crash kills this process,
 * which the parent sees; everything else is checked here and reported as one JSON line on
 * stdout. Before each call the call's description is written to $FUZZ_LAST so the parent can
 * name the call that killed the process.
 *
 * Per call: the result is well-shaped (target.check) or the error is a TypeError/RangeError
 * with a documented code; a valid (unbroken) call succeeds; no canary byte around any buffer
 * changed; read-only inputs are bit-identical.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import * as nn from '../../lib/index';
import { native } from '../../lib/native';
import { arrayArb, callArb, describeSpecs, hostileNumber, hostileRaw, Materialized, matrixArb, type Call, type Spec, UserError } from './args';
import { areaTargets } from './areaTargets';
import { matrixShape, NOT_CALLABLE, NOT_PUBLIC, type Target, targets as foundationTargets } from './targets';

const targets: Target[] = [...foundationTargets, ...areaTargets];

const runs = Number(process.env.FUZZ_RUNS ?? 150);
// A fixed seed keeps CI reproducible; FUZZ_SEED=random (or a number) explores other sequences.
const seed = process.env.FUZZ_SEED === 'random' ? Date.now() % 2 ** 31 : Number(process.env.FUZZ_SEED ?? 20261127);
const lastFile = process.env.FUZZ_LAST === undefined ? undefined : path.resolve(process.env.FUZZ_LAST);
// Targets that save files, and junk strings handed to them as paths, write here, not in the repository.
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nnkit-fuzz-'));
process.chdir(workDir);
process.on('exit', () => fs.rmSync(workDir, { recursive: true, force: true }));
const only = process.env.FUZZ_ONLY; // substring of target names, for debugging
// ERR_NNKIT_INTERNAL is declared, but a call that raises it has found a bug.
const codes = new Set<string>(Object.values(nn.ErrorCodes).filter((c) => c !== nn.ErrorCodes.INTERNAL));

interface Stats { calls: number; ok: number; errors: Record<string, number> }
const stats: Record<string, Stats> = {};
const failures: { target: string; message: string }[] = [];
let totalCalls = 0;

function restoreGlobals(saved: nn.Backend & { lapack: 'lapack' | 'builtin' }): void {
  native.setThreads(saved.threads);
  native.setSimd(saved.simd);
  native.setGemmBackend(saved.gemm);
  native.setLapackBackend(saved.lapack);
}

function isDocumented(e: unknown, target: Target): e is Error & { code: string } {
  if (target.fileSystem && e instanceof Error && typeof (e as { syscall?: unknown }).syscall === 'string') return true; // Node's ENOENT, EISDIR, …
  return (e instanceof TypeError || e instanceof RangeError) && codes.has((e as { code?: string }).code ?? '');
}

async function runTarget(target: Target): Promise<void> {
  const s: Stats = (stats[target.name] = { calls: 0, ok: 0, errors: {} });
  let lastProblem = '';
  // Generic targets get junk only: there is no valid call to insist on.
  const calls = target.generic
    ? target.args.map((specs): Call => ({ specs, mutation: '+junk' }))
    : target.broken
      ? fc.oneof({ weight: 4, arbitrary: callArb(target.args) }, { weight: 1, arbitrary: target.broken.map((specs): Call => ({ specs, mutation: '+near' })) })
      : callArb(target.args);
  const property = fc.asyncProperty(calls, async (call) => {
    try {
      await once(call);
    } catch (e) {
      lastProblem = String((e as Error).message);
      throw e;
    }
  });
  const once = async (call: Call): Promise<void> => {
    totalCalls++;
    s.calls++;
    const where = `${target.name} [${call.mutation || 'valid'}] ${describeSpecs(call.specs)}`;
    if (lastFile) fs.writeFileSync(lastFile, where);
    const saved = target.global ? { ...nn.backend(), lapack: nn.lapackBackend() } : undefined;
    const m = new Materialized(call.specs);
    let result: unknown, error: unknown, threw = false;
    try {
      result = target.call(...m.values);
      if (result && typeof (result as Promise<unknown>).then === 'function') result = await result;
    } catch (e) {
      threw = true;
      error = e;
    } finally {
      if (saved) restoreGlobals(saved);
    }
    const guards = m.checkGuards();
    if (guards.length) throw new Error(`guard: ${guards.join('; ')}`);
    if (threw) {
      if (error instanceof UserError) return; // the caller's own exception, propagated
      if (!isDocumented(error, target)) throw new Error(`undocumented error: ${error instanceof Error ? `${error.constructor.name} ${(error as { code?: string }).code} ${error.message}` : String(error)}`);
      if (call.mutation === '') throw new Error(`a valid call threw ${error.code}: ${error.message}`);
      s.errors[error.code] = (s.errors[error.code] ?? 0) + 1;
      return;
    }
    s.ok++;
    const problem = target.check?.(result, m.values);
    if (problem) throw new Error(`bad result: ${problem}`);
  };
  try {
    await fc.assert(property, { numRuns: Math.max(1, Math.round(runs * (target.share ?? 1))), seed, endOnFailure: false, verbose: 0 });
  } catch (e) {
    const counterexample = /Counterexample: (.*)/.exec(String((e as Error).message))?.[1] ?? String(e);
    failures.push({ target: target.name, message: `${lastProblem}\n    shrunk call: ${counterexample.slice(0, 2000)}` });
  }
}


// --- generic fuzzing of exports without a table entry -----------------------------------------

const junkArgs = fc.array(
  fc.oneof(hostileNumber, hostileRaw, fc.integer({ min: 0, max: 12 }).chain((n) => arrayArb('f32', n, false)), matrixArb(2, 3, false),
    fc.integer({ min: 0, max: 12 }).chain((n) => arrayArb('i32', n, false, fc.constant('labels')))),
  { maxLength: 6 },
).map((specs: Spec[]) => specs);

function isClass(f: unknown): f is new (...a: unknown[]) => object {
  return typeof f === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(f));
}

function covered(name: string): boolean {
  return targets.some((t) => t.name === name || t.name.startsWith(`${name}(`) || t.name.startsWith(`${name} `));
}

/** Every callable export, as names like 'nn.loss.svm', 'new nn.PCA', 'nn.PCA#fit', 'native.gemm'. */
export function callableExports(): { name: string; fn: (...a: unknown[]) => unknown }[] {
  const out: { name: string; fn: (...a: unknown[]) => unknown }[] = [];
  const visit = (obj: Record<string, unknown>, prefix: string, depth: number) => {
    for (const key of Object.keys(obj).sort()) {
      if (NOT_CALLABLE.has(key)) continue;
      const value = obj[key];
      const name = `${prefix}.${key}`;
      if (isClass(value)) {
        const C = value;
        out.push({ name: `new ${name}`, fn: (...a) => new C(...a) });
        for (const method of Object.getOwnPropertyNames(C.prototype)) {
          if (method === 'constructor') continue;
          const d = Object.getOwnPropertyDescriptor(C.prototype, method)!;
          if (typeof d.value !== 'function') continue;
          out.push({
            name: `${name}#${method}`,
            fn: (...a) => {
              let instance: object;
              try {
                instance = new C(); // classes without a no-argument constructor need a table entry
              } catch {
                return undefined;
              }
              return (instance as Record<string, (...x: unknown[]) => unknown>)[method]!(...a);
            },
          });
        }
        for (const s of Object.getOwnPropertyNames(C)) {
          if (['length', 'name', 'prototype'].includes(s)) continue;
          const f = (C as unknown as Record<string, unknown>)[s];
          if (typeof f === 'function') out.push({ name: `${name}.${s}`, fn: (...a) => (f as (...x: unknown[]) => unknown).apply(C, a) });
        }
      } else if (typeof value === 'function') {
        out.push({ name, fn: value as (...a: unknown[]) => unknown });
      } else if (value && typeof value === 'object' && depth < 2 && !ArrayBuffer.isView(value)) {
        visit(value as Record<string, unknown>, name, depth + 1);
      }
    }
  };
  visit(nn as unknown as Record<string, unknown>, 'nn', 0);
  visit(native as unknown as Record<string, unknown>, 'native', 0);
  return out;
}

/**
 * A self-test target's own argument check, as a real export has: anything but a live Float32Array is a
 * coded TypeError, so mutated arguments cannot make the target fail for a reason other than the one
 * it plants (the harness reports the first failure of each target).
 */
function liveFloat32(a: unknown): Float32Array {
  if (!(a instanceof Float32Array) || (a.byteLength === 0 && a.buffer.byteLength === 0))
    throw new nn.NnkitTypeError('ERR_NNKIT_TYPE', 'Expected a live Float32Array for a', 'a');
  return a;
}

/** Deliberately broken targets: the parent checks that each one is caught (the harness can fail). */
const selfTest: Target[] = [
  {
    name: 'selftest:overrun',
    args: arrayArb('f32', 4, false).map((a) => [a]),
    call: (a: unknown) => { new Float32Array(liveFloat32(a).buffer)[0] = 1; },
  },
  {
    name: 'selftest:writes-input',
    args: arrayArb('f32', 4, true).map((a) => [a]),
    call: (a: unknown) => { const x = liveFloat32(a); if (x.length) x[0] = 42; },
  },
  { name: 'selftest:uncoded', args: fc.constant([]), call: () => { throw new RangeError('no code'); } },
  { name: 'selftest:bad-shape', args: fc.constant([]), call: () => nn.matrix(2, 2), check: (m) => matrixShape(m, 3, 2) },
];

/**
 * Caps this process's address space at its current size plus FUZZ_HEADROOM_MB, so calls that
 * ask for absurd outputs meet a real allocation failure (which must surface as ERR_NNKIT_ALLOC,
 * not a crash) instead of lazily mapping tens of GB. Done after start-up, relative to the size
 * V8 and tsx reserved by then. tsx may still be instantiating its WebAssembly lexer at this
 * point: the parent starts this process with --disable-wasm-trap-handler so that the lexer's
 * memory does not need a 10 GB reservation above the cap (boundary.test.ts explains).
 */
function capAddressSpace(): void {
  const headroom = Number(process.env.FUZZ_HEADROOM_MB ?? 0);
  if (!headroom) return;
  const vm = /VmSize:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  if (!vm) return;
  const limit = Number(vm[1]) * 1024 + headroom * 1024 * 1024;
  execFileSync('prlimit', ['--pid', String(process.pid), `--as=${limit}`]);
}

async function main(): Promise<void> {
  capAddressSpace();
  const start = Date.now();
  const pool = process.env.FUZZ_SELFTEST ? selfTest : targets;
  const selected = pool.filter((t) => !only || t.name.includes(only));
  for (const target of selected) await runTarget(target);
  const generic = process.env.FUZZ_SELFTEST ? [] : callableExports().filter((e) => !covered(e.name) && !NOT_PUBLIC.has(e.name) && (!only || e.name.includes(only)));
  for (const e of generic) {
    const global = /set|seed/i.test(e.name);
    await runTarget({ name: `${e.name} (generic)`, args: junkArgs, call: e.fn, global, generic: true });
  }
  process.stdout.write(`${JSON.stringify({ calls: totalCalls, seed, runs, ms: Date.now() - start, failures, generic: generic.map((g) => g.name), stats })}\n`);
}

main().catch((e) => {
  process.stdout.write(`${JSON.stringify({ calls: totalCalls, seed, failures: [{ target: 'runner', message: String(e?.stack ?? e) }], stats })}\n`);
  process.exitCode = 1;
});
