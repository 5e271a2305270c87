/**
 * Rows in, rows out: the files data lives in, as row-major float32 `Matrix` batches.
 *
 * - `.npy` (numpy's format: `readNpy`, `writeNpy`, and `rows`, which reads row ranges without
 *   loading the file, C or Fortran order, float32/float64 and integer dtypes);
 * - `.csv` (`rows`, streaming through csv-parse: a header line, numeric columns chosen by name);
 * - Parquet (`rows`, through hyparquet: one row group at a time, numeric columns by name) and
 *   Arrow IPC files and streams (`.arrow`, `.arrows`, `.feather` v2: through apache-arrow, record
 *   batch by record batch). Both are pure JavaScript, so the package stays free of other native
 *   code (DuckDB's node API would bring a 30+ MB native binary per platform for what these
 *   readers do), and both are optional peer dependencies: `npm install hyparquet` or
 *   `npm install apache-arrow` where those formats are read (ERR_NNKIT_DEPENDENCY says so
 *   otherwise). Their columns become rows in the native column-to-row kernel.
 *
 * Element types and column-major data become row-major float32 in a native kernel (a cast-copy,
 * or a blocked transpose-copy with the cast). A damaged file — a bad header, a truncated body, a
 * wrong dtype, a ragged CSV row, a value that is not a number, a missing column — is
 * ERR_NNKIT_FORMAT naming what and where (`data.csv:12 column 'b'`), raised before any batch
 * with that data is produced.
 */
import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { parse } from 'csv-parse';
import { ErrorCodes, NnkitRangeError, NnkitTypeError, Received, rangeError, typeError } from './errors';
import { checkPath, readWhole, writeWhole, writeWholeAsync } from './files';
import { allocate, allocateFloat32, assertMatrix, type Matrix, matrixArg } from './matrix';
import { type ElementType, native } from './native';
import { formatError } from './preprocess/serialize';
import { assertInteger, assertOptions, isDetached, optionKeys } from './validate';

// --- .npy -----------------------------------------------------------------------------------------

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** numpy descr → element type (little-endian or single-byte; numpy writes these on every common platform). */
const DESCR: Record<string, ElementType> = {
  '<f4': 'f32', '<f8': 'f64', '|i1': 'i8', '<i1': 'i8', '|u1': 'u8', '<u1': 'u8', '<i2': 'i16', '<u2': 'u16',
  '<i4': 'i32', '<u4': 'u32', '<i8': 'i64', '<u8': 'u64',
};
const SIZE: Record<ElementType, number> = { f32: 4, f64: 8, i8: 1, u8: 1, i16: 2, u16: 2, i32: 4, u32: 4, i64: 8, u64: 8 };

/** What a .npy header says, checked against the file's size. */
export interface NpyHeader {
  /** numpy's descr, e.g. '<f4'. */
  readonly descr: string;
  readonly shape: readonly number[];
  readonly fortranOrder: boolean;
  /** Rows and columns as nnkit reads it: shape[0] × the product of the rest (1-D: n × 1; 0-D: 1 × 1). */
  readonly rows: number;
  readonly cols: number;
  /** Where the data starts. */
  readonly dataOffset: number;
}

/** A Python dict literal of numpy's header as JSON: quotes, booleans, tuples, trailing commas. */
function pythonLiteralToJson(text: string): string {
  return text.replace(/'/g, '"').replace(/\bTrue\b/g, 'true').replace(/\bFalse\b/g, 'false')
    .replace(/\(/g, '[').replace(/\)/g, ']').replace(/,\s*([\]}])/g, '$1');
}

