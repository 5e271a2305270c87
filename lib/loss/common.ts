/**
 * Option handling shared by every loss: the reduction, the gradient buffer, the labels.
 * @internal
 */
import { ErrorCodes, Received, rangeError, typeError } from '../errors';
import { allocateFloat32, assertMatrix, type Labels, type Matrix, outMatrix, type Unless } from '../matrix';
import { native } from '../native';
import { assertOneOf, assertOptions, isDetached, optionKeys } from '../validate';

/** How the per-sample losses L_i are combined. */
export type Reduction = 'mean' | 'sum';

/** Options every loss accepts. */
export interface LossOptions {
  /** `'mean'` (default): L = (1/N)·Σ L_i, the notes' data loss; `'sum'`: L = Σ L_i. */
  reduction?: Reduction;
  /**
   * `true` (default): return ∂L/∂scores in a new Matrix; `false`: skip the backward pass
   * (`grad` is `null`); a Float32Array or Matrix of the scores' size: write the gradient there.
   */
  grad?: boolean | Float32Array | Matrix;
}

/**
 * What every loss returns. `G` follows the options: `Matrix` unless `grad: false` was passed
 * (then `null`), see {@link Unless}.
 */
export interface LossResult<G extends Matrix | null = Matrix | null> {
  /** The reduced loss. */
  loss: number;
  /** ∂loss/∂scores (same shape as the scores), or `null` when `grad: false`. */
  grad: G;
}

/** The result of a loss called with options `O`. */
export type LossResultOf<O> = LossResult<Unless<O, 'grad', Matrix>>;

/** A loss's result, typed by its options (planLoss made `grad` null exactly when `grad: false`). */
export function lossResult<O>(loss: number, grad: Matrix | null): LossResultOf<O> {
  return { loss, grad } as LossResultOf<O>;
}

export interface LossPlan {
  rows: number;
  cols: number;
  gradScale: number;
  divisor: number;
  grad: Matrix | null;
}

/** The options every loss takes (and the SVMs' own, `SVM_KEYS`). */
export const LOSS_KEYS = optionKeys<LossOptions>()('reduction', 'grad');

/** Resolves reduction and gradient destination for an `rows × cols` score matrix. */
export function planLoss(scores: Matrix, opts: LossOptions | undefined, scoresName = 'scores', keys: readonly string[] = LOSS_KEYS): LossPlan {
  assertMatrix(scores, scoresName);
  assertOptions(opts, 'options', keys);
  const reduction = opts?.reduction ?? 'mean';
  if (reduction !== 'mean' && reduction !== 'sum') assertOneOf(reduction, 'reduction', ['mean', 'sum'] as const);
  const { rows, cols } = scores;
  const divisor = reduction === 'mean' && rows > 0 ? rows : 1;
  const g = opts?.grad ?? true;
  let grad: Matrix | null;
  if (g === false) grad = null;
  else if (g === true) grad = { data: allocateFloat32(rows * cols, 'grad'), rows, cols };
  else if (typeof g === 'object' && g !== null) grad = outMatrix(g, rows, cols, 'grad');
  else typeError('grad', 'a boolean, Float32Array or Matrix', g);
  return { rows, cols, gradScale: 1 / divisor, divisor, grad };
}

/** Throws unless `labels` is an integer typed array of one label per row (values are checked natively). */
export function assertLabels(labels: unknown, rows: number, name = 'labels'): asserts labels is Labels {
  if (!(labels instanceof Int32Array || labels instanceof Uint32Array || labels instanceof Uint16Array || labels instanceof Uint8Array))
    typeError(name, 'an Int32Array, Uint32Array, Uint16Array or Uint8Array of class indices', labels);
  if (isDetached(labels)) typeError(name, 'a live typed array', 'a view of a detached ArrayBuffer', ErrorCodes.DETACHED);
  if (labels.length !== rows) rangeError(name, `one label per row (${rows})`, labels, ErrorCodes.SHAPE);
}

/** A target matrix of the scores' shape (a Matrix or a bare Float32Array of rows × cols). */
export function targetData(targets: unknown, rows: number, cols: number, name = 'targets'): Float32Array {
  if (targets instanceof Float32Array) {
    if (targets.length !== rows * cols)
      rangeError(name, `a Float32Array of length ${rows} × ${cols} = ${rows * cols}`, targets, ErrorCodes.SHAPE);
    return targets;
  }
  assertMatrix(targets, name);
  if (targets.rows !== rows || targets.cols !== cols)
    rangeError(name, `a ${rows} × ${cols} Matrix like the scores`, new Received(`a ${targets.rows} × ${targets.cols} Matrix`), ErrorCodes.SHAPE);
  return targets.data;
}

/** The losses of scores against a target matrix, by their native name. */
export type TargetLossKind = 'multiLabelHinge' | 'sigmoidCrossEntropy' | 'l2' | 'l1';

function planTargetLoss(kind: TargetLossKind, scores: Matrix, targets: unknown, opts: LossOptions | undefined): { plan: LossPlan; t: Float32Array } {
  const regression = kind === 'l2' || kind === 'l1';
  const plan = planLoss(scores, opts, regression ? 'pred' : 'scores');
  return { plan, t: targetData(targets, plan.rows, plan.cols, regression ? 'target' : 'targets') };
}

/** One fused native pass of a target loss: `{ loss: Σ L_i / divisor, grad }`. */
export function targetLoss<O extends LossOptions | undefined>(kind: TargetLossKind, scores: Matrix, targets: unknown, opts: O | undefined): LossResultOf<O> {
  const { plan, t } = planTargetLoss(kind, scores, targets, opts);
  const sum = native.lossTargets(scores.data, plan.rows, plan.cols, t, kind, plan.gradScale, plan.grad?.data ?? null);
  return lossResult<O>(sum / plan.divisor, plan.grad);
}

/** {@link targetLoss} on the libuv thread pool (inputs copied at the call, the gradient written when done). */
export async function targetLossAsync<O extends LossOptions | undefined>(kind: TargetLossKind, scores: Matrix, targets: unknown, opts: O | undefined): Promise<LossResultOf<O>> {
  const { plan, t } = planTargetLoss(kind, scores, targets, opts);
  const sum = await native.lossTargetsAsync(scores.data, plan.rows, plan.cols, t, kind, plan.gradScale, plan.grad?.data ?? null);
  return lossResult<O>(sum / plan.divisor, plan.grad);
}
