// The block and state store. One implementation on RocksDB (the default,
// durable) and one in memory (for tests), behind one interface.
//
// Thread-safety: every method may be called from any thread. Reads run
// concurrently with each other and with commit_block; commit_block calls are
// serialised by the caller (one block pipeline per node).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "silk/core/block.h"
#include "silk/core/bytes.h"
#include "silk/core/receipt.h"
#include "silk/core/status.h"
#include "silk/core/write_set.h"

namespace silk::storage {

struct TxLocation {
  uint64_t height = 0;
  uint32_t index = 0;
};

// A position in the chain: tx `index` of the block at `height`. Positions
// order txs the way the chain does: by height, then by index in the block.
struct TxPosition {
  uint64_t height = 0;
  uint32_t index = 0;
  friend auto operator<=>(const TxPosition&, const TxPosition&) = default;
};

// One committed tx as the tx query indexes know it (no block read needed).
struct TxSummary {
  uint64_t height = 0;
  uint32_t index = 0;
  core::Hash tx_id{};
  core::Hash sender{};        // Tx::sender: public key or certificate fingerprint
  uint64_t timestamp_ms = 0;  // the block's time (not the tx's client time)
  uint32_t code = 0;          // the receipt's code: 0 = ok
  std::string contract;
  std::string method;
};

enum class TxOrder { kAscending, kDescending };

inline constexpr uint32_t kMaxTxQueryLimit = 1000;
// How many index entries one query_txs call reads at most (matching or not).
inline constexpr uint32_t kTxQueryScanBudget = 10000;

// What query_txs looks for. Every filter that is set must hold (AND); with
// none set, every tx of the chain matches.
struct TxQuery {
  // Tx::sender: the signer's Ed25519 public key (with-key chains) or the
  // SHA-256 fingerprint of its DER certificate (with-cert chains).
  std::optional<core::Hash> sender;
  std::optional<std::string> contract;
  // Block time bounds, both inclusive, in Unix ms.
  std::optional<uint64_t> from_ms;
  std::optional<uint64_t> to_ms;
  // Resume strictly after this position in `order` (the `next` of the
  // previous page); nullopt starts at the first (ascending) or last
  // (descending) tx.
  std::optional<TxPosition> after;
  uint32_t limit = 100;  // 1..kMaxTxQueryLimit
  TxOrder order = TxOrder::kAscending;
};

struct TxPage {
  std::vector<TxSummary> txs;  // in `order`
  // Where the next page starts (pass it as TxQuery::after); nullopt when the
  // query reached its end. A page may hold fewer than `limit` txs while
  // `next` is set, when the scan budget ran out first.
  std::optional<TxPosition> next;
};

struct ChainTip {
  uint64_t height = 0;
  core::Hash block_hash{};
  core::Hash state_root{};
  uint64_t timestamp_ms = 0;
  uint64_t total_txs = 0;  // txs in all blocks up to and including this one
};

class Store {
 public:
  virtual ~Store() = default;

  // Stores block 0 and the genesis JSON on an empty store. On a store that
  // already holds a chain: OK when its genesis hash equals this one, else
  // kConflict naming both hashes. "Genesis hash" is the hash of block 0 (whose
  // state_root is the genesis file's hash). kInvalid unless the block has
  // height 0, a zero prev_hash and no txs.
  virtual core::Status init_genesis(const core::Block& genesis_block,
                                    std::string_view genesis_json) = 0;
  // kNotFound on an empty store.
  virtual core::Result<std::string> genesis_json() const = 0;

  // The last committed block; nullopt on an empty store.
  virtual std::optional<ChainTip> tip() const = 0;

  // The storage engine's own figures for an operator (RocksDB: memtable and SST bytes, pending
  // compaction bytes, whether writes are stalled), as (metric name suffix, value). Empty for a
  // store that has none. Thread-safe; cheap enough for a scrape.
  virtual std::vector<std::pair<std::string, uint64_t>> engine_figures() const { return {}; }