/** Reads and checks the header from the first bytes of a .npy file (`prefix` holds at least the whole header). */
function parseNpyHeader(prefix: Uint8Array, fileSize: number, source: string): NpyHeader {
  if (prefix.length < 10 || MAGIC.some((b, i) => prefix[i] !== b))
    formatError(source, 'a .npy file (it starts with \\x93NUMPY)', new Received(`${fileSize} bytes without that magic`));
  const major = prefix[6]!;
  if (major < 1 || major > 3) formatError(`${source} version`, '1.0, 2.0 or 3.0', `${major}.${prefix[7]}`);
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (prefix.length < 8 + lengthBytes) formatError(source, 'a complete .npy header', new Received(`${fileSize} bytes`));
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataOffset = 8 + lengthBytes + headerLength;
  if (dataOffset > fileSize) formatError(`${source} header`, `at most the file's ${fileSize} bytes (a truncated file?)`, new Received(`${headerLength} bytes declared`));
  if (dataOffset > prefix.length) formatError(`${source} header`, 'at most 1 MiB', new Received(`${headerLength} bytes`));
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(prefix.subarray(8 + lengthBytes, dataOffset)).trim();
  let dict: unknown;
  try {
    dict = JSON.parse(pythonLiteralToJson(text));
  } catch {
    formatError(`${source} header`, "a dict {'descr', 'fortran_order', 'shape'}", text.slice(0, 80));
  }
  if (typeof dict !== 'object' || dict === null || Array.isArray(dict)) formatError(`${source} header`, 'a dict', text.slice(0, 80));
  const { descr, fortran_order: fortranOrder, shape } = dict as Record<string, unknown>;
  if (typeof descr !== 'string') formatError(`${source} header.descr`, 'a plain dtype such as \'<f4\' (not a structured array)', descr, 'type');
  if (!Object.hasOwn(DESCR, descr))
    formatError(`${source} header.descr`, "a little-endian float32/float64 or integer dtype ('<f4', '<f8', '|u1', '<i4', …)", descr);
  if (typeof fortranOrder !== 'boolean') formatError(`${source} header.fortran_order`, 'True or False', fortranOrder, 'type');
  if (!Array.isArray(shape) || shape.some((d) => typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0))
    formatError(`${source} header.shape`, 'a tuple of non-negative integers', shape, 'type');
  const dims = shape as number[];
  if (fortranOrder && dims.length > 2) formatError(`${source} header.shape`, 'at most 2 dimensions in Fortran order', new Received(`(${dims.join(', ')})`));
  const rows = dims.length === 0 ? 1 : dims[0]!;
  const cols = dims.length <= 1 ? 1 : dims.slice(1).reduce((a, b) => a * b, 1);
  const bytes = rows * cols * SIZE[DESCR[descr]!];
  if (dataOffset + bytes !== fileSize)
    formatError(source, `${dataOffset + bytes} bytes for shape (${dims.join(', ')}) of ${descr}`, new Received(`${fileSize} bytes${dataOffset + bytes > fileSize ? ' (truncated)' : ''}`));
  return { descr, shape: Object.freeze([...dims]), fortranOrder, rows, cols, dataOffset };
}

/** The header of a .npy file, checked (the file is not read further). */
export async function npyHeader(path: string): Promise<NpyHeader> {
  checkPath(path);
  const file = await open(path, 'r');
  try {
    return await readHeader(file, path);
  } finally {
    await file.close();
  }
}

async function readHeader(file: FileHandle, path: string): Promise<NpyHeader> {
  const size = (await file.stat()).size;
  const prefix = new Uint8Array(Math.min(size, 1 << 20));
  const { bytesRead } = await file.read(prefix, 0, prefix.length, 0);
  return parseNpyHeader(prefix.subarray(0, bytesRead), size, path);
}

/**
 * A whole .npy file as a Matrix (float32; other dtypes converted, Fortran order transposed). A
 * 1-D array reads as one column, an n-D one as shape[0] rows of the remaining elements.
 */
export function readNpy(path: string): Matrix {
  checkPath(path);
  const bytes = readWhole(path);
  const h = parseNpyHeader(bytes.subarray(0, Math.min(bytes.length, 1 << 20)), bytes.length, path);
  const out = allocateFloat32(h.rows * h.cols, path);
  native.toFloat32Rows(bytes.subarray(h.dataOffset), DESCR[h.descr]!, h.rows, h.cols, h.fortranOrder, out);
  return { data: out, rows: h.rows, cols: h.cols };
}

