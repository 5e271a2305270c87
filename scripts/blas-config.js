#!/usr/bin/env node
// BLAS/LAPACK detection for binding.gyp (CMakeLists.txt does the same with pkg-config).
//
//   NNKIT_BLAS=auto (default) | openblas | accelerate | none
//                              auto: Apple's Accelerate on macOS 13.3+, else OpenBLAS (+ LAPACKE)
//                              if pkg-config finds it, else nnkit's built-in kernels
//   NNKIT_STATIC_BLAS=1        link Debian's libopenblas.a + liblapacke.a into the addon so a
//                              prebuild runs on machines without OpenBLAS
//
// Prints one gyp list, space-separated: `defines`, `include_dirs`, `libraries`, or `macos_min`
// (the addon's MACOSX_DEPLOYMENT_TARGET).
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

function run(command, ...args) {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

// '13.3.1' >= 13.3; false for null or anything unparsable.
function atLeast13_3(version) {
  const [major, minor] = (version || '').split('.').map(Number);
  return major > 13 || (major === 13 && minor >= 3);
}

// Apple's Accelerate: CBLAS and Fortran-style LAPACK (no LAPACKE) through the interface that
// macOS 13.3 introduced (ACCELERATE_NEW_LAPACK, LAPACK 3.9.1). Its symbols do not exist on older
// macOS, so it needs macOS 13.3+ here, an SDK with its headers (Xcode 14.3+), and raises the
// addon's deployment target to 13.3. The framework comes with the OS: nothing to find or ship.
function accelerate(mode) {
  const os = run('sw_vers', '-productVersion');
  const sdk = run('xcrun', '--sdk', 'macosx', '--show-sdk-version');
  if (atLeast13_3(os) && atLeast13_3(sdk)) {
    return {
      defines: ['NNKIT_HAVE_CBLAS=1', 'NNKIT_HAVE_ACCELERATE=1'],
      includeDirs: [],
      libraries: ['Accelerate.framework'],  // gyp's mac generator turns this into -framework Accelerate
      macosMin: '13.3',
    };
  }
  if (mode === 'accelerate') {
    throw new Error(`NNKIT_BLAS=accelerate needs macOS 13.3+ and its SDK (Xcode 14.3+); found macOS ${os}, SDK ${sdk}`);
  }
  return null;
}

function detect() {
  const mode = (process.env.NNKIT_BLAS || 'auto').toLowerCase();
  const none = { defines: [], includeDirs: [], libraries: [] };
  if (mode === 'none') return none;
  if (mode === 'accelerate' && process.platform !== 'darwin') {
    throw new Error("NNKIT_BLAS=accelerate: Apple's Accelerate exists on macOS only");
  }
  if (process.platform === 'darwin' && (mode === 'auto' || mode === 'accelerate')) {
    const config = accelerate(mode);
    if (config) return config;
  }
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
const lists = {
  defines: config.defines,
  include_dirs: config.includeDirs,
  libraries: config.libraries,
  // Node 20's own default; only read on macOS (binding.gyp's OS=='mac' settings).
  macos_min: [config.macosMin || '10.15'],
};
if (!(what in lists)) {
  console.error(`usage: blas-config.js ${Object.keys(lists).join('|')}`);
  process.exit(2);
}
process.stdout.write(lists[what].join(' '));
