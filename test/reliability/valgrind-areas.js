// Valgrind exercise of the bindings added after the foundation (run by hand:
//   valgrind --leak-check=full --errors-for-leak-kinds=definite node test/reliability/valgrind-areas.js
// ): losses, layers, preprocessing kernels, linear algebra (LAPACK and built-in), regularization,
// sync and async, with odd sizes (SIMD tails) and the error paths (shape, labels, aliasing,
// detached outputs of pending calls). Prints a checksum so nothing is optimized away.
const native = require('node-gyp-build')(require('node:path').join(__dirname, '..', '..'));

const rand = (n, seed) => {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s >>> 8) / 8388608 - 1;
  }
  return out;
};
const expectCode = (fn) => {
  try {
    fn();
  } catch (e) {
    if (!e.code) throw e;
    return;
  }
  throw new Error('expected a coded error');
};

let checksum = 0;
const N = 37, C = 11, D = 13, H = 9;
const scores = rand(N * C, 1), grad = new Float32Array(N * C);
const labels = Int32Array.from({ length: N }, (_, i) => (i * 7) % C);
const targets01 = rand(N * C, 2).map((v) => (v > 0 ? 1 : 0));
// a balanced tree over C classes, flattened as LabelTree does: internal node ids 0..C-2
function tree(c) {
  const paths = Array.from({ length: c }, () => ({ nodes: [], bits: [] }));
  let next = 0;
  const build = (lo, hi, nodes, bits) => {
    if (hi - lo === 1) { paths[lo] = { nodes, bits }; return; }
    const id = next++, mid = lo + Math.ceil((hi - lo) / 2);
    build(lo, mid, [...nodes, id], [...bits, 1]);
    build(mid, hi, [...nodes, id], [...bits, 0]);
  };
  build(0, c, [], []);
  const offsets = new Uint32Array(c + 1);
  for (let k = 0; k < c; k++) offsets[k + 1] = offsets[k] + paths[k].nodes.length;
  return { offsets, nodes: Uint32Array.from(paths.flatMap((p) => p.nodes)), bits: Uint32Array.from(paths.flatMap((p) => p.bits)), internal: c - 1 };
}
const t = tree(C);
const hMat = rand(N * D, 3), V = rand(t.internal * D, 4), dH = new Float32Array(N * D), dV = new Float32Array(t.internal * D);
const X = rand(N * D, 5), W = rand(D * H, 6), b = rand(H, 7), Y = new Float32Array(N * H), dY = rand(N * H, 8);
const dX = new Float32Array(N * D), dW = new Float32Array(D * H), db = new Float32Array(H);

