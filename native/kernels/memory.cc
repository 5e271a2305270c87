#include "memory.h"

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#if defined(__linux__)
#include <sys/mman.h>

#include <fstream>
#include <string>
#endif

namespace nnkit::kernels {
namespace {

// THP is usable when /sys/kernel/mm/transparent_hugepage/enabled selects [always] or [madvise].
bool os_supports_huge_pages() {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string line;
  if (!std::getline(f, line)) return false;
  return line.find("[always]") != std::string::npos || line.find("[madvise]") != std::string::npos;
#else
  return false;
#endif
}

bool initial_state() {
  const char* env = std::getenv("NNKIT_HUGEPAGES");
  if (env && std::strcmp(env, "0") == 0) return false;
  return os_supports_huge_pages();
}

std::atomic<bool>& enabled() {
  static std::atomic<bool> on{initial_state()};
  return on;
}

}  // namespace

bool huge_pages_enabled() { return enabled().load(std::memory_order_relaxed); }

bool set_huge_pages(bool on) {
  enabled().store(on && os_supports_huge_pages(), std::memory_order_relaxed);
  return huge_pages_enabled();
}

std::size_t advise_huge_pages(void* data, std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (!huge_pages_enabled() || bytes < kHugeAllocMinBytes) return 0;
  const auto begin = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t mask = static_cast<std::uintptr_t>(kHugePageBytes) - 1;
  const std::uintptr_t first = (begin + mask) & ~mask, last = (begin + bytes) & ~mask;
  if (last <= first) return 0;
  if (madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE) != 0) return 0;
  return last - first;
#else
  (void)data;
  (void)bytes;
  return 0;
#endif
}

}  // namespace nnkit::kernels
