/**
 * Fuzz targets for the areas built on the foundation (linear algebra, init, layers, losses,
 * regularization, gradcheck, preprocessing) and the raw native functions behind them: a VALID
 * argument generator per export (child.ts breaks them: off-by-one lengths, wrong typed-array
 * kinds, labels out of range, NaN/Inf, detached and shared buffers, hostile sizes, aliasing) plus,
 * where the generic mutations cannot reach it, `broken` near-valid calls (outputs carved out of
 * the labels' or the tree's buffers, corrupted saved documents).
 */
import fc from 'fast-check';
import * as nn from '../../lib/index';
import { native } from '../../lib/native';
import { type ArraySpec, HOSTILE_OBJECT, arraySpec, arrayArb, chainParents, edgeFill, type ElementKind, type Fill, matrixArb, num, opts, raw, type Spec } from './args';
import { matrixShape, type Target } from './targets';

const dim = fc.integer({ min: 0, max: 7 });
const posDim = fc.integer({ min: 1, max: 7 });
const seedNum = fc.nat({ max: 1e6 });
type MSpec = Extract<Spec, { k: 'matrix' }>;

/** Output buffer choices: none (allocated), a Matrix or a bare Float32Array of the right size. */
function outArb(rows: number, cols: number): fc.Arbitrary<Spec | undefined> {
  return fc.oneof(fc.constant(undefined), matrixArb(rows, cols, false), arrayArb('f32', rows * cols, false));
}

const labelKinds = fc.constantFrom<ElementKind>('i32', 'u32', 'u16', 'u8');
function labelsArb(n: number, classes: number, room = 0): fc.Arbitrary<ArraySpec> {
  return fc.record({ type: labelKinds, offset: fc.integer({ min: 0, max: 9 }), shared: fc.boolean() }).map((r) =>
    arraySpec(r.type, n, { offset: r.offset, shared: r.shared, ro: true, fill: 'labels', max: classes - 1, room }));
}

const fillOf = (f: Fill) => fc.constant(f);
/** For functions that reject NaN/±Infinity (ERR_NNKIT_NONFINITE) in a valid call. */
const finiteFill: fc.Arbitrary<Fill> = fc.oneof({ weight: 5, arbitrary: fillOf('data') }, { weight: 1, arbitrary: fc.constantFrom<Fill>('const', 'offset', 'zero', 'denormal') });

/** A symmetric n × n matrix (eigh checks symmetry), as a guarded array spec. */
function symmetricArb(n: number): fc.Arbitrary<ArraySpec> {
  return fc.tuple(fc.integer({ min: 0, max: 9 }), fc.boolean(), fc.nat()).map(([offset, shared, salt]) => {
    const values: number[] = [];
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) values.push(Math.sin((Math.min(i, j) * 7 + Math.max(i, j) * 13 + salt) % 97));
    return arraySpec('f32', n * n, { offset, shared, ro: true, fill: 'values', values });
  });
}
const isMatrix = (m: any) => m && typeof m === 'object' && m.data instanceof Float32Array;
const finiteData = (...xs: any[]) => xs.every((x) => !isMatrix(x) || x.data.every(Number.isFinite));
/** Finite and far from overflow: where a float64 reference is meaningful for float32 kernels. */
const moderate = (...xs: any[]) => xs.every((x) => !isMatrix(x) || x.data.every((v: number) => Math.abs(v) < 1e15));

