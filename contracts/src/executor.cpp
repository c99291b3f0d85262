#include "silk/contracts/executor.h"

#include <algorithm>
#include <exception>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <utility>

#include "silk/contracts/args.h"
#include "silk/contracts/dataflow.h"
#include "silk/contracts/documents.h"
#include "silk/contracts/ebl.h"
#include "silk/contracts/evidence.h"
#include "silk/contracts/governance.h"
#include "silk/contracts/identity.h"
#include "silk/contracts/notary.h"
#include "silk/contracts/trade.h"
#include "silk/contracts/trust.h"
#include "silk/core/json_depth.h"
#include "silk/core/merkle.h"

namespace silk::contracts {

core::Result<std::string> Contract::query(std::string_view method, const nlohmann::json&,
                                          ReadContext&) const {
  return core::Status::not_found("contract '" + std::string(name()) + "' has no query '" +
                                 std::string(method) + "'");
}

namespace {

using core::Result;
using core::Status;

// Pending writes by full state key ("contract/key"); nullopt is a deletion.
// An ordered map: iteration order is part of consensus.
using Overlay = std::map<std::string, std::optional<std::string>, std::less<>>;

Status check_key(std::string_view key) {
  if (key.empty()) return Status::invalid("state key must not be empty");
  if (const size_t nul = key.find('\0'); nul != std::string_view::npos) {
    return Status::invalid("state key contains a NUL byte at offset " + std::to_string(nul));
  }
  return Status::ok();
}

std::string full_key(std::string_view contract, std::string_view key) {
  std::string k;
  k.reserve(contract.size() + 1 + key.size());
  k.append(contract).append("/").append(key);
  return k;
}

// Reads for a query: committed state only.
class QueryContextImpl final : public ReadContext {
 public:
  QueryContextImpl(const ChainConfig& config, const core::Genesis& genesis,
                   const ConsensusRules& rules, uint64_t height, uint64_t time_ms,
                   std::string_view contract, const StateView& state)
      : config_(config),
        genesis_(genesis),
        rules_(rules),
        height_(height),
        time_ms_(time_ms),
        contract_(contract),
        state_(state) {}

  const ChainConfig& config() const override { return config_; }
  const core::Genesis& genesis() const override { return genesis_; }
  const ConsensusRules& consensus_rules() const override { return rules_; }
  uint64_t height() const override { return height_; }
  uint64_t block_time_ms() const override { return time_ms_; }
  Result<std::optional<std::string>> get(std::string_view key) override {
    return get_from(contract_, key);
  }
  Result<std::optional<std::string>> get_from(std::string_view contract,
                                              std::string_view key) override {
    SILK_RETURN_IF_ERROR(check_key(key));
    return state_.get(full_key(contract, key));
  }
  Result<std::vector<core::KeyVersion>> history_from(std::string_view contract,
                                                     std::string_view key, uint64_t offset,
                                                     uint32_t limit) override {
    SILK_RETURN_IF_ERROR(check_key(key));
    return state_.history(full_key(contract, key), offset, limit);
  }

