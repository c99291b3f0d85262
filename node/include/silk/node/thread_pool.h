// A fixed pool of worker threads for CPU-bound work (signature verification).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace silk::node {

class ThreadPool {
 public:
  // Starts `threads` workers; 0 means std::thread::hardware_concurrency()
  // (at least 1).
  explicit ThreadPool(unsigned threads);
  // Finishes the queued tasks, then joins the workers.
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  unsigned size() const { return static_cast<unsigned>(workers_.size()); }

  // Runs fn(i) for every i in [0, n), spread over the workers and the calling
  // thread, and returns when all calls have returned. fn must be safe to call
  // concurrently for distinct i and must not throw. Safe to call from any
  // thread, including a worker (the caller does the work nobody else takes,
  // so it never waits on a busy pool). Small n runs inline.
  void parallel_for(size_t n, const std::function<void(size_t)>& fn);

  // Queues a task. Thread-safe. Tasks must not throw.
  void post(std::function<void()> task);

 private:
  void run();

  std::mutex mu_;  // guards tasks_ and stopping_
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace silk::node
