#include "silk/tools/audit_verify_chain.h"

#include <doctest/doctest.h>
#include <rocksdb/db.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>

#include "silk/contracts/executor.h"
#include "silk/contracts/notary.h"
#include "silk/core/block.h"
#include "silk/core/clock.h"
#include "silk/core/crypto.h"
#include "silk/core/genesis.h"
#include "silk/core/merkle.h"
#include "silk/core/write_set.h"
#include "silk/tools/cli.h"

using namespace silk;
using namespace silk::tools;
using core::Hash;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr const char* kChainId = "silk-audit-test";
constexpr uint64_t kT0 = 1'700'000'000'000;

core::SecretKey key_from_tag(uint8_t tag) {
  REQUIRE(core::crypto_init().is_ok());
  core::Bytes seed(32, tag);
  auto key = core::SecretKey::from_seed(seed);
  REQUIRE(key.is_ok());
  return std::move(key).value();
}

Hash digest(int n) { return core::sha256("audited document " + std::to_string(n)); }

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("silk-audit-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  std::string db() const { return (path_ / "data").string(); }
  std::string genesis_file() const { return (path_ / "genesis.json").string(); }

 private:
  fs::path path_;
};

// The contracts' view of committed state over a store, as silkd's StoreStateView.
class StoreView final : public contracts::StateView {
 public:
  explicit StoreView(const storage::Store& store) : store_(store) {}
  core::Result<std::optional<std::string>> get(std::string_view key) const override {
    return store_.get_state(key);
  }
  core::Result<std::vector<core::KeyVersion>> history(std::string_view key, uint64_t offset,
                                                      uint32_t limit) const override {
    return store_.history(key, offset, limit);
  }

 private:
  const storage::Store& store_;
};

// Builds blocks as silkd's chain driver does: execute over committed state,
// fill the header's roots, sign the solo commit certificate, commit.
struct ChainBuilder {
  core::SecretKey node_key = key_from_tag(1);    // the validator
  core::SecretKey client_key = key_from_tag(2);  // a member
  core::SecretKey stranger_key = key_from_tag(3);
  core::Genesis genesis;
  std::unique_ptr<contracts::Executor> executor;
  uint64_t nonce = 1;

  ChainBuilder() {
    core::Genesis g;
    g.chain_id = kChainId;
    g.timestamp_ms = kT0;
    g.identity_mode = "with-key";
    g.members.push_back({"node", node_key.public_key(), "org1", {"node", "admin"}});
    g.members.push_back({"client", client_key.public_key(), "org1", {"client", "issuer"}});
    g.validators.push_back(node_key.public_key());
    auto parsed = core::Genesis::parse(g.to_json());
    REQUIRE_MESSAGE(parsed.is_ok(), parsed.status().to_string());
    genesis = std::move(parsed).value();
    executor = std::make_unique<contracts::Executor>(genesis);
  }

  core::Tx anchor(const core::SecretKey& key, const Hash& d) {
    core::Tx tx;
    tx.chain_id = kChainId;
    tx.nonce = nonce++;
    tx.timestamp_ms = kT0 + nonce;
    tx.sender = key.public_key();
    tx.contract = "notary";
    tx.method = "anchor";
    tx.args = contracts::notary_anchor_args(d, json{{"n", tx.nonce}});
    tx.sign(key);
    return tx;
  }

  void sign_cert(core::Block& block) const {
    block.cert = {};
    block.cert.kind = core::CommitCert::Kind::kSolo;
    const Hash msg =
        core::commit_message(block.header.chain_id, block.header.height, 0, block.header.hash());
    block.cert.votes.push_back({node_key.public_key(), node_key.sign(core::ByteSpan(msg))});
  }

