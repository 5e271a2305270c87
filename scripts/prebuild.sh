#!/usr/bin/env bash
# Builds the static prebuild for one Linux architecture into prebuilds/linux-<arch>/ and checks
# it (scripts/check-prebuild.js). The addon links Debian's OpenBLAS + LAPACKE statically, so it
# needs only glibc on the user's machine.
#
#   scripts/prebuild.sh            this machine's architecture (npm run prebuild)
#   scripts/prebuild.sh arm64      cross-compiled on x86-64 (npm run prebuild:arm64); needs
#                                  g++-aarch64-linux-gnu, and for OpenBLAS the multiarch packages
#                                  libopenblas-dev:arm64 liblapacke-dev:arm64 (without them the
#                                  prebuild has the built-in kernels only); checked under
#                                  qemu-aarch64 with an arm64 Node (scripts/arm64-node.sh)
#
# node-gyp builds in a scratch copy of the package, so the development build in build/ stays.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
host=$(node -p process.arch)
arch=${1:-$host}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$root/package.json" "$root/binding.gyp" "$root/native" "$root/scripts" "$work/"
ln -s "$root/node_modules" "$work/node_modules"

args=(--napi --strip --cwd "$work" --out "$root")
if [ "$arch" = "$host" ]; then
  :
elif [ "$arch" = arm64 ] && [ "$host" = x64 ]; then
  command -v aarch64-linux-gnu-g++ >/dev/null || { echo "prebuild.sh: apt-get install g++-aarch64-linux-gnu" >&2; exit 1; }
  export CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++
  # pkg-config must see arm64's OpenBLAS, not this machine's.
  export PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig
  if ! pkg-config --exists openblas; then
    echo "prebuild.sh: no libopenblas-dev:arm64, so the arm64 prebuild has nnkit's built-in kernels only" >&2
    export NNKIT_PREBUILD_BUILTIN=1
  fi
  args+=(--arch arm64 --strip-bin aarch64-linux-gnu-strip)
else
  echo "prebuild.sh: cannot build for $arch on $host" >&2
  exit 1
fi
NNKIT_STATIC_BLAS=1 npx prebuildify "${args[@]}"
node "$root/scripts/check-prebuild.js" "$arch"
