// `silk audit txs` and `silk audit history`: an auditor's searches of a
// running node (GET /v1/txs, GET /v1/history), one page or every page, shown
// as a table or exported as JSON, JSON Lines or CSV (docs/audit.md#searching).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "silk/core/status.h"
#include "silk/tools/command.h"

namespace silk::tools {

enum class ExportFormat { kTable, kJson, kJsonl, kCsv };

// "table", "json", "jsonl" or "csv"; kInvalid naming the choices otherwise.
core::Result<ExportFormat> parse_export_format(const std::string& text);

// One CSV field (RFC 4180): as it is unless it holds a comma, a double quote,
// CR or LF (or starts or ends with a space), else in double quotes with
// every double quote doubled.
std::string csv_field(std::string_view value);

// A CSV document: the header row, then one row per element of `rows` (JSON
// objects) with the value of each column: strings as they are, numbers and
// booleans as JSON text, null or absent as an empty field, arrays and objects
// as compact JSON. Lines end with CRLF, as RFC 4180 says.
std::string to_csv(const std::vector<std::string>& columns,
                   const std::vector<nlohmann::json>& rows);

// JSON Lines: each row as compact JSON on its own line ("\n"-terminated).
std::string to_jsonl(const std::vector<nlohmann::json>& rows);

// The CSV columns of `silk audit txs` (time_utc is derived from timestamp_ms).
const std::vector<std::string>& tx_csv_columns();

struct AuditTxsOptions {
  std::string sender;            // 64 hex: a public key or a certificate fingerprint
  std::string sender_cert_file;  // or: a certificate (PEM or DER) whose fingerprint is the sender
  std::string contract;
  std::optional<uint64_t> from_ms;  // block time bounds, inclusive
  std::optional<uint64_t> to_ms;
  std::string after;     // a cursor HEIGHT:INDEX to resume from
  uint32_t limit = 100;  // page size, 1..1000
  bool all = false;      // follow the cursors to the end
  bool descending = false;
  ExportFormat format = ExportFormat::kTable;
  std::string out_file;  // write there (never overwritten) instead of stdout
};

// The GET /v1/txs target of one page of `options` resuming after `after`
// (empty: from the start). kInvalid for a bad sender or certificate, no
// filter at all, or a limit outside 1..1000.
core::Result<std::string> audit_txs_target(const AuditTxsOptions& options,
                                           const std::string& after);

// `silk audit txs`: one page (or, with `all`, every page) of GET /v1/txs.
// Text: the rows in `format` (the table ends with "more: --after CURSOR" when
// there is a next page), or with out_file one line saying where they went.
// JSON (--json): {"txs": [...], "next": cursor or null} (with out_file also
// "out" and "count").
core::Result<CommandOutput> run_audit_txs(CommandContext& ctx, const AuditTxsOptions& options);

struct AuditHistoryOptions {
  std::string key;
  uint64_t offset = 0;
  uint32_t limit = 100;  // page size, 1..1000
  bool all = false;
  ExportFormat format = ExportFormat::kTable;
  std::string out_file;
};

// `silk audit history`: the versions of a state key (GET /v1/history), oldest
// first, in the same formats; CSV columns height, index, tx_id, timestamp_ms,
// time_utc, deleted, value (JSON text, or the string when not JSON).
core::Result<CommandOutput> run_audit_history(CommandContext& ctx,
                                              const AuditHistoryOptions& options);

}  // namespace silk::tools
