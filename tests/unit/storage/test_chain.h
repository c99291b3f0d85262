// Helpers for storage tests: deterministic blocks, receipts and writes, and
// temporary directories. Everything a block holds is a function of its
// height and the tip it builds on, so a test (or a crash-test parent) can
// rebuild any block and know exactly what the store must or must not hold.
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "silk/core/block.h"
#include "silk/core/crypto.h"
#include "silk/core/merkle.h"
#include "silk/core/receipt.h"
#include "silk/core/tx.h"
#include "silk/core/write_set.h"
#include "silk/storage/store.h"

namespace silk::storage::testing {

inline constexpr char kChainId[] = "silk-test";
inline constexpr uint64_t kGenesisTimeMs = 1'700'000'000'000;

// A directory under /tmp, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = "/tmp/silk-storage-test-XXXXXX";
    char* made = ::mkdtemp(tmpl.data());
    REQUIRE_MESSAGE(made != nullptr, "mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string db() const { return path_ + "/db"; }

 private:
  std::string path_;
};

inline core::Block genesis_block(const std::string& chain_id = kChainId,
                                 uint64_t timestamp_ms = kGenesisTimeMs) {
  core::Block b;
  b.header.chain_id = chain_id;
  b.header.height = 0;
  b.header.timestamp_ms = timestamp_ms;
  b.header.tx_root = core::Block::compute_tx_root({});
  b.header.receipts_root = core::merkle_root({});
  b.header.state_root = core::sha256("genesis of " + chain_id);
  return b;
}

inline std::string genesis_json(const std::string& chain_id = kChainId) {
  return "{\"chain_id\":\"" + chain_id + "\"}";
}

// Tx `index` of the block at `height`: distinct for every (height, index).
inline core::Tx make_tx(uint64_t height, uint32_t index, const std::string& chain_id = kChainId) {
  core::Tx tx;
  tx.chain_id = chain_id;
  tx.nonce = (height << 24) | index;
  tx.timestamp_ms = kGenesisTimeMs + height * 1000;
  tx.sender[0] = static_cast<uint8_t>(index);
  tx.sender[1] = static_cast<uint8_t>(height);
  tx.contract = "notary";
  tx.method = "anchor";
  tx.args = "{\"hash\":\"" + std::to_string(height) + "-" + std::to_string(index) + "\"}";
  tx.signature[0] = 0x5a;
  return tx;
}

struct BlockData {
  core::Block block;
  std::vector<core::Receipt> receipts;
  std::vector<core::StateWrite> writes;
};

inline core::StateWrite put(uint32_t tx_index, std::string key, std::string value) {
  return core::StateWrite{tx_index, std::move(key), std::move(value)};
}
inline core::StateWrite del(uint32_t tx_index, std::string key) {
  return core::StateWrite{tx_index, std::move(key), std::nullopt};
}

// The block on top of `tip` with `tx_count` txs, receipts (every fifth tx
// fails) and `writes`, with correct roots and a state root chained from the tip.
inline BlockData make_block(const ChainTip& tip, uint32_t tx_count,
                            std::vector<core::StateWrite> writes,
                            const std::string& chain_id = kChainId) {
  BlockData d;
  const uint64_t height = tip.height + 1;
  for (uint32_t i = 0; i < tx_count; ++i) d.block.txs.push_back(make_tx(height, i, chain_id));
  std::vector<core::Hash> receipt_leaves;
  for (uint32_t i = 0; i < tx_count; ++i) {
    core::Receipt r;
    r.tx_id = d.block.txs[i].tx_id();
    std::vector<core::StateWrite> own;
    for (const core::StateWrite& w : writes) {
      if (w.tx_index == i) own.push_back(w);
    }
    r.write_set_hash = core::write_set_hash(own);
    if (i % 5 == 4) {
      r.code = 1;
      r.message = "digest already anchored";
    } else {
      r.result = "{\"ok\":true}";
      r.events.push_back({"notary", "anchored", "{\"i\":" + std::to_string(i) + "}"});
    }
    receipt_leaves.push_back(core::merkle_leaf_hash(r.encode()));
    d.receipts.push_back(std::move(r));
  }
  core::BlockHeader& h = d.block.header;
  h.chain_id = chain_id;
  h.height = height;
  h.prev_hash = tip.block_hash;
  h.timestamp_ms = tip.timestamp_ms + 1000;
  h.proposer[0] = 0x42;
  h.tx_count = tx_count;
  h.tx_root = core::Block::compute_tx_root(d.block.txs);
  h.receipts_root = core::merkle_root(receipt_leaves);
  h.state_root = core::next_state_root(tip.state_root, core::write_set_root(writes));
  d.writes = std::move(writes);
  return d;
}

inline ChainTip tip_of(const core::Block& block, uint64_t total_txs) {
  ChainTip t;
  t.height = block.header.height;
  t.block_hash = block.hash();
  t.state_root = block.header.state_root;
  t.timestamp_ms = block.header.timestamp_ms;
  t.total_txs = total_txs;
  return t;
}

inline bool same_tip(const ChainTip& a, const ChainTip& b) {
  return a.height == b.height && a.block_hash == b.block_hash && a.state_root == b.state_root &&
         a.timestamp_ms == b.timestamp_ms && a.total_txs == b.total_txs;
}

inline core::Status commit(Store& store, const BlockData& d) {
  return store.commit_block(d.block, d.receipts, d.writes);
}

// Calls crypto_init once and fails the test if it fails.
inline void init_crypto() { REQUIRE(core::crypto_init().is_ok()); }

}  // namespace silk::storage::testing
