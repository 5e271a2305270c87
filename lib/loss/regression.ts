/**
 * Regression losses of the notes (spec §5).
 *
 * The notes' advice, worth repeating: regression losses are much harder to optimize than a
 * softmax, fragile (one outlier produces a huge gradient) and say nothing about confidence.
 * When the quantity is discrete, prefer classification — to predict a 1–5 star rating, train 5
 * independent classifiers (or a 5-way softmax) rather than regress the number. And do not put
 * dropout right before an L2 loss: it changes the scale of the outputs the loss compares.
 */
import { type Matrix } from '../matrix';
import { type LossOptions, type LossResultOf, targetLoss, targetLossAsync } from './common';

/**
 * L2 regression loss `L_i = ‖f_i − y_i‖₂²` (no ½ factor, as in the notes), gradient `2·(f − y)`.
 * Row losses are float32: residuals beyond ~1.8e19 make the row's loss +Infinity (never NaN).
 * See the module notes: prefer classification for discrete targets, and no dropout right before
 * this loss.
 *
 * @param pred `[N × D]` predictions. @param target `[N × D]` (Matrix or Float32Array).
 */
export function l2<O extends LossOptions | undefined = undefined>(pred: Matrix, target: Matrix | Float32Array, opts?: O): LossResultOf<O> {
  return targetLoss<O>('l2', pred, target, opts);
}

/**
 * {@link l2} on the libuv thread pool, bit-identical to the sync call: the inputs are copied when
 * the call starts and the gradient is written into `grad` when the work is done (a detached
 * gradient buffer rejects with ERR_NNKIT_DETACHED; bad arguments reject with the sync codes).
 */
export function l2Async<O extends LossOptions | undefined = undefined>(pred: Matrix, target: Matrix | Float32Array, opts?: O): Promise<LossResultOf<O>> {
  return targetLossAsync<O>('l2', pred, target, opts);
}

/**
 * L1 regression loss `L_i = ‖f_i − y_i‖₁ = Σ_j |f_ij − y_ij|`, gradient `sign(f − y)` (0 where
 * they are equal). Same advice as {@link l2}.
 */
export function l1<O extends LossOptions | undefined = undefined>(pred: Matrix, target: Matrix | Float32Array, opts?: O): LossResultOf<O> {
  return targetLoss<O>('l1', pred, target, opts);
}

/** {@link l1} on the libuv thread pool (semantics as {@link l2Async}). */
export function l1Async<O extends LossOptions | undefined = undefined>(pred: Matrix, target: Matrix | Float32Array, opts?: O): Promise<LossResultOf<O>> {
  return targetLossAsync<O>('l1', pred, target, opts);
}
