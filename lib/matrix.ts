/**
 * The one data type: a row-major matrix over a Float32Array.
 */
import { ErrorCodes, Received, rangeError, typeError } from './errors';
import { native } from './native';
import { assertFloat32Array, assertInteger, isDetached } from './validate';

/** A row-major `rows × cols` matrix; `data.length === rows * cols`. */
export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

/** Class index per row. */
export type Labels = Int32Array | Uint32Array | Uint16Array | Uint8Array;

/**
 * The type of an output a call returns for the options `O` it was given: `T`, or `null` when
 * option `K` is `false`; `T | null` only when the option is a boolean known at run time. So
 * `nn.loss.softmax(S, y).grad` is a `Matrix` and `nn.loss.softmax(S, y, { grad: false }).grad`
 * is `null`, with no `!` needed under `--strict`.
 */
export type Unless<O, K extends string, T> = O extends { readonly [P in K]?: infer G } ? (G extends false ? null : T) : T;

/** Largest rows or cols accepted (2^31 − 1, the limit of BLAS's 32-bit integers). */
export const MAX_DIMENSION = 2147483647;

/**
 * A zero-copy matrix view over `data` (any byteOffset), checking that
 * `data.length === rows * cols`.
 */
export function matrix(data: Float32Array, rows: number, cols: number): Matrix;
/** A new zero-filled `rows × cols` matrix. */
export function matrix(rows: number, cols: number): Matrix;
export function matrix(a: Float32Array | number, b: number, c?: number): Matrix {
  if (typeof a === 'number') {
    // matrix(n, rows, cols) is a likely slip for matrix(data, rows, cols): never guess.
    if (c !== undefined) typeError('data', 'a Float32Array, or matrix(rows, cols) with two arguments', a);
    assertInteger(a, 'rows', 0, MAX_DIMENSION);
    assertInteger(b, 'cols', 0, MAX_DIMENSION);
    return { data: allocateFloat32(a * b, 'rows × cols'), rows: a, cols: b };
  }
  assertFloat32Array(a, 'data');
  assertInteger(b, 'rows', 0, MAX_DIMENSION);
  assertInteger(c, 'cols', 0, MAX_DIMENSION);
  if (a.length !== b * c) rangeError('data', `a Float32Array of length ${b} × ${c} = ${b * c}`, a, ErrorCodes.SHAPE);
  return { data: a, rows: b, cols: c };
}

/** Smallest allocation (in floats) that may go to huge pages: native/kernels/memory.h's kHugeAllocMinBytes. */
const HUGE_PAGE_MIN_ELEMENTS = (4 << 20) / 4;

/**
 * A new zero-filled `rows × cols` matrix on a SharedArrayBuffer. Every `*Async` function uses
 * shared operands in place, while ordinary ones are copied on the JS thread when the call starts
 * (and outputs copied back when it settles), so that a buffer transferred or detached meanwhile
 * cannot be freed under the work. For memory-bound calls on large data (ReLU, dropout, losses,
 * transforms) those copies cost more than the work: use shared matrices there. They can also be
 * handed to worker_threads without a copy.
 */
export function sharedMatrix(rows: number, cols: number): Matrix {
  assertInteger(rows, 'rows', 0, MAX_DIMENSION);
  assertInteger(cols, 'cols', 0, MAX_DIMENSION);
  const n = rows * cols;
  if (!(n <= MAX_ELEMENTS)) rangeError('rows × cols', 'at most 2^32 elements', n);
  let buffer: SharedArrayBuffer;
  try {
    buffer = new SharedArrayBuffer(n * 4);
  } catch {
    return rangeError('rows × cols', `${n} floats of shared memory`, new Received('an allocation failure'), ErrorCodes.ALLOC);
  }
  const data = new Float32Array(buffer);
  if (n >= HUGE_PAGE_MIN_ELEMENTS) native.adviseHugePages(data);
  return { data, rows, cols };
}

/** Most elements nnkit allocates in one Float32Array (V8's limit on 64-bit platforms). */
export const MAX_ELEMENTS = 2 ** 32;

/**
 * A zeroed Float32Array of n elements, or a coded RangeError: ERR_NNKIT_RANGE above
 * MAX_ELEMENTS, ERR_NNKIT_ALLOC when the memory is not available (V8 throws an uncoded
 * RangeError then).
 */
