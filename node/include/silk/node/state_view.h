// The contracts' view of committed state, backed by the store.
#pragma once

#include "silk/contracts/contract.h"
#include "silk/storage/store.h"

namespace silk::node {

// Reads go straight to the store, which holds exactly the state as of the
// start of the block being executed: only the chain driver commits, and it
// executes a block before it commits it. Does not own the store.
// Thread-safe as the store is.
class StoreStateView final : public contracts::StateView {
 public:
  explicit StoreStateView(const storage::Store& store) : store_(store) {}

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

}  // namespace silk::node
