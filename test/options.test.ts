// Strict options: an unknown key is ERR_NNKIT_TYPE naming it, and nnkit's name for it when it
// is another library's name for one of the call's options or a misspelling of one.
import { describe, expect, it } from 'vitest';
import * as nn from '../lib/index';
import { expectCoded } from './helpers';

const X = nn.matrix(new Float32Array(24).map((_, i) => Math.sin(i)), 6, 4);
const W = nn.matrix(new Float32Array(12).map((_, i) => Math.cos(i)), 4, 3);
const labels = new Int32Array([0, 1, 2, 3, 0, 1]);

function unknown(fn: () => unknown): nn.NnkitTypeError {
  const e = expectCoded(fn, 'ERR_NNKIT_TYPE', TypeError);
  expect(e).toBeInstanceOf(nn.NnkitTypeError);
  return e as nn.NnkitTypeError;
}

describe('strict options', () => {
  it("names keepProb, and how it relates, for PyTorch's p and Keras's rate", () => {
    const e = unknown(() => nn.dropout.forward(X, { p: 0.2, training: true } as never));
    expect(e.message).toMatch(/Unknown option 'p' in options: nnkit's name for it is 'keepProb'.*keepProb = 1 − p/);
    expect(e.argument).toBe('options.p');
    expect(unknown(() => nn.dropConnect.forward(W, { rate: 0.5 } as never)).message).toMatch(/'keepProb'.*1 − rate/);
  });

  it('names our option for other libraries\' names', () => {
    const cases: [() => unknown, string, string][] = [
      [() => nn.gemm(X, X, { transposeB: true } as never), 'transposeB', 'transB'],
      [() => nn.gemm(X, X, { trans_a: true } as never), 'trans_a', 'transA'],
      [() => nn.optim.sgdStep(W, W, nn.matrix(4, 3), { learningRate: 0.1 } as never), 'learningRate', 'lr'],
      [() => new nn.PCA({ n_components: 2 } as never), 'n_components', 'components'],
      [() => new nn.PCA({ random_state: 1 } as never), 'random_state', 'seed'],
      [() => new nn.Standardizer({ withMean: false } as never), 'withMean', 'center'],
      [() => new nn.RangeScaler({ feature_range: [0, 1] } as never), 'feature_range', 'range'],
      [() => new nn.BatchNorm(4, { epsilon: 1e-3 } as never), 'epsilon', 'eps'],
      [() => new nn.BatchNorm(4).forward(X, { train: true } as never), 'train', 'training'],
      [() => nn.reg.maxNorm(W, 1, { dim: 0 } as never), 'dim', 'axis'],
      [() => nn.randomizedSvd(X, 2, { n_iter: 3 } as never), 'n_iter', 'powerIters'],
      [() => new nn.Standardizer().fit(X).transform(X, { inplace: true } as never), 'inplace', 'inPlace'],
    ];
    for (const [fn, key, ours] of cases) {
      const e = unknown(fn);
      expect(e.message).toContain(`Unknown option '${key}'`);
      expect(e.message).toContain(`'${ours}'`);
    }
  });

  it('suggests the option a misspelling is close to, or lists them all', () => {
    expect(unknown(() => nn.dropout.forward(X, { keepprob: 0.5 } as never)).message).toMatch(/did you mean 'keepProb'\?/);
    expect(unknown(() => nn.loss.softmax(X, labels, { Reduction: 'sum' } as never)).message).toMatch(/did you mean 'reduction'\?/);
    // Typos: a letter doubled, dropped, swapped with its neighbour or wrong (up to two in names longer than 4).
    for (const [typo, meant] of <[string, string][]>[['keepProbb', 'keepProb'], ['kepProb', 'keepProb'], ['trainnig', 'training'], ['maskBtis', 'maskBits'], ['mod', 'mode'], ['ot', 'out']])
      expect(unknown(() => nn.dropout.forward(X, { [typo]: 1 } as never)).message, typo).toMatch(new RegExp(`did you mean '${meant}'\\?`));
    // Too far, or as close to two options: the list instead of a guess.
    expect(unknown(() => nn.dropout.forward(X, { xyz: 1 } as never)).message).toMatch(/the options are/);
    expect(unknown(() => nn.optim.adamStep(X.data, X.data, nn.optim.adamState(X.data), { beta: 0.9 } as never)).message).toMatch(/the options are/);
    const e = unknown(() => nn.loss.svm(X, labels, { hinge: 2 } as never));
    expect(e.message).toBe("Unknown option 'hinge' in options: the options are 'reduction', 'grad', 'margin', 'squared'");
    // A foreign name whose counterpart this call does not have is not suggested.
    expect(unknown(() => nn.relu.forward(X, { p: 1 } as never)).message).toBe("Unknown option 'p' in options: the options are 'out'");
  });

  it('rejects an unknown key in every call that takes options, before any work', () => {
    const bogus = { bogus: 1 } as never;
    const tree = nn.LabelTree.balanced(4);
    const V = nn.matrix(tree.internalNodes, 4);
    const calls: [string, () => unknown][] = [
      ['gemm', () => nn.gemm(X, W, bogus)],
      ['covariance', () => nn.covariance(X, bogus)],
      ['eigh', () => nn.eigh(nn.covariance(X), bogus)],
      ['svd', () => nn.svd(X, bogus)],
      ['randomizedSvd', () => nn.randomizedSvd(X, 2, bogus)],
      ['init.zeros', () => nn.init.zeros(2, 2, bogus)],
      ['init.normal', () => nn.init.normal(2, 2, bogus)],
      ['init.uniform', () => nn.init.uniform(2, 2, bogus)],
      ['init.lecun', () => nn.init.lecun(2, 2, bogus)],
      ['init.glorot', () => nn.init.glorot(2, 2, bogus)],
      ['init.he', () => nn.init.he(2, 2, bogus)],
      ['init.sparse', () => nn.init.sparse(4, 2, bogus)],
      ['init.bias', () => nn.init.bias(2, 0, bogus)],
      ['linear.forward', () => nn.linear.forward(X, W, null, bogus)],
      ['linear.backward', () => nn.linear.backward(nn.matrix(6, 3), X, W, bogus)],
      ['relu.forward', () => nn.relu.forward(X, bogus)],
      ['relu.backward', () => nn.relu.backward(X, X, bogus)],
      ['dropout.forward', () => nn.dropout.forward(X, bogus)],
      ['dropout.backward', () => nn.dropout.backward(X, nn.dropout.forward(X, { training: true }).mask, bogus)],
      ['dropConnect.forward', () => nn.dropConnect.forward(W, bogus)],
      ['BatchNorm', () => new nn.BatchNorm(4, bogus)],
      ['BatchNorm.forward', () => new nn.BatchNorm(4).forward(X, bogus)],
      ['BatchNorm.backward', () => { const bn = new nn.BatchNorm(4); bn.forward(X, { training: true }); return bn.backward(X, bogus); }],
      ['loss.svm', () => nn.loss.svm(X, labels, bogus)],
      ['loss.softmax', () => nn.loss.softmax(X, labels, bogus)],
      ['loss.sigmoidCrossEntropy', () => nn.loss.sigmoidCrossEntropy(X, nn.matrix(6, 4), bogus)],
      ['loss.multiLabelHinge', () => nn.loss.multiLabelHinge(X, nn.matrix(6, 4), bogus)],
      ['loss.l2', () => nn.loss.l2(X, nn.matrix(6, 4), bogus)],
      ['loss.l1', () => nn.loss.l1(X, nn.matrix(6, 4), bogus)],
      ['loss.hierarchicalSoftmax', () => nn.loss.hierarchicalSoftmax(X, labels, tree, V, bogus)],
      ['loss.structuredSvm', () => nn.loss.structuredSvm(X, nn.matrix(4, 4), labels, bogus)],
      ['softmax', () => nn.softmax(X, bogus)],
      ['reg.l2', () => nn.reg.l2(W, 0.1, bogus)],
      ['reg.l1', () => nn.reg.l1(W, 0.1, bogus)],
      ['reg.elasticNet', () => nn.reg.elasticNet(W, 0.1, 0.1, bogus)],
      ['reg.maxNorm', () => nn.reg.maxNorm(W, 1, bogus)],
      ['optim.sgdStep', () => nn.optim.sgdStep(W, W, nn.matrix(4, 3), { lr: 0.1, bogus: 1 } as never)],
      ['Standardizer', () => new nn.Standardizer(bogus)],
      ['RangeScaler', () => new nn.RangeScaler(bogus)],
      ['PCA', () => new nn.PCA(bogus)],
      ['Standardizer.transform', () => new nn.Standardizer().fit(X).transform(X, bogus)],
      ['Pipeline.transform', () => new nn.Pipeline([new nn.Standardizer().fit(X)]).transform(X, bogus)],
      ['Pipeline.partialFit', () => new nn.Pipeline([new nn.Standardizer()]).partialFit(X, bogus)],
      ['gradcheck', () => nn.gradcheck(() => 0, new Float32Array(2), new Float32Array(2), bogus)],
    ];
    const before = Float32Array.from(W.data);
    for (const [name, fn] of calls) {
      const e = unknown(fn);
      expect(e.message, name).toMatch(/^Unknown option 'bogus' in options: /);
      expect(e.argument, name).toBe('options.bogus');
    }
    expect(W.data).toEqual(before);  // maxNorm, sgdStep: nothing written
  });

  it('still takes every documented option', () => {
    const out = nn.matrix(6, 4);
    const r = nn.dropout.forward(X, { keepProb: 0.5, mode: 'inverted', training: true, rng: new nn.Rng(1), out, maskBits: new Uint32Array(1) });
    expect(r.out).toBe(out);
    expect(nn.gemm(X, W, { transA: false, transB: false, alpha: 1, beta: 0, out: nn.matrix(6, 3) }).rows).toBe(6);
    expect(new nn.PCA({ components: 2, whiten: 'pca', eps: 1e-5, solver: 'exact', seed: 1, oversample: 5, powerIters: 1 }).fit(X).components.cols).toBe(2);
  });
});
