/**
 * Per-dimension scaling of [min, max] to a target range (the notes' "scale to [-1, 1]").
 */
import { ErrorCodes, Received, rangeError, typeError } from '../errors';
import { assertMatrix, type Matrix, MAX_DIMENSION } from '../matrix';
import { native } from '../native';
import { assertFiniteNumber, assertOptions, optionKeys } from '../validate';
import { DocumentReader, encodeFloat32, formatError, type SavedDocument } from './serialize';
import {
  fitData, assertFitted, assertWidth, registerStep, resolveOutput, type Transformer, type TransformOptions,
} from './transformer';

/** Options of {@link RangeScaler}. */
export interface RangeScalerOptions {
  /** Target interval `[lo, hi]`, lo < hi, both within ±1e38 (default `[-1, 1]`). */
  range?: readonly [number, number];
}

const FORMAT = 'nnkit.RangeScaler';
/** Largest |lo| or |hi| of a target range: far from float32's 3.4e38, so outputs stay finite. */
const MAX_RANGE_END = 1e38;

interface RangeState {
  rows: number;
  min: Float32Array;
  max: Float32Array;
}

let restore: (s: RangeScaler, state: RangeState) => void;

const RANGE_SCALER_KEYS = optionKeys<RangeScalerOptions>()('range');

/**
 * Maps each column's fitted [min, max] linearly onto [lo, hi]:
 * `transform(x) = lo + (x − min) · (hi − lo) / (max − min)`.
 *
 * - A constant column (max = min) maps to the midpoint (lo + hi) / 2, never Inf/NaN; its
 *   inverse gives back the constant. So does a column whose spread is so small (denormal, below
 *   about (hi − lo) / 3.4e38) that the float32 scale (hi − lo) / (max − min) would overflow: the
 *   training data then transforms to finite values, never to NaN (0 · Infinity).
 * - Values outside the training range map outside [lo, hi] (no clipping): the statistics are
 *   the training split's, as the notes require.
 * - min and max are exact float32 values; `partialFit` and `merge` take the min of mins and the
 *   max of maxes, so any split gives the one-shot fit exactly.
 * - ERR_NNKIT_STATE before any fit, ERR_NNKIT_SHAPE for data of another width.
 */
export class RangeScaler implements Transformer {
  /** Lower end of the target range. */
  readonly lo: number;
  /** Upper end of the target range. */
  readonly hi: number;

  #state: RangeState | null = null;
  #params: { shift: Float32Array; scale: Float32Array; offset: Float32Array; invScale: Float32Array; loShift: Float32Array } | null = null;

  constructor(opts?: RangeScalerOptions) {
    assertOptions(opts, 'options', RANGE_SCALER_KEYS);
    const range = opts?.range ?? [-1, 1];
    if (!Array.isArray(range) || range.length !== 2) typeError('range', 'an array [lo, hi]', range);
    // Each end is read once: the value checked is the value kept, whatever a getter does.
    const lo: unknown = range[0], hi: unknown = range[1];
    assertFiniteNumber(lo, 'range[0]');
    assertFiniteNumber(hi, 'range[1]');
    if (!(lo < hi)) rangeError('range', 'lo < hi', new Received(`[${lo}, ${hi}]`));
    // Ends near the float32 limit would let the rounding of (x − min)·scale step past it (+Infinity).
    if (Math.abs(lo) > MAX_RANGE_END || Math.abs(hi) > MAX_RANGE_END)
      rangeError('range', `ends within ±${MAX_RANGE_END}`, new Received(`[${lo}, ${hi}]`));
    this.lo = lo;
    this.hi = hi;
  }

  /** The target range `[lo, hi]`. */
  get range(): [number, number] {
    return [this.lo, this.hi];
  }

  /** Rows fitted so far. */
  get count(): number {
    return this.#state?.rows ?? 0;
  }

  /** Fitted width; 0 before any fit. */
  get width(): number {
    return this.#state?.min.length ?? 0;
  }

  /** True once some data has been fitted. */
  get fitted(): boolean {
    return this.#state !== null;
  }

  /** Per-column minimum of the training data (a copy). */
  get min(): Float32Array {
    assertFitted(this.fitted, 'RangeScaler', 'min');
    return this.#state!.min.slice();
  }