export function allocateFloat32(n: number, name: string): Float32Array {
  const data = allocate(Float32Array, n, name, 'floats');
  // 4 MiB and more: in huge pages where the OS has them (lib/runtime.ts, Backend.hugePages).
  if (n >= HUGE_PAGE_MIN_ELEMENTS) native.adviseHugePages(data);
  return data;
}

/** {@link allocateFloat32} for any typed array: zeroed, or a coded RangeError. */
export function allocate<T>(type: new (n: number) => T, n: number, name: string, what = 'elements'): T {
  if (!(n <= MAX_ELEMENTS)) rangeError(name, `at most 2^32 elements`, n);
  try {
    return new type(n);
  } catch {
    return rangeError(name, `${n} ${what} of memory`, new Received('an allocation failure'), ErrorCodes.ALLOC);
  }
}

/**
 * The common case decided without building any argument name: every small call (a 256 × 10 loss)
 * goes through here, and the full checks below only run to say what is wrong.
 */
function isWellFormedMatrix(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const { data, rows, cols } = value as Partial<Matrix>;
  return data instanceof Float32Array && Number.isInteger(rows) && Number.isInteger(cols) &&
    rows! >= 0 && cols! >= 0 && rows! <= MAX_DIMENSION && cols! <= MAX_DIMENSION &&
    data.length === rows! * cols! && (data.byteLength !== 0 || !isDetached(data));
}

/** Throws unless `value` is a well-formed Matrix (also catches objects whose rows/cols lie). */
export function assertMatrix(value: unknown, name: string): asserts value is Matrix {
  if (isWellFormedMatrix(value)) return;
  if (value === null || typeof value !== 'object') typeError(name, 'a Matrix { data, rows, cols }', value);
  const m = value as Partial<Matrix>;
  assertFloat32Array(m.data, `${name}.data`);
  assertInteger(m.rows, `${name}.rows`, 0, MAX_DIMENSION);
  assertInteger(m.cols, `${name}.cols`, 0, MAX_DIMENSION);
  if (m.data.length !== m.rows * m.cols)
    rangeError(name, `data of length rows × cols = ${m.rows * m.cols}`, m.data, ErrorCodes.SHAPE);
}

/**
 * Checks a Matrix argument like {@link assertMatrix} and returns a snapshot of it: `data`, `rows`
 * and `cols` are each read once, so a getter (or code a getter runs) cannot show the checks one
 * shape and the work another. Use the snapshot, not the argument, from then on.
 */
export function matrixArg(value: unknown, name: string): Matrix {
  if (value === null || typeof value !== 'object') typeError(name, 'a Matrix { data, rows, cols }', value);
  const { data, rows, cols } = value as Partial<Matrix>;
  const m = { data, rows, cols };
  assertMatrix(m, name);
  return m;
}

/**
 * The elements of a Float32Array or of a Matrix (its checked snapshot's data, see matrixArg):
 * for the calls that take either (parameters, gradients, fill targets).
 */
export function floatsArg(value: unknown, name: string): Float32Array {
  if (value instanceof Float32Array) {
    assertFloat32Array(value, name);
    return value;
  }
  return matrixArg(value, name).data;
}

/**
 * Resolves an `out` option: a Matrix or Float32Array of exactly `rows × cols` elements, or a new
 * zeroed matrix when `out` is undefined.
 */
export function outMatrix(out: unknown, rows: number, cols: number, name = 'out'): Matrix {
  if (out === undefined) return { data: allocateFloat32(rows * cols, `${name} (${rows} × ${cols})`), rows, cols };
  if (out instanceof Float32Array) {
    if (out.length === rows * cols && out.byteLength !== 0) return { data: out, rows, cols };
    assertFloat32Array(out, name);
    if (out.length !== rows * cols) rangeError(name, `a Float32Array of length ${rows} × ${cols} = ${rows * cols}`, out, ErrorCodes.SHAPE);
    return { data: out, rows, cols };
  }
  assertMatrix(out, name);
  if (out.rows !== rows || out.cols !== cols)
    rangeError(name, `a ${rows} × ${cols} Matrix`, new Received(`a ${out.rows} × ${out.cols} Matrix`), ErrorCodes.SHAPE);
  return out;
}