function f64Softmax(row: ArrayLike<number>): number[] {
  let mx = -Infinity;
  for (const v of Array.from(row)) mx = Math.max(mx, v);
  const e = Array.from(row, (v) => Math.exp(v - mx));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

function lossShape(r: any, rows: number, cols: number, wantGrad: boolean): string {
  if (typeof r?.loss !== 'number') return 'no loss';
  if (!wantGrad) return r.grad === null ? '' : 'grad not null';
  return matrixShape(r.grad, rows, cols);
}

/** A loss over (scores, labels, opts); grad: default/true/false/Matrix/array. */
function classificationArgs(extra: fc.Arbitrary<Record<string, Spec>>): fc.Arbitrary<Spec[]> {
  return fc.tuple(dim, posDim).chain(([n, c]) =>
    fc.tuple(matrixArb(n, c, true, edgeFill), labelsArb(n, c), fc.oneof(fc.constant(undefined), fc.constant(raw(true)), fc.constant(raw(false)), outArb(n, c).filter((o) => o !== undefined)),
      fc.constantFrom(undefined, 'mean', 'sum'), extra)
      .map(([S, y, grad, reduction, more]): Spec[] => [S, y, opts({ grad, reduction: reduction === undefined ? undefined : raw(reduction), ...more })]));
}

/** The gradient carved out of the labels' buffer (the crash fixed in native/binding/loss.cc). */
function gradOverLabels(extra: Record<string, Spec> = {}): fc.Arbitrary<Spec[]> {
  return fc.tuple(posDim, posDim, fc.integer({ min: -4, max: 4 })).chain(([n, c, shift]) =>
    fc.tuple(matrixArb(n, c, true), labelsArb(n, c, n * c * 4 + 16)).map(([S, y]): Spec[] =>
      [S, y, opts({ grad: { k: 'overlap', ref: 1, shift, type: 'f32', len: n * c }, ...extra })]));
}

function checkLoss(r: any, [S, , o]: any[]): string {
  if (!isMatrix(S)) return '';
  const g = o?.grad ?? true;
  return lossShape(r, S.rows, S.cols, g !== false);
}

function softmaxLossValue(r: any, [S, y, o]: any[]): string {
  const shape = checkLoss(r, [S, y, o]);
  if (shape || !moderate(S) || S.rows === 0) return shape;
  let sum = 0;
  for (let i = 0; i < S.rows; i++) {
    const p = f64Softmax(S.data.subarray(i * S.cols, (i + 1) * S.cols));
    sum += -Math.log(p[y[i]]!);
  }
  const want = (o?.reduction ?? 'mean') === 'mean' ? sum / S.rows : sum;
  return Math.abs(r.loss - want) <= 1e-4 * (1 + Math.abs(want)) ? '' : `softmax loss ${r.loss} != ${want}`;
}

function svmLossValue(r: any, [S, y, o]: any[]): string {
  const shape = checkLoss(r, [S, y, o]);
  if (shape || !moderate(S) || S.rows === 0) return shape;
  const margin = o?.margin ?? 1, sq = o?.squared ?? false;
  if (Math.abs(margin) > 1e15) return Number.isNaN(r.loss) ? 'NaN loss' : ''; // float32 row losses may overflow (documented)
  let sum = 0;
  for (let i = 0; i < S.rows; i++)
    for (let j = 0; j < S.cols; j++) {
      if (j === y[i]) continue;
      const m = Math.max(0, S.data[i * S.cols + j]! - S.data[i * S.cols + y[i]]! + Math.fround(margin));
      sum += sq ? m * m : m;
    }
  const want = (o?.reduction ?? 'mean') === 'mean' ? sum / S.rows : sum;
  return Math.abs(r.loss - want) <= 1e-4 * (1 + Math.abs(want)) ? '' : `svm loss ${r.loss} != ${want}`;
}

/** Losses against a target matrix of the scores' shape (targets filled by `fill`). */
function targetArgs(fill: Fill): fc.Arbitrary<Spec[]> {
  return fc.tuple(dim, dim).chain(([n, c]) =>
    fc.tuple(matrixArb(n, c, true, edgeFill), fc.oneof(matrixArb(n, c, true, fillOf(fill)), arrayArb('f32', n * c, true, fillOf(fill))),
      fc.oneof(fc.constant(undefined), fc.constant(raw(false)), outArb(n, c).filter((o) => o !== undefined)), fc.constantFrom(undefined, 'mean', 'sum'))
      .map(([S, T, grad, reduction]): Spec[] => [S, T, opts({ grad, reduction: reduction === undefined ? undefined : raw(reduction) })]));
}

function treeArb(maxClasses = 9): fc.Arbitrary<Extract<Spec, { k: 'tree' }>> {
  return fc.record({ classes: fc.integer({ min: 1, max: maxClasses }), shape: fc.constantFrom<'balanced' | 'chain'>('balanced', 'chain') }).map((r) => ({ k: 'tree', ...r }));
}

/** hierarchicalSoftmax(H, labels, tree, V, opts). */
const hsArgs = fc.tuple(dim, posDim, treeArb()).chain(([n, d, tree]) =>
  fc.tuple(matrixArb(n, d, true, edgeFill), labelsArb(n, tree.classes), matrixArb(tree.classes - 1, d, true, edgeFill),
    fc.boolean(), fc.boolean(), fc.constantFrom(undefined, 'mean', 'sum'))
    .map(([H, y, V, dH, dV, reduction]): Spec[] => [H, y, tree, V, opts({
      reduction: reduction === undefined ? undefined : raw(reduction),
      dH: dH ? { k: 'array', type: 'f32', len: n * d, offset: 1, shared: false, detached: false, ro: false, fill: 'nan' } : undefined,
      dV: dV ? arraySpec('f32', (tree.classes - 1) * d, { fill: 'nan' }) : undefined,
    })]));

/** The raw native hierarchical functions take the tree as three Uint32Arrays: their contents are specs. */
function treeArrays(classes: number, shape: 'balanced' | 'chain'): ArraySpec[] {
  const t = shape === 'balanced' ? nn.LabelTree.balanced(classes) : nn.LabelTree.fromParents(chainParents(classes), classes);
  return [t.offsets, t.nodes, t.bits].map((a) => arraySpec('u32', a.length, { fill: 'values', values: Array.from(a), ro: true, offset: 2 }));
}

const nativeHsArgs = fc.tuple(dim, posDim, treeArb(), fc.boolean()).chain(([n, d, tree, grads]) => {
  const [offsets, nodes, bits] = treeArrays(tree.classes, tree.shape);
  const internal = tree.classes - 1;
  return fc.tuple(matrixArb(n, d, true, edgeFill), labelsArb(n, tree.classes), arrayArb('f32', internal * d, true, edgeFill))
    .map(([H, y, V]): Spec[] => {
      const h = (H as MSpec).data;
      return [h, num(n), num(d), y, offsets!, nodes!, bits!, num(internal), V, num(1 / Math.max(1, n)),
        grads ? arraySpec('f32', n * d) : raw(null), grads ? arraySpec('f32', internal * d) : raw(null)];
    });
});

/** dH carved out of the tree's node array (raw native call): ERR_NNKIT_ALIAS. */
const nativeHsOverTree = fc.tuple(posDim, posDim, fc.integer({ min: 2, max: 9 }), fc.integer({ min: 0, max: 3 })).map(([n, d, classes, shift]): Spec[] => {
  const [offsets, nodes, bits] = treeArrays(classes, 'chain');
  return [arraySpec('f32', n * d, { ro: true }), num(n), num(d), arraySpec('i32', n, { fill: 'labels', max: classes - 1, ro: true }),
    offsets!, { ...nodes!, room: n * d * 4 + 16 }, bits!, num(classes - 1), arraySpec('f32', (classes - 1) * d, { ro: true }), num(1),
    { k: 'overlap', ref: 5, shift, type: 'f32', len: n * d }, raw(null)];
});

// --- preprocessing ------------------------------------------------------------------------------

const preprocessFill = finiteFill;
const fitData = (minRows = 1) => fc.tuple(fc.integer({ min: minRows, max: 8 }), posDim).chain(([n, d]) => matrixArb(n, d, true, preprocessFill));

const standardizerOpts = fc.record({ center: fc.boolean(), scale: fc.boolean(), eps: fc.double({ min: 1e-8, max: 1, noNaN: true }) })
  .map((o) => opts({ center: raw(o.center), scale: raw(o.scale), eps: num(o.eps) }));
const rangeOpts = fc.tuple(fc.double({ min: -5, max: 5, noNaN: true }), fc.double({ min: 0.01, max: 5, noNaN: true }))
  .map(([lo, w]) => opts({ range: { k: 'list', items: [num(lo), num(lo + w)] } }));
const pcaOpts = (d: number) => fc.record({
  components: fc.option(fc.integer({ min: 1, max: d }), { nil: undefined }),
  whiten: fc.constantFrom<false | 'pca' | 'zca'>(false, 'pca', 'zca'),
  solver: fc.constantFrom('auto', 'exact', 'randomized'),
  seed: seedNum,
}).map((o) => opts({ components: o.components === undefined ? undefined : num(o.components), whiten: raw(o.whiten), solver: raw(o.solver), seed: num(o.seed), eps: num(1e-5) }));

type Ctor = (o: any) => any;
const makers: Record<string, { make: Ctor; opts: (d: number) => fc.Arbitrary<Spec> }> = {
  Standardizer: { make: (o) => new nn.Standardizer(o), opts: () => standardizerOpts },
  RangeScaler: { make: (o) => new nn.RangeScaler(o), opts: () => rangeOpts },
  PCA: { make: (o) => new nn.PCA(o), opts: pcaOpts },
};

/** X [n×d], options, then a second matrix of the same width (transform input or merge partner). */
function stepArgs(kind: string, secondRows = dim): fc.Arbitrary<Spec[]> {
  return fc.tuple(fc.integer({ min: 1, max: 8 }), posDim, secondRows).chain(([n, d, m]) =>
    fc.tuple(matrixArb(n, d, true, preprocessFill), makers[kind]!.opts(d), matrixArb(m, d, true, preprocessFill), kind === 'PCA' ? fc.constant(opts({})) : outArbOpt(m, d))
      .map(([X, o, Y, out]): Spec[] => [X, o, Y, out]));
}
function outArbOpt(rows: number, cols: number): fc.Arbitrary<Spec> {
  return outArb(rows, cols).map((out) => opts({ out }));
}

/** Shape only: data outside the training range may legitimately overflow (a tiny fitted spread). */
function transformCheck(r: any, [, , Y]: any[]): string {
  if (!isMatrix(Y)) return '';
  return r?.data instanceof Float32Array && r.rows === Y.rows && r.data.length === r.rows * r.cols ? '' : `bad transform result ${r?.rows}×${r?.cols}`;
}

/** The training data itself always transforms to finite values (constant and denormal columns included). */
function fitTransformCheck(r: any, [X]: any[]): string {
  if (!isMatrix(X)) return '';
  if (!(r?.data instanceof Float32Array) || r.rows !== X.rows) return 'wrong rows';
  return moderate(X) && !r.data.every(Number.isFinite) ? 'non-finite output for the finite training data' : '';
}

/** A saved document with one field replaced by a hostile value (or removed, or truncated arrays). */
const docCorruption = fc.record({
  key: fc.constantFrom('format', 'version', 'rows', 'count', 'width', 'mean', 'm2', 'min', 'max', 'components', 'eigenvalues', 'k', 'steps', 'features', 'runningMean', 'gamma', 'eps', 'x'),
  value: fc.constantFrom<unknown>(undefined, null, -1, 0, 1.5, 2 ** 31, 1e300, Number.NaN, 'AAAA', '', 'A'.repeat(64), [], {}, true, 'nnkit.PCA', 2 ** 53, HOSTILE_OBJECT()),
  truncate: fc.boolean(),
});

function corrupt(doc: any, c: { key: string; value: unknown; truncate: boolean }): unknown {
  const copy = JSON.parse(JSON.stringify(doc));
  const visit = (o: any) => {
    if (!o || typeof o !== 'object') return;
    for (const k of Object.keys(o)) {
      if (k === c.key) {
        if (c.truncate && typeof o[k] === 'string') o[k] = o[k].slice(0, Math.max(0, o[k].length - 4));
        else if (c.value === undefined) delete o[k];
        else o[k] = c.value;
      } else visit(o[k]);
    }
  };
  visit(copy);
  return copy;
}

function fromJsonTarget(kind: 'Standardizer' | 'RangeScaler' | 'PCA'): Target {
  const Cls = nn[kind] as any;
  return {
    name: `nn.${kind}.fromJSON`,
    share: 0.5,
    args: fc.tuple(fitData(2), makers[kind]!.opts(1)).map(([X, o]): Spec[] => [X, o, raw('valid')]),
    broken: fc.tuple(fitData(2), docCorruption).map(([X, c]): Spec[] => [X, opts({}), raw(JSON.stringify(c))]),
    call: (X, o, how) => {
      const fitted = makers[kind]!.make(isMatrix(X) && X.cols > 0 && kind === 'PCA' ? { ...o, components: undefined } : o).fit(X);
      const doc = fitted.toJSON();
      return Cls.fromJSON(how === 'valid' ? doc : typeof how === 'string' && how.startsWith('{') ? corrupt(doc, JSON.parse(how)) : how);
    },
    check: (r) => (r instanceof Cls ? '' : `not a ${kind}`),
  };
}

function preprocessTargets(kind: 'Standardizer' | 'RangeScaler' | 'PCA'): Target[] {
  const { make } = makers[kind]!;
  const Cls = nn[kind] as any;
  const share = kind === 'PCA' ? 0.5 : 1;
  return [
    { name: `new nn.${kind}`, args: makers[kind]!.opts(4).map((o) => [o]), call: (o) => make(o), check: (r) => (r instanceof Cls ? '' : 'wrong class') },
    { name: `nn.${kind}#fit`, share, args: stepArgs(kind), call: (X, o) => make(o).fit(X), check: (r) => (r instanceof Cls ? '' : 'fit did not return this') },
    { name: `nn.${kind}#fitAsync`, share, args: stepArgs(kind), call: (X, o) => make(o).fitAsync(X), check: (r) => (r instanceof Cls ? '' : 'fitAsync did not resolve to this') },
    { name: `nn.${kind}#partialFit`, share, args: stepArgs(kind), call: (X, o, Y) => make(o).partialFit(X).partialFit(Y) },
    { name: `nn.${kind}#merge`, share, args: stepArgs(kind, posDim), call: (X, o, Y) => make(o).partialFit(X).merge(make(o).partialFit(Y)) },
    { name: `nn.${kind}#transform`, share, args: stepArgs(kind), call: (X, o, Y, t) => make(o).fit(X).transform(Y, t), check: transformCheck },
    {
      name: `nn.${kind}#inverseTransform`, share, args: stepArgs(kind),
      call: (X, o, Y, t) => { const s = make(o).fit(X); return s.inverseTransform(isMatrix(Y) && kind === 'PCA' ? s.transform(Y) : Y, t); },
    },
    { name: `nn.${kind}#transformAsync`, share, args: stepArgs(kind), call: (X, o, Y, t) => make(o).fit(X).transformAsync(Y, t), check: transformCheck },
    {
      name: `nn.${kind}#inverseTransformAsync`, share, args: stepArgs(kind),
      call: (X, o, Y, t) => { const s = make(o).fit(X); return s.inverseTransformAsync(isMatrix(Y) && kind === 'PCA' ? s.transform(Y) : Y, t); },
    },
    { name: `nn.${kind}#fitTransform`, share, args: stepArgs(kind), call: (X, o) => make(o).fitTransform(X), check: fitTransformCheck },
    { name: `nn.${kind}#toJSON`, share, args: stepArgs(kind), call: (X, o) => make(o).fit(X).toJSON(), check: (r) => (r && typeof r === 'object' && typeof r.format === 'string' ? '' : 'not a document') },
    fromJsonTarget(kind),
  ];
}

const pipelineArgs = stepArgs('Standardizer');
const pipeline = (o: any) => new nn.Pipeline([new nn.Standardizer(o), new nn.RangeScaler()]);

// --- layers -----------------------------------------------------------------------------------

const linearArgs = fc.tuple(dim, dim, dim, fc.constantFrom('none', 'array', 'matrix')).chain(([n, d, h, b]) =>
  fc.tuple(matrixArb(n, d, true, edgeFill), matrixArb(d, h, true, edgeFill), b === 'none' ? fc.constant(raw(null)) : b === 'array' ? arrayArb('f32', h, true) : matrixArb(1, h, true), outArbOpt(n, h))
    .map(([X, W, bias, o]): Spec[] => [X, W, bias, o]));
const linearBackArgs = fc.tuple(dim, dim, dim).chain(([n, d, h]) =>
  fc.tuple(matrixArb(n, h, true, edgeFill), matrixArb(n, d, true, edgeFill), matrixArb(d, h, true, edgeFill),
    fc.oneof(fc.constant(undefined), fc.constant(raw(false)), matrixArb(n, d, false)), fc.oneof(fc.constant(undefined), fc.constant(raw(false)), arrayArb('f32', d * h, false)),
    fc.oneof(fc.constant(undefined), fc.constant(raw(false)), arrayArb('f32', h, false)))
    .map(([dY, X, W, dX, dW, db]): Spec[] => [dY, X, W, opts({ dX, dW, db })]));
const nativeLinear = fc.tuple(dim, dim, dim, fc.boolean()).chain(([n, d, h, hasB]) =>
  fc.tuple(arrayArb('f32', n * d, true, edgeFill), arrayArb('f32', d * h, true, edgeFill), hasB ? arrayArb('f32', h, true) : fc.constant(raw(null)), arrayArb('f32', n * h, false))
    .map(([x, w, b, out]): Spec[] => [x, num(n), num(d), w, num(h), b, out]));
const nativeLinearBack = fc.tuple(dim, dim, dim).chain(([n, d, h]) =>
  fc.tuple(arrayArb('f32', n * h, true), arrayArb('f32', n * d, true), arrayArb('f32', d * h, true),
    fc.oneof(fc.constant(raw(null)), arrayArb('f32', n * d, false)), fc.oneof(fc.constant(raw(null)), arrayArb('f32', d * h, false)), fc.oneof(fc.constant(raw(null)), arrayArb('f32', h, false)))
    .map(([dy, x, w, dx, dw, db]): Spec[] => [dy, num(n), num(h), x, num(d), w, dx, dw, db]));

const reluArgs = fc.tuple(dim, dim).chain(([n, d]) => fc.tuple(matrixArb(n, d, true, edgeFill), outArbOpt(n, d)).map(([X, o]): Spec[] => [X, o]));
const reluBackArgs = fc.tuple(dim, dim).chain(([n, d]) => fc.tuple(matrixArb(n, d, true, edgeFill), matrixArb(n, d, true, edgeFill), outArbOpt(n, d)).map(([dY, X, o]): Spec[] => [dY, X, o]));

const bnOpts = fc.record({ momentum: fc.double({ min: 0, max: 1, noNaN: true }), eps: fc.double({ min: 1e-8, max: 1, noNaN: true }), affine: fc.boolean() })
  .map((o) => opts({ momentum: num(o.momentum), eps: num(o.eps), affine: raw(o.affine) }));
const bnArgs = fc.tuple(fc.integer({ min: 2, max: 7 }), posDim).chain(([n, d]) =>
  fc.tuple(bnOpts, matrixArb(n, d, true, edgeFill), matrixArb(n, d, true, edgeFill), fc.boolean(), outArb(n, d))
    .map(([o, X, dY, training, out]): Spec[] => [num(d), o, X, dY, opts({ training: raw(training), out })]));
const nativeBn = fc.tuple(fc.integer({ min: 2, max: 7 }), posDim, fc.boolean(), fc.boolean()).chain(([n, d, affine, training]) =>
  fc.tuple(arrayArb('f32', n * d, true, edgeFill), ...[0, 1].map(() => (affine ? arrayArb('f32', d, true) : fc.constant(raw(null)))),
    ...[0, 1, 2, 3].map(() => arrayArb('f32', d, false)), arrayArb('f32', n * d, false))
    .map(([x, g, b, rm, rv, sm, si, out]): Spec[] => [x, num(n), num(d), g as Spec, b as Spec, raw(training), num(0.1), num(1e-5), rm as Spec, rv as Spec, sm as Spec, si as Spec, out as Spec]));
const nativeBnBack = fc.tuple(fc.integer({ min: 1, max: 7 }), posDim, fc.boolean()).chain(([n, d, affine]) =>
  fc.tuple(arrayArb('f32', n * d, true), arrayArb('f32', n * d, true), affine ? arrayArb('f32', d, true) : fc.constant(raw(null)), arrayArb('f32', d, true), arrayArb('f32', d, true),
    arrayArb('f32', n * d, false), affine ? arrayArb('f32', d, false) : fc.constant(raw(null)), affine ? arrayArb('f32', d, false) : fc.constant(raw(null)))
    .map(([dy, x, g, sm, si, dx, dg, db]): Spec[] => [dy, x, num(n), num(d), g, sm, si, dx, dg, db]));

const dropoutArgs = fc.tuple(dim, dim).chain(([n, d]) =>
  fc.record({ X: matrixArb(n, d, true, edgeFill), keep: fc.double({ min: 0.01, max: 1, noNaN: true }), mode: fc.constantFrom('inverted', 'vanilla'), training: fc.boolean(), seed: seedNum, out: outArb(n, d), dY: matrixArb(n, d, true) })
    .map((r): Spec[] => [r.X, opts({ keepProb: num(r.keep), mode: raw(r.mode), training: raw(r.training), rng: { k: 'rng', seed: r.seed }, out: r.out }), r.dY]));
const dropConnectArgs = fc.tuple(dim, dim).chain(([n, d]) =>
  fc.record({ W: matrixArb(n, d, true, edgeFill), keep: fc.double({ min: 0.01, max: 1, noNaN: true }), mode: fc.constantFrom('inverted', 'vanilla'), seed: seedNum, out: outArb(n, d), dW: matrixArb(n, d, true) })
    .map((r): Spec[] => [r.W, opts({ keepProb: num(r.keep), mode: raw(r.mode), rng: { k: 'rng', seed: r.seed }, out: r.out }), r.dW]));
const nativeDropout = fc.tuple(fc.integer({ min: 0, max: 80 }), fc.double({ min: 0.01, max: 1, noNaN: true })).chain(([n, keep]) =>
  fc.tuple(fc.tuple(seedNum, seedNum, seedNum, seedNum, seedNum).map((w) => w.map(num)), arrayArb('f32', n, true, edgeFill), arrayArb('f32', n, false), arrayArb('u32', Math.ceil(n / 32), false))
    .map(([w, x, out, mask]): Spec[] => [...w, x, out, mask, num(keep), num(1 / keep)]));
const nativeDropoutBack = fc.integer({ min: 0, max: 80 }).chain((n) =>
  fc.tuple(arrayArb('f32', n, true), fc.oneof(fc.constant(raw(null)), arrayArb('u32', Math.ceil(n / 32), true)), arrayArb('f32', n, false))
    .map(([dy, mask, out]): Spec[] => [dy, mask, num(2), out]));

// --- init ---------------------------------------------------------------------------------------

const fans = fc.tuple(posDim, posDim);
// random: whether the initializer takes an rng (zeros does not, and options are strict).
function initArgs(extra: (fi: number, fo: number) => fc.Arbitrary<Record<string, Spec>>, random = true): fc.Arbitrary<Spec[]> {
  return fans.chain(([fi, fo]) => fc.tuple(outArb(fi, fo), seedNum, extra(fi, fo)).map(([out, s, more]): Spec[] =>
    [num(fi), num(fo), opts({ out, ...(random ? { rng: { k: 'rng', seed: s } as Spec } : {}), ...more })]));
}
const noExtra = () => fc.constant({});
const stdExtra = () => fc.double({ min: 0, max: 2, noNaN: true }).map((std) => ({ std: num(std) }));
const distExtra = () => fc.constantFrom('normal', 'uniform').map((d) => ({ distribution: raw(d) }));
const glorotExtra = () => fc.tuple(fc.constantFrom('normal', 'uniform'), fc.double({ min: 0, max: 3, noNaN: true })).map(([d, g]) => ({ distribution: raw(d), gain: num(g) }));
// a finite but huge std (3.4e38) may overflow to ±Infinity; NaN never
const initCheck = (r: any, [fi, fo, o]: any[]) => matrixShape(r, fi, fo, o?.out instanceof Float32Array ? o.out : o?.out?.data) || (r.data.some(Number.isNaN) ? 'NaN weights' : '');

// --- linear algebra ------------------------------------------------------------------------------

const covArgs = fc.tuple(fc.integer({ min: 1, max: 8 }), dim).chain(([n, d]) =>
  fc.tuple(matrixArb(n, d, true, finiteFill), fc.boolean(), outArb(d, d), fc.option(arrayArb('f32', d, false), { nil: undefined }))
    .map(([X, center, out, mean]): Spec[] => [X, opts({ center: raw(center), out, mean })]));
const covCheck = (r: any, [X]: any[]) => matrixShape(r, X.cols, X.cols);
const eighArgs = dim.chain((n) => fc.tuple(symmetricArb(n).map((data): Spec => ({ k: 'matrix', data, rows: num(n), cols: num(n) })), fc.option(arrayArb('f32', n, false), { nil: undefined }), outArb(n, n))
  .map(([A, values, vectors]): Spec[] => [A, opts({ values, vectors })]));
const eighCheck = (r: any, [A]: any[]) => (r?.values?.length === A.rows ? matrixShape(r.vectors, A.rows, A.rows) : 'values length');
const svdArgs = fc.tuple(dim, dim).chain(([m, n]) => {
  const k = Math.min(m, n);
  return fc.tuple(matrixArb(m, n, true, finiteFill), outArb(m, k), fc.option(arrayArb('f32', k, false), { nil: undefined }), outArb(k, n))
    .map(([A, U, S, Vt]): Spec[] => [A, opts({ U, S, Vt })]);
});
function svdCheck(r: any, m: number, n: number, k: number): string {
  return matrixShape(r?.U, m, k) || (r.S?.length === k ? '' : 'S length') || matrixShape(r.Vt, k, n);
}
const rsvdArgs = fc.tuple(posDim, posDim).chain(([m, n]) =>
  // not all-zero: k above the numerical rank is a documented ERR_NNKIT_RANGE
  fc.tuple(matrixArb(m, n, true, fillOf('data')), fc.integer({ min: 1, max: Math.min(m, n) }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 3 }), seedNum)
    .map(([A, k, over, iters, s]): Spec[] => [A, num(k), opts({ oversample: num(over), powerIters: num(iters), seed: num(s) })]));
