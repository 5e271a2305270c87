/**
 * Weights files: a set of named matrices and vectors saved in the safetensors format
 * (https://github.com/huggingface/safetensors), which PyTorch, JAX and numpy users read:
 *
 *   8 bytes       N, the header's length (unsigned little-endian 64-bit)
 *   N bytes       a JSON object: { name: { dtype, shape, data_offsets: [begin, end] }, …,
 *                 "__metadata__": { string: string } }, padded with spaces
 *   the rest      the tensors' bytes, little-endian, row-major, offsets relative to here
 *
 * nnkit writes float32 ("F32"); it reads F32, F64, F16 and BF16 (converted to float32: F64
 * rounded to nearest, the others exactly). A file is checked whole before anything is
 * allocated for its tensors: the header's size and JSON, every entry's dtype, shape and offsets
 * (which must cover the data exactly, without holes or overlaps, as the format requires), and
 * the file's length. Damage is ERR_NNKIT_FORMAT naming what is wrong.
 */
import { ErrorCodes, Received, rangeError, typeError } from './errors';
import { type Matrix, MAX_DIMENSION, MAX_ELEMENTS, allocate, allocateFloat32, matrixArg } from './matrix';
import { checkPath, readWhole, readWholeAsync, writeWhole, writeWholeAsync } from './files';
import { formatError } from './preprocess/serialize';
import { assertInteger, assertOptions, isDetached, optionKeys } from './validate';

/** What a weights file holds per name: a Matrix (shape [rows, cols]) or a Float32Array (shape [n]). */
export type Tensor = Matrix | Float32Array;

/** Named tensors to save: an object or a Map (saved in its order). */
export type TensorSet = Record<string, Tensor> | Map<string, Tensor>;

/** Options of {@link save} and {@link encode}. */
export interface SaveOptions {
  /** Free-form string pairs stored in the header's `__metadata__` (safetensors' own field). */
  metadata?: Record<string, string>;
}
const SAVE_KEYS = optionKeys<SaveOptions>()('metadata');

/** One tensor read from a file. */
export interface LoadedTensor {
  readonly dtype: 'F32' | 'F64' | 'F16' | 'BF16';
  readonly shape: readonly number[];
  /** The values, row-major, as float32 (a copy owned by the caller). */
  readonly data: Float32Array;
}

/** Largest header accepted, as the safetensors library's own limit (100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

const DTYPE_BYTES = { F32: 4, F64: 8, F16: 2, BF16: 2 } as const;
type Dtype = keyof typeof DTYPE_BYTES;
const OTHER_DTYPES = new Set(['BOOL', 'U8', 'I8', 'U16', 'I16', 'U32', 'I32', 'U64', 'I64', 'F8_E4M3', 'F8_E5M2']);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The tensors of a weights file, by name, with the file's metadata. */
export class Weights {
  readonly #tensors: Map<string, LoadedTensor>;
  /** The header's `__metadata__` (empty when the file has none). */
  readonly metadata: Readonly<Record<string, string>>;

  /** @internal (use {@link load} or {@link decode}) */
  constructor(tensors: Map<string, LoadedTensor>, metadata: Record<string, string>) {
    if (!(tensors instanceof Map) || typeof metadata !== 'object' || metadata === null)
      typeError('tensors', 'the contents of a weights file (nn.weights.load or decode builds them)', tensors);
    this.#tensors = tensors;
    this.metadata = metadata;
  }