/**
 * A version 1.0 header for float32 C-order data of `shape` (a Python tuple's text), padded with
 * spaces to `length` bytes (default: the next multiple of 64, as numpy writes it).
 */
function npyHeaderBytes(shape: string, length?: number): Uint8Array {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = length ?? Math.ceil((10 + dict.length + 1) / 64) * 64;
  const header = dict + ' '.repeat(total - 10 - dict.length - 1) + '\n';
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), 10);
  return out;
}

/** The bytes of a .npy file (version 1.0, '<f4', C order) holding X (a Matrix, or a Float32Array as a 1-D array). */
export function encodeNpy(X: Matrix | Float32Array): Uint8Array {
  let data: Float32Array, shape: string;
  if (X instanceof Float32Array) {
    if (isDetached(X)) typeError('X', 'a live Float32Array', 'a view of a detached ArrayBuffer', ErrorCodes.DETACHED);
    data = X;
    shape = `(${X.length},)`;
  } else {
    const m = matrixArg(X, 'X');
    data = m.data;
    shape = `(${m.rows}, ${m.cols})`;
  }
  const header = npyHeaderBytes(shape);
  const out = allocate(Uint8Array, header.length + data.byteLength, 'X');
  out.set(header, 0);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), header.length);
  return out;
}

/**
 * Writes a .npy file batch by batch, for results larger than memory (transformed rows, say):
 * `write` appends rows, `close` fixes the row count in the header. Until `close`, the file
 * says it has 0 rows.
 *
 * @example
 * const out = new nn.io.NpyWriter('reduced.npy', 50);
 * for await (const batch of nn.io.rows('data.npy')) out.write(pipeline.transform(batch));
 * out.close();
 */
export class NpyWriter {
  readonly #fd: number;
  readonly #cols: number;
  #rows = 0;
  #closed = false;
  // Room for any row count: the header is rewritten in place at close, with the same length.
  static readonly #HEADER = 128;

