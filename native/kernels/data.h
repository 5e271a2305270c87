// Moving rows of a dataset: gathering the rows a mini-batch or a shuffled split takes.
// Plain copies (no SIMD of our own: memcpy already moves a row at the copy's bandwidth),
// spread over the thread pool when there is enough to copy.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nnkit::kernels {

inline constexpr std::size_t kNoBadIndex = static_cast<std::size_t>(-1);

// out[k, :] = x[indices[k], :] for k in [0, count), x being rows × cols. Returns kNoBadIndex, or
// the first k whose indices[k] >= rows, in which case nothing has been written.
std::size_t gather_rows(const float* x, std::size_t rows, std::size_t cols, const std::uint32_t* indices,
                        std::size_t count, float* out);

}  // namespace nnkit::kernels
