#include "silk/node/commit_waiters.h"

#include <doctest/doctest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <future>
#include <thread>

namespace silk::node {
namespace {

using namespace std::chrono_literals;
using core::Hash;
using core::Status;

Hash id(uint8_t n) {
  Hash h{};
  h[0] = n;
  h[31] = 0xaa;
  return h;
}

core::Receipt receipt_for(const Hash& tx_id, uint32_t code = 0) {
  core::Receipt r;
  r.tx_id = tx_id;
  r.code = code;
  return r;
}

// An io_context running on its own thread, as the RPC server's are.
struct Loop {
  boost::asio::io_context ioc;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work =
      boost::asio::make_work_guard(ioc);
  std::thread thread{[this] { ioc.run(); }};
  ~Loop() {
    work.reset();
    ioc.stop();
    thread.join();
  }
  boost::asio::any_io_executor strand() { return boost::asio::make_strand(ioc); }
};

using Outcomes = std::vector<CommitWaiters::Outcome>;

// Calls wait() on the executor (as an RPC session does) and returns a future
// of the outcomes.
std::future<Outcomes> wait_on(CommitWaiters& waiters, boost::asio::any_io_executor ex,
                              std::vector<Hash> ids, std::chrono::milliseconds timeout) {
  auto promise = std::make_shared<std::promise<Outcomes>>();
  auto future = promise->get_future();
  boost::asio::post(ex, [&waiters, ex, ids = std::move(ids), timeout, promise] {
    waiters.wait(ex, ids, timeout, [promise](Outcomes o) { promise->set_value(std::move(o)); });
  });
  return future;
}

TEST_SUITE("commit_waiters") {
  TEST_CASE("a commit completes the wait with height, index and receipt") {
    Loop loop;
    CommitWaiters waiters(nullptr);
    auto f = wait_on(waiters, loop.strand(), {id(1), id(2)}, 10s);
    // Let the wait register (it is posted to the loop).
    for (int i = 0; i < 200 && waiters.size() < 2; ++i) std::this_thread::sleep_for(1ms);
    REQUIRE(waiters.size() == 2);
    waiters.notify_committed(7, {id(9), id(1)}, {receipt_for(id(9)), receipt_for(id(1), 4)});
    CHECK(f.wait_for(50ms) == std::future_status::timeout);  // id(2) still pending
    CHECK(waiters.size() == 1);
    waiters.notify_committed(8, {id(2)}, {receipt_for(id(2))});
    REQUIRE(f.wait_for(5s) == std::future_status::ready);
    Outcomes o = f.get();
    REQUIRE(o.size() == 2);
    REQUIRE(o[0].is_ok());
    CHECK(o[0]->height == 7);
    CHECK(o[0]->index == 1);
    CHECK(o[0]->receipt.code == 4);
    REQUIRE(o[1].is_ok());
    CHECK(o[1]->height == 8);
    CHECK(o[1]->index == 0);
    CHECK(waiters.size() == 0);
  }

  TEST_CASE("a timeout answers 'still pending' and unregisters") {
    Loop loop;
    CommitWaiters waiters(nullptr);
    const auto start = std::chrono::steady_clock::now();
    auto f = wait_on(waiters, loop.strand(), {id(1)}, 50ms);
    REQUIRE(f.wait_for(5s) == std::future_status::ready);
    CHECK(std::chrono::steady_clock::now() - start >= 50ms);
    Outcomes o = f.get();
    REQUIRE(o.size() == 1);
    REQUIRE_FALSE(o[0].is_ok());
    CHECK(o[0].status().code() == Status::Code::kUnavailable);
    CHECK(o[0].status().message() == "not committed within 50 ms; tx is still pending");
    CHECK(waiters.size() == 0);
    CHECK_FALSE(waiters.shut_down());
    // A commit after the timeout finds nobody and is harmless.
    waiters.notify_committed(3, {id(1)}, {receipt_for(id(1))});
  }

  TEST_CASE("a partial batch times out with the committed ones filled in") {
    Loop loop;
    CommitWaiters waiters(nullptr);
    auto f = wait_on(waiters, loop.strand(), {id(1), id(2)}, 100ms);
    for (int i = 0; i < 200 && waiters.size() < 2; ++i) std::this_thread::sleep_for(1ms);
    waiters.notify_committed(5, {id(2)}, {receipt_for(id(2))});
    REQUIRE(f.wait_for(5s) == std::future_status::ready);
    Outcomes o = f.get();
    CHECK_FALSE(o[0].is_ok());
    REQUIRE(o[1].is_ok());
    CHECK(o[1]->height == 5);
  }

  TEST_CASE("a tx committed before the wait registered is found by the lookup") {
    Loop loop;
    CommitWaiters waiters([](const Hash& h) -> std::optional<CommitInfo> {
      if (h != id(1)) return std::nullopt;
      return CommitInfo{4, 2, receipt_for(h)};
    });
    auto f = wait_on(waiters, loop.strand(), {id(1)}, 10s);
    REQUIRE(f.wait_for(5s) == std::future_status::ready);
    Outcomes o = f.get();
    REQUIRE(o[0].is_ok());
    CHECK(o[0]->height == 4);
    CHECK(o[0]->index == 2);
    CHECK(waiters.size() == 0);
  }

  TEST_CASE("shutdown answers every wait, and later waits at once") {
    Loop loop;
    CommitWaiters waiters(nullptr);
    auto f = wait_on(waiters, loop.strand(), {id(1), id(2)}, 10s);
    for (int i = 0; i < 200 && waiters.size() < 2; ++i) std::this_thread::sleep_for(1ms);
    waiters.shutdown();
    REQUIRE(f.wait_for(5s) == std::future_status::ready);
    for (const auto& o : f.get()) {
      REQUIRE_FALSE(o.is_ok());
      CHECK(o.status().message() == "node is shutting down");
    }
    CHECK(waiters.shut_down());
    auto later = wait_on(waiters, loop.strand(), {id(3)}, 10s);
    REQUIRE(later.wait_for(5s) == std::future_status::ready);
    CHECK(later.get()[0].status().code() == Status::Code::kUnavailable);
    CHECK(waiters.size() == 0);
  }

  TEST_CASE("two waits on the same tx are both completed") {
    Loop loop;
    CommitWaiters waiters(nullptr);
    auto a = wait_on(waiters, loop.strand(), {id(1)}, 10s);
    auto b = wait_on(waiters, loop.strand(), {id(1)}, 10s);
    for (int i = 0; i < 200 && waiters.size() < 2; ++i) std::this_thread::sleep_for(1ms);
    waiters.notify_committed(2, {id(1)}, {receipt_for(id(1))});
    REQUIRE(a.wait_for(5s) == std::future_status::ready);
    REQUIRE(b.wait_for(5s) == std::future_status::ready);
    CHECK(a.get()[0].is_ok());
    CHECK(b.get()[0].is_ok());
  }
}

}  // namespace
}  // namespace silk::node
