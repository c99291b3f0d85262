// The deterministic executor: runs a block's txs in order against committed
// state and produces receipts, the write set and the new state root.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "silk/contracts/chain_config.h"
#include "silk/contracts/contract.h"
#include "silk/contracts/identity.h"
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
  // What the block changed of the chain's configuration: the schedule after it when one of its
  // txs changed it (governance executed a proposal), else null. Its validator set and block
  // limits are how the caller learns of a change, without reading state back.
  std::shared_ptr<const ConfigSchedule> config_changed;
};

class Executor {
 public:
  // Registers the native contracts (notary, identity, governance, trust,
  // documents, dataflow, ebl, trade). The genesis
  // is copied. An invalid genesis configuration (a policy that does not parse)
  // makes every execute_block / authorize / query fail with that error;
  // ChainConfig::from_genesis reports it up front (silkd checks it at start).
  // `rules`: what the chain's consensus engine allows (chain::make_executor fills it in from the
  // engine genesis names); every node and auditor of a chain must pass the same rules.
  Executor(core::Genesis genesis, ConsensusRules rules);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Registers one more contract under contract->name(). For tests and for
  // modules that bring their own contracts; call it before the executor is
  // shared between threads. kConflict when the name is taken, kInvalid for a
  // null contract or an empty name, or a name containing '/' or NUL.
  core::Status add_contract(std::unique_ptr<Contract> contract);

  // The chain configuration in force at `height` (chain_config.h), over
  // committed state. Cached by the stored value. Thread-safe.
  core::Result<std::shared_ptr<const ChainConfig>> config_at(const StateView& state,
                                                             uint64_t height) const;
  // The whole schedule over committed state (genesis' configuration and governance's versions):
  // what a node loads once at start and then keeps up to date from
  // BlockExecution::config_changed. Thread-safe.
  core::Result<std::shared_ptr<const ConfigSchedule>> config_schedule(const StateView& state) const;

  // Who may send `tx` in a block at `height` with time `at_ms`: the sender's
  // identity, then the policy of tx.contract + "." + tx.method (except SELF
  // policies, which the contract checks through TxContext::check_self_policy).
  // with-key: a genesis member named by public key. with-cert: the certificate
  // named by fingerprint — carried in tx.sender_cert (its SHA-256 must equal
  // tx.sender) or registered on chain — checked by check_certificate (chained
  // to a consortium CA, valid at at_ms, not revoked, not frozen).
  // Errors: kInvalid for a sender kind that does not fit the mode or a
  // sender_cert that is not the sender's; kUnauthorized naming the reason
  // ("unknown certificate <fp>: not registered on chain; attach it to the tx",
  // "certificate CN=...: revoked at ...", "role client of org2 may not call
  // identity.revoke; needs admin of org1"). Does not check the signature.
  // Thread-safe.
  core::Result<core::Member> authorize(const core::Tx& tx, const StateView& state, uint64_t height,
                                       uint64_t at_ms) const;
  // The same with the configuration already looked up (config_at), for a
  // caller that authorizes many txs at once.
  core::Result<core::Member> authorize(const core::Tx& tx, const ChainConfig& config,
                                       const StateView& state, uint64_t at_ms) const;

  // A read-only query: contract.method over committed state as of the tip.
  // kNotFound for an unknown contract or a query it does not have; the
  // contract's own errors otherwise. Returns JSON text. Thread-safe.
  core::Result<std::string> query(std::string_view contract, std::string_view method,
                                  const nlohmann::json& args, const StateView& state,
                                  uint64_t tip_height, uint64_t tip_time_ms) const;

  // Executes `txs` in order. Signatures are assumed verified by the caller
  // (the mempool, or block sync). A tx that fails (unauthorized, unknown
  // contract or method, malformed args, a contract refusal) gets a failed
  // receipt and writes nothing; execution goes on. Besides the contract's own
  // refusals a tx fails with kInvalid for another chain's chain_id, args that
  // are not a JSON object ("args: not valid JSON: ..."), a state key that is
  // empty or holds a NUL, or an exception thrown by the contract; kNotFound
  // "unknown contract 'x'". Returns a non-OK Status only when reading state
  // fails (the StateView's code, with the key) or on kInternal out of memory.
  // Deterministic. `tx_ids`, when given, holds txs[i].tx_id() for each i
  // (a caller that already hashed the txs saves hashing them again).
  core::Result<BlockExecution> execute_block(const std::vector<core::Tx>& txs, uint64_t height,
                                             uint64_t block_time_ms,
                                             const core::Hash& prev_state_root,
                                             const StateView& state,
                                             const std::vector<core::Hash>* tx_ids = nullptr) const;

  const core::Genesis& genesis() const { return genesis_; }
  const ConsensusRules& consensus_rules() const { return rules_; }

 private:
  struct ConfigCache;

  core::Genesis genesis_;
  ConsensusRules rules_;
  core::Result<std::shared_ptr<const ChainConfig>> genesis_config_;
  std::shared_ptr<const ConfigSchedule> genesis_schedule_;  // genesis' alone (no versions)
  std::map<std::string, std::unique_ptr<Contract>, std::less<>> contracts_;
  std::unique_ptr<ConfigCache> config_cache_;
  mutable CertCache cert_cache_;
};

}  // namespace silk::contracts
