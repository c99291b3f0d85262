// A chain to audit, built the way silkd's driver builds one, in a memory store or a
// RocksDB folder that tests can tamper with: shared by chain's verify_chain tests and the
// tools' `silk audit verify-chain` tests.
#pragma once

#include <doctest/doctest.h>
#include <rocksdb/db.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "silk/chain/chain_view.h"
#include "silk/chain/engine.h"
#include "silk/chain/verify_chain.h"
#include "silk/contracts/executor.h"
#include "silk/contracts/notary.h"
#include "silk/core/block.h"
#include "silk/core/crypto.h"
#include "silk/core/genesis.h"
#include "silk/core/merkle.h"
#include "silk/core/write_set.h"
#include "silk/storage/store.h"

namespace silk::audit_test {

using chain::VerifyChainOptions;
using chain::VerifyChainReport;
using core::Hash;
using nlohmann::json;
namespace fs = std::filesystem;

inline constexpr const char* kChainId = "silk-audit-test";
inline constexpr uint64_t kT0 = 1'700'000'000'000;

inline core::SecretKey key_from_tag(uint8_t tag) {
  REQUIRE(core::crypto_init().is_ok());
  core::Bytes seed(32, tag);
  auto key = core::SecretKey::from_seed(seed);
  REQUIRE(key.is_ok());
  return std::move(key).value();
}

inline Hash digest(int n) { return core::sha256("audited document " + std::to_string(n)); }

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

// Builds blocks as silkd's chain driver does: execute over committed state,
// fill the header's roots, sign the solo commit certificate, commit.
struct ChainBuilder {
  core::SecretKey node_key = key_from_tag(1);    // the validator
  core::SecretKey client_key = key_from_tag(2);  // a member
  core::SecretKey stranger_key = key_from_tag(3);
  core::Genesis genesis;
  std::unique_ptr<contracts::Executor> executor;
  uint64_t nonce = 1;

  explicit ChainBuilder(uint32_t max_block_txs = 5000, uint64_t max_block_bytes = 8u << 20) {
    core::Genesis g;
    g.chain_id = kChainId;
    g.timestamp_ms = kT0;
    g.identity_mode = "with-key";
    g.consensus.max_block_txs = max_block_txs;
    g.consensus.max_block_bytes = max_block_bytes;
    g.members.push_back({"node", node_key.public_key(), "org1", {"node", "admin"}});
    g.members.push_back({"client", client_key.public_key(), "org1", {"client", "issuer"}});
    g.validators.push_back(node_key.public_key());
    auto parsed = core::Genesis::parse(g.to_json());
    REQUIRE_MESSAGE(parsed.is_ok(), parsed.status().to_string());
    genesis = std::move(parsed).value();
    executor = std::move(chain::make_executor(genesis)).value();
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
    chain::StoreChainView view(store);
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

inline VerifyChainReport verify(const storage::Store& store, const core::Genesis& genesis,
                                bool keep_going = false) {
  VerifyChainOptions options;
  options.keep_going = keep_going;
  auto report = chain::verify_chain(store, genesis, options);
  REQUIRE_MESSAGE(report.is_ok(), report.status().to_string());
  return std::move(report).value();
}

inline std::string first_difference(const VerifyChainReport& r) {
  return r.differences.empty() ? std::string("(none)") : r.differences.front().message;
}

inline std::string height_key(uint64_t height) {
  std::string k(8, '\0');
  for (int i = 0; i < 8; ++i) k[7 - i] = static_cast<char>((height >> (8 * i)) & 0xff);
  return k;
}

inline std::string raw(const Hash& h) { return std::string(h.begin(), h.end()); }

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

inline std::unique_ptr<storage::Store> open_store(const std::string& path) {
  auto store = storage::open_rocksdb_store(path);
  REQUIRE_MESSAGE(store.is_ok(), store.status().to_string());
  return std::move(store).value();
}

inline VerifyChainReport verify_dir(const std::string& path, const core::Genesis& genesis,
                                    bool keep_going = false) {
  auto store = open_store(path);
  return verify(*store, genesis, keep_going);
}

}  // namespace silk::audit_test
