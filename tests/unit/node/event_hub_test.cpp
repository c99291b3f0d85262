#include "silk/node/event_hub.h"

#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "unit/node/node_test_support.h"

namespace silk::node {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// A block at `height` with `txs` notary txs; tx i's receipt carries one
// "anchored" event, and every third tx failed.
struct TestBlock {
  core::Block block;
  std::vector<core::Receipt> receipts;
};

TestBlock make_block(uint64_t height, size_t txs, const std::string& contract = "notary") {
  static const core::SecretKey key = test::key_from_tag(2);
  TestBlock b;
  b.block.header.chain_id = test::kChainId;
  b.block.header.height = height;
  b.block.header.timestamp_ms = test::kNow + height;
  b.block.header.tx_count = static_cast<uint32_t>(txs);
  for (size_t i = 0; i < txs; ++i) {
    core::Tx tx = test::anchor_tx(key, height * 1000 + i);
    tx.contract = contract;
    b.block.txs.push_back(tx);
    core::Receipt r;
    r.tx_id = tx.tx_id();
    if (i % 3 == 2) {
      r.code = static_cast<uint32_t>(core::Status::Code::kConflict);
      r.message = "already anchored";
    } else {
      r.events.push_back({contract, "anchored", json{{"n", i}}.dump()});
    }
    b.receipts.push_back(r);
  }
  return b;
}

std::vector<json> parse_all(const EventHub::Batch& batch) {
  std::vector<json> out;
  for (const auto& m : batch.messages) out.push_back(json::parse(*m.text));
  return out;
}

EventFilter all() { return EventFilter{}; }

TEST_SUITE("event_hub") {
  TEST_CASE("a block's messages: block, then each tx followed by its events") {
    TestBlock b = make_block(7, 3);
    std::vector<EventMessage> msgs = block_messages(b.block, b.receipts);
    REQUIRE(msgs.size() == 1 + 3 + 2);
    std::vector<json> j;
    for (const auto& m : msgs) j.push_back(json::parse(*m.text));
    CHECK(j[0]["type"] == "block");
    CHECK(j[0]["height"] == 7);
    CHECK(j[0]["tx_count"] == 3);
    CHECK(j[0]["hash"] == core::to_hex(b.block.hash()));
    CHECK(j[0]["timestamp_ms"] == test::kNow + 7);
    CHECK(j[1]["type"] == "tx");
    CHECK(j[1]["index"] == 0);
    CHECK(j[1]["tx_id"] == core::to_hex(b.block.txs[0].tx_id()));
    CHECK(j[1]["contract"] == "notary");
    CHECK(j[1]["method"] == "anchor");
    CHECK(j[1]["ok"] == true);
    CHECK_FALSE(j[1].contains("error"));
    CHECK(j[2]["type"] == "event");
    CHECK(j[2]["name"] == "anchored");
    CHECK(j[2]["data"] == json{{"n", 0}});
    CHECK(j[2]["tx_id"] == j[1]["tx_id"]);
    CHECK(j[5]["type"] == "tx");
    CHECK(j[5]["index"] == 2);
    CHECK(j[5]["ok"] == false);
    CHECK(j[5]["error"] == "conflict: already anchored");
  }

  TEST_CASE("live subscribers get published blocks in order, from the next one on") {
    EventHub hub(4);
    TestBlock b5 = make_block(5, 1);
    int wakes = 0;
    auto sub = hub.subscribe(std::nullopt, all(), [&] { ++wakes; });
    hub.publish(b5.block, b5.receipts);
    TestBlock b6 = make_block(6, 2);
    hub.publish(b6.block, b6.receipts);
    CHECK(wakes == 1);  // coalesced until the next pop
    std::vector<json> got = parse_all(hub.pop(*sub));
    REQUIRE(got.size() == 3 + 5);
    CHECK(got[0]["height"] == 5);
    CHECK(got[3]["type"] == "block");
    CHECK(got[3]["height"] == 6);
    CHECK(hub.published_height() == 6);
    TestBlock b7 = make_block(7, 0);
    hub.publish(b7.block, b7.receipts);
    CHECK(wakes == 2);
    got = parse_all(hub.pop(*sub));
    REQUIRE(got.size() == 1);
    CHECK(got[0]["height"] == 7);
    hub.unsubscribe(*sub);
    CHECK(hub.subscriber_count() == 0);
  }

  TEST_CASE("filters: types and contract") {
    EventHub hub(0);
    auto f = EventFilter::parse(nullptr, nullptr);
    REQUIRE(f.is_ok());
    const std::string types = "event,block";
    const std::string contract = "documents";
    auto ev = EventFilter::parse(&types, &contract);
    REQUIRE(ev.is_ok());
    auto events_only = hub.subscribe(std::nullopt, *ev, [] {});
    const std::string tx_types = "tx";
    auto txs = EventFilter::parse(&tx_types, nullptr);
    REQUIRE(txs.is_ok());
    auto txs_only = hub.subscribe(std::nullopt, *txs, [] {});

    TestBlock b1 = make_block(1, 2, "notary");
    TestBlock b2 = make_block(2, 2, "documents");
    hub.publish(b1.block, b1.receipts);
    hub.publish(b2.block, b2.receipts);

    std::vector<json> got = parse_all(hub.pop(*events_only));
    // Blocks always pass the contract filter; only documents' events pass.
    REQUIRE(got.size() == 4);
    CHECK(got[0]["type"] == "block");
    CHECK(got[0]["height"] == 1);
    CHECK(got[1]["type"] == "block");
    CHECK(got[2]["type"] == "event");
    CHECK(got[2]["contract"] == "documents");
    CHECK(got[3]["type"] == "event");
    got = parse_all(hub.pop(*txs_only));
    REQUIRE(got.size() == 4);
    for (const json& j : got) CHECK(j["type"] == "tx");

    const std::string bad = "block,blocks";
    auto refused = EventFilter::parse(&bad, nullptr);
    REQUIRE_FALSE(refused.is_ok());
    CHECK(refused.status().message().find("'blocks'") != std::string::npos);
    const std::string empty;
    CHECK_FALSE(EventFilter::parse(nullptr, &empty).is_ok());
  }

  TEST_CASE("overflow drops the queue and names the first height not delivered") {
    const size_t one_block = [] {
      TestBlock b = make_block(1, 2);
      size_t n = 0;
      for (const auto& m : block_messages(b.block, b.receipts)) n += m.text->size();
      return n;
    }();
    EventHub hub(0, one_block * 2 + one_block / 2);  // room for two such blocks
    int wakes = 0;
    auto slow = hub.subscribe(std::nullopt, all(), [&] { ++wakes; });
    auto fast = hub.subscribe(std::nullopt, all(), [] {});
    for (uint64_t h = 1; h <= 2; ++h) {
      TestBlock b = make_block(h, 2);
      hub.publish(b.block, b.receipts);
    }
    CHECK(hub.pop(*fast).messages.size() == 10);
    // The slow one took block 1 and is writing it; 2, 3 wait; 4 does not fit.
    EventHub::Batch first = hub.pop(*slow);
    CHECK(first.messages.size() == 10);
    CHECK_FALSE(first.overflowed_at);
    size_t fast_got = 0;
    for (uint64_t h = 3; h <= 5; ++h) {
      TestBlock b = make_block(h, 2);
      hub.publish(b.block, b.receipts);
      fast_got += hub.pop(*fast).messages.size();
    }
    EventHub::Batch b = hub.pop(*slow);
    CHECK(b.messages.size() == 0);
    REQUIRE(b.overflowed_at);
    CHECK(*b.overflowed_at == 3);
    CHECK(fast_got == 15);  // the fast one is not affected
    CHECK_FALSE(hub.pop(*fast).overflowed_at);

    // A block larger than the limit still reaches an empty queue.
    EventHub tiny(0, 10);
    auto s = tiny.subscribe(std::nullopt, all(), [] {});
    TestBlock big = make_block(1, 5);
    tiny.publish(big.block, big.receipts);
    EventHub::Batch got = tiny.pop(*s);
    CHECK(got.messages.size() == 1 + 5 + 4);
    CHECK_FALSE(got.overflowed_at);

    std::string err = error_message_json("too slow; resume from height 3", 3);
    json j = json::parse(err);
    CHECK(j["type"] == "error");
    CHECK(j["resume_height"] == 3);
  }

  TEST_CASE("replay then live: no gap and no duplicate while blocks keep being published") {
    constexpr uint64_t kBlocks = 400;
    // The "store": blocks are stored before they are published, as the driver does.
    std::mutex store_mu;
    std::vector<TestBlock> stored;
    stored.push_back(make_block(0, 0));
    for (uint64_t h = 1; h <= kBlocks; ++h) stored.push_back(make_block(h, h % 3));

    EventHub hub(0);
    std::atomic<uint64_t> stored_height{0};
    std::atomic<bool> go{false};
    std::atomic<bool> replayed_unstored{false};  // asserted on the main thread

    auto subscriber = [&](uint64_t from, std::vector<uint64_t>& heights) {
      std::mutex mu;
      std::condition_variable cv;
      bool woken = false;
      auto sub = hub.subscribe(from, all(), [&] {
        std::lock_guard lock(mu);
        woken = true;
        cv.notify_one();
      });
      while (!go.load()) std::this_thread::yield();
      uint64_t next = from;
      // Replay from the "store" until the hub lets us go live.
      while (true) {
        std::optional<uint64_t> to = hub.go_live(*sub, next);
        if (!to) break;
        if (*to > stored_height.load()) replayed_unstored.store(true);
        for (; next <= *to; ++next) {
          std::lock_guard lock(store_mu);
          for (const EventMessage& m : block_messages(stored[next].block, stored[next].receipts)) {
            if (m.type == EventMessage::Type::kBlock) heights.push_back(m.height);
          }
        }
      }
      // Live.
      while (heights.empty() || heights.back() < kBlocks) {
        {
          std::unique_lock lock(mu);
          cv.wait_for(lock, 50ms, [&] { return woken; });
          woken = false;
        }
        for (const auto& m : hub.pop(*sub).messages) {
          json j = json::parse(*m.text);
          if (j["type"] == "block") heights.push_back(j["height"].get<uint64_t>());
        }
      }
      hub.unsubscribe(*sub);
    };

    std::vector<std::vector<uint64_t>> results(4);
    const uint64_t starts[] = {0, 1, 150, 390};
    std::vector<std::thread> threads;
    for (size_t i = 0; i < results.size(); ++i) {
      threads.emplace_back([&, i] { subscriber(starts[i], results[i]); });
    }
    std::thread publisher([&] {
      go.store(true);
      for (uint64_t h = 1; h <= kBlocks; ++h) {
        stored_height.store(h);
        hub.publish(stored[h].block, stored[h].receipts);
        if (h % 50 == 0) std::this_thread::sleep_for(1ms);
      }
    });
    publisher.join();
    for (auto& t : threads) t.join();
    CHECK_FALSE(replayed_unstored.load());
    for (size_t i = 0; i < results.size(); ++i) {
      const std::vector<uint64_t>& got = results[i];
      REQUIRE(got.size() == kBlocks - starts[i] + 1);
      for (size_t k = 0; k < got.size(); ++k) {
        REQUIRE_MESSAGE(got[k] == starts[i] + k, "subscriber from " << starts[i]);
      }
    }
  }

  TEST_CASE("a subscriber asking for a future height waits for it; shutdown closes everyone") {
    EventHub hub(3);
    auto future = hub.subscribe(6, all(), [] {});
    CHECK_FALSE(hub.go_live(*future, 6));  // nothing to replay: live at once
    for (uint64_t h = 4; h <= 7; ++h) {
      TestBlock b = make_block(h, 0);
      hub.publish(b.block, b.receipts);
    }
    std::vector<json> got = parse_all(hub.pop(*future));
    REQUIRE(got.size() == 2);
    CHECK(got[0]["height"] == 6);
    CHECK(got[1]["height"] == 7);

    int wakes = 0;
    auto live = hub.subscribe(std::nullopt, all(), [&] { ++wakes; });
    std::thread session([&] {
      std::this_thread::sleep_for(20ms);
      hub.unsubscribe(*live);
    });
    hub.unsubscribe(*future);
    const auto t0 = std::chrono::steady_clock::now();
    hub.shutdown(5000ms);  // returns once the session unsubscribed
    session.join();
    CHECK(std::chrono::steady_clock::now() - t0 < 4000ms);
    CHECK(wakes == 1);
    CHECK(hub.pop(*live).closed);
    auto late = hub.subscribe(std::nullopt, all(), [] {});
    CHECK(hub.pop(*late).closed);
    CHECK(hub.subscriber_count() == 0);
  }
}

}  // namespace
}  // namespace silk::node
