/**
 * The data handling of a training loop: seeded permutations and shuffles, gathering rows into a
 * batch, a mini-batch iterator and a train/validation split (optionally stratified).
 *
 * Every random choice comes from an {@link Rng} (the default generator when `rng` is omitted),
 * so the same seed gives the same order on every machine.
 */
import { ErrorCodes, Received, rangeError, typeError } from './errors';
import { assertLabels } from './loss/common';
import { allocate, allocateFloat32, assertMatrix, type Labels, type Matrix, outMatrix } from './matrix';
import { native } from './native';
import { defaultRng, Rng } from './rng';
import { assertBoolean, assertInteger, assertOptions, isDetached, optionKeys } from './validate';

/** The `rng` option of the functions here. */
export interface RandomOptions {
  /** The generator to draw from (default: {@link defaultRng}). */
  rng?: Rng;
}

/** Per-row targets that travel with the rows: class labels, or a target matrix (regression). */
export type Targets = Labels | Matrix;

const RANDOM_KEYS = optionKeys<RandomOptions>()('rng');

function rngOf(rng: unknown): Rng {
  if (rng === undefined) return defaultRng();
  if (!(rng instanceof Rng)) typeError('rng', 'an nn.Rng', rng);
  return rng;
}

/** Uniform integers below `bound` (≤ 2^32), by Lemire's multiply-and-reject: no modulo bias. */
class BoundedDraws {
  #words = new Uint32Array(256);
  #next = 256;
  constructor(private readonly rng: Rng) {}

