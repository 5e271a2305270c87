/**
 * Hierarchical softmax (the notes' remedy for a very large number of classes): the classes are
 * the leaves of a binary tree, each internal node n owns a vector v_n (row n of V), and the
 * probability of a class is the product of the branch probabilities σ(±v_n·h) along its path.
 * A sample then costs O(depth · D) instead of O(C · D).
 */
import { ErrorCodes, Received, rangeError, typeError } from '../errors';
import { assertMatrix, type Labels, type Matrix, outMatrix, type Unless } from '../matrix';
import { native } from '../native';
import { assertInteger, assertOneOf, assertOptions, optionKeys } from '../validate';
import { assertLabels, type Reduction } from './common';

/**
 * Most classes a LabelTree accepts. Trees are built through per-class JavaScript paths; 2^31
 * classes would exhaust the JS heap and abort the process (found by the boundary fuzzer);
 * 2^20 (1M classes) builds in a few seconds and about a GB.
 */
export const MAX_TREE_CLASSES = 2 ** 20;

/**
 * A binary tree whose leaves are the classes `0 … numClasses − 1`. Internal nodes are numbered
 * `0 … internalNodes − 1`; node n's vector is row n of V. At every internal node the path goes
 * either to the first child (sign +, probability σ(v_n·h)) or the second (sign −, σ(−v_n·h)).
 */
export class LabelTree {
  /** Number of classes (leaves). */
  readonly numClasses: number;
  /** Number of internal nodes (rows of V). */
  readonly internalNodes: number;
  /** The path of class k: `nodes[offsets[k] … offsets[k+1])`, with branch `bits` (1: +, 0: −). */
  readonly offsets: Uint32Array;
  readonly nodes: Uint32Array;
  readonly bits: Uint32Array;

  private constructor(numClasses: number, internalNodes: number, paths: { nodes: number[]; bits: number[] }[]) {
    this.numClasses = numClasses;
    this.internalNodes = internalNodes;
    this.offsets = new Uint32Array(numClasses + 1);
    let total = 0;
    for (let k = 0; k < numClasses; k++) {
      total += paths[k]!.nodes.length;
      this.offsets[k + 1] = total;
    }
    this.nodes = new Uint32Array(total);
    this.bits = new Uint32Array(total);
    for (let k = 0; k < numClasses; k++) {
      this.nodes.set(paths[k]!.nodes, this.offsets[k]!);
      this.bits.set(paths[k]!.bits, this.offsets[k]!);
    }
  }

  /** Path length (number of binary decisions) of class k. */
  depth(k: number): number {
    assertInteger(k, 'k', 0, this.numClasses - 1);
    return this.offsets[k + 1]! - this.offsets[k]!;
  }

  /**
   * Builds the tree from children lists: `children[i]` is the pair of node ids under internal
   * node i; node ids `< 0` encode leaves as `−(class + 1)`, others are internal node indices.
   */
  private static fromChildren(numClasses: number, children: [number, number][], root: number): LabelTree {
    const paths: { nodes: number[]; bits: number[] }[] = Array.from({ length: numClasses }, () => ({ nodes: [], bits: [] }));
    if (numClasses === 1 && children.length === 0) return new LabelTree(1, 0, paths);
    const stack: { node: number; nodes: number[]; bits: number[] }[] = [{ node: root, nodes: [], bits: [] }];
    while (stack.length > 0) {
      const { node, nodes, bits } = stack.pop()!;
      const pair = children[node]!;
      for (let side = 0; side < 2; side++) {
        const child = pair[side]!;
        const n = [...nodes, node];
        const b = [...bits, side === 0 ? 1 : 0];
        if (child < 0) paths[-child - 1] = { nodes: n, bits: b };
        else stack.push({ node: child, nodes: n, bits: b });
      }
    }
    return new LabelTree(numClasses, children.length, paths);
  }

  /**
   * A balanced tree over `numClasses` classes: every path has ⌊log₂C⌋ or ⌈log₂C⌉ nodes, so a
   * sample costs O(log C · D).
   */
  static balanced(numClasses: number): LabelTree {
    assertInteger(numClasses, 'numClasses', 1, MAX_TREE_CLASSES);
    const children: [number, number][] = [];
    const build = (lo: number, hi: number): number => {  // returns a node id
      if (hi - lo === 1) return -(lo + 1);
      const id = children.length;
      children.push([0, 0]);
      const mid = lo + Math.ceil((hi - lo) / 2);
      children[id] = [build(lo, mid), build(mid, hi)];
      return id;
    };
    const root = build(0, numClasses);
    return LabelTree.fromChildren(numClasses, children, Math.max(root, 0));
  }

