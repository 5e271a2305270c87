#!/usr/bin/env node
// A smoke test of every area of nnkit through its public API, for a package as a user installs
// it (a prebuild or a local build), on any platform: CI runs it on linux-x64 and, under
// qemu-user, on linux-arm64, and compares the two.
//
//   node scripts/smoke.js [package-dir] > x64.json     run every area, print the results (JSON)
//   node scripts/smoke.js --arch arm64 [package-dir]    the same in an arm64 Node (under qemu-user
//                                                       on x86-64, see scripts/node-for-arch.js)
//   node scripts/smoke.js --compare x64.json arm64.json
//
// Random streams (Rng fills, init, dropout and DropConnect masks, the data every other check is
// fed) are recorded as SHA-256 digests and must match bit for bit; computed results are recorded
// as numbers and must agree within 5e-5 of each array's largest magnitude (float32 results
// whose paths differ in summation order and BLAS, not in method; 2e-6 was the worst seen).
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const RELATIVE_TOLERANCE = 5e-5;

function digest(value) {
  const typed = value.data ?? value;  // a Matrix or a typed array
  return crypto.createHash('sha256').update(Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength)).digest('hex');
}

async function run(dir) {
  const nn = require(path.resolve(dir));
  const exact = {};   // name → digest: must be bit-identical everywhere
  const approx = {};  // name → numbers: within the tolerance
  const keep = (name, values) => { approx[name] = typeof values === 'number' ? [values] : Array.from(values.data ?? values); };

  // --- random streams ------------------------------------------------------------------------
  const rng = new nn.Rng(20261202);
  const X = nn.matrix(96, 24);
  rng.normal(X);
  for (let i = 0; i < X.data.length; i += 24) X.data[i] *= 4;  // a leading direction for PCA
  exact['rng.normal 96×24'] = digest(X.data);
  const U = nn.matrix(33, 17);
  rng.uniform(U, -1, 1);
  exact['rng.uniform 33×17 (odd tail)'] = digest(U.data);
  exact['rng.bits 1001'] = digest(rng.bits(new Uint32Array(1001)));
  exact['rng.split().normal 257'] = digest(rng.split().normal(new Float32Array(257)));

  // --- init ------------------------------------------------------------------------------------
  const initRng = () => new nn.Rng(7);
  exact['init.he 24×40'] = digest(nn.init.he(24, 40, { rng: initRng() }).data);
  exact['init.glorot uniform 40×10'] = digest(nn.init.glorot(40, 10, { distribution: 'uniform', rng: initRng() }).data);
  exact['init.lecun 24×40'] = digest(nn.init.lecun(24, 40, { rng: initRng() }).data);
  exact['init.sparse 40×10'] = digest(nn.init.sparse(40, 10, { connections: 5, rng: initRng() }).data);
  exact['init.bias 40'] = digest(nn.init.bias(40, 0.01));

  // --- linalg ----------------------------------------------------------------------------------
  const W = nn.init.he(24, 40, { rng: initRng() });
  keep('gemm X·W', nn.gemm(X, W).data);
  keep('gemm Xᵀ·X', nn.gemm(X, X, { transA: true }).data);
  keep('gemmAsync X·W', (await nn.gemmAsync(X, W)).data);
  const C = nn.covariance(X);
  keep('covariance', C.data);
  const eig = nn.eigh(C);
  keep('eigh values', eig.values);
  keep('eigh leading vector', Array.from({ length: 24 }, (_, i) => eig.vectors.data[i * 24]));
  const svd = nn.svd(nn.gemm(X, W));
  keep('svd S', svd.S);
  keep('randomizedSvd S', nn.randomizedSvd(X, 4, { seed: 3, powerIters: 4 }).S);
  keep('eighAsync values', (await nn.eighAsync(C)).values);

  // --- preprocessing -----------------------------------------------------------------------------
  const scaler = new nn.Standardizer().fit(X);
  keep('Standardizer mean', scaler.mean);
  keep('Standardizer std', scaler.std);
  keep('Standardizer transform', scaler.transform(X).data);
  const range = new nn.RangeScaler().fit(X);
  keep('RangeScaler transform', range.transform(X).data);
  const pca = new nn.PCA({ components: 4, whiten: 'pca', solver: 'exact' }).fit(X);
  keep('PCA eigenvalues', pca.eigenvalues);
  keep('PCA leading component', Array.from({ length: 24 }, (_, i) => pca.components.data[i * 4]));
  keep('PCA whitened first column', Array.from({ length: 96 }, (_, i) => pca.transform(X).data[i * 4]));
  const zca = await new nn.PCA({ whiten: 'zca', solver: 'exact' }).fitAsync(X);
  keep('ZCA transform row 0', zca.transform(X).data.subarray(0, 24));
  const pipeline = nn.Pipeline.fromJSON(JSON.parse(JSON.stringify(new nn.Pipeline([scaler, pca]))));
  keep('Pipeline reloaded transform', pipeline.transform(X).data);

  // --- layers ----------------------------------------------------------------------------------
  const b = nn.init.bias(40, 0.1);  // a Float32Array
  const Z = nn.linear.forward(X, W, b);
  keep('linear.forward', Z.data);
  const bn = new nn.BatchNorm(40);
  const Y = bn.forward(Z, { training: true });
  keep('BatchNorm forward', Y.data);
  const H = nn.relu.forward(Y);
  const drop = nn.dropout.forward(H, { keepProb: 0.8, training: true, rng: new nn.Rng(11) });
  exact['dropout mask bits'] = digest(drop.mask.bits);
  keep('dropout out', drop.out.data);
  const dropAsync = await nn.dropout.forwardAsync(H, { keepProb: 0.8, training: true, rng: new nn.Rng(11) });
  exact['dropout.forwardAsync mask bits'] = digest(dropAsync.mask.bits);
  exact['dropConnect mask bits'] = digest(nn.dropConnect.forward(W, { keepProb: 0.5, rng: new nn.Rng(12) }).mask.bits);
  const dH = nn.dropout.backward(H, drop.mask);
  const dY = nn.relu.backward(dH, Y);
  const g = bn.backward(dY);
  keep('BatchNorm backward dX', g.dX.data);
  keep('BatchNorm dGamma', g.dGamma);
  const lin = nn.linear.backward(dH, X, W);  // not g.dX, whose columns sum to ~0
  keep('linear.backward dW', lin.dW.data);
  keep('linear.backward db', lin.db);

  // --- losses, regularization, optimizer -----------------------------------------------------------
  const labels = Int32Array.from({ length: 96 }, (_, i) => (i * 7) % 40);
  const targets = nn.matrix(96, 40);
  for (let i = 0; i < 96; i++) targets.data[i * 40 + labels[i]] = 1;
  for (const [name, fn] of [
    ['softmax', () => nn.loss.softmax(Z, labels)],
    ['svm', () => nn.loss.svm(Z, labels, { margin: 1 })],
    ['squared hinge', () => nn.loss.svm(Z, labels, { squared: true })],
    ['sigmoidCrossEntropy', () => nn.loss.sigmoidCrossEntropy(Z, targets)],
    ['multiLabelHinge', () => nn.loss.multiLabelHinge(Z, targets)],
    ['l2', () => nn.loss.l2(Z, targets)],
    ['l1', () => nn.loss.l1(Z, targets)],
  ]) {
    const r = fn();
    keep(`loss.${name}`, r.loss);
    keep(`loss.${name} grad`, r.grad.data);
  }
  keep('loss.softmaxAsync', (await nn.loss.softmaxAsync(Z, labels)).loss);
  keep('softmax probabilities', nn.softmax(Z).data);
  const tree = nn.LabelTree.balanced(40);
  const V = nn.init.normal(tree.internalNodes, 24, { std: 0.1, rng: initRng() }).data;
  const hs = nn.loss.hierarchicalSoftmax(X, labels, tree, nn.matrix(V, tree.internalNodes, 24));
  keep('loss.hierarchicalSoftmax', hs.loss);
  keep('loss.hierarchicalSoftmax dH', hs.dH.data);
  const T = nn.init.normal(6, 6, { std: 0.5, rng: initRng() });
  const s = nn.loss.structuredSvm(nn.matrix(X.data.slice(0, 16 * 6), 16, 6), T, Int32Array.from({ length: 16 }, (_, i) => i % 6));
  keep('loss.structuredSvm', s.loss);
  keep('loss.structuredSvm dEmissions', s.dEmissions.data);
  const dW = nn.matrix(24, 40);
  keep('reg.l2 + l1', nn.reg.l2(W, 1e-3, { grad: dW.data }) + nn.reg.l1(W, 1e-4, { grad: dW.data }));
  keep('reg gradient', dW.data);
  const Wc = nn.matrix(W.data.slice(), 24, 40);
  keep('reg.maxNorm clipped', nn.reg.maxNorm(Wc, 1));
  keep('reg.maxNorm W', Wc.data);
  const velocity = nn.matrix(24, 40);
  nn.optim.sgdStep(Wc, lin.dW, velocity, { lr: 0.1, momentum: 0.9, nesterov: true });
  keep('optim.sgdStep', Wc.data);
  const adam = nn.optim.adamState(Wc), rms = nn.optim.rmspropState(Wc);
  for (let t = 0; t < 3; t++) nn.optim.adamwStep(Wc, lin.dW, adam, { lr: 0.01, weightDecay: 0.1 });
  keep('optim.adamwStep ×3', Wc.data);
  for (let t = 0; t < 3; t++) nn.optim.rmspropStep(Wc, lin.dW, rms, { lr: 0.01, momentum: 0.5, centered: true });
  keep('optim.rmspropStep ×3', Wc.data);

  // --- data, metrics, weights files ------------------------------------------------------------
  const order = nn.data.permutation(96, { rng: new nn.Rng(5) });
  exact['data.permutation'] = digest(order);
  exact['data.gather'] = digest(nn.data.gather(X, order));
  const parts = nn.data.split(X, labels, { validation: 0.25, stratify: true, rng: new nn.Rng(6) });
  exact['data.split (stratified) rows'] = digest(parts.validation.indices);
  exact['metrics.confusionMatrix'] = digest(nn.metrics.confusionMatrix(labels, Z, { classes: 40 }).counts);
  keep('metrics.accuracy', nn.metrics.accuracy(Z, labels));
  const file = nn.weights.encode({ W, b: lin.db }, { metadata: { smoke: '1' } });
  exact['weights.encode'] = digest(file);
  exact['weights.decode'] = digest(nn.weights.decode(file).matrix('W', 24, 40).data);

  // --- errors ------------------------------------------------------------------------------------
  const codes = {};
  for (const [name, fn] of [
    ['matrix of the wrong length', () => nn.matrix(new Float32Array(3), 2, 2)],
    ['label out of range', () => nn.loss.softmax(Z, Int32Array.from(labels, () => 40))],
    ['gemm shapes', () => nn.gemm(X, X)],
  ]) {
    try { fn(); codes[name] = 'no error'; } catch (e) { codes[name] = `${e.name} ${e.code}`; }
  }
  exact['error codes'] = JSON.stringify(codes);

  const backend = nn.backend();
  return { platform: process.platform, arch: process.arch, node: process.version, backend, exact, approx };
}

