#!/usr/bin/env bash
# Builds the C++ kernel tests under AddressSanitizer (with LeakSanitizer) and
# UndefinedBehaviorSanitizer, with OpenBLAS and with the built-in kernels only (NNKIT_BLAS=none),
# and runs them on every SIMD path (NNKIT_SIMD=scalar and the detected default). Any finding
# aborts the run with a non-zero exit (-fno-sanitize-recover=all, halt_on_error=1).
#
#   scripts/sanitize.sh            # both configurations
#   SANITIZE_CC=clang scripts/sanitize.sh   # clang instead of gcc
#   SANITIZE_JOBS=2                # parallel compile jobs (default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${SANITIZE_JOBS:-2}
cxx=()
if [ "${SANITIZE_CC:-}" = clang ]; then cxx=(-DCMAKE_CXX_COMPILER=clang++); fi

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS=${LSAN_OPTIONS:-}

runs=0
for blas in auto none; do
  dir=build-asan-$blas
  cmake -S . -B "$dir" -G "Unix Makefiles" -DNNKIT_BLAS=$blas -DNNKIT_SANITIZE=address,undefined \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo "${cxx[@]}" >/dev/null
  cmake --build "$dir" --target nnkit_kernel_tests -j "$jobs" >/dev/null
  # A build that silently lost its instrumentation would pass everything: insist on it.
  nm "$dir/nnkit_kernel_tests" | grep -c __asan_init >/dev/null || { echo "no ASan instrumentation in $dir" >&2; exit 1; }
  nm "$dir/nnkit_kernel_tests" | grep -c __ubsan_handle >/dev/null || { echo "no UBSan instrumentation in $dir" >&2; exit 1; }
  for simd in scalar default; do
    echo "=== sanitizers: blas=$blas simd=$simd"
    if [ $simd = default ]; then
      env -u NNKIT_SIMD "./$dir/nnkit_kernel_tests"
    else
      NNKIT_SIMD=$simd "./$dir/nnkit_kernel_tests"
    fi
    runs=$((runs + 1))
  done
done
echo "sanitizers: $runs runs (ASan+LSan+UBSan), 0 findings"
