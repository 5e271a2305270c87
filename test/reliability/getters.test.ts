/**
 * The value checked is the value used: arguments and options are read once, so a getter that
 * answers differently on a later read (or an options object changed after the call) cannot pass
 * the checks with one value and hand the work another. Memory safety never depended on this (the
 * native layer checks the buffers it is given again); these are the wrong results and uncoded
 * errors such inputs gave before.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../../lib/index';

const M = (rows: number, cols: number, f = (i: number) => (i % 5) - 2): nn.Matrix =>
  ({ data: Float32Array.from({ length: rows * cols }, (_, i) => f(i)), rows, cols });

/** A copy of m whose `key` answers honestly `reads` times, then `bad`. */
function flip<T extends object>(m: T, key: keyof T & string, bad: unknown, reads: number): T {
  let count = 0;
  const o = { ...m };
  Object.defineProperty(o, key, { enumerable: true, get: () => (++count > reads ? bad : m[key]) });
  return o;
}

const dir = mkdtempSync(join(tmpdir(), 'nnkit-getters-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('arguments and options are read once', () => {
  it('data.batches: changing the options after the call changes nothing', () => {
    const X = M(7, 3);
    for (const later of [0, -1, 100]) {
      const opts = { batchSize: 3, shuffle: false };
      const it = nn.data.batches(X, undefined, opts);
      opts.batchSize = later;
      expect([...it].map((b) => b.X.rows)).toEqual([3, 3, 1]);
    }
  });

  it('fit keeps the row count it checked (Standardizer, RangeScaler, PCA)', () => {
    const X = M(8, 3);
    const honest = [new nn.Standardizer().fit(X), new nn.RangeScaler().fit(X), new nn.PCA().fit(X)];
    const lied = [new nn.Standardizer().fit(flip(X, 'rows', 1000, 1)), new nn.RangeScaler().fit(flip(X, 'rows', Number.NaN, 1)), new nn.PCA().fit(flip(X, 'rows', 1000, 1))];
    for (let i = 0; i < 3; i++) {
      expect(lied[i]!.count).toBe(8);
      expect(Array.from(lied[i]!.transform(X).data)).toEqual(Array.from(honest[i]!.transform(X).data));
    }
  });

  it('constructor options: the value checked is the value kept', () => {
    const once = <T>(key: string, good: T, bad: unknown) => {
      let count = 0;
      return Object.defineProperty({}, key, { enumerable: true, get: () => (++count > 1 ? bad : good) });
    };
    expect(new nn.PCA(once('components', 2, 0) as nn.PCAOptions).requestedComponents).toBe(2);
    expect(new nn.Standardizer({ mode: 'channel', ...once('channels', 2, -2) } as nn.StandardizerOptions).channels).toBe(2);
    let reads = 0;
    const range = [0, 1];
    Object.defineProperty(range, 0, { get: () => (++reads > 1 ? Number.NaN : 0) });
    const s = new nn.RangeScaler({ range: range as [number, number] });
    expect([s.lo, s.hi]).toEqual([0, 1]);
    expect(s.fit(M(4, 2)).transform(M(4, 2)).data.every(Number.isFinite)).toBe(true);
  });

  it('structuredSvm and viterbi score the matrices they checked', () => {
    const E = M(5, 3), A = M(3, 3), y = Int32Array.from([0, 1, 2, 0, 1]);
    const honest = nn.loss.structuredSvm(E, A, y);
    expect(nn.loss.structuredSvm(flip(E, 'data', new Float32Array(1), 1), A, y).loss).toBe(honest.loss);
    expect(Array.from(nn.loss.viterbi(E, flip(A, 'data', new Float32Array(1), 1)))).toEqual(Array.from(nn.loss.viterbi(E, A)));
  });

  it('files are written with the shape that was checked (.npy, NpyWriter, safetensors)', () => {
    const X = M(2, 3);
    const npy = join(dir, 'a.npy');
    nn.io.writeNpy(npy, flip(X, 'rows', 1000, 1));
    expect(nn.io.readNpy(npy)).toMatchObject({ rows: 2, cols: 3 });
    const w = new nn.io.NpyWriter(join(dir, 'w.npy'), 3);
    w.write(flip(X, 'rows', 1000, 1));
    w.close();
    expect(nn.io.readNpy(join(dir, 'w.npy'))).toMatchObject({ rows: 2, cols: 3 });
    const bytes = nn.weights.encode({ x: flip(X, 'rows', 1000, 1) });
    expect(nn.weights.decode(bytes).matrix('x')).toMatchObject({ rows: 2, cols: 3 });
    expect(readFileSync(npy).length).toBe(128 + 6 * 4);
  });

  it('inputs read through a data getter give the checked data, not an uncoded TypeError', () => {
    const gone = <T extends object>(m: T) => flip(m, 'data' as keyof T & string, undefined, 1);
    const X = M(3, 4), W = M(4, 2), b = M(1, 2);
    expect(nn.linear.forward(X, W, gone(b)).data).toEqual(nn.linear.forward(X, W, b).data);
    expect(nn.reg.l2(gone(M(3, 4)), 0.1)).toBe(nn.reg.l2(M(3, 4), 0.1));
    expect(Array.from(nn.metrics.argmax(gone(M(4, 3))))).toEqual(Array.from(nn.metrics.argmax(M(4, 3))));
    const w = M(3, 4), v = M(3, 4);
    nn.optim.sgdStep(w, gone(M(3, 4)), v, { lr: 0.1, momentum: 0.9 });
    expect(w.data.every(Number.isFinite)).toBe(true);
  });

  it('Pipeline.transformAsync in place writes the result into the buffer it checked', async () => {
    const p = new nn.Pipeline([new nn.Standardizer(), new nn.RangeScaler()]).fit(M(6, 3));
    const X = M(4, 3), expected = p.transform(M(4, 3)).data;
    const original = X.data;
    const lied = flip(X, 'data', new Float32Array(1), 1);
    await p.transformAsync(lied, { inPlace: true });
    expect(Array.from(original)).toEqual(Array.from(expected));
  });
});
