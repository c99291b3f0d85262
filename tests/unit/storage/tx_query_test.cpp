// Store::query_txs and Store::heights_for_time, run against both backends:
// the tx query indexes match the blocks, paging covers every match exactly
// once in both orders, cursors stay valid while blocks land, and time bounds
// fall on block boundaries. Then what only RocksDB shows: the indexes survive
// a reopen, and a store written before they existed (schema 1) gets them on open.

#include <doctest/doctest.h>
#include <rocksdb/db.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "silk/storage/store.h"
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

const std::vector<std::string> kContracts = {"notary", "trade", "documents"};

core::Hash sender_of(uint8_t n) {
  core::Hash h{};
  h[0] = 0xa0;
  h[31] = n;
  return h;
}

struct TxSpec {
  uint8_t sender = 0;
  std::string contract;
  std::string method = "call";
};

// A block on `tip` holding `specs`, `dt_ms` after the tip (receipts: every
// third tx fails), with correct roots and no state writes.
BlockData query_block(const ChainTip& tip, const std::vector<TxSpec>& specs, uint64_t dt_ms) {
  BlockData d;
  const uint64_t height = tip.height + 1;
  std::vector<core::Hash> leaves;
  for (size_t i = 0; i < specs.size(); ++i) {
    core::Tx tx;
    tx.chain_id = kChainId;
    tx.nonce = (height << 24) | i;
    tx.timestamp_ms = tip.timestamp_ms + dt_ms;
    tx.sender = sender_of(specs[i].sender);
    tx.contract = specs[i].contract;
    tx.method = specs[i].method;
    tx.args = "{}";
    core::Receipt r;
    r.tx_id = tx.tx_id();
    if (i % 3 == 2) {
      r.code = 1;
      r.message = "refused";
    }
    leaves.push_back(core::merkle_leaf_hash(r.encode()));
    d.block.txs.push_back(std::move(tx));
    d.receipts.push_back(std::move(r));
  }
  core::BlockHeader& h = d.block.header;
  h.chain_id = kChainId;
  h.height = height;
  h.prev_hash = tip.block_hash;
  h.timestamp_ms = tip.timestamp_ms + dt_ms;
  h.tx_count = static_cast<uint32_t>(specs.size());
  h.tx_root = core::Block::compute_tx_root(d.block.txs);
  h.receipts_root = core::merkle_root(leaves);
  h.state_root = core::next_state_root(tip.state_root, core::write_set_root({}));
  return d;
}

// Block h holds h % 4 txs (so some blocks are empty) from three senders to
// three contracts; block times step by 1000 ms, except that every third
// block has the same time as the one before it.
BlockData chain_block(const ChainTip& tip) {
  const uint64_t h = tip.height + 1;
  std::vector<TxSpec> specs;
  for (uint32_t i = 0; i < h % 4; ++i) {
    specs.push_back({static_cast<uint8_t>((h * 7 + i) % 3), kContracts[(h + i) % 3],
                     i % 2 == 0 ? "put" : "get"});
  }
  return query_block(tip, specs, h % 3 == 0 ? 0 : 1000);
}

void commit_ok(Store& store, const BlockData& d) {
  Status st = commit(store, d);
  REQUIRE_MESSAGE(st.is_ok(), st.to_string());
}

// Every tx of the chain as query_txs must report it, in chain order.
struct Expected {
  std::vector<TxSummary> all;
  void add(const BlockData& d) {
    for (size_t i = 0; i < d.block.txs.size(); ++i) {
      const core::Tx& tx = d.block.txs[i];
      TxSummary s;
      s.height = d.block.header.height;
      s.index = static_cast<uint32_t>(i);
      s.tx_id = tx.tx_id();
      s.sender = tx.sender;
      s.timestamp_ms = d.block.header.timestamp_ms;
      s.code = d.receipts[i].code;
      s.contract = tx.contract;
      s.method = tx.method;
      all.push_back(s);
    }
  }
  std::vector<TxSummary> matching(const TxQuery& q) const {
    std::vector<TxSummary> out;
    for (const TxSummary& s : all) {
      if (q.sender && s.sender != *q.sender) continue;
      if (q.contract && s.contract != *q.contract) continue;
      if (q.from_ms && s.timestamp_ms < *q.from_ms) continue;
      if (q.to_ms && s.timestamp_ms > *q.to_ms) continue;
      out.push_back(s);
    }
    if (q.order == TxOrder::kDescending) std::reverse(out.begin(), out.end());
    return out;
  }
};