 private:
  const ChainConfig& config_;
  const core::Genesis& genesis_;
  const ConsensusRules& rules_;
  const uint64_t height_;
  const uint64_t time_ms_;
  const std::string contract_;
  const StateView& state_;
};

using ContractMap = std::map<std::string, std::unique_ptr<Contract>, std::less<>>;

// What a tx's execution needs to know besides its own fields.
struct BlockEnv {
  const ChainConfig& config;
  const core::Genesis& genesis;
  const ConsensusRules& rules;
  uint64_t height;
  uint64_t block_time_ms;
  const Overlay& block_writes;
  const StateView& state;
  const ContractMap& contracts;
};

Status check_method_policy(const ChainConfig& config, const core::Member& sender,
                           const Policy& policy, const std::string& name) {
  // Auditors read everything and write nothing (DESIGN.md §3): whatever a
  // policy says, an identity whose only role is auditor sends no txs.
  if (!sender.roles.empty() && std::all_of(sender.roles.begin(), sender.roles.end(),
                                           [](const std::string& r) { return r == "auditor"; })) {
    return Status::unauthorized("role auditor of " + sender.org + " may not call " + name +
                                ": auditors read the ledger and never write to it");
  }
  if (policy.rule == Policy::Rule::kSelf) return Status::ok();  // the contract checks it
  return check_access(policy, Principal{sender.org, sender.roles}, config.org_ids(), sender.org,
                      name);
}

// What every call of one tx shares (the tx's own and its cross-contract calls): the writes, the
// events, the first misuse (a bad key) and the first state read failure, which the executor
// inspects after the call.
struct TxEffects {
  Overlay writes;  // last write per key wins
  std::vector<core::ContractEvent> events;
  Status misuse;
  Status read_error;
};

// One call's view of a tx: the tx's writes, over the block's earlier writes, over committed
// state; writes go to this call's contract's namespace.
class TxContextImpl final : public TxContext {
 public:
  TxContextImpl(const core::Tx& tx, const core::Hash& tx_id, const core::Member& sender,
                uint32_t tx_index, std::string_view contract, const Policy& policy,
                std::string policy_name, const BlockEnv& env, TxEffects& effects,
                std::string_view caller = {}, int depth = 0)
      : tx_(tx),
        tx_id_(tx_id),
        sender_(sender),
        tx_index_(tx_index),
        contract_(contract),
        prefix_(std::string(contract) + "/"),
        policy_(policy),
        policy_name_(std::move(policy_name)),
        env_(env),
        effects_(effects),
        caller_(caller),
        depth_(depth) {}

  const ChainConfig& config() const override { return env_.config; }
  const core::Genesis& genesis() const override { return env_.genesis; }
  const ConsensusRules& consensus_rules() const override { return env_.rules; }
  const core::Tx& tx() const override { return tx_; }
  const core::Hash& tx_id() const override { return tx_id_; }
  const core::Member& sender() const override { return sender_; }
  uint64_t height() const override { return env_.height; }
  uint64_t block_time_ms() const override { return env_.block_time_ms; }
  uint32_t tx_index() const override { return tx_index_; }
  std::string_view caller() const override { return caller_; }

  Result<std::optional<std::string>> get(std::string_view key) override {
    return get_from(contract_, key);
  }

  Result<std::optional<std::string>> get_from(std::string_view contract,
                                              std::string_view key) override {
    if (Status st = check_key(key); !st.is_ok()) {
      note_misuse(st);
      return st;
    }
    return read_full(full_key(contract, key));
  }

  Result<std::vector<core::KeyVersion>> history_from(std::string_view contract,
                                                     std::string_view key, uint64_t offset,
                                                     uint32_t limit) override {
    if (Status st = check_key(key); !st.is_ok()) {
      note_misuse(st);
      return st;
    }
    const std::string full = full_key(contract, key);
    Result<std::vector<core::KeyVersion>> read = env_.state.history(full, offset, limit);
    if (!read.is_ok() && effects_.read_error.is_ok()) {
      effects_.read_error =
          read.status().with_context("reading the history of state key '" + full + "'");
    }
    return read;
  }

  // A full key through this tx's writes, the block's and committed state.
  Result<std::optional<std::string>> read_full(const std::string& full) {
    if (auto it = effects_.writes.find(full); it != effects_.writes.end()) return it->second;
    if (auto it = env_.block_writes.find(full); it != env_.block_writes.end()) return it->second;
    Result<std::optional<std::string>> read = env_.state.get(full);
    if (!read.is_ok() && effects_.read_error.is_ok()) {
      effects_.read_error = read.status().with_context("reading state key '" + full + "'");
    }
    return read;
  }

  void put(std::string_view key, std::string value) override { write(key, std::move(value)); }
  void del(std::string_view key) override { write(key, std::nullopt); }

