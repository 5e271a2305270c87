/**
 * What every fitted preprocessing step shares: the transform options, the fitted-state and
 * width checks that make the notes' pitfall (statistics computed on the data being
 * transformed) impossible by accident, and the registry through which a saved Pipeline finds
 * the reader of each step.
 */
import { ErrorCodes, NnkitRangeError, Received, rangeError } from '../errors';
import { type Matrix, matrixArg, outMatrix } from '../matrix';
import type { FiniteCheck } from '../native';
import { assertBoolean, assertOptions, optionKeys } from '../validate';
import { formatError, type SavedDocument } from './serialize';

/** Options of `transform` / `inverseTransform`. */
export interface TransformOptions {
  /** Where to write the result (a Matrix or Float32Array of the output's size); new storage otherwise. */
  out?: Matrix | Float32Array;
  /** Overwrite X with the result (no allocation); only for steps whose output has X's shape. */
  inPlace?: boolean;
  /**
   * Reject NaN and ±Infinity in X with ERR_NNKIT_NONFINITE naming the first one's row and
   * column, writing nothing (default true, as scikit-learn's transforms). The check rides in the
   * transform's own pass where the output is new, and is a read-only scan first when the result
   * goes over X or into `out`. `false` lets them through (a NaN then spreads as IEEE arithmetic does).
   */
  checkFinite?: boolean;
}

/** A fitted preprocessing step: statistics come from `fit`, every split goes through `transform`. */
export interface Transformer {
  /** Computes the step's statistics from X (training data only); returns the step. */
  fit(X: Matrix): this;
  /** {@link fit} with the heavy part on the libuv thread pool. */
  fitAsync(X: Matrix): Promise<this>;
  /** Applies the fitted statistics to X. */
  transform(X: Matrix, opts?: TransformOptions): Matrix;
  /** `fit(X)` then `transform(X)`. */
  fitTransform(X: Matrix, opts?: TransformOptions): Matrix;
  /** Maps transformed data back to the input space, where the step can. */
  inverseTransform?(X: Matrix, opts?: TransformOptions): Matrix;
  /** {@link transform} on the libuv thread pool (a Pipeline falls back to `transform` without it). */
  transformAsync?(X: Matrix, opts?: TransformOptions): Promise<Matrix>;
  /** {@link inverseTransform} on the libuv thread pool. */
  inverseTransformAsync?(X: Matrix, opts?: TransformOptions): Promise<Matrix>;
  /** Adds a chunk of training rows to the statistics (streaming fit). */
  partialFit?(X: Matrix): this;
  /** Adds another step's partial fit (of the same kind) to this one. */
  merge?(other: never): this;
  /** True once the step holds statistics. */
  readonly fitted?: boolean;
  /** A versioned JSON document that the step's `fromJSON` reads back bit-exactly. */
  toJSON(): SavedDocument;
}

/** The ERR_NNKIT_STATE error of a step used before it was fitted (or in another wrong state). */
export function stateError(message: string): never {
  throw new NnkitRangeError(ErrorCodes.STATE, message);
}

/** Throws ERR_NNKIT_STATE unless the step has been fitted. */
export function assertFitted(fitted: boolean, step: string, method: string): void {
  if (!fitted)
    stateError(`${step}.${method}() called before fit(): statistics come only from fit, partialFit or fitTransform on training data`);
}

/** Throws ERR_NNKIT_SHAPE when X's width differs from the width the step was fitted on. */
export function assertWidth(X: Matrix, width: number, step: string, name = 'X'): void {
  if (X.cols !== width)
    rangeError(`${name}.cols`, `${width} columns (the width ${step} was fitted on)`, X.cols, ErrorCodes.SHAPE);
}

/** The keys of {@link TransformOptions} (for Pipeline's own check). */
export const TRANSFORM_KEYS = optionKeys<TransformOptions>()('out', 'inPlace', 'checkFinite');

/**
 * Validates X and the options, and returns where the `rows × cols` result goes — X itself
 * (`inPlace`, which needs cols === X.cols), the caller's `out`, or new storage — and how X is
 * checked for NaN and ±Infinity ({@link FiniteCheck}: in the pass for new storage, by a scan
 * first otherwise, none with `checkFinite: false`).
 */
export function resolveOutput(X: Matrix, cols: number, opts: TransformOptions | undefined, step: string): { out: Matrix; check: FiniteCheck } {
  assertOptions(opts, 'options', TRANSFORM_KEYS);
  const inPlace = opts?.inPlace ?? false;
  const checkFinite = opts?.checkFinite ?? true;
  assertBoolean(inPlace, 'inPlace');
  assertBoolean(checkFinite, 'checkFinite');
  if (inPlace) {
    if (opts?.out !== undefined && opts.out !== X && opts.out !== X.data)
      rangeError('out', 'no out with inPlace (the result overwrites X)', new Received('a different array'));
    if (cols !== X.cols)
      rangeError('inPlace', `false: ${step} maps ${X.cols} columns to ${cols}`, true, ErrorCodes.SHAPE);
    return { out: X, check: checkFinite ? 2 : 0 };
  }
  const fresh = opts?.out === undefined;
  return { out: outMatrix(opts?.out, X.rows, cols), check: !checkFinite ? 0 : fresh ? 1 : 2 };
}

/** Checks the data matrix of fit/partialFit (a Matrix with at least `minRows` rows and one column) and returns a snapshot of it (see matrixArg). */
export function fitData(value: Matrix, minRows = 1): Matrix {
  const X = matrixArg(value, 'X');
  if (X.rows < minRows) rangeError('X.rows', `at least ${minRows} row${minRows === 1 ? '' : 's'} to fit on`, X.rows, ErrorCodes.SHAPE);
  if (X.cols < 1) rangeError('X.cols', 'at least 1 column', X.cols, ErrorCodes.SHAPE);
  return X;
}

/** Reads a saved step back. */
export type StepReader = (json: unknown, path: string) => Transformer;

const readers = new Map<string, StepReader>();

/** Makes a saved step of `format` loadable inside a saved Pipeline. */
export function registerStep(format: string, reader: StepReader): void {
  readers.set(format, reader);
}

/** Reads one saved step through the registry (ERR_NNKIT_FORMAT for an unknown format). */
export function readStep(json: unknown, path: string): Transformer {
  const format = json !== null && typeof json === 'object' ? (json as { format?: unknown }).format : undefined;
  const reader = typeof format === 'string' ? readers.get(format) : undefined;
  if (!reader) formatError(`${path}.format`, `one of ${[...readers.keys()].map((f) => `'${f}'`).join(', ')}`, format, typeof format === 'string' ? 'range' : 'type');
  return reader(json, path);
}
