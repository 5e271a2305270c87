/**
 * Saved documents of fitted objects: versioned JSON with float arrays as base64, read back by a
 * validating reader that checks every declared size, type and value before it allocates
 * anything large. Any fitted object (scalers, PCA, Pipeline, and later layers such as BatchNorm)
 * uses these helpers, so every format fails the same way on the same kinds of damage.
 *
 * Float arrays are stored as base64 of their little-endian IEEE-754 bytes (float32 for the
 * arrays a user sees, float64 for accumulated statistics), so a round trip is bit-exact.
 */
import { ErrorCodes, NnkitRangeError, NnkitTypeError, Received, describe, typeError } from '../errors';
import { MAX_DIMENSION } from '../matrix';
import { assertInteger, assertOptions, isDetached, optionKeys } from '../validate';

/** The fields every saved document starts with. */
export interface SavedDocument {
  /** What the document holds, e.g. `'nnkit.Standardizer'`. */
  format: string;
  /** Format version; readers reject versions they do not know. */
  version: number;
  [key: string]: unknown;
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function bytesOf(array: Float32Array | Float64Array): Buffer {
  if (littleEndian) return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
  const bytes = Buffer.alloc(array.byteLength);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = array.BYTES_PER_ELEMENT;
  for (let i = 0; i < array.length; i++) {
    if (size === 4) view.setFloat32(i * 4, array[i]!, true);
    else view.setFloat64(i * 8, array[i]!, true);
  }
  return bytes;
}

/** Base64 of the little-endian float32 bytes of `array` (bit-exact, NaN payloads included). */
export function encodeFloat32(array: Float32Array): string {
  if (!(array instanceof Float32Array)) typeError('array', 'a Float32Array', array);
  if (isDetached(array)) typeError('array', 'a live Float32Array', 'a view of a detached ArrayBuffer', ErrorCodes.DETACHED);
  return bytesOf(array).toString('base64');
}

/** Base64 of the little-endian float64 bytes of `array`. */
export function encodeFloat64(array: Float64Array): string {
  if (!(array instanceof Float64Array)) typeError('array', 'a Float64Array', array);
  if (isDetached(array)) typeError('array', 'a live Float64Array', 'a view of a detached ArrayBuffer', ErrorCodes.DETACHED);
  return bytesOf(array).toString('base64');
}

/** A bound of a range check: a number, not NaN (±Infinity means unbounded). */
function checkBound(value: unknown, name: string): void {
  if (typeof value !== 'number' || Number.isNaN(value)) typeError(name, 'a number', value);
}

/** Length of the base64 text (with padding) of `bytes` bytes. */
function base64Length(bytes: number): number {
  return 4 * Math.ceil(bytes / 3);
}

/** Throws the ERR_NNKIT_FORMAT error of a damaged document. */
export function formatError(path: string, expected: string, received: unknown, kind: 'type' | 'range' = 'range'): never {
  const message = `Expected ${expected} for ${path} but received ${describe(received)}`;
  if (kind === 'type') throw new NnkitTypeError(ErrorCodes.FORMAT, message, path);
  throw new NnkitRangeError(ErrorCodes.FORMAT, message, path);
}

/** Options of {@link DocumentReader.integer}. */
interface IntegerOptions {
  min?: number;
  max?: number;
}

const INTEGER_KEYS = optionKeys<IntegerOptions>()('min', 'max');

/**
 * Reads one saved object, checking as it goes: every accessor throws an ERR_NNKIT_FORMAT
 * error naming the path of the bad field (`json.mean`, `json.steps[2].format`). Array fields
 * are checked against the sizes the caller declares (taken from already validated integer
 * fields) by the length of their base64 text before anything is decoded, so a hostile document
 * declaring a dimension of 1e12 fails without allocating.
 */
export class DocumentReader {
  readonly path: string;
  readonly object: Record<string, unknown>;

  /**
   * @param json The parsed document (a JSON string is parsed first).
   * @param format The expected `format` field.
   * @param versions The versions this reader understands.
   */
  constructor(json: unknown, format: string, versions: readonly number[], path = 'json') {
    this.path = path;
    if (typeof format !== 'string') typeError('format', 'a string', format);
    if (!Array.isArray(versions) || !versions.every((v) => typeof v === 'number')) typeError('versions', 'an array of version numbers', versions);
    if (typeof path !== 'string') typeError('path', 'a string', path);
    if (typeof json === 'string') {
      try {
        json = JSON.parse(json) as unknown;
      } catch {
        formatError(path, `a ${format} document`, new Received('a string that is not JSON'), 'type');
      }
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) formatError(path, `a ${format} document (an object)`, json, 'type');
    this.object = json as Record<string, unknown>;
    const actual = this.object.format;
    if (actual !== format) formatError(`${path}.format`, `'${format}'`, actual, typeof actual === 'string' ? 'range' : 'type');
    const version = this.object.version;
    if (typeof version !== 'number' || !versions.includes(version))
      formatError(`${path}.version`, `a supported version (${versions.join(', ')})`, version, typeof version === 'number' ? 'range' : 'type');
  }

  /** The value of field `key`; a key that is not a string is a coded TypeError, not a crash in a message. */
  #field(key: unknown): unknown {
    if (typeof key !== 'string') typeError('key', 'a field name (a string)', key);
    // Own fields only: a missing 'constructor' or '__proto__' is missing, not Object's.
    return Object.hasOwn(this.object, key) ? this.object[key] : undefined;
  }

  /** The raw value of a field (validated by the caller). */
  raw(key: string): unknown {
    return this.#field(key);
  }

