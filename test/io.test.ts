import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../lib/index';
import { lcg } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'nnkit-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const script = join(__dirname, 'fixtures', 'npy_numpy.py');
const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
if (!hasNumpy) console.log('io: skipping the numpy cross-checks (python3 with numpy not found)');

const numpyRead = (path: string) => JSON.parse(execFileSync('python3', [script, 'read', path], { encoding: 'utf8' })) as { dtype: string; shape: number[]; bits: number[] };
const bitsOf = (a: Float32Array) => Array.from(new Uint32Array(a.slice().buffer));

async function collect(path: string, opts?: nn.io.RowsOptions): Promise<{ batches: number[]; all: nn.Matrix }> {
  const parts: Float32Array[] = [], batches: number[] = [];
  let cols = 0;
  for await (const b of nn.io.rows(path, opts)) {
    parts.push(b.data.slice());
    batches.push(b.rows);
    cols = b.cols;
  }
  const data = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) data.set(p, (at += p.length) - p.length);
  return { batches, all: { data, rows: batches.reduce((a, b) => a + b, 0), cols } };
}

async function formatError(fn: () => Promise<unknown> | unknown, pattern?: RegExp): Promise<void> {
  let error: unknown;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  expect(error, 'expected an error').toBeInstanceOf(Error);
  expect((error as nn.NnkitRangeError).code, String(error)).toBe('ERR_NNKIT_FORMAT');
  if (pattern) expect(String(error)).toMatch(pattern);
}

describe('nn.io .npy', () => {
  beforeAll(() => {
    if (hasNumpy) execFileSync('python3', [script, 'write', dir]);
  });

  it.runIf(hasNumpy)('reads what numpy writes: float32, float64 in Fortran order, uint8, int64 1-D, 3-D flattened per row', async () => {
    for (const name of ['f32', 'f64_fortran', 'u8', 'i64_1d', 'f32_3d']) {
      const path = join(dir, `${name}.npy`), ref = numpyRead(path);
      const X = nn.io.readNpy(path);
      expect([X.rows, X.cols], name).toEqual([ref.shape[0], ref.shape.slice(1).reduce((a, b) => a * b, 1)]);
      expect(bitsOf(X.data), name).toEqual(ref.bits); // numpy's own float32 rounding of every dtype
      for (const batchSize of [1, 4, 1000]) {
        const r = await collect(path, { batchSize });
        expect(Array.from(r.all.data), `${name} rows ${batchSize}`).toEqual(Array.from(X.data));
        expect(r.batches.every((n, i) => n === Math.min(batchSize, X.rows - i * batchSize)), `${name} batches`).toBe(true);
      }
    }
  });

  it.runIf(hasNumpy)('writes files numpy loads bit for bit (matrices and vectors)', () => {
    const X = nn.matrix(lcg(7 * 5, 3), 7, 5);
    X.data[3] = Number.NaN;
    X.data[4] = -0;
    const path = join(dir, 'ours.npy');
    nn.io.writeNpy(path, X);
    const ref = numpyRead(path);
    expect(ref.dtype).toBe('<f4');
    expect(ref.shape).toEqual([7, 5]);
    expect(ref.bits).toEqual(bitsOf(X.data));
    nn.io.writeNpy(path, lcg(9, 4));
    expect(numpyRead(path).shape).toEqual([9]);
    expect(nn.io.encodeNpy(X).length % 64).toBe((7 * 5 * 4) % 64); // the header is padded to 64 bytes
  });

  it('round-trips any matrix through writeNpy and readNpy/rows (property)', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 8 }), async (r, c, b) => {
      const X = nn.matrix(lcg(r * c, r + c), r, c), path = join(dir, 'prop.npy');
      await nn.io.writeNpyAsync(path, X);
      const back = nn.io.readNpy(path);
      expect([back.rows, back.cols]).toEqual([r, c]);
      expect(Buffer.compare(Buffer.from(back.data.buffer), Buffer.from(X.data.buffer))).toBe(0);
      expect(Array.from((await collect(path, { batchSize: b })).all.data)).toEqual(Array.from(X.data));
    }), { numRuns: 40 });
  });

  it('rejects damaged files with ERR_NNKIT_FORMAT before producing data', async () => {
    const path = join(dir, 'damaged.npy');
    nn.io.writeNpy(path, nn.matrix(lcg(40, 1), 10, 4));
    const good = readFileSync(path);
    truncateSync(path, good.length - 3);
    await formatError(() => nn.io.readNpy(path), /truncated/);
    await formatError(() => collect(path), /truncated/);
    writeFileSync(path, good.subarray(0, 20));
    await formatError(() => nn.io.readNpy(path));
    writeFileSync(path, Buffer.concat([Buffer.from('NOTNPY'), good.subarray(6)]));
    await formatError(() => nn.io.readNpy(path), /NUMPY/);
    writeFileSync(path, Buffer.from(good.toString('latin1').replace("'<f4'", "'<c8'"), 'latin1'));
    await formatError(() => nn.io.readNpy(path), /descr/);
    writeFileSync(path, Buffer.from(good.toString('latin1').replace("(10, 4)", "(10, 5)"), 'latin1'));
    await formatError(() => nn.io.readNpy(path), /bytes/);
    writeFileSync(path, Buffer.from(good.toString('latin1').replace("{'descr'", "{'dscr'"), 'latin1'));
    await formatError(() => nn.io.readNpy(path), /descr/);
    writeFileSync(path, Buffer.concat([good, Buffer.alloc(4)]));
    await formatError(() => nn.io.readNpy(path), /bytes/);
    if (hasNumpy) {
      await formatError(() => nn.io.readNpy(join(dir, 'big_endian.npy')), /descr/);
      await formatError(() => nn.io.readNpy(join(dir, 'structured.npy')), /descr/);
      await formatError(() => nn.io.readNpy(join(dir, 'complex.npy')), /descr/);
    }
    expect(() => nn.io.readNpy(join(dir, 'missing.npy'))).toThrow(/ENOENT/);
    expect(() => nn.io.rows(join(dir, 'x.xlsx'))).toThrow(/\.npy, \.csv, \.parquet/);
    expect(() => nn.io.rows(path, { batchSize: 0 })).toThrow(expect.objectContaining({ code: 'ERR_NNKIT_RANGE' }));
  });
});

