#include "silk/tools/audit_query.h"

#include <fstream>
#include <iterator>
#include <sstream>

#include "silk/client/http_client.h"
#include "silk/core/bytes.h"
#include "silk/core/file_io.h"
#include "silk/core/x509.h"

namespace silk::tools {

using core::Result;
using core::Status;
using nlohmann::json;

namespace {

constexpr uint32_t kMaxPage = 1000;
// --all stops after this many pages, so a node that never says "no next page"
// cannot keep the command running forever.
constexpr size_t kMaxPages = 1'000'000;

std::string compact(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// A row's field as text: strings bare, null/absent empty, the rest compact JSON.
std::string text_of(const json& row, const std::string& name) {
  if (!row.is_object()) return "";
  auto it = row.find(name);
  if (it == row.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  return compact(*it);
}

std::string utc_of(const json& row) {
  if (!row.is_object()) return "";
  auto it = row.find("timestamp_ms");
  if (it == row.end() || !it->is_number_unsigned()) return "";
  return format_utc_ms(it->get<uint64_t>());
}

// Adds "time_utc" next to "timestamp_ms" for the CSV export.
std::vector<json> with_utc(const std::vector<json>& rows) {
  std::vector<json> out;
  out.reserve(rows.size());
  for (const json& row : rows) {
    json r = row;
    if (r.is_object()) r["time_utc"] = utc_of(row);
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::string> read_file(const std::string& path, const std::string& what) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::not_found("cannot open " + what + " " + path);
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) return Status::io_error("cannot read " + what + " " + path);
  return text;
}

// The formatted rows, written to out_file or carried as the command's text.
Result<CommandOutput> deliver(std::string formatted, json doc, size_t count,
                              const std::string& out_file, const std::string& what) {
  CommandOutput out;
  if (out_file.empty()) {
    out.text = std::move(formatted);
    out.json = std::move(doc);
    return out;
  }
  SILK_RETURN_IF_ERROR(core::write_new_file(out_file, formatted, 0644));
  out.text = "wrote " + std::to_string(count) + " " + what + " to " + out_file + "\n";
  doc["out"] = out_file;
  doc["count"] = count;
  doc.erase(doc.find("txs") != doc.end() ? "txs" : "versions");
  out.json = std::move(doc);
  return out;
}

std::string txs_table(const std::vector<json>& rows, const json& next) {
  std::ostringstream t;
  if (rows.empty()) t << "no txs\n";
  for (const json& r : rows) {
    t << text_of(r, "height") << ":" << text_of(r, "index") << "  " << utc_of(r) << "  "
      << text_of(r, "contract") << "." << text_of(r, "method") << "  ";
    if (r.is_object() && r.value("ok", false)) {
      t << "ok";
    } else {
      t << "FAILED: " << text_of(r, "error");
    }
    t << "\n  tx " << text_of(r, "tx_id") << "  sender " << text_of(r, "sender") << "\n";
  }
  if (next.is_string()) t << "more: --after " << next.get<std::string>() << "\n";
  return t.str();
}

const std::vector<std::string>& history_csv_columns() {
  static const std::vector<std::string> kColumns = {"height",   "index",   "tx_id", "timestamp_ms",
                                                    "time_utc", "deleted", "value"};
  return kColumns;
}

std::string history_table(const std::string& key, const std::vector<json>& rows, const json& next) {
  std::ostringstream t;
  if (rows.empty()) t << "no versions of " << key << "\n";
  for (const json& v : rows) {
    t << "height " << text_of(v, "height") << " index " << text_of(v, "index") << "  " << utc_of(v)
      << "  tx " << text_of(v, "tx_id") << "\n";
    if (v.is_object() && v.value("deleted", false)) {
      t << "  (deleted)\n";
    } else {
      t << "  " << text_of(v, "value") << "\n";
    }
  }
  if (next.is_number_unsigned()) t << "more: --offset " << next.get<uint64_t>() << "\n";
  return t.str();
}

}  // namespace

Result<ExportFormat> parse_export_format(const std::string& text) {
  if (text == "table") return ExportFormat::kTable;
  if (text == "json") return ExportFormat::kJson;
  if (text == "jsonl") return ExportFormat::kJsonl;
  if (text == "csv") return ExportFormat::kCsv;
  return Status::invalid("--format \"" + text + "\" is not one of table, json, jsonl, csv");
}

std::string csv_field(std::string_view value) {
  const bool quote = value.find_first_of(",\"\r\n") != std::string_view::npos ||
                     (!value.empty() && (value.front() == ' ' || value.back() == ' '));
  if (!quote) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string to_csv(const std::vector<std::string>& columns, const std::vector<json>& rows) {
  std::string out;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) out += ',';
    out += csv_field(columns[i]);
  }
  out += "\r\n";
  for (const json& row : rows) {
    for (size_t i = 0; i < columns.size(); ++i) {
      if (i > 0) out += ',';
      out += csv_field(text_of(row, columns[i]));
    }
    out += "\r\n";
  }
  return out;
}

std::string to_jsonl(const std::vector<json>& rows) {
  std::string out;
  for (const json& row : rows) {
    out += compact(row);
    out += '\n';
  }
  return out;
}

const std::vector<std::string>& tx_csv_columns() {
  static const std::vector<std::string> kColumns = {
      "tx_id",    "height", "index", "timestamp_ms", "time_utc", "sender",
      "contract", "method", "ok",    "code",         "error"};
  return kColumns;
}

Result<std::string> audit_txs_target(const AuditTxsOptions& o, const std::string& after) {
  if (o.limit == 0 || o.limit > kMaxPage) return Status::invalid("--limit must be 1..1000");
  if (!o.sender.empty() && !o.sender_cert_file.empty()) {
    return Status::invalid("give --sender or --sender-cert, not both");
  }
  std::string sender;
  if (!o.sender.empty()) {
    Result<core::Hash> h = core::hash_from_hex(o.sender);
    if (!h.is_ok()) {
      return Status::invalid("--sender \"" + o.sender +
                             "\" is not 64 hex characters (a public key or a certificate "
                             "fingerprint)");
    }
    sender = core::to_hex(*h);
  } else if (!o.sender_cert_file.empty()) {
    SILK_ASSIGN_OR_RETURN(std::string text, read_file(o.sender_cert_file, "certificate"));
    Result<core::Certificate> cert = core::parse_certificate(std::string_view(text));
    if (!cert.is_ok()) {
      return Status::invalid("--sender-cert " + o.sender_cert_file +
                             ": not a certificate: " + cert.status().message());
    }
    sender = core::to_hex(cert->fingerprint());
  }
  if (sender.empty() && o.contract.empty() && !o.from_ms && !o.to_ms) {
    return Status::invalid(
        "say what to search for: --sender, --sender-cert, --contract, --from or --to");
  }
  if (o.from_ms && o.to_ms && *o.from_ms > *o.to_ms) {
    return Status::invalid("--from is after --to");
  }
  std::string target = "/v1/txs?limit=" + std::to_string(o.limit);
  if (!sender.empty()) target += "&sender=" + sender;
  if (!o.contract.empty()) target += "&contract=" + url_encode_query(o.contract);
  if (o.from_ms) target += "&from_ms=" + std::to_string(*o.from_ms);
  if (o.to_ms) target += "&to_ms=" + std::to_string(*o.to_ms);
  if (o.descending) target += "&order=desc";
  if (!after.empty()) target += "&after=" + url_encode_query(after);
  return target;
}

Result<CommandOutput> run_audit_txs(CommandContext& ctx, const AuditTxsOptions& o) {
  SILK_ASSIGN_OR_RETURN(std::string first_target, audit_txs_target(o, o.after));
  SILK_ASSIGN_OR_RETURN(NodeClient * node, ctx.node());
  std::vector<json> rows;
  json next = nullptr;
  std::string target = first_target;
  for (size_t pages = 0; pages < kMaxPages; ++pages) {
    SILK_ASSIGN_OR_RETURN(json page, node->get(target));
    auto txs = page.find("txs");
    if (!page.is_object() || txs == page.end() || !txs->is_array()) {
      return Status::invalid("node answered GET /v1/txs without a \"txs\" array");
    }
    for (json& row : *txs) rows.push_back(std::move(row));
    next = page.value("next", json(nullptr));
    if (!next.is_null() && !next.is_string()) {
      return Status::invalid("node answered GET /v1/txs with a \"next\" that is not a cursor");
    }
    if (!o.all || next.is_null()) break;
    SILK_ASSIGN_OR_RETURN(target, audit_txs_target(o, next.get<std::string>()));
  }

  std::string formatted;
  switch (o.format) {
    case ExportFormat::kTable:
      formatted = txs_table(rows, next);
      break;
    case ExportFormat::kJson:
      formatted = json{{"txs", rows}, {"next", next}}.dump(2) + "\n";
      break;
    case ExportFormat::kJsonl:
      formatted = to_jsonl(rows);
      break;
    case ExportFormat::kCsv:
      formatted = to_csv(tx_csv_columns(), with_utc(rows));
      break;
  }
  const size_t count = rows.size();
  json doc = {{"txs", std::move(rows)}, {"next", next}};
  return deliver(std::move(formatted), std::move(doc), count, o.out_file, "txs");
}

Result<CommandOutput> run_audit_history(CommandContext& ctx, const AuditHistoryOptions& o) {
  if (o.key.empty()) return Status::invalid("the state key is empty");
  if (o.limit == 0 || o.limit > kMaxPage) return Status::invalid("--limit must be 1..1000");
  SILK_ASSIGN_OR_RETURN(NodeClient * node, ctx.node());
  std::vector<json> rows;
  json next = nullptr;
  uint64_t offset = o.offset;
  for (size_t pages = 0; pages < kMaxPages; ++pages) {
    SILK_ASSIGN_OR_RETURN(json page, node->get("/v1/history?key=" + url_encode_query(o.key) +
                                               "&offset=" + std::to_string(offset) +
                                               "&limit=" + std::to_string(o.limit)));
    auto versions = page.find("versions");
    if (!page.is_object() || versions == page.end() || !versions->is_array()) {
      return Status::invalid("node answered GET /v1/history without a \"versions\" array");
    }
    for (json& v : *versions) rows.push_back(std::move(v));
    next = page.value("next_offset", json(nullptr));
    if (!next.is_null() && !next.is_number_unsigned()) {
      return Status::invalid("node answered GET /v1/history with a bad \"next_offset\"");
    }
    if (!o.all || next.is_null()) break;
    if (next.get<uint64_t>() <= offset) {
      return Status::invalid("node answered GET /v1/history with a next_offset that goes back");
    }
    offset = next.get<uint64_t>();
  }

  std::string formatted;
  switch (o.format) {
    case ExportFormat::kTable:
      formatted = history_table(o.key, rows, next);
      break;
    case ExportFormat::kJson:
      formatted = json{{"key", o.key}, {"versions", rows}, {"next_offset", next}}.dump(2) + "\n";
      break;
    case ExportFormat::kJsonl:
      formatted = to_jsonl(rows);
      break;
    case ExportFormat::kCsv:
      formatted = to_csv(history_csv_columns(), with_utc(rows));
      break;
  }
  const size_t count = rows.size();
  json doc = {{"key", o.key}, {"versions", std::move(rows)}, {"next_offset", next}};
  return deliver(std::move(formatted), std::move(doc), count, o.out_file, "versions");
}

}  // namespace silk::tools
