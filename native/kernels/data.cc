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

}  // namespace nnkit::kernels
