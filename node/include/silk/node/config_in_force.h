// The chain configuration in force, in one place for the whole node: the driver (block limits,
// the validator set it hands the engine), the mempool (the largest tx a block can hold) and RPC
// (the CAs the p2p layer trusts, /v1 answers) read it here instead of each reading state.
//
// It is loaded once from committed state when the node starts, and the driver updates it with
// what executing a committed block returned (contracts::BlockExecution::config_changed) — the
// schedule, so a change governance scheduled for a later height is answered at that height.
// Thread-safe: readers get an immutable snapshot.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

#include "silk/contracts/chain_config.h"
#include "silk/contracts/executor.h"
#include "silk/core/status.h"

namespace silk::node {

class ConfigInForce {
 public:
  explicit ConfigInForce(std::shared_ptr<const contracts::ConfigSchedule> schedule);

  // The schedule stored in `state` (the node's committed state). kCorruption when the stored
  // configuration does not parse; the view's code when reading fails.
  static core::Result<std::shared_ptr<ConfigInForce>> load(const contracts::Executor& executor,
                                                           const contracts::StateView& state);

  // The configuration in force at `height`. Never null.
  std::shared_ptr<const contracts::ChainConfig> at(uint64_t height) const;
  // The whole schedule as of the last committed block.
  std::shared_ptr<const contracts::ConfigSchedule> schedule() const;

  // A committed block changed the configuration: `schedule` is the one after it.
  void update(std::shared_ptr<const contracts::ConfigSchedule> schedule);

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const contracts::ConfigSchedule> schedule_;
};

}  // namespace silk::node
