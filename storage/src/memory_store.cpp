// The in-memory Store: the RocksDB store's semantics on std::map, for tests.

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <utility>

#include "commit_plan.h"
#include "silk/storage/store.h"
#include "tx_query.h"

namespace silk::storage {

namespace {

using PositionMap = std::map<TxPosition, TxSummary>;
using PositionSet = std::set<TxPosition>;

// Reads positions [first, last] of a set of positions (or of the position
// map's keys), resolving each through the position map. The caller holds the
// store's lock for the scan's whole life.
template <typename Container>
class MemoryTxScan final : public internal::TxIndexScan {
 public:
  MemoryTxScan(const Container* positions, const PositionMap& rows,
               const internal::TxScanRange& range)
      : rows_(rows), descending_(range.descending) {
    if (positions == nullptr) return;  // an unknown sender or contract
    empty_ = false;
    begin_ = positions->lower_bound(range.first);
    end_ = positions->upper_bound(range.last);
    if (descending_) {
      cur_ = end_;
    } else {
      cur_ = begin_;
    }
  }

  core::Result<std::optional<TxSummary>> next() override {
    if (empty_ || begin_ == end_) return std::optional<TxSummary>();
    if (descending_) {
      if (cur_ == begin_) return std::optional<TxSummary>();
      --cur_;
      return std::optional<TxSummary>(rows_.at(position(cur_)));
    }
    if (cur_ == end_) return std::optional<TxSummary>();
    const TxPosition p = position(cur_);
    ++cur_;
    return std::optional<TxSummary>(rows_.at(p));
  }

 private:
  using Iter = typename Container::const_iterator;
  static TxPosition position(const PositionSet::const_iterator& it) { return *it; }
  static TxPosition position(const PositionMap::const_iterator& it) { return it->first; }

  const PositionMap& rows_;
  const bool descending_;
  bool empty_ = true;
  Iter begin_{};
  Iter end_{};
  Iter cur_{};
};

class MemoryStore final : public Store {
 public:
  core::Status init_genesis(const core::Block& genesis_block,
                            std::string_view genesis_json) override {
    SILK_RETURN_IF_ERROR(internal::check_genesis_block(genesis_block));
    std::unique_lock lock(mu_);
    if (!blocks_.empty()) {
      const core::Hash stored = blocks_.front().hash();
      const core::Hash offered = genesis_block.hash();
      if (stored != offered) return internal::genesis_conflict(stored, offered);
      return core::Status::ok();
    }
    ChainTip tip = internal::genesis_tip(genesis_block);
    blocks_.push_back(genesis_block);
    heights_by_hash_.emplace(tip.block_hash, 0);
    genesis_json_ = std::string(genesis_json);
    tip_ = tip;
    return core::Status::ok();
  }

  core::Result<std::string> genesis_json() const override {
    std::shared_lock lock(mu_);
    if (!tip_) return core::Status::not_found("genesis_json: the store has no genesis");
    return genesis_json_;
  }

  std::optional<ChainTip> tip() const override {
    std::shared_lock lock(mu_);
    return tip_;
  }

  core::Status commit_block(const core::Block& block, const std::vector<core::Receipt>& receipts,
                            const std::vector<core::StateWrite>& writes) override {
    std::unique_lock lock(mu_);
    SILK_ASSIGN_OR_RETURN(internal::CommitPlan plan,
                          internal::plan_commit(tip_, block, receipts, writes));
    for (size_t i = 0; i < plan.tx_ids.size(); ++i) {
      auto it = tx_index_.find(plan.tx_ids[i]);
      if (it != tx_index_.end()) {
        return internal::tx_already_on_chain(block.header.height, i, plan.tx_ids[i], it->second);
      }
    }

    const uint64_t height = block.header.height;
    for (size_t i = 0; i < plan.tx_ids.size(); ++i) {
      tx_index_[plan.tx_ids[i]] = TxLocation{height, static_cast<uint32_t>(i)};
      receipts_[plan.tx_ids[i]] = receipts[i];
    }
    for (const core::StateWrite& w : writes) {
      core::KeyVersion v;
      v.height = height;
      v.tx_index = w.tx_index;
      v.tx_id = plan.tx_ids[w.tx_index];
      v.timestamp_ms = block.header.timestamp_ms;
      v.deleted = !w.value.has_value();
      if (w.value) v.value = *w.value;
      auto versions = history_.find(w.key);
      if (versions == history_.end()) versions = history_.try_emplace(w.key).first;
      versions->second[{height, w.tx_index}] = std::move(v);
    }
    for (size_t index : plan.current_writes) {
      const core::StateWrite& w = writes[index];
      if (w.value) {
        state_.insert_or_assign(w.key, *w.value);
      } else {
        auto it = state_.find(w.key);
        if (it != state_.end()) state_.erase(it);
      }
    }
    for (TxSummary& summary : plan.summaries) {
      const TxPosition p{summary.height, summary.index};
      tx_by_sender_[summary.sender].insert(p);
      tx_by_contract_[summary.contract].insert(p);
      tx_by_position_.emplace(p, std::move(summary));
    }
    blocks_.push_back(block);
    heights_by_hash_.emplace(plan.new_tip.block_hash, height);
    tip_ = plan.new_tip;
    return core::Status::ok();
  }

  core::Result<core::Block> block_by_height(uint64_t height) const override {
    std::shared_lock lock(mu_);
    if (height >= blocks_.size()) {
      return core::Status::not_found("block at height " + std::to_string(height) + " not found");
    }
    return blocks_[height];
  }

