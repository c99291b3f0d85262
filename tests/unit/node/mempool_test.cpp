#include "silk/node/mempool.h"

#include <doctest/doctest.h>

#include <atomic>
#include <string>

#include "silk/chain/engine.h"
#include "silk/core/block.h"
#include "silk/core/merkle.h"
#include "silk/storage/store.h"
#include "unit/node/node_test_support.h"

namespace silk::node {
namespace {

using core::Status;
using test::anchor_tx;
using test::kNow;
using test::kWindow;

struct PoolFixture {
  test::TestChain chain;
  std::unique_ptr<storage::Store> store = storage::make_memory_store();
  contracts::Executor executor{chain.genesis, *chain::consensus_rules(chain.genesis)};
  core::ManualClock clock{kNow};
  ThreadPool verifiers;
  ConfigInForce config{*executor.config_schedule(StoreStateView(*store))};
  Mempool pool;

  explicit PoolFixture(size_t capacity = 1000, unsigned threads = 2)
      : verifiers(threads),
        pool(chain.genesis, config, executor, *store, clock, verifiers, capacity) {
    REQUIRE(
        store->init_genesis(core::make_genesis_block(chain.genesis), chain.genesis.canonical_json)
            .is_ok());
  }

  core::Result<core::Hash> add(const core::Tx& tx) { return pool.add(tx.encode()); }

