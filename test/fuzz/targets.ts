/**
 * The table of everything the boundary fuzzer calls: each exported function and method of the
 * facade and each raw native function, with a generator of VALID arguments (the fuzzer breaks
 * them itself, see args.ts) and a check of the shape of a successful result.
 *
 * Covering a new export is one entry: `name`, `args` (an fc.Arbitrary of Spec[]), `call` and,
 * when the result has a shape worth checking, `check` (returns a problem description or '').
 * Exports without an entry are still fuzzed with generic hostile arguments (see child.ts).
 */
import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import * as nn from '../../lib/index';
import { native } from '../../lib/native';
import { arrayArb, edgeFill, matrixArb, num, opts, raw, type Spec, UserError } from './args';

export interface Target {
  name: string;
  args: fc.Arbitrary<Spec[]>;
  call: (...args: any[]) => unknown;
  /** '' when a successful result is well-formed; otherwise what is wrong. */
  check?: (result: any, args: any[]) => string;
  /** Changes process-wide settings (threads, SIMD path, backend): restored after each call. */
  global?: boolean;
  /** Only junk arguments (an export without a table entry): no call is expected to succeed. */
  generic?: boolean;
  /**
   * Near-valid calls the generic mutations cannot build (an output carved out of the labels' buffer,
   * a corrupted saved document): each must be rejected with a coded error or succeed well-shaped.
   */
  broken?: fc.Arbitrary<Spec[]>;
  /** Share of FUZZ_RUNS for this target (default 1): expensive targets (SVD, PCA fits) run fewer calls. */
  share?: number;
  /** Reads or writes files: Node's own file-system errors (ENOENT, …, with a syscall) are expected too. */
  fileSystem?: boolean;
}

const dim = fc.integer({ min: 0, max: 9 });
const posDim = fc.integer({ min: 1, max: 9 });
const finite = fc.double({ min: -4, max: 4, noNaN: true }).map(num);

/** Shape problems of a Matrix result. */
export function matrixShape(r: any, rows: number, cols: number, sameData?: unknown): string {
  if (typeof r !== 'object' || r === null) return `not a Matrix: ${String(r)}`;
  if (!(r.data instanceof Float32Array)) return 'data is not a Float32Array';
  if (r.rows !== rows || r.cols !== cols) return `shape ${r.rows}×${r.cols}, expected ${rows}×${cols}`;
  if (r.data.length !== rows * cols) return `data length ${r.data.length} for ${rows}×${cols}`;
  if (sameData !== undefined && r.data !== sameData) return 'did not return the out storage';
  return '';
}

function dataOf(x: any): Float32Array | undefined {
  return x instanceof Float32Array ? x : x && x.data instanceof Float32Array ? x.data : undefined;
}

/** A float64 gemm reference check, only for finite inputs (NaN/Inf propagation is checked elsewhere). */
function gemmValues(r: any, A: any, B: any, o: any, c0: Float32Array | undefined): string {
  // alpha and beta reach the kernels as float32 (a denormal alpha keeps only a few bits)
  const ta = !!o?.transA, tb = !!o?.transB, alpha = Math.fround(o?.alpha ?? 1), beta = Math.fround(o?.beta ?? 0);
  const m = ta ? A.cols : A.rows, k = ta ? A.rows : A.cols, n = tb ? B.rows : B.cols;
  const all = [...A.data, ...B.data, ...(beta !== 0 && c0 ? c0 : [])];
  if (!all.every((v: number) => Number.isFinite(v) && Math.abs(v) < 1e30)) return '';
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let acc = 0, scale = 0;
      for (let p = 0; p < k; p++) {
        const a = ta ? A.data[p * A.cols + i] : A.data[i * A.cols + p];
        const b = tb ? B.data[j * B.cols + p] : B.data[p * B.cols + j];
        acc += a * b;
        scale += Math.abs(a * b);
      }
      const prev = beta !== 0 && c0 ? c0[i * n + j]! : 0;
      const want = alpha * acc + beta * prev;
      // Subnormal partial sums keep an absolute precision of 2^-149 only: each of the k + 1 roundings
      // may be off by up to 2^-150, which alpha then scales (alpha 3.4e38 on denormal data makes it show).
      const tol = 1e-5 * (Math.abs(alpha) * scale + Math.abs(beta * prev)) + Math.abs(alpha) * (k + 1) * 2 ** -148 + 1e-30;
      // beyond the float32 range the correctly rounded answer is ±Infinity (or, near the edge, FLT_MAX)
      if (Math.abs(want) > 3.3e38 && !Number.isNaN(r.data[i * n + j]) && Math.sign(r.data[i * n + j]) === Math.sign(want)) continue;
      if (!(Math.abs(r.data[i * n + j] - want) <= tol)) return `gemm value (${i},${j}) ${r.data[i * n + j]} != ${want}`;
    }
  return '';
}

