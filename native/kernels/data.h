// Moving rows of a dataset: gathering the rows a mini-batch or a shuffled split takes, and
// turning the columns or other element types files store into nnkit's row-major float32.
// Plain copies and casts (no SIMD of our own: the compiler vectorizes the casts, memcpy moves a
// row at the copy's bandwidth), spread over the thread pool when there is enough to move.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nnkit::kernels {

inline constexpr std::size_t kNoBadIndex = static_cast<std::size_t>(-1);

// out[k, :] = x[indices[k], :] for k in [0, count), x being rows × cols. Returns kNoBadIndex, or
// the first k whose indices[k] >= rows, in which case nothing has been written.
std::size_t gather_rows(const float* x, std::size_t rows, std::size_t cols, const std::uint32_t* indices,
                        std::size_t count, float* out);

// Element types of the data files nnkit reads (.npy descr, Arrow/Parquet column types).
enum class ElementType { f32, f64, i8, u8, i16, u16, i32, u32, i64, u64 };
std::size_t element_size(ElementType type);

// out = float32 of a rows × cols block of `type` elements (little-endian, any alignment):
// row-major when `column_major` is false (a cast-copy), column-major otherwise (element (i, j)
// at src[j * rows + i]: a blocked transpose-copy with the cast). float64 and 64-bit integers
// round to nearest.
void to_float32_rows(const void* src, ElementType type, std::size_t rows, std::size_t cols, bool column_major,
                     float* out);

}  // namespace nnkit::kernels