  /**
   * A Huffman tree from class frequencies: frequent classes get short paths, which minimizes the
   * expected path length (the expected cost per sample). Ties are broken by class / creation
   * order, so the same counts always give the same tree.
   *
   * @param classCounts a non-negative count (or frequency) per class.
   */
  static huffman(classCounts: ArrayLike<number>): LabelTree {
    if (classCounts === null || typeof classCounts !== 'object' || typeof classCounts.length !== 'number')
      typeError('classCounts', 'an array of counts', classCounts);
    const c = classCounts.length;
    if (!(c >= 1 && c <= MAX_TREE_CLASSES)) rangeError('classCounts', `1 to ${MAX_TREE_CLASSES} classes`, classCounts, ErrorCodes.SHAPE);
    // A plain binary heap over (weight, order, id).
    type Item = { w: number; order: number; id: number };
    const heap: Item[] = [];
    const less = (a: Item, b: Item) => a.w < b.w || (a.w === b.w && a.order < b.order);
    const push = (item: Item) => {
      heap.push(item);
      let i = heap.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!less(heap[i]!, heap[p]!)) break;
        [heap[i], heap[p]] = [heap[p]!, heap[i]!];
        i = p;
      }
    };
    const pop = (): Item => {
      const top = heap[0]!;
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1, r = l + 1;
          let m = i;
          if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
          if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
          if (m === i) break;
          [heap[i], heap[m]] = [heap[m]!, heap[i]!];
          i = m;
        }
      }
      return top;
    };
    for (let k = 0; k < c; k++) {
      const w = classCounts[k];
      if (typeof w !== 'number') typeError(`classCounts[${k}]`, 'a number', w);
      if (!Number.isFinite(w) || w < 0) rangeError(`classCounts[${k}]`, 'a finite count >= 0', w);
      push({ w, order: k, id: -(k + 1) });
    }
    const children: [number, number][] = [];
    let order = c;
    while (heap.length > 1) {
      const a = pop();
      const b = pop();
      const id = children.length;
      children.push([a.id, b.id]);
      push({ w: a.w + b.w, order: order++, id });
    }
    return LabelTree.fromChildren(c, children, children.length - 1);
  }

  /**
   * A tree from an explicit parent list. Nodes `0 … numClasses − 1` are the classes (leaves),
   * nodes `numClasses …` are internal (internal node `numClasses + n` owns row n of V).
   * `parents[node]` is the parent's node id, or −1 for the root. Every internal node must have
   * exactly two children (the lower-numbered child is the + branch), every class must reach the
   * root, and there must be no cycle: otherwise an `ERR_NNKIT_RANGE` RangeError says which node.
   */
  static fromParents(parents: ArrayLike<number>, numClasses: number): LabelTree {
    if (parents === null || typeof parents !== 'object' || typeof parents.length !== 'number')
      typeError('parents', 'an array of parent node ids', parents);
    assertInteger(numClasses, 'numClasses', 1, MAX_TREE_CLASSES);
    const total = parents.length;
    if (total < numClasses)
      rangeError('parents', `an entry for each of the ${numClasses} classes and each internal node`, total, ErrorCodes.SHAPE);
    const internal = total - numClasses;
    if (internal !== numClasses - 1)
      rangeError('parents', `${numClasses - 1} internal nodes for a binary tree over ${numClasses} classes`, internal, ErrorCodes.SHAPE);
    const children: [number, number][] = Array.from({ length: internal }, () => [0, 0] as [number, number]);
    const childCount = new Int32Array(internal);
    let root = -1;
    for (let node = 0; node < total; node++) {
      const p = parents[node];
      if (typeof p !== 'number') typeError(`parents[${node}]`, 'a node id', p);
      if (p === -1) {
        if (node < numClasses && numClasses > 1) rangeError(`parents[${node}]`, 'a parent: class ' + node + ' is not covered by the tree', p);
        if (root !== -1) rangeError(`parents[${node}]`, `a parent (node ${root} is already the root)`, p);
        root = node;
        continue;
      }
      if (!Number.isInteger(p) || p < numClasses || p >= total)
        rangeError(`parents[${node}]`, `an internal node id in [${numClasses}, ${total}) or -1 for the root`, p);
      const slot = p - numClasses;
      if (childCount[slot]! >= 2) rangeError(`parents[${node}]`, `a parent with a free branch (node ${p} already has two children)`, p);
      children[slot]![childCount[slot]!] = node < numClasses ? -(node + 1) : node - numClasses;
      childCount[slot]! += 1;
    }
    if (root === -1) rangeError('parents', 'exactly one root (-1)', new Received('none'));
    for (let n = 0; n < internal; n++)
      if (childCount[n] !== 2) rangeError('parents', `two children for internal node ${numClasses + n}`, childCount[n]);
    // Every node must reach the root within `total` steps: otherwise there is a cycle.
    for (let node = 0; node < total; node++) {
      let at = node;
      for (let steps = 0; at !== root; steps++) {
        if (steps > total) rangeError('parents', 'a tree without cycles', new Received(`a cycle through node ${node}`));
        at = parents[at]!;
      }
    }
    if (numClasses === 1) return LabelTree.fromChildren(1, [], 0);
    return LabelTree.fromChildren(numClasses, children, root - numClasses);
  }

  /**
   * `log P(class k | h_i)` for every sample and class: `Σ_{n on path(k)} log σ(±v_n·h_i)`.
   * Each row sums (in probability) to 1 over the leaves.
   * @param H `[N × D]`; @param V `[internalNodes × D]`.
   */
  logProbabilities(H: Matrix, V: Matrix, opts?: { out?: Matrix | Float32Array }): Matrix {
    const out = this.#planLogProbabilities(H, V, opts);
    native.hierarchicalLogProbabilities(H.data, H.rows, H.cols, this.offsets, this.nodes, this.bits, this.internalNodes, V.data, out.data);
    return out;
  }

  /**
   * {@link logProbabilities} on the libuv thread pool, bit-identical to it (O(N · internalNodes
   * · D) work: long for many classes). H, V and the tree's paths are copied when the call starts;
   * `out` is written on the JS thread when the work is done (a detached `out` rejects with
   * ERR_NNKIT_DETACHED; bad arguments reject with the sync codes).
   */
  async logProbabilitiesAsync(H: Matrix, V: Matrix, opts?: { out?: Matrix | Float32Array }): Promise<Matrix> {
    const out = this.#planLogProbabilities(H, V, opts);
    await native.hierarchicalLogProbabilitiesAsync(H.data, H.rows, H.cols, this.offsets, this.nodes, this.bits, this.internalNodes, V.data, out.data);
    return out;
  }

  #planLogProbabilities(H: Matrix, V: Matrix, opts: { out?: Matrix | Float32Array } | undefined): Matrix {
    checkHV(H, V, this);
    assertOptions(opts, 'options', LOG_PROBABILITIES_KEYS);
    return outMatrix(opts?.out, H.rows, this.numClasses);
  }

  /** The most probable class of every sample (ties: the lower class). */
  predict(H: Matrix, V: Matrix): Int32Array {
    return this.#argmax(this.logProbabilities(H, V));
  }

  /** {@link predict} with the log-probabilities computed on the libuv thread pool. */
  async predictAsync(H: Matrix, V: Matrix): Promise<Int32Array> {
    return this.#argmax(await this.logProbabilitiesAsync(H, V));
  }

  #argmax(lp: Matrix): Int32Array {
    const out = new Int32Array(lp.rows);
    const c = this.numClasses;
    for (let i = 0; i < lp.rows; i++) {
      let best = 0;
      for (let k = 1; k < c; k++) if (lp.data[i * c + k]! > lp.data[i * c + best]!) best = k;
      out[i] = best;
    }
    return out;
  }
}