const nativeCov = fc.tuple(fc.integer({ min: 1, max: 8 }), dim, fc.boolean()).chain(([n, d, withMean]) =>
  fc.tuple(arrayArb('f32', n * d, true, finiteFill), arrayArb('f32', d * d, false), withMean ? arrayArb('f32', d, false) : fc.constant(undefined))
    .map(([x, out, mean]): Spec[] => [x, num(n), num(d), raw(true), out, ...(mean ? [mean] : [])]));
const nativeEigh = dim.chain((n) => fc.tuple(symmetricArb(n), arrayArb('f32', n, false), arrayArb('f32', n * n, false)).map(([a, v, w]): Spec[] => [a, num(n), v, w]));
const nativeSvd = fc.tuple(dim, dim).chain(([m, n]) => {
  const k = Math.min(m, n);
  return fc.tuple(arrayArb('f32', m * n, true, finiteFill), arrayArb('f32', m * k, false), arrayArb('f32', k, false), arrayArb('f32', k * n, false)).map(([a, u, s, vt]): Spec[] => [a, num(m), num(n), u, s, vt]);
});
const nativeRsvd = fc.tuple(posDim, posDim).chain(([m, n]) => {
  const r = Math.min(m, n);
  return fc.tuple(fc.integer({ min: 1, max: r }), fc.integer({ min: 0, max: 3 })).chain(([k, extra]) => {
    const l = Math.min(r, k + extra);
    return fc.tuple(arrayArb('f32', m * n, true), arrayArb('f32', n * l, true), fc.integer({ min: 0, max: 2 }), arrayArb('f32', m * k, false), arrayArb('f32', k, false), arrayArb('f32', k * n, false))
      .map(([a, omega, it, u, s, vt]): Spec[] => [a, num(m), num(n), num(k), omega, num(l), num(it), u, s, vt]);
  });
});

