#!/usr/bin/env bash
# Builds the C++ kernel tests under AddressSanitizer (with LeakSanitizer) and
# UndefinedBehaviorSanitizer, with OpenBLAS and with the built-in kernels only (NNKIT_BLAS=none),
# and runs them on every SIMD path (NNKIT_SIMD=scalar and the detected default). Any finding
# aborts the run with a non-zero exit (-fno-sanitize-recover=all, halt_on_error=1).
#
# The clang variant adds checks gcc does not have: implicit integer truncations and sign changes
# (a size_t squeezed into a uint32 index, a negative int turned into a huge size) and local-bounds
# (indexing past a fixed-size local array). Unsigned wrap-around is deliberate in the Philox
# counters, so unsigned-integer-overflow is not enabled.
#
#   scripts/sanitize.sh                        # gcc, both configurations
#   SANITIZE_CC=clang scripts/sanitize.sh      # clang++ instead of gcc (build dirs build-asan-clang-*)
#   SANITIZE_BLAS=none scripts/sanitize.sh     # one configuration only (auto | none)
#   SANITIZE_JOBS=2                            # parallel compile jobs (default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${SANITIZE_JOBS:-2}
cc=${SANITIZE_CC:-gcc}
sanitizers=address,undefined
cxx=()
case $cc in
  gcc) prefix=build-asan ;;
  clang)
    prefix=build-asan-clang
    cxx=(-DCMAKE_CXX_COMPILER=clang++)
    sanitizers=$sanitizers,implicit-integer-truncation,implicit-integer-sign-change,local-bounds
    ;;
  *) echo "SANITIZE_CC must be gcc or clang, not '$cc'" >&2; exit 2 ;;
esac

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS=${LSAN_OPTIONS:-}

runs=0
for blas in ${SANITIZE_BLAS:-auto none}; do
  dir=$prefix-$blas
  cmake -S . -B "$dir" -G "Unix Makefiles" -DNNKIT_BLAS=$blas -DNNKIT_SANITIZE=$sanitizers \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo "${cxx[@]}" >/dev/null
  cmake --build "$dir" --target nnkit_kernel_tests -j "$jobs" >/dev/null
  # A build that silently lost its instrumentation (or used another compiler) would pass
  # everything: insist on it.
  nm "$dir/nnkit_kernel_tests" | grep -c __asan_init >/dev/null || { echo "no ASan instrumentation in $dir" >&2; exit 1; }
  nm "$dir/nnkit_kernel_tests" | grep -c __ubsan_handle >/dev/null || { echo "no UBSan instrumentation in $dir" >&2; exit 1; }
  if [ "$cc" = clang ]; then
    grep -q '^CMAKE_CXX_COMPILER_ID:.*Clang\|^CMAKE_CXX_COMPILER:.*clang' "$dir/CMakeCache.txt" || { echo "$dir was not built with clang++" >&2; exit 1; }
    nm "$dir/nnkit_kernel_tests" | grep -c __ubsan_handle_implicit_conversion >/dev/null || { echo "no implicit-conversion checks in $dir" >&2; exit 1; }
  fi
  for simd in scalar default; do
    echo "=== sanitizers: cc=$cc blas=$blas simd=$simd"
    if [ $simd = default ]; then
      env -u NNKIT_SIMD "./$dir/nnkit_kernel_tests"
    else
      NNKIT_SIMD=$simd "./$dir/nnkit_kernel_tests"
    fi
    runs=$((runs + 1))
  done
done
echo "sanitizers ($cc): $runs runs ($sanitizers), 0 findings"
