/**
 * Structured SVM for linear-chain sequence labeling (the notes' "structured loss": the output is
 * a whole label sequence, and the margin is measured against the best competing sequence found
 * by loss-augmented inference). Scores and inference run in float64.
 */
import { ErrorCodes, Received, rangeError } from '../errors';
import { type Labels, type Matrix, matrixArg } from '../matrix';
import { assertFiniteNumber, assertOptions, optionKeys } from '../validate';
import { assertLabels } from './common';

/** What {@link structuredSvm} returns. */
export interface StructuredSvmResult {
  /** `max_y' [Δ(y, y') + s(y')] − s(y)` (≥ 0, 0 when the gold sequence wins by its margin). */
  loss: number;
  /** Subgradient w.r.t. the emission scores `[T × K]`. */
  dEmissions: Matrix;
  /** Subgradient w.r.t. the transition scores `[K × K]`. */
  dTransitions: Matrix;
  /** The loss-augmented arg-max sequence y'. */
  prediction: Int32Array;
}

/** Checks the chain's score matrices and returns snapshots of them (see matrixArg). */
function checkChain(emissionsArg: Matrix, transitionsArg: Matrix): { emissions: Matrix; transitions: Matrix } {
  const emissions = matrixArg(emissionsArg, 'emissions');
  const transitions = matrixArg(transitionsArg, 'transitions');
  const k = emissions.cols;
  if (transitions.rows !== k || transitions.cols !== k)
    rangeError('transitions', `a ${k} × ${k} Matrix (labels × labels)`, new Received(`a ${transitions.rows} × ${transitions.cols} Matrix`), ErrorCodes.SHAPE);
  if (k === 0 && emissions.rows > 0) rangeError('emissions', 'at least one label column', k, ErrorCodes.SHAPE);
  return { emissions, transitions };
}

/**
 * Viterbi decoding: the sequence maximizing `s(y) = Σ_t E[t, y_t] + Σ_{t≥1} A[y_{t−1}, y_t]`,
 * plus `augment(t, k)` per position when given (loss-augmented inference). Ties go to the lower
 * label.
 */
function viterbiCore(E: Matrix, A: Matrix, augment: ((t: number, k: number) => number) | null): { path: Int32Array; score: number } {
  const T = E.rows, K = E.cols;
  const path = new Int32Array(T);
  if (T === 0) return { path, score: 0 };
  let prev = new Float64Array(K);
  let cur = new Float64Array(K);
  const back = new Int32Array(T * K);
  for (let k = 0; k < K; k++) prev[k] = E.data[k]! + (augment ? augment(0, k) : 0);
  for (let t = 1; t < T; t++) {
    for (let k = 0; k < K; k++) {
      let best = -Infinity, arg = 0;
      for (let j = 0; j < K; j++) {
        const s = prev[j]! + A.data[j * K + k]!;
        if (s > best) {
          best = s;
          arg = j;
        }
      }
      cur[k] = best + E.data[t * K + k]! + (augment ? augment(t, k) : 0);
      back[t * K + k] = arg;
    }
    [prev, cur] = [cur, prev];
  }
  let best = -Infinity, arg = 0;
  for (let k = 0; k < K; k++) if (prev[k]! > best) { best = prev[k]!; arg = k; }
  path[T - 1] = arg;
  for (let t = T - 1; t > 0; t--) path[t - 1] = back[t * K + path[t]!]!;
  return { path, score: best };
}

/**
 * The highest-scoring label sequence of a linear chain (Viterbi), for prediction after training
 * with {@link structuredSvm}. `emissions` `[T × K]`, `transitions` `[K × K]` (from, to).
 */
export function viterbi(emissions: Matrix, transitions: Matrix): Int32Array {
  ({ emissions, transitions } = checkChain(emissions, transitions));
  return viterbiCore(emissions, transitions, null).path;
}

const STRUCTURED_SVM_KEYS = optionKeys<{ marginScale?: number }>()('marginScale');

/**
 * Structured (max-margin) SVM loss of one linear-chain sequence:
 * `L = max_{y'} [Δ(y, y') + s(y')] − s(y)` with the sequence score
 * `s(y) = Σ_t E[t, y_t] + Σ_{t≥1} A[y_{t−1}, y_t]` and the Hamming loss
 * `Δ(y, y') = marginScale · #{t : y'_t ≠ y_t}`. The max is found exactly by loss-augmented Viterbi
 * (O(T·K²)). Subgradient: +1 at the arg-max's emissions and transitions, −1 at the gold ones
 * (they cancel where the two sequences agree).
 *
 * @param emissions `[T × K]` per-position label scores. @param transitions `[K × K]`, row = previous
 * label, column = next label. @param labels the gold sequence, T labels in `[0, K)`.
 */
export function structuredSvm(emissions: Matrix, transitions: Matrix, labels: Labels, opts?: { marginScale?: number }): StructuredSvmResult {
  ({ emissions, transitions } = checkChain(emissions, transitions));
  const T = emissions.rows, K = emissions.cols;
  assertLabels(labels, T);
  assertOptions(opts, 'options', STRUCTURED_SVM_KEYS);
  const scale = opts?.marginScale ?? 1;
  assertFiniteNumber(scale, 'marginScale');
  if (scale < 0) rangeError('marginScale', 'a number >= 0', scale);
  for (let t = 0; t < T; t++)
    if (labels[t]! >= K || labels[t]! < 0) rangeError('labels', `labels in [0, ${K})`, new Received(`${labels[t]} at position ${t}`));
  const gold = (seq: ArrayLike<number>) => {
    let s = 0;
    for (let t = 0; t < T; t++) s += emissions.data[t * K + seq[t]!]!;
    for (let t = 1; t < T; t++) s += transitions.data[seq[t - 1]! * K + seq[t]!]!;
    return s;
  };
  const { path, score } = viterbiCore(emissions, transitions, (t, k) => (k === labels[t] ? 0 : scale));
  const loss = Math.max(0, score - gold(labels));
  const dE = { data: new Float32Array(T * K), rows: T, cols: K };
  const dA = { data: new Float32Array(K * K), rows: K, cols: K };
  for (let t = 0; t < T; t++) {
    dE.data[t * K + path[t]!]! += 1;
    dE.data[t * K + labels[t]!]! -= 1;
    if (t > 0) {
      dA.data[path[t - 1]! * K + path[t]!]! += 1;
      dA.data[labels[t - 1]! * K + labels[t]!]! -= 1;
    }
  }
  return { loss, dEmissions: dE, dTransitions: dA, prediction: path };
}