function checkHV(H: Matrix, V: Matrix, tree: LabelTree): void {
  assertMatrix(H, 'H');
  assertMatrix(V, 'V');
  if (!(tree instanceof LabelTree)) typeError('tree', 'a LabelTree', tree);
  if (V.rows !== tree.internalNodes || V.cols !== H.cols)
    rangeError('V', `a ${tree.internalNodes} × ${H.cols} Matrix (internal nodes × H.cols)`, new Received(`a ${V.rows} × ${V.cols} Matrix`), ErrorCodes.SHAPE);
}

/** Options of {@link hierarchicalSoftmax}. */
export interface HierarchicalSoftmaxOptions {
  /** `'mean'` (default) or `'sum'` over the N samples. */
  reduction?: Reduction;
  /** Compute dH and dV (default true); `false` returns only the loss. */
  grad?: boolean;
  /** Where to write dH `[N × D]` / dV `[internalNodes × D]` (overwritten). */
  dH?: Matrix | Float32Array;
  dV?: Matrix | Float32Array;
}

/** What {@link hierarchicalSoftmax} returns: `G` is `Matrix`, or `null` with `grad: false`. */
export interface HierarchicalSoftmaxResult<G extends Matrix | null = Matrix | null> {
  loss: number;
  /** ∂loss/∂H `[N × D]`. */
  dH: G;
  /** ∂loss/∂V `[internalNodes × D]`. */
  dV: G;
}

