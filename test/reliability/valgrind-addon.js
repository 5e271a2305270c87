// Short addon exercise for valgrind (run by hand: valgrind --leak-check=full node test/reliability/valgrind-addon.js):
// sync, async, error paths, a detached output of a pending call.
const native = require('node-gyp-build')(require('node:path').join(__dirname, '..', '..'));
const n = 64;
const a = new Float32Array(n * n).fill(1), b = new Float32Array(n * n).fill(2), c = new Float32Array(n * n);
for (let i = 0; i < 200; i++) {
  native.gemm(a, n, n, b, n, n, c, false, i % 2 === 1, 1, 0);
  native.rngFill(1, 2, 3, 4, i * 8, c, i % 2 ? 'normal' : 'uniform', 0, 1);
  try { native.gemm(a, n, n, b, n + 1, n, c, false, false, 1, 0); } catch (e) { if (!e.code) throw e; }
  try { native.rngFill(1, 2, 3, 4, -1, c, 'normal', 0, 1); } catch (e) { if (!e.code) throw e; }
}
native.setGemmBackend('builtin');
native.gemm(a, n, n, b, n, n, c, false, false, 1, 0);
native.setThreads(3);
native.gemm(a, n, n, b, n, n, c, false, false, 1, 0);
(async () => {
  const ps = [];
  for (let i = 0; i < 50; i++) {
    const out = new Float32Array(n * n);
    ps.push(native.gemmAsync(a, n, n, b, n, n, out, false, false, 1, 0));
    ps.push(native.rngFillAsync(1, 2, 3, 4, i * 1000, new Float32Array(1000), 'normal', 0, 1));
  }
  const out = new Float32Array(n * n);
  const p = native.gemmAsync(a, n, n, b, n, n, out, false, false, 1, 0).catch((e) => console.log('detached out:', e.code));
  structuredClone(out.buffer, { transfer: [out.buffer] });
  await Promise.all(ps);
  await p;
  console.log('checksum', c[0], 'done');
})();
