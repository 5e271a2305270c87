/**
 * Classification losses of the notes (spec §5): multiclass SVM, softmax cross-entropy, and the
 * two attribute (multi-label) losses. Each is one fused native pass over every row of scores:
 * forward and backward together, SIMD, parallel over fixed blocks of rows (results do not depend
 * on the thread count), stable for any finite scores (±1e4 and ±1e30 give a finite loss and
 * gradient matching float64; all-equal scores give exactly log C for the softmax).
 *
 * **Overflow.** Row losses are float32: a row whose loss exceeds the float32 range (~3.4e38) —
 * scores near ±1.7e38, or a squared-hinge margin beyond ~1.8e19 — contributes +Infinity (its
 * gradient stays finite except for the squared hinge at such margins), never NaN.
 *
 * **Non-finite scores.** A row whose scores (or targets) contain NaN or ±Infinity contributes
 * NaN to the loss and gets an all-NaN gradient row; the other rows are unaffected. So the loss
 * is NaN as soon as any input is, and the offending rows are easy to find in the gradient.
 */
import { assertBoolean, assertFiniteNumber, optionKeys } from '../validate';
import { type Labels, type Matrix } from '../matrix';
import { native } from '../native';
import { assertLabels, type LossOptions, type LossPlan, lossResult, type LossResultOf, planLoss, targetLoss, targetLossAsync } from './common';

/** Options of {@link svm}. */
export interface SvmOptions extends LossOptions {
  /** The margin Δ (default 1; the notes fix Δ = 1 and let λ set the scale). */
  margin?: number;
  /** Squared hinge `max(0, ·)²` (the L2-SVM) instead of the hinge. */
  squared?: boolean;
}

/**
 * Multiclass SVM loss (Weston–Watkins):
 * `L_i = Σ_{j≠y_i} max(0, f_j − f_{y_i} + Δ)` (or its square with `squared: true`).
 * Gradient: `1[margin_j > 0]` for j ≠ y_i and minus their count for y_i (squared: `2·margin_j`
 * and minus their sum).
 *
 * @param scores `[N × C]` class scores f.
 * @param labels the class of each row, integers in `[0, C)` (an out-of-range label is an
 *   `ERR_NNKIT_RANGE` RangeError naming the row; a Float32Array is a TypeError).
 * @example
 * // CS231n's example: scores [13, −7, 11], y = 0, Δ = 10 → max(0, −20+10) + max(0, −2+10) = 8
 * nn.loss.svm(nn.matrix(new Float32Array([13, -7, 11]), 1, 3), new Int32Array([0]), { margin: 10 }).loss; // 8
 */
export function svm<O extends SvmOptions | undefined = undefined>(scores: Matrix, labels: Labels, opts?: O): LossResultOf<O> {
  const { plan, margin, squared } = planSvm(scores, labels, opts);
  const sum = native.lossSvm(scores.data, plan.rows, plan.cols, labels, margin, squared, plan.gradScale, plan.grad?.data ?? null);
  return lossResult<O>(sum / plan.divisor, plan.grad);
}

/**
 * {@link svm} on the libuv thread pool, bit-identical to the sync call. Scores and labels are
 * copied when the call starts (labels are checked on the copy) and the gradient is written into
 * the `grad` buffer on the JS thread when the work is done. A detached gradient buffer rejects
 * with ERR_NNKIT_DETACHED; bad arguments reject with the sync call's codes. The same holds for
 * every `*Async` loss. A loss is one memory-bound pass: copying ordinary buffers on the JS thread
 * costs more than the pass (softmax 8192 × 1000: ~37 ms async vs ~3–5 ms sync here), so the
 * twins pay off with SharedArrayBuffer-backed scores and gradients, which are used in place.
 */
export async function svmAsync<O extends SvmOptions | undefined = undefined>(scores: Matrix, labels: Labels, opts?: O): Promise<LossResultOf<O>> {
  const { plan, margin, squared } = planSvm(scores, labels, opts);
  const sum = await native.lossSvmAsync(scores.data, plan.rows, plan.cols, labels, margin, squared, plan.gradScale, plan.grad?.data ?? null);
  return lossResult<O>(sum / plan.divisor, plan.grad);
}

const SVM_KEYS = optionKeys<SvmOptions>()('reduction', 'grad', 'margin', 'squared');