  /** The names, in the order of their data in the file (for nnkit's files: the order they were saved in). */
  names(): string[] {
    return [...this.#tensors.keys()];
  }

  has(name: string): boolean {
    return this.#tensors.has(name);
  }

  /** A tensor of any shape; ERR_NNKIT_RANGE naming it when the file has no such name. */
  tensor(name: string): LoadedTensor {
    if (typeof name !== 'string') typeError('name', 'a string', name);
    const t = this.#tensors.get(name);
    if (t === undefined) {
      const names = this.names();
      rangeError('name', `one of the file's tensors (${names.length ? names.slice(0, 8).map((n) => `'${n}'`).join(', ') + (names.length > 8 ? ', …' : '') : 'none'})`, name);
    }
    return t;
  }

  /**
   * A 2-D tensor as a Matrix, checked against the expected `rows` and `cols` when given
   * (ERR_NNKIT_SHAPE otherwise): the way to load a layer's weights without trusting the file.
   */
  matrix(name: string, rows?: number, cols?: number): Matrix {
    const t = this.tensor(name);
    if (rows !== undefined) assertInteger(rows, 'rows', 0, MAX_DIMENSION);
    if (cols !== undefined) assertInteger(cols, 'cols', 0, MAX_DIMENSION);
    if (t.shape.length !== 2 || (rows !== undefined && t.shape[0] !== rows) || (cols !== undefined && t.shape[1] !== cols))
      rangeError(name, `a ${rows ?? 'rows'} × ${cols ?? 'cols'} matrix`, new Received(`shape [${t.shape.join(', ')}]`), ErrorCodes.SHAPE);
    return { data: t.data, rows: t.shape[0]!, cols: t.shape[1]! };
  }

  /** A 1-D tensor, checked against the expected `length` when given (ERR_NNKIT_SHAPE otherwise). */
  vector(name: string, length?: number): Float32Array {
    const t = this.tensor(name);
    if (length !== undefined) assertInteger(length, 'length', 0, MAX_ELEMENTS);
    if (t.shape.length !== 1 || (length !== undefined && t.shape[0] !== length))
      rangeError(name, `a vector of ${length ?? 'any'} elements`, new Received(`shape [${t.shape.join(', ')}]`), ErrorCodes.SHAPE);
    return t.data;
  }
}

interface Entry {
  name: string;
  shape: number[];
  data: Float32Array;
}

function entriesOf(tensors: unknown): Entry[] {
  if (typeof tensors !== 'object' || tensors === null || ArrayBuffer.isView(tensors) || Array.isArray(tensors))
    typeError('tensors', 'an object or Map of named Matrix and Float32Array values', tensors);
  const pairs: [unknown, unknown][] = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const seen = new Set<string>();
  return pairs.map(([name, value]) => {
    if (typeof name !== 'string' || name.length === 0) typeError('tensors', 'non-empty string names', name);
    if (name === '__metadata__') rangeError(`tensors.${name}`, 'a name other than __metadata__ (the header field safetensors reserves)', name);
    if (seen.has(name)) rangeError(`tensors.${name}`, 'names that appear once', name);
    seen.add(name);
    if (value instanceof Float32Array) {
      if (isDetached(value)) typeError(`tensors.${name}`, 'a live Float32Array', 'a view of a detached ArrayBuffer', ErrorCodes.DETACHED);
      return { name, shape: [value.length], data: value };
    }
    const m = matrixArg(value, `tensors.${name}`);
    return { name, shape: [m.rows, m.cols], data: m.data };
  });
}

/**
 * `o[key] = value` as an own data property whatever the key: a plain assignment of `__proto__`
 * would set the prototype instead, and a tensor or metadata key of that name would vanish.
 */
function putOwn(o: object, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

function metadataOf(metadata: unknown): Record<string, string> | undefined {
  if (metadata === undefined) return undefined;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) typeError('metadata', 'an object of strings', metadata);
  for (const [k, v] of Object.entries(metadata)) if (typeof v !== 'string') typeError(`metadata.${k}`, 'a string', v);
  return { ...(metadata as Record<string, string>) };
}

/** The file's bytes: header then data (see the module's description). */
export function encode(tensors: TensorSet, opts?: SaveOptions): Uint8Array {
  const entries = entriesOf(tensors);
  assertOptions(opts, 'options', SAVE_KEYS);
  const metadata = metadataOf(opts?.metadata);
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const e of entries) {
    putOwn(header, e.name, { dtype: 'F32', shape: e.shape, data_offsets: [offset, offset + e.data.byteLength] });
    offset += e.data.byteLength;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  // Spaces up to a multiple of 8, so that the data starts 8-byte aligned (as safetensors writes it).
  const headerBytes = Math.ceil(json.length / 8) * 8;
  if (headerBytes > MAX_HEADER_BYTES) rangeError('tensors', `a header of at most ${MAX_HEADER_BYTES} bytes`, new Received(`${headerBytes} bytes of names and shapes`));
  const out = allocate(Uint8Array, 8 + headerBytes + offset, 'the file');
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerBytes);
  let at = 8 + headerBytes;
  for (const e of entries) {
    if (littleEndian) out.set(new Uint8Array(e.data.buffer, e.data.byteOffset, e.data.byteLength), at);
    else for (let i = 0; i < e.data.length; i++) view.setFloat32(at + 4 * i, e.data[i]!, true);
    at += e.data.byteLength;
  }
  return out;
}