  void emit(std::string_view name, std::string data_json) override {
    effects_.events.push_back(
        core::ContractEvent{contract_, std::string(name), std::move(data_json)});
  }

  Status check_self_policy(std::string_view subject_org) override {
    if (policy_.rule != Policy::Rule::kSelf) return Status::ok();
    self_checked_ = true;
    return check_access(policy_, Principal{sender_.org, sender_.roles}, env_.config.org_ids(),
                        subject_org, policy_name_);
  }

  Result<std::string> invoke(std::string_view contract, std::string_view method,
                             const nlohmann::json& args) override {
    const std::string name = std::string(contract) + "." + std::string(method);
    if (depth_ + 1 > kMaxCallDepth) {
      return Status::invalid("cross-contract call " + name + " from " + contract_ +
                             ": calls nest at most " + std::to_string(kMaxCallDepth) + " deep");
    }
    auto found = env_.contracts.find(contract);
    if (found == env_.contracts.end()) {
      return Status::not_found("cross-contract call " + name + ": unknown contract '" +
                               std::string(contract) + "'");
    }
    if (!args.is_object()) {
      return Status::invalid("cross-contract call " + name + ": args must be a JSON object, got " +
                             json_kind(args));
    }
    const Policy policy = env_.config.policy_for(name);
    SILK_RETURN_IF_ERROR(check_method_policy(env_.config, sender_, policy, name));
    Overlay saved_writes = effects_.writes;
    const size_t saved_events = effects_.events.size();
    TxContextImpl callee(tx_, tx_id_, sender_, tx_index_, found->first, policy, name, env_,
                         effects_, contract_, depth_ + 1);
    Result<std::string> result = found->second->call(method, args, callee);
    Status failure = result.is_ok() ? callee.policy_failure() : result.status();
    if (!result.is_ok() && failure.is_ok()) {
      failure = Status::internal("contract '" + found->first + "' method '" + std::string(method) +
                                 "' failed without a reason");
    }
    if (!failure.is_ok()) {
      effects_.writes = std::move(saved_writes);
      effects_.events.resize(saved_events);
      return failure;
    }
    return result;
  }

  // A write outside the contract's namespace, by the executor itself.
  void system_put(std::string full, std::string value) {
    effects_.writes.insert_or_assign(std::move(full), std::move(value));
  }

  // The contract succeeded although a SELF policy was never checked, or
  // refused by it and wrote anyway: a contract bug that must not let the tx
  // through.
  Status policy_failure() const {
    if (policy_.rule != Policy::Rule::kSelf) return Status::ok();
    if (!self_checked_) {
      return Status::internal("contract '" + contract_ + "': policy SELF of " + policy_name_ +
                              " was not checked");
    }
    return Status::ok();
  }

 private:
  void write(std::string_view key, std::optional<std::string> value) {
    if (Status st = check_key(key); !st.is_ok()) {
      note_misuse(st);
      return;
    }
    effects_.writes.insert_or_assign(prefix_ + std::string(key), std::move(value));
  }
  void note_misuse(const Status& st) {
    if (effects_.misuse.is_ok()) effects_.misuse = st;
  }