  /** Per-column maximum of the training data (a copy). */
  get max(): Float32Array {
    assertFitted(this.fitted, 'RangeScaler', 'max');
    return this.#state!.max.slice();
  }

  #add(rows: number, min: Float32Array, max: Float32Array): void {
    const s = this.#state;
    if (s === null) this.#state = { rows, min, max };
    else {
      for (let j = 0; j < min.length; j++) {
        if (min[j]! < s.min[j]!) s.min[j] = min[j]!;
        if (max[j]! > s.max[j]!) s.max[j] = max[j]!;
      }
      s.rows += rows;
    }
    this.#params = null;
  }

  /** Fits per-column min and max on X, replacing any previous fit. */
  fit(X: Matrix): this {
    X = fitData(X);
    const min = new Float32Array(X.cols), max = new Float32Array(X.cols);
    native.columnMinMax(X.data, X.rows, X.cols, min, max);
    this.#state = null;
    this.#add(X.rows, min, max);
    return this;
  }

  /** {@link fit} with the pass over X on the libuv thread pool. */
  async fitAsync(X: Matrix): Promise<this> {
    X = fitData(X);
    const min = new Float32Array(X.cols), max = new Float32Array(X.cols);
    await native.columnMinMaxAsync(X.data, X.rows, X.cols, min, max);
    this.#state = null;
    this.#add(X.rows, min, max);
    return this;
  }

  /** Widens the fitted ranges with a chunk of training rows; an empty chunk changes nothing. */
  partialFit(X: Matrix): this {
    assertMatrix(X, 'X');
    if (this.fitted) assertWidth(X, this.width, 'RangeScaler');
    else if (X.cols < 1) rangeError('X.cols', 'at least 1 column', X.cols, ErrorCodes.SHAPE);
    if (X.rows === 0) return this;
    const min = new Float32Array(X.cols), max = new Float32Array(X.cols);
    native.columnMinMax(X.data, X.rows, X.cols, min, max);
    this.#add(X.rows, min, max);
    return this;
  }

  /** Adds another RangeScaler's ranges (fitted on other rows) to this one. */
  merge(other: RangeScaler): this {
    if (!(other instanceof RangeScaler)) typeError('other', 'a RangeScaler', other);
    const theirs = other.#state;
    if (theirs === null) return this;
    if (this.fitted && theirs.min.length !== this.width)
      rangeError('other.width', `${this.width} (this RangeScaler's width)`, theirs.min.length, ErrorCodes.SHAPE);
    this.#add(theirs.rows, theirs.min.slice(), theirs.max.slice());
    return this;
  }

  #parameters() {
    if (this.#params) return this.#params;
    const { min, max } = this.#state!;
    const width = min.length, span = this.hi - this.lo, mid = (this.lo + this.hi) / 2;
    const shift = new Float32Array(width), scale = new Float32Array(width), offset = new Float32Array(width);
    const invScale = new Float32Array(width), lo = new Float32Array(width);
    for (let j = 0; j < width; j++) {
      const extent = max[j]! - min[j]!;  // float64: no overflow for any pair of float32 values
      shift[j] = min[j]!;
      // the float32 scale must be finite: a denormal spread would give Infinity, and 0 · Infinity = NaN at x = min
      if (extent > 0 && Number.isFinite(Math.fround(span / extent))) {
        scale[j] = span / extent;
        offset[j] = this.lo;
        invScale[j] = extent / span;
      } else {
        scale[j] = 0;
        offset[j] = mid;
        invScale[j] = 0;
      }
      lo[j] = this.lo;
    }
    this.#params = { shift, scale, offset, invScale, loShift: lo };
    return this.#params;
  }

  /** `lo + (X − min) · (hi − lo) / (max − min)` per column; `{ inPlace }` or `{ out }` as every transform. */
  transform(X: Matrix, opts?: TransformOptions): Matrix {
    const { out, check, p } = this.#plan(X, opts, 'transform');
    native.columnAffine(X.data, X.rows, X.cols, out.data, p.shift, p.scale, p.offset, check);
    return out;
  }

  /**
   * {@link transform} on the libuv thread pool, bit-identical to it: the ranges fitted when the
   * call starts, X copied then, the result written into `out` (or X with `inPlace`) on the JS
   * thread when the work is done; a detached output rejects with ERR_NNKIT_DETACHED and argument
   * errors reject with the sync codes. As for `Standardizer.transformAsync`, copying ordinary
   * buffers costs the JS thread more than this memory-bound pass; shared memory is used in place.
   */
  async transformAsync(X: Matrix, opts?: TransformOptions): Promise<Matrix> {
    const { out, check, p } = this.#plan(X, opts, 'transformAsync');
    await native.columnAffineAsync(X.data, X.rows, X.cols, out.data, p.shift, p.scale, p.offset, check);
    return out;
  }

  /** `min + (X − lo) · (max − min) / (hi − lo)`: undoes {@link transform} (a constant column gives its constant). */
  inverseTransform(X: Matrix, opts?: TransformOptions): Matrix {
    const { out, check, p, min } = this.#plan(X, opts, 'inverseTransform');
    native.columnAffine(X.data, X.rows, X.cols, out.data, p.loShift, p.invScale, min, check);
    return out;
  }

  /** {@link inverseTransform} on the libuv thread pool (semantics as {@link transformAsync}). */
  async inverseTransformAsync(X: Matrix, opts?: TransformOptions): Promise<Matrix> {
    const { out, check, p, min } = this.#plan(X, opts, 'inverseTransformAsync');
    await native.columnAffineAsync(X.data, X.rows, X.cols, out.data, p.loShift, p.invScale, min, check);
    return out;
  }

  #plan(X: Matrix, opts: TransformOptions | undefined, method: string) {
    assertMatrix(X, 'X');
    assertFitted(this.fitted, 'RangeScaler', method);
    assertWidth(X, this.width, 'RangeScaler');
    const { out, check } = resolveOutput(X, X.cols, opts, 'RangeScaler');
    return { out, check, p: this.#parameters(), min: this.#state!.min };
  }

  /** `fit(X)` then `transform(X, opts)`. */
  fitTransform(X: Matrix, opts?: TransformOptions): Matrix {
    return this.fit(X).transform(X, opts);
  }

  /** `{ format: 'nnkit.RangeScaler', version: 1, range, width, count, min, max }`, min/max as base64 float32. */
  toJSON(): SavedDocument {
    const s = this.#state;
    return {
      format: FORMAT,
      version: 1,
      range: [this.lo, this.hi],
      width: this.width,
      count: this.count,
      min: s ? encodeFloat32(s.min) : null,
      max: s ? encodeFloat32(s.max) : null,
    };
  }

  /** Reads a document written by {@link toJSON}; ERR_NNKIT_FORMAT for anything damaged. */
  static fromJSON(json: unknown): RangeScaler {
    return readRangeScaler(json, 'json');
  }

  static {
    restore = (s, state) => {
      s.#state = state;
    };
  }
}