  constructor(path: string, cols: number) {
    checkPath(path);
    assertInteger(cols, 'cols', 0, 2 ** 31 - 1);
    this.#cols = cols;
    this.#fd = openSync(path, 'w');
    writeSync(this.#fd, npyHeaderBytes(`(0, ${cols})`, NpyWriter.#HEADER));
  }

  /** Rows written so far. */
  get rows(): number {
    return this.#rows;
  }

  /** Appends the rows of X (cols columns). */
  write(X: Matrix): void {
    if (this.#closed) throw new NnkitRangeError(ErrorCodes.STATE, 'NpyWriter.write() after close()');
    X = matrixArg(X, 'X');
    if (X.cols !== this.#cols) rangeError('X.cols', `${this.#cols} columns (the writer's)`, X.cols, ErrorCodes.SHAPE);
    const bytes = new Uint8Array(X.data.buffer, X.data.byteOffset, X.data.byteLength);
    for (let done = 0; done < bytes.length;) done += writeSync(this.#fd, bytes, done, bytes.length - done, NpyWriter.#HEADER + this.#rows * this.#cols * 4 + done);
    this.#rows += X.rows;
  }

  /** Writes the final row count into the header and closes the file. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      writeSync(this.#fd, npyHeaderBytes(`(${this.#rows}, ${this.#cols})`, NpyWriter.#HEADER), 0, NpyWriter.#HEADER, 0);
    } finally {
      closeSync(this.#fd);
    }
  }
}

/** Saves X as a .npy file numpy loads with `np.load` (float32, C order), replacing `path` whole or not at all. */
export function writeNpy(path: string, X: Matrix | Float32Array): void {
  checkPath(path);
  writeWhole(path, encodeNpy(X));
}

/** {@link writeNpy} without blocking the event loop on the writing. */
export async function writeNpyAsync(path: string, X: Matrix | Float32Array): Promise<void> {
  checkPath(path);
  await writeWholeAsync(path, encodeNpy(X));
}

// --- the conversion kernel ----------------------------------------------------------------------

export type { ElementType } from './native';
const ELEMENT_TYPES = Object.keys(SIZE) as ElementType[];

/** Options of {@link toRows}. */
export interface ToRowsOptions {
  /** The bytes hold the columns one after the other (Arrow, Parquet, Fortran order) rather than rows (default false). */
  columnMajor?: boolean;
  /** Where to write (rows × cols floats); a new Matrix otherwise. */
  out?: Matrix;
}
const TO_ROWS_KEYS = optionKeys<ToRowsOptions>()('columnMajor', 'out');

/**
 * A `rows × cols` block of little-endian `type` elements (`bytes`, any alignment) as a row-major
 * float32 Matrix: the native cast-copy, or blocked transpose-copy with the cast for column-major
 * data, that the readers use — for data that arrives from elsewhere (an Arrow batch, a socket).
 */
export function toRows(bytes: Uint8Array, type: ElementType, rowCount: number, cols: number, opts?: ToRowsOptions): Matrix {
  if (!(bytes instanceof Uint8Array)) typeError('bytes', 'a Uint8Array', bytes);
  if (typeof type !== 'string' || !ELEMENT_TYPES.includes(type)) rangeError('type', ELEMENT_TYPES.map((t) => `'${t}'`).join(', '), type);
  assertInteger(rowCount, 'rows', 0, 2 ** 31 - 1);
  assertInteger(cols, 'cols', 0, 2 ** 31 - 1);
  assertOptions(opts, 'options', TO_ROWS_KEYS);
  const columnMajor = opts?.columnMajor ?? false;
  if (typeof columnMajor !== 'boolean') typeError('columnMajor', 'a boolean', columnMajor);
  if (bytes.length !== rowCount * cols * SIZE[type])
    rangeError('bytes', `${rowCount} × ${cols} × ${SIZE[type]} = ${rowCount * cols * SIZE[type]} bytes`, bytes, ErrorCodes.SHAPE);
  let out: Matrix;
  if (opts?.out === undefined) out = { data: allocateFloat32(rowCount * cols, 'rows × cols'), rows: rowCount, cols };
  else {
    assertMatrix(opts.out, 'out');
    if (opts.out.rows !== rowCount || opts.out.cols !== cols) rangeError('out', `a ${rowCount} × ${cols} Matrix`, new Received(`a ${opts.out.rows} × ${opts.out.cols} Matrix`), ErrorCodes.SHAPE);
    out = opts.out;
  }
  native.toFloat32Rows(bytes, type, rowCount, cols, columnMajor, out.data);
  return out;
}

// --- rows -------------------------------------------------------------------------------------

/** Options of {@link rows}. */
export interface RowsOptions {
  /** Rows per batch (default 4096); the last batch may be smaller. */
  batchSize?: number;
  /** CSV: the columns to read, by header name, in this order (default: every column). */
  columns?: string[];
  /** .npy: the first row to read (default 0): with `to`, a shard of the file. */
  from?: number;
  /** .npy: one past the last row to read (default: the file's row count). */
  to?: number;
}
const ROWS_KEYS = optionKeys<RowsOptions>()('batchSize', 'columns', 'from', 'to');

/**
 * The rows of a data file as `Matrix` batches of `batchSize` rows, read as they are consumed:
 * memory is bounded by the batch, not the file. The format follows the extension (`.npy`,
 * `.csv`). Each batch's storage is reused by the next one (copy a batch to keep it), so the loop
 * allocates nothing per batch:
 *
 * @example
 * const scaler = new nn.Standardizer();
 * for await (const batch of nn.io.rows('train.npy', { batchSize: 8192 })) scaler.partialFit(batch);
 */
export function rows(path: string, opts?: RowsOptions): AsyncGenerator<Matrix, void, undefined> {
  checkPath(path);
  assertOptions(opts, 'options', ROWS_KEYS);
  const batchSize = opts?.batchSize ?? 4096;
  assertInteger(batchSize, 'batchSize', 1, 2 ** 31 - 1);
  const columns = opts?.columns;
  if (columns !== undefined && (!Array.isArray(columns) || columns.length === 0 || columns.some((c) => typeof c !== 'string')))
    typeError('columns', 'a non-empty array of column names', columns);
  const from = opts?.from ?? 0, to = opts?.to;
  assertInteger(from, 'from', 0);
  if (to !== undefined) assertInteger(to, 'to', from);
  const lower = path.toLowerCase();
  if (lower.endsWith('.npy')) {
    if (columns !== undefined) rangeError('columns', 'no columns for a .npy file (it has no column names)', columns);
    return npyRows(path, batchSize, from, to);
  }
  if (from !== 0 || to !== undefined) rangeError('from', 'row ranges only for .npy files (other formats are read from their start)', from);
  if (lower.endsWith('.csv')) return csvRows(path, batchSize, columns);
  if (lower.endsWith('.parquet')) return parquetRows(path, batchSize, columns);
  if (lower.endsWith('.arrow') || lower.endsWith('.arrows') || lower.endsWith('.feather')) return arrowRows(path, batchSize, columns);
  return rangeError('path', 'a .npy, .csv, .parquet or .arrow/.arrows/.feather file', path, ErrorCodes.FORMAT);
}

async function* npyRows(path: string, batchSize: number, from: number, to: number | undefined): AsyncGenerator<Matrix, void, undefined> {
  const file = await open(path, 'r');
  try {
    const h = await readHeader(file, path);
    const end = to ?? h.rows;
    if (end > h.rows) rangeError('to', `at most the file's ${h.rows} rows`, end);
    const type = DESCR[h.descr]!, size = SIZE[type];
    const B = Math.max(1, Math.min(batchSize, h.rows));
    const out = allocateFloat32(B * h.cols, 'batchSize × cols');
    // float32 in C order is read straight into the batch; other layouts go through the kernel.
    const direct = type === 'f32' && !h.fortranOrder;
    const raw = direct ? new Uint8Array(out.buffer, out.byteOffset, out.byteLength) : allocate(Uint8Array, B * h.cols * size, 'batchSize × cols');
    for (let r0 = from; r0 < end; r0 += B) {
      const n = Math.min(B, end - r0), bytes = n * h.cols * size;
      if (direct) {
        await readFully(file, raw, 0, bytes, h.dataOffset + r0 * h.cols * size, path);
        yield { data: out.subarray(0, n * h.cols), rows: n, cols: h.cols };
        continue;
      }
      if (!h.fortranOrder) {
        await readFully(file, raw, 0, bytes, h.dataOffset + r0 * h.cols * size, path);
      } else {
        // Column j holds rows [r0, r0 + n) contiguously at (j·N + r0)·size: one read per column.
        for (let j = 0; j < h.cols; j++) await readFully(file, raw, j * n * size, n * size, h.dataOffset + (j * h.rows + r0) * size, path);
      }
      const batch = out.subarray(0, n * h.cols);
      native.toFloat32Rows(raw.subarray(0, bytes), type, n, h.cols, h.fortranOrder, batch);
      yield { data: batch, rows: n, cols: h.cols };
    }
  } finally {
    await file.close();
  }
}

async function readFully(file: FileHandle, into: Uint8Array, at: number, length: number, position: number, path: string): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.read(into, at + done, length - done, position + done);
    if (bytesRead === 0) formatError(path, `${length} bytes at offset ${position}`, new Received(`the file ending after ${done} (it shrank while being read?)`));
    done += bytesRead;
  }
}

async function* csvRows(path: string, batchSize: number, columns: string[] | undefined): AsyncGenerator<Matrix, void, undefined> {
  const parser = createReadStream(path).pipe(parse({ info: true, skip_empty_lines: true, trim: true }));
  let picks: number[] | null = null, names: string[] = [];
  let buffer: Float32Array | null = null, width = 0, filled = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (picks === null) {
        names = record;
        if (columns) {
          picks = columns.map((c) => {
            const i = names.indexOf(c);
            if (i < 0) formatError(`${path}:${info.lines}`, `a header with column '${c}' (it has ${names.map((n) => `'${n}'`).join(', ')})`, new Received('no such column'));
            return i;
          });
        } else {
          picks = names.map((_, i) => i);
        }
        width = picks.length;
        buffer = allocateFloat32(batchSize * width, 'batchSize × columns');
        continue;
      }
      const base = filled * width;
      for (let k = 0; k < width; k++) {
        const text = record[picks[k]!]!;
        const v = text === '' ? Number.NaN : Number(text);
        if (!Number.isFinite(v))
          formatError(`${path}:${info.lines} column '${names[picks[k]!]}'`, 'a finite number', new Received(text === '' ? 'an empty field' : `'${text.slice(0, 40)}'`));
        buffer![base + k] = v;
      }
      if (++filled === batchSize) {
        yield { data: buffer!, rows: batchSize, cols: width };
        filled = 0;
      }
    }
  } catch (e) {
    const err = e as { code?: string; lines?: number; message?: string };
    if (typeof err.code === 'string' && err.code.startsWith('CSV_'))
      formatError(`${path}:${err.lines ?? '?'}`, 'rows with as many fields as the header', new Received(err.message ?? err.code));
    throw e;
  }
  if (picks === null) formatError(path, 'a header line', new Received('an empty file'));
  if (filled > 0) yield { data: buffer!.subarray(0, filled * width), rows: filled, cols: width };
}

// --- columnar formats -------------------------------------------------------------------------

/** An optional peer dependency, or ERR_NNKIT_DEPENDENCY saying how to install it. */
async function optional<T>(load: () => Promise<T>, name: string, format: string): Promise<T> {
  try {
    return await load();
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw e;
    throw new NnkitTypeError(ErrorCodes.DEPENDENCY, `Reading ${format} files needs the package '${name}' (an optional peer dependency of nnkit): npm install ${name}`);
  }
}

type Column = ArrayLike<number | bigint | null | undefined | boolean>;

/**
 * Turns chunks of columns (any number of rows each) into row-major batches of `batchSize`:
 * each chunk's columns go into one column-major float64 block, which the native kernel turns
 * into float32 rows; the rows are then copied into the batch being filled.
 */
class Rebatcher {
  readonly #batch: Float32Array;
  #filled = 0;
  constructor(readonly cols: number, readonly batchSize: number, readonly source: string, readonly names: string[]) {
    this.#batch = allocateFloat32(batchSize * cols, 'batchSize × columns');
  }

