/**
 * README-style programs that must compile under `--strict` with no `!`: the types of results
 * follow the options passed (issue 17). Type-checked by test/types/types.test.ts (tsc --strict)
 * and by `npm run typecheck`; never run.
 */
import { expectTypeOf } from 'vitest';
import * as nn from '../../lib/index';

declare const X: nn.Matrix, W: nn.Matrix, b: Float32Array, scores: nn.Matrix, labels: Uint8Array, targets: nn.Matrix;
declare const flag: boolean, tree: nn.LabelTree, V: nn.Matrix;

export function trainingStep(): number {
  // A whole step without a single `!`.
  const H = nn.linear.forward(X, W, b);
  const { loss, grad } = nn.loss.softmax(H, labels);
  grad.data[0] = 0;                                         // Matrix, not Matrix | null
  const g = nn.linear.backward(grad, X, W);
  nn.optim.sgdStep(W, g.dW, new Float32Array(W.data.length), { lr: 0.1 });
  nn.optim.sgdStep(b, g.db, new Float32Array(b.length), { lr: 0.1 });
  const bn = new nn.BatchNorm(W.cols);
  const Y = bn.forward(H, { training: true });
  const { dGamma, dBeta } = bn.backward(Y);
  nn.optim.sgdStep(bn.gamma, dGamma, new Float32Array(W.cols), { lr: 0.1 });
  nn.optim.sgdStep(bn.beta, dBeta, new Float32Array(W.cols), { lr: 0.1 });
  return loss + g.dX.rows;
}

// Losses: a gradient unless grad: false, and both only when the flag is a run-time boolean.
expectTypeOf(nn.loss.softmax(scores, labels).grad).toEqualTypeOf<nn.Matrix>();
expectTypeOf(nn.loss.softmax(scores, labels, { grad: true }).grad).toEqualTypeOf<nn.Matrix>();
expectTypeOf(nn.loss.softmax(scores, labels, { grad: new Float32Array(4) }).grad).toEqualTypeOf<nn.Matrix>();
expectTypeOf(nn.loss.softmax(scores, labels, { reduction: 'sum' }).grad).toEqualTypeOf<nn.Matrix>();
expectTypeOf(nn.loss.softmax(scores, labels, { grad: false }).grad).toEqualTypeOf<null>();
expectTypeOf(nn.loss.softmax(scores, labels, { grad: flag }).grad).toEqualTypeOf<nn.Matrix | null>();
expectTypeOf(nn.loss.svm(scores, labels, { margin: 1, grad: false }).grad).toEqualTypeOf<null>();
expectTypeOf(nn.loss.svm(scores, labels, { squared: true }).grad).toEqualTypeOf<nn.Matrix>();
expectTypeOf(nn.loss.sigmoidCrossEntropy(scores, targets).grad).toEqualTypeOf<nn.Matrix>();
expectTypeOf(nn.loss.multiLabelHinge(scores, targets, { grad: false }).grad).toEqualTypeOf<null>();
expectTypeOf(nn.loss.l2(scores, targets).grad).toEqualTypeOf<nn.Matrix>();
expectTypeOf(nn.loss.l1(scores, targets, { grad: false }).grad).toEqualTypeOf<null>();
expectTypeOf(nn.loss.softmaxAsync(scores, labels)).resolves.toHaveProperty('grad').toEqualTypeOf<nn.Matrix>();
expectTypeOf(nn.loss.l2Async(scores, targets, { grad: false })).resolves.toHaveProperty('grad').toEqualTypeOf<null>();
expectTypeOf(nn.loss.hierarchicalSoftmax(X, labels, tree, V).dH).toEqualTypeOf<nn.Matrix>();
expectTypeOf(nn.loss.hierarchicalSoftmax(X, labels, tree, V, { grad: false }).dV).toEqualTypeOf<null>();

// linear.backward: each gradient unless its option is false.
const all = nn.linear.backward(X, X, W);
expectTypeOf(all.dX).toEqualTypeOf<nn.Matrix>();
expectTypeOf(all.dW).toEqualTypeOf<nn.Matrix>();
expectTypeOf(all.db).toEqualTypeOf<Float32Array>();
const firstLayer = nn.linear.backward(X, X, W, { dX: false, dW: W });
expectTypeOf(firstLayer.dX).toEqualTypeOf<null>();
expectTypeOf(firstLayer.dW).toEqualTypeOf<nn.Matrix>();
expectTypeOf(nn.linear.backward(X, X, W, { db: false }).db).toEqualTypeOf<null>();
expectTypeOf(nn.linear.backwardAsync(X, X, W, { dX: false })).resolves.toHaveProperty('dX').toEqualTypeOf<null>();

// BatchNorm: gamma/beta and their gradients follow affine.
const affine = new nn.BatchNorm(8, { momentum: 0.2 });
expectTypeOf(affine.gamma).toEqualTypeOf<Float32Array>();
expectTypeOf(affine.backward(X).dBeta).toEqualTypeOf<Float32Array>();
const plain = new nn.BatchNorm(8, { affine: false });
expectTypeOf(plain.beta).toEqualTypeOf<null>();
expectTypeOf(plain.backward(X).dGamma).toEqualTypeOf<null>();
expectTypeOf(new nn.BatchNorm(8, { affine: flag }).gamma).toEqualTypeOf<Float32Array | null>();
expectTypeOf(nn.BatchNorm.fromJSON('{}').gamma).toEqualTypeOf<Float32Array | null>();

// The helpers of issue 17.
expectTypeOf(nn.data.gather(X, [1, 2])).toEqualTypeOf<nn.Matrix>();
expectTypeOf(nn.data.gather(labels, [1, 2])).toEqualTypeOf<Uint8Array>();
for (const batch of nn.data.batches(X, labels, { batchSize: 4 })) expectTypeOf(batch.y).toEqualTypeOf<Uint8Array>();
for (const batch of nn.data.batches(X, undefined, { batchSize: 4 })) expectTypeOf(batch.y).toEqualTypeOf<undefined>();
expectTypeOf(nn.data.split(X, labels, { validation: 0.1 }).validation.y).toEqualTypeOf<Uint8Array>();
expectTypeOf(nn.metrics.argmax(X)).toEqualTypeOf<Int32Array>();
expectTypeOf(nn.weights.load('w.safetensors').matrix('W')).toEqualTypeOf<nn.Matrix>();
