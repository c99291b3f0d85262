// The replay's worker threads (verify_chain): tasks run oldest first, waited
// for in batches by the one thread that owns the pool. Private to chain/src.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "silk/core/status.h"

namespace silk::chain {

// Tasks that one thread (the owner) waits for as a group. Guarded by
// WorkerPool::mu_.
struct Batch {
  size_t pending = 0;
  std::string failure;  // the first task's exception, if any
};

// Runs tasks on `threads` worker threads, the oldest submitted first. Owned
// and driven by one thread (the replay): submit and wait are not to be called
// concurrently. The destructor drops unstarted tasks and joins; a task must
// keep alive (shared_ptr) whatever it touches apart from the store.
class WorkerPool {
 public:
  explicit WorkerPool(unsigned threads) {
    try {
      for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
    } catch (const std::system_error&) {
      // Fewer workers than asked: wait() runs the tasks itself, so this only slows it down.
    }
  }
  ~WorkerPool() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      queue_.clear();
    }
    work_ready_.notify_all();
    for (std::thread& t : threads_) t.join();
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  unsigned threads() const { return static_cast<unsigned>(threads_.size()); }

  // Queues `task` as one of `batch`'s; `batch` must live until the task has
  // run (the task owning it is enough). `what` prefixes an exception's message.
  void submit(Batch& batch, std::string what, std::function<void()> task) {
    {
      std::lock_guard lock(mu_);
      queue_.push_back({&batch, std::move(what), std::move(task)});
      ++batch.pending;
    }
    work_ready_.notify_one();
  }

  // Whether every task of `batch` is done.
  bool done(const Batch& batch) {
    std::lock_guard lock(mu_);
    return batch.pending == 0;
  }

  // Returns once every task of `batch` is done, running queued tasks (the
  // oldest first: this batch's, or earlier ones') meanwhile. kInternal when a
  // task of the batch threw.
  core::Status wait(Batch& batch) {
    std::unique_lock lock(mu_);
    while (batch.pending > 0) {
      if (!queue_.empty()) {
        run_front(lock);
      } else {
        task_done_.wait(lock);
      }
    }
    if (!batch.failure.empty()) return core::Status::internal(batch.failure);
    return core::Status();
  }

 private:
  struct Task {
    Batch* batch = nullptr;
    std::string what;
    std::function<void()> run;
  };

  void work() {
    std::unique_lock lock(mu_);
    for (;;) {
      work_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      run_front(lock);
    }
  }

  // Pops the oldest task and runs it with mu_ released.
  void run_front(std::unique_lock<std::mutex>& lock) {
    Task task = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    std::string failure;
    try {
      task.run();
    } catch (const std::exception& e) {
      failure = task.what + ": " + e.what();
    }
    lock.lock();
    if (!failure.empty() && task.batch->failure.empty()) task.batch->failure = failure;
    if (--task.batch->pending == 0) task_done_.notify_all();
  }

  std::vector<std::thread> threads_;
  std::mutex mu_;
  // Guarded by mu_ (with each queued task's Batch):
  std::deque<Task> queue_;
  bool stopping_ = false;
  std::condition_variable work_ready_;  // queue_ not empty, or stopping_
  std::condition_variable task_done_;   // some batch's pending reached 0
};

}  // namespace silk::chain