  // Executes and commits one block; `tweak` may alter the header before signing.
  core::Block commit(storage::Store& store, std::vector<core::Tx> txs,
                     const std::function<void(core::BlockHeader&)>& tweak = {}) {
    const storage::ChainTip tip = *store.tip();
    const uint64_t height = tip.height + 1;
    const uint64_t time = kT0 + height * 1000;
    StoreView view(store);
    auto exec = executor->execute_block(txs, height, time, tip.state_root, view);
    REQUIRE_MESSAGE(exec.is_ok(), exec.status().to_string());
    core::Block block;
    block.txs = std::move(txs);
    core::BlockHeader& h = block.header;
    h.chain_id = kChainId;
    h.height = height;
    h.prev_hash = tip.block_hash;
    h.timestamp_ms = time;
    h.proposer = node_key.public_key();
    h.tx_count = static_cast<uint32_t>(block.txs.size());
    h.tx_root = core::Block::compute_tx_root(block.txs);
    h.receipts_root = exec->receipts_root;
    h.state_root = exec->state_root;
    h.validator_set_hash = core::validator_set_hash(genesis.validators);
    if (tweak) tweak(h);
    sign_cert(block);
    const core::Status st = store.commit_block(block, exec->receipts, exec->writes);
    REQUIRE_MESSAGE(st.is_ok(), st.to_string());
    return block;
  }

  void init(storage::Store& store) {
    REQUIRE(store.init_genesis(core::make_genesis_block(genesis), genesis.to_json()).is_ok());
  }

  // Heights 1..4: anchors by two members, a refused duplicate, a refused
  // stranger, an empty block. 7 txs, 4 notary keys.
  std::vector<core::Block> build(storage::Store& store) {
    init(store);
    std::vector<core::Block> blocks;
    blocks.push_back(commit(store, {anchor(client_key, digest(1)), anchor(client_key, digest(2))}));
    blocks.push_back(commit(store, {anchor(node_key, digest(3)), anchor(client_key, digest(1))}));
    blocks.push_back(commit(store, {}));
    blocks.push_back(commit(store, {anchor(stranger_key, digest(9)), anchor(client_key, digest(4)),
                                    anchor(node_key, digest(5))}));
    return blocks;
  }

  void write_genesis_file(const std::string& path) const {
    std::ofstream(path) << genesis.to_json();
  }
};

VerifyChainReport verify(const storage::Store& store, const core::Genesis& genesis,
                         bool keep_going = false) {
  VerifyChainOptions options;
  options.keep_going = keep_going;
  auto report = verify_chain(store, genesis, options);
  REQUIRE_MESSAGE(report.is_ok(), report.status().to_string());
  return std::move(report).value();
}

std::string first_difference(const VerifyChainReport& r) {
  return r.differences.empty() ? std::string("(none)") : r.differences.front().message;
}

std::string height_key(uint64_t height) {
  std::string k(8, '\0');
  for (int i = 0; i < 8; ++i) k[7 - i] = static_cast<char>((height >> (8 * i)) & 0xff);
  return k;
}

std::string raw(const Hash& h) { return std::string(h.begin(), h.end()); }

// The store's RocksDB opened directly, to tamper with it (docs/storage.md layout).
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    rocksdb::Options options;
    std::vector<std::string> names;
    REQUIRE(rocksdb::DB::ListColumnFamilies(options, path, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const std::string& n : names) descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());
    rocksdb::DB* db = nullptr;
    const rocksdb::Status st = rocksdb::DB::Open(options, path, descriptors, &handles_, &db);
    REQUIRE_MESSAGE(st.ok(), st.ToString());
    db_.reset(db);
    for (size_t i = 0; i < names.size(); ++i) by_name_[names[i]] = handles_[i];
  }
  ~RawDb() {
    for (auto* h : handles_) (void)db_->DestroyColumnFamilyHandle(h);
    (void)db_->Close();
  }
  std::string get(const std::string& cf, const std::string& key) {
    std::string v;
    const rocksdb::Status st = db_->Get({}, by_name_.at(cf), key, &v);
    REQUIRE_MESSAGE(st.ok(), (cf + ": " + st.ToString()));
    return v;
  }
  void put(const std::string& cf, const std::string& key, const std::string& value) {
    REQUIRE(db_->Put({}, by_name_.at(cf), key, value).ok());
  }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> by_name_;
};

std::unique_ptr<storage::Store> open_store(const std::string& path) {
  auto store = storage::open_rocksdb_store(path);
  REQUIRE_MESSAGE(store.is_ok(), store.status().to_string());
  return std::move(store).value();
}

VerifyChainReport verify_dir(const std::string& path, const core::Genesis& genesis,
                             bool keep_going = false) {
  auto store = open_store(path);
  return verify(*store, genesis, keep_going);
}

struct Run {
  int code = -1;
  std::string out;
  std::string err;
};

