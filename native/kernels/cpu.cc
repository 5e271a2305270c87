#include "cpu.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#define NNKIT_X86 1
#include <cpuid.h>
#if defined(__APPLE__)
#include <sys/sysctl.h>

#include <cstdio>
#endif
#endif

namespace nnkit {
namespace {

#if NNKIT_X86
#if defined(__APPLE__)
// macOS gives a thread the AVX-512 register state only when it first runs an AVX-512
// instruction (the kernel traps it and enables the state), so XCR0 shows bits 5-7 clear until
// then; Apple's documented test is sysctl hw.optional.avx512*. Before macOS 12.2 the kernel could
// lose the opmask registers on a context switch (Go issue 49233), so AVX-512 starts at 12.2.
bool apple_sysctl_flag(const char* name) {
  int value = 0;
  std::size_t size = sizeof(value);
  return sysctlbyname(name, &value, &size, nullptr, 0) == 0 && value != 0;
}

bool apple_os_avx512() {
  char version[32] = {};
  std::size_t size = sizeof(version) - 1;
  int major = 0, minor = 0;
  if (sysctlbyname("kern.osproductversion", version, &size, nullptr, 0) != 0 ||
      std::sscanf(version, "%d.%d", &major, &minor) < 1 || major < 12 || (major == 12 && minor < 2))
    return false;
  return apple_sysctl_flag("hw.optional.avx512f") && apple_sysctl_flag("hw.optional.avx512bw") &&
         apple_sysctl_flag("hw.optional.avx512dq") && apple_sysctl_flag("hw.optional.avx512vl");
}
#endif

struct X86Features {
  bool avx2_fma = false;
  bool avx512 = false;  // F, BW, DQ and VL, with the OS saving opmask and ZMM state
};

X86Features detect_x86() {
  X86Features f;
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return f;
  const bool fma = ecx & (1u << 12);
  const bool osxsave = ecx & (1u << 27);
  const bool avx = ecx & (1u << 28);
  if (!(fma && osxsave && avx)) return f;
  // The OS must save the registers' state on context switches, or their upper parts would be
  // lost and the kernels would compute garbage: XCR0 bits 1 and 2 (XMM, YMM) for AVX2, and
  // bits 5-7 (opmask, upper halves of ZMM0-15, ZMM16-31) for AVX-512.
  unsigned xcr0_lo = 0, xcr0_hi = 0;
  __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
  if ((xcr0_lo & 0x6u) != 0x6u) return f;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return f;
  f.avx2_fma = ebx & (1u << 5);
  const unsigned avx512_bits = (1u << 16) | (1u << 17) | (1u << 30) | (1u << 31);  // F, DQ, BW, VL
#if defined(__APPLE__)
  const bool os_avx512 = apple_os_avx512();
#else
  const bool os_avx512 = (xcr0_lo & 0xE0u) == 0xE0u;
#endif
  f.avx512 = f.avx2_fma && (ebx & avx512_bits) == avx512_bits && os_avx512;
  return f;
}

const X86Features& x86_features() {
  static const X86Features features = detect_x86();
  return features;
}
#endif

std::atomic<int> g_active{-1};

}  // namespace

const char* simd_path_name(SimdPath path) {
  switch (path) {
#define NNKIT_SIMD_NAME_(name, fallback) \
  case SimdPath::name: return #name;
    NNKIT_SIMD_PATHS(NNKIT_SIMD_NAME_)
#undef NNKIT_SIMD_NAME_
  }
  return "unknown";
}

bool simd_path_from_name(const char* name, SimdPath* out) {
  if (name == nullptr) return false;
  for (SimdPath path : kSimdPaths) {
    if (std::strcmp(name, simd_path_name(path)) == 0) {
      *out = path;
      return true;
    }
  }
  return false;
}

bool simd_path_supported(SimdPath path) {
  switch (path) {
    case SimdPath::scalar: return true;
    case SimdPath::avx2:
#if NNKIT_X86 && !defined(NNKIT_NO_AVX2)
      return x86_features().avx2_fma;
#else
      return false;
#endif
    case SimdPath::avx512:
#if NNKIT_X86 && !defined(NNKIT_NO_AVX2) && !defined(NNKIT_NO_AVX512)
      return x86_features().avx512;
#else
      return false;
#endif
    case SimdPath::neon:
#if defined(__aarch64__) && defined(__ARM_NEON)
      return true;  // Advanced SIMD is part of every AArch64 CPU; the build compiles its kernels
#else
      return false;
#endif
  }
  return false;
}

SimdPath detect_simd_path() {
  SimdPath forced;
  // An unknown or unsupported name falls through to detection rather than failing the load.
  if (simd_path_from_name(std::getenv("NNKIT_SIMD"), &forced) && simd_path_supported(forced)) return forced;
  SimdPath best = SimdPath::scalar;
  for (SimdPath path : kSimdPaths)  // the list's order is the order of preference
    if (simd_path_supported(path)) best = path;
  return best;
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