bool same(const TxSummary& a, const TxSummary& b) {
  return a.height == b.height && a.index == b.index && a.tx_id == b.tx_id && a.sender == b.sender &&
         a.timestamp_ms == b.timestamp_ms && a.code == b.code && a.contract == b.contract &&
         a.method == b.method;
}

std::string describe(const std::vector<TxSummary>& txs) {
  std::string out;
  for (const TxSummary& s : txs)
    out += std::to_string(s.height) + ":" + std::to_string(s.index) + " ";
  return out;
}

void check_same(const std::vector<TxSummary>& got, const std::vector<TxSummary>& want) {
  REQUIRE_MESSAGE(got.size() == want.size(),
                  "got " << describe(got) << "\nwant " << describe(want));
  for (size_t i = 0; i < got.size(); ++i) {
    CHECK_MESSAGE(same(got[i], want[i]),
                  "row " << i << ": got " << describe({got[i]}) << " want " << describe({want[i]}));
  }
}

// Follows `next` from `q` to the end; checks every page on the way.
std::vector<TxSummary> all_pages(const Store& store, TxQuery q) {
  std::vector<TxSummary> out;
  for (int pages = 0; pages < 10000; ++pages) {
    auto page = store.query_txs(q);
    REQUIRE_MESSAGE(page.is_ok(), page.status().to_string());
    CHECK(page->txs.size() <= q.limit);
    out.insert(out.end(), page->txs.begin(), page->txs.end());
    if (!page->next) return out;
    // Without the scan budget running out, a page with a next page is full.
    CHECK(page->txs.size() == q.limit);
    q.after = page->next;
  }
  FAIL("paging does not end");
  return out;
}

template <typename B>
std::unique_ptr<Store> open_chain(B& backend, Expected& expected, int blocks) {
  init_crypto();
  std::unique_ptr<Store> store = backend.open();
  REQUIRE(store->init_genesis(genesis_block(), genesis_json()).is_ok());
  for (int n = 0; n < blocks; ++n) {
    BlockData d = chain_block(*store->tip());
    expected.add(d);
    commit_ok(*store, d);
  }
  return store;
}

// The filter combinations the tests go through.
std::vector<TxQuery> filter_combinations() {
  std::vector<TxQuery> out;
  out.push_back({});
  for (uint8_t s = 0; s < 4; ++s) {  // sender 3 never sent anything
    TxQuery q;
    q.sender = sender_of(s);
    out.push_back(q);
    for (const std::string& c : kContracts) {
      q.contract = c;
      out.push_back(q);
    }
  }
  for (const std::string& c : {std::string("notary"), std::string("trade"),
                               std::string("documents"), std::string("nothing")}) {
    TxQuery q;
    q.contract = c;
    out.push_back(q);
  }
  return out;
}

