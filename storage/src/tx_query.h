// The tx query of Store::query_txs, written once over a small scan interface
// so both backends choose the same index, apply the same filters and cursors,
// and page exactly alike.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "silk/core/status.h"
#include "silk/storage/store.h"

namespace silk::storage::internal {

enum class TxIndexKind { kBySender, kByContract, kByPosition };

// Which entries of one index a scan reads: those under `key` (the raw 32-byte
// sender, the contract name, or empty for the position index) whose position
// is within [first, last], in ascending or descending position order.
struct TxScanRange {
  TxIndexKind kind = TxIndexKind::kByPosition;
  std::string key;
  TxPosition first;
  TxPosition last;
  bool descending = false;
};

// Reads the entries of one TxScanRange, one at a time.
class TxIndexScan {
 public:
  virtual ~TxIndexScan() = default;
  // The next entry; nullopt past the end of the range. kCorruption for an
  // entry that fails to decode, kIOError when the backend fails.
  virtual core::Result<std::optional<TxSummary>> next() = 0;
};

using OpenTxScan = std::function<std::unique_ptr<TxIndexScan>(const TxScanRange&)>;
using HeightsForTime = std::function<core::Result<std::optional<std::pair<uint64_t, uint64_t>>>(
    uint64_t from_ms, uint64_t to_ms)>;

// Runs `query` on a chain whose tip is `tip` (nullopt: no chain): maps the
// time bounds to heights with `heights_for_time`, picks the index, opens one
// scan with `open` and filters what it reads (see Store::query_txs).
core::Result<TxPage> run_tx_query(const TxQuery& query, const std::optional<ChainTip>& tip,
                                  const HeightsForTime& heights_for_time, const OpenTxScan& open);

}  // namespace silk::storage::internal