  // Commits `txs` as the next block, as the chain driver would.
  void commit(const std::vector<core::Tx>& txs) {
    auto tip = store->tip();
    REQUIRE(tip);
    core::Block b;
    b.header.chain_id = chain.genesis.chain_id;
    b.header.height = tip->height + 1;
    b.header.prev_hash = tip->block_hash;
    b.header.timestamp_ms = kNow;
    b.header.tx_count = static_cast<uint32_t>(txs.size());
    b.txs = txs;
    b.header.tx_root = core::Block::compute_tx_root(txs);
    std::vector<core::Receipt> receipts;
    for (const core::Tx& tx : txs) {
      core::Receipt r;
      r.tx_id = tx.tx_id();
      receipts.push_back(r);
    }
    REQUIRE(store->commit_block(b, receipts, {}).is_ok());
  }
};

void check_rejected(const core::Result<core::Hash>& r, Status::Code code,
                    const std::string& message) {
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == code);
  CHECK(r.status().message() == message);
}

TEST_SUITE("mempool") {
  TEST_CASE("admits a valid tx, keeps it verified and findable") {
    PoolFixture f;
    int signalled = 0;
    f.pool.set_on_admitted([&] { ++signalled; });
    const core::Tx tx = anchor_tx(f.chain.client_key, 1);
    auto r = f.add(tx);
    REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
    CHECK(*r == tx.tx_id());
    CHECK(f.pool.size() == 1);
    CHECK(f.pool.contains(tx.tx_id()));
    auto entry = f.pool.get(tx.tx_id());
    REQUIRE(entry);
    CHECK(entry->tx.encode() == tx.encode());
    CHECK(entry->encoded_bytes == tx.encode().size());
    CHECK(entry->leaf_hash == core::merkle_leaf_hash(tx.encode()));
    CHECK(signalled == 1);
  }

  TEST_CASE("wrong chain id") {
    PoolFixture f;
    const core::Tx tx = anchor_tx(f.chain.client_key, 1, kNow, "other-chain");
    check_rejected(f.add(tx), Status::Code::kInvalid,
                   "wrong chain id 'other-chain': this node serves 'silk-test'");
    CHECK(f.pool.size() == 0);
  }

  TEST_CASE("timestamp window: stale, future, and the edges") {
    PoolFixture f;
    check_rejected(f.add(anchor_tx(f.chain.client_key, 1, kNow - kWindow - 5)),
                   Status::Code::kInvalid,
                   "tx timestamp " + std::to_string(kNow - kWindow - 5) +
                       " is 600005 ms behind node time; window is ±600000 ms");
    check_rejected(f.add(anchor_tx(f.chain.client_key, 2, kNow + 712000)), Status::Code::kInvalid,
                   "tx timestamp " + std::to_string(kNow + 712000) +
                       " is 712000 ms ahead of node time; window is ±600000 ms");
    CHECK(f.add(anchor_tx(f.chain.client_key, 3, kNow - kWindow)).is_ok());
    CHECK(f.add(anchor_tx(f.chain.client_key, 4, kNow + kWindow)).is_ok());
    // The window follows the clock.
    f.clock.advance(kWindow + 1000);
    CHECK(f.add(anchor_tx(f.chain.client_key, 5, kNow + kWindow + 900)).is_ok());
    CHECK_FALSE(f.add(anchor_tx(f.chain.client_key, 6, kNow)).is_ok());
  }

  TEST_CASE("duplicate in the pool") {
    PoolFixture f;
    const core::Tx tx = anchor_tx(f.chain.client_key, 1);
    REQUIRE(f.add(tx).is_ok());
    check_rejected(f.add(tx), Status::Code::kConflict,
                   "tx " + core::to_hex(tx.tx_id()) + " already in the pool");
    CHECK(f.pool.size() == 1);
  }

  TEST_CASE("duplicate on chain") {
    PoolFixture f;
    const core::Tx tx = anchor_tx(f.chain.client_key, 1);
    REQUIRE(f.add(tx).is_ok());
    f.commit({tx});
    // Committed but not yet removed: still a duplicate (of the pool).
    CHECK(f.add(tx).status().code() == Status::Code::kConflict);
    f.pool.remove({tx.tx_id()});
    CHECK(f.pool.size() == 0);
    check_rejected(f.add(tx), Status::Code::kConflict,
                   "tx " + core::to_hex(tx.tx_id()) + " already committed at height 1");
  }

  TEST_CASE("bad signature, and content changed after signing") {
    PoolFixture f;
    core::Tx tx = anchor_tx(f.chain.client_key, 1);
    tx.signature[10] ^= 0x01;
    check_rejected(f.add(tx), Status::Code::kInvalid,
                   "signature does not match sender " + core::to_hex(tx.sender));
    core::Tx changed = anchor_tx(f.chain.client_key, 2);
    changed.nonce = 3;  // tx_id changes; the signature was over the old one
    check_rejected(f.add(changed), Status::Code::kInvalid,
                   "signature does not match sender " + core::to_hex(changed.sender));
    // Signed by another key than the sender it names.
    core::Tx forged = anchor_tx(f.chain.client_key, 4);
    forged.sign(f.chain.stranger_key);
    CHECK(f.add(forged).status().code() == Status::Code::kInvalid);
    CHECK(f.pool.size() == 0);
  }

  TEST_CASE("unknown sender") {
    PoolFixture f;
    const core::Tx tx = anchor_tx(f.chain.stranger_key, 1);
    check_rejected(
        f.add(tx), Status::Code::kUnauthorized,
        "unknown sender " + core::to_hex(tx.sender) + ": not a member of chain silk-test");
  }

  TEST_CASE("pool full") {
    PoolFixture f(/*capacity=*/2);
    REQUIRE(f.add(anchor_tx(f.chain.client_key, 1)).is_ok());
    REQUIRE(f.add(anchor_tx(f.chain.client_key, 2)).is_ok());
    check_rejected(f.add(anchor_tx(f.chain.client_key, 3)), Status::Code::kExhausted,
                   "pool full: 2 of 2 txs");
    // A batch that would overflow: the first that fits is admitted, the rest are refused.
    f.pool.remove({anchor_tx(f.chain.client_key, 1).tx_id()});
    const core::Bytes a = anchor_tx(f.chain.client_key, 4).encode();
    const core::Bytes b = anchor_tx(f.chain.client_key, 5).encode();
    auto results = f.pool.add_batch({a, b});
    REQUIRE(results.size() == 2);
    CHECK(results[0].is_ok());
    check_rejected(results[1], Status::Code::kExhausted, "pool full: 2 of 2 txs");
  }

  TEST_CASE("oversized and garbage bytes") {
    PoolFixture f;
    const core::Bytes big(core::Tx::kMaxEncodedBytes + 1, 0x01);
    check_rejected(f.pool.add(big), Status::Code::kInvalid,
                   "tx is " + std::to_string(big.size()) + " bytes; limit is " +
                       std::to_string(core::Tx::kMaxEncodedBytes));
    const core::Bytes garbage = {0x01, 0x02, 0x03};
    auto r = f.pool.add(garbage);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == Status::Code::kInvalid);
    CHECK(r.status().message().find("tx") != std::string::npos);
    // A valid tx with trailing bytes is refused by the strict decoder.
    core::Bytes trailing = anchor_tx(f.chain.client_key, 1).encode();
    trailing.push_back(0);
    CHECK(f.pool.add(trailing).status().code() == Status::Code::kInvalid);
    CHECK(f.pool.add(core::Bytes{}).status().code() == Status::Code::kInvalid);
    CHECK(f.pool.size() == 0);
  }