TEST_SUITE("tx_query") {
  TEST_CASE_TEMPLATE("the indexes hold exactly the committed txs, with their fields", B,
                     MemoryBackend, RocksDbBackend) {
    B backend;
    Expected expected;
    auto store = open_chain(backend, expected, 30);
    REQUIRE(expected.all.size() > 30);
    for (TxQuery q : filter_combinations()) {
      q.limit = kMaxTxQueryLimit;
      for (TxOrder order : {TxOrder::kAscending, TxOrder::kDescending}) {
        q.order = order;
        auto page = store->query_txs(q);
        REQUIRE(page.is_ok());
        check_same(page->txs, expected.matching(q));
        CHECK_FALSE(page->next.has_value());
      }
    }
    // A failed tx is indexed too, with its receipt code.
    TxQuery all;
    all.limit = kMaxTxQueryLimit;
    auto page = store->query_txs(all);
    REQUIRE(page.is_ok());
    CHECK(std::any_of(page->txs.begin(), page->txs.end(),
                      [](const TxSummary& s) { return s.code == 1; }));
  }

  TEST_CASE_TEMPLATE("paging covers every match exactly once, in both orders", B, MemoryBackend,
                     RocksDbBackend) {
    B backend;
    Expected expected;
    auto store = open_chain(backend, expected, 30);
    for (TxQuery q : filter_combinations()) {
      for (uint32_t limit : {1u, 2u, 3u, 7u}) {
        for (TxOrder order : {TxOrder::kAscending, TxOrder::kDescending}) {
          q.limit = limit;
          q.order = order;
          check_same(all_pages(*store, q), expected.matching(q));
        }
      }
    }
  }

  TEST_CASE_TEMPLATE("a cursor names a position: pages resume after it in either order", B,
                     MemoryBackend, RocksDbBackend) {
    B backend;
    Expected expected;
    auto store = open_chain(backend, expected, 12);
    const TxSummary& pivot = expected.all[expected.all.size() / 2];
    TxQuery q;
    q.limit = kMaxTxQueryLimit;
    q.after = TxPosition{pivot.height, pivot.index};
    auto up = store->query_txs(q);
    REQUIRE(up.is_ok());
    REQUIRE(!up->txs.empty());
    CHECK(TxPosition{up->txs.front().height, up->txs.front().index} > *q.after);
    q.order = TxOrder::kDescending;
    auto down = store->query_txs(q);
    REQUIRE(down.is_ok());
    REQUIRE(!down->txs.empty());
    CHECK(TxPosition{down->txs.front().height, down->txs.front().index} < *q.after);
    // Every tx but the pivot, once.
    CHECK(up->txs.size() + down->txs.size() + 1 == expected.all.size());

    // A cursor inside an empty block or past the tip is fine too.
    q.order = TxOrder::kAscending;
    q.after = TxPosition{4, 0};  // block 4 holds no txs
    auto after_empty = store->query_txs(q);
    REQUIRE(after_empty.is_ok());
    REQUIRE(!after_empty->txs.empty());
    CHECK(after_empty->txs.front().height == 5);
    q.after = TxPosition{1000, 0};
    auto past = store->query_txs(q);
    REQUIRE(past.is_ok());
    CHECK(past->txs.empty());
    CHECK_FALSE(past->next.has_value());
    q.order = TxOrder::kDescending;
    q.after = TxPosition{0, 0};
    auto before = store->query_txs(q);
    REQUIRE(before.is_ok());
    CHECK(before->txs.empty());
  }

  TEST_CASE_TEMPLATE("cursors stay valid while new blocks land", B, MemoryBackend, RocksDbBackend) {
    B backend;
    Expected expected;
    auto store = open_chain(backend, expected, 10);
    const std::vector<TxSummary> before = expected.all;
    TxQuery asc;
    asc.limit = 3;
    TxQuery desc = asc;
    desc.order = TxOrder::kDescending;
    auto a1 = store->query_txs(asc);
    auto d1 = store->query_txs(desc);
    REQUIRE(a1.is_ok());
    REQUIRE(d1.is_ok());
    REQUIRE(a1->next.has_value());
    REQUIRE(d1->next.has_value());
    for (int n = 0; n < 5; ++n) {
      BlockData d = chain_block(*store->tip());
      expected.add(d);
      commit_ok(*store, d);
    }
    // Ascending goes on into the new blocks; descending stays below where it began.
    asc.after = a1->next;
    std::vector<TxSummary> up = a1->txs;
    for (const TxSummary& s : all_pages(*store, asc)) up.push_back(s);
    check_same(up, expected.all);
    desc.after = d1->next;
    std::vector<TxSummary> down = d1->txs;
    for (const TxSummary& s : all_pages(*store, desc)) down.push_back(s);
    std::vector<TxSummary> want(before.rbegin(), before.rend());
    check_same(down, want);
  }

  TEST_CASE_TEMPLATE("time bounds are inclusive and fall on block boundaries", B, MemoryBackend,
                     RocksDbBackend) {
    B backend;
    Expected expected;
    auto store = open_chain(backend, expected, 30);
    std::vector<uint64_t> times;  // index = height
    for (uint64_t h = 0; h <= store->tip()->height; ++h) {
      times.push_back(store->block_by_height(h)->header.timestamp_ms);
    }
    // Blocks 2 and 3 share a time (block 3 adds 0 ms), as do 5 and 6.
    REQUIRE(times[3] == times[2]);
    REQUIRE(times[6] == times[5]);

    auto heights = [&](uint64_t from, uint64_t to) {
      auto r = store->heights_for_time(from, to);
      REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
      return *r;
    };
    using Range = std::optional<std::pair<uint64_t, uint64_t>>;
    auto span = [](uint64_t first, uint64_t last) { return Range(std::in_place, first, last); };
    CHECK(heights(times[2], times[5]) == span(2, 6));
    CHECK(heights(times[2] + 1, times[5] - 1) == span(4, 4));
    CHECK(heights(times[0], times[0]) == span(0, 0));
    CHECK(heights(0, times[0] - 1) == Range());
    CHECK(heights(times.back() + 1, UINT64_MAX) == Range());
    CHECK(heights(0, UINT64_MAX) == span(0, times.size() - 1));
    CHECK(heights(times[4] + 1, times[4] + 999) == Range());  // between two blocks
    CHECK(heights(times[5], times[2]) == Range());            // from > to

    for (uint64_t from_h : {0u, 1u, 2u, 3u, 7u, 29u}) {
      for (uint64_t to_h : {2u, 6u, 11u, 30u}) {
        for (int64_t skew : {-1, 0, 1}) {
          for (TxQuery q : filter_combinations()) {
            q.from_ms = times[from_h] + static_cast<uint64_t>(skew);
            q.to_ms = times[to_h] + static_cast<uint64_t>(skew);
            q.limit = 2;
            check_same(all_pages(*store, q), expected.matching(q));
            q.order = TxOrder::kDescending;
            check_same(all_pages(*store, q), expected.matching(q));
          }
        }
      }
    }
    // Only one bound.
    TxQuery from_only;
    from_only.from_ms = times[20];
    from_only.limit = kMaxTxQueryLimit;
    check_same(store->query_txs(from_only)->txs, expected.matching(from_only));
    TxQuery to_only;
    to_only.to_ms = times[9];
    to_only.limit = 5;
    check_same(all_pages(*store, to_only), expected.matching(to_only));
  }

  TEST_CASE_TEMPLATE("empty results, and limits outside 1..1000", B, MemoryBackend,
                     RocksDbBackend) {
    init_crypto();
    B backend;
    auto store = backend.open();
    TxQuery q;
    auto none = store->query_txs(q);  // no chain yet
    REQUIRE(none.is_ok());
    CHECK(none->txs.empty());
    CHECK_FALSE(none->next.has_value());
    CHECK_FALSE(store->heights_for_time(0, UINT64_MAX)->has_value());

    REQUIRE(store->init_genesis(genesis_block(), genesis_json()).is_ok());
    auto genesis_only = store->query_txs(q);
    REQUIRE(genesis_only.is_ok());
    CHECK(genesis_only->txs.empty());
    CHECK_FALSE(genesis_only->next.has_value());

    commit_ok(*store, query_block(*store->tip(), {{1, "notary"}}, 1000));
    q.sender = sender_of(9);
    CHECK(store->query_txs(q)->txs.empty());
    q.sender.reset();
    q.contract = "notar";  // a prefix of a contract name is another contract
    CHECK(store->query_txs(q)->txs.empty());
    q.contract = "notaryx";
    CHECK(store->query_txs(q)->txs.empty());
    q.contract = "notary";
    CHECK(store->query_txs(q)->txs.size() == 1);
    q.from_ms = 5;
    q.to_ms = 4;
    auto backwards = store->query_txs(q);
    REQUIRE(backwards.is_ok());
    CHECK(backwards->txs.empty());
    CHECK_FALSE(backwards->next.has_value());

    TxQuery bad;
    bad.limit = 0;
    CHECK(store->query_txs(bad).status().code() == Status::Code::kInvalid);
    bad.limit = kMaxTxQueryLimit + 1;
    auto too_many = store->query_txs(bad);
    CHECK(too_many.status().code() == Status::Code::kInvalid);
    CHECK(too_many.status().message().find("1..1000") != std::string::npos);
  }

  TEST_CASE_TEMPLATE("a filtered scan stops at its budget and resumes from its cursor", B,
                     MemoryBackend, RocksDbBackend) {
    init_crypto();
    B backend;
    auto store = backend.open();
    REQUIRE(store->init_genesis(genesis_block(), genesis_json()).is_ok());
    // Sender 1 sends kTxQueryScanBudget + 50 notary txs, then one trade tx.
    std::vector<TxSpec> specs(kTxQueryScanBudget + 50, TxSpec{1, "notary"});
    specs.push_back({1, "trade"});
    commit_ok(*store, query_block(*store->tip(), specs, 1000));
    TxQuery q;
    q.sender = sender_of(1);
    q.contract = "trade";
    auto first = store->query_txs(q);
    REQUIRE(first.is_ok());
    CHECK(first->txs.empty());
    REQUIRE(first->next.has_value());
    CHECK(*first->next == TxPosition{1, kTxQueryScanBudget - 1});
    q.after = first->next;
    auto second = store->query_txs(q);
    REQUIRE(second.is_ok());
    REQUIRE(second->txs.size() == 1);
    CHECK(second->txs[0].index == kTxQueryScanBudget + 50);
    CHECK_FALSE(second->next.has_value());
  }

  TEST_CASE_TEMPLATE("commit_block refuses a block time before the tip's", B, MemoryBackend,
                     RocksDbBackend) {
    init_crypto();
    B backend;
    auto store = backend.open();
    REQUIRE(store->init_genesis(genesis_block(), genesis_json()).is_ok());
    BlockData d = query_block(*store->tip(), {{1, "notary"}}, 0);
    d.block.header.timestamp_ms -= 1;
    Status st = commit(*store, d);
    CHECK(st.code() == Status::Code::kInvalid);
    CHECK(st.message().find("before the tip's") != std::string::npos);
    CHECK(store->tip()->height == 0);
    CHECK(store->query_txs(TxQuery{})->txs.empty());
    // The same time as the tip is fine.
    commit_ok(*store, query_block(*store->tip(), {{1, "notary"}}, 0));
  }
}

