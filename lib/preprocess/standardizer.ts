/**
 * Mean subtraction and normalization by the standard deviation (the notes' `X -= mean;
 * X /= std`), fitted once on training data and applied to every split.
 */
import { ErrorCodes, rangeError, typeError } from '../errors';
import { assertMatrix, type Matrix, MAX_DIMENSION } from '../matrix';
import { native } from '../native';
import { assertBoolean, assertFiniteNumber, assertInteger, assertOneOf, assertOptions, optionKeys } from '../validate';
import { columnMoments, columnMomentsAsync, mergeMoments, type Moments, poolColumns } from './moments';
import { DocumentReader, encodeFloat64, formatError, type SavedDocument } from './serialize';
import {
  fitData, assertFitted, assertWidth, registerStep, resolveOutput, type Transformer, type TransformOptions,
} from './transformer';

/** How values are grouped into statistics. */
export type StandardizerMode = 'feature' | 'scalar' | 'channel';

/** Options of {@link Standardizer}. */
export interface StandardizerOptions {
  /** Subtract the mean (default true). */
  center?: boolean;
  /** Divide by the population standard deviation (default true). */
  scale?: boolean;
  /**
   * Columns (or groups) whose std is ≤ eps are divided by 1 instead, so a zero-variance
   * column becomes all zeros rather than Inf/NaN (default 1e-8; 0 replaces only exact zeros).
   */
  eps?: number;
  /**
   * `'feature'` (default): one mean and std per column. `'scalar'`: one mean and std over every
   * value (the notes' image variant `X -= np.mean(X)`). `'channel'`: one per channel of
   * channels-last images, column j belonging to channel j mod `channels` (a 32×32×3 image
   * flattened as [r, g, b, r, g, b, …]).
   */
  mode?: StandardizerMode;
  /** Channels of `'channel'` mode (the width must be a multiple of it). */
  channels?: number;
}

const FORMAT = 'nnkit.Standardizer';

/** Installs validated state into a new Standardizer (set in the class's static block). */
let restore: (s: Standardizer, width: number, rows: number, moments: Moments) => void;

const STANDARDIZER_KEYS = optionKeys<StandardizerOptions>()('center', 'scale', 'eps', 'mode', 'channels');

/**
 * Standardizes data with statistics fitted on training data:
 * `transform(X) = (X − mean) / std` with the population std (ddof = 0),
 * `std = sqrt(Σ(x − mean)² / N)`.
 *
 * - A column (group) with std ≤ `eps` is divided by 1: it is only centered (a constant column
 *   becomes 0). `std` reports the true value (0); `transform` never produces Inf or NaN.
 * - Moments are accumulated in float64 around a per-block shift, so data with a large offset
 *   (pixels 0–255, readings near 1e4) keeps full precision; `transform` subtracts the float64
 *   mean (as a float32 pair), so 1e4 + noise of std 6e-3 standardizes to within 1e-5 of float64.
 * - `partialFit` and `merge` combine (count, mean, M2) with the Chan–Golub–LeVeque update, so
 *   any split of the data into chunks (or workers) gives the one-shot fit to rounding.
 * - `transform` before any fit throws ERR_NNKIT_STATE; data of another width throws
 *   ERR_NNKIT_SHAPE. Nothing ever computes statistics from the data it transforms, except
 *   `fitTransform`, which says so.
 *
 * @example
 * const scaler = new nn.Standardizer().fit(Xtrain);
 * scaler.transform(Xtrain, { inPlace: true });
 * const Xtest2 = scaler.transform(Xtest);
 */
export class Standardizer implements Transformer {
  /** Whether the mean is subtracted. */
  readonly center: boolean;
  /** Whether values are divided by the std. */
  readonly scale: boolean;
  /** Threshold below which a std counts as zero (divided by 1 instead). */
  readonly eps: number;
  /** Grouping of the statistics. */
  readonly mode: StandardizerMode;
  /** Channels of `'channel'` mode, otherwise undefined. */
  readonly channels: number | undefined;

  #width = 0;
  #rows = 0;
  #moments: Moments | null = null;
  #params: { shift: Float32Array; scale: Float32Array; offset: Float32Array; divisor: Float32Array; mean: Float32Array } | null = null;

