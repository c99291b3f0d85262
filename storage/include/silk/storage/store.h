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

  // Commits one block with its receipts (one per tx, same order) and the
  // state writes its txs made, in one atomic, synced write: after a crash the
  // store holds the whole block or none of it. Rejects (kInvalid) a height
  // other than tip+1, a prev_hash that is not the tip's hash, or a receipt
  // count that differs from the tx count. Writes to the tx index, receipts,
  // current state and key history.
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
};

struct RocksDbOptions {
  bool sync_writes = true;  // fsync each block's batch (keep true outside benchmarks)
  size_t block_cache_bytes = 64u << 20;
  bool create_if_missing = true;
};

// Opens (creating when missing) a RocksDB store at `path`. kIOError with
// RocksDB's reason when it cannot be opened (for example, locked by a
// running silkd).
core::Result<std::unique_ptr<Store>> open_rocksdb_store(const std::string& path,
                                                        const RocksDbOptions& options = {});

// A store that lives in memory, for tests.
std::unique_ptr<Store> make_memory_store();

}  // namespace silk::storage
