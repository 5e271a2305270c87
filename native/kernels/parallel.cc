#include "parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
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
    stopping_ = false;
    // Workers start from the current generation, handed over here rather than read later: a
    // worker scheduled late must not mistake the first job for one it has already run.
    const std::uint64_t start = generation_;
    for (int i = 0; i < n - 1; ++i) workers_.emplace_back([this, start] { worker_loop(start); });
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
      busy_workers_ = static_cast<int>(workers_.size());
      ++generation_;
    }
    wake_.notify_all();
    drain(fn, tasks);
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return busy_workers_ == 0; });
    job_ = nullptr;
  }

 private:
  static int default_threads() {
    const unsigned hw = std::thread::hardware_concurrency();
    return hw == 0 ? 1 : static_cast<int>(hw);
  }

  void drain(const std::function<void(std::size_t)>& fn, std::size_t tasks) {
    for (;;) {
      const std::size_t t = next_task_.fetch_add(1, std::memory_order_relaxed);
      if (t >= tasks) return;
      fn(t);
    }
  }

  void worker_loop(std::uint64_t seen) {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
      const auto* fn = job_;
      const std::size_t tasks = job_tasks_;
      lock.unlock();
      drain(*fn, tasks);
      lock.lock();
      if (--busy_workers_ == 0) done_.notify_one();
    }
  }

  void stop_workers() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
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
  int busy_workers_ = 0;
  std::uint64_t generation_ = 0;
  bool stopping_ = false;
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

void parallel_for(std::size_t tasks, const std::function<void(std::size_t)>& fn) {
  pool().run(tasks, fn);
}

}  // namespace nnkit