// ---- RocksDB only ----

std::string le32(uint32_t v) {
  std::string s;
  for (int shift = 0; shift < 32; shift += 8) s.push_back(static_cast<char>((v >> shift) & 0xff));
  return s;
}

const std::vector<std::string> kNewFamilies = {"tx_by_sender", "tx_by_contract", "tx_by_position",
                                               "block_time"};

// Turns a store into what the previous version wrote: drops the tx query
// index column families and sets meta/schema_version to 1.
void make_schema_1(const std::string& path) {
  std::vector<std::string> names;
  REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  for (const std::string& n : names) descs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  rocksdb::DB* raw = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  REQUIRE(rocksdb::DB::Open(rocksdb::DBOptions(), path, descs, &handles, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  for (size_t i = 0; i < names.size(); ++i) {
    if (std::find(kNewFamilies.begin(), kNewFamilies.end(), names[i]) != kNewFamilies.end()) {
      REQUIRE(db->DropColumnFamily(handles[i]).ok());
    }
    if (names[i] == "meta") {
      REQUIRE(db->Put(rocksdb::WriteOptions(), handles[i], "schema_version", le32(1)).ok());
    }
  }
  for (auto* h : handles) REQUIRE(db->DestroyColumnFamilyHandle(h).ok());
  REQUIRE(db->Close().ok());
}

std::vector<std::string> family_names(const std::string& path) {
  std::vector<std::string> names;
  REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
  std::sort(names.begin(), names.end());
  return names;
}

std::string schema_version(const std::string& path) {
  std::vector<std::string> names;
  REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  for (const std::string& n : names) descs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  rocksdb::DB* raw = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  REQUIRE(rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), path, descs, &handles, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string v;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == "meta")
      REQUIRE(db->Get(rocksdb::ReadOptions(), handles[i], "schema_version", &v).ok());
  }
  for (auto* h : handles) REQUIRE(db->DestroyColumnFamilyHandle(h).ok());
  return v;
}

