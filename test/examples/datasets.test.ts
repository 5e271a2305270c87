import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import * as nn from '../../lib/index';
import { FASHION_MNIST_DIR, loadFashionMnist, MissingDatasetError, readIdx, spiral } from '../../examples/datasets';

const installed = fs.existsSync(path.join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'));

describe('example data', () => {
  it('reads IDX files, compressed or not, and rejects malformed ones', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nnkit-idx-'));
    const header = Buffer.from([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3]);
    const body = Buffer.from([0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
    fs.writeFileSync(path.join(dir, 'a'), Buffer.concat([header, body]));
    fs.writeFileSync(path.join(dir, 'a.gz'), zlib.gzipSync(Buffer.concat([header, body])));
    for (const f of ['a', 'a.gz']) {
      const { dims, data } = readIdx(path.join(dir, f));
      expect(dims).toEqual([2, 2, 3]);
      expect(Array.from(data)).toEqual(Array.from(body));
    }
    fs.writeFileSync(path.join(dir, 'short'), Buffer.concat([header, body.subarray(0, 5)]));
    expect(() => readIdx(path.join(dir, 'short'))).toThrow(/expected 12 data bytes/);
    fs.writeFileSync(path.join(dir, 'float'), Buffer.from([0, 0, 0x0d, 1, 0, 0, 0, 0]));
    expect(() => readIdx(path.join(dir, 'float'))).toThrow(/not unsigned byte/);
    expect(() => loadFashionMnist('train', dir)).toThrow(MissingDatasetError);
    expect(() => loadFashionMnist('train', dir)).toThrow(/apt-get install dataset-fashion-mnist/);
  });

  it('generates the spiral from a seed', () => {
    const a = spiral(100, 3, new nn.Rng(1)), b = spiral(100, 3, new nn.Rng(1));
    expect([a.X.rows, a.X.cols]).toEqual([300, 2]);
    expect(Array.from(a.X.data)).toEqual(Array.from(b.X.data));
    expect([0, 1, 2].map((c) => a.y.filter((y) => y === c).length)).toEqual([100, 100, 100]);
    expect(a.X.data.every((v) => Math.abs(v) <= 1)).toBe(true);
  });

  it.runIf(installed)('loads the real Fashion-MNIST files: shapes, label counts, pixel range', () => {
    const train = loadFashionMnist('train'), test = loadFashionMnist('test');
    expect([train.X.rows, train.X.cols, test.X.rows, test.X.cols]).toEqual([60000, 784, 10000, 784]);
    for (const [d, perClass] of [[train, 6000], [test, 1000]] as const) {
      const counts = new Array(10).fill(0);
      for (const y of d.y) counts[y]++;
      expect(counts).toEqual(new Array(10).fill(perClass));
      let lo = Infinity, hi = -Infinity;
      for (const v of d.X.data) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      expect([lo, hi]).toEqual([0, 255]);
    }
  });
});