  below(bound: number): number {
    // Threshold of the rejected low parts: 2^32 mod bound.
    const threshold = (2 ** 32 - bound) % bound;
    for (;;) {
      if (this.#next === this.#words.length) {
        this.rng.bits(this.#words);
        this.#next = 0;
      }
      const x = this.#words[this.#next++]!;
      // x · bound (up to 2^64) exactly, in parts below 2^53: its high 32 bits are the draw, its
      // low 32 bits decide rejection.
      const a = (x & 0xffff) * bound, b = (x >>> 16) * bound;
      const s = (b % 65536) * 65536 + a;
      const hi = Math.floor(b / 65536) + Math.floor(s / 2 ** 32), lo = s % 2 ** 32;
      if (lo >= threshold) return hi;
    }
  }
}

function identity(n: number, name = 'X.rows'): Uint32Array {
  const out = allocate(Uint32Array, n, name);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/** Fisher–Yates from the end, drawing j uniformly in [0, i]. */
function shuffleInPlace(a: { length: number; [i: number]: unknown }, rng: Rng): void {
  const draws = new BoundedDraws(rng);
  for (let i = a.length - 1; i > 0; i--) {
    const j = draws.below(i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

/**
 * A random permutation of 0 … n − 1 (Fisher–Yates with unbiased draws). The same generator state
 * gives the same permutation on every machine.
 */
export function permutation(n: number, opts?: RandomOptions): Uint32Array {
  assertInteger(n, 'n', 0, 2 ** 32);
  assertOptions(opts, 'options', RANDOM_KEYS);
  const rng = rngOf(opts?.rng);
  const out = identity(n, 'n');
  shuffleInPlace(out, rng);
  return out;
}

type Shuffleable = Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array | unknown[];

/** Shuffles the elements of a typed array or an array in place (as {@link permutation} orders them); returns it. */
export function shuffle<T extends Shuffleable>(array: T, opts?: RandomOptions): T {
  if (!Array.isArray(array) && !(ArrayBuffer.isView(array) && !(array instanceof DataView) && !(array instanceof BigInt64Array) && !(array instanceof BigUint64Array)))
    typeError('array', 'an Array or a numeric typed array', array);
  if (!Array.isArray(array) && isDetached(array)) typeError('array', 'a live typed array', 'a view of a detached ArrayBuffer', ErrorCodes.DETACHED);
  assertOptions(opts, 'options', RANDOM_KEYS);
  shuffleInPlace(array, rngOf(opts?.rng));
  return array;
}

/** Indices as a Uint32Array (a Uint32Array is used as is; other arrays are checked and copied). */
function indexArray(indices: unknown, name: string): Uint32Array {
  if (indices instanceof Uint32Array) {
    if (isDetached(indices)) typeError(name, 'a live typed array', 'a view of a detached ArrayBuffer', ErrorCodes.DETACHED);
    return indices;
  }
  if (!(Array.isArray(indices) || indices instanceof Int32Array || indices instanceof Uint16Array || indices instanceof Uint8Array))
    typeError(name, 'a Uint32Array, Int32Array or array of row indices', indices);
  const out = allocate(Uint32Array, indices.length, name);
  for (let k = 0; k < indices.length; k++) {
    const v = indices[k] as unknown;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= 2 ** 32) rangeError(`${name}[${k}]`, 'a non-negative integer row index', v);
    out[k] = v;
  }
  return out;
}

/** Options of {@link gather}. */
export interface GatherOptions<T> {
  /** Where to write (`indices.length` rows like the source; default: a new one). */
  out?: T;
}
const GATHER_KEYS = optionKeys<GatherOptions<unknown>>()('out');

/**
 * The rows of `source` at `indices`, in that order: `out[k] = source[indices[k]]`. A Matrix
 * gives a Matrix of `indices.length` rows (copied on nnkit's threads); a labels array gives an
 * array of the same type. With `out` given nothing is allocated — the way to fill a mini-batch
 * buffer each step. An index out of range is ERR_NNKIT_RANGE naming it, before anything is written.
 */
export function gather(source: Matrix, indices: ArrayLike<number>, opts?: GatherOptions<Matrix | Float32Array>): Matrix;
export function gather<L extends Labels>(source: L, indices: ArrayLike<number>, opts?: GatherOptions<L>): L;
export function gather(source: Targets, indices: ArrayLike<number>, opts?: GatherOptions<Matrix | Float32Array | Labels>): Targets {
  assertOptions(opts, 'options', GATHER_KEYS);
  const idx = indexArray(indices, 'indices');
  if (ArrayBuffer.isView(source)) {
    assertLabels(source, source.length, 'source');
    const out = opts?.out ?? allocate(source.constructor as new (n: number) => Labels, idx.length, 'indices');
    if (out.constructor !== source.constructor) typeError('out', `a ${source.constructor.name} like source`, out);
    const o = out as Labels;
    if (o.length !== idx.length) rangeError('out', `${idx.length} elements, one per index`, o, ErrorCodes.SHAPE);
    for (let k = 0; k < idx.length; k++) if (idx[k]! >= source.length) rangeError(`indices[${k}]`, `an index below ${source.length}`, idx[k]);
    for (let k = 0; k < idx.length; k++) o[k] = source[idx[k]!]!;
    return o;
  }
  assertMatrix(source, 'source');
  const out = outMatrix(opts?.out, idx.length, source.cols);
  native.gatherRows(source.data, source.rows, source.cols, idx, out.data);
  return out;
}

/** X a Matrix, and y (when given) labels or a target matrix with one entry per row of X. */
function assertDataset(X: Matrix, y: Targets | undefined): void {
  assertMatrix(X, 'X');
  if (y === undefined) return;
  let n: number;
  if (ArrayBuffer.isView(y)) {
    assertLabels(y, y.length, 'y');
    n = y.length;
  } else {
    assertMatrix(y, 'y');
    n = y.rows;
  }
  if (n !== X.rows) rangeError('y', `one target per row of X (${X.rows})`, new Received(`${n} rows`), ErrorCodes.SHAPE);
}

/** One mini-batch of {@link batches}. */
export interface Batch<Y extends Targets | undefined> {
  /** The batch's rows of X (a buffer reused by the next batch: copy it to keep it). */
  X: Matrix;
  /** The batch's targets (reused like X), or undefined when none were given. */
  y: Y;
  /** The rows of the dataset in this batch (reused like X). */
  indices: Uint32Array;
  /** The batch's position in this pass, from 0. */
  index: number;
}

/** Options of {@link batches}. */
export interface BatchOptions extends RandomOptions {
  /** Rows per batch (≥ 1). */
  batchSize: number;
  /** Visit the rows in a new random order each pass (default true). */
  shuffle?: boolean;
  /** Leave out a last batch smaller than batchSize (default false). */
  dropLast?: boolean;
}
const BATCH_KEYS = optionKeys<BatchOptions>()('batchSize', 'shuffle', 'dropLast', 'rng');

function targetsBuffer<Y extends Targets | undefined>(y: Y, rows: number): Y {
  if (y === undefined) return y;
  if (ArrayBuffer.isView(y)) return allocate(y.constructor as new (n: number) => Labels, rows, 'batchSize') as Y;
  return { data: allocateFloat32(rows * (y as Matrix).cols, 'batchSize × y.cols'), rows, cols: (y as Matrix).cols } as Y;
}

function view<Y extends Targets | undefined>(y: Y, rows: number): Y {
  if (y === undefined) return y;
  if (ArrayBuffer.isView(y)) return (y as Labels).subarray(0, rows) as Y;
  const m = y as Matrix;
  return { data: m.data.subarray(0, rows * m.cols), rows, cols: m.cols } as Y;
}

/**
 * One pass over a dataset in mini-batches: each batch's rows of `X` (and of `y`, labels or a
 * target matrix, when given) gathered into buffers allocated once for the whole pass. The order is
 * a fresh {@link permutation} of the rows per pass (`shuffle: false` keeps the dataset's order).
 * The last batch is smaller when the rows do not divide evenly, unless `dropLast`.
 *
 * The batch's X, y and indices are reused by the next batch: a training step uses them and moves
 * on; copy what must outlive the step.
 *
 * @example
 * for (const { X, y } of nn.data.batches(train.X, train.y, { batchSize: 128, rng })) step(X, y);
 */
export function batches<Y extends Targets | undefined = undefined>(X: Matrix, y: Y, opts: BatchOptions): Generator<Batch<Y>, void, undefined> {
  assertDataset(X, y);
  assertOptions(opts, 'options', BATCH_KEYS);
  if (opts === undefined) rangeError('options', 'an options object with batchSize', opts);
  // Every option is read now, once: changing the options object while the batches are being
  // drawn changes nothing (a batchSize of 0 set then would otherwise yield empty batches forever).
  const batchSize = opts.batchSize;
  assertInteger(batchSize, 'batchSize', 1);
  const doShuffle = opts.shuffle ?? true, dropLast = opts.dropLast ?? false;
  assertBoolean(doShuffle, 'shuffle');
  assertBoolean(dropLast, 'dropLast');
  const rng = rngOf(opts.rng);
  const N = X.rows, cols = X.cols, B = Math.min(batchSize, Math.max(N, 1));
  // Drawn now, not at the first batch: what the caller draws from rng afterwards cannot change it.
  const order = doShuffle ? permutation(N, { rng }) : identity(N);
  const xb: Matrix = { data: allocateFloat32(B * cols, 'batchSize × X.cols'), rows: B, cols };
  const yb = targetsBuffer(y, B);
  return (function* generate(): Generator<Batch<Y>, void, undefined> {
    const count = dropLast ? Math.floor(N / batchSize) : Math.ceil(N / batchSize);
    for (let b = 0; b < count; b++) {
      const start = b * batchSize, rows = Math.min(batchSize, N - start);
      const indices = order.subarray(start, start + rows);
      const Xv = rows === B ? xb : { data: xb.data.subarray(0, rows * cols), rows, cols };
      gather(X, indices, { out: Xv });
      const yv = rows === B ? yb : view(yb, rows);
      if (y !== undefined) {
        if (ArrayBuffer.isView(y)) gather(y as Labels, indices, { out: yv as Labels });
        else gather(y as Matrix, indices, { out: yv as Matrix });
      }
      yield { X: Xv, y: yv, indices, index: b };
    }
  })();
}

/** Options of {@link split}. */
export interface SplitOptions extends RandomOptions {
  /** The validation share: a fraction in (0, 1) of the rows, or a whole number of rows. */
  validation: number;
  /** Shuffle before splitting (default true; false takes the last rows for validation). */
  shuffle?: boolean;
  /** Keep each class's share the same in both parts (labels `y` required; default false). */
  stratify?: boolean;
}
const SPLIT_KEYS = optionKeys<SplitOptions>()('validation', 'shuffle', 'stratify', 'rng');

/** The two parts of {@link split}: copies, sharing no storage with the input or each other. */
export interface Split<Y extends Targets | undefined> {
  train: { X: Matrix; y: Y; indices: Uint32Array };
  validation: { X: Matrix; y: Y; indices: Uint32Array };
}

/** Per class, how many of its rows go to validation: floor of its share, the rest by largest remainder. */
function stratifiedCounts(byClass: number[][], total: number, k: number): number[] {
  const exact = byClass.map((rows) => (rows.length * k) / total);
  const counts = exact.map(Math.floor);
  let left = k - counts.reduce((a, b) => a + b, 0);
  const order = exact.map((e, c) => ({ c, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.c - b.c);
  for (const { c } of order) {
    if (left === 0) break;
    if (counts[c]! < byClass[c]!.length) counts[c]!++, left--;
  }
  return counts;
}

/**
 * Splits a dataset into training and validation parts (copies). `validation` is a fraction of
 * the rows or a row count. Shuffled by default (seeded: same split on every machine); with
 * `stratify` each class keeps its share in both parts (the largest-remainder rounding gives the
 * exact validation size). Fit preprocessing on `train` only, then transform both.
 *
 * @example
 * const { train, validation } = nn.data.split(X, y, { validation: 0.1, stratify: true, rng });
 */
export function split<Y extends Targets | undefined = undefined>(X: Matrix, y: Y, opts: SplitOptions): Split<Y> {
  assertDataset(X, y);
  assertOptions(opts, 'options', SPLIT_KEYS);
  if (opts === undefined) rangeError('options', 'an options object with validation', opts);
  const N = X.rows, v = opts.validation;
  if (typeof v !== 'number' || Number.isNaN(v)) typeError('validation', 'a fraction in (0, 1) or a row count', v);
  let k: number;
  if (v > 0 && v < 1) k = Math.round(v * N);
  else if (Number.isInteger(v) && v >= 0 && v <= N) k = v;
  else return rangeError('validation', `a fraction in (0, 1) or a whole number of rows from 0 to ${N}`, v);
  const doShuffle = opts.shuffle ?? true, stratify = opts.stratify ?? false;
  assertBoolean(doShuffle, 'shuffle');
  assertBoolean(stratify, 'stratify');
  const rng = rngOf(opts.rng);
  let trainIdx: Uint32Array, valIdx: Uint32Array;
  if (stratify) {
    if (y === undefined || !ArrayBuffer.isView(y)) typeError('y', 'class labels (stratify: true)', y);
    const labels = y as Labels;
    const rowsOfClass = new Map<number, number[]>();
    for (let i = 0; i < N; i++) {
      const rows = rowsOfClass.get(labels[i]!);
      if (rows) rows.push(i);
      else rowsOfClass.set(labels[i]!, [i]);
    }
    const byClass = [...rowsOfClass.keys()].sort((a, b) => a - b).map((c) => rowsOfClass.get(c)!);
    if (doShuffle) for (const rows of byClass) shuffleInPlace(rows, rng);
    const counts = stratifiedCounts(byClass, N, k);
    const val: number[] = [], tr: number[] = [];
    byClass.forEach((rows, c) => {
      val.push(...rows.slice(0, counts[c]));
      tr.push(...rows.slice(counts[c]));
    });
    valIdx = Uint32Array.from(val);
    trainIdx = Uint32Array.from(tr);
    if (doShuffle) {
      shuffleInPlace(valIdx, rng);
      shuffleInPlace(trainIdx, rng);
    } else {
      valIdx.sort();
      trainIdx.sort();
    }
  } else {
    const order = doShuffle ? permutation(N, { rng }) : identity(N);
    trainIdx = order.slice(0, N - k);
    valIdx = order.slice(N - k);
  }
  const part = (idx: Uint32Array) => {
    const yPart = (y === undefined ? undefined : ArrayBuffer.isView(y) ? gather(y as Labels, idx) : gather(y as Matrix, idx)) as Y;
    return { X: gather(X, idx), y: yPart, indices: idx };
  };
  return { train: part(trainIdx), validation: part(valIdx) };
}
