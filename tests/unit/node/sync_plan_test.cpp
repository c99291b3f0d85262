#include "silk/node/sync_plan.h"

#include <doctest/doctest.h>

namespace silk::node {
namespace {

using namespace std::chrono_literals;
using Clock = SyncPlan::Clock;

core::PublicKey peer(uint8_t b) {
  core::PublicKey k{};
  k.fill(b);
  return k;
}

TEST_SUITE("sync_plan") {
  TEST_CASE("the lowest claim above the tip is asked first: a liar's 2^63 is the last choice") {
    SyncPlan plan;
    const Clock::time_point t0{};
    plan.on_status(peer(1), uint64_t{1} << 63);
    plan.on_status(peer(2), 120);
    plan.on_status(peer(3), 90);  // behind this node: never asked
    auto req = plan.next(100, t0);
    REQUIRE(req);
    CHECK(req->peer == peer(2));
    CHECK(req->from == 101);
    CHECK_FALSE(plan.next(100, t0 + 1s));  // one request in flight
  }

  TEST_CASE("a peer that does not answer gets a strike; the next request goes elsewhere") {
    SyncPlan plan;
    const Clock::time_point t0{};
    plan.on_status(peer(1), 110);  // the liar claims the lowest height
    plan.on_status(peer(2), 120);
    auto req = plan.next(100, t0);
    REQUIRE(req);
    CHECK(req->peer == peer(1));
    // No answer within the timeout: the liar is set aside and the honest peer asked.
    req = plan.next(100, t0 + 2s);
    REQUIRE(req);
    CHECK(req->peer == peer(2));
    CHECK(plan.counters().timeouts == 1);
    CHECK(plan.penalised(peer(1), t0 + 3s));
    // The honest peer answers; the next batch is asked past it before the tip moves.
    plan.on_blocks(peer(2), 10, 110, 100, t0 + 2100ms);
    req = plan.next(100, t0 + 2100ms);
    REQUIRE(req);
    CHECK(req->peer == peer(2));
    CHECK(req->from == 111);
  }

  TEST_CASE("an empty answer from a peer that claimed more is a strike; penalties double") {
    SyncPlan plan;
    const Clock::time_point t0{};
    plan.on_status(peer(1), 500);
    auto req = plan.next(100, t0);
    REQUIRE(req);
    plan.on_blocks(peer(1), 0, 0, 100, t0 + 10ms);
    CHECK(plan.counters().empty_answers == 1);
    CHECK_FALSE(plan.next(100, t0 + 4s));  // set aside for 5 s
    req = plan.next(100, t0 + 6s);
    REQUIRE(req);
    plan.on_blocks(peer(1), 0, 0, 100, t0 + 6s);
    CHECK_FALSE(plan.next(100, t0 + 6s + 9s));  // 10 s now
    CHECK(plan.next(100, t0 + 6s + 11s));
  }

  TEST_CASE("blocks that do not move the tip (bad certificates, dropped) are a strike") {
    SyncPlan plan;
    const Clock::time_point t0{};
    plan.on_status(peer(1), 200);
    plan.on_status(peer(2), 300);
    REQUIRE(plan.next(100, t0)->peer == peer(1));
    plan.on_blocks(peer(1), 64, 164, 100, t0 + 10ms);
    // Pipelined: the next batch past 164, from the peer that claims more than 164.
    auto req = plan.next(100, t0 + 10ms);
    REQUIRE(req);
    CHECK(req->from == 165);
    plan.on_blocks(req->peer, 0, 0, 100, t0 + 20ms);
    // The tip never moved: peer 1's blocks did not verify.
    req = plan.next(100, t0 + 3s);
    CHECK(plan.counters().no_progress == 1);
    CHECK(plan.penalised(peer(1), t0 + 3s));
    REQUIRE(req);
    CHECK(req->from == 101);  // asked again from the tip, of another peer
    CHECK(req->peer == peer(2));
  }

  TEST_CASE("delivery that moves the tip clears the strikes; a forgotten peer is not asked") {
    SyncPlan plan;
    const Clock::time_point t0{};
    plan.on_status(peer(1), 200);
    REQUIRE(plan.next(100, t0));
    REQUIRE(plan.next(100, t0 + 2s) == std::nullopt);  // timed out, and set aside
    CHECK(plan.penalised(peer(1), t0 + 2s));
    auto req = plan.next(100, t0 + 8s);
    REQUIRE(req);
    plan.on_blocks(peer(1), 64, 164, 100, t0 + 8s);
    (void)plan.next(164, t0 + 8100ms);
    plan.forget(peer(1));
    CHECK_FALSE(plan.claimed(peer(1)));
    CHECK_FALSE(plan.next(164, t0 + 20s));
  }
}

}  // namespace
}  // namespace silk::node
