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
});
