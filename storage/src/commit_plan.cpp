#include "commit_plan.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <string>
#include <unordered_map>

#include "silk/core/bytes.h"

namespace silk::storage::internal {

namespace {

std::string block_context(uint64_t height) {
  return "commit_block: block " + std::to_string(height);
}

}  // namespace

core::Result<CommitPlan> plan_commit(const std::optional<ChainTip>& tip, const core::Block& block,
                                     const std::vector<core::Receipt>& receipts,
                                     const std::vector<core::StateWrite>& writes) {
  const core::BlockHeader& header = block.header;
  if (!tip) {
    return core::Status::invalid(
        "commit_block: the store has no genesis block; call init_genesis first");
  }
  const std::string ctx = block_context(header.height);
  if (header.height != tip->height + 1) {
    return core::Status::invalid(ctx + ": height is not tip height " + std::to_string(tip->height) +
                                 " + 1");
  }
  if (header.prev_hash != tip->block_hash) {
    return core::Status::invalid(ctx + ": prev_hash " + core::to_hex(header.prev_hash) +
                                 " is not the tip hash " + core::to_hex(tip->block_hash));
  }
  if (header.timestamp_ms < tip->timestamp_ms) {
    return core::Status::invalid(ctx + ": block time " + std::to_string(header.timestamp_ms) +
                                 " ms is before the tip's " + std::to_string(tip->timestamp_ms) +
                                 " ms");
  }
  const size_t tx_count = block.txs.size();
  if (header.tx_count != tx_count) {
    return core::Status::invalid(ctx + ": header tx_count " + std::to_string(header.tx_count) +
                                 " but the block holds " + std::to_string(tx_count) + " txs");
  }
  if (receipts.size() != tx_count) {
    return core::Status::invalid(ctx + ": " + std::to_string(receipts.size()) + " receipts for " +
                                 std::to_string(tx_count) + " txs");
  }

  CommitPlan plan;
  plan.tx_ids.reserve(tx_count);
  std::set<core::Hash> seen;
  for (size_t i = 0; i < tx_count; ++i) {
    core::Hash id = block.txs[i].tx_id();
    if (!seen.insert(id).second) {
      return core::Status::conflict(ctx + ": tx " + core::to_hex(id) + " at index " +
                                    std::to_string(i) + " appears twice in the block");
    }
    if (receipts[i].tx_id != id) {
      return core::Status::invalid(ctx + ": receipt " + std::to_string(i) + " is for tx " +
                                   core::to_hex(receipts[i].tx_id) + " but tx " +
                                   std::to_string(i) + " is " + core::to_hex(id));
    }
    plan.tx_ids.push_back(id);
  }

  std::unordered_map<std::string_view, size_t> winner;  // key -> position in current_writes
  winner.reserve(writes.size());
  for (size_t w = 0; w < writes.size(); ++w) {
    const core::StateWrite& write = writes[w];
    if (write.tx_index >= tx_count) {
      return core::Status::invalid(ctx + ": write " + std::to_string(w) + " has tx_index " +
                                   std::to_string(write.tx_index) + " but the block holds " +
                                   std::to_string(tx_count) + " txs");
    }
    if (write.key.empty()) {
      return core::Status::invalid(ctx + ": write " + std::to_string(w) + " has an empty key");
    }
    if (write.key.find('\0') != std::string::npos) {
      return core::Status::invalid(ctx + ": write " + std::to_string(w) + " key \"" +
                                   printable_key(write.key) + "\" contains a NUL byte");
    }
    auto [it, inserted] = winner.try_emplace(write.key, plan.current_writes.size());
    if (inserted) {
      plan.current_writes.push_back(w);
    } else {
      size_t& current = plan.current_writes[it->second];
      if (write.tx_index >= writes[current].tx_index) current = w;
    }
  }

  plan.summaries = tx_summaries(block, receipts, plan.tx_ids);
  plan.new_tip.height = header.height;
  plan.new_tip.block_hash = block.hash();
  plan.new_tip.state_root = header.state_root;
  plan.new_tip.timestamp_ms = header.timestamp_ms;
  plan.new_tip.total_txs = tip->total_txs + tx_count;
  return plan;
}

std::vector<TxSummary> tx_summaries(const core::Block& block,
                                    const std::vector<core::Receipt>& receipts,
                                    const std::vector<core::Hash>& tx_ids) {
  std::vector<TxSummary> out;
  out.reserve(block.txs.size());
  for (size_t i = 0; i < block.txs.size(); ++i) {
    const core::Tx& tx = block.txs[i];
    TxSummary s;
    s.height = block.header.height;
    s.index = static_cast<uint32_t>(i);
    s.tx_id = tx_ids[i];
    s.sender = tx.sender;
    s.timestamp_ms = block.header.timestamp_ms;
    s.code = receipts[i].code;
    s.contract = tx.contract;
    s.method = tx.method;
    out.push_back(std::move(s));
  }
  return out;
}

core::Status check_genesis_block(const core::Block& genesis_block) {
  const core::BlockHeader& header = genesis_block.header;
  if (header.height != 0) {
    return core::Status::invalid("init_genesis: genesis block has height " +
                                 std::to_string(header.height) + ", not 0");
  }
  if (header.prev_hash != core::Hash{}) {
    return core::Status::invalid("init_genesis: genesis block prev_hash " +
                                 core::to_hex(header.prev_hash) + " is not zero");
  }
  if (!genesis_block.txs.empty() || header.tx_count != 0) {
    return core::Status::invalid("init_genesis: genesis block must hold no txs");
  }
  return core::Status::ok();
}

ChainTip genesis_tip(const core::Block& genesis_block) {
  ChainTip tip;
  tip.height = 0;
  tip.block_hash = genesis_block.hash();
  tip.state_root = genesis_block.header.state_root;
  tip.timestamp_ms = genesis_block.header.timestamp_ms;
  tip.total_txs = 0;
  return tip;
}

core::Status genesis_conflict(const core::Hash& stored, const core::Hash& offered) {
  return core::Status::conflict("init_genesis: the store holds a chain with genesis block " +
                                core::to_hex(stored) + ", not genesis block " +
                                core::to_hex(offered));
}

core::Status tx_already_on_chain(uint64_t height, size_t index, const core::Hash& tx_id,
                                 const TxLocation& existing) {
  return core::Status::conflict(
      block_context(height) + ": tx " + core::to_hex(tx_id) + " at index " + std::to_string(index) +
      " is already on chain at height " + std::to_string(existing.height) + " index " +
      std::to_string(existing.index));
}

std::string printable_key(std::string_view key) {
  constexpr size_t kMaxShown = 200;
  std::string out;
  for (unsigned char c : key) {
    if (out.size() >= kMaxShown) {
      out += "...";
      break;
    }
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace silk::storage::internal
