// What a block reader gives the replay (verify_chain) and the proof builder:
// blocks with their certificates, receipts, tx locations and, where it has
// them, state reads. A stopped node's store (a data folder) is one
// (make_store_source); a running node's RPC is another (tools/, over the
// client SDK). Nothing a source says is trusted: verify_chain re-derives
// every block, receipt and state root and reports where the source differs.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "silk/core/block.h"
#include "silk/core/receipt.h"
#include "silk/core/status.h"
#include "silk/core/write_set.h"
#include "silk/storage/store.h"

namespace silk::chain {

// Thread-safety: as the implementation says (a store's is; an RPC reader,
// with one connection, is not: verify_chain is then told to read from one
// thread, VerifyChainOptions::concurrent_store_reads).
class BlockSource {
 public:
  virtual ~BlockSource() = default;

  // The genesis JSON the chain was started with. A source that cannot give
  // the text (a node's RPC) gives the genesis the caller holds when the
  // chain's genesis hash is that genesis's, else a text naming the chain's
  // hash (which then fails the genesis check). kNotFound: no chain.
  virtual core::Result<std::string> genesis_json() const = 0;
  // The last block. kNotFound when the source holds no chain.
  virtual core::Result<storage::ChainTip> tip() const = 0;
  // A block with its commit certificate. kNotFound when absent; kCorruption
  // when its bytes do not decode.
  virtual core::Result<core::Block> block(uint64_t height) const = 0;
  virtual core::Result<core::Block> block_by_hash(const core::Hash& hash) const = 0;
  // Where a committed tx is, and its receipt. kNotFound for a tx not on chain.
  virtual core::Result<storage::TxLocation> tx_location(const core::Hash& tx_id) const = 0;
  virtual core::Result<core::Receipt> receipt(const core::Hash& tx_id) const = 0;
  // The state as of tip() (storage::Store's get_state and history).
  // kUnavailable from a source that serves no state (a node's RPC).
  virtual core::Result<std::optional<std::string>> state(std::string_view key) const = 0;
  virtual core::Result<std::vector<core::KeyVersion>> history(std::string_view key, uint64_t offset,
                                                              uint32_t limit) const = 0;
};

// The chain `store` holds (which must outlive the source). Exact: blocks and
// receipts are the stored encodings. Thread-safe as the store is.
std::unique_ptr<BlockSource> make_store_source(const storage::Store& store);

}  // namespace silk::chain
