import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../lib/index';
import { expectCoded, lcg } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'nnkit-weights-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const numpyScript = join(__dirname, 'fixtures', 'safetensors_numpy.py');
const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
if (!hasNumpy) console.log('weights: skipping the numpy cross-checks (python3 with numpy not found)');

function bits(a: Float32Array): number[] {
  return Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
}

/** A file's bytes with its header replaced (length prefix recomputed), the data kept. */
function withHeader(bytes: Uint8Array, edit: (h: Record<string, any>) => unknown, pad = 0): Uint8Array {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8'));
  const replaced = edit(header) ?? header;
  const json = Buffer.from(JSON.stringify(replaced) + ' '.repeat(pad));
  const out = new Uint8Array(8 + json.length + bytes.length - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(bytes.subarray(8 + n), 8 + json.length);
  return out;
}

describe('nn.weights (safetensors)', () => {
  const W = nn.matrix(lcg(12, 1), 3, 4), b = lcg(4, 2);
  W.data[5] = Number.NaN;
  W.data[6] = -0;

  it('round-trips named matrices and vectors bit for bit, with metadata, in the given order', () => {
    const path = join(dir, 'a.safetensors');
    nn.weights.save(path, { 'fc1.weight': W, 'fc1.bias': b, empty: nn.matrix(0, 5) }, { metadata: { epoch: '3' } });
    const w = nn.weights.load(path);
    expect(w.names()).toEqual(['fc1.weight', 'fc1.bias', 'empty']);
    expect(w.metadata).toEqual({ epoch: '3' });
    const W2 = w.matrix('fc1.weight', 3, 4);
    expect([W2.rows, W2.cols]).toEqual([3, 4]);
    expect(bits(W2.data)).toEqual(bits(W.data));
    expect(bits(w.vector('fc1.bias', 4))).toEqual(bits(b));
    expect(w.matrix('empty').rows).toBe(0);
    expect(w.tensor('fc1.bias')).toMatchObject({ dtype: 'F32', shape: [4] });
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // The data starts 8-byte aligned: the header is padded with spaces.
    const bytes = readFileSync(path);
    expect(Number(bytes.readBigUInt64LE(0)) % 8).toBe(0);
  });

  it('keeps names that are Object.prototype keys (__proto__, constructor) as ordinary names', () => {
    const tensors = new Map<string, Float32Array>([['__proto__', lcg(3, 1)], ['constructor', lcg(2, 2)], ['toString', lcg(1, 3)]]);
    const metadata = JSON.parse('{"__proto__": "p", "hasOwnProperty": "h"}') as Record<string, string>;
    const w = nn.weights.decode(nn.weights.encode(tensors, { metadata }));
    expect(w.names().sort()).toEqual(['__proto__', 'constructor', 'toString']);
    for (const [name, t] of tensors) expect(bits(w.vector(name))).toEqual(bits(t));
    expect(Object.keys(w.metadata).sort()).toEqual(['__proto__', 'hasOwnProperty']);
    expect(Object.getOwnPropertyDescriptor(w.metadata, '__proto__')?.value).toBe('p');
    expect(Object.getPrototypeOf(w.metadata)).toBe(Object.prototype);
  });

  it('round-trips any set of tensors (property)', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 }), fc.boolean()), { maxLength: 6 }),
      (specs) => {
        const tensors = new Map<string, nn.weights.Tensor>();
        specs.forEach(([name, r, c, vector], i) => {
          if (name === '__metadata__' || tensors.has(name)) return;
          tensors.set(name, vector ? lcg(r, i) : nn.matrix(lcg(r * c, i), r, c));
        });
        const w = nn.weights.decode(nn.weights.encode(tensors));
        // Names come back in the order of their data (integer-like names would reorder a JSON object).
        expect(w.names().sort()).toEqual([...tensors.keys()].sort());
        for (const [name, t] of tensors) {
          if (t instanceof Float32Array) expect(bits(w.vector(name))).toEqual(bits(t));
          else expect(bits(w.matrix(name, t.rows, t.cols).data)).toEqual(bits(t.data));
        }
      }));
  });

  it.runIf(hasNumpy)('writes files numpy reads by hand (the format read independently)', () => {
    const path = join(dir, 'for-numpy.safetensors');
    const V = nn.matrix(lcg(6, 3), 2, 3);
    nn.weights.save(path, { V, b }, { metadata: { by: 'nnkit' } });
    const got = JSON.parse(execFileSync('python3', [numpyScript, 'read', path], { encoding: 'utf8' }));
    expect(got.metadata).toEqual({ by: 'nnkit' });
    expect(got.data_start % 8).toBe(0);
    expect(got.tensors.V).toEqual({ dtype: 'F32', shape: [2, 3], values: Array.from(V.data) });
    expect(got.tensors.b).toEqual({ dtype: 'F32', shape: [4], values: Array.from(b) });
  });

  it.runIf(hasNumpy)('reads files numpy writes by hand: F32, F64 (rounded), F16 and BF16 (exact), a 0-d tensor', () => {
    const path = join(dir, 'from-numpy.safetensors');
    execFileSync('python3', [numpyScript, 'write', path]);
    const w = nn.weights.load(path);
    expect(w.metadata).toEqual({ made_by: 'numpy' });
    expect(Array.from(w.matrix('f32', 2, 3).data)).toEqual([0, 1, 2, 3, 4, 5].map((x) => Math.fround(Math.fround(x) / Math.fround(3))));
    expect(Array.from(w.vector('f64'))).toEqual([Math.fround(1 / 3), -2.5, Infinity]);
    expect(Array.from(w.matrix('f16').data)).toEqual([0.5, -1.25, 65504, 2 ** -24]);
    const truncated = new Float32Array(new Uint32Array([new Uint32Array(Float32Array.of(3e38).buffer)[0]! & 0xffff0000]).buffer)[0];
    expect(Array.from(w.vector('bf16'))).toEqual([1, -3, 0.15625, truncated]);
    expect(w.tensor('scalar')).toMatchObject({ shape: [], dtype: 'F32' });
    expect(Array.from(w.tensor('scalar').data)).toEqual([7]);
  });

  it('loads and saves asynchronously with the same bytes', async () => {
    const path = join(dir, 'async.safetensors');
    await nn.weights.saveAsync(path, { W, b });
    expect(readFileSync(path)).toEqual(Buffer.from(nn.weights.encode({ W, b })));
    const w = await nn.weights.loadAsync(path);
    expect(bits(w.matrix('W').data)).toEqual(bits(W.data));
  });

  it('rejects corrupt, truncated and oversized files with ERR_NNKIT_FORMAT', () => {
    const good = nn.weights.encode({ W, b });
    const format = (bytes: Uint8Array, pattern?: RegExp) => {
      let error: unknown;
      try {
        nn.weights.decode(bytes);
      } catch (e) {
        error = e;
      }
      expect(error, String(error)).toBeInstanceOf(Error);
      expect((error as nn.NnkitRangeError).code).toBe('ERR_NNKIT_FORMAT');
      if (pattern) expect(String(error)).toMatch(pattern);
    };
    format(good.subarray(0, 5));
    format(good.subarray(0, good.length - 1), /data/);                       // truncated data
    format(good.subarray(0, 40), /truncated/);                               // truncated header
    const huge = good.slice();
    new DataView(huge.buffer).setBigUint64(0, 1n << 62n, true);
    format(huge, /at most 100000000/);                                      // oversized header length
    format(withHeader(good, (h) => { h.W.shape = [300000, 300000]; }), /bytes|elements/); // declared far beyond the file
    format(withHeader(good, (h) => { h.W.dtype = 'I32'; }), /'I32'/);
    format(withHeader(good, (h) => { h.W.shape = [3, -4]; }), /shape\[1\]/);
    format(withHeader(good, (h) => { h.b.data_offsets = [h.b.data_offsets[0] + 4, h.b.data_offsets[1] + 4]; }));
    format(withHeader(good, (h) => { h.b.data_offsets = [0, 16]; }), /holes or overlaps/);
    format(withHeader(good, (h) => { h.__metadata__ = { n: 3 }; }), /__metadata__\.n/);
    format(withHeader(good, () => [1, 2]));
    format(Uint8Array.from([...good.subarray(0, 8), ...Buffer.from('{"W": '), ...good.subarray(14)]), /JSON/);
    const extra = new Uint8Array(good.length + 4);
    extra.set(good);
    format(extra, /bytes of data/);                                          // trailing bytes (a polyglot file)
    // A header padded with spaces is fine.
    expect(nn.weights.decode(withHeader(good, () => undefined, 5)).names()).toEqual(['W', 'b']);
  });

  it('rejects bad arguments and missing names, and a failed save leaves the old file whole', () => {
    expectCoded(() => nn.weights.encode({ x: [1, 2] as unknown as Float32Array }), 'ERR_NNKIT_TYPE', TypeError);
    expectCoded(() => nn.weights.encode({ __metadata__: b }), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.weights.encode({ b }, { metadata: { n: 1 as unknown as string } }), 'ERR_NNKIT_TYPE', TypeError);
    expectCoded(() => nn.weights.encode({ b }, { meta: {} } as unknown as nn.weights.SaveOptions), 'ERR_NNKIT_TYPE', TypeError);
    const w = nn.weights.decode(nn.weights.encode({ W, b }));
    expectCoded(() => w.tensor('missing'), 'ERR_NNKIT_RANGE');
    expectCoded(() => w.matrix('W', 4, 3), 'ERR_NNKIT_SHAPE');
    expectCoded(() => w.matrix('b'), 'ERR_NNKIT_SHAPE');
    expectCoded(() => w.vector('b', 5), 'ERR_NNKIT_SHAPE');
    const path = join(dir, 'keep.safetensors');
    nn.weights.save(path, { b });
    expectCoded(() => nn.weights.save(path, { bad: 3 as unknown as Float32Array }), 'ERR_NNKIT_TYPE', TypeError);
    expect(() => nn.weights.save(join(dir, 'no-such-dir', 'x.safetensors'), { b })).toThrow(/ENOENT/);
    expect(existsSync(join(dir, 'no-such-dir'))).toBe(false);
    expect(bits(nn.weights.load(path).vector('b'))).toEqual(bits(b));
    writeFileSync(join(dir, 'empty.safetensors'), '');
    expect(() => nn.weights.load(join(dir, 'empty.safetensors'))).toThrow(/8 bytes/);
  });
});
