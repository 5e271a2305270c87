// Large zeroed buffers for the outputs nnkit allocates, backed by transparent huge pages where
// the OS offers them (Linux THP in "always" or "madvise" mode).
//
// A fresh output is written once by a kernel that streams through it; in 4 KiB pages that
// first write takes one page fault per 4 KiB, which on virtual machines costs more than the
// kernel itself (inverted dropout 6144×1536: 45.5 ms with its outputs allocated, 12.3 ms with
// them given). In 2 MiB pages a fault zeroes 512 times as much at once. PyTorch has the same
// remedy for its CPU tensors (THP_MEM_ALLOC_ENABLE).
//
// The memory stays the caller's (V8's ArrayBuffer allocator: calloc, which maps large blocks
// afresh), so it is released as promptly as any ArrayBuffer; nnkit only advises the kernel.
// (An external ArrayBuffer of nnkit's own would not do: Node runs its finalizer from the event
// loop, so a synchronous training loop would never give the memory back.)
#pragma once

#include <cstddef>

namespace nnkit::kernels {

inline constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;
// Smaller requests stay with the caller's allocator: a huge page would be mostly waste.
inline constexpr std::size_t kHugeAllocMinBytes = std::size_t{4} << 20;

// Whether huge-page allocations are on: the OS supports them and NNKIT_HUGEPAGES is not "0".
bool huge_pages_enabled();
// Turns them off or on (on only where the OS supports them); returns the new state.
bool set_huge_pages(bool on);

// Asks for huge pages behind the whole 2 MiB pages inside [data, data + bytes) (a buffer the
// caller's allocator just returned, not yet written: fresh anonymous memory). Pages already
// touched keep their size. Returns the bytes advised (0 when off, too small, or refused).
std::size_t advise_huge_pages(void* data, std::size_t bytes);

}  // namespace nnkit::kernels
