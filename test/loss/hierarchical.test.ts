import { describe, expect, it } from 'vitest';
import * as nn from '../../lib/index';
import { expectClose, expectNumberClose, forEachSimdPath, labelsFor, lcg, numericGradient64 } from './support';

const code = (c: string) => expect.objectContaining({ code: c });

/** Float64 reference: log P(k | h) = Σ_{n on path(k)} log σ(s_n v_n·h), from the tree's paths. */
function logProbRef(tree: nn.LabelTree, H: ArrayLike<number>, n: number, d: number, V: ArrayLike<number>): Float64Array {
  const out = new Float64Array(n * tree.numClasses);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < tree.numClasses; k++) {
      let lp = 0;
      for (let p = tree.offsets[k]!; p < tree.offsets[k + 1]!; p++) {
        let dot = 0;
        for (let j = 0; j < d; j++) dot += V[tree.nodes[p]! * d + j]! * H[i * d + j]!;
        const z = (tree.bits[p] ? 1 : -1) * dot;
        lp += z >= 0 ? -Math.log1p(Math.exp(-z)) : z - Math.log1p(Math.exp(z));
      }
      out[i * tree.numClasses + k] = lp;
    }
  return out;
}

function lossRef(tree: nn.LabelTree, H: ArrayLike<number>, n: number, d: number, V: ArrayLike<number>, y: Int32Array): number {
  const lp = logProbRef(tree, H, n, d, V);
  let s = 0;
  for (let i = 0; i < n; i++) s -= lp[i * tree.numClasses + y[i]!]!;
  return s;
}

function huffmanCost(counts: number[]): number {  // Σ of merged weights = Σ count · depth
  const w = [...counts];
  let cost = 0;
  while (w.length > 1) {
    w.sort((a, b) => a - b);
    const m = w.shift()! + w.shift()!;
    cost += m;
    w.push(m);
  }
  return cost;
}

const trees = () => [
  ['balanced(1)', nn.LabelTree.balanced(1)],
  ['balanced(7)', nn.LabelTree.balanced(7)],
  ['balanced(16)', nn.LabelTree.balanced(16)],
  ['huffman', nn.LabelTree.huffman([40, 1, 3, 3, 9, 2, 20, 7, 1])],
  // ((0, 1), (2, (3, 4))): internal nodes 5..8, root 8
  ['fromParents', nn.LabelTree.fromParents([5, 5, 6, 7, 7, 8, 8, 6, -1], 5)],
] as const;

describe('nn.LabelTree', () => {
  it('builds balanced trees of depth ⌈log2 C⌉', () => {
    for (const c of [1, 2, 3, 5, 8, 100, 10000]) {
      const t = nn.LabelTree.balanced(c);
      expect(t.internalNodes).toBe(c - 1);
      let max = 0;
      for (let k = 0; k < c; k++) max = Math.max(max, t.depth(k));
      expect(max).toBe(Math.ceil(Math.log2(c)));
    }
  });

  it('builds optimal Huffman trees: frequent classes get short paths', () => {
    const counts = [40, 1, 3, 3, 9, 2, 20, 7, 1];
    const t = nn.LabelTree.huffman(counts);
    let cost = 0;
    for (let k = 0; k < counts.length; k++) cost += counts[k]! * t.depth(k);
    expect(cost).toBe(huffmanCost(counts));
    expect(t.depth(0)).toBe(1);
    expect(t.depth(0)).toBeLessThan(t.depth(1));
    expect(t.depth(6)).toBeLessThanOrEqual(t.depth(4));
  });

  it('gives probabilities that sum to 1 over all leaves, on every path', () => {
    forEachSimdPath((path) => {
      for (const [name, tree] of trees()) {
        const n = 6, d = 13;
        const H = nn.matrix(lcg(n * d, 1, -1, 1), n, d);
        const V = nn.matrix(lcg(tree.internalNodes * d, 2, -1, 1), tree.internalNodes, d);
        const lp = tree.logProbabilities(H, V);
        expectClose(lp.data, logProbRef(tree, H.data, n, d, V.data), 1e-5, 1e-5, `${path} ${name}`);
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let k = 0; k < tree.numClasses; k++) s += Math.exp(lp.data[i * tree.numClasses + k]!);
          expectNumberClose(s, 1, 1e-5, 0, `${path} ${name} row ${i}`);
        }
        const pred = tree.predict(H, V);
        for (let i = 0; i < n; i++) {
          const row = Array.from(logProbRef(tree, H.data, n, d, V.data).subarray(i * tree.numClasses, (i + 1) * tree.numClasses));
          expect(row[pred[i]!]!).toBeCloseTo(Math.max(...row), 5);
        }
      }
    });
  });

  it('rejects parent lists with cycles, uncovered labels or bad arity', () => {
    expect(() => nn.LabelTree.fromParents([3, 3, -1, 4, 3], 3)).toThrow(RangeError);   // 3 ↔ 4 cycle, class 2 is a root
    expect(() => nn.LabelTree.fromParents([3, 3, 4, 4, 3], 3)).toThrow(code('ERR_NNKIT_RANGE')); // no root (cycle)
    expect(() => nn.LabelTree.fromParents([3, 3, 3, -1, 3], 3)).toThrow(/two children|free branch/);
    expect(() => nn.LabelTree.fromParents([2, 2, -1, -1], 3)).toThrow(RangeError);
    expect(() => nn.LabelTree.fromParents([3, 9, 4, 4, -1], 3)).toThrow(code('ERR_NNKIT_RANGE'));
    expect(() => nn.LabelTree.fromParents([3, 3], 3)).toThrow(code('ERR_NNKIT_SHAPE'));
    expect(() => nn.LabelTree.huffman([1, -2])).toThrow(RangeError);
    expect(() => nn.LabelTree.balanced(0)).toThrow(RangeError);
  });
});

