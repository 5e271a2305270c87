#!/usr/bin/env node
// Checks the prebuild that scripts/prebuild.sh wrote for one architecture:
//   node scripts/check-prebuild.js [x64|arm64]      (default: this machine's)
// It must need nothing beyond the C runtime (its NEEDED entries are libc, libm, libgcc_s, which
// Node needs too, and the loader: no OpenBLAS, gfortran or libstdc++) and no glibc newer than
// 2.34 (Ubuntu 22.04, RHEL 9, Amazon Linux 2023; see native/binding/glibc_compat.cc), leave no
// symbol undefined except Node-API's (which node provides), glibc's and libgcc_s's, load and report its
// backend, and be what node-gyp-build picks in a package without build/. An arm64 prebuild checked on x86-64 loads in an arm64 Node under
// qemu-user (scripts/arm64-node.sh). The undefined-symbol check replaces -Wl,--no-undefined,
// which cannot be used for an addon: every napi_* symbol is undefined until node loads it.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { nodeFor } = require('./node-for-arch');

const arch = process.argv[2] || process.arch;
const root = path.join(__dirname, '..');
const dir = path.join(root, 'prebuilds', `linux-${arch}`);
const file = fs.readdirSync(dir).filter((f) => f.endsWith('.node')).map((f) => path.join(dir, f))[0];
if (!file) throw new Error(`no .node file in ${dir}`);
const node = nodeFor(arch);
const tool = (name) => (arch === process.arch || arch !== 'arm64' ? name : `aarch64-linux-gnu-${name}`);

const needed = [...execFileSync(tool('readelf'), ['-d', file], { encoding: 'utf8' }).matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
console.log(`${path.relative(root, file)} needs ${needed.join(', ')}`);
const allowed = /^(libc\.so|libm\.so|libpthread\.so|libdl\.so|librt\.so|ld-linux|libgcc_s\.so)/;  // Node needs libgcc_s too
const extra = needed.filter((l) => !allowed.test(l));
if (extra.length) throw new Error(`prebuild depends on ${extra.join(', ')}`);

// Strong undefined symbols only ('U'); weak ones ('w', e.g. the transactional-memory hooks of
// the static libstdc++) resolve to null when absent.
const strongUndefined = execFileSync(tool('nm'), ['-D', '--undefined-only', file], { encoding: 'utf8' })
  .split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f[0] === 'U').map((f) => f[1]);
const unexpected = strongUndefined.filter((s) => !/^(napi_|node_api_)/.test(s) && !/@(GLIBC|GCC)_\d/.test(s));  // not GLIBC_PRIVATE  // GCC_: libgcc_s
if (unexpected.length) throw new Error(`undefined symbols left in the prebuild: ${unexpected.join(', ')}`);

const MAX_GLIBC = [2, 34];
const versioned = [...execFileSync(tool('objdump'), ['-T', file], { encoding: 'utf8' }).matchAll(/\(GLIBC_(\d+)\.(\d+)(?:\.\d+)?\)\s+(\S+)/g)]
  .map((m) => ({ version: [Number(m[1]), Number(m[2])], symbol: m[3] }));
if (versioned.length === 0) throw new Error(`no GLIBC_ versions found in objdump -T of ${file}: has its output format changed?`);
const newer = versioned.filter(({ version: [a, b] }) => a > MAX_GLIBC[0] || (a === MAX_GLIBC[0] && b > MAX_GLIBC[1]));
if (newer.length) throw new Error(`the prebuild needs glibc newer than ${MAX_GLIBC.join('.')}: ${newer.map((n) => `${n.symbol}@GLIBC_${n.version.join('.')}`).join(', ')}`);
const newest = versioned.reduce((max, { version }) => (version[0] * 1000 + version[1] > max[0] * 1000 + max[1] ? version : max), [2, 0]);
console.log(`needs glibc >= ${newest.join('.')}`);

const run = (script, env = {}) => JSON.parse(execFileSync(node.command, [...node.args, '-e', script], {
  env: { ...node.env, ...env }, encoding: 'utf8',  // node.env: this environment, cleaned for the arch
}));
const { size } = fs.statSync(file);
const b = run(`console.log(JSON.stringify(require(${JSON.stringify(file)}).backend()))`);
console.log(`${(size / 2 ** 20).toFixed(1)} MiB; loads${node.emulated ? ' under qemu-user' : ''}: ${JSON.stringify(b)}`);
const wantsBlas = process.env.NNKIT_PREBUILD_BUILTIN !== '1';
if (wantsBlas && !b.blas.startsWith('openblas')) throw new Error('the prebuild should link OpenBLAS statically (NNKIT_PREBUILD_BUILTIN=1 accepts one without)');

// The BLAS choice holds for the static OpenBLAS too: forced onto its generic core (what it runs
// on a CPU it does not know), the prebuild routes products to nnkit's GEMM, and they are right.
if (b.blas.startsWith('openblas') && b.simdPaths.includes('avx2')) {
  const forced = run(`const nn = require(${JSON.stringify(file)}); const b = nn.backend();
    const a = new Float32Array(64 * 64).map((_, i) => (i % 7) - 3), c = new Float32Array(64 * 64);
    nn.gemm(a, 64, 64, a, 64, 64, c, false, false, 1, 0);
    let ok = true;
    for (let i = 0; i < 64; i++) for (let j = 0; j < 64; j++) {
      let s = 0; for (let k = 0; k < 64; k++) s += a[i * 64 + k] * a[k * 64 + j];
      ok = ok && c[i * 64 + j] === s;
    }
    console.log(JSON.stringify({ core: b.blasCore, gemm: b.gemm, ok }));`, { OPENBLAS_CORETYPE: 'Prescott' });
  console.log(`with OPENBLAS_CORETYPE=Prescott: ${JSON.stringify(forced)}`);
  if (forced.core !== 'Prescott' || forced.gemm !== 'builtin' || !forced.ok)
    throw new Error('the prebuild kept GEMM on a generic OpenBLAS core (or computed it wrong)');
} else {
  console.log('skipped: forced-core check (no OpenBLAS, or no AVX2 path, so a generic core is not narrower)');
}

// node-gyp-build must pick the prebuild in a package that has no build/ folder.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nnkit-prebuild-'));
try {
  fs.copyFileSync(path.join(root, 'package.json'), path.join(tmp, 'package.json'));
  fs.cpSync(dir, path.join(tmp, 'prebuilds', `linux-${arch}`), { recursive: true });
  const loaded = run(`console.log(JSON.stringify(require(${JSON.stringify(require.resolve('node-gyp-build'))}).path(${JSON.stringify(tmp)})))`);
  if (!loaded.startsWith(path.join(tmp, 'prebuilds'))) throw new Error(`node-gyp-build picked ${loaded}`);
  console.log(`node-gyp-build loads ${path.relative(tmp, loaded)} from a package without build/`);
} finally {
  fs.rmSync(tmp, { recursive: true });
}