  TEST_CASE("args nested deeper than the JSON depth limit are refused") {
    PoolFixture f;
    core::Tx tx = anchor_tx(f.chain.client_key, 1);
    std::string meta;
    for (int i = 0; i < 100; ++i) meta += "{\"a\":";
    meta += "1";
    for (int i = 0; i < 100; ++i) meta += "}";
    tx.args = "{\"hash\":\"" + test::digest_hex(1) + "\",\"meta\":" + meta + "}";
    tx.sign(f.chain.client_key);
    check_rejected(f.add(tx), Status::Code::kInvalid, "tx args are nested deeper than 64 levels");
  }

  TEST_CASE("args that are not a JSON object are refused at the door, saying where") {
    PoolFixture f;
    core::Tx tx = anchor_tx(f.chain.client_key, 1);
    tx.args = "{\"hash\": ";
    tx.sign(f.chain.client_key);
    auto bad = f.add(tx);
    REQUIRE_FALSE(bad.is_ok());
    CHECK(bad.status().message().rfind("tx args are not valid JSON: ", 0) == 0);
    tx = anchor_tx(f.chain.client_key, 2);
    tx.args = "[1, 2]";
    tx.sign(f.chain.client_key);
    check_rejected(f.add(tx), Status::Code::kInvalid, "tx args must be a JSON object {...}");
    CHECK(f.pool.size() == 0);
  }

  TEST_CASE("a tx bigger than a block is refused at the door") {
    test::TestChain chain;
    chain.genesis.consensus.max_block_bytes = 1024;
    auto store = storage::make_memory_store();
    contracts::Executor executor(chain.genesis, *chain::consensus_rules(chain.genesis));
    core::ManualClock clock(kNow);
    ThreadPool verifiers(1);
    ConfigInForce config(*executor.config_schedule(StoreStateView(*store)));
    Mempool pool(chain.genesis, config, executor, *store, clock, verifiers, 10);
    core::Tx tx = anchor_tx(chain.client_key, 1);
    tx.args =
        nlohmann::json{{"hash", test::digest_hex(1)}, {"meta", {{"pad", std::string(2000, 'x')}}}}
            .dump();
    tx.sign(chain.client_key);
    check_rejected(pool.add(tx.encode()), Status::Code::kInvalid,
                   "tx is " + std::to_string(tx.encode().size()) + " bytes; limit is 1024");
  }

  TEST_CASE("the size limit is the block limit in force, as governance set it") {
    PoolFixture f;
    core::Tx big = anchor_tx(f.chain.client_key, 1);
    big.args =
        nlohmann::json{{"hash", test::digest_hex(1)}, {"meta", {{"pad", std::string(2000, 'x')}}}}
            .dump();
    big.sign(f.chain.client_key);
    const core::Tx small = anchor_tx(f.chain.client_key, 2);
    REQUIRE(f.add(big).is_ok());
    REQUIRE(f.add(small).is_ok());

    // Governance lowers max_block_bytes to 1024 from the next block.
    contracts::ChainConfig lowered = *f.config.at(1);
    lowered.block.max_block_bytes = 1024;
    f.config.update(std::make_shared<const contracts::ConfigSchedule>(
        f.config.at(0), std::vector<contracts::ConfigVersion>{
                            {1, std::make_shared<const contracts::ChainConfig>(lowered)}}));
    core::Tx big2 = big;
    big2.nonce = 3;
    big2.sign(f.chain.client_key);
    check_rejected(f.add(big2), Status::Code::kInvalid,
                   "tx is " + std::to_string(big2.encode().size()) + " bytes; limit is 1024");

    // The big tx admitted before cannot fit any block now: take drops it instead of stalling
    // the small one behind it.
    auto taken = f.pool.take(100, 1024);
    REQUIRE(taken.size() == 1);
    CHECK(taken[0]->tx_id == small.tx_id());
    CHECK_FALSE(f.pool.contains(big.tx_id()));
    CHECK(f.pool.size() == 1);
  }

