// The deterministic executor: runs a block's txs in order against committed
// state and produces receipts, the write set and the new state root.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "silk/contracts/contract.h"
#include "silk/core/block.h"
#include "silk/core/genesis.h"

namespace silk::contracts {

struct BlockExecution {
  std::vector<core::Receipt> receipts;  // one per tx, same order
  std::vector<core::StateWrite>
      writes;  // successful txs' writes, in tx order, keys sorted within a tx
  core::Hash receipts_root{};
  core::Hash write_set_root{};
  core::Hash state_root{};
};

class Executor {
 public:
  // Registers the native contracts (notary, ...). The genesis is copied.
  explicit Executor(core::Genesis genesis);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Registers one more contract under contract->name(). For tests and for
  // modules that bring their own contracts; call it before the executor is
  // shared between threads. kConflict when the name is taken, kInvalid for a
  // null contract or an empty name, or a name containing '/' or NUL.
  core::Status add_contract(std::unique_ptr<Contract> contract);

  // Who may send txs: with-key mode admits the members genesis lists.
  // kUnauthorized "unknown sender <hex>: not a member of chain <id>" otherwise;
  // kInvalid when the sender kind does not fit the identity mode.
  // Thread-safe (read-only).
  core::Result<const core::Member*> authorize(const core::Tx& tx) const;

  // Executes `txs` in order. Signatures are assumed verified by the caller
  // (the mempool, or block sync). A tx that fails (unauthorized, unknown
  // contract or method, malformed args, a contract refusal) gets a failed
  // receipt and writes nothing; execution goes on. Besides the contract's own
  // refusals a tx fails with kInvalid for another chain's chain_id, args that
  // are not a JSON object ("args: not valid JSON: ..."), a state key that is
  // empty or holds a NUL, or an exception thrown by the contract; kNotFound
  // "unknown contract 'x'". Returns a non-OK Status only when reading state
  // fails (the StateView's code, with the key) or on kInternal out of memory.
  // Deterministic.
  core::Result<BlockExecution> execute_block(const std::vector<core::Tx>& txs, uint64_t height,
                                             uint64_t block_time_ms,
                                             const core::Hash& prev_state_root,
                                             const StateView& state) const;

  const core::Genesis& genesis() const { return genesis_; }

 private:
  core::Genesis genesis_;
  std::map<std::string, std::unique_ptr<Contract>, std::less<>> contracts_;
};

}  // namespace silk::contracts
