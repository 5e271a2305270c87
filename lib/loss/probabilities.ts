/**
 * Class probabilities from scores.
 */
import { ErrorCodes, rangeError } from '../errors';
import { assertMatrix, type Matrix, outMatrix } from '../matrix';
import { native } from '../native';
import { assertOptions, optionKeys } from '../validate';

/**
 * Row-wise softmax `p_ij = e^{f_ij − max_k f_ik} / Σ_k e^{f_ik − max_k f_ik}` (stable for any
 * finite scores). A row with NaN or ±Infinity gives a row of NaN.
 *
 * @param opts.out where to write the `[N × C]` probabilities; may be `scores` itself (in place)
 *   but must not partially overlap it.
 */
export function softmax(scores: Matrix, opts?: { out?: Matrix | Float32Array }): Matrix {
  const out = planSoftmax(scores, opts);
  native.softmax(scores.data, scores.rows, scores.cols, out.data);
  return out;
}

/**
 * {@link softmax} on the libuv thread pool, bit-identical to the sync call. The scores are copied
 * when the call starts and the probabilities are written into `out` (or, in place, over the
 * scores) on the JS thread when the work is done; a detached `out` rejects with
 * ERR_NNKIT_DETACHED, bad arguments reject with the sync call's codes.
 */
export async function softmaxAsync(scores: Matrix, opts?: { out?: Matrix | Float32Array }): Promise<Matrix> {
  const out = planSoftmax(scores, opts);
  await native.softmaxAsync(scores.data, scores.rows, scores.cols, out.data);
  return out;
}

const SOFTMAX_KEYS = optionKeys<{ out?: Matrix | Float32Array }>()('out');

function planSoftmax(scores: Matrix, opts: { out?: Matrix | Float32Array } | undefined): Matrix {
  assertMatrix(scores, 'scores');
  assertOptions(opts, 'options', SOFTMAX_KEYS);
  const out = outMatrix(opts?.out, scores.rows, scores.cols);
  if (scores.cols === 0 && scores.rows > 0) rangeError('scores', 'at least one column', scores.cols, ErrorCodes.SHAPE);
  return out;
}