// --- preprocess natives ----------------------------------------------------------------------------

const nativeMoments = fc.tuple(dim, dim).chain(([n, d]) =>
  fc.tuple(arrayArb('f32', n * d, true, preprocessFill), arrayArb('f64', d, false), arrayArb('f64', d, false)).map(([x, m, m2]): Spec[] => [x, num(n), num(d), m, m2]));
const nativeMinMax = fc.tuple(dim, dim).chain(([n, d]) =>
  fc.tuple(arrayArb('f32', n * d, true, preprocessFill), arrayArb('f32', d, false), arrayArb('f32', d, false)).map(([x, a, b]): Spec[] => [x, num(n), num(d), a, b]));
const nativeAffine = fc.tuple(dim, dim).chain(([n, d]) =>
  fc.tuple(arrayArb('f32', n * d, true, edgeFill), arrayArb('f32', n * d, false), arrayArb('f32', d, true), arrayArb('f32', d, true), arrayArb('f32', d, true))
    .map(([x, out, sh, sc, off]): Spec[] => [x, num(n), num(d), out, sh, sc, off, num(0)]));  // check 0: NaN data is valid here

// --- regularization -----------------------------------------------------------------------------

const wArb = fc.tuple(dim, dim).chain(([r, c]) => fc.oneof(matrixArb(r, c, true, edgeFill), arrayArb('f32', r * c, true, edgeFill)).map((W) => ({ W, n: r * c })));
const strengthArb = fc.double({ min: 0, max: 10, noNaN: true }).map(num);
const penaltyArgs = (two: boolean) => wArb.chain(({ W, n }) =>
  fc.tuple(strengthArb, strengthArb, fc.option(arrayArb('f32', n, false), { nil: undefined })).map(([a, b, grad]): Spec[] => (two ? [W, a, b, opts({ grad })] : [W, a, opts({ grad })])));
const nativePenalty = fc.integer({ min: 0, max: 40 }).chain((n) =>
  fc.tuple(arrayArb('f32', n, true, edgeFill), strengthArb, strengthArb, fc.oneof(fc.constant(raw(null)), arrayArb('f32', n, false)))
    .map(([w, a, b, g]): Spec[] => [w, a, b, a, b, g]));
const nativeMaxNorm = fc.tuple(dim, dim).chain(([r, c]) => fc.tuple(arrayArb('f32', r * c, false, edgeFill), fc.double({ min: 0, max: 5, noNaN: true }), fc.boolean())
  .map(([w, lim, rows]): Spec[] => [w, num(r), num(c), num(lim), raw(rows)]));

// --- gradcheck ---------------------------------------------------------------------------------------

const gradcheckArgs = fc.integer({ min: 1, max: 12 }).chain((n) =>
  fc.tuple(fc.oneof(arrayArb('f32', n, false), matrixArb(1, n, false)), arrayArb('f32', n, true), fc.double({ min: 1e-4, max: 1e-2, noNaN: true }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 5 }))
    .map(([x, analytic, h, maxChecks, report]): Spec[] => [x, analytic, opts({ h: num(h), maxChecks: num(maxChecks), report: num(report) })]));

/** Methods need a tree as `this`; a mutated (non-tree) argument falls back to a 3-class tree, a size mismatch. */
const treeOrDefault = (t: unknown) => (t instanceof nn.LabelTree ? t : nn.LabelTree.balanced(3));


// --- DocumentReader -------------------------------------------------------------------------------

const DOC_LENGTH = 5;
/** A small valid document, varied by `j`: integers, numbers, a flag, a nested document, arrays. */
function docOf(j: unknown): unknown {
  if (typeof j === 'string' && j.startsWith('{')) return corrupt(docOf(0), JSON.parse(j));
  const n = typeof j === 'number' && Number.isFinite(j) ? Math.abs(Math.trunc(j)) % 50 : 3;
  return {
    format: 'nnkit.Test', version: 1, n: n + 1, x: n / 7, flag: n % 2 === 0, mode: n % 2 ? 'a' : 'b',
    inner: { format: 'nnkit.Inner', version: 1 }, list: Array.from({ length: n % 10 }, (_, i) => i),
    f32: nn.encodeFloat32(Float32Array.from({ length: DOC_LENGTH }, (_, i) => i * n)),
    f64: nn.encodeFloat64(Float64Array.from({ length: DOC_LENGTH }, (_, i) => i / (n + 1))),
  };
}
const reader = (j: unknown) => new nn.DocumentReader(docOf(j), 'nnkit.Test', [1]);
const readerArgs = seedNum.map((j): Spec[] => [num(j), raw('nnkit.Test'), { k: 'list', items: [num(1), num(2)] }]);
const readerBroken = fc.tuple(seedNum, docCorruption).map(([j, c]): Spec[] => [raw(JSON.stringify({ ...c, key: ['format', 'version', 'n', 'f32', 'inner', 'list'][j % 6] })), raw('nnkit.Test'), { k: 'list', items: [num(1)] }]);
const keyArgs = (keys: string[]) => fc.tuple(seedNum, fc.constantFrom(...keys)).map(([j, k]): Spec[] => [num(j), raw(k)]);

function withLapack<T>(fn: () => T): T {
  const saved = nn.lapackBackend();
  try {
    return fn();
  } finally {
    nn.setLapackBackend(saved);
  }
}