  /** The full batches this chunk completes (views of one reused buffer: consume each before the next). */
  *push(columns: Column[], n: number, firstRow: number): Generator<Matrix, void, undefined> {
    const cols = this.cols, block = allocate(Float64Array, n * cols, 'rows of a chunk × columns');
    columns.forEach((c, j) => {
      if (c instanceof Float64Array || c instanceof Float32Array || c instanceof Int32Array || c instanceof Uint32Array ||
        c instanceof Int16Array || c instanceof Uint16Array || c instanceof Int8Array || c instanceof Uint8Array) {
        block.set(c.subarray(0, n), j * n);
        return;
      }
      for (let i = 0; i < n; i++) {
        const v = c[i];
        const x = typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : Number.NaN;
        if (!Number.isFinite(x))
          formatError(`${this.source} row ${firstRow + i} column '${this.names[j]}'`, 'a finite number', v === null || v === undefined ? new Received('null') : v);
        block[j * n + i] = x;
      }
    });
    for (let j = 0; j < cols; j++)
      for (let i = 0; i < n; i++) {
        const x = block[j * n + i]!;
        if (x - x !== 0) formatError(`${this.source} row ${firstRow + i} column '${this.names[j]}'`, 'a finite number', x);
      }
    const rowsOfChunk = toRows(new Uint8Array(block.buffer), 'f64', n, cols, { columnMajor: true });
    for (let r = 0; r < n;) {
      const take = Math.min(n - r, this.batchSize - this.#filled);
      this.#batch.set(rowsOfChunk.data.subarray(r * cols, (r + take) * cols), this.#filled * cols);
      this.#filled += take;
      r += take;
      if (this.#filled === this.batchSize) {
        this.#filled = 0;
        yield { data: this.#batch, rows: this.batchSize, cols };
      }
    }
  }

  /** The last, partial batch, if any. */
  *finish(): Generator<Matrix, void, undefined> {
    if (this.#filled > 0) yield { data: this.#batch.subarray(0, this.#filled * this.cols), rows: this.#filled, cols: this.cols };
    this.#filled = 0;
  }
}

/** The requested columns among `available` (all of them by default), or ERR_NNKIT_FORMAT naming a missing one. */
function pickColumns(available: string[], columns: string[] | undefined, source: string): string[] {
  if (!columns) return available;
  for (const c of columns)
    if (!available.includes(c)) formatError(`${source} column '${c}'`, `one of the file's columns (${available.map((a) => `'${a}'`).join(', ')})`, new Received('no such column'));
  return columns;
}

async function* parquetRows(path: string, batchSize: number, columns: string[] | undefined): AsyncGenerator<Matrix, void, undefined> {
  const { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } = await optional(() => import('hyparquet'), 'hyparquet', 'Parquet');
  let file: Awaited<ReturnType<typeof asyncBufferFromFile>>, metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    file = await asyncBufferFromFile(path);
    metadata = await parquetMetadataAsync(file);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') throw e;
    return formatError(path, 'a Parquet file', new Received(String((e as Error).message ?? e).slice(0, 120)));
  }
  const available = parquetSchema(metadata).children.map((c) => c.element.name);
  const names = pickColumns(available, columns, path);
  const batcher = new Rebatcher(names.length, batchSize, path, names);
  let start = 0;
  for (const group of metadata.row_groups) {
    const n = Number(group.num_rows);
    const data: Column[] = new Array(names.length);
    try {
      await parquetRead({
        file, metadata, columns: names, rowStart: start, rowEnd: start + n, rowFormat: 'array',
        onChunk: ({ columnName, columnData, rowStart }) => {
          const j = names.indexOf(columnName);
          if (j < 0) return;
          if (rowStart === start && (columnData as ArrayLike<unknown>).length === n) data[j] = columnData as Column;
          else {
            // A column that arrives in pages: gather it into one array for the group.
            const whole = (data[j] ??= new Array<number>(n)) as unknown as (number | bigint | null)[];
            for (let i = 0; i < (columnData as ArrayLike<unknown>).length; i++) whole[rowStart - start + i] = (columnData as ArrayLike<number>)[i]!;
          }
        },
      });
    } catch (e) {
      return formatError(`${path} row group at row ${start}`, 'a readable Parquet row group', new Received(String((e as Error).message ?? e).slice(0, 120)));
    }
    yield* batcher.push(data, n, start);
    start += n;
  }
  yield* batcher.finish();
}

async function* arrowRows(path: string, batchSize: number, columns: string[] | undefined): AsyncGenerator<Matrix, void, undefined> {
  const { RecordBatchReader } = await optional(() => import('apache-arrow'), 'apache-arrow', 'Arrow IPC');
  const stream = createReadStream(path);
  let names: string[] | null = null, batcher: Rebatcher | null = null, start = 0;
  try {
    const reader = await RecordBatchReader.from(stream);
    for await (const batch of reader) {
      if (names === null) {
        names = pickColumns(batch.schema.fields.map((f) => f.name), columns, path);
        batcher = new Rebatcher(names.length, batchSize, path, names);
      }
      const data = names.map((name) => {
        const v = batch.getChild(name)!;
        if (v.nullCount > 0) {
          let i = 0;
          while (v.isValid(i)) i++;
          formatError(`${path} row ${start + i} column '${name}'`, 'a finite number', new Received('null'));
        }
        return v.toArray() as Column;
      });
      yield* batcher!.push(data, batch.numRows, start);
      start += batch.numRows;
    }
  } catch (e) {
    const err = e as { code?: string };
    if (err.code === 'ERR_NNKIT_FORMAT' || err.code === 'ENOENT') throw e;
    return formatError(path, 'an Arrow IPC file or stream', new Received(String((e as Error).message ?? e).slice(0, 120)));
  } finally {
    stream.destroy();
  }
  if (batcher) yield* batcher.finish();
}
