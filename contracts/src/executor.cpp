#include "silk/contracts/executor.h"

#include <exception>
#include <new>
#include <optional>
#include <string>
#include <utility>

#include "silk/contracts/notary.h"
#include "silk/core/json_depth.h"
#include "silk/core/merkle.h"

namespace silk::contracts {
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

// One tx's view: its own writes, over the block's earlier writes, over
// committed state. Records the first misuse (a bad key) and the first state
// read failure, which the executor inspects after the call.
class TxContextImpl final : public TxContext {
 public:
  TxContextImpl(const core::Tx& tx, const core::Hash& tx_id, const core::Member& sender,
                uint64_t height, uint64_t block_time_ms, uint32_t tx_index,
                std::string_view contract, const Overlay& block_writes, const StateView& state)
      : tx_(tx),
        tx_id_(tx_id),
        sender_(sender),
        height_(height),
        block_time_ms_(block_time_ms),
        tx_index_(tx_index),
        contract_(contract),
        prefix_(std::string(contract) + "/"),
        block_writes_(block_writes),
        state_(state) {}

  const core::Tx& tx() const override { return tx_; }
  const core::Hash& tx_id() const override { return tx_id_; }
  const core::Member& sender() const override { return sender_; }
  uint64_t height() const override { return height_; }
  uint64_t block_time_ms() const override { return block_time_ms_; }
  uint32_t tx_index() const override { return tx_index_; }

  Result<std::optional<std::string>> get(std::string_view key) override {
    if (Status st = check_key(key); !st.is_ok()) {
      note_misuse(st);
      return st;
    }
    const std::string full = prefix_ + std::string(key);
    if (auto it = writes_.find(full); it != writes_.end()) return it->second;
    if (auto it = block_writes_.find(full); it != block_writes_.end()) return it->second;
    Result<std::optional<std::string>> read = state_.get(full);
    if (!read.is_ok() && read_error_.is_ok()) {
      read_error_ = read.status().with_context("reading state key '" + full + "'");
    }
    return read;
  }

  void put(std::string_view key, std::string value) override { write(key, std::move(value)); }
  void del(std::string_view key) override { write(key, std::nullopt); }

  void emit(std::string_view name, std::string data_json) override {
    events_.push_back(core::ContractEvent{contract_, std::string(name), std::move(data_json)});
  }

  const Status& misuse() const { return misuse_; }
  const Status& read_error() const { return read_error_; }
  const Overlay& writes() const { return writes_; }
  std::vector<core::ContractEvent> take_events() { return std::move(events_); }

 private:
  void write(std::string_view key, std::optional<std::string> value) {
    if (Status st = check_key(key); !st.is_ok()) {
      note_misuse(st);
      return;
    }
    writes_.insert_or_assign(prefix_ + std::string(key), std::move(value));
  }
  void note_misuse(const Status& st) {
    if (misuse_.is_ok()) misuse_ = st;
  }

  const core::Tx& tx_;
  const core::Hash& tx_id_;
  const core::Member& sender_;
  const uint64_t height_;
  const uint64_t block_time_ms_;
  const uint32_t tx_index_;
  const std::string contract_;
  const std::string prefix_;
  const Overlay& block_writes_;
  const StateView& state_;

  Overlay writes_;  // this tx's, last write per key wins
  std::vector<core::ContractEvent> events_;
  Status misuse_;
  Status read_error_;
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

Executor::Executor(core::Genesis genesis) : genesis_(std::move(genesis)) {
  Status st = add_contract(make_notary_contract());
  (void)st;  // cannot fail: the map is empty and the name is valid
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

Result<const core::Member*> Executor::authorize(const core::Tx& tx) const {
  if (genesis_.identity_mode != "with-key") {
    return Status::invalid("identity mode '" + genesis_.identity_mode + "' is not built yet");
  }
  if (tx.sender_kind != core::SenderKind::kPublicKey) {
    return Status::invalid(
        "sender kind: with-key mode expects a public key, got a certificate fingerprint");
  }
  const core::Member* member = genesis_.find_member(tx.sender);
  if (member == nullptr) {
    return Status::unauthorized("unknown sender " + core::to_hex(tx.sender) +
                                ": not a member of chain " + genesis_.chain_id);
  }
  return member;
}

Result<BlockExecution> Executor::execute_block(const std::vector<core::Tx>& txs, uint64_t height,
                                               uint64_t block_time_ms,
                                               const core::Hash& prev_state_root,
                                               const StateView& state) const try {
  BlockExecution out;
  out.receipts.reserve(txs.size());
  Overlay block_writes;

  for (size_t i = 0; i < txs.size(); ++i) {
    const core::Tx& tx = txs[i];
    const auto tx_index = static_cast<uint32_t>(i);
    const core::Hash tx_id = tx.tx_id();

    if (tx.chain_id != genesis_.chain_id) {
      out.receipts.push_back(failed_receipt(
          tx_id, Status::invalid("chain id '" + tx.chain_id + "' does not match chain '" +
                                 genesis_.chain_id + "'")));
      continue;
    }
    Result<const core::Member*> member = authorize(tx);
    if (!member.is_ok()) {
      out.receipts.push_back(failed_receipt(tx_id, member.status()));
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
    nlohmann::json args;
    try {
      args = nlohmann::json::parse(tx.args);
    } catch (const nlohmann::json::exception& e) {
      out.receipts.push_back(
          failed_receipt(tx_id, Status::invalid(std::string("args: not valid JSON: ") + e.what())));
      continue;
    }
    if (!args.is_object()) {
      out.receipts.push_back(failed_receipt(
          tx_id, Status::invalid(std::string("args: expected a JSON object, got a JSON ") +
                                 args.type_name())));
      continue;
    }

    TxContextImpl ctx(tx, tx_id, **member, height, block_time_ms, tx_index, found->first,
                      block_writes, state);
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
    } catch (const std::exception& e) {
      // nlohmann type errors and the like: the args did not fit what the contract expects.
      failure = Status::invalid(found->first + "." + tx.method + ": " + e.what());
    } catch (...) {
      failure = Status::internal("contract '" + found->first + "' threw a non-standard exception");
    }

    // A state read failure is ours, not the tx's: the block cannot be executed.
    if (!ctx.read_error().is_ok()) {
      return ctx.read_error().with_context("block " + std::to_string(height) + " tx " +
                                           std::to_string(i));
    }
    if (failure.is_ok() && !ctx.misuse().is_ok()) failure = ctx.misuse();
    if (!failure.is_ok()) {
      out.receipts.push_back(failed_receipt(tx_id, failure));
      continue;
    }

    std::vector<core::StateWrite> tx_writes;
    tx_writes.reserve(ctx.writes().size());
    for (const auto& [key, value] : ctx.writes()) {
      tx_writes.push_back(core::StateWrite{tx_index, key, value});
      block_writes.insert_or_assign(key, value);
    }
    core::Receipt receipt;
    receipt.tx_id = tx_id;
    receipt.result = std::move(result);
    receipt.events = ctx.take_events();
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
  return out;
} catch (const std::exception& e) {
  // Only resource exhaustion gets here (contract exceptions are caught per tx).
  return Status::internal("block " + std::to_string(height) + ": " + e.what());
}

}  // namespace silk::contracts
