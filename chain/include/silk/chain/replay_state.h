// The chain as a replay rebuilds it, trusting nothing a store says: the tip,
// the state and every version of every key, built only from re-executed
// writes, and the ids of the txs replayed. check_block reads it as the chain
// each next block extends (ChainView); verify_chain then compares it with
// what the source holds.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "silk/chain/chain_view.h"
#include "silk/core/block.h"
#include "silk/core/write_set.h"

namespace silk::chain {

// Not thread-safe for writes (apply); reads may run concurrently with each
// other while nothing is applied.
class ReplayState final : public ChainView {
 public:
  // The chain holds `genesis_block` (height 0) and no state.
  explicit ReplayState(const core::Block& genesis_block);

  core::Result<std::optional<std::string>> get(std::string_view key) const override;
  core::Result<std::vector<core::KeyVersion>> history(std::string_view key, uint64_t offset,
                                                      uint32_t limit) const override;
  storage::ChainTip tip() const override { return tip_; }
  bool has_tx(const core::Hash& tx_id) const override { return tx_ids_.count(tx_id) != 0; }

  // Appends the block with this header (whose hash is `hash`): it becomes the
  // tip (with the header's state_root), its txs are on chain, and its writes
  // apply as storage::Store::commit_block applies them (a later write at the
  // same (height, tx_index) replaces an earlier version).
  void apply(const core::BlockHeader& header, const core::Hash& hash,
             const std::vector<core::StateWrite>& writes, const std::vector<core::Hash>& tx_ids);

  // Every key written, in key order, with its versions oldest first.
  using History = std::map<std::string, std::vector<core::KeyVersion>, std::less<>>;
  const History& all_history() const { return history_; }

 private:
  struct TxIdHash {
    size_t operator()(const core::Hash& h) const noexcept;
  };

  storage::ChainTip tip_;
  std::map<std::string, std::string, std::less<>> current_;
  History history_;
  std::unordered_set<core::Hash, TxIdHash> tx_ids_;
};

}  // namespace silk::chain
