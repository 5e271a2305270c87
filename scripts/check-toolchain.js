#!/usr/bin/env node
// Runs from the install script, through node-gyp-build, only when no prebuilt binary fits and the
// addon has to be compiled: if a tool node-gyp needs is missing, says in one line what to install
// (instead of node-gyp's long traceback) and fails the install.
'use strict';
const { spawnSync } = require('node:child_process');

if (process.platform === 'win32') process.exit(0);  // node-gyp's own checks say it there
const has = (tool) => spawnSync('/bin/sh', ['-c', `command -v "${tool}"`], { stdio: 'ignore' }).status === 0;
const compilers = process.env.CXX ? [process.env.CXX.split(' ')[0]] : ['c++', 'g++', 'clang++'];
const missing = [];
if (!compilers.some(has)) missing.push('a C++ compiler');
if (!has('make')) missing.push('make');
if (!['python3', 'python'].some(has)) missing.push('python3');
if (missing.length > 0) {
  const hint = process.platform === 'darwin'
    ? 'xcode-select --install'
    : 'Debian/Ubuntu: apt-get install build-essential python3; Fedora: dnf install gcc-c++ make python3';
  console.error(`nnkit: no prebuilt binary for ${process.platform}-${process.arch}, and compiling one needs ${missing.join(', ')} (${hint}); then run npm rebuild nnkit`);
  process.exit(1);
}