  // Commits one block with its receipts (one per tx, same order) and the
  // state writes its txs made, in one atomic, synced write: after a crash the
  // store holds the whole block or none of it. Rejects (kInvalid) a height
  // other than tip+1, a prev_hash that is not the tip's hash, a block time
  // before the tip's, or a receipt count that differs from the tx count.
  // Writes to the tx index, receipts, current state, key history and the tx
  // query indexes (see query_txs).
  // Also kInvalid: no genesis yet, header.tx_count != txs.size(), receipt i
  // not for tx i, a write whose tx_index is not a tx of the block, an empty
  // key or a key with a NUL byte. kConflict: a tx_id twice in the block or
  // already on chain (the tx index would otherwise be overwritten). kIOError
  // when the write fails. A rejected block leaves the store unchanged.
  // When several writes touch one key, the current value is the one with the
  // highest tx_index (the later in `writes` among equal tx_index); every write
  // is a history version, except that a later write at the same
  // (height, tx_index) replaces an earlier one.
  virtual core::Status commit_block(const core::Block& block,
                                    const std::vector<core::Receipt>& receipts,
                                    const std::vector<core::StateWrite>& writes) = 0;

  // kNotFound when absent; kCorruption when stored bytes fail to decode.
  virtual core::Result<core::Block> block_by_height(uint64_t height) const = 0;
  virtual core::Result<core::Block> block_by_hash(const core::Hash& hash) const = 0;
  virtual core::Result<TxLocation> tx_location(const core::Hash& tx_id) const = 0;
  virtual bool has_tx(const core::Hash& tx_id) const = 0;
  virtual core::Result<core::Receipt> receipt(const core::Hash& tx_id) const = 0;

  // Current value; nullopt when the key was never written or was deleted.
  virtual core::Result<std::optional<std::string>> get_state(std::string_view key) const = 0;

  // Versions of `key`, oldest first, skipping `offset` and returning at most
  // `limit`. Deletions are versions too. An unknown key, an offset past the
  // end or a limit of 0 give an empty list. Cost: O(offset + limit).
  virtual core::Result<std::vector<core::KeyVersion>> history(std::string_view key, uint64_t offset,
                                                              uint32_t limit) const = 0;

  // Committed txs matching `query`, in (height, index) order or its reverse:
  // the tx query indexes (by sender, by contract, by position, and block
  // times), written by commit_block in the same atomic write as the block.
  // Cost: one seek plus at most kTxQueryScanBudget index steps, never a scan
  // of the chain: the sender index is used when a sender is given, else the
  // contract index, else the position index, and the time bounds narrow the
  // scan to the heights whose block time is within them (block times never
  // go backwards; commit_block enforces it). A page of the other filter's
  // non-matches can therefore come back short with `next` set.
  // Paging is stable while blocks are committed: positions never change, and
  // a cursor names the last position scanned. kInvalid: a limit outside
  // 1..kMaxTxQueryLimit. An empty page (next = nullopt) when nothing matches,
  // from_ms > to_ms, or the store has no chain. kCorruption for an index
  // entry that fails to decode.
  virtual core::Result<TxPage> query_txs(const TxQuery& query) const = 0;

  // The heights of the blocks whose time is within [from_ms, to_ms] (both
  // inclusive), as {first, last}; nullopt when there are none. Cost: two
  // seeks in the block time index.
  virtual core::Result<std::optional<std::pair<uint64_t, uint64_t>>> heights_for_time(
      uint64_t from_ms, uint64_t to_ms) const = 0;
};

struct RocksDbOptions {
  bool sync_writes = true;  // fsync each block's batch (keep true outside benchmarks)
  size_t block_cache_bytes = 64u << 20;
  bool create_if_missing = true;
  int max_open_files = 512;  // table files RocksDB keeps open (the node's descriptor budget)
};

// Opens (creating when missing) a RocksDB store at `path`. kIOError with
// RocksDB's reason when it cannot be opened (for example, locked by a
// running silkd). A store written by an earlier version (schema 1, without
// the tx query indexes) gets its missing column families created and its
// indexes built from the stored blocks and receipts before open returns
// (O(chain), once), then is marked schema 2; such a store can no longer be
// opened by a build that reads schema 1 only.
core::Result<std::unique_ptr<Store>> open_rocksdb_store(const std::string& path,
                                                        const RocksDbOptions& options = {});

// A store that lives in memory, for tests.
std::unique_ptr<Store> make_memory_store();

}  // namespace silk::storage