describe('nn.io CSV', () => {
  const csv = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('streams numeric columns by name into batches, in the order asked', async () => {
    const path = csv('a.csv', 'id,x,y,label\n1,0.5,-2,3\n2,1e3,7.25,0\n\n3,  4 ,5,1\n');
    const all = await collect(path, { batchSize: 2 });
    expect(all.batches).toEqual([2, 1]);
    expect(Array.from(all.all.data)).toEqual([1, 0.5, -2, 3, 2, 1000, 7.25, 0, 3, 4, 5, 1]);
    const picked = await collect(path, { columns: ['y', 'x'] });
    expect(picked.all.cols).toBe(2);
    expect(Array.from(picked.all.data)).toEqual([-2, 0.5, 7.25, 1000, 5, 4]);
  });

  it('names the line and column of a bad value, a ragged row and a missing column', async () => {
    await formatError(() => collect(csv('b.csv', 'a,b\n1,2\n3,oops\n')), /b\.csv:3 column 'b'.*'oops'/);
    await formatError(() => collect(csv('c.csv', 'a,b\n1,2\n3,\n')), /c\.csv:3 column 'b'.*empty/);
    await formatError(() => collect(csv('d.csv', 'a,b\n1,2\n3,4,5\n')), /d\.csv:3/);
    await formatError(() => collect(csv('e.csv', 'a,b\n1,2\n'), { columns: ['c'] }), /column 'c'/);
    await formatError(() => collect(csv('f.csv', '')), /header/);
    await formatError(() => collect(csv('g.csv', 'a\nInfinity\n')), /finite/);
  });
});

describe('nn.io native conversion kernel', () => {
  it('casts and transposes every element type on both sides of the tile and task sizes', () => {
    const types: [nn.io.ElementType, (n: number) => ArrayBufferView & ArrayLike<number | bigint>][] = [
      ['f32', (n) => Float32Array.from({ length: n }, (_, i) => i * 0.5 - 3)],
      ['f64', (n) => Float64Array.from({ length: n }, (_, i) => i / 3)],
      ['i8', (n) => Int8Array.from({ length: n }, (_, i) => (i % 256) - 128)],
      ['u16', (n) => Uint16Array.from({ length: n }, (_, i) => i * 7)],
      ['i64', (n) => BigInt64Array.from({ length: n }, (_, i) => BigInt(i) * 1000003n - 5n)],
    ];
    for (const [type, make] of types)
      for (const [rows, cols] of [[1, 1], [33, 31], [70, 3], [300, 257]] as const) {
        const src = make(rows * cols);
        const bytes = new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
        const want = (i: number, j: number, cm: boolean) => Math.fround(Number(src[cm ? j * rows + i : i * cols + j]!));
        for (const columnMajor of [false, true]) {
          const out = nn.io.toRows(bytes, type, rows, cols, { columnMajor });
          let bad = -1;
          for (let i = 0; i < rows && bad < 0; i++) for (let j = 0; j < cols; j++) if (out.data[i * cols + j] !== want(i, j, columnMajor)) { bad = i * cols + j; break; }
          expect(bad, `${type} ${rows}×${cols} columnMajor=${columnMajor}`).toBe(-1);
        }
      }
  });

  it('rejects a byte count that does not match, an unknown type and an out of another shape', () => {
    expect(() => nn.io.toRows(new Uint8Array(7), 'f32', 2, 1)).toThrow(expect.objectContaining({ code: 'ERR_NNKIT_SHAPE' }));
    expect(() => nn.io.toRows(new Uint8Array(8), 'f16' as nn.io.ElementType, 2, 1)).toThrow(expect.objectContaining({ code: 'ERR_NNKIT_RANGE' }));
    expect(() => nn.io.toRows(new Uint8Array(8), 'f32', 2, 1, { out: nn.matrix(1, 2) })).toThrow(expect.objectContaining({ code: 'ERR_NNKIT_SHAPE' }));
  });
});

