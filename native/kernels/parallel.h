// nnkit's own worker threads.
//
// parallel_for(tasks, fn) calls fn(task) once for every task index in [0, tasks), spread over
// the pool's threads and the calling thread, and returns when all are done. Kernels split their
// work into tasks of a fixed size that does not depend on the thread count, so every result is
// bit-identical whatever set_thread_count says.
//
// Only one parallel_for runs on the pool at a time. A call made while the pool is busy (for
// example from several libuv workers running async operations at once) runs its tasks on the
// calling thread instead of queueing: the cores are already busy, and waiting would only add
// latency and oversubscription.
#pragma once

#include <cstddef>
#include <functional>
#include <utility>

namespace nnkit {

// Total threads that work on one parallel_for, the caller included (>= 1).
int thread_count();

// Resizes the pool to n - 1 workers plus the caller. n is clamped to [1, 256].
void set_thread_count(int n);

// The pool's entry point; call parallel_for.
void parallel_for_pool(std::size_t tasks, const std::function<void(std::size_t task)>& fn);

// A single task runs right here, without a std::function (which may allocate) or the pool's lock:
// small calls (a softmax over 256 rows) are all single tasks, and are measured in microseconds.
template <typename Fn>
void parallel_for(std::size_t tasks, Fn&& fn) {
  if (tasks == 1) {
    fn(std::size_t{0});
    return;
  }
  if (tasks > 1) parallel_for_pool(tasks, std::function<void(std::size_t)>(std::forward<Fn>(fn)));
}

// memcpy in 4 MiB blocks over the pool: staging a large operand for an async call costs the
// JS thread half the time of a single-threaded copy on two cores.
void parallel_copy(void* dst, const void* src, std::size_t bytes);

}  // namespace nnkit
