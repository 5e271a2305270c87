#!/usr/bin/env node
// Checks the prebuild that `npm run prebuild` wrote: it must load, need nothing beyond the C
// runtime (ldd shows only libc, libm and friends, no OpenBLAS, gfortran or libstdc++), and leave
// no symbol undefined except Node-API's (which node provides) and glibc's. This replaces
// -Wl,--no-undefined, which cannot be used for an addon: every napi_* symbol is undefined
// until node loads it.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const dir = path.join(__dirname, '..', 'prebuilds', `${process.platform}-${process.arch}`);
const file = fs.readdirSync(dir).filter((f) => f.endsWith('.node')).map((f) => path.join(dir, f))[0];
if (!file) throw new Error(`no .node file in ${dir}`);

const ldd = execFileSync('ldd', [file], { encoding: 'utf8' });
console.log(`ldd ${path.relative(process.cwd(), file)}:\n${ldd}`);
const allowed = /^(linux-vdso|libc\.so|libm\.so|libpthread\.so|libdl\.so|librt\.so|\/lib64\/ld-linux|ld-linux)/;
const extra = ldd.split('\n').map((l) => l.trim().split(/\s+/)[0]).filter((l) => l && !allowed.test(l));
if (extra.length) throw new Error(`prebuild depends on ${extra.join(', ')}`);

// Strong undefined symbols only ('U'); weak ones ('w', e.g. the transactional-memory hooks of
// the static libstdc++) resolve to null when absent.
const strongUndefined = execFileSync('nm', ['-D', '--undefined-only', file], { encoding: 'utf8' })
  .split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f[0] === 'U').map((f) => f[1]);
const unexpected = strongUndefined.filter((s) => !/^(napi_|node_api_)/.test(s) && !/@GLIBC/.test(s));
if (unexpected.length) throw new Error(`undefined symbols left in the prebuild: ${unexpected.join(', ')}`);

const { size } = fs.statSync(file);
const b = require(file).backend();
console.log(`${(size / 2 ** 20).toFixed(1)} MiB; loads: ${JSON.stringify(b)}`);
if (!b.blas.startsWith('openblas')) throw new Error('the prebuild should link OpenBLAS statically');

// The BLAS choice holds for the static OpenBLAS too: forced onto its generic core (what it runs
// on a CPU it does not know), the prebuild routes products to nnkit's GEMM, and they are right.
if (b.simdPaths.includes('avx2')) {
  const script = `const nn = require(${JSON.stringify(file)}); const b = nn.backend();
    const a = new Float32Array(64 * 64).map((_, i) => (i % 7) - 3), c = new Float32Array(64 * 64);
    nn.gemm(a, 64, 64, a, 64, 64, c, false, false, 1, 0);
    let ok = true;
    for (let i = 0; i < 64; i++) for (let j = 0; j < 64; j++) {
      let s = 0; for (let k = 0; k < 64; k++) s += a[i * 64 + k] * a[k * 64 + j];
      ok = ok && c[i * 64 + j] === s;
    }
    console.log(JSON.stringify({ core: b.blasCore, gemm: b.gemm, ok }));`;
  const forced = JSON.parse(execFileSync(process.execPath, ['-e', script], {
    env: { ...process.env, OPENBLAS_CORETYPE: 'Prescott' }, encoding: 'utf8',
  }));
  console.log(`with OPENBLAS_CORETYPE=Prescott: ${JSON.stringify(forced)}`);
  if (forced.core !== 'Prescott' || forced.gemm !== 'builtin' || !forced.ok)
    throw new Error('the prebuild kept GEMM on a generic OpenBLAS core (or computed it wrong)');
} else {
  console.log('skipped: forced-core check (this CPU has no AVX2, so the generic core is not narrower)');
}

// node-gyp-build must pick the prebuild in a package that has no build/ folder.
const os = require('node:os');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nnkit-prebuild-'));
fs.copyFileSync(path.join(__dirname, '..', 'package.json'), path.join(tmp, 'package.json'));
fs.cpSync(path.join(__dirname, '..', 'prebuilds'), path.join(tmp, 'prebuilds'), { recursive: true });
const loaded = require('node-gyp-build').path(tmp);
if (!loaded.startsWith(path.join(tmp, 'prebuilds'))) throw new Error(`node-gyp-build picked ${loaded}`);
console.log(`node-gyp-build loads ${path.relative(tmp, loaded)} from a package without build/`);
fs.rmSync(tmp, { recursive: true });