describe('nn.loss.hierarchicalSoftmax', () => {
  it('matches the float64 reference and finite differences for dH and dV, on every path', () => {
    forEachSimdPath((path) => {
      for (const [name, tree] of trees()) {
        const n = 5, d = 11;
        const h = lcg(n * d, 3, -1, 1);
        const v = lcg(tree.internalNodes * d, 4, -1, 1);
        const y = labelsFor(n, tree.numClasses, 1);
        const r = nn.loss.hierarchicalSoftmax(nn.matrix(h, n, d), y, tree, nn.matrix(v, tree.internalNodes, d), { reduction: 'sum' });
        expectNumberClose(r.loss, lossRef(tree, h, n, d, v, y), 1e-5, 1e-5, `${path} ${name} loss`);
        const dH = numericGradient64((x) => lossRef(tree, x, n, d, v, y), h);
        const dV = numericGradient64((x) => lossRef(tree, h, n, d, x, y), v);
        expectClose(r.dH!.data, dH, 1e-4, 1e-5, `${path} ${name} dH`);
        expectClose(r.dV!.data, dV, 1e-4, 1e-5, `${path} ${name} dV`);
        const mean = nn.loss.hierarchicalSoftmax(nn.matrix(h, n, d), y, tree, nn.matrix(v, tree.internalNodes, d));
        expectNumberClose(mean.loss, r.loss / n, 1e-6, 0, 'mean');
      }
    });
  });

  it('passes nn.gradcheck on H', () => {
    const tree = nn.LabelTree.balanced(10);
    const n = 4, d = 6;
    const h = lcg(n * d, 8, -1, 1);
    const V = nn.matrix(lcg(9 * d, 9, -1, 1), 9, d);
    const y = labelsFor(n, 10, 0);
    const r = nn.loss.hierarchicalSoftmax(nn.matrix(h, n, d), y, tree, V, { reduction: 'sum' });
    const check = nn.gradcheck((x) => nn.loss.hierarchicalSoftmax(nn.matrix(x, n, d), y, tree, V, { reduction: 'sum', grad: false }).loss,
      h, r.dH!, { h: 1e-2 });
    expect(check.passed, JSON.stringify(check.worst)).toBe(true);
  });

  it('rejects labels the tree does not cover and mis-shaped V', () => {
    const tree = nn.LabelTree.balanced(4);
    const H = nn.matrix(lcg(6, 1), 2, 3);
    const V = nn.matrix(lcg(9, 2), 3, 3);
    expect(() => nn.loss.hierarchicalSoftmax(H, new Int32Array([0, 4]), tree, V)).toThrow(code('ERR_NNKIT_RANGE'));
    expect(() => nn.loss.hierarchicalSoftmax(H, new Int32Array([0, 1]), tree, nn.matrix(2, 3))).toThrow(code('ERR_NNKIT_SHAPE'));
    expect(() => nn.loss.hierarchicalSoftmax(H, new Float32Array([0, 1]) as unknown as Int32Array, tree, V)).toThrow(TypeError);
  });
});