const iterations = Number(process.env.ITERATIONS ?? 6);
for (let it = 0; it < iterations; it++) {
  for (const simd of native.backend().simdPaths) {
    native.setSimd(simd);
    checksum += native.lossSvm(scores, N, C, labels, 1, it % 2 === 1, 1 / N, grad);
    checksum += native.lossSoftmax(scores, N, C, new Uint8Array(labels), 1 / N, grad);
    for (const kind of ['multiLabelHinge', 'sigmoidCrossEntropy', 'l2', 'l1']) checksum += native.lossTargets(scores, N, C, targets01, kind, 1, grad);
    native.softmax(scores, N, C, grad);
    checksum += native.lossHierarchicalSoftmax(hMat, N, D, labels, t.offsets, t.nodes, t.bits, t.internal, V, 1, dH, dV);
    native.hierarchicalLogProbabilities(hMat, N, D, t.offsets, t.nodes, t.bits, t.internal, V, new Float32Array(N * C));
    native.linearForward(X, N, D, W, H, b, Y);
    native.linearBackward(dY, N, H, X, D, W, dX, dW, db);
    native.reluForward(Y, Y);
    native.reluBackward(dY, Y, new Float32Array(N * H));
    const rm = new Float32Array(D), rv = new Float32Array(D).fill(1), sm = new Float32Array(D), si = new Float32Array(D);
    native.batchNormForward(X, N, D, rand(D, 9), rand(D, 10), true, 0.1, 1e-5, rm, rv, sm, si, new Float32Array(N * D));
    native.batchNormBackward(X, X, N, D, rand(D, 9), sm, si, dX, new Float32Array(D), new Float32Array(D));
    const mask = new Uint32Array(Math.ceil((N * D) / 32));
    checksum += native.dropoutForward(1, 2, 3, 4, it * 100, X, new Float32Array(N * D), mask, 0.7, 1 / 0.7);
    native.dropoutBackward(X, mask, 1 / 0.7, new Float32Array(N * D));
    const mean = new Float64Array(D), m2 = new Float64Array(D), mn = new Float32Array(D), mx = new Float32Array(D);
    native.columnMoments(X, N, D, mean, m2);
    native.columnMinMax(X, N, D, mn, mx);
    native.columnAffine(X, N, D, new Float32Array(N * D), mn, rand(D, 11), rand(D, 12), 1);
    checksum += native.regPenalty(W, 0.1, 0.2, 0.1, 0.2, new Float32Array(D * H));
    checksum += native.regMaxNorm(W.slice(), D, H, 0.5, it % 2 === 0);
  }
  for (const lapack of native.backend().blas === 'builtin' ? ['builtin'] : ['lapack', 'builtin']) {
    native.setLapackBackend(lapack);
    const cov = new Float32Array(D * D);
    native.covariance(X, N, D, true, cov, new Float32Array(D));
    native.eigh(cov, D, new Float32Array(D), new Float32Array(D * D));
    const k = Math.min(N, D);
    native.svd(X, N, D, new Float32Array(N * k), new Float32Array(k), new Float32Array(k * D));
    native.randomizedSvd(X, N, D, 3, rand(D * 6, 13), 6, 2, new Float32Array(N * 3), new Float32Array(3), new Float32Array(3 * D));
  }
  // error paths: shapes, labels, aliasing, detached
  expectCode(() => native.lossSvm(scores, N, C, new Int32Array(N).fill(C), 1, false, 1, grad));
  expectCode(() => native.lossSoftmax(scores, N, C, labels, 1, new Float32Array(labels.buffer)));
  expectCode(() => native.linearForward(X, N, D, W, H + 1, b, Y));
  expectCode(() => native.eigh(rand(D * D, 14), D, new Float32Array(D), new Float32Array(D * D)));
  expectCode(() => native.lossHierarchicalSoftmax(hMat, N, D, labels, t.offsets, t.nodes, t.bits, 0, V, 1, null, null));
}

(async () => {
  const pending = [];
  for (let i = 0; i < 20; i++) {
    pending.push(native.linearForwardAsync(X, N, D, W, H, b, new Float32Array(N * H)));
    pending.push(native.linearBackwardAsync(dY, N, H, X, D, W, new Float32Array(N * D), new Float32Array(D * H), null));
    pending.push(native.batchNormForwardAsync(X, N, D, null, null, true, 0.1, 1e-5, new Float32Array(D), new Float32Array(D), new Float32Array(D), new Float32Array(D), new Float32Array(N * D)));
    pending.push(native.columnMomentsAsync(X, N, D, new Float64Array(D), new Float64Array(D)));
    pending.push(native.columnAffineAsync(X, N, D, new Float32Array(N * D), new Float32Array(D), new Float32Array(D).fill(2), new Float32Array(D), 2));
    pending.push(native.covarianceAsync(X, N, D, true, new Float32Array(D * D)));
    pending.push(native.svdAsync(X, N, D, new Float32Array(N * D), new Float32Array(D), new Float32Array(D * D)));
  }
  // an output detached while its call is pending: the Promise rejects, nothing is written
  const out = new Float32Array(D * D);
  const detached = native.covarianceAsync(X, N, D, true, out).then(() => 'resolved', (e) => e.code);
  structuredClone(out.buffer, { transfer: [out.buffer] });
  await Promise.all(pending);
  console.log('detached output:', await detached, 'checksum', checksum.toFixed(3), 'done');
})();
