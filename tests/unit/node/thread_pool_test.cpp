#include "silk/node/thread_pool.h"

#include <doctest/doctest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

namespace silk::node {
namespace {

TEST_SUITE("thread_pool") {
  TEST_CASE("parallel_for runs every index exactly once") {
    ThreadPool pool(3);
    CHECK(pool.size() == 3);
    for (size_t n : {0u, 1u, 2u, 7u, 1000u}) {
      std::vector<std::atomic<int>> hits(n);
      pool.parallel_for(n, [&](size_t i) { hits[i].fetch_add(1); });
      for (size_t i = 0; i < n; ++i) CHECK(hits[i].load() == 1);
    }
  }

  TEST_CASE("work is spread over threads") {
    ThreadPool pool(2);
    std::mutex mu;
    std::set<std::thread::id> ids;
    pool.parallel_for(64, [&](size_t) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      std::lock_guard lock(mu);
      ids.insert(std::this_thread::get_id());
    });
    CHECK(ids.size() >= 2);
  }

  TEST_CASE("nested parallel_for from a worker does not deadlock") {
    ThreadPool pool(1);
    std::atomic<int> total{0};
    pool.parallel_for(4,
                      [&](size_t) { pool.parallel_for(10, [&](size_t) { total.fetch_add(1); }); });
    CHECK(total.load() == 40);
  }

  TEST_CASE("zero threads means the hardware's") {
    ThreadPool pool(0);
    CHECK(pool.size() >= 1);
  }
}

}  // namespace
}  // namespace silk::node
