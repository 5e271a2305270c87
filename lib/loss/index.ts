/**
 * `nn.loss`: the data losses of the notes. Every loss of scores returns `{ loss, grad }`, the
 * mean over the N samples by default (`reduction: 'sum'` for the sum), with the gradient in a
 * new Matrix, in a buffer you pass (`grad: buffer`), or skipped (`grad: false`).
 */
export {
  multiLabelHinge, multiLabelHingeAsync, sigmoidCrossEntropy, sigmoidCrossEntropyAsync, softmax, softmaxAsync, svm, svmAsync,
} from './classification';
export type { SvmOptions } from './classification';
export { l1, l1Async, l2, l2Async } from './regression';
export { hierarchicalSoftmax, hierarchicalSoftmaxAsync } from './hierarchical';
export type { HierarchicalSoftmaxOptions, HierarchicalSoftmaxResult } from './hierarchical';
export { structuredSvm, viterbi } from './structured';
export type { StructuredSvmResult } from './structured';
export type { LossOptions, LossResult, LossResultOf, Reduction } from './common';