/**
 * Hierarchical softmax loss: `L_i = −Σ_{n on path(y_i)} log σ(s_n · v_n·h_i)` with s_n = ±1 the
 * branch taken at node n. Gradients: `∂L_i/∂h_i = Σ_n −s_n·σ(−s_n v_n·h_i)·v_n` and
 * `∂L_i/∂v_n = −s_n·σ(−s_n v_n·h_i)·h_i`.
 *
 * @param H `[N × D]` hidden representations. @param labels class per row in `[0, tree.numClasses)`.
 * @param V `[tree.internalNodes × D]` node vectors.
 */
export function hierarchicalSoftmax<O extends HierarchicalSoftmaxOptions | undefined = undefined>(H: Matrix, labels: Labels, tree: LabelTree,
  V: Matrix, opts?: O): HierarchicalSoftmaxResult<Unless<O, 'grad', Matrix>> {
  const p = planHierarchical(H, labels, tree, V, opts);
  const sum = native.lossHierarchicalSoftmax(H.data, H.rows, H.cols, labels, tree.offsets, tree.nodes, tree.bits,
    tree.internalNodes, V.data, 1 / p.divisor, p.dH?.data ?? null, p.dV?.data ?? null);
  return { loss: sum / p.divisor, dH: p.dH, dV: p.dV } as HierarchicalSoftmaxResult<Unless<O, 'grad', Matrix>>;
}

/**
 * {@link hierarchicalSoftmax} on the libuv thread pool, bit-identical to the sync call. H, V, the
 * labels and the tree's path arrays are copied when the call starts (labels and paths are
 * checked on the copies) and dH, dV are written when the work is done; a detached gradient
 * buffer rejects with ERR_NNKIT_DETACHED, bad arguments reject with the sync call's codes.
 */
export async function hierarchicalSoftmaxAsync<O extends HierarchicalSoftmaxOptions | undefined = undefined>(H: Matrix, labels: Labels,
  tree: LabelTree, V: Matrix, opts?: O): Promise<HierarchicalSoftmaxResult<Unless<O, 'grad', Matrix>>> {
  const p = planHierarchical(H, labels, tree, V, opts);
  const sum = await native.lossHierarchicalSoftmaxAsync(H.data, H.rows, H.cols, labels, tree.offsets, tree.nodes, tree.bits,
    tree.internalNodes, V.data, 1 / p.divisor, p.dH?.data ?? null, p.dV?.data ?? null);
  return { loss: sum / p.divisor, dH: p.dH, dV: p.dV } as HierarchicalSoftmaxResult<Unless<O, 'grad', Matrix>>;
}

const HIERARCHICAL_KEYS = optionKeys<HierarchicalSoftmaxOptions>()('reduction', 'grad', 'dH', 'dV');
const LOG_PROBABILITIES_KEYS = optionKeys<{ out?: Matrix | Float32Array }>()('out');

function planHierarchical(H: Matrix, labels: Labels, tree: LabelTree, V: Matrix, opts: HierarchicalSoftmaxOptions | undefined):
  { divisor: number; dH: Matrix | null; dV: Matrix | null } {
  checkHV(H, V, tree);
  assertLabels(labels, H.rows);
  assertOptions(opts, 'options', HIERARCHICAL_KEYS);
  const reduction = opts?.reduction ?? 'mean';
  assertOneOf(reduction, 'reduction', ['mean', 'sum'] as const);
  const wantGrad = opts?.grad ?? true;
  if (typeof wantGrad !== 'boolean') typeError('grad', 'a boolean', wantGrad);
  const divisor = reduction === 'mean' && H.rows > 0 ? H.rows : 1;
  const dH = wantGrad ? outMatrix(opts?.dH, H.rows, H.cols, 'dH') : null;
  const dV = wantGrad ? outMatrix(opts?.dV, V.rows, V.cols, 'dV') : null;
  return { divisor, dH, dV };
}