function planSvm(scores: Matrix, labels: Labels, opts: SvmOptions | undefined): { plan: LossPlan; margin: number; squared: boolean } {
  const plan = planLoss(scores, opts, 'scores', SVM_KEYS);
  assertLabels(labels, plan.rows);
  const margin = opts?.margin ?? 1;
  const squared = opts?.squared ?? false;
  assertFiniteNumber(margin, 'margin');
  assertBoolean(squared, 'squared');
  return { plan, margin, squared };
}

/**
 * Softmax (cross-entropy) loss: `L_i = −log(e^{f_{y_i}} / Σ_j e^{f_j}) = log Σ_j e^{f_j − max f} + max f − f_{y_i}`,
 * computed by log-sum-exp so it never overflows. Gradient: `softmax(f) − onehot(y_i)`.
 *
 * @param scores `[N × C]` class scores (logits).
 * @param labels the class of each row, integers in `[0, C)`.
 */
export function softmax<O extends LossOptions | undefined = undefined>(scores: Matrix, labels: Labels, opts?: O): LossResultOf<O> {
  const plan = planLoss(scores, opts);
  assertLabels(labels, plan.rows);
  const sum = native.lossSoftmax(scores.data, plan.rows, plan.cols, labels, plan.gradScale, plan.grad?.data ?? null);
  return lossResult<O>(sum / plan.divisor, plan.grad);
}

/** {@link softmax} on the libuv thread pool (semantics as {@link svmAsync}). */
export async function softmaxAsync<O extends LossOptions | undefined = undefined>(scores: Matrix, labels: Labels, opts?: O): Promise<LossResultOf<O>> {
  const plan = planLoss(scores, opts);
  assertLabels(labels, plan.rows);
  const sum = await native.lossSoftmaxAsync(scores.data, plan.rows, plan.cols, labels, plan.gradScale, plan.grad?.data ?? null);
  return lossResult<O>(sum / plan.divisor, plan.grad);
}

/**
 * Attribute classification with a binary hinge per attribute (the notes' multi-label SVM):
 * `L_i = Σ_j max(0, 1 − y_ij·f_ij)`, gradient `−y_ij·1[1 − y_ij f_ij > 0]`.
 *
 * @param targets `[N × C]`, each entry `+1` (attribute present) or `−1` / `0` (absent): 0/1
 *   targets are accepted and mapped `0 → −1`, `1 → +1`. Any other value is an `ERR_NNKIT_RANGE`
 *   RangeError naming the row.
 */
export function multiLabelHinge<O extends LossOptions | undefined = undefined>(scores: Matrix, targets: Matrix | Float32Array, opts?: O): LossResultOf<O> {
  return targetLoss<O>('multiLabelHinge', scores, targets, opts);
}

/** {@link multiLabelHinge} on the libuv thread pool (semantics as {@link svmAsync}; a bad target rejects with ERR_NNKIT_RANGE). */
export function multiLabelHingeAsync<O extends LossOptions | undefined = undefined>(scores: Matrix, targets: Matrix | Float32Array, opts?: O): Promise<LossResultOf<O>> {
  return targetLossAsync<O>('multiLabelHinge', scores, targets, opts);
}

/**
 * Attribute classification with an independent logistic regression per attribute (sigmoid
 * cross-entropy): `L_i = −Σ_j [y_ij·log σ(f_ij) + (1 − y_ij)·log(1 − σ(f_ij))]`, evaluated in the
 * stable form `max(f, 0) − f·y + log(1 + e^{−|f|})` (finite for any finite f).
 *
 * Gradient: `∂L_i/∂f_ij = σ(f_ij) − y_ij`. The notes print `y − σ(f)`: that is the gradient of
 * the log-likelihood, i.e. the ascent direction; the loss minimized here is its negative, so the
 * sign is flipped — subtract this gradient (times a learning rate) as for every other loss.
 *
 * @param targets `[N × C]` in `[0, 1]` (0/1 labels, or soft labels); values outside are an
 *   `ERR_NNKIT_RANGE` RangeError naming the row.
 */
export function sigmoidCrossEntropy<O extends LossOptions | undefined = undefined>(scores: Matrix, targets: Matrix | Float32Array, opts?: O): LossResultOf<O> {
  return targetLoss<O>('sigmoidCrossEntropy', scores, targets, opts);
}

/** {@link sigmoidCrossEntropy} on the libuv thread pool (semantics as {@link svmAsync}; a bad target rejects with ERR_NNKIT_RANGE). */
export function sigmoidCrossEntropyAsync<O extends LossOptions | undefined = undefined>(scores: Matrix, targets: Matrix | Float32Array, opts?: O): Promise<LossResultOf<O>> {
  return targetLossAsync<O>('sigmoidCrossEntropy', scores, targets, opts);
}