  const core::Tx& tx_;
  const core::Hash& tx_id_;
  const core::Member& sender_;
  const uint32_t tx_index_;
  const std::string contract_;
  const std::string prefix_;
  const Policy& policy_;
  const std::string policy_name_;
  const BlockEnv& env_;
  TxEffects& effects_;
  const std::string caller_;
  const int depth_;
  bool self_checked_ = false;
};

core::Receipt failed_receipt(const core::Hash& tx_id, const Status& st) {
  core::Receipt r;
  r.tx_id = tx_id;
  r.code = static_cast<uint32_t>(st.code());
  r.message = st.message();
  r.write_set_hash = core::write_set_hash({});
  return r;
}

Status check_contract_name(std::string_view name) {
  if (name.empty()) return Status::invalid("contract name must not be empty");
  if (name.find('/') != std::string_view::npos || name.find('\0') != std::string_view::npos) {
    return Status::invalid("contract name '" + std::string(name) + "' must not contain '/' or NUL");
  }
  return Status::ok();
}

}  // namespace

// The last stored configuration value and its parse: blocks read it once
// each, and it changes only when governance executes a proposal.
struct Executor::ConfigCache {
  std::mutex mu;
  std::string value;
  std::shared_ptr<const ConfigSchedule> schedule;  // null until a stored value was parsed
};

Executor::Executor(core::Genesis genesis, ConsensusRules rules)
    : genesis_(std::move(genesis)),
      rules_(std::move(rules)),
      genesis_config_(Status::internal("unset")),
      config_cache_(std::make_unique<ConfigCache>()) {
  Result<ChainConfig> config = ChainConfig::from_genesis(genesis_);
  if (config.is_ok()) {
    genesis_config_ = std::make_shared<const ChainConfig>(std::move(config).value());
    genesis_schedule_ =
        std::make_shared<const ConfigSchedule>(*genesis_config_, std::vector<ConfigVersion>{});
  } else {
    genesis_config_ = config.status();
  }
  // Cannot fail: the map is empty and the names are valid and distinct.
  (void)add_contract(make_notary_contract());
  (void)add_contract(make_identity_contract());
  (void)add_contract(make_governance_contract());
  (void)add_contract(make_trust_contract());
  (void)add_contract(make_documents_contract());
  (void)add_contract(make_dataflow_contract());
  (void)add_contract(make_ebl_contract());
  (void)add_contract(make_trade_contract());
  (void)add_contract(make_evidence_contract());
}

Executor::~Executor() = default;

Status Executor::add_contract(std::unique_ptr<Contract> contract) {
  if (!contract) return Status::invalid("contract is null");
  const std::string name(contract->name());
  SILK_RETURN_IF_ERROR(check_contract_name(name));
  if (contracts_.count(name) != 0) {
    return Status::conflict("contract '" + name + "' is already registered");
  }
  contracts_.emplace(name, std::move(contract));
  return Status::ok();
}

Result<std::shared_ptr<const ConfigSchedule>> Executor::config_schedule(
    const StateView& state) const {
  if (!genesis_config_.is_ok()) return genesis_config_.status();
  Result<std::optional<std::string>> read = state.get(kConfigKey);
  if (!read.is_ok()) {
    return read.status().with_context("reading state key '" + std::string(kConfigKey) + "'");
  }
  std::optional<std::string> stored = std::move(read).value();
  if (!stored) return genesis_schedule_;
  std::lock_guard lock(config_cache_->mu);
  if (!config_cache_->schedule || config_cache_->value != *stored) {
    config_cache_->schedule.reset();
    SILK_ASSIGN_OR_RETURN(std::vector<ConfigVersion> versions,
                          parse_config_versions(*stored, genesis_));
    config_cache_->schedule =
        std::make_shared<const ConfigSchedule>(*genesis_config_, std::move(versions));
    config_cache_->value = std::move(*stored);
  }
  return config_cache_->schedule;
}

Result<std::shared_ptr<const ChainConfig>> Executor::config_at(const StateView& state,
                                                               uint64_t height) const {
  SILK_ASSIGN_OR_RETURN(std::shared_ptr<const ConfigSchedule> schedule, config_schedule(state));
  return schedule->at(height);
}

namespace {

// The sender's identity (without the policy check).
Result<core::Member> resolve_sender(const core::Tx& tx, const ChainConfig& config,
                                    const core::Genesis& genesis, const KeyReader& read,
                                    uint64_t at_ms, CertCache& cache) {
  if (config.identity_mode == "with-key") {
    if (tx.sender_kind != core::SenderKind::kPublicKey) {
      return Status::invalid(
          "sender kind: with-key mode expects a public key, got a certificate fingerprint");
    }
    const core::Member* member = genesis.find_member(tx.sender);
    if (member == nullptr) {
      return Status::unauthorized("unknown sender " + core::to_hex(tx.sender) +
                                  ": not a member of chain " + genesis.chain_id);
    }
    return *member;
  }
  if (tx.sender_kind != core::SenderKind::kCertFingerprint) {
    return Status::invalid(
        "sender kind: with-cert mode expects a certificate fingerprint, got a public key");
  }
  std::optional<core::Certificate> cert;
  if (!tx.sender_cert.empty()) {
    Result<core::Certificate> parsed = cache.parse(tx.sender, tx.sender_cert);
    if (!parsed.is_ok()) {
      return Status::invalid("sender_cert: " + parsed.status().message());
    }
    cert = *parsed;
  } else {
    SILK_ASSIGN_OR_RETURN(cert, registered_certificate(tx.sender, read, &cache));
    if (!cert) {
      return Status::unauthorized("unknown certificate " + core::to_hex(tx.sender) +
                                  ": not registered on chain; attach it to the tx (sender_cert)");
    }
  }
  return check_certificate(*cert, config, read, at_ms, &cache);
}

}  // namespace

Result<core::Member> Executor::authorize(const core::Tx& tx, const StateView& state,
                                         uint64_t height, uint64_t at_ms) const {
  SILK_ASSIGN_OR_RETURN(std::shared_ptr<const ChainConfig> config, config_at(state, height));
  return authorize(tx, *config, state, at_ms);
}

Result<core::Member> Executor::authorize(const core::Tx& tx, const ChainConfig& config,
                                         const StateView& state, uint64_t at_ms) const {
  KeyReader read = [&state](std::string_view key) { return state.get(key); };
  SILK_ASSIGN_OR_RETURN(core::Member member,
                        resolve_sender(tx, config, genesis_, read, at_ms, cert_cache_));
  const std::string name = tx.contract + "." + tx.method;
  SILK_RETURN_IF_ERROR(check_method_policy(config, member, config.policy_for(name), name));
  return member;
}

Result<std::string> Executor::query(std::string_view contract, std::string_view method,
                                    const nlohmann::json& args, const StateView& state,
                                    uint64_t tip_height, uint64_t tip_time_ms) const try {
  auto found = contracts_.find(contract);
  if (found == contracts_.end()) {
    return Status::not_found("unknown contract '" + std::string(contract) + "'");
  }
  if (!args.is_object()) {
    return Status::invalid("args: expected a JSON object, got " + json_kind(args));
  }
  SILK_ASSIGN_OR_RETURN(std::shared_ptr<const ChainConfig> config,
                        config_at(state, tip_height + 1));
  QueryContextImpl ctx(*config, genesis_, rules_, tip_height, tip_time_ms, found->first, state);
  return found->second->query(method, args, ctx);
} catch (const std::bad_alloc&) {
  return Status::internal("out of memory in query " + std::string(contract) + "." +
                          std::string(method));
} catch (const std::exception&) {
  return Status::invalid(std::string(contract) + "." + std::string(method) +
                         ": the args do not have the shape the query expects");
}

Result<BlockExecution> Executor::execute_block(const std::vector<core::Tx>& txs, uint64_t height,
                                               uint64_t block_time_ms,
                                               const core::Hash& prev_state_root,
                                               const StateView& state,
                                               const std::vector<core::Hash>* tx_ids) const try {
  if (tx_ids != nullptr && tx_ids->size() != txs.size()) {
    return Status::internal("execute_block: " + std::to_string(tx_ids->size()) + " tx ids for " +
                            std::to_string(txs.size()) + " txs");
  }
  BlockExecution out;
  out.receipts.reserve(txs.size());
  Overlay block_writes;
  Result<std::shared_ptr<const ChainConfig>> config_read = config_at(state, height);
  if (!config_read.is_ok()) {
    return config_read.status().with_context("block " + std::to_string(height) +
                                             ": reading the chain config");
  }
  const std::shared_ptr<const ChainConfig> config = std::move(config_read).value();
  const BlockEnv env{*config,       genesis_,     rules_, height,
                     block_time_ms, block_writes, state,  contracts_};
  // Identity reads see the block's earlier writes: a certificate revoked or
  // registered by an earlier tx of this block counts for the later ones.
  Status read_error;
  KeyReader read = [&](std::string_view key) -> Result<std::optional<std::string>> {
    if (auto it = block_writes.find(key); it != block_writes.end()) return it->second;
    Result<std::optional<std::string>> r = state.get(key);
    if (!r.is_ok() && read_error.is_ok()) {
      read_error = r.status().with_context("reading state key '" + std::string(key) + "'");
    }
    return r;
  };

  for (size_t i = 0; i < txs.size(); ++i) {
    const core::Tx& tx = txs[i];
    const auto tx_index = static_cast<uint32_t>(i);
    const core::Hash tx_id = tx_ids != nullptr ? (*tx_ids)[i] : tx.tx_id();

    if (tx.chain_id != genesis_.chain_id) {
      out.receipts.push_back(failed_receipt(
          tx_id, Status::invalid("chain id '" + tx.chain_id + "' does not match chain '" +
                                 genesis_.chain_id + "'")));
      continue;
    }
    Result<core::Member> member =
        resolve_sender(tx, *config, genesis_, read, block_time_ms, cert_cache_);
    if (!read_error.is_ok()) {
      return read_error.with_context("block " + std::to_string(height) + " tx " +
                                     std::to_string(i));
    }
    if (!member.is_ok()) {
      out.receipts.push_back(failed_receipt(tx_id, member.status()));
      continue;
    }
    const std::string policy_name = tx.contract + "." + tx.method;
    const Policy policy = config->policy_for(policy_name);
    if (Status st = check_method_policy(*config, *member, policy, policy_name); !st.is_ok()) {
      out.receipts.push_back(failed_receipt(tx_id, st));
      continue;
    }
    auto found = contracts_.find(tx.contract);
    if (found == contracts_.end()) {
      out.receipts.push_back(
          failed_receipt(tx_id, Status::not_found("unknown contract '" + tx.contract + "'")));
      continue;
    }
    Contract& contract = *found->second;

    if (core::json_nesting_depth(tx.args) > core::kMaxJsonDepth) {
      out.receipts.push_back(
          failed_receipt(tx_id, Status::invalid("args: nested deeper than " +
                                                std::to_string(core::kMaxJsonDepth) + " levels")));
      continue;
    }
    // The receipt's words are ours, never the JSON library's (they are consensus data).
    nlohmann::json args = nlohmann::json::parse(tx.args, nullptr, /*allow_exceptions=*/false);
    if (args.is_discarded()) {
      out.receipts.push_back(failed_receipt(
          tx_id, Status::invalid("args: not valid JSON (RFC 8259); the node's /v1/tx answer "
                                 "says where")));
      continue;
    }
    if (!args.is_object()) {
      out.receipts.push_back(failed_receipt(
          tx_id, Status::invalid("args: expected a JSON object, got " + json_kind(args))));
      continue;
    }

    TxEffects effects;
    TxContextImpl ctx(tx, tx_id, *member, tx_index, found->first, policy, policy_name, env,
                      effects);
    Status failure;
    std::string result;
    try {
      Result<std::string> called = contract.call(tx.method, args, ctx);
      if (called.is_ok()) {
        result = std::move(called).value();
      } else {
        failure = called.status();
        if (failure.is_ok()) {  // a Result built from an OK Status: a contract bug
          failure = Status::internal("contract '" + found->first + "' method '" + tx.method +
                                     "' failed without a reason");
        }
      }
    } catch (const std::bad_alloc&) {
      // Running out of memory is ours and would differ between nodes: no receipt.
      return Status::internal("block " + std::to_string(height) + " tx " + std::to_string(i) +
                              ": out of memory executing " + found->first + "." + tx.method);
    } catch (const std::exception&) {
      // A contract read its args without the shared reader (args.h) and a JSON library type
      // error escaped: a contract bug, but the tx's fault too. The library's words stay out of
      // the receipt.
      failure = Status::invalid(found->first + "." + tx.method +
                                ": the args do not have the shape the method expects");
    } catch (...) {
      failure = Status::internal("contract '" + found->first + "' threw a non-standard exception");
    }

    // A state read failure is ours, not the tx's: the block cannot be executed.
    if (!effects.read_error.is_ok()) {
      return effects.read_error.with_context("block " + std::to_string(height) + " tx " +
                                             std::to_string(i));
    }
    if (failure.is_ok() && !effects.misuse.is_ok()) failure = effects.misuse;
    if (failure.is_ok()) failure = ctx.policy_failure();
    // A certificate carried in the tx is registered with the tx's success,
    // so later txs of its sender may leave it out.
    if (failure.is_ok() && !tx.sender_cert.empty()) {
      const std::string key = "identity/cert/" + core::to_hex(tx.sender);
      Result<std::optional<std::string>> known = ctx.read_full(key);
      if (!effects.read_error.is_ok()) {
        return effects.read_error.with_context("block " + std::to_string(height) + " tx " +
                                               std::to_string(i));
      }
      if (known.is_ok() && !*known) {
        Result<core::Certificate> cert = cert_cache_.parse(tx.sender, tx.sender_cert);
        if (cert.is_ok()) ctx.system_put(key, registration_entry(*cert, height, tx_id));
      }
    }
    if (!failure.is_ok()) {
      out.receipts.push_back(failed_receipt(tx_id, failure));
      continue;
    }

    std::vector<core::StateWrite> tx_writes;
    tx_writes.reserve(effects.writes.size());
    for (const auto& [key, value] : effects.writes) {
      tx_writes.push_back(core::StateWrite{tx_index, key, value});
      block_writes.insert_or_assign(key, value);
    }
    core::Receipt receipt;
    receipt.tx_id = tx_id;
    receipt.result = std::move(result);
    receipt.events = std::move(effects.events);
    receipt.write_set_hash = core::write_set_hash(tx_writes);
    out.receipts.push_back(std::move(receipt));
    out.writes.insert(out.writes.end(), std::make_move_iterator(tx_writes.begin()),
                      std::make_move_iterator(tx_writes.end()));
  }

  std::vector<core::Hash> leaves;
  leaves.reserve(out.receipts.size());
  for (const core::Receipt& r : out.receipts) leaves.push_back(core::merkle_leaf_hash(r.encode()));
  out.receipts_root = core::merkle_root(leaves);
  out.write_set_root = core::write_set_root(out.writes);
  out.state_root = core::next_state_root(prev_state_root, out.write_set_root);
  // The block's consequence for the configuration: the schedule its last write of the key says.
  if (auto changed = block_writes.find(kConfigKey); changed != block_writes.end()) {
    if (!changed->second) return Status::internal("block wrote a null chain configuration");
    Result<std::vector<ConfigVersion>> versions = parse_config_versions(*changed->second, genesis_);
    if (!versions.is_ok()) {
      return versions.status().with_context("block " + std::to_string(height) +
                                            ": the configuration it wrote");
    }
    out.config_changed =
        std::make_shared<const ConfigSchedule>(*genesis_config_, std::move(versions).value());
  }
  return out;
} catch (const std::exception& e) {
  // Only resource exhaustion gets here (contract exceptions are caught per tx).
  return Status::internal("block " + std::to_string(height) + ": " + e.what());
}

}  // namespace silk::contracts