const gemmArgs = fc
  .record({ m: dim, n: dim, k: dim, transA: fc.boolean(), transB: fc.boolean(), alpha: finite, beta: finite, outKind: fc.constantFrom('none', 'matrix', 'array') })
  .chain((s) =>
    fc.tuple(
      matrixArb(s.transA ? s.k : s.m, s.transA ? s.m : s.k, true, edgeFill),
      matrixArb(s.transB ? s.n : s.k, s.transB ? s.k : s.n, true, edgeFill),
      s.outKind === 'none' ? fc.constant(undefined) : s.outKind === 'matrix' ? matrixArb(s.m, s.n, false) : arrayArb('f32', s.m * s.n, false),
    ).map(([A, B, out]): Spec[] => [A, B, opts({ transA: raw(s.transA), transB: raw(s.transB), alpha: s.alpha, beta: s.beta, out })]),
  );

// The c0 snapshot must be taken before the call: the wrapper does it.
let gemmOutBefore: Float32Array | undefined;
function gemmCall(f: typeof nn.gemm | typeof nn.gemmAsync) {
  return (A: any, B: any, o: any) => {
    const d = dataOf(o?.out);
    gemmOutBefore = d && d.byteLength ? d.slice() : undefined;
    return f(A, B, o);
  };
}
function gemmCheck(r: any, [A, B, o]: any[]): string {
  const m = o?.transA ? A.cols : A.rows, n = o?.transB ? B.rows : B.cols;
  return matrixShape(r, m, n, dataOf(o?.out)) || gemmValues(r, A, B, o, gemmOutBefore);
}

const nativeGemmArgs = gemmArgs.map(([A, B, o]): Spec[] => {
  const a = A as Extract<Spec, { k: 'matrix' }>, b = B as Extract<Spec, { k: 'matrix' }>;
  const f = (o as Extract<Spec, { k: 'opts' }>).fields;
  const m = (f.transA as any).v ? (a.cols as any).v : (a.rows as any).v;
  const n = (f.transB as any).v ? (b.rows as any).v : (b.cols as any).v;
  const out = f.out?.k === 'matrix' ? f.out.data : f.out ?? { k: 'array', type: 'f32', len: m * n, offset: 2, shared: false, detached: false, ro: false, fill: 'data' } as Spec;
  return [a.data, a.rows, a.cols, b.data, b.rows, b.cols, out, f.transA!, f.transB!, f.alpha!, f.beta!];
});

const seedArb = fc.oneof(fc.nat().map(num), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map(raw));
const fillTarget = (ro = false) => fc.integer({ min: 0, max: 70 }).chain((n) => fc.oneof(arrayArb('f32', n, ro), matrixArb(1, n, ro)));
const streamWords = fc.tuple(fc.nat(), fc.nat(), fc.nat(), fc.nat(), fc.nat({ max: 1e6 })).map((w) => w.map(num));

function filled(r: any, out: any, lo: number, hi: number): string {
  if (r !== out) return 'did not return out';
  const d = dataOf(out)!;
  for (const v of d) if (!(v >= lo && v <= hi)) return `value ${v} outside [${lo}, ${hi}]`;
  return '';
}

/**
 * Valid thread counts above 8 are skipped: under the fuzz child's address-space cap, OpenBLAS
 * with dozens of threads cannot map its per-thread buffers and spins forever in its next call
 * (an OpenBLAS behaviour, not reachable without the artificial cap). Invalid counts still run.
 */
const manyThreads = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n > 8 && n <= 256;

const moments = fc.tuple(fc.double({ min: -10, max: 10, noNaN: true }), fc.double({ min: 0, max: 10, noNaN: true }));

/** '' when two Float32Arrays hold the same bits (NaN payloads and −0 included). */
function sameBits(a: Float32Array, b: Float32Array, what: string): string {
  if (a.length !== b.length) return `length ${a.length} differs from ${what}'s ${b.length}`;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length), y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return `element ${i} differs from ${what}`;
  return '';
}

function sameLoss(r: any, want: { loss: number; grad: { data: Float32Array } | null }): string {
  if (!Object.is(r.loss, want.loss)) return `loss ${r.loss} differs from the sync ${want.loss}`;
  if (want.grad === null) return r.grad === null ? '' : 'grad should be null';
  return sameBits(r.grad.data, want.grad.data, 'the sync gradient');
}

/** Scores, one valid label per row and a reduction. */
/** Finite scores (NaN is a documented error of the metrics) and labels below their column count. */
const scoresAndLabels = fc.tuple(dim, posDim).chain(([r, c]) =>
  fc.tuple(matrixArb(r, c, true), arrayArb('i32', r, true, fc.constant<'labels'>('labels')).map((a) => ({ ...a, max: c - 1 }))).map((a): Spec[] => a));
const lossArgs = fc.tuple(dim, posDim, fc.constantFrom('mean', 'sum'), fc.boolean()).chain(([r, c, reduction, grad]) =>
  fc.tuple(matrixArb(r, c, true, edgeFill), arrayArb('i32', r, true, fc.constant<'labels'>('labels')).map((a) => ({ ...a, max: c - 1 })))
    .map(([S, y]): Spec[] => [S, y, opts({ reduction: raw(reduction), grad: raw(grad) })]));