  core::Result<core::Block> block_by_hash(const core::Hash& hash) const override {
    std::shared_lock lock(mu_);
    auto it = heights_by_hash_.find(hash);
    if (it == heights_by_hash_.end()) {
      return core::Status::not_found("block " + core::to_hex(hash) + " not found");
    }
    return blocks_[it->second];
  }

  core::Result<TxLocation> tx_location(const core::Hash& tx_id) const override {
    std::shared_lock lock(mu_);
    auto it = tx_index_.find(tx_id);
    if (it == tx_index_.end()) {
      return core::Status::not_found("tx " + core::to_hex(tx_id) + " not found");
    }
    return it->second;
  }

  bool has_tx(const core::Hash& tx_id) const override {
    std::shared_lock lock(mu_);
    return tx_index_.count(tx_id) != 0;
  }

  core::Result<core::Receipt> receipt(const core::Hash& tx_id) const override {
    std::shared_lock lock(mu_);
    auto it = receipts_.find(tx_id);
    if (it == receipts_.end()) {
      return core::Status::not_found("receipt for tx " + core::to_hex(tx_id) + " not found");
    }
    return it->second;
  }

  core::Result<std::optional<std::string>> get_state(std::string_view key) const override {
    std::shared_lock lock(mu_);
    auto it = state_.find(key);
    if (it == state_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  core::Result<std::vector<core::KeyVersion>> history(std::string_view key, uint64_t offset,
                                                      uint32_t limit) const override {
    std::shared_lock lock(mu_);
    std::vector<core::KeyVersion> out;
    auto versions = history_.find(key);
    if (versions == history_.end() || offset >= versions->second.size()) return out;
    auto it = versions->second.begin();
    std::advance(it, static_cast<std::ptrdiff_t>(offset));
    for (; it != versions->second.end() && out.size() < limit; ++it) out.push_back(it->second);
    return out;
  }

  core::Result<TxPage> query_txs(const TxQuery& query) const override {
    std::shared_lock lock(mu_);
    return internal::run_tx_query(
        query, tip_,
        [this](uint64_t from_ms, uint64_t to_ms) {
          return heights_for_time_locked(from_ms, to_ms);
        },
        [this](const internal::TxScanRange& range) -> std::unique_ptr<internal::TxIndexScan> {
          switch (range.kind) {
            case internal::TxIndexKind::kBySender: {
              core::Hash sender{};
              std::copy(range.key.begin(), range.key.end(), sender.begin());
              auto it = tx_by_sender_.find(sender);
              return std::make_unique<MemoryTxScan<PositionSet>>(
                  it == tx_by_sender_.end() ? nullptr : &it->second, tx_by_position_, range);
            }
            case internal::TxIndexKind::kByContract: {
              auto it = tx_by_contract_.find(range.key);
              return std::make_unique<MemoryTxScan<PositionSet>>(
                  it == tx_by_contract_.end() ? nullptr : &it->second, tx_by_position_, range);
            }
            case internal::TxIndexKind::kByPosition:
              break;
          }
          return std::make_unique<MemoryTxScan<PositionMap>>(&tx_by_position_, tx_by_position_,
                                                             range);
        });
  }

  core::Result<std::optional<std::pair<uint64_t, uint64_t>>> heights_for_time(
      uint64_t from_ms, uint64_t to_ms) const override {
    std::shared_lock lock(mu_);
    return heights_for_time_locked(from_ms, to_ms);
  }

 private:
  // Block times never go backwards, so blocks_ is sorted by time. mu_ held.
  core::Result<std::optional<std::pair<uint64_t, uint64_t>>> heights_for_time_locked(
      uint64_t from_ms, uint64_t to_ms) const {
    using Heights = std::optional<std::pair<uint64_t, uint64_t>>;
    if (from_ms > to_ms) return Heights();
    auto first = std::lower_bound(
        blocks_.begin(), blocks_.end(), from_ms,
        [](const core::Block& b, uint64_t t) { return b.header.timestamp_ms < t; });
    auto end = std::upper_bound(
        blocks_.begin(), blocks_.end(), to_ms,
        [](uint64_t t, const core::Block& b) { return t < b.header.timestamp_ms; });
    if (first >= end) return Heights();
    return Heights(std::pair<uint64_t, uint64_t>(static_cast<uint64_t>(first - blocks_.begin()),
                                                 static_cast<uint64_t>(end - blocks_.begin() - 1)));
  }

  using Version = std::pair<uint64_t, uint32_t>;  // (height, tx_index)

  mutable std::shared_mutex mu_;  // guards every member below
  std::optional<ChainTip> tip_;
  std::string genesis_json_;
  std::vector<core::Block> blocks_;  // index == height
  std::map<core::Hash, uint64_t> heights_by_hash_;
  std::map<core::Hash, TxLocation> tx_index_;
  std::map<core::Hash, core::Receipt> receipts_;
  std::map<std::string, std::string, std::less<>> state_;
  std::map<std::string, std::map<Version, core::KeyVersion>, std::less<>> history_;
  PositionMap tx_by_position_;  // the tx query indexes
  std::map<core::Hash, PositionSet> tx_by_sender_;
  std::map<std::string, PositionSet, std::less<>> tx_by_contract_;
};

}  // namespace

std::unique_ptr<Store> make_memory_store() { return std::make_unique<MemoryStore>(); }

}  // namespace silk::storage
