// Behaviour of the Store interface, run against both backends.

#include "silk/storage/store.h"

#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "unit/storage/test_chain.h"

namespace silk::storage {
namespace {

using core::Status;
using namespace testing;

struct MemoryBackend {
  std::unique_ptr<Store> open() { return make_memory_store(); }
};

struct RocksDbBackend {
  TempDir dir;
  std::unique_ptr<Store> open() {
    auto r = open_rocksdb_store(dir.db());
    REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
    return std::move(r).value();
  }
};

// A store holding the test genesis block.
template <typename B>
std::unique_ptr<Store> open_with_genesis(B& backend) {
  init_crypto();
  std::unique_ptr<Store> store = backend.open();
  REQUIRE(store->init_genesis(genesis_block(), genesis_json()).is_ok());
  return store;
}

// Commits `d` and checks it went through.
void commit_ok(Store& store, const BlockData& d) {
  Status st = commit(store, d);
  REQUIRE_MESSAGE(st.is_ok(), st.to_string());
}

// Values of history(key) in order, "-" for a deletion.
std::vector<std::string> history_values(const Store& store, std::string_view key) {
  auto h = store.history(key, 0, 1'000'000);
  REQUIRE(h.is_ok());
  std::vector<std::string> out;
  for (const core::KeyVersion& v : *h) out.push_back(v.deleted ? "-" : v.value);
  return out;
}

std::optional<std::string> state(const Store& store, std::string_view key) {
  auto r = store.get_state(key);
  REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
  return *r;
}

// "v<n>"; built by appending (g++ 12 -O3 misreports "v" + std::to_string(n) under -Wrestrict).
std::string hot_value(uint32_t n) {
  std::string s = "v";
  s += std::to_string(n);
  return s;
}

TEST_SUITE("store") {
  TEST_CASE_TEMPLATE("an empty store has no chain", B, MemoryBackend, RocksDbBackend) {
    init_crypto();
    B backend;
    auto store = backend.open();
    CHECK_FALSE(store->tip().has_value());
    CHECK(store->genesis_json().status().code() == Status::Code::kNotFound);
    CHECK(store->block_by_height(0).status().code() == Status::Code::kNotFound);
    CHECK(store->block_by_hash(genesis_block().hash()).status().code() == Status::Code::kNotFound);
    CHECK_FALSE(store->has_tx(make_tx(1, 0).tx_id()));
    CHECK(store->tx_location(make_tx(1, 0).tx_id()).status().code() == Status::Code::kNotFound);
    CHECK(store->receipt(make_tx(1, 0).tx_id()).status().code() == Status::Code::kNotFound);
    CHECK_FALSE(state(*store, "notary/x").has_value());
    CHECK(history_values(*store, "notary/x").empty());

    // Nothing can be committed before genesis.
    ChainTip fake;
    BlockData d = make_block(fake, 1, {put(0, "notary/x", "1")});
    Status st = commit(*store, d);
    CHECK(st.code() == Status::Code::kInvalid);
    CHECK(st.message().find("init_genesis") != std::string::npos);
    CHECK_FALSE(store->tip().has_value());
  }

  TEST_CASE_TEMPLATE("genesis: init, same again, different one conflicts", B, MemoryBackend,
                     RocksDbBackend) {
    init_crypto();
    B backend;
    auto store = backend.open();
    const core::Block genesis = genesis_block();
    REQUIRE(store->init_genesis(genesis, genesis_json()).is_ok());

    auto tip = store->tip();
    REQUIRE(tip.has_value());
    CHECK(tip->height == 0);
    CHECK(tip->block_hash == genesis.hash());
    CHECK(tip->state_root == genesis.header.state_root);
    CHECK(tip->timestamp_ms == kGenesisTimeMs);
    CHECK(tip->total_txs == 0);
    REQUIRE(store->genesis_json().is_ok());
    CHECK(*store->genesis_json() == genesis_json());
    auto b0 = store->block_by_height(0);
    REQUIRE(b0.is_ok());
    CHECK(b0->hash() == genesis.hash());
    auto by_hash = store->block_by_hash(genesis.hash());
    REQUIRE(by_hash.is_ok());
    CHECK(by_hash->header.height == 0);

    SUBCASE("the same genesis again is OK and changes nothing") {
      CHECK(store->init_genesis(genesis, "{\"other\":\"text\"}").is_ok());
      CHECK(*store->genesis_json() == genesis_json());
      CHECK(same_tip(*store->tip(), *tip));
    }
    SUBCASE("a different genesis is a conflict naming both hashes") {
      const core::Block other = genesis_block("another-chain");
      Status st = store->init_genesis(other, genesis_json("another-chain"));
      CHECK(st.code() == Status::Code::kConflict);
      CHECK(st.message().find(core::to_hex(genesis.hash())) != std::string::npos);
      CHECK(st.message().find(core::to_hex(other.hash())) != std::string::npos);
      CHECK(same_tip(*store->tip(), *tip));
    }
    SUBCASE("the same genesis after blocks were committed is still OK") {
      commit_ok(*store, make_block(*tip, 2, {}));
      CHECK(store->init_genesis(genesis, genesis_json()).is_ok());
      CHECK(store->tip()->height == 1);
    }
  }

  TEST_CASE_TEMPLATE("init_genesis rejects a block that cannot be block 0", B, MemoryBackend,
                     RocksDbBackend) {
    init_crypto();
    B backend;
    auto store = backend.open();
    core::Block g = genesis_block();
    SUBCASE("height 1") { g.header.height = 1; }
    SUBCASE("non-zero prev_hash") { g.header.prev_hash[5] = 1; }
    SUBCASE("with a tx") {
      g.txs.push_back(make_tx(0, 0));
      g.header.tx_count = 1;
    }
    Status st = store->init_genesis(g, genesis_json());
    CHECK(st.code() == Status::Code::kInvalid);
    CHECK_FALSE(store->tip().has_value());
    CHECK(store->genesis_json().status().code() == Status::Code::kNotFound);
  }

  TEST_CASE_TEMPLATE("committed blocks read back by height, hash, tx location and receipt", B,
                     MemoryBackend, RocksDbBackend) {
    B backend;
    auto store = open_with_genesis(backend);
    std::vector<BlockData> blocks;
    uint64_t total = 0;
    for (uint32_t n : {3u, 0u, 7u}) {
      BlockData d = make_block(*store->tip(), n, {});
      commit_ok(*store, d);
      total += n;
      CHECK(same_tip(*store->tip(), tip_of(d.block, total)));
      blocks.push_back(std::move(d));
    }
    CHECK(store->tip()->height == 3);
    CHECK(store->tip()->total_txs == 10);

    for (const BlockData& d : blocks) {
      const uint64_t h = d.block.header.height;
      auto by_height = store->block_by_height(h);
      REQUIRE(by_height.is_ok());
      CHECK(by_height->encode() == d.block.encode());
      auto by_hash = store->block_by_hash(d.block.hash());
      REQUIRE(by_hash.is_ok());
      CHECK(by_hash->encode() == d.block.encode());
      for (uint32_t i = 0; i < d.block.txs.size(); ++i) {
        const core::Hash id = d.block.txs[i].tx_id();
        CHECK(store->has_tx(id));
        auto loc = store->tx_location(id);
        REQUIRE(loc.is_ok());
        CHECK(loc->height == h);
        CHECK(loc->index == i);
        auto rc = store->receipt(id);
        REQUIRE(rc.is_ok());
        CHECK(rc->encode() == d.receipts[i].encode());
      }
    }
    // A failed tx keeps its receipt with the reason.
    auto failed = store->receipt(blocks[2].block.txs[4].tx_id());
    REQUIRE(failed.is_ok());
    CHECK_FALSE(failed->ok());
    CHECK(failed->message == "digest already anchored");

    CHECK(store->block_by_height(4).status().code() == Status::Code::kNotFound);
    core::Hash unknown{};
    unknown[0] = 0xee;
    CHECK(store->block_by_hash(unknown).status().code() == Status::Code::kNotFound);
    CHECK_FALSE(store->has_tx(unknown));
    CHECK(store->tx_location(unknown).status().code() == Status::Code::kNotFound);
    CHECK(store->receipt(unknown).status().code() == Status::Code::kNotFound);
  }

  TEST_CASE_TEMPLATE("state follows puts, overwrites and deletes", B, MemoryBackend,
                     RocksDbBackend) {
    B backend;
    auto store = open_with_genesis(backend);
    commit_ok(*store, make_block(*store->tip(), 2,
                                 {put(0, "notary/a", "a1"), put(1, "notary/b", "b1"),
                                  put(1, "notary/empty", "")}));
    CHECK(state(*store, "notary/a") == std::optional<std::string>("a1"));
    CHECK(state(*store, "notary/b") == std::optional<std::string>("b1"));
    // An empty value is a value, not a deletion.
    CHECK(state(*store, "notary/empty") == std::optional<std::string>(""));
    CHECK_FALSE(state(*store, "notary/c").has_value());

    commit_ok(*store, make_block(*store->tip(), 1, {put(0, "notary/a", "a2"), del(0, "notary/b")}));
    CHECK(state(*store, "notary/a") == std::optional<std::string>("a2"));
    CHECK_FALSE(state(*store, "notary/b").has_value());

    // Deleting a key that never existed is a recorded version and leaves it absent.
    commit_ok(*store,
              make_block(*store->tip(), 1, {del(0, "notary/never"), put(0, "notary/b", "b3")}));
    CHECK_FALSE(state(*store, "notary/never").has_value());
    CHECK(state(*store, "notary/b") == std::optional<std::string>("b3"));
    CHECK(history_values(*store, "notary/never") == std::vector<std::string>{"-"});

    // Binary keys and values survive.
    const std::string bin_key = std::string("bin/\xff\x01", 6);
    const std::string bin_val = std::string("\x00\xff\x10", 3);
    commit_ok(*store, make_block(*store->tip(), 1, {put(0, bin_key, bin_val)}));
    CHECK(state(*store, bin_key) == std::optional<std::string>(bin_val));
  }

  TEST_CASE_TEMPLATE("several writes to one key in one block: the highest tx_index wins", B,
                     MemoryBackend, RocksDbBackend) {
    B backend;
    auto store = open_with_genesis(backend);
    // Writes arrive out of tx order; tx 2 is the last to write "k", so it is current.
    commit_ok(*store, make_block(*store->tip(), 3,
                                 {put(2, "notary/k", "from-tx2"), put(0, "notary/k", "from-tx0"),
                                  put(1, "notary/k", "from-tx1"), put(0, "notary/j", "j0"),
                                  del(1, "notary/j")}));
    CHECK(state(*store, "notary/k") == std::optional<std::string>("from-tx2"));
    CHECK_FALSE(state(*store, "notary/j").has_value());
    CHECK(history_values(*store, "notary/k") ==
          std::vector<std::string>{"from-tx0", "from-tx1", "from-tx2"});
    CHECK(history_values(*store, "notary/j") == std::vector<std::string>{"j0", "-"});

    // Two writes by the same tx: the later one wins, in state and in history.
    commit_ok(*store,
              make_block(*store->tip(), 1, {put(0, "notary/k", "x"), put(0, "notary/k", "y")}));
    CHECK(state(*store, "notary/k") == std::optional<std::string>("y"));
    CHECK(history_values(*store, "notary/k") ==
          std::vector<std::string>{"from-tx0", "from-tx1", "from-tx2", "y"});
  }

  TEST_CASE_TEMPLATE("history lists versions oldest first, deletions included", B, MemoryBackend,
                     RocksDbBackend) {
    B backend;
    auto store = open_with_genesis(backend);
    std::vector<BlockData> blocks;
    auto add = [&](uint32_t txs, std::vector<core::StateWrite> writes) {
      BlockData d = make_block(*store->tip(), txs, std::move(writes));
      commit_ok(*store, d);
      blocks.push_back(std::move(d));
    };
    add(2, {put(1, "doc/1", "v1"), put(0, "doc/10", "other")});
    add(1, {put(0, "doc/2", "unrelated")});
    add(3, {del(2, "doc/1")});
    add(2, {put(0, "doc/1", "v3"), put(1, "doc/1\xff", "neighbour")});

    auto h = store->history("doc/1", 0, 100);
    REQUIRE(h.is_ok());
    REQUIRE(h->size() == 3);
    const auto& v = *h;
    CHECK(v[0].height == 1);
    CHECK(v[0].tx_index == 1);
    CHECK(v[0].tx_id == blocks[0].block.txs[1].tx_id());
    CHECK(v[0].timestamp_ms == blocks[0].block.header.timestamp_ms);
    CHECK_FALSE(v[0].deleted);
    CHECK(v[0].value == "v1");
    CHECK(v[1].height == 3);
    CHECK(v[1].tx_index == 2);
    CHECK(v[1].tx_id == blocks[2].block.txs[2].tx_id());
    CHECK(v[1].timestamp_ms == blocks[2].block.header.timestamp_ms);
    CHECK(v[1].deleted);
    CHECK(v[1].value.empty());
    CHECK(v[2].height == 4);
    CHECK(v[2].tx_index == 0);
    CHECK(v[2].value == "v3");

    // Keys that share a prefix have separate histories.
    CHECK(history_values(*store, "doc/10") == std::vector<std::string>{"other"});
    CHECK(history_values(*store, "doc/1\xff") == std::vector<std::string>{"neighbour"});
    CHECK(history_values(*store, "doc/").empty());
    CHECK(history_values(*store, "doc/100").empty());
  }

  TEST_CASE_TEMPLATE("history pages with offset and limit across 1200 versions", B, MemoryBackend,
                     RocksDbBackend) {
    B backend;
    auto store = open_with_genesis(backend);
    constexpr uint32_t kTxsPerBlock = 10;
    constexpr uint32_t kBlocks = 120;
    constexpr uint32_t kVersions = kTxsPerBlock * kBlocks;
    for (uint32_t b = 0; b < kBlocks; ++b) {
      std::vector<core::StateWrite> writes;
      for (uint32_t i = 0; i < kTxsPerBlock; ++i) {
        const uint32_t n = b * kTxsPerBlock + i;
        if (n % 7 == 6) {
          writes.push_back(del(i, "doc/hot"));
        } else {
          writes.push_back(put(i, "doc/hot", hot_value(n)));
        }
        // Neighbouring keys on both sides must never leak into the page.
        writes.push_back(put(i, "doc/hos", "x"));
        writes.push_back(put(i, "doc/hou", "x"));
      }
      commit_ok(*store, make_block(*store->tip(), kTxsPerBlock, std::move(writes)));
    }

    auto all = store->history("doc/hot", 0, UINT32_MAX);
    REQUIRE(all.is_ok());
    REQUIRE(all->size() == kVersions);
    for (uint32_t n = 0; n < kVersions; ++n) {
      const core::KeyVersion& v = (*all)[n];
      CHECK(v.height == n / kTxsPerBlock + 1);
      CHECK(v.tx_index == n % kTxsPerBlock);
      CHECK(v.deleted == (n % 7 == 6));
      if (!v.deleted) CHECK(v.value == hot_value(n));
    }

    // Pages of 97 put together are the whole history.
    std::vector<core::KeyVersion> joined;
    for (uint64_t offset = 0;; offset += 97) {
      auto page = store->history("doc/hot", offset, 97);
      REQUIRE(page.is_ok());
      CHECK(page->size() <= 97);
      if (page->empty()) break;
      joined.insert(joined.end(), page->begin(), page->end());
    }
    REQUIRE(joined.size() == kVersions);
    for (uint32_t n = 0; n < kVersions; ++n) {
      CHECK(joined[n].height == (*all)[n].height);
      CHECK(joined[n].tx_index == (*all)[n].tx_index);
    }

    auto tail = store->history("doc/hot", 1150, 100);
    REQUIRE(tail.is_ok());
    REQUIRE(tail->size() == 50);
    CHECK(tail->front().height == 1150 / kTxsPerBlock + 1);
    CHECK(tail->back().height == kBlocks);
    CHECK(tail->back().tx_index == kTxsPerBlock - 1);
    auto last = store->history("doc/hot", kVersions - 1, 10);
    REQUIRE(last.is_ok());
    CHECK(last->size() == 1);
    CHECK(store->history("doc/hot", kVersions, 10)->empty());
    CHECK(store->history("doc/hot", 1'000'000, 10)->empty());
    CHECK(store->history("doc/hot", 0, 0)->empty());
    CHECK(store->history("doc/hos", 0, UINT32_MAX)->size() == kVersions);
  }

  TEST_CASE_TEMPLATE("commit_block rejects a block that does not extend the tip", B, MemoryBackend,
                     RocksDbBackend) {
    B backend;
    auto store = open_with_genesis(backend);
    commit_ok(*store, make_block(*store->tip(), 2, {put(0, "doc/a", "1")}));
    const ChainTip before = *store->tip();

    BlockData d = make_block(before, 3, {put(0, "doc/a", "2"), put(2, "doc/new", "n")});
    Status::Code expected = Status::Code::kInvalid;
    std::string expected_text;
    SUBCASE("height tip+2") {
      d.block.header.height = before.height + 2;
      expected_text = "height";
    }
    SUBCASE("height equal to the tip") {
      d.block.header.height = before.height;
      expected_text = "height";
    }
    SUBCASE("wrong prev_hash") {
      d.block.header.prev_hash[0] ^= 1;
      expected_text = "prev_hash";
    }
    SUBCASE("one receipt missing") {
      d.receipts.pop_back();
      expected_text = "2 receipts for 3 txs";
    }
    SUBCASE("one receipt too many") {
      d.receipts.push_back(d.receipts.back());
      expected_text = "4 receipts for 3 txs";
    }
    SUBCASE("receipts out of order") {
      std::swap(d.receipts[0], d.receipts[1]);
      expected_text = "receipt 0";
    }
    SUBCASE("header tx_count differs from the txs") {
      d.block.header.tx_count = 2;
      expected_text = "tx_count";
    }
    SUBCASE("a write by a tx that is not in the block") {
      d.writes.push_back(put(3, "doc/b", "x"));
      expected_text = "tx_index 3";
    }
    SUBCASE("a write with an empty key") {
      d.writes.push_back(put(0, "", "x"));
      expected_text = "empty key";
    }
    SUBCASE("a write with a NUL in its key") {
      d.writes.push_back(put(0, std::string("doc/\0x", 6), "x"));
      expected_text = "NUL";
    }
    SUBCASE("a tx twice in the block") {
      d.block.txs[2] = d.block.txs[0];
      d.receipts[2] = d.receipts[0];
      expected = Status::Code::kConflict;
      expected_text = "appears twice";
    }
    SUBCASE("a tx already on chain") {
      auto prev = store->block_by_height(before.height);
      REQUIRE(prev.is_ok());
      d.block.txs[1] = prev->txs[1];
      d.receipts[1].tx_id = prev->txs[1].tx_id();
      expected = Status::Code::kConflict;
      expected_text = "already on chain at height 1 index 1";
    }
    Status st = commit(*store, d);
    CHECK(st.code() == expected);
    CHECK_MESSAGE(st.message().find(expected_text) != std::string::npos, st.to_string());

    // Nothing of the rejected block is visible.
    CHECK(same_tip(*store->tip(), before));
    CHECK(store->block_by_height(before.height + 1).status().code() == Status::Code::kNotFound);
    CHECK_FALSE(store->has_tx(d.block.txs[2].tx_id()));
    CHECK(state(*store, "doc/a") == std::optional<std::string>("1"));
    CHECK_FALSE(state(*store, "doc/new").has_value());
    CHECK(history_values(*store, "doc/a") == std::vector<std::string>{"1"});

    // The proper block still goes through afterwards.
    commit_ok(*store, make_block(before, 3, {put(0, "doc/a", "2")}));
    CHECK(store->tip()->height == before.height + 1);
  }

  TEST_CASE_TEMPLATE("a block is readable as soon as the tip names it", B, MemoryBackend,
                     RocksDbBackend) {
    B backend;
    auto store = open_with_genesis(backend);
    std::atomic<bool> done{false};
    std::atomic<int> failures{0};
    std::atomic<int> reads{0};
    std::thread reader([&] {
      while (!done.load()) {
        auto tip = store->tip();
        if (!tip) {
          failures.fetch_add(1);
          continue;
        }
        auto b = store->block_by_height(tip->height);
        if (!b.is_ok() || b->hash() != tip->block_hash) failures.fetch_add(1);
        auto s = store->get_state("doc/counter");
        if (!s.is_ok() ||
            (tip->height > 0 && (!s->has_value() || std::stoull(**s) < tip->height))) {
          failures.fetch_add(1);
        }
        reads.fetch_add(1);
      }
    });
    for (uint64_t h = 1; h <= 40; ++h) {
      commit_ok(*store, make_block(*store->tip(), 2, {put(1, "doc/counter", std::to_string(h))}));
      // Let the reader finish a read before the next commit, so reads and
      // commits interleave even when commits are fast.
      const int seen = reads.load();
      while (reads.load() == seen) std::this_thread::yield();
    }
    done.store(true);
    reader.join();
    CHECK(failures.load() == 0);
    CHECK(reads.load() >= 40);
  }

}  // TEST_SUITE

}  // namespace
}  // namespace silk::storage
