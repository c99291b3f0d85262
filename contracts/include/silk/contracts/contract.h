// The contract boundary: what a native contract sees and implements.
// Contracts are deterministic: no clock, no randomness, no file system, no
// unordered iteration. Time is the block's time; identity is the sender.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "silk/core/bytes.h"
#include "silk/core/genesis.h"
#include "silk/core/receipt.h"
#include "silk/core/status.h"
#include "silk/core/tx.h"
#include "silk/core/write_set.h"

namespace silk::contracts {

// Committed state as of the start of a block. Implemented by node over storage,
// and by tests over a map.
class StateView {
 public:
  virtual ~StateView() = default;
  virtual core::Result<std::optional<std::string>> get(std::string_view key) const = 0;
  virtual core::Result<std::vector<core::KeyVersion>> history(std::string_view key, uint64_t offset,
                                                              uint32_t limit) const = 0;
};

struct ChainConfig;

// What the chain's consensus engine lets governance do (the engine decides: chain/ fills this in
// from consensus::EngineKind when it builds an Executor; contracts never compare engine names).
struct ConsensusRules {
  std::string engine;  // its name, for messages ("a solo chain cannot change its validators")
  core::ValidatorChanges validator_changes = core::ValidatorChanges::kAny;
};

// What a contract may read, in a tx and in a read-only query. Keys are
// namespaced by the executor: a contract's key "abc" is stored as "<contract>/abc".
class ReadContext {
 public:
  virtual ~ReadContext() = default;
  // The chain configuration in force (chain_config.h).
  virtual const ChainConfig& config() const = 0;
  virtual const core::Genesis& genesis() const = 0;
  // What the consensus engine allows (the Executor's rules).
  virtual const ConsensusRules& consensus_rules() const = 0;
  // In a tx: the executing block's height and time. In a query: the tip's.
  virtual uint64_t height() const = 0;
  virtual uint64_t block_time_ms() const = 0;

  // This contract's key. In a tx, reads see committed state, then earlier txs of
  // this block, then this tx's own writes.
  virtual core::Result<std::optional<std::string>> get(std::string_view key) = 0;
  // Another contract's key (read-only), with the same visibility as get().
  virtual core::Result<std::optional<std::string>> get_from(std::string_view contract,
                                                            std::string_view key) = 0;
  // Every committed version of a contract's key, oldest first (storage's history
  // order). Committed state only: a tx does not see its block's earlier writes here.
  virtual core::Result<std::vector<core::KeyVersion>> history_from(std::string_view contract,
                                                                   std::string_view key,
                                                                   uint64_t offset,
                                                                   uint32_t limit) = 0;
};

// One tx's execution context.
class TxContext : public ReadContext {
 public:
  virtual const core::Tx& tx() const = 0;
  virtual const core::Hash& tx_id() const = 0;
  // Who sent the tx: a genesis member (with-key) or the identity of a validated
  // certificate (with-cert: name = CN, org = O, roles = {OU}, jurisdiction = C).
  virtual const core::Member& sender() const = 0;
  virtual uint32_t tx_index() const = 0;

  virtual void put(std::string_view key, std::string value) = 0;
  virtual void del(std::string_view key) = 0;
  // A contract event with JSON data; part of the receipt.
  virtual void emit(std::string_view name, std::string data_json) = 0;

  // For a method whose policy is SELF: the executor cannot know which
  // organisation the call is about, so the contract names it here before it
  // writes anything. kUnauthorized (return it) when the sender may not act for
  // `subject_org`. If the policy is SELF and the contract never calls this, the
  // tx fails ("policy SELF was not checked"). For other policies: OK (the
  // executor already checked them).
  virtual core::Status check_self_policy(std::string_view subject_org) = 0;

  // Calls `contract`.`method`(args) inside this tx, as ChainMaker's cross-contract call: the
  // callee runs as the same sender under its own method's policy (a refused policy is the
  // callee's kUnauthorized), reads and writes its own keys, and emits its own events. Its writes
  // and events join this tx's; when it refuses, they are discarded and its Status returned, so
  // the caller decides whether the whole tx fails (it usually returns the Status). Calls nest at
  // most kMaxCallDepth deep (kInvalid beyond); kNotFound for an unknown contract.
  virtual core::Result<std::string> invoke(std::string_view contract, std::string_view method,
                                           const nlohmann::json& args) = 0;
  // The contract that invoked this one through invoke(); "" when the tx called it directly.
  virtual std::string_view caller() const = 0;
};

// How deep invoke() calls may nest (the tx's own call is depth 0).
inline constexpr int kMaxCallDepth = 4;

class Contract {
 public:
  virtual ~Contract() = default;
  virtual std::string_view name() const = 0;
  // Runs `method` with parsed `args`. Returns the result as JSON text (may be
  // ""), or a non-OK Status that fails the tx: its writes are discarded and
  // its receipt carries the code and message.
  virtual core::Result<std::string> call(std::string_view method, const nlohmann::json& args,
                                         TxContext& ctx) = 0;
  // A read-only query (POST /v1/query) over committed state as of the tip.
  // Returns JSON text. Default: kNotFound "contract 'x' has no query 'm'".
  virtual core::Result<std::string> query(std::string_view method, const nlohmann::json& args,
                                          ReadContext& ctx) const;
};

}  // namespace silk::contracts
