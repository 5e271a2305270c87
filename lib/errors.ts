/**
 * Errors thrown by nnkit. Every error has a stable `code`; argument errors also name the
 * `argument` and read "Expected X for Y but received Z". Wrong types are `TypeError`s, wrong
 * values, shapes and lengths are `RangeError`s — from the TypeScript checks and from the native
 * re-checks alike.
 *
 * Non-finite numbers:
 * - Parameters (alpha, beta, mean, std, lo, hi, learning rates, …) must be finite: NaN or
 *   ±Infinity throws ERR_NNKIT_NONFINITE before anything is written.
 * - Data (matrix entries) given to GEMM, layers and losses is not scanned: NaN and ±Infinity
 *   propagate as IEEE arithmetic and BLAS do (a NaN in row i of A makes row i of A·B NaN). With
 *   beta = 0 an output is never read, so NaN already in `out` does not leak into the result.
 * - Data given to a fit, or to a preprocessing transform (unless `checkFinite: false`), or scores
 *   given to the metrics, is checked: ERR_NNKIT_NONFINITE names the first bad cell (`X[3][7]`)
 *   and nothing is written.
 * - Random fills never produce NaN: uniform values lie in [lo, hi] even when hi − lo exceeds
 *   the float32 range; normal values are mean + std·z, which rounds to ±Infinity only when it
 *   exceeds the float32 range.
 * Denormal inputs are computed as such (no flush-to-zero). Empty (0-row or 0-column)
 * matrices are accepted wherever the result is defined.
 */

/** The documented error codes. */
export const ErrorCodes = {
  /** An argument has the wrong type (not a Float32Array, not a number, …). */
  TYPE: 'ERR_NNKIT_TYPE',
  /** Lengths or dimensions do not agree (rows × cols ≠ length, inner dimensions differ, …). */
  SHAPE: 'ERR_NNKIT_SHAPE',
  /** A value is outside its allowed range (negative size, keepProb ∉ (0, 1], label ≥ C, …). */
  RANGE: 'ERR_NNKIT_RANGE',
  /** A typed array's buffer has been detached (transferred or resized away). */
  DETACHED: 'ERR_NNKIT_DETACHED',
  /** An output buffer overlaps an input. */
  ALIAS: 'ERR_NNKIT_ALIAS',
  /** NaN or ±Infinity where finite numbers are required. */
  NONFINITE: 'ERR_NNKIT_NONFINITE',
  /** LAPACK reported failure (`info != 0`). */
  LAPACK: 'ERR_NNKIT_LAPACK',
  /** nnkit's built-in eigen or SVD solver (no LAPACK, or `setLapackBackend('builtin')`) did not converge. */
  CONVERGENCE: 'ERR_NNKIT_CONVERGENCE',
  /** A method was called in the wrong state (transform before fit, backward before forward). */
  STATE: 'ERR_NNKIT_STATE',
  /** A saved document is corrupt, truncated, of another version or of another type. */
  FORMAT: 'ERR_NNKIT_FORMAT',
  /** An optional package a call needs is not installed (hyparquet for Parquet, apache-arrow for Arrow IPC). */
  DEPENDENCY: 'ERR_NNKIT_DEPENDENCY',
  /** Working memory (or a worker thread) could not be allocated. */
  ALLOC: 'ERR_NNKIT_ALLOC',
  /** A failure inside nnkit that no argument explains: a bug, please report it. */
  INTERNAL: 'ERR_NNKIT_INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Fields shared by nnkit's TypeError and RangeError. */
export interface NnkitErrorFields {
  readonly code: ErrorCode;
  readonly argument?: string;
}

/** A TypeError with a `code` and the offending `argument`. */
export class NnkitTypeError extends TypeError implements NnkitErrorFields {
  readonly code: ErrorCode;
  readonly argument?: string;
  constructor(code: ErrorCode, message: string, argument?: string) {
    super(message);
    this.name = 'TypeError';
    this.code = code;
    if (argument !== undefined) this.argument = argument;
  }
}

/** A RangeError with a `code` and the offending `argument`. */
export class NnkitRangeError extends RangeError implements NnkitErrorFields {
  readonly code: ErrorCode;
  readonly argument?: string;
  constructor(code: ErrorCode, message: string, argument?: string) {
    super(message);
    this.name = 'RangeError';
    this.code = code;
    if (argument !== undefined) this.argument = argument;
  }
}

/** Text already describing what was received (not to be quoted as a string value). */
export class Received {
  constructor(readonly text: string) {}
}

/** The article a type name takes: an Int32Array, an ArrayBuffer, a Float32Array, a Uint8Array. */
function article(word: string): string {
  return /^[AEIO]/i.test(word) ? 'an' : 'a';
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value instanceof Received) return value.text;
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'function') return 'a function';
  if (ArrayBuffer.isView(value)) {
    const name = className(value) ?? 'ArrayBufferView';
    const length = (value as unknown as { length?: number }).length;
    return `${article(name)} ${name}${typeof length === 'number' ? ` of length ${length}` : ''}`;
  }
  if (Array.isArray(value)) return `an Array of length ${value.length}`;
  if (typeof value === 'object') {
    const name = className(value);
    return name && name !== 'Object' ? `${article(name)} ${name}` : 'an object';
  }
  return typeof value;
}

/**
 * The name of the class a value was made by, from its prototype: an own `constructor` key (a
 * parsed document may have one) neither names the value nor runs code, and a proxy whose traps
 * throw gives undefined.
 */
function className(value: object): string | undefined {
  try {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto === null || typeof proto !== 'object') return undefined;
    const ctor = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value as unknown;
    const name = typeof ctor === 'function' ? Object.getOwnPropertyDescriptor(ctor, 'name')?.value as unknown : undefined;
    return typeof name === 'string' && name.length > 0 ? name : undefined;
  } catch {
    return undefined;
  }
}

/** Throws `NnkitTypeError` "Expected {expected} for {argument} but received {received}". */
export function typeError(argument: string, expected: string, received: unknown, code: ErrorCode = ErrorCodes.TYPE): never {
  throw new NnkitTypeError(code, `Expected ${expected} for ${argument} but received ${describe(received)}`, argument);
}

/** Throws `NnkitRangeError` "Expected {expected} for {argument} but received {received}". */
export function rangeError(argument: string, expected: string, received: unknown, code: ErrorCode = ErrorCodes.RANGE): never {
  throw new NnkitRangeError(code, `Expected ${expected} for ${argument} but received ${describe(received)}`, argument);
}
