// The chain as one block sees it: the tip it must extend, the state its txs
// execute over, and the txs already on chain. check_block reads a block's
// chain only through this view, so a validator (its store, with the block in
// flight to it in front) and an auditor (a replay) ask the same questions.
#pragma once

#include "silk/contracts/contract.h"
#include "silk/core/bytes.h"
#include "silk/storage/store.h"

namespace silk::chain {

// get() and history() (contracts::StateView) read the state as of tip().
// Thread-safety: check_block may call get(), history() and has_tx() from
// several threads at once (ParallelFor); tip() from the calling thread only.
class ChainView : public contracts::StateView {
 public:
  // The last block of the chain (the parent of the block being checked).
  virtual storage::ChainTip tip() const = 0;
  // Whether a tx with this id is in a block at or below tip().
  virtual bool has_tx(const core::Hash& tx_id) const = 0;
};

// The chain a store holds, as of its tip (a stopped node's data folder, a
// test's memory store). Borrows the store; thread-safe as the store is. tip()
// is a zero tip on an empty store.
class StoreChainView final : public ChainView {
 public:
  explicit StoreChainView(const storage::Store& store) : store_(store) {}

  core::Result<std::optional<std::string>> get(std::string_view key) const override {
    return store_.get_state(key);
  }
  core::Result<std::vector<core::KeyVersion>> history(std::string_view key, uint64_t offset,
                                                      uint32_t limit) const override {
    return store_.history(key, offset, limit);
  }
  storage::ChainTip tip() const override { return store_.tip().value_or(storage::ChainTip{}); }
  bool has_tx(const core::Hash& tx_id) const override { return store_.has_tx(tx_id); }

 private:
  const storage::Store& store_;
};

}  // namespace silk::chain