export const areaTargets: Target[] = [
  // --- linear algebra ---------------------------------------------------------------------------
  { name: 'nn.covariance', args: covArgs, call: (X, o) => nn.covariance(X, o), check: covCheck },
  { name: 'nn.covarianceAsync', args: covArgs, call: (X, o) => nn.covarianceAsync(X, o), check: covCheck },
  { name: 'nn.eigh', args: eighArgs, call: (A, o) => nn.eigh(A, o), check: eighCheck },
  { name: 'nn.eighAsync', args: eighArgs, call: (A, o) => nn.eighAsync(A, o), check: eighCheck },
  { name: 'nn.svd', args: svdArgs, call: (A, o) => nn.svd(A, o), check: (r, [A]) => svdCheck(r, A.rows, A.cols, Math.min(A.rows, A.cols)) },
  { name: 'nn.svdAsync', args: svdArgs, call: (A, o) => nn.svdAsync(A, o), check: (r, [A]) => svdCheck(r, A.rows, A.cols, Math.min(A.rows, A.cols)) },
  { name: 'nn.randomizedSvd', args: rsvdArgs, call: (A, k, o) => nn.randomizedSvd(A, k, o), check: (r, [A, k]) => svdCheck(r, A.rows, A.cols, k) },
  { name: 'nn.randomizedSvdAsync', args: rsvdArgs, call: (A, k, o) => nn.randomizedSvdAsync(A, k, o), check: (r, [A, k]) => svdCheck(r, A.rows, A.cols, k) },
  { name: 'nn.lapackBackend', args: fc.constant([]), call: () => nn.lapackBackend(), check: (r) => (r === 'lapack' || r === 'builtin' ? '' : String(r)) },
  {
    name: 'nn.setLapackBackend', global: true,
    args: fc.constantFrom(...(nn.backend().blas === 'builtin' ? ['builtin'] : ['lapack', 'builtin'])).map((b) => [raw(b)]),
    call: (b) => withLapack(() => nn.setLapackBackend(b)),
  },
  // --- init ---------------------------------------------------------------------------------------
  { name: 'nn.init.zeros', args: initArgs(noExtra, false), call: (a, b, o) => nn.init.zeros(a, b, o), check: initCheck },
  ...(['normal', 'uniform'] as const).flatMap((k): Target[] => [
    { name: `nn.init.${k}`, args: initArgs(stdExtra), call: (a, b, o) => nn.init[k](a, b, o), check: initCheck },
    { name: `nn.init.${k}Async`, args: initArgs(stdExtra), call: (a, b, o) => nn.init[`${k}Async`](a, b, o), check: initCheck },
  ]),
  ...(['lecun', 'he'] as const).flatMap((k): Target[] => [
    { name: `nn.init.${k}`, args: initArgs(distExtra), call: (a, b, o) => nn.init[k](a, b, o), check: initCheck },
    { name: `nn.init.${k}Async`, args: initArgs(distExtra), call: (a, b, o) => nn.init[`${k}Async`](a, b, o), check: initCheck },
  ]),
  { name: 'nn.init.glorot', args: initArgs(glorotExtra), call: (a, b, o) => nn.init.glorot(a, b, o), check: initCheck },
  { name: 'nn.init.glorotAsync', args: initArgs(glorotExtra), call: (a, b, o) => nn.init.glorotAsync(a, b, o), check: initCheck },
  {
    name: 'nn.init.sparse',
    args: initArgs((fi) => fc.tuple(fc.integer({ min: 0, max: fi }), fc.double({ min: 0, max: 2, noNaN: true })).map(([k, std]) => ({ connections: num(k), std: num(std) }))),
    call: (a, b, o) => nn.init.sparse(a, b, o), check: initCheck,
  },
  {
    name: 'nn.init.bias',
    args: posDim.chain((n) => fc.tuple(fc.double({ min: -2, max: 2, noNaN: true }), fc.option(arrayArb('f32', n, false), { nil: undefined })).map(([v, out]): Spec[] => [num(n), num(v), opts({ out })])),
    call: (n, v, o) => nn.init.bias(n, v, o),
    check: (r, [n, v]) => (r instanceof Float32Array && r.length === n && r.every((x) => x === Math.fround(v ?? 0)) ? '' : 'bad bias'),
  },
  // --- layers -------------------------------------------------------------------------------------
  { name: 'nn.linear.forward', args: linearArgs, call: (X, W, b, o) => nn.linear.forward(X, W, b, o), check: (r, [X, W]) => matrixShape(r, X.rows, W.cols) },
  { name: 'nn.linear.forwardAsync', args: linearArgs, call: (X, W, b, o) => nn.linear.forwardAsync(X, W, b, o), check: (r, [X, W]) => matrixShape(r, X.rows, W.cols) },
  { name: 'nn.linear.backward', args: linearBackArgs, call: (dY, X, W, o) => nn.linear.backward(dY, X, W, o) },
  { name: 'nn.linear.backwardAsync', args: linearBackArgs, call: (dY, X, W, o) => nn.linear.backwardAsync(dY, X, W, o) },
  {
    name: 'nn.relu.forward', args: reluArgs, call: (X, o) => nn.relu.forward(X, o),
    check: (r, [X]) => matrixShape(r, X.rows, X.cols) || (finiteData(X) && !Array.from(r.data as Float32Array).every((v, i) => v === Math.max(0, X.data[i]) || (v === 0 && X.data[i] === 0)) ? 'relu value' : ''),
  },
  { name: 'nn.relu.backward', args: reluBackArgs, call: (dY, X, o) => nn.relu.backward(dY, X, o), check: (r, [dY]) => matrixShape(r, dY.rows, dY.cols) },
  { name: 'new nn.BatchNorm', args: fc.tuple(posDim, bnOpts).map(([d, o]) => [num(d), o]), call: (d, o) => new nn.BatchNorm(d, o), check: (r) => (r instanceof nn.BatchNorm ? '' : 'not a BatchNorm') },
  { name: 'nn.BatchNorm#forward', args: bnArgs, call: (d, o, X, _dY, f) => new nn.BatchNorm(d, o).forward(X, f), check: (r, [, , X]) => matrixShape(r, X.rows, X.cols) },
  { name: 'nn.BatchNorm#forwardAsync', args: bnArgs, call: (d, o, X, _dY, f) => new nn.BatchNorm(d, o).forwardAsync(X, f), check: (r, [, , X]) => matrixShape(r, X.rows, X.cols) },
  {
    name: 'nn.BatchNorm#backward', args: bnArgs,
    call: (d, o, X, dY) => { const bn = new nn.BatchNorm(d, o); bn.forward(X, { training: true }); return bn.backward(dY); },
    check: (r, [, , X]) => matrixShape(r?.dX, X.rows, X.cols),
  },
  {
    name: 'nn.BatchNorm#backwardAsync', args: bnArgs,
    call: async (d, o, X, dY) => { const bn = new nn.BatchNorm(d, o); await bn.forwardAsync(X, { training: true }); return bn.backwardAsync(dY); },
    check: (r, [, , X]) => matrixShape(r?.dX, X.rows, X.cols),
  },
  { name: 'nn.BatchNorm#toJSON', args: bnArgs, call: (d, o, X) => { const bn = new nn.BatchNorm(d, o); bn.forward(X); return bn.toJSON(); }, check: (r) => (r?.format === 'nnkit.BatchNorm' ? '' : 'not a BatchNorm document') },
  {
    name: 'nn.BatchNorm.fromJSON', args: bnArgs.map((a): Spec[] => [...a, raw('valid')]),
    broken: fc.tuple(bnArgs, docCorruption).map(([a, c]): Spec[] => [...a, raw(JSON.stringify(c))]),
    call: (d, o, X, _dY, _f, how) => {
      const bn = new nn.BatchNorm(d, o);
      bn.forward(X, { training: true });
      const doc = bn.toJSON();
      return nn.BatchNorm.fromJSON(how === 'valid' ? doc : typeof how === 'string' && how.startsWith('{') ? corrupt(doc, JSON.parse(how)) : how);
    },
    check: (r) => (r instanceof nn.BatchNorm ? '' : 'not a BatchNorm'),
  },
  { name: 'nn.dropout.forward', args: dropoutArgs, call: (X, o) => nn.dropout.forward(X, o), check: (r, [X]) => matrixShape(r?.out, X.rows, X.cols) },
  { name: 'nn.dropout.backward', args: dropoutArgs, call: (X, o, dY) => nn.dropout.backward(dY, nn.dropout.forward(X, { ...o, out: undefined }).mask), check: (r, [, , dY]) => matrixShape(r, dY.rows, dY.cols) },
  { name: 'nn.dropout.backwardAsync', args: dropoutArgs, call: (X, o, dY) => nn.dropout.backwardAsync(dY, nn.dropout.forward(X, { ...o, out: undefined }).mask), check: (r, [, , dY]) => matrixShape(r, dY.rows, dY.cols) },
  { name: 'nn.dropConnect.forward', args: dropConnectArgs, call: (W, o) => nn.dropConnect.forward(W, o), check: (r, [W]) => matrixShape(r?.out, W.rows, W.cols) },
  { name: 'nn.dropConnect.forwardAsync', args: dropConnectArgs, call: (W, o) => nn.dropConnect.forwardAsync(W, o), check: (r, [W]) => matrixShape(r?.out, W.rows, W.cols) },
  { name: 'nn.dropConnect.backwardAsync', args: dropConnectArgs, call: (W, o, dW) => nn.dropConnect.backwardAsync(dW, nn.dropConnect.forward(W, { ...o, out: undefined }).mask), check: (r, [, , dW]) => matrixShape(r, dW.rows, dW.cols) },
  { name: 'nn.dropConnect.backward', args: dropConnectArgs, call: (W, o, dW) => nn.dropConnect.backward(dW, nn.dropConnect.forward(W, { ...o, out: undefined }).mask), check: (r, [, , dW]) => matrixShape(r, dW.rows, dW.cols) },
  // --- losses -------------------------------------------------------------------------------------
  {
    name: 'nn.loss.svm',
    args: classificationArgs(fc.record({ margin: fc.double({ min: 0, max: 2, noNaN: true }).map(num), squared: fc.boolean().map(raw) })),
    broken: gradOverLabels({ margin: num(1) }),
    call: (S, y, o) => nn.loss.svm(S, y, o), check: svmLossValue,
  },
  { name: 'nn.loss.softmax', args: classificationArgs(fc.constant({})), broken: gradOverLabels(), call: (S, y, o) => nn.loss.softmax(S, y, o), check: softmaxLossValue },
  { name: 'nn.loss.multiLabelHinge', args: targetArgs('signs'), call: (S, T, o) => nn.loss.multiLabelHinge(S, T, o), check: checkLoss },
  { name: 'nn.loss.sigmoidCrossEntropy', args: targetArgs('unit'), call: (S, T, o) => nn.loss.sigmoidCrossEntropy(S, T, o), check: checkLoss },
  { name: 'nn.loss.l2', args: targetArgs('data'), call: (S, T, o) => nn.loss.l2(S, T, o), check: checkLoss },
  { name: 'nn.loss.l1', args: targetArgs('data'), call: (S, T, o) => nn.loss.l1(S, T, o), check: checkLoss },
  { name: 'nn.loss.multiLabelHingeAsync', args: targetArgs('signs'), call: (S, T, o) => nn.loss.multiLabelHingeAsync(S, T, o), check: checkLoss },
  { name: 'nn.loss.sigmoidCrossEntropyAsync', args: targetArgs('unit'), call: (S, T, o) => nn.loss.sigmoidCrossEntropyAsync(S, T, o), check: checkLoss },
  { name: 'nn.loss.l2Async', args: targetArgs('data'), call: (S, T, o) => nn.loss.l2Async(S, T, o), check: checkLoss },
  {
    name: 'nn.loss.hierarchicalSoftmax', args: hsArgs,
    // dH carved out of the labels' buffer
    broken: fc.tuple(posDim, posDim, fc.integer({ min: 2, max: 9 })).chain(([n, d, c]) => fc.tuple(matrixArb(n, d, true), labelsArb(n, c, n * d * 4 + 16), matrixArb(c - 1, d, true))
      .map(([H, y, V]): Spec[] => [H, y, { k: 'tree', classes: c, shape: 'chain' }, V, opts({ dH: { k: 'overlap', ref: 1, shift: 0, type: 'f32', len: n * d } })])),
    call: (H, y, t, V, o) => nn.loss.hierarchicalSoftmax(H, y, t, V, o),
    check: (r, [H, , t, V, o]) => (typeof r?.loss !== 'number' ? 'no loss' : o?.grad === false ? '' : matrixShape(r.dH, H.rows, H.cols) || matrixShape(r.dV, t.internalNodes, V.cols)),
  },
  {
    name: 'nn.loss.structuredSvm',
    args: fc.tuple(dim, posDim).chain(([T, K]) => fc.tuple(matrixArb(T, K, true, edgeFill), matrixArb(K, K, true, edgeFill), labelsArb(T, K), fc.double({ min: 0, max: 3, noNaN: true }))
      .map(([E, A, y, s]): Spec[] => [E, A, y, opts({ marginScale: num(s) })])),
    call: (E, A, y, o) => nn.loss.structuredSvm(E, A, y, o),
    check: (r, [E, A]) => (r?.prediction?.length === E.rows ? matrixShape(r.dEmissions, E.rows, E.cols) || (moderate(E, A) && !(r.loss >= 0) ? `loss ${r.loss}` : '') : 'prediction length'),
  },
  {
    name: 'nn.loss.viterbi',
    args: fc.tuple(dim, posDim).chain(([T, K]) => fc.tuple(matrixArb(T, K, true, edgeFill), matrixArb(K, K, true, edgeFill)).map(([E, A]): Spec[] => [E, A])),
    call: (E, A) => nn.loss.viterbi(E, A),
    check: (r, [E]) => (r instanceof Int32Array && r.length === E.rows && r.every((k) => k >= 0 && k < E.cols) ? '' : 'bad path'),
  },
  {
    name: 'nn.softmax',
    args: fc.tuple(dim, posDim).chain(([n, c]) => fc.tuple(matrixArb(n, c, true, edgeFill), outArbOpt(n, c)).map(([S, o]): Spec[] => [S, o])),
    call: (S, o) => nn.softmax(S, o),
    check: (r, [S]) => {
      const shape = matrixShape(r, S.rows, S.cols);
      if (shape || !moderate(S)) return shape;
      for (let i = 0; i < S.rows; i++) {
        const p = f64Softmax(S.data.subarray(i * S.cols, (i + 1) * S.cols));
        for (let j = 0; j < S.cols; j++) if (Math.abs(r.data[i * S.cols + j] - p[j]!) > 1e-5) return `softmax (${i},${j}) ${r.data[i * S.cols + j]} != ${p[j]}`;
      }
      return '';
    },
  },
  { name: 'nn.LabelTree.balanced', args: fc.integer({ min: 1, max: 300 }).map((c) => [num(c)]), call: (c) => nn.LabelTree.balanced(c), check: (r, [c]) => (r?.numClasses === c && r.internalNodes === c - 1 ? '' : 'bad tree') },
  {
    name: 'nn.LabelTree.huffman',
    args: fc.array(fc.oneof(fc.nat({ max: 1000 }), fc.double({ min: 0, max: 1e300, noNaN: true })), { minLength: 1, maxLength: 40 }).map((c) => [{ k: 'list', items: c.map(num) }]),
    call: (c) => nn.LabelTree.huffman(c),
    check: (r, [c]) => (r?.numClasses === c.length && r.internalNodes === c.length - 1 ? '' : 'bad tree'),
  },
  {
    name: 'nn.LabelTree.fromParents',
    args: fc.integer({ min: 1, max: 40 }).map((c) => [{ k: 'list', items: chainParents(c).map(num) }, num(c)]),
    // a parent array with one entry redirected: cycles, double roots, a third child, out-of-range ids
    broken: fc.tuple(fc.integer({ min: 1, max: 12 }), fc.nat(), fc.integer({ min: -2, max: 30 })).map(([c, i, p]): Spec[] => {
      const parents = chainParents(c);
      parents[i % parents.length] = p;
      return [{ k: 'list', items: parents.map(num) }, num(c)];
    }),
    call: (p, c) => nn.LabelTree.fromParents(p, c),
    check: (r, [, c]) => (r?.numClasses === c ? '' : 'bad tree'),
  },
  {
    name: 'nn.LabelTree#depth',
    args: treeArb(40).chain((t) => fc.integer({ min: 0, max: t.classes - 1 }).map((k): Spec[] => [t, num(k)])),
    call: (t, k) => treeOrDefault(t).depth(k),
    check: (r) => (Number.isInteger(r) && r >= 0 ? '' : `depth ${r}`),
  },
  {
    name: 'nn.LabelTree#logProbabilities',
    args: fc.tuple(dim, posDim, treeArb()).chain(([n, d, t]) => fc.tuple(matrixArb(n, d, true, edgeFill), matrixArb(t.classes - 1, d, true, edgeFill), outArb(n, t.classes))
      .map(([H, V, out]): Spec[] => [t, H, V, opts({ out })])),
    call: (t, H, V, o) => treeOrDefault(t).logProbabilities(H, V, o),
    check: (r, [t0, H, V]) => {
      const t = treeOrDefault(t0);
      const shape = matrixShape(r, H.rows, t.numClasses);
      if (shape || !moderate(H, V)) return shape;
      for (let i = 0; i < H.rows; i++) {
        let z = 0;
        for (let k = 0; k < t.numClasses; k++) z += Math.exp(r.data[i * t.numClasses + k]);
        if (Math.abs(z - 1) > 1e-3) return `row ${i} probabilities sum to ${z}`;
      }
      return '';
    },
  },
  {
    name: 'nn.LabelTree#logProbabilitiesAsync',
    args: fc.tuple(dim, posDim, treeArb()).chain(([n, d, t]) => fc.tuple(matrixArb(n, d, true, edgeFill), matrixArb(t.classes - 1, d, true, edgeFill), outArb(n, t.classes))
      .map(([H, V, out]): Spec[] => [t, H, V, opts({ out })])),
    call: (t, H, V, o) => treeOrDefault(t).logProbabilitiesAsync(H, V, o),
    check: (r, [t, H]) => matrixShape(r, H.rows, treeOrDefault(t).numClasses),
  },
  {
    name: 'nn.LabelTree#predictAsync',
    args: fc.tuple(dim, posDim, treeArb()).chain(([n, d, t]) => fc.tuple(matrixArb(n, d, true, edgeFill), matrixArb(t.classes - 1, d, true, edgeFill)).map(([H, V]): Spec[] => [t, H, V])),
    call: (t, H, V) => treeOrDefault(t).predictAsync(H, V),
    check: (r, [t, H]) => (r instanceof Int32Array && r.length === H.rows && r.every((k) => k >= 0 && k < treeOrDefault(t).numClasses) ? '' : 'bad prediction'),
  },
  {
    name: 'nn.LabelTree#predict',
    args: fc.tuple(dim, posDim, treeArb()).chain(([n, d, t]) => fc.tuple(matrixArb(n, d, true, edgeFill), matrixArb(t.classes - 1, d, true, edgeFill)).map(([H, V]): Spec[] => [t, H, V])),
    call: (t, H, V) => treeOrDefault(t).predict(H, V),
    check: (r, [t, H]) => (r instanceof Int32Array && r.length === H.rows && r.every((k) => k >= 0 && k < treeOrDefault(t).numClasses) ? '' : 'bad prediction'),
  },
  // --- regularization -----------------------------------------------------------------------------
  { name: 'nn.reg.l2', args: penaltyArgs(false), call: (W, l, o) => nn.reg.l2(W, l, o), check: (r) => (typeof r === 'number' ? '' : `penalty ${r}`) },
  { name: 'nn.reg.l1', args: penaltyArgs(false), call: (W, l, o) => nn.reg.l1(W, l, o), check: (r) => (typeof r === 'number' ? '' : `penalty ${r}`) },
  { name: 'nn.reg.elasticNet', args: penaltyArgs(true), call: (W, a, b, o) => nn.reg.elasticNet(W, a, b, o), check: (r) => (typeof r === 'number' ? '' : `penalty ${r}`) },
  {
    name: 'nn.reg.maxNorm',
    args: wArb.chain(({ W }) => fc.tuple(fc.double({ min: 0, max: 5, noNaN: true }), fc.constantFrom(undefined, 'columns', 'rows'))
      .map(([c, axis]): Spec[] => [{ ...W, ...(W.k === 'array' ? { ro: false } : W.k === 'matrix' && W.data.k === 'array' ? { data: { ...W.data, ro: false } } : {}) }, num(c), opts({ axis: axis === undefined ? undefined : raw(axis) })])),
    call: (W, c, o) => nn.reg.maxNorm(W, c, o),
    check: (r) => (Number.isInteger(r) && r >= 0 ? '' : `clipped ${r}`),
  },
  {
    name: 'nn.gradcheck', args: gradcheckArgs,
    call: (x, analytic, o) => nn.gradcheck((v) => { let s = 0; for (const e of v) s += e * e; return s / 2; }, x, analytic, o),
    check: (r) => (typeof r?.maxRelError === 'number' && typeof r.passed === 'boolean' && Number.isInteger(r.checked) ? '' : 'bad result'),
  },
  // --- preprocessing ------------------------------------------------------------------------------
  ...preprocessTargets('Standardizer'),
  ...preprocessTargets('RangeScaler'),
  ...preprocessTargets('PCA'),
  { name: 'new nn.Pipeline', args: fc.constant([]), call: () => pipeline({}), check: (r) => (r instanceof nn.Pipeline ? '' : 'not a Pipeline') },
  { name: 'nn.Pipeline#fit', args: pipelineArgs, call: (X, o) => pipeline(o).fit(X) },
  { name: 'nn.Pipeline#fitAsync', args: pipelineArgs, call: (X, o) => pipeline(o).fitAsync(X) },
  { name: 'nn.Pipeline#transform', args: pipelineArgs, call: (X, o, Y, t) => pipeline(o).fit(X).transform(Y, t), check: transformCheck },
  { name: 'nn.Pipeline#inverseTransform', args: pipelineArgs, call: (X, o, Y, t) => pipeline(o).fit(X).inverseTransform(Y, t) },
  { name: 'nn.Pipeline#transformAsync', args: pipelineArgs, call: (X, o, Y, t) => pipeline(o).fit(X).transformAsync(Y, t), check: transformCheck },
  { name: 'nn.Pipeline#inverseTransformAsync', args: pipelineArgs, call: (X, o, Y, t) => pipeline(o).fit(X).inverseTransformAsync(Y, t) },
  // stage by stage, as documented: every chunk through step 0, then every chunk through step 1
  { name: 'nn.Pipeline#partialFit', args: pipelineArgs, call: (X, o, Y) => pipeline(o).partialFit(X, { stage: 0 }).partialFit(Y, { stage: 0 }).partialFit(X, { stage: 1 }) },
  { name: 'nn.Pipeline#merge', args: pipelineArgs, call: (X, o, Y) => pipeline(o).partialFit(X, { stage: 0 }).merge(pipeline(o).partialFit(Y, { stage: 0 })) },
  { name: 'nn.Pipeline#fitTransform', args: pipelineArgs, call: (X, o) => pipeline(o).fitTransform(X), check: fitTransformCheck },
  { name: 'nn.Pipeline#toJSON', args: pipelineArgs, call: (X, o) => pipeline(o).fit(X).toJSON() },
  {
    name: 'nn.Pipeline.fromJSON', args: pipelineArgs.map((a): Spec[] => [...a, raw('valid')]),
    broken: fc.tuple(pipelineArgs, docCorruption).map(([a, c]): Spec[] => [...a, raw(JSON.stringify(c))]),
    call: (X, o, _Y, _t, how) => {
      const doc = pipeline(o).fit(X).toJSON();
      return nn.Pipeline.fromJSON(how === 'valid' ? doc : typeof how === 'string' && how.startsWith('{') ? corrupt(doc, JSON.parse(how)) : how);
    },
    check: (r) => (r instanceof nn.Pipeline ? '' : 'not a Pipeline'),
  },
  // --- DocumentReader (the validating reader behind every fromJSON, exported for custom steps) ---
  { name: 'new nn.DocumentReader', args: readerArgs, broken: readerBroken, call: (j, f, v) => new nn.DocumentReader(docOf(j), f, v), check: (r) => (r instanceof nn.DocumentReader ? '' : 'not a reader') },
  { name: 'nn.DocumentReader#raw', args: keyArgs(['n', 'x', 'missing']), call: (j, k) => reader(j).raw(k) },
  { name: 'nn.DocumentReader#integer', args: keyArgs(['n']).map((a) => [...a, opts({ min: num(0), max: num(100) })]), call: (j, k, o) => reader(j).integer(k, o), check: (r) => (Number.isInteger(r) ? '' : `${r}`) },
  { name: 'nn.DocumentReader#dimension', args: keyArgs(['n']).map((a) => [...a, num(1)]), call: (j, k, m) => reader(j).dimension(k, m) },
  { name: 'nn.DocumentReader#number', args: keyArgs(['x', 'n']).map((a) => [...a, num(-10), num(100)]), call: (j, k, lo, hi) => reader(j).number(k, lo, hi), check: (r) => (Number.isFinite(r) ? '' : `${r}`) },
  { name: 'nn.DocumentReader#boolean', args: keyArgs(['flag']), call: (j, k) => reader(j).boolean(k), check: (r) => (typeof r === 'boolean' ? '' : `${r}`) },
  { name: 'nn.DocumentReader#oneOf', args: keyArgs(['mode']).map((a) => [...a, { k: 'list', items: [raw('a'), raw('b')] }]), call: (j, k, allowed) => reader(j).oneOf(k, allowed) },
  { name: 'nn.DocumentReader#nested', args: keyArgs(['inner']).map((a) => [...a, raw('nnkit.Inner'), { k: 'list', items: [num(1)] }]), call: (j, k, f, v) => reader(j).nested(k, f, v), check: (r) => (r instanceof nn.DocumentReader ? '' : 'not a reader') },
  { name: 'nn.DocumentReader#array', args: keyArgs(['list']).map((a) => [...a, num(10)]), call: (j, k, m) => reader(j).array(k, m), check: (r) => (Array.isArray(r) ? '' : 'not an array') },
  { name: 'nn.DocumentReader#float32', args: keyArgs(['f32']).chain((a) => fc.boolean().map((fin) => [...a, num(DOC_LENGTH), raw(fin)])), call: (j, k, n, fin) => reader(j).float32(k, n, fin), check: (r, [, , n]) => (r instanceof Float32Array && r.length === n ? '' : 'bad float32') },
  { name: 'nn.DocumentReader#float64', args: keyArgs(['f64']).map((a) => [...a, num(DOC_LENGTH)]), call: (j, k, n) => reader(j).float64(k, n), check: (r, [, , n]) => (r instanceof Float64Array && r.length === n ? '' : 'bad float64') },
  {
    name: 'nn.DocumentReader#check', args: keyArgs(['f32']).map((a) => [...a, { k: 'array', type: 'f32', len: 4, offset: 1, shared: false, detached: false, ro: true, fill: 'data' }, raw('values in [-1, 1]')]),
    call: (j, k, arr, expected) => reader(j).check(k, arr, expected, (v: number) => v >= -1 && v <= 1),
  },
  { name: 'nn.encodeFloat32', args: fc.integer({ min: 0, max: 20 }).map((n) => [arraySpec('f32', n, { ro: true })]), call: (a) => nn.encodeFloat32(a), check: (r) => (typeof r === 'string' ? '' : 'not a string') },
  { name: 'nn.encodeFloat64', args: fc.integer({ min: 0, max: 20 }).map((n) => [arraySpec('f64', n, { ro: true })]), call: (a) => nn.encodeFloat64(a), check: (r) => (typeof r === 'string' ? '' : 'not a string') },

  // --- raw native functions ------------------------------------------------------------------------
  { name: 'native.covariance', args: nativeCov, call: (...a: any[]) => (native.covariance as any)(...a) },
  { name: 'native.covarianceAsync', args: nativeCov, call: (...a: any[]) => (native.covarianceAsync as any)(...a) },
  { name: 'native.eigh', args: nativeEigh, call: (...a: any[]) => (native.eigh as any)(...a) },
  { name: 'native.eighAsync', args: nativeEigh, call: (...a: any[]) => (native.eighAsync as any)(...a) },
  { name: 'native.svd', args: nativeSvd, call: (...a: any[]) => (native.svd as any)(...a) },
  { name: 'native.svdAsync', args: nativeSvd, call: (...a: any[]) => (native.svdAsync as any)(...a) },
  { name: 'native.randomizedSvd', args: nativeRsvd, call: (...a: any[]) => (native.randomizedSvd as any)(...a) },
  { name: 'native.randomizedSvdAsync', args: nativeRsvd, call: (...a: any[]) => (native.randomizedSvdAsync as any)(...a) },
  { name: 'native.lapackBackend', args: fc.constant([]), call: () => native.lapackBackend() },
  { name: 'native.setLapackBackend', global: true, args: fc.constant([raw('builtin')]), call: (b) => withLapack(() => (native.setLapackBackend as any)(b)) },
  { name: 'native.columnMoments', args: nativeMoments, call: (...a: any[]) => (native.columnMoments as any)(...a) },
  { name: 'native.columnMomentsAsync', args: nativeMoments, call: (...a: any[]) => (native.columnMomentsAsync as any)(...a) },
  { name: 'native.columnMinMax', args: nativeMinMax, call: (...a: any[]) => (native.columnMinMax as any)(...a) },
  { name: 'native.columnMinMaxAsync', args: nativeMinMax, call: (...a: any[]) => (native.columnMinMaxAsync as any)(...a) },
  { name: 'native.columnAffine', args: nativeAffine, call: (...a: any[]) => (native.columnAffine as any)(...a) },
  { name: 'native.columnAffineAsync', args: nativeAffine, call: (...a: any[]) => (native.columnAffineAsync as any)(...a) },
  { name: 'native.linearForward', args: nativeLinear, call: (...a: any[]) => (native.linearForward as any)(...a) },
  { name: 'native.linearForwardAsync', args: nativeLinear, call: (...a: any[]) => (native.linearForwardAsync as any)(...a) },
  { name: 'native.linearBackward', args: nativeLinearBack, call: (...a: any[]) => (native.linearBackward as any)(...a) },
  { name: 'native.linearBackwardAsync', args: nativeLinearBack, call: (...a: any[]) => (native.linearBackwardAsync as any)(...a) },
  {
    name: 'native.reluForward',
    args: fc.integer({ min: 0, max: 40 }).chain((n) => fc.tuple(arrayArb('f32', n, true, edgeFill), arrayArb('f32', n, false))).map(([x, o]): Spec[] => [x, o]),
    call: (...a: any[]) => (native.reluForward as any)(...a),
  },
  {
    name: 'native.reluBackward',
    args: fc.integer({ min: 0, max: 40 }).chain((n) => fc.tuple(arrayArb('f32', n, true), arrayArb('f32', n, true, edgeFill), arrayArb('f32', n, false))).map(([dy, x, o]): Spec[] => [dy, x, o]),
    call: (...a: any[]) => (native.reluBackward as any)(...a),
  },
  { name: 'native.batchNormForward', args: nativeBn, call: (...a: any[]) => (native.batchNormForward as any)(...a) },
  { name: 'native.batchNormForwardAsync', args: nativeBn, call: (...a: any[]) => (native.batchNormForwardAsync as any)(...a) },
  { name: 'native.batchNormBackward', args: nativeBnBack, call: (...a: any[]) => (native.batchNormBackward as any)(...a) },
  { name: 'native.batchNormBackwardAsync', args: nativeBnBack, call: (...a: any[]) => (native.batchNormBackwardAsync as any)(...a) },
  { name: 'native.dropoutForward', args: nativeDropout, call: (...a: any[]) => (native.dropoutForward as any)(...a) },
  { name: 'native.dropoutBackward', args: nativeDropoutBack, call: (...a: any[]) => (native.dropoutBackward as any)(...a) },
  {
    name: 'native.lossSvm',
    args: fc.tuple(dim, posDim).chain(([n, c]) => fc.tuple(arrayArb('f32', n * c, true, edgeFill), labelsArb(n, c), fc.boolean(), fc.oneof(fc.constant(raw(null)), arrayArb('f32', n * c, false)))
      .map(([s, y, sq, g]): Spec[] => [s, num(n), num(c), y, num(1), raw(sq), num(1), g])),
    broken: fc.tuple(posDim, posDim, fc.integer({ min: -3, max: 3 })).map(([n, c, shift]): Spec[] => [arraySpec('f32', n * c, { ro: true }), num(n), num(c),
      arraySpec('i32', n, { fill: 'labels', max: c - 1, room: n * c * 4 + 16 }), num(1), raw(false), num(1), { k: 'overlap', ref: 3, shift, type: 'f32', len: n * c }]),
    call: (...a: any[]) => (native.lossSvm as any)(...a),
  },
  {
    name: 'native.lossSoftmax',
    args: fc.tuple(dim, posDim).chain(([n, c]) => fc.tuple(arrayArb('f32', n * c, true, edgeFill), labelsArb(n, c), fc.oneof(fc.constant(raw(null)), arrayArb('f32', n * c, false)))
      .map(([s, y, g]): Spec[] => [s, num(n), num(c), y, num(1), g])),
    broken: fc.tuple(posDim, posDim, fc.integer({ min: -3, max: 3 })).map(([n, c, shift]): Spec[] => [arraySpec('f32', n * c, { ro: true }), num(n), num(c),
      arraySpec('u8', n, { fill: 'labels', max: c - 1, room: n * c * 4 + 16 }), num(1), { k: 'overlap', ref: 3, shift, type: 'f32', len: n * c }]),
    call: (...a: any[]) => (native.lossSoftmax as any)(...a),
  },
  {
    name: 'native.lossTargets',
    args: fc.tuple(dim, dim, fc.constantFrom(['multiLabelHinge', 'signs'], ['sigmoidCrossEntropy', 'unit'], ['l2', 'data'], ['l1', 'data'])).chain(([n, c, [kind, fill]]) =>
      fc.tuple(arrayArb('f32', n * c, true, edgeFill), arrayArb('f32', n * c, true, fillOf(fill as Fill)), fc.oneof(fc.constant(raw(null)), arrayArb('f32', n * c, false)))
        .map(([s, t, g]): Spec[] => [s, num(n), num(c), t, raw(kind), num(1), g])),
    call: (...a: any[]) => (native.lossTargets as any)(...a),
  },
  {
    name: 'native.softmax',
    args: fc.tuple(dim, dim).chain(([n, c]) => fc.tuple(arrayArb('f32', n * c, true, edgeFill), arrayArb('f32', n * c, false)).map(([s, o]): Spec[] => [s, num(n), num(c), o])),
    call: (...a: any[]) => (native.softmax as any)(...a),
  },
  { name: 'native.lossHierarchicalSoftmax', args: nativeHsArgs, broken: nativeHsOverTree, call: (...a: any[]) => (native.lossHierarchicalSoftmax as any)(...a) },
  {
    name: 'native.hierarchicalLogProbabilities',
    args: nativeHsArgs.map((a): Spec[] => [a[0]!, a[1]!, a[2]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!,
      arraySpec('f32', (a[1] as { v: number }).v * ((a[4] as ArraySpec).len - 1))]),
    call: (...a: any[]) => (native.hierarchicalLogProbabilities as any)(...a),
  },
  { name: 'native.regPenalty', args: nativePenalty, call: (...a: any[]) => (native.regPenalty as any)(...a), check: (r) => (typeof r === 'number' ? '' : `penalty ${r}`) },
  { name: 'native.regMaxNorm', args: nativeMaxNorm, call: (...a: any[]) => (native.regMaxNorm as any)(...a) },
];