/** Reads the header and checks every entry against the data's length; nothing large is allocated yet. */
function parseHeader(bytes: Uint8Array, source: string): { entries: (Omit<Entry, 'data'> & { dtype: Dtype; begin: number; end: number })[]; metadata: Record<string, string>; dataStart: number } {
  if (bytes.length < 8) formatError(source, 'a safetensors file (8 bytes of header length, then the header)', new Received(`${bytes.length} bytes`));
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) formatError(`${source} header length`, `at most ${MAX_HEADER_BYTES} bytes`, new Received(`${n} bytes`));
  const headerBytes = Number(n);
  if (8 + headerBytes > bytes.length) formatError(`${source} header length`, `at most the ${bytes.length - 8} bytes after it (a truncated file?)`, new Received(`${headerBytes} bytes`));
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerBytes)));
  } catch {
    formatError(`${source} header`, 'a JSON object in UTF-8', new Received('text that is not JSON'), 'type');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) formatError(`${source} header`, 'a JSON object', header, 'type');
  const dataStart = 8 + headerBytes, dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: (Omit<Entry, 'data'> & { dtype: Dtype; begin: number; end: number })[] = [];
  for (const [name, raw] of Object.entries(header)) {
    const path = `${source} header.${name}`;
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) formatError(path, 'an object of strings', raw, 'type');
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string') formatError(`${path}.${k}`, 'a string', v, 'type');
        putOwn(metadata, k, v);
      }
      continue;
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) formatError(path, 'an object { dtype, shape, data_offsets }', raw, 'type');
    const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
    if (typeof dtype !== 'string') formatError(`${path}.dtype`, 'a dtype string', dtype, 'type');
    if (!Object.hasOwn(DTYPE_BYTES, dtype))
      formatError(`${path}.dtype`, "'F32', 'F64', 'F16' or 'BF16' (nnkit reads floating-point tensors)", OTHER_DTYPES.has(dtype) ? new Received(`'${dtype}'`) : dtype);
    if (!Array.isArray(shape) || shape.length > 8) formatError(`${path}.shape`, 'an array of at most 8 dimensions', shape, 'type');
    let count = 1;
    shape.forEach((d: unknown, i) => {
      if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) formatError(`${path}.shape[${i}]`, 'a non-negative integer', d);
      count *= d;
    });
    if (count > MAX_ELEMENTS) formatError(`${path}.shape`, `at most 2^32 elements`, new Received(`${count} elements`));
    if (!Array.isArray(offsets) || offsets.length !== 2) formatError(`${path}.data_offsets`, 'an array [begin, end]', offsets, 'type');
    const [begin, end] = offsets as unknown[];
    if (typeof begin !== 'number' || !Number.isSafeInteger(begin) || begin < 0) formatError(`${path}.data_offsets[0]`, 'a non-negative integer', begin);
    if (typeof end !== 'number' || !Number.isSafeInteger(end) || end < begin) formatError(`${path}.data_offsets[1]`, `an integer ≥ ${begin}`, end);
    const size = DTYPE_BYTES[dtype as Dtype];
    if (end - begin !== count * size) formatError(`${path}.data_offsets`, `${count * size} bytes for ${dtype} of shape [${shape.join(', ')}]`, new Received(`${end - begin} bytes`));
    if (end > dataLength) formatError(`${path}.data_offsets[1]`, `at most the ${dataLength} bytes of data (a truncated file?)`, end);
    entries.push({ name, shape: shape as number[], dtype: dtype as Dtype, begin, end });
  }
  // The data must be covered exactly: no holes, no overlaps, nothing after the last tensor.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const e of sorted) {
    if (e.begin !== covered) formatError(`${source} header.${e.name}.data_offsets`, `to start at byte ${covered} (tensors cover the data without holes or overlaps)`, e.begin);
    covered = e.end;
  }
  if (covered !== dataLength) formatError(source, `${covered} bytes of data after the header, as the tensors declare`, new Received(`${dataLength} bytes`));
  return { entries, metadata, dataStart };
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1, exp = (h >> 10) & 0x1f, frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? Number.NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function convert(bytes: Uint8Array, dtype: Dtype, count: number): Float32Array {
  const out = allocateFloat32(count, 'a tensor');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dtype === 'F32') {
    if (littleEndian) new Uint8Array(out.buffer).set(bytes);
    else for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
  } else if (dtype === 'F64') {
    for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, true);
  } else if (dtype === 'F16') {
    for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
  } else {
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < count; i++) bits[i] = view.getUint16(2 * i, true) << 16; // bfloat16 is float32's upper half
  }
  return out;
}

