#include "parallel.h"

#include "error.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace nnkit {
namespace {

class ThreadPool {
 public:
  ThreadPool() { resize(default_threads()); }
  ~ThreadPool() { stop_workers(); }

  int size() const { return threads_; }

  void resize(int n) {
    n = std::clamp(n, 1, 256);
    std::lock_guard<std::mutex> submit(submit_mutex_);
    if (n == threads_) return;
    stop_workers();
    threads_ = n;
    stopping_.store(false);
    // Workers start from the current generation, handed over here rather than read later: a
    // worker scheduled late must not mistake the first job for one it has already run.
    const std::uint64_t start = generation_.load();
    try {
      for (int i = 0; i < n - 1; ++i) workers_.emplace_back([this, start] { worker_loop(start); });
    } catch (const std::system_error&) {
      // Out of threads or address space: keep the workers that started (the pool stays
      // consistent, results do not depend on the count) and report it instead of terminating.
      threads_ = static_cast<int>(workers_.size()) + 1;
      throw Error(ErrorKind::range, "ERR_NNKIT_ALLOC",
                  "could start only " + std::to_string(threads_) + " of " + std::to_string(n) + " threads");
    }
  }

  void run(std::size_t tasks, const std::function<void(std::size_t)>& fn) {
    if (tasks == 0) return;
    std::unique_lock<std::mutex> submit(submit_mutex_, std::try_to_lock);
    if (!submit.owns_lock() || workers_.empty() || tasks == 1) {
      for (std::size_t t = 0; t < tasks; ++t) fn(t);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = &fn;
      job_tasks_ = tasks;
      next_task_.store(0, std::memory_order_relaxed);
      busy_workers_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    drain(fn, tasks);
    spin_until([this] { return busy_workers_.load(std::memory_order_acquire) == 0; });
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return busy_workers_.load(std::memory_order_acquire) == 0; });
    job_ = nullptr;
  }

 private:
  static int default_threads() {
    const unsigned hw = std::thread::hardware_concurrency();
    return hw == 0 ? 1 : static_cast<int>(hw);
  }

  // Spins for a short while before a thread blocks on a condition variable. One kernel often
  // issues several parallel_for calls in a row (GEMM: one per k-block), and waking a sleeping
  // thread costs up to a millisecond on a virtual machine whose idle vCPU was halted; a worker
  // that spins ~0.2 ms between jobs is still awake for the next one. OpenBLAS and OpenMP
  // runtimes do the same.
  template <typename Ready>
  static bool spin_until(Ready&& ready) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(200);
    for (;;) {
      for (int i = 0; i < 64; ++i) {
        if (ready()) return true;
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
      }
      if (std::chrono::steady_clock::now() > deadline) return false;
    }
  }

  void drain(const std::function<void(std::size_t)>& fn, std::size_t tasks) {
    for (;;) {
      const std::size_t t = next_task_.fetch_add(1, std::memory_order_relaxed);
      if (t >= tasks) return;
      fn(t);
    }
  }

  void worker_loop(std::uint64_t seen) {
    for (;;) {
      spin_until([&] {
        return generation_.load(std::memory_order_acquire) != seen || stopping_.load(std::memory_order_relaxed);
      });
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stopping_.load() || generation_.load() != seen; });
      if (stopping_.load()) return;
      seen = generation_.load();
      const auto* fn = job_;
      const std::size_t tasks = job_tasks_;
      lock.unlock();
      drain(*fn, tasks);
      lock.lock();
      if (busy_workers_.fetch_sub(1, std::memory_order_acq_rel) == 1) done_.notify_one();
    }
  }

  void stop_workers() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_.store(true);
    }
    wake_.notify_all();
    for (auto& worker : workers_) worker.join();
    workers_.clear();
  }

  std::mutex submit_mutex_;  // one parallel_for (or resize) at a time
  std::mutex mutex_;         // guards the job fields below
  std::condition_variable wake_;
  std::condition_variable done_;
  std::vector<std::thread> workers_;
  const std::function<void(std::size_t)>* job_ = nullptr;
  std::size_t job_tasks_ = 0;
  std::atomic<std::size_t> next_task_{0};
  std::atomic<int> busy_workers_{0};
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<bool> stopping_{false};
  int threads_ = 0;
};

ThreadPool& pool() {
  // Leaked on purpose: joining threads from a static destructor at process exit can deadlock
  // when exit() is called from a worker, and the OS reclaims everything anyway.
  static ThreadPool* instance = new ThreadPool();
  return *instance;
}

}  // namespace

int thread_count() { return pool().size(); }

void set_thread_count(int n) { pool().resize(n); }

void parallel_for_pool(std::size_t tasks, const std::function<void(std::size_t)>& fn) { pool().run(tasks, fn); }

void parallel_copy(void* dst, const void* src, std::size_t bytes) {
  constexpr std::size_t kBlock = std::size_t{4} << 20;
  if (bytes <= kBlock) {
    std::memcpy(dst, src, bytes);
    return;
  }
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  parallel_for((bytes + kBlock - 1) / kBlock, [&](std::size_t block) {
    const std::size_t begin = block * kBlock, count = std::min(kBlock, bytes - begin);
    std::memcpy(d + begin, s + begin, count);
  });
}

}  // namespace nnkit