// The loss's Async twin: the same generators (valid calls and the dH-over-labels break).
const hierarchical = areaTargets.find((t) => t.name === 'nn.loss.hierarchicalSoftmax')!;
areaTargets.push({ ...hierarchical, name: 'nn.loss.hierarchicalSoftmaxAsync', call: (H, y, t, V, o) => nn.loss.hierarchicalSoftmaxAsync(H, y, t, V, o) });

areaTargets.push({
  name: 'nn.sharedMatrix',
  args: fc.tuple(dim, dim).map(([r, c]): Spec[] => [num(r), num(c)]),
  call: (r, c) => nn.sharedMatrix(r, c),
  check: (m, [r, c]) => matrixShape(m, r, c) || (m.data.buffer instanceof SharedArrayBuffer && m.data.every((v: number) => v === 0) ? '' : 'not a zeroed shared matrix'),
});

// PCA's pool jobs: X (rows × cols), mean and low (cols), forward (cols × k), out (rows × k); and back.
const nativePcaProject = fc.tuple(dim, posDim, posDim).chain(([n, d, k]) =>
  fc.tuple(arrayArb('f32', n * d, true, edgeFill), arrayArb('f32', d, true), arrayArb('f32', d, true), arrayArb('f32', d * k, true, edgeFill), arrayArb('f32', n * k, false))
    .map(([x, mean, low, forward, out]): Spec[] => [x, num(n), num(d), mean, low, forward, num(k), out, num(0)]));  // check 0: NaN data is valid here