function readRangeScaler(json: unknown, path: string): RangeScaler {
  const r = new DocumentReader(json, FORMAT, [1], path);
  const range = r.array('range', 2);
  if (range.length !== 2 || typeof range[0] !== 'number' || typeof range[1] !== 'number' || !Number.isFinite(range[0]) ||
    !Number.isFinite(range[1]) || !(range[0] < range[1]) || Math.abs(range[0]) > MAX_RANGE_END || Math.abs(range[1]) > MAX_RANGE_END)
    formatError(`${path}.range`, `[lo, hi] with finite lo < hi within ±${MAX_RANGE_END}`, range);
  const s = new RangeScaler({ range: [range[0], range[1]] });
  const width = r.integer('width', { max: MAX_DIMENSION });
  const rows = r.integer('count');
  if (width === 0) {
    if (rows !== 0 || r.raw('min') !== null || r.raw('max') !== null)
      formatError(`${path}.count`, 'count 0 and null min/max for an unfitted RangeScaler', rows);
    return s;
  }
  if (rows < 1) formatError(`${path}.count`, 'at least 1 for a fitted RangeScaler', rows);
  const min = r.float32('min', width);
  const max = r.float32('max', width);
  r.check('max', max, 'a value ≥ min', (v, i) => v >= min[i]!);
  restore(s, { rows, min, max });
  return s;
}

registerStep(FORMAT, readRangeScaler);
