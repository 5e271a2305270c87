#include "data.h"

#include <cstring>

#include "parallel.h"

namespace nnkit::kernels {

namespace {
// Rows per task: at least 256 KiB of copying, so that small batches stay on the calling thread.
constexpr std::size_t kBytesPerTask = std::size_t{256} << 10;
}  // namespace

std::size_t gather_rows(const float* x, std::size_t rows, std::size_t cols, const std::uint32_t* indices,
                        std::size_t count, float* out) {
  for (std::size_t k = 0; k < count; ++k)
    if (indices[k] >= rows) return k;
  if (cols == 0 || count == 0) return kNoBadIndex;
  const std::size_t row_bytes = cols * sizeof(float);
  const std::size_t per_task = row_bytes >= kBytesPerTask ? 1 : kBytesPerTask / row_bytes;
  const std::size_t tasks = (count + per_task - 1) / per_task;
  parallel_for(tasks, [&](std::size_t t) {
    const std::size_t end = (t + 1) * per_task < count ? (t + 1) * per_task : count;
    for (std::size_t k = t * per_task; k < end; ++k)
      std::memcpy(out + k * cols, x + static_cast<std::size_t>(indices[k]) * cols, row_bytes);
  });
  return kNoBadIndex;
}

std::size_t element_size(ElementType type) {
  switch (type) {
    case ElementType::i8:
    case ElementType::u8: return 1;
    case ElementType::i16:
    case ElementType::u16: return 2;
    case ElementType::f32:
    case ElementType::i32:
    case ElementType::u32: return 4;
    case ElementType::f64:
    case ElementType::i64:
    case ElementType::u64: return 8;
  }
  return 0;
}

namespace {

// Unaligned little-endian loads (JS and file buffers guarantee no alignment; every platform
// nnkit builds for is little-endian).
template <class T>
inline float load_as_float(const unsigned char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return static_cast<float>(v);
}

template <class T>
void convert(const unsigned char* src, std::size_t rows, std::size_t cols, bool column_major, float* out) {
  constexpr std::size_t kSize = sizeof(T);
  if (!column_major) {
    const std::size_t n = rows * cols;
    constexpr std::size_t kPerTask = std::size_t{1} << 16;
    parallel_for((n + kPerTask - 1) / kPerTask, [&](std::size_t t) {
      const std::size_t end = (t + 1) * kPerTask < n ? (t + 1) * kPerTask : n;
      for (std::size_t i = t * kPerTask; i < end; ++i) out[i] = load_as_float<T>(src + i * kSize);
    });
    return;
  }
  // Tiles of 256 rows × 16 columns: each column contributes 256 consecutive elements (one to two
  // KiB, a few cache lines of one page), and the 16 output floats of a row are one cache line.
  // Square 32 × 32 tiles ran 3× slower here: a column is a page apart from the next (a stride of
  // rows · size bytes), so short runs per column spent the time in TLB misses.
  constexpr std::size_t kTileRows = 256, kTileCols = 16;
  const std::size_t row_tiles = (rows + kTileRows - 1) / kTileRows;
  parallel_for(row_tiles, [&](std::size_t rt) {
    const std::size_t r0 = rt * kTileRows, r1 = r0 + kTileRows < rows ? r0 + kTileRows : rows;
    for (std::size_t c0 = 0; c0 < cols; c0 += kTileCols) {
      const std::size_t c1 = c0 + kTileCols < cols ? c0 + kTileCols : cols;
      for (std::size_t i = r0; i < r1; ++i)
        for (std::size_t j = c0; j < c1; ++j) out[i * cols + j] = load_as_float<T>(src + (j * rows + i) * kSize);
    }
  });
}

}  // namespace

void to_float32_rows(const void* src, ElementType type, std::size_t rows, std::size_t cols, bool column_major,
                     float* out) {
  if (rows == 0 || cols == 0) return;
  const auto* s = static_cast<const unsigned char*>(src);
  switch (type) {
    case ElementType::f32: convert<float>(s, rows, cols, column_major, out); break;
    case ElementType::f64: convert<double>(s, rows, cols, column_major, out); break;
    case ElementType::i8: convert<std::int8_t>(s, rows, cols, column_major, out); break;
    case ElementType::u8: convert<std::uint8_t>(s, rows, cols, column_major, out); break;
    case ElementType::i16: convert<std::int16_t>(s, rows, cols, column_major, out); break;
    case ElementType::u16: convert<std::uint16_t>(s, rows, cols, column_major, out); break;
    case ElementType::i32: convert<std::int32_t>(s, rows, cols, column_major, out); break;
    case ElementType::u32: convert<std::uint32_t>(s, rows, cols, column_major, out); break;
    case ElementType::i64: convert<std::int64_t>(s, rows, cols, column_major, out); break;
    case ElementType::u64: convert<std::uint64_t>(s, rows, cols, column_major, out); break;
  }
}

}  // namespace nnkit::kernels