describe('nn.io Parquet (hyparquet) and Arrow IPC (apache-arrow)', () => {
  const n = 1000;
  const a = Float64Array.from({ length: n }, (_, i) => Math.sin(i) * 1e3), b = Int32Array.from({ length: n }, (_, i) => i * 7 - 300);
  const c = Float32Array.from({ length: n }, (_, i) => Math.fround(i / 9));
  const want = (cols: Float64Array[], rows: number) => Float32Array.from({ length: rows * cols.length }, (_, k) => cols[k % cols.length]![Math.floor(k / cols.length)]!);

  it('reads numeric columns by name across row groups into batches (values as written, float32-rounded)', async () => {
    const { parquetWriteFile } = await import('hyparquet-writer');
    const path = join(dir, 't.parquet');
    parquetWriteFile({ filename: path, rowGroupSize: 300, columnData: [
      { name: 'a', data: a, type: 'DOUBLE' }, { name: 'b', data: b, type: 'INT32' }, { name: 'c', data: c, type: 'FLOAT' },
    ] });
    const all = await collect(path, { batchSize: 128 });
    expect(all.batches.slice(0, -1).every((r) => r === 128)).toBe(true);
    expect(all.all.rows).toBe(n);
    expect(Array.from(all.all.data)).toEqual(Array.from(want([a, Float64Array.from(b), Float64Array.from(c)], n)));
    const picked = await collect(path, { batchSize: 1000, columns: ['c', 'a'] });
    expect(Array.from(picked.all.data)).toEqual(Array.from(want([Float64Array.from(c), a], n)));
  });

  it('reads Arrow IPC files and streams, record batch by record batch', async () => {
    const arrow = await import('apache-arrow');
    const table = new arrow.Table({ a: arrow.makeVector(a), b: arrow.makeVector(b) });
    for (const [name, format] of [['t.arrow', 'file'], ['t.arrows', 'stream']] as const) {
      const path = join(dir, name);
      writeFileSync(path, arrow.tableToIPC(table, format));
      const all = await collect(path, { batchSize: 333 });
      expect(all.batches).toEqual([333, 333, 333, 1]);
      expect(Array.from(all.all.data), name).toEqual(Array.from(want([a, Float64Array.from(b)], n)));
    }
  });

  it('rejects nulls, missing columns and damaged files with ERR_NNKIT_FORMAT naming row and column', async () => {
    const { parquetWriteFile } = await import('hyparquet-writer');
    const arrow = await import('apache-arrow');
    const pq = join(dir, 'nulls.parquet');
    parquetWriteFile({ filename: pq, columnData: [{ name: 'x', data: [1, 2, null, 4], type: 'DOUBLE' }] });
    await formatError(() => collect(pq), /row 2 column 'x'.*null/);
    await formatError(() => collect(join(dir, 't.parquet'), { columns: ['nope'] }), /column 'nope'/);
    const ar = join(dir, 'nulls.arrow');
    writeFileSync(ar, arrow.tableToIPC(new arrow.Table({ y: arrow.vectorFromArray([1.5, null, 3], new arrow.Float64()) }), 'file'));
    await formatError(() => collect(ar), /row 1 column 'y'.*null/);
    const bad = join(dir, 'bad.parquet');
    writeFileSync(bad, Buffer.from('this is not parquet at all, not even close'));
    await formatError(() => collect(bad), /Parquet/);
    const good = readFileSync(join(dir, 't.parquet'));
    writeFileSync(bad, good.subarray(0, good.length - 10));
    await formatError(() => collect(bad));
    const badArrow = join(dir, 'bad.arrow');
    writeFileSync(badArrow, Buffer.from('ARROW1 garbage garbage garbage garbage'));
    await formatError(() => collect(badArrow), /Arrow/);
  });
});