const nativePcaReconstruct = fc.tuple(dim, posDim, posDim).chain(([n, k, d]) =>
  fc.tuple(arrayArb('f32', n * k, true, edgeFill), arrayArb('f32', k * d, true, edgeFill), arrayArb('f32', d, true), arrayArb('f32', n * d, false))
    .map(([y, backward, mean, out]): Spec[] => [y, num(n), num(k), backward, num(d), mean, out, raw(false)]));
areaTargets.push(
  { name: 'native.pcaProject', args: nativePcaProject, call: (...a: any[]) => (native.pcaProject as any)(...a) },
  { name: 'native.pcaReconstruct', args: nativePcaReconstruct, call: (...a: any[]) => (native.pcaReconstruct as any)(...a) },
  { name: 'native.pcaProjectAsync', args: nativePcaProject, call: (...a: any[]) => (native.pcaProjectAsync as any)(...a) },
  { name: 'native.pcaReconstructAsync', args: nativePcaReconstruct, call: (...a: any[]) => (native.pcaReconstructAsync as any)(...a) },
);

// Every raw native function with a sync target gets its Async twin on the same generators (the
// sync targets only forward their arguments).
for (const t of [...areaTargets]) {
  if (!t.name.startsWith('native.')) continue;
  const twin = `${t.name}Async`;
  const fn = (native as unknown as Record<string, unknown>)[`${t.name.slice('native.'.length)}Async`];
  if (typeof fn !== 'function' || areaTargets.some((x) => x.name === twin)) continue;
  areaTargets.push({ ...t, name: twin, call: (...a: any[]) => (fn as (...x: unknown[]) => unknown)(...a), check: undefined });
}
