#!/usr/bin/env bash
# Cross-compiles the C++ kernel tests for arm64 with Debian's g++-aarch64-linux-gnu and runs them
# under qemu-user: the scalar and NEON paths, on the built-in kernels (NNKIT_BLAS=none).
#   scripts/arm64-kernel-tests.sh [build-dir]     (apt-get install g++-aarch64-linux-gnu qemu-user)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-arm64}
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S . -B "$build" "${generator[@]}" -DCMAKE_SYSTEM_NAME=Linux -DCMAKE_SYSTEM_PROCESSOR=aarch64 \
  -DCMAKE_CXX_COMPILER=aarch64-linux-gnu-g++ -DCMAKE_BUILD_TYPE=Release -DNNKIT_BLAS=none >/dev/null
cmake --build "$build" --target nnkit_kernel_tests
readelf -h "$build/nnkit_kernel_tests" | grep -q 'AArch64' || { echo "not an arm64 binary" >&2; exit 1; }
NNKIT_TEST_EMULATED=1 QEMU_LD_PREFIX=/usr/aarch64-linux-gnu qemu-aarch64 "$build/nnkit_kernel_tests"
NNKIT_TEST_EMULATED=1 NNKIT_SIMD=scalar QEMU_LD_PREFIX=/usr/aarch64-linux-gnu qemu-aarch64 "$build/nnkit_kernel_tests" | tail -1