export const targets: Target[] = [
  // --- data ---------------------------------------------------------------------------------
  {
    name: 'nn.matrix(data, rows, cols)',
    args: fc.tuple(dim, dim).chain(([r, c]) => arrayArb('f32', r * c, true).map((a): Spec[] => [a, num(r), num(c)])),
    call: (d, r, c) => nn.matrix(d, r, c),
    // a broken call may land on the other overload, matrix(rows, cols)
    check: (m, [d, r, c]) => (typeof d === 'number' ? matrixShape(m, d, r) : matrixShape(m, r, c, d)),
  },
  {
    name: 'nn.matrix(rows, cols)',
    args: fc.tuple(dim, dim).map(([r, c]): Spec[] => [num(r), num(c)]),
    call: (r, c) => nn.matrix(r, c),
    check: (m, [r, c]) => matrixShape(m, r, c) || (m.data.every((v: number) => v === 0) ? '' : 'not zeroed'),
  },
  // --- runtime ------------------------------------------------------------------------------
  { name: 'nn.backend', args: fc.constant([]), call: () => nn.backend(), check: (b) => (typeof b.blas === 'string' && b.threads >= 1 ? '' : 'bad backend()') },
  { name: 'nn.setThreads', args: fc.integer({ min: 1, max: 3 }).map((n) => [num(n)]), call: (n) => (manyThreads(n) ? undefined : nn.setThreads(n)), global: true },
  { name: 'nn.setSimd', args: fc.constantFrom(...nn.backend().simdPaths).map((p) => [raw(p)]), call: (p) => nn.setSimd(p), global: true },
  {
    name: 'nn.setGemmBackend',
    args: fc.constantFrom(...(nn.backend().blas === 'builtin' ? ['builtin'] : ['blas', 'builtin'])).map((b) => [raw(b)]),
    call: (b) => nn.setGemmBackend(b),
    global: true,
  },
  // --- linear algebra -----------------------------------------------------------------------
  { name: 'nn.gemm', args: gemmArgs, call: gemmCall(nn.gemm), check: gemmCheck },
  { name: 'nn.gemmAsync', args: gemmArgs, call: gemmCall(nn.gemmAsync), check: gemmCheck },
  // --- random numbers -----------------------------------------------------------------------
  { name: 'new nn.Rng', args: seedArb.map((s) => [s]), call: (s) => new nn.Rng(s), check: (r) => (r instanceof nn.Rng ? '' : 'not an Rng') },
  {
    name: 'nn.Rng#normal',
    args: fc.tuple(seedArb, fillTarget(), moments).map(([s, o, [m, sd]]) => [s, o, num(m), num(sd)]),
    call: (s, o, m, sd) => new nn.Rng(s).normal(o, m, sd),
    check: (r, [, o]) => filled(r, o, -Infinity, Infinity),
  },
  {
    name: 'nn.Rng#uniform',
    args: fc.tuple(seedArb, fillTarget(), moments).map(([s, o, [lo, w]]) => [s, o, num(lo), num(lo + w)]),
    call: (s, o, lo, hi) => new nn.Rng(s).uniform(o, lo, hi),
    check: (r, [, o, lo = 0, hi = 1]) => filled(r, o, Math.fround(lo), Math.fround(hi)),
  },
  {
    name: 'nn.Rng#normalAsync',
    args: fc.tuple(seedArb, fillTarget(), moments).map(([s, o, [m, sd]]) => [s, o, num(m), num(sd)]),
    call: (s, o, m, sd) => new nn.Rng(s).normalAsync(o, m, sd),
    check: (r, [, o]) => filled(r, o, -Infinity, Infinity),
  },
  {
    name: 'nn.Rng#uniformAsync',
    args: fc.tuple(seedArb, fillTarget(), moments).map(([s, o, [lo, w]]) => [s, o, num(lo), num(lo + w)]),
    call: (s, o, lo, hi) => new nn.Rng(s).uniformAsync(o, lo, hi),
    check: (r, [, o, lo = 0, hi = 1]) => filled(r, o, Math.fround(lo), Math.fround(hi)),
  },
  {
    name: 'nn.Rng#bits',
    args: fc.tuple(seedArb, fc.integer({ min: 0, max: 70 }).chain((n) => arrayArb('u32', n, false))).map(([s, o]) => [s, o]),
    call: (s, o) => new nn.Rng(s).bits(o),
    check: (r, [, o]) => (r === o ? '' : 'did not return out'),
  },
  { name: 'nn.Rng#split', args: seedArb.map((s) => [s]), call: (s) => new nn.Rng(s).split(), check: (r) => (r instanceof nn.Rng ? '' : 'not an Rng') },
  { name: 'nn.seed', args: seedArb.map((s) => [s]), call: (s) => nn.seed(s) },
  { name: 'nn.defaultRng', args: fc.constant([]), call: () => nn.defaultRng(), check: (r) => (r instanceof nn.Rng ? '' : 'not an Rng') },
  // --- optimization -------------------------------------------------------------------------
  {
    name: 'nn.optim.sgdStep',
    args: fc.integer({ min: 0, max: 40 }).chain((n) =>
      fc.tuple(arrayArb('f32', n, false), fc.oneof(arrayArb('f32', n, true), matrixArb(1, n, true)), arrayArb('f32', n, false),
        fc.double({ min: 1e-4, max: 1, noNaN: true }), fc.double({ min: 0, max: 0.99, noNaN: true }), fc.boolean())
        .map(([w, g, v, lr, mu, nesterov]): Spec[] => [w, g, v, opts({ lr: num(lr), momentum: num(mu), weightDecay: num(0), nesterov: raw(nesterov) })])),
    call: (w, g, v, o) => nn.optim.sgdStep(w, g, v, o),
  },
  {
    name: 'nn.optim.adamStep',
    args: fc.integer({ min: 0, max: 40 }).chain((n) =>
      fc.tuple(arrayArb('f32', n, false), fc.oneof(arrayArb('f32', n, true), matrixArb(1, n, true)), arrayArb('f32', n, false), arrayArb('f32', n, false),
        fc.double({ min: 1e-4, max: 1, noNaN: true }), fc.double({ min: 0, max: 0.99, noNaN: true }), fc.integer({ min: 0, max: 5 }), fc.boolean())
        .map(([w, g, m, v, lr, beta, step, decoupled]): Spec[] => [w, g, opts({ m, v, step: num(step) }),
          opts({ lr: num(lr), beta1: num(beta), beta2: num(beta), weightDecay: num(0.01), decoupled: raw(decoupled) })])),
    call: (w, g, s, o) => nn.optim.adamStep(w, g, s, o),
  },
  {
    name: 'nn.optim.adamwStep',
    args: fc.integer({ min: 0, max: 40 }).chain((n) =>
      fc.tuple(arrayArb('f32', n, false), arrayArb('f32', n, true), arrayArb('f32', n, false), arrayArb('f32', n, false), fc.double({ min: 1e-4, max: 1, noNaN: true }))
        .map(([w, g, m, v, lr]): Spec[] => [w, g, opts({ m, v, step: num(0) }), opts({ lr: num(lr) })])),
    call: (w, g, s, o) => nn.optim.adamwStep(w, g, s, o),
  },
  {
    name: 'nn.optim.adamState',
    args: fc.integer({ min: 0, max: 40 }).chain((n) => fc.oneof(arrayArb('f32', n, false), matrixArb(1, n, false)).map((w): Spec[] => [w])),
    call: (w) => nn.optim.adamState(w),
  },
  {
    name: 'nn.optim.rmspropState',
    args: fc.integer({ min: 0, max: 40 }).chain((n) => arrayArb('f32', n, false).map((w): Spec[] => [w])),
    call: (w) => nn.optim.rmspropState(w),
  },
  {
    name: 'nn.optim.rmspropStep',
    args: fc.integer({ min: 0, max: 40 }).chain((n) =>
      fc.tuple(arrayArb('f32', n, false), arrayArb('f32', n, true), arrayArb('f32', n, false), fc.double({ min: 1e-4, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 0.99, noNaN: true }), fc.boolean())
        .map(([w, g, sq, lr, mu, centered]): Spec[] => [w, g, opts({ squareAvg: sq, momentumBuffer: raw(null), gradAvg: raw(null) }),
          opts({ lr: num(lr), momentum: num(mu), centered: raw(centered) })])),
    call: (w, g, s, o) => nn.optim.rmspropStep(w, g, s, o),
  },
  // --- data and metrics ---------------------------------------------------------------------
  { name: 'nn.data.permutation', args: fc.tuple(fc.integer({ min: 0, max: 300 }), seedArb).map(([n, s]) => [num(n), s]), call: (n, s) => nn.data.permutation(n, { rng: new nn.Rng(s) }) },
  {
    name: 'nn.data.shuffle',
    args: fc.tuple(fc.integer({ min: 0, max: 40 }).chain((n) => arrayArb('f32', n, false)), seedArb).map(([a, s]): Spec[] => [a, s]),
    call: (a, s) => nn.data.shuffle(a, { rng: new nn.Rng(s) }),
  },
  {
    name: 'nn.data.gather',
    args: fc.tuple(posDim, dim, dim).chain(([r, c, k]) => fc.tuple(matrixArb(r, c, true, edgeFill),
      arrayArb('u32', k, true, fc.constant<'labels'>('labels')).map((a) => ({ ...a, max: r - 1 })))).map((a): Spec[] => a),
    call: (X, idx) => nn.data.gather(X, idx),
  },
  {
    name: 'nn.data.batches',
    args: fc.tuple(dim, dim, fc.integer({ min: 1, max: 9 }), seedArb, fc.boolean()).chain(([r, c, b, s, dropLast]) =>
      fc.tuple(matrixArb(r, c, true), arrayArb('u8', r, true, fc.constant<'labels'>('labels')).map((a) => ({ ...a, max: 3 })))
        .map(([X, y]): Spec[] => [X, y, num(b), s, raw(dropLast)])),
    call: (X, y, batchSize, s, dropLast) => [...nn.data.batches(X, y, { batchSize, rng: new nn.Rng(s), dropLast })].length,
  },
  {
    name: 'nn.data.split',
    args: fc.tuple(posDim, dim, fc.double({ min: 0.01, max: 0.99, noNaN: true }), seedArb, fc.boolean()).chain(([r, c, v, s, stratify]) =>
      fc.tuple(matrixArb(r, c, true), arrayArb('i32', r, true, fc.constant<'labels'>('labels')).map((a) => ({ ...a, max: 3 })))
        .map(([X, y]): Spec[] => [X, y, num(v), s, raw(stratify)])),
    call: (X, y, validation, s, stratify) => nn.data.split(X, y, { validation, rng: new nn.Rng(s), stratify }),
  },
  { name: 'nn.metrics.argmax', args: fc.tuple(dim, posDim).chain(([r, c]) => matrixArb(r, c, true).map((S): Spec[] => [S])), call: (S) => nn.metrics.argmax(S) },
  { name: 'nn.metrics.accuracy', args: scoresAndLabels, call: (S, y) => nn.metrics.accuracy(S, y) },
  { name: 'nn.metrics.confusionMatrix', args: scoresAndLabels.map(([S, y]) => [y!, S!]), call: (y, S) => nn.metrics.confusionMatrix(y, S).counts },
  // --- weights files (the child runs in a temporary directory) -------------------------------
  {
    name: 'nn.weights.encode',
    args: fc.tuple(dim, dim, fc.integer({ min: 0, max: 9 })).chain(([r, c, n]) => fc.tuple(matrixArb(r, c, true, edgeFill), arrayArb('f32', n, true)))
      .map(([W, b]): Spec[] => [opts({ W, b }), opts({ metadata: opts({}) })]),
    call: (t, o) => nn.weights.encode(t, o),
    check: (r, [t]) => (nn.weights.decode(r).names().join() === Object.keys(t).join() ? '' : 'names differ after decode'),
  },
  {
    // Valid: a whole file. Near-valid (broken): the file cut short and one byte changed, which
    // must be rejected with ERR_NNKIT_FORMAT or read whole.
    name: 'nn.weights.decode',
    args: fc.tuple(dim, dim).chain(([r, c]) => matrixArb(r, c, true).map((W): Spec[] => [W, num(0), num(-1), num(0)])),
    broken: fc.tuple(dim, dim, fc.nat(400), fc.nat(400), fc.integer({ min: 0, max: 255 })).chain(([r, c, cut, at, byte]) =>
      matrixArb(r, c, true).map((W): Spec[] => [W, num(cut), num(at), num(byte)])),
    call: (W, cut, at, byte) => {
      if (![cut, at, byte].every(Number.isInteger)) throw new UserError('the damage spec is the harness\'s own');
      const bytes = nn.weights.encode({ W, 'layer.0.bias': new Float32Array(3) }, { metadata: { k: 'v' } });
      const damaged = bytes.slice(0, Math.max(0, bytes.length - cut));
      if (at >= 0 && at < damaged.length) damaged[at] = byte;
      return nn.weights.decode(damaged);
    },
  },
  {
    name: 'nn.weights.Weights#matrix',
    args: fc.constant([raw('W'), num(2), num(3), raw('b')]),
    call: (name, r, c, vector) => {
      const w = nn.weights.decode(nn.weights.encode({ W: nn.matrix(2, 3), b: new Float32Array(2) }));
      return [w.matrix(name, r, c), w.vector(vector), w.tensor(name), w.has(name), w.names()];
    },
  },
  {
    name: 'nn.weights.save',
    fileSystem: true,
    args: fc.tuple(dim, dim).chain(([r, c]) => matrixArb(r, c, true)).map((W): Spec[] => [W]),
    call: (W) => {
      nn.weights.save('fuzz.safetensors', { W });
      return nn.weights.load('fuzz.safetensors').matrix('W', W.rows, W.cols);
    },
  },
  {
    name: 'nn.weights.saveAsync',
    fileSystem: true,
    args: fc.tuple(dim, dim).chain(([r, c]) => matrixArb(r, c, true)).map((W): Spec[] => [W]),
    call: async (W) => {
      await nn.weights.saveAsync('fuzz-async.safetensors', { W });
      return (await nn.weights.loadAsync('fuzz-async.safetensors')).matrix('W', W.rows, W.cols);
    },
  },
  {
    name: 'nn.weights.load',
    fileSystem: true,
    args: fc.constant([raw('load.safetensors')]),
    call: (p) => {
      nn.weights.save('load.safetensors', { b: new Float32Array(3) });
      return nn.weights.load(p);
    },
  },
  {
    name: 'nn.weights.loadAsync',
    fileSystem: true,
    args: fc.constant([raw('load-async.safetensors')]),
    call: async (p) => {
      await nn.weights.saveAsync('load-async.safetensors', { b: new Float32Array(3) });
      return nn.weights.loadAsync(p);
    },
  },
  // --- nn.io (files in the child's temporary directory) ---------------------------------------
  {
    name: 'nn.io.encodeNpy',
    args: fc.tuple(dim, dim).chain(([r, c]) => fc.oneof(matrixArb(r, c, true, edgeFill), arrayArb('f32', r, true))).map((X): Spec[] => [X]),
    call: (X) => nn.io.encodeNpy(X),
  },
  {
    name: 'nn.io.writeNpy',
    fileSystem: true,
    args: fc.tuple(dim, dim).chain(([r, c]) => matrixArb(r, c, true, edgeFill)).map((X): Spec[] => [raw('w.npy'), X]),
    call: (p, X) => {
      nn.io.writeNpy(p, X);
      return nn.io.readNpy(p);
    },
  },
  {
    name: 'nn.io.writeNpyAsync',
    fileSystem: true,
    args: fc.tuple(dim, dim).chain(([r, c]) => matrixArb(r, c, true)).map((X): Spec[] => [raw('wa.npy'), X]),
    call: async (p, X) => {
      await nn.io.writeNpyAsync(p, X);
      return nn.io.npyHeader(p);
    },
  },
  {
    // A valid file, cut short and with one byte changed (broken): rejected with ERR_NNKIT_FORMAT or read whole.
    name: 'nn.io.readNpy',
    fileSystem: true,
    args: fc.tuple(dim, dim).chain(([r, c]) => matrixArb(r, c, true).map((X): Spec[] => [X, num(0), num(-1), num(0)])),
    broken: fc.tuple(dim, dim, fc.nat(200), fc.nat(200), fc.integer({ min: 0, max: 255 })).chain(([r, c, cut, at, byte]) =>
      matrixArb(r, c, true).map((X): Spec[] => [X, num(cut), num(at), num(byte)])),
    call: (X, cut, at, byte) => {
      if (![cut, at, byte].every(Number.isInteger)) throw new UserError('the damage spec is the harness\'s own');
      const bytes = nn.io.encodeNpy(X).slice();
      const damaged = bytes.slice(0, Math.max(0, bytes.length - cut));
      if (at >= 0 && at < damaged.length) damaged[at] = byte;
      writeFileSync('r.npy', damaged);
      return nn.io.readNpy('r.npy');
    },
  },
  {
    // CSV, Parquet and Arrow files built whole, then cut short and with one byte changed
    // (broken): every batch well-shaped, or ERR_NNKIT_FORMAT.
    name: 'nn.io.rows (csv, parquet, arrow)',
    fileSystem: true,
    share: 0.3,
    args: fc.tuple(fc.constantFrom('csv', 'parquet', 'arrow'), fc.integer({ min: 1, max: 40 })).map(([f, r]): Spec[] => [raw(f), num(r), num(0), num(-1), num(0)]),
    broken: fc.tuple(fc.constantFrom('csv', 'parquet', 'arrow'), fc.integer({ min: 1, max: 40 }), fc.nat(300), fc.nat(600), fc.integer({ min: 0, max: 255 }))
      .map(([f, r, cut, at, byte]): Spec[] => [raw(f), num(r), num(cut), num(at), num(byte)]),
    call: async (format, rowCount, cut, at, byte) => {
      if (typeof format !== 'string' || ![rowCount, cut, at, byte].every(Number.isInteger) || rowCount < 1 || rowCount > 1000) throw new UserError('the file spec is the harness\'s own');
      const values = Float64Array.from({ length: rowCount }, (_, i) => i / 7 - 2);
      let bytes: Uint8Array;
      if (format === 'csv') bytes = Buffer.from(`a,b\n${Array.from(values, (v, i) => `${v},${i}`).join('\n')}\n`);
      else if (format === 'parquet') bytes = new Uint8Array((await import('hyparquet-writer')).parquetWriteBuffer({ columnData: [{ name: 'a', data: values, type: 'DOUBLE' }], rowGroupSize: 7 }));
      else {
        const arrow = await import('apache-arrow');
        bytes = arrow.tableToIPC(new arrow.Table({ a: arrow.makeVector(values) }), 'file');
      }
      const whole = new Uint8Array(bytes); // parquetWriteBuffer gives an ArrayBuffer
      const damaged = whole.slice(0, Math.max(0, whole.length - cut));
      if (at >= 0 && at < damaged.length) damaged[at] = byte;
      const file = `f.${format}`;
      writeFileSync(file, damaged);
      let n = 0;
      for await (const batch of nn.io.rows(file, { batchSize: 5 })) {
        if (!(batch.data instanceof Float32Array) || batch.data.length !== batch.rows * batch.cols) throw new Error('a malformed batch');
        n += batch.rows;
      }
      return n;
    },
  },
  {
    name: 'nn.io.npyHeader',
    fileSystem: true,
    args: fc.constant([raw('h.npy')]),
    call: (p) => {
      nn.io.writeNpy('h.npy', nn.matrix(2, 3));
      return nn.io.npyHeader(p);
    },
  },
  {
    name: 'nn.io.rows',
    fileSystem: true,
    args: fc.tuple(dim, posDim, fc.integer({ min: 1, max: 5 })).chain(([r, c, b]) => matrixArb(r, c, true).map((X): Spec[] => [X, num(b)])),
    call: async (X, batchSize) => {
      nn.io.writeNpy('rows.npy', X);
      let n = 0;
      for await (const batch of nn.io.rows('rows.npy', { batchSize })) n += batch.rows;
      return n;
    },
  },
  {
    name: 'nn.io.toRows',
    args: fc.tuple(dim, dim, fc.constantFrom('f32', 'f64', 'u8', 'i16', 'i64'), fc.boolean()).map(([r, c, t, cm]): Spec[] => [num(r), num(c), raw(t), raw(cm)]),
    call: (r, c, t, cm) => {
      if (typeof t !== 'string') throw new UserError('the type spec is the harness\'s own');
      const size = ({ f32: 4, f64: 8, u8: 1, i16: 2, i64: 8 } as Record<string, number>)[t];
      if (!Number.isInteger(r) || !Number.isInteger(c) || size === undefined || r < 0 || c < 0 || r * c * size > 1e8) throw new UserError('the shape spec is the harness\'s own');
      return nn.io.toRows(new Uint8Array(r * c * size), t as nn.io.ElementType, r, c, { columnMajor: cm });
    },
  },
  {
    name: 'new nn.io.NpyWriter',
    fileSystem: true,
    args: fc.tuple(dim, posDim).chain(([r, c]) => matrixArb(r, c, true).map((X): Spec[] => [raw('nw.npy'), num(c), X])),
    call: (p, cols, X) => {
      const w = new nn.io.NpyWriter(p, cols);
      try {
        w.write(X);
        w.write(X);
      } finally {
        w.close();
      }
      return nn.io.readNpy(p);
    },
  },

  // --- async twins: valid calls must give the sync call's bits --------------------------------
  {
    name: 'nn.relu.forwardAsync',
    args: fc.tuple(dim, dim).chain(([r, c]) => matrixArb(r, c, true, edgeFill).map((X): Spec[] => [X])),
    call: (X) => nn.relu.forwardAsync(X),
    check: (r, [X]) => matrixShape(r, X.rows, X.cols) || sameBits(r.data, nn.relu.forward(X).data, 'nn.relu.forward'),
  },
  {
    name: 'nn.relu.backwardAsync',
    args: fc.tuple(dim, dim).chain(([r, c]) => fc.tuple(matrixArb(r, c, true, edgeFill), matrixArb(r, c, true, edgeFill)).map((a): Spec[] => a)),
    call: (dY, X) => nn.relu.backwardAsync(dY, X),
    check: (r, [dY, X]) => matrixShape(r, X.rows, X.cols) || sameBits(r.data, nn.relu.backward(dY, X).data, 'nn.relu.backward'),
  },
  {
    name: 'nn.dropout.forwardAsync',
    args: fc.tuple(dim, dim, fc.nat(), fc.double({ min: 0.01, max: 1, noNaN: true }), fc.constantFrom('inverted', 'vanilla'), fc.boolean())
      .chain(([r, c, seed, p, mode, training]) => matrixArb(r, c, true, edgeFill).map((X): Spec[] => [X, num(seed), num(p), raw(mode), raw(training)])),
    call: (X, seed, keepProb, mode, training) => nn.dropout.forwardAsync(X, { keepProb, mode, training, rng: new nn.Rng(seed) }),
    check: (r, [X, seed, keepProb, mode, training]) => {
      const want = nn.dropout.forward(X, { keepProb, mode, training, rng: new nn.Rng(seed) });
      if (want.mask.bits === null ? r.mask.bits !== null : String(r.mask.bits) !== String(want.mask.bits)) return 'mask differs from nn.dropout.forward';
      return matrixShape(r.out, X.rows, X.cols) || sameBits(r.out.data, want.out.data, 'nn.dropout.forward');
    },
  },
  {
    name: 'nn.loss.softmaxAsync',
    args: lossArgs,
    call: (S, y, o) => nn.loss.softmaxAsync(S, y, o),
    check: (r, [S, y, o]) => sameLoss(r, nn.loss.softmax(S, y, o)),
  },
  {
    name: 'nn.loss.svmAsync',
    args: lossArgs,
    call: (S, y, o) => nn.loss.svmAsync(S, y, { ...o, squared: true }),
    check: (r, [S, y, o]) => sameLoss(r, nn.loss.svm(S, y, { ...o, squared: true })),
  },
  {
    name: 'nn.loss.l1Async',
    args: fc.tuple(dim, dim).chain(([r, c]) => fc.tuple(matrixArb(r, c, true, edgeFill), matrixArb(r, c, true, edgeFill)).map((a): Spec[] => a)),
    call: (P, T) => nn.loss.l1Async(P, T),
    check: (r, [P, T]) => sameLoss(r, nn.loss.l1(P, T)),
  },
  {
    name: 'nn.softmaxAsync',
    args: fc.tuple(dim, posDim).chain(([r, c]) => matrixArb(r, c, true, edgeFill).map((S): Spec[] => [S])),
    call: (S) => nn.softmaxAsync(S),
    check: (r, [S]) => matrixShape(r, S.rows, S.cols) || sameBits(r.data, nn.softmax(S).data, 'nn.softmax'),
  },

  // --- raw native functions (no TypeScript validation in front) -------------------------------
  { name: 'native.backend', args: fc.constant([]), call: () => native.backend() },
  { name: 'native.setThreads', args: fc.integer({ min: 1, max: 3 }).map((n) => [num(n)]), call: (n) => (manyThreads(n) ? undefined : native.setThreads(n)), global: true },
  { name: 'native.setSimd', args: fc.constantFrom(...nn.backend().simdPaths).map((p) => [raw(p)]), call: (p) => native.setSimd(p), global: true },
  { name: 'native.setGemmBackend', args: fc.constantFrom('builtin').map((b) => [raw(b)]), call: (b) => native.setGemmBackend(b as 'builtin'), global: true },
  { name: 'native.gemm', args: nativeGemmArgs, call: (...a: any[]) => (native.gemm as any)(...a) },
  { name: 'native.gemmAsync', args: nativeGemmArgs, call: (...a: any[]) => (native.gemmAsync as any)(...a) },
  {
    name: 'native.rngFill',
    args: fc.tuple(streamWords, fc.integer({ min: 0, max: 70 }).chain((n) => arrayArb('f32', n, false)), fc.constantFrom('normal', 'uniform'), moments)
      .map(([w, out, kind, [a, b]]) => [...w, out, raw(kind), num(a), num(kind === 'uniform' ? a + b : b)]),
    call: (...a: any[]) => (native.rngFill as any)(...a),
    check: (r) => (Number.isInteger(r) && r >= 0 ? '' : `blocks ${r}`),
  },
  {
    name: 'native.rngFillAsync',
    args: fc.tuple(streamWords, fc.integer({ min: 0, max: 70 }).chain((n) => arrayArb('f32', n, false)), fc.constantFrom('normal', 'uniform'), moments)
      .map(([w, out, kind, [a, b]]) => [...w, out, raw(kind), num(a), num(kind === 'uniform' ? a + b : b)]),
    call: (...a: any[]) => (native.rngFillAsync as any)(...a),
  },
  {
    name: 'native.rngBits',
    args: fc.tuple(streamWords, fc.integer({ min: 0, max: 70 }).chain((n) => arrayArb('u32', n, false))).map(([w, out]) => [...w, out]),
    call: (...a: any[]) => (native.rngBits as any)(...a),
  },
  {
    name: 'native.sgdStep',
    args: fc.integer({ min: 0, max: 40 }).chain((n) =>
      fc.tuple(arrayArb('f32', n, false), arrayArb('f32', n, true), arrayArb('f32', n, false)).map(([w, g, v]): Spec[] => [w, g, v, num(0.1), num(0.9), num(0), raw(false)])),
    call: (...a: any[]) => (native.sgdStep as any)(...a),
  },
  {
    name: 'native.adamStep',
    args: fc.integer({ min: 0, max: 40 }).chain((n) =>
      fc.tuple(arrayArb('f32', n, false), arrayArb('f32', n, true), arrayArb('f32', n, false), arrayArb('f32', n, false))
        .map(([w, g, m, v]): Spec[] => [w, g, m, v, num(0.9), num(0.999), num(0.1), num(0.001), num(0.01), num(30), num(1e-8), num(0), num(1)])),
    call: (...a: any[]) => (native.adamStep as any)(...a),
  },
  {
    name: 'native.rmspropStep',
    args: fc.integer({ min: 0, max: 40 }).chain((n) =>
      fc.tuple(arrayArb('f32', n, false), arrayArb('f32', n, true), arrayArb('f32', n, false), arrayArb('f32', n, false))
        .map(([w, g, sq, b]): Spec[] => [w, g, sq, b, raw(null), num(0.01), num(0.99), num(0.01), num(1e-8), num(0), num(0.9)])),
    call: (...a: any[]) => (native.rmspropStep as any)(...a),
  },
  {
    name: 'native.gatherRows',
    args: fc.tuple(posDim, dim, dim).chain(([r, c, k]) => fc.tuple(arrayArb('f32', r * c, true), arrayArb('u32', k, true, fc.constant<'labels'>('labels')).map((a) => ({ ...a, max: r - 1 })),
      arrayArb('f32', k * c, false)).map(([x, idx, out]): Spec[] => [x, num(r), num(c), idx, out])),
    call: (...a: any[]) => (native.gatherRows as any)(...a),
  },
];

/**
 * Exports that are not functions to call (constants, error classes) and so need no entry.
 * Everything else exported by lib/index.ts or the addon is either in `targets` or fuzzed
 * generically.
 */
export const NOT_CALLABLE = new Set(['ErrorCodes', 'MAX_DIMENSION', 'MAX_ELEMENTS', 'NnkitRangeError', 'NnkitTypeError']);

/**
 * Members that are not public API although JavaScript can reach them: TypeScript-`private`
 * members and `@internal` helpers re-exported through a namespace. They receive only
 * arguments already validated by their public callers (which are fuzzed), and everything
 * they pass to the addon is re-checked natively. Listed rather than silently skipped.
 */
export const NOT_PUBLIC = new Set([
  'new nn.LabelTree', // private constructor: LabelTree.huffman / balanced / fromParents build trees
  'nn.LabelTree.fromChildren', // private static
  'nn.Rng#claim', // @internal: reserves blocks for nnkit's fused kernels, called with validated sizes
]);