  constructor(opts?: StandardizerOptions) {
    assertOptions(opts, 'options', STANDARDIZER_KEYS);
    const center = opts?.center ?? true;
    const scale = opts?.scale ?? true;
    const eps = opts?.eps ?? 1e-8;
    const mode = opts?.mode ?? 'feature';
    assertBoolean(center, 'center');
    assertBoolean(scale, 'scale');
    assertFiniteNumber(eps, 'eps');
    if (eps < 0) rangeError('eps', 'a number ≥ 0', eps);
    assertOneOf(mode, 'mode', ['feature', 'scalar', 'channel'] as const);
    const channels = opts?.channels;
    if (mode === 'channel') assertInteger(channels, 'channels', 1, MAX_DIMENSION);
    else if (channels !== undefined) rangeError('channels', "undefined unless mode is 'channel'", channels);
    this.center = center;
    this.scale = scale;
    this.eps = eps;
    this.mode = mode;
    this.channels = mode === 'channel' ? channels : undefined;
  }

  /** Rows fitted so far (0 before any fit). */
  get count(): number {
    return this.#rows;
  }

  /** Width (columns) the scaler was fitted on; 0 before any fit. */
  get width(): number {
    return this.#width;
  }

  /** True once some data has been fitted. */
  get fitted(): boolean {
    return this.#moments !== null;
  }

  /** The fitted mean: one per column (`'feature'`), one value (`'scalar'`) or one per channel. A copy. */
  get mean(): Float32Array {
    assertFitted(this.fitted, 'Standardizer', 'mean');
    return Float32Array.from(this.#moments!.mean);
  }

  /** The fitted population std (ddof = 0), grouped as {@link mean}; 0 for a constant column. A copy. */
  get std(): Float32Array {
    assertFitted(this.fitted, 'Standardizer', 'std');
    const m = this.#moments!;
    return Float32Array.from(m.m2, (v) => Math.sqrt(v / m.count));
  }

  /** Statistics groups for data of `width` columns. */
  #groups(width: number): number {
    if (this.mode === 'feature') return width;
    if (this.mode === 'scalar') return 1;
    if (width % this.channels! !== 0)
      rangeError('X.cols', `a multiple of channels (${this.channels})`, width, ErrorCodes.SHAPE);
    return this.channels!;
  }

  #add(X: Matrix, columns: { mean: Float64Array; m2: Float64Array }): void {
    const chunk = poolColumns(X.rows, columns.mean, columns.m2, this.#groups(X.cols));
    if (this.#moments === null) {
      this.#moments = { count: 0, mean: new Float64Array(chunk.mean.length), m2: new Float64Array(chunk.mean.length) };
      this.#width = X.cols;
    }
    mergeMoments(this.#moments, chunk);
    this.#rows += X.rows;
    this.#params = null;
  }

  #reset(): void {
    this.#moments = null;
    this.#width = 0;
    this.#rows = 0;
    this.#params = null;
  }

  /** Fits mean and std on X (rows = samples), replacing any previous fit. */
  fit(X: Matrix): this {
    X = fitData(X);
    this.#groups(X.cols);
    const columns = columnMoments(X);
    this.#reset();
    this.#add(X, columns);
    return this;
  }

  /** {@link fit} with the pass over X on the libuv thread pool (do not write to X meanwhile). */
  async fitAsync(X: Matrix): Promise<this> {
    X = fitData(X);
    this.#groups(X.cols);
    const columns = await columnMomentsAsync(X);
    this.#reset();
    this.#add(X, columns);
    return this;
  }

