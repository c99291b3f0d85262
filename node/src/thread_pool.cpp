#include "silk/node/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <memory>

namespace silk::node {

ThreadPool::ThreadPool(unsigned threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  workers_.reserve(threads);
  for (unsigned i = 0; i < threads; ++i) workers_.emplace_back([this] { run(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::post(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
}

void ThreadPool::run() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // stopping and drained
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

namespace {
// Shared by the caller and the helpers of one parallel_for. Items are claimed
// in chunks from `next`; `done` counts finished items.
struct ParallelJob {
  const std::function<void(size_t)>* fn = nullptr;
  size_t n = 0;
  size_t chunk = 1;
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  std::mutex mu;  // guards nothing but the wake-up of the caller
  std::condition_variable cv;

  // Claims and runs chunks until none are left.
  void work() {
    for (;;) {
      const size_t begin = next.fetch_add(chunk);
      if (begin >= n) return;
      const size_t end = std::min(n, begin + chunk);
      for (size_t i = begin; i < end; ++i) (*fn)(i);
      if (done.fetch_add(end - begin) + (end - begin) == n) {
        std::lock_guard lock(mu);
        cv.notify_all();
      }
    }
  }
};
}  // namespace

void ThreadPool::parallel_for(size_t n, const std::function<void(size_t)>& fn) {
  if (n == 0) return;
  const size_t helpers = std::min<size_t>(workers_.size(), n - 1);
  if (helpers == 0) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  auto job = std::make_shared<ParallelJob>();
  job->fn = &fn;
  job->n = n;
  // Enough chunks to balance uneven items, few enough to keep the atomics cold.
  job->chunk = std::max<size_t>(1, n / ((helpers + 1) * 8));
  // A helper that starts after all items are claimed returns at once; it holds
  // the job (not fn, which dies with this frame) and never touches fn then.
  for (size_t h = 0; h < helpers; ++h) post([job] { job->work(); });
  job->work();
  std::unique_lock lock(job->mu);
  job->cv.wait(lock, [&] { return job->done.load() == n; });
}

}  // namespace silk::node
