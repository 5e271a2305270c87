#include "cpu.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#define NNKIT_X86 1
#include <cpuid.h>
#endif

namespace nnkit {
namespace {

#if NNKIT_X86
bool cpu_has_avx2_fma() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return false;
  const bool fma = ecx & (1u << 12);
  const bool osxsave = ecx & (1u << 27);
  const bool avx = ecx & (1u << 28);
  if (!(fma && osxsave && avx)) return false;
  // The OS must save XMM and YMM state on context switches (XCR0 bits 1 and 2), or the
  // upper halves of YMM registers would be lost and AVX code would compute garbage.
  unsigned xcr0_lo = 0, xcr0_hi = 0;
  __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
  if ((xcr0_lo & 0x6u) != 0x6u) return false;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
  return ebx & (1u << 5);  // AVX2
}
#endif

std::atomic<int> g_active{-1};

}  // namespace

const char* simd_path_name(SimdPath path) {
  switch (path) {
    case SimdPath::avx2: return "avx2";
    case SimdPath::scalar: return "scalar";
  }
  return "unknown";
}

bool simd_path_supported(SimdPath path) {
  switch (path) {
    case SimdPath::scalar: return true;
    case SimdPath::avx2:
#if NNKIT_X86 && !defined(NNKIT_NO_AVX2)
      static const bool supported = cpu_has_avx2_fma();
      return supported;
#else
      return false;
#endif
  }
  return false;
}

SimdPath detect_simd_path() {
  const char* forced = std::getenv("NNKIT_SIMD");
  if (forced != nullptr && forced[0] != '\0') {
    if (std::strcmp(forced, "scalar") == 0) return SimdPath::scalar;
    if (std::strcmp(forced, "avx2") == 0 && simd_path_supported(SimdPath::avx2)) return SimdPath::avx2;
    // An unknown or unsupported name falls through to detection rather than failing the load.
  }
  return simd_path_supported(SimdPath::avx2) ? SimdPath::avx2 : SimdPath::scalar;
}

SimdPath active_simd_path() {
  int value = g_active.load(std::memory_order_relaxed);
  if (value < 0) {
    value = static_cast<int>(detect_simd_path());
    g_active.store(value, std::memory_order_relaxed);
  }
  return static_cast<SimdPath>(value);
}

bool set_active_simd_path(SimdPath path) {
  if (!simd_path_supported(path)) return false;
  g_active.store(static_cast<int>(path), std::memory_order_relaxed);
  return true;
}

}  // namespace nnkit