void check_everything(const Store& store, const Expected& expected) {
  for (TxQuery q : filter_combinations()) {
    q.limit = 4;
    check_same(all_pages(store, q), expected.matching(q));
    q.order = TxOrder::kDescending;
    check_same(all_pages(store, q), expected.matching(q));
  }
}

TEST_SUITE("tx_query_rocksdb") {
  TEST_CASE("the indexes survive a reopen") {
    RocksDbBackend backend;
    Expected expected;
    open_chain(backend, expected, 20).reset();
    auto store = backend.open();
    check_everything(*store, expected);
    const uint64_t t = store->block_by_height(7)->header.timestamp_ms;
    CHECK(store->heights_for_time(t, t)->value().first <= 7);
    // And keep growing after it.
    for (int n = 0; n < 3; ++n) {
      BlockData d = chain_block(*store->tip());
      expected.add(d);
      commit_ok(*store, d);
    }
    check_everything(*store, expected);
  }

  TEST_CASE("a store of the previous version gets its indexes built on open") {
    RocksDbBackend backend;
    Expected expected;
    // More blocks than one backfill batch (256).
    auto store = open_chain(backend, expected, 600);
    store.reset();
    make_schema_1(backend.dir.db());
    std::vector<std::string> old_names = family_names(backend.dir.db());
    for (const std::string& n : kNewFamilies) {
      CHECK(std::find(old_names.begin(), old_names.end(), n) == old_names.end());
    }
    CHECK(schema_version(backend.dir.db()) == le32(1));

    store = backend.open();
    CHECK(schema_version(backend.dir.db()) == le32(2));
    check_everything(*store, expected);
    std::vector<std::string> names = family_names(backend.dir.db());
    for (const std::string& n : kNewFamilies) {
      CHECK(std::find(names.begin(), names.end(), n) != names.end());
    }
    const uint64_t t = store->block_by_height(300)->header.timestamp_ms;
    auto range = store->heights_for_time(t, t);
    REQUIRE(range.is_ok());
    REQUIRE(range->has_value());
    CHECK((*range)->first <= 300);
    CHECK((*range)->second >= 300);

    // New blocks are indexed as usual, and a second open builds nothing again.
    BlockData d = chain_block(*store->tip());
    expected.add(d);
    commit_ok(*store, d);
    store.reset();
    store = backend.open();
    check_everything(*store, expected);
  }

  TEST_CASE("a schema 1 store without a chain is simply marked schema 2") {
    RocksDbBackend backend;
    init_crypto();
    backend.open().reset();
    make_schema_1(backend.dir.db());
    auto store = backend.open();
    CHECK(schema_version(backend.dir.db()) == le32(2));
    CHECK(store->query_txs(TxQuery{})->txs.empty());
  }
}

}  // namespace
}  // namespace silk::storage
