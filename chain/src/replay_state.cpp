#include "silk/chain/replay_state.h"

#include <cstring>
#include <utility>

namespace silk::chain {

size_t ReplayState::TxIdHash::operator()(const core::Hash& h) const noexcept {
  size_t v;  // a tx id is uniformly distributed already
  static_assert(sizeof(v) <= sizeof(core::Hash));
  std::memcpy(&v, h.data(), sizeof(v));
  return v;
}

ReplayState::ReplayState(const core::Block& genesis_block) {
  tip_.height = genesis_block.header.height;
  tip_.block_hash = genesis_block.hash();
  tip_.state_root = genesis_block.header.state_root;
  tip_.timestamp_ms = genesis_block.header.timestamp_ms;
  tip_.total_txs = genesis_block.txs.size();
}

core::Result<std::optional<std::string>> ReplayState::get(std::string_view key) const {
  auto it = current_.find(key);
  if (it == current_.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

core::Result<std::vector<core::KeyVersion>> ReplayState::history(std::string_view key,
                                                                 uint64_t offset,
                                                                 uint32_t limit) const {
  std::vector<core::KeyVersion> out;
  auto it = history_.find(key);
  if (it == history_.end()) return out;
  for (uint64_t i = offset; i < it->second.size() && out.size() < limit; ++i) {
    out.push_back(it->second[i]);
  }
  return out;
}

void ReplayState::apply(const core::BlockHeader& header, const core::Hash& hash,
                        const std::vector<core::StateWrite>& writes,
                        const std::vector<core::Hash>& tx_ids) {
  const uint64_t height = header.height;
  for (const core::StateWrite& w : writes) {
    core::KeyVersion v;
    v.height = height;
    v.tx_index = w.tx_index;
    v.tx_id = w.tx_index < tx_ids.size() ? tx_ids[w.tx_index] : core::Hash{};
    v.timestamp_ms = header.timestamp_ms;
    v.deleted = !w.value.has_value();
    v.value = w.value.value_or("");
    std::vector<core::KeyVersion>& versions = history_[w.key];
    if (!versions.empty() && versions.back().height == height &&
        versions.back().tx_index == w.tx_index) {
      versions.back() = std::move(v);
    } else {
      versions.push_back(std::move(v));
    }
    if (w.value) {
      current_[w.key] = *w.value;
    } else {
      current_.erase(w.key);
    }
  }
  tx_ids_.insert(tx_ids.begin(), tx_ids.end());
  tip_.height = height;
  tip_.block_hash = hash;
  tip_.state_root = header.state_root;
  tip_.timestamp_ms = header.timestamp_ms;
  tip_.total_txs += tx_ids.size();
}

}  // namespace silk::chain
