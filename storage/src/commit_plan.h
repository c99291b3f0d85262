// The checks and derived data both backends share when they commit a block,
// so the memory store and the RocksDB store accept and reject exactly the same
// blocks and resolve overlapping writes the same way.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "silk/core/block.h"
#include "silk/core/receipt.h"
#include "silk/core/status.h"
#include "silk/core/write_set.h"
#include "silk/storage/store.h"

namespace silk::storage::internal {

struct CommitPlan {
  std::vector<core::Hash> tx_ids;  // tx_ids[i] == block.txs[i].tx_id()
  // Indices into `writes` of the write that is each key's current value after
  // this block: the one with the highest tx_index, and among equal tx_index the
  // later one in `writes`. One entry per distinct key, in first-seen order.
  std::vector<size_t> current_writes;
  // What the tx query indexes hold for each tx of the block, in block order.
  std::vector<TxSummary> summaries;
  ChainTip new_tip;
};

// The tx query index rows of `block`'s txs: tx i with receipt i. The caller
// has checked that there is one receipt per tx; tx_ids[i] is tx i's id.
std::vector<TxSummary> tx_summaries(const core::Block& block,
                                    const std::vector<core::Receipt>& receipts,
                                    const std::vector<core::Hash>& tx_ids);

// Validates a block against the current tip (kInvalid: no genesis yet, height
// not tip+1, prev_hash not the tip hash, block time before the tip's, header tx_count or receipt
// count not the tx count, receipt i not for tx i, a write with tx_index >= tx count or an empty key
// or a key with a NUL byte; kConflict: a tx_id twice in the block). Checking tx_ids against the
// chain is the caller's job.
core::Result<CommitPlan> plan_commit(const std::optional<ChainTip>& tip, const core::Block& block,
                                     const std::vector<core::Receipt>& receipts,
                                     const std::vector<core::StateWrite>& writes);

// kInvalid unless the block can be block 0: height 0, zero prev_hash, no txs.
core::Status check_genesis_block(const core::Block& genesis_block);

// The tip a store holds right after init_genesis.
ChainTip genesis_tip(const core::Block& genesis_block);

// The kConflict init_genesis returns when the store holds another chain.
core::Status genesis_conflict(const core::Hash& stored, const core::Hash& offered);

// The kConflict commit_block returns when a tx is already on chain.
core::Status tx_already_on_chain(uint64_t height, size_t index, const core::Hash& tx_id,
                                 const TxLocation& existing);

// A state key for an error message: printable ASCII as is, other bytes as
// \xNN, cut at 200 characters.
std::string printable_key(std::string_view key);

}  // namespace silk::storage::internal
