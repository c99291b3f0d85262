#include "tx_query.h"

#include <algorithm>
#include <limits>

namespace silk::storage::internal {

namespace {

constexpr uint32_t kMaxIndex = std::numeric_limits<uint32_t>::max();

TxPosition position_of(const TxSummary& s) { return {s.height, s.index}; }

// The positions right after and right before `p`; nullopt past either end.
std::optional<TxPosition> successor(const TxPosition& p) {
  if (p.index < kMaxIndex) return TxPosition{p.height, p.index + 1};
  if (p.height < std::numeric_limits<uint64_t>::max()) return TxPosition{p.height + 1, 0};
  return std::nullopt;
}
std::optional<TxPosition> predecessor(const TxPosition& p) {
  if (p.index > 0) return TxPosition{p.height, p.index - 1};
  if (p.height > 0) return TxPosition{p.height - 1, kMaxIndex};
  return std::nullopt;
}

}  // namespace

core::Result<TxPage> run_tx_query(const TxQuery& query, const std::optional<ChainTip>& tip,
                                  const HeightsForTime& heights_for_time, const OpenTxScan& open) {
  if (query.limit == 0 || query.limit > kMaxTxQueryLimit) {
    return core::Status::invalid("tx query limit " + std::to_string(query.limit) +
                                 " is not in 1.." + std::to_string(kMaxTxQueryLimit));
  }
  TxPage page;
  if (!tip) return page;

  uint64_t first_height = 0;
  uint64_t last_height = tip->height;
  if (query.from_ms || query.to_ms) {
    const uint64_t from = query.from_ms.value_or(0);
    const uint64_t to = query.to_ms.value_or(std::numeric_limits<uint64_t>::max());
    if (from > to) return page;
    SILK_ASSIGN_OR_RETURN(auto heights, heights_for_time(from, to));
    if (!heights) return page;
    first_height = std::max(first_height, heights->first);
    last_height = std::min(last_height, heights->second);
    if (first_height > last_height) return page;
  }

  TxScanRange range;
  range.first = {first_height, 0};
  range.last = {last_height, kMaxIndex};
  range.descending = query.order == TxOrder::kDescending;
  if (query.after) {
    if (!range.descending) {
      std::optional<TxPosition> start = successor(*query.after);
      if (!start || *start > range.last) return page;
      range.first = std::max(range.first, *start);
    } else {
      std::optional<TxPosition> start = predecessor(*query.after);
      if (!start || *start < range.first) return page;
      range.last = std::min(range.last, *start);
    }
  }
  if (query.sender) {
    range.kind = TxIndexKind::kBySender;
    range.key.assign(query.sender->begin(), query.sender->end());
  } else if (query.contract) {
    range.kind = TxIndexKind::kByContract;
    range.key = *query.contract;
  }

  std::unique_ptr<TxIndexScan> scan = open(range);
  uint32_t scanned = 0;
  std::optional<TxPosition> last_scanned;
  while (true) {
    if (scanned == kTxQueryScanBudget) {
      page.next = last_scanned;  // the budget ran out: resume after what was read
      break;
    }
    SILK_ASSIGN_OR_RETURN(std::optional<TxSummary> entry, scan->next());
    if (!entry) break;  // the end of the range: no next page
    ++scanned;
    last_scanned = position_of(*entry);
    if (query.sender && range.kind != TxIndexKind::kBySender && entry->sender != *query.sender) {
      continue;
    }
    if (query.contract && range.kind != TxIndexKind::kByContract &&
        entry->contract != *query.contract) {
      continue;
    }
    if (page.txs.size() == query.limit) {
      // One more match exists: the next page starts after the last one returned.
      page.next = position_of(page.txs.back());
      break;
    }
    page.txs.push_back(std::move(*entry));
  }
  return page;
}

}  // namespace silk::storage::internal