  TEST_CASE("parallel batch admission gives the same results as one-by-one") {
    PoolFixture parallel(/*capacity=*/1000, /*threads=*/4);
    PoolFixture serial(/*capacity=*/1000, /*threads=*/1);
    std::vector<core::Bytes> encoded;
    for (uint64_t i = 0; i < 300; ++i) {
      core::Tx tx;
      if (i % 7 == 3) {
        tx = anchor_tx(parallel.chain.client_key, i);
        tx.signature[0] ^= 0xff;
      } else if (i % 11 == 5) {
        tx = anchor_tx(parallel.chain.client_key, i, kNow, "elsewhere");
      } else if (i % 13 == 6) {
        tx = anchor_tx(parallel.chain.stranger_key, i);
      } else if (i % 17 == 8) {
        tx = anchor_tx(parallel.chain.client_key, i - 1);  // a repeat within the batch
      } else {
        tx = anchor_tx(parallel.chain.client_key, i);
      }
      encoded.push_back(tx.encode());
    }
    encoded.push_back({0xde, 0xad});
    std::vector<core::ByteSpan> spans(encoded.begin(), encoded.end());

    auto batch = parallel.pool.add_batch(spans);
    REQUIRE(batch.size() == encoded.size());
    size_t admitted = 0, rejected = 0;
    for (size_t i = 0; i < encoded.size(); ++i) {
      auto one = serial.pool.add(encoded[i]);
      CHECK(batch[i].is_ok() == one.is_ok());
      if (batch[i].is_ok() && one.is_ok()) {
        CHECK(*batch[i] == *one);
        ++admitted;
      } else if (!batch[i].is_ok() && !one.is_ok()) {
        CHECK(batch[i].status() == one.status());
        ++rejected;
      }
    }
    CHECK(admitted > 150);
    CHECK(rejected > 60);
    CHECK(admitted + rejected == encoded.size());
    // Same pool contents in the same order.
    auto a = parallel.pool.take(1000, UINT64_MAX);
    auto b = serial.pool.take(1000, UINT64_MAX);
    REQUIRE(a.size() == b.size());
    for (size_t i = 0; i < a.size(); ++i) CHECK(a[i]->tx_id == b[i]->tx_id);
  }

  TEST_CASE("take is FIFO within limits and does not remove; remove after commit") {
    PoolFixture f;
    std::vector<core::Tx> txs;
    for (uint64_t i = 0; i < 6; ++i) {
      txs.push_back(anchor_tx(f.chain.client_key, i));
      REQUIRE(f.add(txs.back()).is_ok());
    }
    auto first = f.pool.take(3, UINT64_MAX);
    REQUIRE(first.size() == 3);
    for (size_t i = 0; i < 3; ++i) CHECK(first[i]->tx_id == txs[i].tx_id());
    CHECK(f.pool.size() == 6);

    // A byte limit stops at the first tx that does not fit.
    const uint64_t two = txs[0].encode().size() + txs[1].encode().size();
    CHECK(f.pool.take(100, two).size() == 2);
    CHECK(f.pool.take(100, two - 1).size() == 1);
    CHECK(f.pool.take(0, UINT64_MAX).empty());

    f.pool.remove({txs[0].tx_id(), txs[2].tx_id(), anchor_tx(f.chain.client_key, 99).tx_id()});
    CHECK(f.pool.size() == 4);
    auto rest = f.pool.take(100, UINT64_MAX);
    REQUIRE(rest.size() == 4);
    CHECK(rest[0]->tx_id == txs[1].tx_id());
    CHECK(rest[1]->tx_id == txs[3].tx_id());
    CHECK(rest[3]->tx_id == txs[5].tx_id());
    // The taken entries outlive their removal.
    f.pool.remove({txs[1].tx_id()});
    CHECK(rest[0]->tx.nonce == 1);
    CHECK(f.pool.get(txs[1].tx_id()) == nullptr);
  }

  TEST_CASE("concurrent admission of the same txs admits each once") {
    PoolFixture f(/*capacity=*/10000, /*threads=*/2);
    std::vector<core::Bytes> encoded;
    for (uint64_t i = 0; i < 200; ++i) encoded.push_back(anchor_tx(f.chain.client_key, i).encode());
    std::vector<core::ByteSpan> spans(encoded.begin(), encoded.end());
    std::atomic<size_t> admitted{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t) {
      threads.emplace_back([&] {
        for (auto& r : f.pool.add_batch(spans)) admitted += r.is_ok() ? 1 : 0;
      });
    }
    for (auto& t : threads) t.join();
    CHECK(admitted.load() == 200);
    CHECK(f.pool.size() == 200);
  }
}

}  // namespace
}  // namespace silk::node
