#!/usr/bin/env bash
# Cross-compiles the C++ kernel tests for arm64 with Debian's g++-aarch64-linux-gnu and runs them
# under qemu-user on the NEON and scalar paths: with the built-in kernels (NNKIT_BLAS=none) and,
# when the arm64 OpenBLAS is installed (multiarch: libopenblas-dev:arm64 liblapacke-dev:arm64),
# with OpenBLAS and LAPACKE.
#   scripts/arm64-kernel-tests.sh [build-dir-prefix]   (default build-arm64: build-arm64/, build-arm64-openblas/)
#   apt-get install g++-aarch64-linux-gnu qemu-user
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${1:-build-arm64}
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

# Run-time libraries: Debian's arm64 multiarch packages when installed (libc6:arm64,
# libstdc++6:arm64; OpenBLAS needs them), else the cross toolchain's. Never both: the two glibc
# builds mixed (QEMU_LD_PREFIX's loader, the multiarch libc found through ld.so.cache) hang.
if [ -e /usr/lib/aarch64-linux-gnu/libstdc++.so.6 ]; then
  unset QEMU_LD_PREFIX
else
  export QEMU_LD_PREFIX=/usr/aarch64-linux-gnu
fi
# OPENBLAS_CORETYPE names this machine's x86 core, which arm64's OpenBLAS does not know.
unset OPENBLAS_CORETYPE

run() {  # $1 = build dir, $2 = NNKIT_BLAS
  local build=$1
  PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig \
    cmake -S . -B "$build" "${generator[@]}" -DCMAKE_SYSTEM_NAME=Linux -DCMAKE_SYSTEM_PROCESSOR=aarch64 \
    -DCMAKE_CXX_COMPILER=aarch64-linux-gnu-g++ -DCMAKE_BUILD_TYPE=Release -DNNKIT_BLAS="$2" >/dev/null
  cmake --build "$build" --target nnkit_kernel_tests
  readelf -h "$build/nnkit_kernel_tests" | grep -q 'AArch64' || { echo "not an arm64 binary" >&2; exit 1; }
  NNKIT_TEST_EMULATED=1 qemu-aarch64 "$build/nnkit_kernel_tests"
  NNKIT_TEST_EMULATED=1 NNKIT_SIMD=scalar qemu-aarch64 "$build/nnkit_kernel_tests" | tail -1
}

run "$prefix" none
if [ -e /usr/lib/aarch64-linux-gnu/pkgconfig/openblas.pc ]; then
  run "$prefix-openblas" openblas
else
  echo "skipped: arm64 kernel tests with OpenBLAS (apt-get install libopenblas-dev:arm64 liblapacke-dev:arm64 after dpkg --add-architecture arm64)"
fi
