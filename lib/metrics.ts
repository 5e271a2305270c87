/**
 * What a training loop reports: the predicted class per row, accuracy and the confusion matrix.
 */
import { ErrorCodes, Received, rangeError, typeError } from './errors';
import { assertLabels } from './loss/common';
import { allocate, type Labels, type Matrix, matrixArg } from './matrix';
import { assertInteger, assertOptions, isDetached, optionKeys } from './validate';

/** Options of {@link argmax}. */
export interface ArgmaxOptions {
  /** Where to write the indices (one per row; default: a new Int32Array). */
  out?: Int32Array;
}
const ARGMAX_KEYS = optionKeys<ArgmaxOptions>()('out');

/**
 * The column of each row's largest score (the first one on ties, as numpy's `argmax`). A NaN
 * score is ERR_NNKIT_NONFINITE naming its row and column: a NaN has no place in an order, and
 * a diverged model should not read as "predicts class 0". A row of −Infinity picks column 0.
 */
export function argmax(scores: Matrix, opts?: ArgmaxOptions): Int32Array {
  scores = matrixArg(scores, 'scores');
  assertOptions(opts, 'options', ARGMAX_KEYS);
  return argmaxOf(scores, 'scores', opts?.out);
}

function argmaxOf(scores: Matrix, name: string, given: Int32Array | undefined): Int32Array {
  const { rows, cols, data } = scores;
  if (cols === 0 && rows > 0) rangeError(name, 'at least one column to pick from', new Received(`a ${rows} × 0 Matrix`), ErrorCodes.SHAPE);
  let out = given;
  if (out === undefined) out = allocate(Int32Array, rows, 'scores.rows');
  else {
    if (!(out instanceof Int32Array)) typeError('out', 'an Int32Array', out);
    if (isDetached(out)) typeError('out', 'a live typed array', 'a view of a detached ArrayBuffer', ErrorCodes.DETACHED);
    if (out.length !== rows) rangeError('out', `one element per row (${rows})`, out, ErrorCodes.SHAPE);
  }
  for (let i = 0, base = 0; i < rows; i++, base += cols) {
    let best = 0, top = data[base]!;
    if (top !== top) nonFinite(name, i, 0);
    for (let j = 1; j < cols; j++) {
      const v = data[base + j]!;
      if (v > top) (top = v), (best = j);
      else if (v !== v) nonFinite(name, i, j);
    }
    out[i] = best;
  }
  return out;
}

function nonFinite(name: string, row: number, col: number): never {
  return rangeError(`${name}[${row}][${col}]`, 'a score that is not NaN', Number.NaN, ErrorCodes.NONFINITE);
}

/** Predicted classes: labels as they are, or the argmax of each row of a score matrix. */
function predictions(predicted: unknown, rows: number): Labels {
  if (ArrayBuffer.isView(predicted)) {
    assertLabels(predicted, rows, 'predicted');
    return predicted;
  }
  const scores = matrixArg(predicted, 'predicted');
  if (scores.rows !== rows) rangeError('predicted', `one row per label (${rows})`, new Received(`a ${scores.rows}-row Matrix`), ErrorCodes.SHAPE);
  return argmaxOf(scores, 'predicted', undefined);
}

function checkLabels(labels: unknown): asserts labels is Labels {
  if (!ArrayBuffer.isView(labels)) typeError('labels', 'an Int32Array, Uint32Array, Uint16Array or Uint8Array of class indices', labels);
  assertLabels(labels, (labels as Labels).length);
}

/**
 * The fraction of rows whose predicted class is the label: `predicted` is a score matrix (its
 * row-wise {@link argmax} is taken) or the predicted classes. NaN for zero rows.
 */
export function accuracy(predicted: Matrix | Labels, labels: Labels): number {
  checkLabels(labels);
  const p = predictions(predicted, labels.length);
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (p[i] === labels[i]) correct++;
  return labels.length === 0 ? Number.NaN : correct / labels.length;
}

/** Options of {@link confusionMatrix}. */
export interface ConfusionOptions {
  /** The number of classes (default: one more than the largest label or prediction). */
  classes?: number;
}
const CONFUSION_KEYS = optionKeys<ConfusionOptions>()('classes');

/** Counts of (true class, predicted class) pairs, from {@link confusionMatrix}. */
export interface ConfusionMatrix {
  /** The number of classes C. */
  readonly classes: number;
  /** C × C counts, row-major: `counts[t * C + p]` rows of class t predicted as p (scikit-learn's layout). */
  readonly counts: Uint32Array;
  /** Per class: the share of its rows predicted as it (NaN for a class with no rows). */
  recall(): Float64Array;
  /** Per class: the share of rows predicted as it that belong to it (NaN when never predicted). */
  precision(): Float64Array;
}

/**
 * The confusion matrix of `predicted` (scores or classes) against `labels`: rows are true classes,
 * columns predicted ones, as scikit-learn's `confusion_matrix`. A label or prediction ≥ `classes`
 * is ERR_NNKIT_RANGE naming it.
 */
export function confusionMatrix(labels: Labels, predicted: Matrix | Labels, opts?: ConfusionOptions): ConfusionMatrix {
  checkLabels(labels);
  const p = predictions(predicted, labels.length);
  assertOptions(opts, 'options', CONFUSION_KEYS);
  let C = opts?.classes;
  if (C === undefined) {
    C = 0;
    for (let i = 0; i < labels.length; i++) C = Math.max(C, labels[i]! + 1, p[i]! + 1);
  } else {
    assertInteger(C, 'classes', 1, 65536);
  }
  if (C > 65536) rangeError('labels', 'class indices below 65536 (a C × C matrix)', C - 1);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]! < 0 || labels[i]! >= C) rangeError(`labels[${i}]`, `a class index from 0 to ${C - 1}`, labels[i]);
    if (p[i]! < 0 || p[i]! >= C) rangeError(`predicted[${i}]`, `a class index from 0 to ${C - 1}`, p[i]);
  }
  const classes = C;
  const counts = new Uint32Array(classes * classes);
  for (let i = 0; i < labels.length; i++) counts[labels[i]! * classes + p[i]!]!++;
  return {
    classes,
    counts,
    recall() {
      const r = new Float64Array(classes);
      for (let t = 0; t < classes; t++) {
        let total = 0;
        for (let q = 0; q < classes; q++) total += counts[t * classes + q]!;
        r[t] = total === 0 ? Number.NaN : counts[t * classes + t]! / total;
      }
      return r;
    },
    precision() {
      const r = new Float64Array(classes);
      for (let q = 0; q < classes; q++) {
        let total = 0;
        for (let t = 0; t < classes; t++) total += counts[t * classes + q]!;
        r[q] = total === 0 ? Number.NaN : counts[q * classes + q]! / total;
      }
      return r;
    },
  };
}
