#!/usr/bin/env node
// BLAS/LAPACKE detection for binding.gyp (CMakeLists.txt does the same with pkg-config).
//
//   NNKIT_BLAS=auto (default) | openblas | none
//   NNKIT_STATIC_BLAS=1        link Debian's libopenblas.a + liblapacke.a into the addon so a
//                              prebuild runs on machines without OpenBLAS
//
// Prints one gyp list, space-separated: `defines`, `include_dirs` or `libraries`.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

function pkgConfig(...args) {
  try {
    return execFileSync('pkg-config', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function detect() {
  const mode = (process.env.NNKIT_BLAS || 'auto').toLowerCase();
  const none = { defines: [], includeDirs: [], libraries: [] };
  if (mode === 'none') return none;
  const found = pkgConfig('--exists', 'openblas') !== null;
  if (!found) {
    if (mode === 'openblas') throw new Error('NNKIT_BLAS=openblas but pkg-config cannot find openblas (apt-get install libopenblas-dev)');
    return none;
  }
  const includeDirs = pkgConfig('--cflags-only-I', 'openblas').split(/\s+/).filter(Boolean).map((f) => f.slice(2));
  const libDir = pkgConfig('--variable=libdir', 'openblas');
  const defines = ['NNKIT_HAVE_CBLAS=1'];
  const lapackeHeader = ['/usr/include/lapacke.h', ...includeDirs.map((d) => path.join(d, 'lapacke.h'))].some((f) => fs.existsSync(f));
  const lapackeLib = pkgConfig('--exists', 'lapacke') !== null;
  const lapacke = lapackeHeader && lapackeLib;
  if (lapacke) defines.push('NNKIT_HAVE_LAPACKE=1');
  let libraries;
  if (process.env.NNKIT_STATIC_BLAS === '1') {
    defines.push('NNKIT_STATIC_BLAS=1');
    const lapackeDir = pkgConfig('--variable=libdir', 'lapacke');
    libraries = [
      ...(lapacke ? [path.join(lapackeDir, 'liblapacke.a')] : []),
      path.join(libDir, 'libopenblas.a'),
      '-lpthread', '-lm',
    ];
  } else {
    libraries = [...(lapacke ? ['-llapacke'] : []), `-L${libDir}`, `-Wl,-rpath,${libDir}`, '-lopenblas'];
  }
  return { defines, includeDirs, libraries };
}

const config = detect();
const what = process.argv[2];
const lists = { defines: config.defines, include_dirs: config.includeDirs, libraries: config.libraries };
if (!(what in lists)) {
  console.error(`usage: blas-config.js ${Object.keys(lists).join('|')}`);
  process.exit(2);
}
process.stdout.write(lists[what].join(' '));