/** Reads the bytes of a weights file (see the module's description for what is checked). */
export function decode(bytes: Uint8Array, source = 'bytes'): Weights {
  if (!(bytes instanceof Uint8Array)) typeError('bytes', 'a Uint8Array (or Buffer)', bytes);
  if (isDetached(bytes)) typeError('bytes', 'a live Uint8Array', 'a view of a detached ArrayBuffer', ErrorCodes.DETACHED);
  const { entries, metadata, dataStart } = parseHeader(bytes, source);
  const tensors = new Map<string, LoadedTensor>();
  // In the order of the data (a JSON object lists integer-like names first, whatever the file says).
  for (const e of [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end)) {
    const count = (e.end - e.begin) / DTYPE_BYTES[e.dtype];
    tensors.set(e.name, { dtype: e.dtype, shape: Object.freeze([...e.shape]), data: convert(bytes.subarray(dataStart + e.begin, dataStart + e.end), e.dtype, count) });
  }
  return new Weights(tensors, Object.freeze(metadata) as Record<string, string>);
}

/**
 * Saves named matrices and vectors to a safetensors file (float32). The file is written under
 * a temporary name and renamed into place, so an existing file is replaced whole or not at all.
 *
 * @example
 * nn.weights.save('model.safetensors', { 'fc1.weight': W1, 'fc1.bias': b1 }, { metadata: { epoch: '15' } });
 */
export function save(path: string, tensors: TensorSet, opts?: SaveOptions): void {
  checkPath(path);
  writeWhole(path, encode(tensors, opts));
}

/** {@link save} without blocking the event loop on the file's writing. */
export async function saveAsync(path: string, tensors: TensorSet, opts?: SaveOptions): Promise<void> {
  checkPath(path);
  await writeWholeAsync(path, encode(tensors, opts));
}

/**
 * Reads a safetensors file (F32, F64, F16 or BF16 tensors, as float32). Missing files give
 * Node's own ENOENT error; a damaged file ERR_NNKIT_FORMAT naming what is wrong.
 *
 * @example
 * const w = nn.weights.load('model.safetensors');
 * const W1 = w.matrix('fc1.weight', 784, 512), b1 = w.vector('fc1.bias', 512);
 */
export function load(path: string): Weights {
  checkPath(path);
  return decode(readWhole(path), path);
}

/** {@link load} without blocking the event loop on the file's reading. */
export async function loadAsync(path: string): Promise<Weights> {
  checkPath(path);
  return decode(await readWholeAsync(path), path);
}