  /**
   * Adds a chunk of training rows to the statistics (Chan's update of count, mean, M2 in
   * float64). The first chunk fixes the width; an empty chunk changes nothing.
   */
  partialFit(X: Matrix): this {
    assertMatrix(X, 'X');
    if (this.fitted) assertWidth(X, this.#width, 'Standardizer');
    else if (X.cols < 1) rangeError('X.cols', 'at least 1 column', X.cols, ErrorCodes.SHAPE);
    this.#groups(X.cols);
    if (X.rows === 0) return this;
    this.#add(X, columnMoments(X));
    return this;
  }

  /**
   * Adds another Standardizer's statistics (fitted on other rows, e.g. in a worker) to this
   * one, as if this one had seen those rows too. Modes, channels and widths must agree.
   */
  merge(other: Standardizer): this {
    if (!(other instanceof Standardizer)) typeError('other', 'a Standardizer', other);
    if (other.mode !== this.mode || other.channels !== this.channels)
      rangeError('other', `a Standardizer with mode '${this.mode}'${this.channels ? ` and ${this.channels} channels` : ''}`, other.mode);
    const theirs = other.#moments;
    if (theirs === null) return this;
    if (this.fitted && other.#width !== this.#width)
      rangeError('other.width', `${this.#width} (this Standardizer's width)`, other.#width, ErrorCodes.SHAPE);
    if (this.#moments === null) {
      this.#moments = { count: 0, mean: new Float64Array(theirs.mean.length), m2: new Float64Array(theirs.mean.length) };
      this.#width = other.#width;
    }
    mergeMoments(this.#moments, theirs);
    this.#rows += other.#rows;
    this.#params = null;
    return this;
  }

  #parameters() {
    if (this.#params) return this.#params;
    const m = this.#moments!;
    const width = this.#width, groups = m.mean.length;
    const shift = new Float32Array(width), scale = new Float32Array(width), offset = new Float32Array(width);
    const divisor = new Float32Array(width), mean = new Float32Array(width);
    for (let j = 0; j < width; j++) {
      const g = j % groups;
      const std = Math.sqrt(m.m2[g]! / m.count);
      const d = this.scale && std > this.eps ? std : 1;
      mean[j] = this.center ? m.mean[g]! : 0;
      shift[j] = mean[j]!;
      scale[j] = 1 / d;
      divisor[j] = d;
      // The float32 mean is off by up to half an ulp of the offset (4.9e-4 at 1e4), which next to a
      // small std would dominate the result: the remainder of the float64 mean goes into the
      // affine's offset, (x − hi)/d − lo/d, and the inverse undoes it ((y + lo/d)·d + hi).
      if (this.center) offset[j] = -(m.mean[g]! - shift[j]!) / d;
    }
    this.#params = { shift, scale, offset, divisor, mean };
    return this.#params;
  }

  /**
   * `(X − mean) / std` with the fitted statistics (X is not read for statistics).
   * `{ inPlace: true }` overwrites X and allocates nothing; `{ out }` writes there.
   *
   * @throws RangeError ERR_NNKIT_STATE before any fit; ERR_NNKIT_SHAPE for another width.
   */
  transform(X: Matrix, opts?: TransformOptions): Matrix {
    const { out, check, p } = this.#plan(X, opts, 'transform');
    native.columnAffine(X.data, X.rows, X.cols, out.data, p.shift, p.scale, p.offset, check);
    return out;
  }

  /**
   * {@link transform} on the libuv thread pool, bit-identical to it. The statistics are the
   * ones fitted when the call starts (a later fit does not change a pending call); X is copied
   * then, and the result is written into `out` (or over X with `inPlace`) on the JS thread when
   * the work is done. A detached output rejects with ERR_NNKIT_DETACHED; every argument error
   * of the sync call rejects with its code. SharedArrayBuffer-backed data is used in place.
   * Ordinary buffers are copied on the JS thread (the price of a call that stays safe when a
   * buffer is transferred away meanwhile), and for this one memory-bound pass the copies cost
   * far more than the pass (50000 × 3072 here: ~45 ms sync, ~620 ms async); use it on shared
   * memory, or to interleave with other work, not to go faster.
   */
  async transformAsync(X: Matrix, opts?: TransformOptions): Promise<Matrix> {
    const { out, check, p } = this.#plan(X, opts, 'transformAsync');
    await native.columnAffineAsync(X.data, X.rows, X.cols, out.data, p.shift, p.scale, p.offset, check);
    return out;
  }

  /** `X · std + mean`: undoes {@link transform} (to float rounding). Same options and errors. */
  inverseTransform(X: Matrix, opts?: TransformOptions): Matrix {
    const { out, check, p } = this.#plan(X, opts, 'inverseTransform');
    native.columnAffine(X.data, X.rows, X.cols, out.data, p.offset, p.divisor, p.mean, check);
    return out;
  }

  /** {@link inverseTransform} on the libuv thread pool (semantics as {@link transformAsync}). */
  async inverseTransformAsync(X: Matrix, opts?: TransformOptions): Promise<Matrix> {
    const { out, check, p } = this.#plan(X, opts, 'inverseTransformAsync');
    await native.columnAffineAsync(X.data, X.rows, X.cols, out.data, p.offset, p.divisor, p.mean, check);
    return out;
  }

  #plan(X: Matrix, opts: TransformOptions | undefined, method: string) {
    assertMatrix(X, 'X');
    assertFitted(this.fitted, 'Standardizer', method);
    assertWidth(X, this.#width, 'Standardizer');
    const { out, check } = resolveOutput(X, X.cols, opts, 'Standardizer');
    return { out, check, p: this.#parameters() };
  }

  /** `fit(X)` then `transform(X, opts)`: the one call that both learns from and changes X. */
  fitTransform(X: Matrix, opts?: TransformOptions): Matrix {
    return this.fit(X).transform(X, opts);
  }

  /**
   * `{ format: 'nnkit.Standardizer', version: 1, center, scale, eps, mode, channels, width,
   * count, mean, m2 }`, with the float64 running state (per group) as base64 of little-endian
   * float64: loading gives back bit-identical statistics, and `partialFit`/`merge` continue.
   */
  toJSON(): SavedDocument {
    const m = this.#moments;
    return {
      format: FORMAT,
      version: 1,
      center: this.center,
      scale: this.scale,
      eps: this.eps,
      mode: this.mode,
      channels: this.channels ?? null,
      width: this.#width,
      count: this.#rows,
      mean: m ? encodeFloat64(m.mean) : null,
      m2: m ? encodeFloat64(m.m2) : null,
    };
  }

  /**
   * Reads a document written by {@link toJSON} (or its JSON text). Every field is validated
   * (types, version, sizes against the base64 lengths before decoding, finite values, M2 ≥ 0)
   * and a bad document throws ERR_NNKIT_FORMAT without creating anything.
   */
  static fromJSON(json: unknown): Standardizer {
    return readStandardizer(json, 'json');
  }

  static {
    restore = (s, width, rows, moments) => {
      s.#width = width;
      s.#rows = rows;
      s.#moments = moments;
    };
  }
}

function readStandardizer(json: unknown, path: string): Standardizer {
  const r = new DocumentReader(json, FORMAT, [1], path);
  const mode = r.oneOf('mode', ['feature', 'scalar', 'channel'] as const);
  const channels = mode === 'channel' ? r.dimension('channels') : undefined;
  if (mode !== 'channel' && r.raw('channels') !== null) formatError(`${path}.channels`, "null unless mode is 'channel'", r.raw('channels'));
  const opts: StandardizerOptions = { center: r.boolean('center'), scale: r.boolean('scale'), eps: r.number('eps', 0), mode };
  if (channels !== undefined) opts.channels = channels;
  const s = new Standardizer(opts);  // re-validates the options
  const width = r.integer('width', { max: MAX_DIMENSION });
  const rows = r.integer('count');
  if (width === 0) {
    if (rows !== 0) formatError(`${path}.count`, '0 for an unfitted Standardizer (width 0)', rows);
    if (r.raw('mean') !== null || r.raw('m2') !== null) formatError(`${path}.mean`, 'null for an unfitted Standardizer', r.raw('mean'));
    return s;
  }
  if (rows < 1) formatError(`${path}.count`, 'at least 1 for a fitted Standardizer', rows);
  let groups = width;
  if (mode === 'scalar') groups = 1;
  if (mode === 'channel') {
    if (width % channels! !== 0) formatError(`${path}.width`, `a multiple of channels (${channels})`, width);
    groups = channels!;
  }
  const mean = r.float64('mean', groups);
  const m2 = r.float64('m2', groups);
  r.check('m2', m2, 'a number ≥ 0', (v) => v >= 0);
  restore(s, width, rows, { count: rows * (width / groups), mean, m2 });
  return s;
}

registerStep(FORMAT, readStandardizer);