function compare(aFile, bFile) {
  const a = JSON.parse(fs.readFileSync(aFile, 'utf8'));
  const b = JSON.parse(fs.readFileSync(bFile, 'utf8'));
  const label = (r) => `${r.platform}-${r.arch} (Node ${r.node}, ${r.backend.simd}, ${r.backend.blas})`;
  console.log(`comparing ${label(a)} with ${label(b)}`);
  const failures = [];
  for (const name of new Set([...Object.keys(a.exact), ...Object.keys(b.exact)])) {
    if (a.exact[name] !== b.exact[name]) failures.push(`${name}: not bit-identical (${a.exact[name]} vs ${b.exact[name]})`);
  }
  let worst = 0;
  for (const name of new Set([...Object.keys(a.approx), ...Object.keys(b.approx)])) {
    const x = a.approx[name], y = b.approx[name];
    if (!x || !y || x.length !== y.length) { failures.push(`${name}: missing or of another length`); continue; }
    const scale = Math.max(1e-30, ...x.map(Math.abs));
    let err = 0;
    for (let i = 0; i < x.length; i++) err = Math.max(err, Number.isFinite(x[i]) && Number.isFinite(y[i]) ? Math.abs(x[i] - y[i]) / scale : Infinity);  // NaN is null in JSON
    worst = Math.max(worst, err);
    if (!(err <= RELATIVE_TOLERANCE)) failures.push(`${name}: differs by ${err.toExponential(2)} of its largest magnitude`);
  }
  console.log(`${Object.keys(a.exact).length} random streams and error codes bit-identical check, ${Object.keys(a.approx).length} results within ${RELATIVE_TOLERANCE} (worst ${worst.toExponential(2)})`);
  if (failures.length) {
    for (const f of failures) console.error(`  FAIL ${f}`);
    process.exit(1);
  }
  console.log('smoke results agree');
}

if (process.argv[2] === '--compare') {
  compare(process.argv[3], process.argv[4]);
} else if (process.argv[2] === '--arch') {
  const node = require('./node-for-arch').nodeFor(process.argv[3]);
  const dir = path.resolve(process.argv[4] || path.join(__dirname, '..'));
  const r = require('node:child_process').spawnSync(node.command, [...node.args, __filename, dir], { env: node.env, stdio: 'inherit' });
  if (r.error) console.error(`smoke.js: cannot run ${node.command}: ${r.error.message}`);
  process.exit(r.status ?? 1);
} else {
  run(process.argv[2] || path.join(__dirname, '..')).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (e) => { console.error(e); process.exit(1); },
  );
}