Run silk_cli(std::vector<std::string> args) {
  args.insert(args.begin(), "silk");
  std::ostringstream out;
  std::ostringstream err;
  core::ManualClock clock(kT0);
  CliEnv env;
  env.out = &out;
  env.err = &err;
  env.getenv = [](const char*) -> std::optional<std::string> { return std::nullopt; };
  env.clock = &clock;
  Run r;
  r.code = run_cli(args, env);
  r.out = out.str();
  r.err = err.str();
  return r;
}

}  // namespace

TEST_SUITE("audit_verify_chain") {
  TEST_CASE("an honest chain verifies, with counts and progress") {
    ChainBuilder chain;
    auto store = storage::make_memory_store();
    chain.build(*store);
    std::vector<uint64_t> seen;
    VerifyChainOptions options;
    auto report = verify_chain(*store, chain.genesis, options, [&](const VerifyChainProgress& p) {
      CHECK(p.tip_height == 4);
      seen.push_back(p.height);
    });
    REQUIRE(report.is_ok());
    CHECK_MESSAGE(report->ok(), first_difference(*report));
    CHECK(report->complete);
    CHECK(report->tip_height == 4);
    CHECK(report->blocks_checked == 5);
    CHECK(report->txs_checked == 7);
    CHECK(report->state_keys_checked == 5);  // digests 1..5; the refused txs wrote nothing
    CHECK(report->history_versions_checked == report->state_keys_checked);
    CHECK(seen == std::vector<uint64_t>{0, 1, 2, 3, 4});
  }

  TEST_CASE("an empty store cannot be verified") {
    ChainBuilder chain;
    auto store = storage::make_memory_store();
    auto report = verify_chain(*store, chain.genesis, {});
    REQUIRE_FALSE(report.is_ok());
    CHECK(report.status().code() == core::Status::Code::kNotFound);
  }

  TEST_CASE("another genesis file is caught at height 0") {
    ChainBuilder chain;
    auto store = storage::make_memory_store();
    chain.build(*store);
    core::Genesis other = chain.genesis;
    other.timestamp_ms += 1;
    auto reparsed = core::Genesis::parse(other.to_json());
    REQUIRE(reparsed.is_ok());
    auto report = verify(*store, *reparsed);
    CHECK_FALSE(report.ok());
    CHECK(first_difference(report).rfind("height 0: block 0 is not the genesis block", 0) == 0);
  }

  TEST_CASE("a validator-signed block with a wrong state_root is caught") {
    ChainBuilder chain;
    auto store = storage::make_memory_store();
    chain.build(*store);
    Hash bogus{};
    bogus.fill(0x5a);
    chain.commit(*store, {chain.anchor(chain.client_key, digest(6))},
                 [&](core::BlockHeader& h) { h.state_root = bogus; });
    auto report = verify(*store, chain.genesis);
    CHECK_FALSE(report.ok());
    CHECK(first_difference(report).rfind(
              "height 5: state_root in header " + core::to_hex(bogus) + " != replayed ", 0) == 0);
    CHECK(report.blocks_checked == 6);
  }

  TEST_CASE("a signed-in tx with a bad signature and a wrong receipts_root are caught") {
    ChainBuilder chain;
    auto store = storage::make_memory_store();
    chain.init(*store);
    core::Tx forged = chain.anchor(chain.client_key, digest(7));
    forged.signature[10] ^= 0x01;
    chain.commit(*store, {chain.anchor(chain.client_key, digest(8)), forged},
                 [](core::BlockHeader& h) { h.receipts_root[0] ^= 0xff; });
    auto report = verify(*store, chain.genesis, /*keep_going=*/true);
    REQUIRE(report.differences.size() == 2);
    CHECK(report.complete);
    CHECK(report.differences[0].message.rfind("height 1: tx 1 (" + core::to_hex(forged.tx_id()) +
                                                  ") signature does not verify against sender",
                                              0) == 0);
    CHECK(report.differences[1].message.rfind("height 1: receipts_root in header", 0) == 0);
    CHECK(*report.differences[0].height == 1);
  }

  TEST_CASE("signatures on worker threads: a long chain verifies; bad ones come in chain order") {
    // 70 blocks (more than the read-ahead window), some with more txs than a
    // worker's chunk; forged signatures in blocks 40 and 65.
    ChainBuilder chain;
    auto store = storage::make_memory_store();
    chain.init(*store);
    int next_digest = 100;
    Hash forged_40{};
    Hash forged_65{};
    Hash forged_65_late{};
    uint64_t txs = 0;
    for (uint64_t height = 1; height <= 70; ++height) {
      const size_t n = height % 10 == 0 || height == 65 ? 75 : height % 3;
      std::vector<core::Tx> block;
      for (size_t i = 0; i < n; ++i) {
        block.push_back(
            chain.anchor(i % 2 ? chain.node_key : chain.client_key, digest(next_digest++)));
      }
      if (height == 40) {
        block[37].signature[5] ^= 0x01;
        forged_40 = block[37].tx_id();
      }
      if (height == 65) {
        block[3].signature[0] ^= 0x80;
        forged_65 = block[3].tx_id();
        block[70].signature[63] ^= 0x01;
        forged_65_late = block[70].tx_id();
      }
      txs += n;
      chain.commit(*store, std::move(block));
    }

    std::vector<std::vector<std::string>> listed;
    for (unsigned threads : {1u, 2u, 4u}) {
      CAPTURE(threads);
      VerifyChainOptions options;
      options.signature_threads = threads;
      std::vector<uint64_t> seen;
      auto first = verify_chain(*store, chain.genesis, options,
                                [&](const VerifyChainProgress& p) { seen.push_back(p.height); });
      REQUIRE(first.is_ok());
      CHECK(first->signature_threads == threads);
      REQUIRE(first->differences.size() == 1);
      CHECK(first->differences[0].message == "height 40: tx 37 (" + core::to_hex(forged_40) +
                                                 ") signature does not verify against sender " +
                                                 core::to_hex(chain.node_key.public_key()));
      CHECK(first->blocks_checked == 41);
      CHECK_FALSE(first->complete);
      CHECK(seen.size() == 41);
      CHECK(seen.back() == 40);

      options.keep_going = true;
      auto all = verify_chain(*store, chain.genesis, options);
      REQUIRE(all.is_ok());
      CHECK(all->complete);
      CHECK(all->blocks_checked == 71);
      CHECK(all->txs_checked == txs);
      std::vector<std::string> messages;
      for (const ChainDifference& d : all->differences) messages.push_back(d.message);
      REQUIRE(messages.size() == 3);
      CHECK(messages[0].rfind("height 40: tx 37 (" + core::to_hex(forged_40) + ")", 0) == 0);
      CHECK(messages[1].rfind("height 65: tx 3 (" + core::to_hex(forged_65) + ")", 0) == 0);
      CHECK(messages[2].rfind("height 65: tx 70 (" + core::to_hex(forged_65_late) + ")", 0) == 0);
      listed.push_back(messages);
    }
    CHECK(listed[0] == listed[1]);
    CHECK(listed[0] == listed[2]);
  }

  TEST_CASE("signatures on worker threads: a multi-block chain with full blocks verifies") {
    ChainBuilder chain;
    auto store = storage::make_memory_store();
    chain.init(*store);
    int next_digest = 1000;
    for (int b = 0; b < 6; ++b) {
      std::vector<core::Tx> block;
      for (int i = 0; i < 200; ++i) {
        block.push_back(chain.anchor(chain.client_key, digest(next_digest++)));
      }
      chain.commit(*store, std::move(block));
    }
    VerifyChainOptions options;
    options.signature_threads = 3;
    auto report = verify_chain(*store, chain.genesis, options);
    REQUIRE(report.is_ok());
    CHECK_MESSAGE(report->ok(), first_difference(*report));
    CHECK(report->blocks_checked == 7);
    CHECK(report->txs_checked == 1200);
    CHECK(report->state_keys_checked == 1200);
    CHECK(report->signature_threads == 3);
  }

  TEST_CASE("state comparison on worker threads: differences in many keys come in key order") {
    // 600 keys (many comparison chunks); changed values of four keys and the
    // history of a fifth.
    ChainBuilder chain;
    TempDir dir;
    std::vector<std::string> keys;
    {
      auto store = open_store(dir.db());
      chain.init(*store);
      int next_digest = 5000;
      for (int b = 0; b < 3; ++b) {
        std::vector<core::Tx> block;
        for (int i = 0; i < 200; ++i) {
          keys.push_back(contracts::notary_state_key(digest(next_digest)));
          block.push_back(chain.anchor(chain.client_key, digest(next_digest++)));
        }
        chain.commit(*store, std::move(block));
      }
    }
    {
      RawDb db(dir.db());
      for (size_t i : {7u, 123u, 388u, 599u}) db.put("state", keys[i], "{}");
      std::string hk;
      const std::string& key = keys[250];  // block 2 (height 2), tx 50
      for (int i = 3; i >= 0; --i) hk.push_back(static_cast<char>((key.size() >> (8 * i)) & 0xff));
      hk += key + height_key(2) + std::string("\0\0\0\x32", 4);
      std::string v = db.get("history", hk);
      v.back() = static_cast<char>(v.back() ^ 0x01);
      db.put("history", hk, v);
    }
    auto store = open_store(dir.db());
    struct Config {
      unsigned threads;
      bool concurrent_reads;
    };
    std::vector<std::vector<std::string>> listed;
    std::vector<std::string> firsts;
    for (const Config c : {Config{1, true}, Config{4, true}, Config{4, false}}) {
      CAPTURE(c.threads);
      CAPTURE(c.concurrent_reads);
      VerifyChainOptions options;
      options.signature_threads = c.threads;
      options.concurrent_store_reads = c.concurrent_reads;
      auto first = verify_chain(*store, chain.genesis, options);
      REQUIRE(first.is_ok());
      REQUIRE(first->differences.size() == 1);
      CHECK_FALSE(first->complete);
      CHECK(first->blocks_checked == 4);
      CHECK(first->state_keys_checked < 600);
      firsts.push_back(first->differences[0].message + " after " +
                       std::to_string(first->state_keys_checked) + " keys, " +
                       std::to_string(first->history_versions_checked) + " versions");

      options.keep_going = true;
      auto all = verify_chain(*store, chain.genesis, options);
      REQUIRE(all.is_ok());
      CHECK(all->complete);
      CHECK(all->state_keys_checked == 600);
      CHECK(all->history_versions_checked == 600);
      std::vector<std::string> messages;
      for (const ChainDifference& d : all->differences) {
        CHECK_FALSE(d.height.has_value());
        messages.push_back(d.message);
      }
      REQUIRE(messages.size() == 5);
      CHECK(std::is_sorted(messages.begin(), messages.end()));  // the replay's key order
      CHECK(messages.front() == first->differences[0].message);
      CHECK(std::count_if(messages.begin(), messages.end(), [](const std::string& m) {
              return m.find(": stored value differs from replay (stored 2 bytes") !=
                     std::string::npos;
            }) == 4);
      const std::string history_finding =
          "state key \"" + keys[250] + "\": history version 0 (height 2 tx 50) value differs";
      CHECK(std::count_if(messages.begin(), messages.end(), [&](const std::string& m) {
              return m.rfind(history_finding, 0) == 0;
            }) == 1);
      listed.push_back(messages);
    }
    CHECK(listed[0] == listed[1]);
    CHECK(listed[0] == listed[2]);
    CHECK(firsts[0] == firsts[1]);
    CHECK(firsts[0] == firsts[2]);
  }

  TEST_CASE("a commit certificate by a non-validator is caught") {
    ChainBuilder chain;
    auto store = storage::make_memory_store();
    chain.build(*store);
    auto tip = *store->tip();
    core::Block block;
    block.header.chain_id = kChainId;
    block.header.height = tip.height + 1;
    block.header.prev_hash = tip.block_hash;
    block.header.timestamp_ms = kT0 + 10'000;
    block.header.proposer = chain.client_key.public_key();
    block.header.tx_root = core::Block::compute_tx_root({});
    block.header.receipts_root = core::merkle_root({});
    block.header.state_root = core::next_state_root(tip.state_root, core::write_set_root({}));
    block.header.validator_set_hash = core::validator_set_hash(chain.genesis.validators);
    const Hash msg = core::commit_message(kChainId, block.header.height, 0, block.header.hash());
    block.cert.votes.push_back(
        {chain.client_key.public_key(), chain.client_key.sign(core::ByteSpan(msg))});
    REQUIRE(store->commit_block(block, {}, {}).is_ok());
    auto report = verify(*store, chain.genesis);
    CHECK(first_difference(report).rfind("height 5: commit certificate does not verify: ", 0) == 0);
    CHECK(first_difference(report).find("is not a validator") != std::string::npos);
  }

  TEST_CASE("RocksDB: one flipped byte anywhere in a stored block is caught at its height") {
    ChainBuilder chain;
    TempDir dir;
    std::vector<core::Block> blocks;
    {
      auto store = open_store(dir.db());
      blocks = chain.build(*store);
    }
    CHECK_MESSAGE(verify_dir(dir.db(), chain.genesis).ok(), "honest chain");

    std::string original;
    {
      RawDb db(dir.db());
      original = db.get("blocks", height_key(2));
    }
    REQUIRE(original.size() == blocks[1].encode().size());
    std::vector<size_t> offsets = {0,
                                   4,
                                   12,
                                   30,
                                   60,
                                   100,
                                   150,
                                   200,
                                   260,
                                   320,
                                   400,
                                   500,
                                   original.size() / 2,
                                   original.size() - 1};
    for (size_t offset : offsets) {
      if (offset >= original.size()) continue;
      CAPTURE(offset);
      std::string tampered = original;
      tampered[offset] = static_cast<char>(tampered[offset] ^ 0x01);
      {
        RawDb db(dir.db());
        db.put("blocks", height_key(2), tampered);
      }
      auto report = verify_dir(dir.db(), chain.genesis);
      CHECK_FALSE(report.ok());
      CHECK_MESSAGE(first_difference(report).rfind("height 2: ", 0) == 0, first_difference(report));
      {
        RawDb db(dir.db());
        db.put("blocks", height_key(2), original);
      }
    }
    CHECK(verify_dir(dir.db(), chain.genesis).ok());
  }

  TEST_CASE("RocksDB: a changed state value, history entry or receipt is caught") {
    ChainBuilder chain;
    TempDir dir;
    std::vector<core::Block> blocks;
    {
      auto store = open_store(dir.db());
      blocks = chain.build(*store);
    }
    const std::string key = contracts::notary_state_key(digest(3));

    SUBCASE("state value") {
      {
        RawDb db(dir.db());
        std::string v = db.get("state", key);
        v[v.size() / 2] = static_cast<char>(v[v.size() / 2] ^ 0x01);
        db.put("state", key, v);
      }
      auto report = verify_dir(dir.db(), chain.genesis);
      REQUIRE(report.differences.size() == 1);
      CHECK_FALSE(report.ok());
      CHECK(report.blocks_checked == 5);  // the blocks are fine; the state is not
      CHECK(first_difference(report).rfind(
                "state key \"" + key + "\": stored value differs from replay", 0) == 0);
      CHECK_FALSE(report.differences.front().height.has_value());
    }

    SUBCASE("state value of a key that a failed tx tried to write stays absent") {
      const std::string refused = contracts::notary_state_key(digest(9));
      {
        RawDb db(dir.db());
        db.put("state", refused, "{\"planted\":true}");
      }
      // The replay never wrote this key, so it cannot be compared: a known limit.
      CHECK(verify_dir(dir.db(), chain.genesis).ok());
    }

    SUBCASE("history value") {
      {
        RawDb db(dir.db());
        std::string hk;
        for (int i = 3; i >= 0; --i)
          hk.push_back(static_cast<char>((key.size() >> (8 * i)) & 0xff));
        hk += key + height_key(2) + std::string("\0\0\0\0", 4);
        std::string v = db.get("history", hk);
        v.back() = static_cast<char>(v.back() ^ 0x01);
        db.put("history", hk, v);
      }
      auto report = verify_dir(dir.db(), chain.genesis);
      CHECK(first_difference(report).rfind(
                "state key \"" + key + "\": history version 0 (height 2 tx 0) value differs", 0) ==
            0);
    }

    SUBCASE("receipt of a refused duplicate made to look successful") {
      const core::Tx& dup = blocks[1].txs[1];
      {
        RawDb db(dir.db());
        auto receipt = core::Receipt::decode(core::as_span(db.get("receipts", raw(dup.tx_id()))));
        REQUIRE(receipt.is_ok());
        CHECK(receipt->code == static_cast<uint32_t>(core::Status::Code::kConflict));
        receipt->code = 0;
        receipt->message.clear();
        const core::Bytes enc = receipt->encode();
        db.put("receipts", raw(dup.tx_id()), std::string(enc.begin(), enc.end()));
      }
      auto report = verify_dir(dir.db(), chain.genesis);
      CHECK(first_difference(report).rfind("height 2: tx 1 (" + core::to_hex(dup.tx_id()) +
                                               ") stored receipt differs from replay: stored "
                                               "code 0",
                                           0) == 0);
      CHECK(report.blocks_checked == 3);  // stopped in block 2, at the first difference
      CHECK_FALSE(report.complete);
    }

    SUBCASE("keep-going lists every difference") {
      const core::Tx& t = blocks[3].txs[2];
      {
        RawDb db(dir.db());
        db.put("state", key, "{}");
        db.put("tx_index", raw(t.tx_id()), std::string(12, '\0'));
      }
      auto first_only = verify_dir(dir.db(), chain.genesis);
      CHECK(first_only.differences.size() == 1);
      auto all = verify_dir(dir.db(), chain.genesis, /*keep_going=*/true);
      REQUIRE(all.differences.size() == 2);
      CHECK(all.complete);
      CHECK(all.differences[0].message ==
            "height 4: tx 2 (" + core::to_hex(t.tx_id()) +
                ") tx index points to height 0 index 0, not height 4 index 2");
      CHECK(all.differences[1].message.rfind("state key \"" + key + "\"", 0) == 0);
    }
  }

  TEST_CASE("CLI: silk audit verify-chain") {
    ChainBuilder chain;
    TempDir dir;
    chain.write_genesis_file(dir.genesis_file());
    {
      auto store = open_store(dir.db());
      chain.build(*store);
    }

    Run ok = silk_cli(
        {"audit", "verify-chain", "--data-dir", dir.db(), "--genesis", dir.genesis_file()});
    CHECK_MESSAGE(ok.code == 0, ok.err);
    CHECK(ok.out.find("result:      OK") != std::string::npos);
    CHECK(ok.out.find("blocks:      5 of 5") != std::string::npos);
    CHECK(ok.out.find("txs:         7\n") != std::string::npos);
    CHECK(ok.out.find(" txs/s; signatures on ") != std::string::npos);
    CHECK(ok.err.empty());  // no progress line: stderr is not a terminal

    Run js = silk_cli({"audit", "verify-chain", "--data-dir", dir.db(), "--genesis",
                       dir.genesis_file(), "--json"});
    CHECK(js.code == 0);
    json j = json::parse(js.out);
    CHECK(j["ok"] == true);
    CHECK(j["blocks_checked"] == 5);
    CHECK(j["txs_checked"] == 7);
    CHECK(j["duration_ms"].is_number());
    CHECK(j["txs_per_s"].is_number());
    CHECK(j["signature_threads"].get<unsigned>() >= 1);
    CHECK(j["genesis_hash"] == core::to_hex(chain.genesis.hash));
    CHECK(j["differences"].empty());

    {
      auto held = open_store(dir.db());  // as a running silkd would
      Run locked = silk_cli(
          {"audit", "verify-chain", "--data-dir", dir.db(), "--genesis", dir.genesis_file()});
      CHECK(locked.code == 1);
      CHECK(locked.err.rfind(
                "silk: error: data folder " + dir.db() + " is locked by a running silkd; stop it",
                0) == 0);
    }

    Run missing = silk_cli({"audit", "verify-chain", "--data-dir", dir.db() + "-nope", "--genesis",
                            dir.genesis_file()});
    CHECK(missing.code == 1);
    CHECK(missing.err.find("does not exist") != std::string::npos);

    Run usage = silk_cli({"audit", "verify-chain", "--genesis", dir.genesis_file()});
    CHECK(usage.code == kExitUsage);

    {
      RawDb db(dir.db());
      const std::string key = contracts::notary_state_key(digest(1));
      db.put("state", key, "{\"hash\":\"forged\"}");
    }
    Run bad = silk_cli({"audit", "verify-chain", "--data-dir", dir.db(), "--genesis",
                        dir.genesis_file(), "--json"});
    CHECK(bad.code == 1);
    CHECK(bad.err.rfind("silk: error: chain differs: state key \"notary/", 0) == 0);
    json b = json::parse(bad.out);
    CHECK(b["ok"] == false);
    REQUIRE(b["differences"].size() == 1);
    CHECK(b["differences"][0]["height"].is_null());
  }
}