  /** An integer field in [min, max]. */
  integer(key: string, opts: IntegerOptions = {}): number {
    const value = this.#field(key);
    assertOptions(opts, 'options', INTEGER_KEYS);
    const { min = 0, max = Number.MAX_SAFE_INTEGER } = opts;
    checkBound(min, 'min');
    checkBound(max, 'max');
    if (typeof value !== 'number') formatError(`${this.path}.${key}`, `an integer from ${min} to ${max}`, value, 'type');
    if (!Number.isInteger(value) || value < min || value > max) formatError(`${this.path}.${key}`, `an integer from ${min} to ${max}`, value);
    return value;
  }

  /** A dimension (1 … 2^31 − 1). */
  dimension(key: string, min = 1): number {
    return this.integer(key, { min, max: MAX_DIMENSION });
  }

  /** A finite number field, optionally in [min, max]. */
  number(key: string, min = -Infinity, max = Infinity): number {
    const value = this.#field(key);
    checkBound(min, 'min');
    checkBound(max, 'max');
    if (typeof value !== 'number') formatError(`${this.path}.${key}`, 'a finite number', value, 'type');
    if (!Number.isFinite(value) || value < min || value > max)
      formatError(`${this.path}.${key}`, `a finite number${min > -Infinity ? ` ≥ ${min}` : ''}${max < Infinity ? ` ≤ ${max}` : ''}`, value);
    return value;
  }

  boolean(key: string): boolean {
    const value = this.#field(key);
    if (typeof value !== 'boolean') formatError(`${this.path}.${key}`, 'a boolean', value, 'type');
    return value;
  }

  /** A string field restricted to `allowed`. */
  oneOf<T extends string>(key: string, allowed: readonly T[]): T {
    const value = this.#field(key);
    if (!Array.isArray(allowed) || !allowed.every((a) => typeof a === 'string')) typeError('allowed', 'an array of strings', allowed);
    const expected = allowed.map((a) => `'${a}'`).join(' or ');
    if (typeof value !== 'string') formatError(`${this.path}.${key}`, expected, value, 'type');
    if (!(allowed as readonly string[]).includes(value)) formatError(`${this.path}.${key}`, expected, value);
    return value as T;
  }

  /** A nested object field, read with its own format check. */
  nested(key: string, format: string, versions: readonly number[]): DocumentReader {
    const value = this.#field(key);
    return new DocumentReader(value, format, versions, `${this.path}.${key}`);
  }

  /** A JSON array field of at most `maxLength` entries. */
  array(key: string, maxLength: number): unknown[] {
    const value = this.#field(key);
    assertInteger(maxLength, 'maxLength', 0);
    if (!Array.isArray(value)) formatError(`${this.path}.${key}`, 'an array', value, 'type');
    if (value.length > maxLength) formatError(`${this.path}.${key}`, `an array of at most ${maxLength} entries`, value);
    return value;
  }

  /** A float32 array of exactly `length` elements, every one finite unless `finite` is false. */
  float32(key: string, length: number, finite = true): Float32Array {
    const bytes = this.#bytes(key, length, 4);
    const out = new Float32Array(length);
    if (littleEndian) new Uint8Array(out.buffer).set(bytes);
    else {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < length; i++) out[i] = view.getFloat32(i * 4, true);
    }
    if (finite) this.#checkFinite(key, out);
    return out;
  }

  /** A float64 array of exactly `length` elements, every one finite. */
  float64(key: string, length: number): Float64Array {
    const bytes = this.#bytes(key, length, 8);
    const out = new Float64Array(length);
    if (littleEndian) new Uint8Array(out.buffer).set(bytes);
    else {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < length; i++) out[i] = view.getFloat64(i * 8, true);
    }
    this.#checkFinite(key, out);
    return out;
  }

  /** Throws unless every element of a decoded array satisfies `ok`. */
  check(key: string, array: ArrayLike<number>, expected: string, ok: (v: number, i: number) => boolean): void {
    if (typeof key !== 'string') typeError('key', 'a field name (a string)', key);
    if (!ArrayBuffer.isView(array) && !Array.isArray(array)) typeError('array', 'a typed array or an Array', array);
    if (typeof expected !== 'string') typeError('expected', 'a description (a string)', expected);
    if (typeof ok !== 'function') typeError('ok', 'a predicate function', ok);
    for (let i = 0; i < array.length; i++)
      if (!ok(array[i]!, i)) formatError(`${this.path}.${key}[${i}]`, expected, array[i]);
  }

  #checkFinite(key: string, array: Float32Array | Float64Array): void {
    this.check(key, array, 'a finite number', Number.isFinite);
  }

  #bytes(key: string, length: number, size: number): Buffer {
    const value = this.#field(key);
    if (typeof length !== 'number') typeError('length', 'a number of elements', length);
    const path = `${this.path}.${key}`;
    if (!Number.isSafeInteger(length) || length < 0 || length * size > 2 ** 32)
      formatError(path, 'an array of at most 2^32 bytes', new Received(`a declared length of ${length}`));
    const what = `base64 of ${length} little-endian float${size * 8} values (${base64Length(length * size)} characters)`;
    if (typeof value !== 'string') formatError(path, what, value, 'type');
    // The length check comes first: it is O(1) and refuses a truncated or padded array, or a
    // declared size the text cannot back, before anything is decoded or allocated.
    if (value.length !== base64Length(length * size) || !BASE64.test(value))
      formatError(path, what, new Received(`a string of ${value.length} characters${value.length === base64Length(length * size) ? ' that is not base64' : ''}`));
    const bytes = Buffer.from(value, 'base64');
    if (bytes.length !== length * size) formatError(path, what, new Received(`${bytes.length} bytes`));
    return bytes;
  }
}
