// A StateView over an in-memory map, for contract and executor tests. Apply
// a block's writes to advance it; every version is kept for history().
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "silk/contracts/contract.h"
#include "silk/contracts/executor.h"
#include "silk/core/tx.h"

namespace silk::fakes {

class MapStateView final : public contracts::StateView {
 public:
  core::Result<std::optional<std::string>> get(std::string_view key) const override {
    ++reads_;
    auto it = current_.find(key);
    if (it == current_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  core::Result<std::vector<core::KeyVersion>> history(std::string_view key, uint64_t offset,
                                                      uint32_t limit) const override {
    std::vector<core::KeyVersion> out;
    auto it = history_.find(key);
    if (it == history_.end()) return out;
    for (uint64_t i = offset; i < it->second.size() && out.size() < limit; ++i) {
      out.push_back(it->second[i]);
    }
    return out;
  }

  void put(std::string key, std::string value) { current_[std::move(key)] = std::move(value); }

  // Applies a block's writes as storage would: in order, recording history.
  void apply(const contracts::BlockExecution& exec, const std::vector<core::Tx>& txs,
             uint64_t height, uint64_t block_time_ms) {
    for (const core::StateWrite& w : exec.writes) {
      core::KeyVersion v;
      v.height = height;
      v.tx_index = w.tx_index;
      v.tx_id = txs.at(w.tx_index).tx_id();
      v.timestamp_ms = block_time_ms;
      v.deleted = !w.value.has_value();
      v.value = w.value.value_or("");
      history_[w.key].push_back(v);
      if (w.value) {
        current_[w.key] = *w.value;
      } else {
        current_.erase(w.key);
      }
    }
  }

  size_t size() const { return current_.size(); }
  size_t reads() const { return reads_; }

 private:
  std::map<std::string, std::string, std::less<>> current_;
  std::map<std::string, std::vector<core::KeyVersion>, std::less<>> history_;
  mutable size_t reads_ = 0;
};

// A StateView whose reads fail, as a broken disk would.
// Fails every read of a key starting with `fail_prefix` (every key by default);
// other keys read as absent.
class FailingStateView final : public contracts::StateView {
 public:
  std::string fail_prefix;

  core::Result<std::optional<std::string>> get(std::string_view key) const override {
    if (key.substr(0, fail_prefix.size()) != fail_prefix) return std::optional<std::string>();
    return core::Status::io_error("disk read failed for " + std::string(key));
  }
  core::Result<std::vector<core::KeyVersion>> history(std::string_view key, uint64_t,
                                                      uint32_t) const override {
    return core::Status::io_error("disk read failed for " + std::string(key));
  }
};

}  // namespace silk::fakes
