/**
 * One error hierarchy (issue 17, item 2): every error nnkit raises — from TypeScript or C++, sync
 * or async, on the main thread or a worker — is an nn.NnkitTypeError or nn.NnkitRangeError with
 * a declared `code` and, where an argument is at fault, its name.
 */
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import * as nn from '../lib/index';

const codes = new Set<string>(Object.values(nn.ErrorCodes));

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

function expectNnkit(e: unknown, cls: typeof nn.NnkitRangeError | typeof nn.NnkitTypeError, code: string, argument?: string): void {
  expect(e).toBeInstanceOf(cls);
  expect(e).toBeInstanceOf(cls === nn.NnkitRangeError ? RangeError : TypeError);
  expect((e as nn.NnkitRangeError).code).toBe(code);
  if (argument !== undefined) expect((e as nn.NnkitRangeError).argument).toBe(argument);
}

const S = () => nn.matrix(new Float32Array(6), 2, 3);

describe('one error hierarchy', () => {
  it('errors raised in C++ are NnkitRangeError / NnkitTypeError with code and argument (sync)', () => {
    expectNnkit(thrown(() => nn.loss.softmax(S(), Int32Array.of(0, 7))), nn.NnkitRangeError, 'ERR_NNKIT_RANGE', 'labels');
    const w = new Float32Array(4);
    expectNnkit(thrown(() => nn.optim.sgdStep(w, w, new Float32Array(4), { lr: 0.1 })), nn.NnkitRangeError, 'ERR_NNKIT_ALIAS', 'grad');
    const X = nn.matrix(Float32Array.of(1, 2, Number.NaN, 4), 2, 2);
    expectNnkit(thrown(() => new nn.Standardizer().fit(X)), nn.NnkitRangeError, 'ERR_NNKIT_NONFINITE', 'X[1][0]');
    expectNnkit(thrown(() => new nn.RangeScaler().fit(X)), nn.NnkitRangeError, 'ERR_NNKIT_NONFINITE', 'X[1][0]');
    expectNnkit(thrown(() => nn.data.gather(X, [5])), nn.NnkitRangeError, 'ERR_NNKIT_RANGE', 'indices[0]');
  });

  it('and when an async call rejects', async () => {
    const e = await nn.loss.softmaxAsync(S(), Int32Array.of(0, 7)).catch((x: unknown) => x);
    expectNnkit(e, nn.NnkitRangeError, 'ERR_NNKIT_RANGE', 'labels');
    const X = nn.matrix(Float32Array.of(1, 2, Number.NaN, 4), 2, 2);
    expectNnkit(await new nn.Standardizer().fitAsync(X).catch((x: unknown) => x), nn.NnkitRangeError, 'ERR_NNKIT_NONFINITE', 'X[1][0]');
    const fitted = new nn.Standardizer().fit(nn.matrix(Float32Array.of(1, 2, 3, 4), 2, 2));
    expectNnkit(await fitted.transformAsync(X).catch((x: unknown) => x), nn.NnkitRangeError, 'ERR_NNKIT_NONFINITE', 'X[1][0]');
  });

  it('and on a worker thread, sync and async (each thread registers the classes)', async () => {
    const script = `
      require('tsx/cjs');
      const { parentPort } = require('node:worker_threads');
      const nn = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'index.ts'))});
      const S = nn.matrix(new Float32Array(6), 2, 3);
      const describe = (e) => ({ range: e instanceof nn.NnkitRangeError, isRangeError: e instanceof RangeError, code: e.code, argument: e.argument });
      let sync;
      try { nn.loss.softmax(S, Int32Array.of(0, 7)); } catch (e) { sync = describe(e); }
      nn.loss.softmaxAsync(S, Int32Array.of(0, 9)).catch((e) => parentPort.postMessage({ sync, async: describe(e) }));
    `;
    const result = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const worker = new Worker(script, { eval: true });
      worker.once('message', (m) => {
        void worker.terminate();
        resolve(m as Record<string, unknown>);
      });
      worker.once('error', reject);
    });
    const want = { range: true, isRangeError: true, code: 'ERR_NNKIT_RANGE', argument: 'labels' };
    expect(result).toEqual({ sync: want, async: want });
  });

  it('every ERR_NNKIT_ code used in the sources is declared in nn.ErrorCodes', () => {
    const root = path.join(__dirname, '..');
    const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
      d.isDirectory() ? files(path.join(dir, d.name)) : /\.(ts|cc|h)$/.test(d.name) ? [path.join(dir, d.name)] : []);
    const used = new Set<string>();
    for (const f of [...files(path.join(root, 'lib')), ...files(path.join(root, 'native'))])
      for (const m of readFileSync(f, 'utf8').matchAll(/ERR_NNKIT_[A-Z_]+/g)) used.add(m[0]);
    expect([...used].filter((c) => !codes.has(c))).toEqual([]);
    expect(used.has('ERR_NNKIT_CONVERGENCE')).toBe(true);
  });
  it('describes values from parsed documents by their prototype: an own constructor key neither crashes nor misleads', () => {
    // Each of these once ended in an uncoded "Cannot convert object to primitive value" or named
    // the wrong class, because the message read the value's own `constructor` or called String() on it.
    const hostile = JSON.parse('{"constructor": {"name": {"toString": 1}}, "toString": 1}') as unknown;
    const liar = JSON.parse('{"constructor": {"name": "Uint8Array"}}') as unknown;
    const doc = new nn.Standardizer().fit(nn.matrix(Float32Array.of(1, 2, 3, 4), 2, 2)).toJSON() as unknown as Record<string, unknown>;
    for (const bad of [hostile, liar]) {
      const e = thrown(() => nn.Standardizer.fromJSON({ ...doc, width: bad }));
      expectNnkit(e, nn.NnkitTypeError, 'ERR_NNKIT_FORMAT');
      expect((e as Error).message).toMatch(/received an object$/);
      expectNnkit(thrown(() => nn.setThreads(bad as number)), nn.NnkitTypeError, 'ERR_NNKIT_TYPE', 'threads');
      expectNnkit(thrown(() => nn.BatchNorm.fromJSON({ format: bad, version: 1 })), nn.NnkitRangeError, 'ERR_NNKIT_FORMAT', 'format');
    }
    const header = new TextEncoder().encode(JSON.stringify({ t: { dtype: hostile, shape: [1], data_offsets: [0, 4] } }));
    const bytes = new Uint8Array(8 + header.length + 4);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
    bytes.set(header, 8);
    expectNnkit(thrown(() => nn.weights.decode(bytes)), nn.NnkitTypeError, 'ERR_NNKIT_FORMAT');
    // Ordinary values keep their class names.
    expect((thrown(() => nn.setThreads(new Uint8Array(3) as unknown as number)) as Error).message).toMatch(/a Uint8Array of length 3$/);
    expect((thrown(() => nn.setThreads(new Map() as unknown as number)) as Error).message).toMatch(/a Map$/);
    expect((thrown(() => nn.setThreads(Object.create(null) as number)) as Error).message).toMatch(/an object$/);
  });
});
