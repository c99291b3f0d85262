#include "silk/tools/query_commands.h"

#include <cctype>
#include <sstream>

#include "silk/client/http_client.h"
#include "silk/core/bytes.h"

namespace silk::tools {

using core::Result;
using core::Status;
using nlohmann::json;

namespace {

// A field as text: strings bare, everything else as compact JSON, "-" when absent.
std::string field(const json& obj, const char* name) {
  if (!obj.is_object()) return "-";
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return "-";
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

std::string time_field(const json& obj, const char* name) {
  if (!obj.is_object()) return "-";
  auto it = obj.find(name);
  if (it == obj.end() || !it->is_number_unsigned()) return field(obj, name);
  const uint64_t ms = it->get<uint64_t>();
  return std::to_string(ms) + " (" + format_utc_ms(ms) + ")";
}

std::string receipt_line(const json& receipt) {
  if (!receipt.is_object()) return "-";
  const std::string code_name = field(receipt, "code_name");
  const std::string message = receipt.value("message", std::string());
  return message.empty() ? code_name : code_name + ": " + message;
}

bool all_digits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

Result<CommandOutput> fetch(CommandContext& ctx, const std::string& target) {
  SILK_ASSIGN_OR_RETURN(NodeClient * node, ctx.node());
  SILK_ASSIGN_OR_RETURN(json answer, node->get(target));
  CommandOutput out;
  out.json = std::move(answer);
  return out;
}

}  // namespace

Result<CommandOutput> run_query_tx(CommandContext& ctx, const std::string& tx_id_hex) {
  if (!core::hash_from_hex(tx_id_hex).is_ok()) {
    return Status::invalid("tx id \"" + tx_id_hex + "\" is not 64 hex characters");
  }
  SILK_ASSIGN_OR_RETURN(CommandOutput out, fetch(ctx, "/v1/tx/" + tx_id_hex));
  const json& a = out.json;
  std::ostringstream t;
  t << "tx_id      " << field(a, "tx_id") << "\n";
  if (a.value("status", std::string()) == "pending") {
    t << "status     pending (in the mempool)\n";
    out.text = t.str();
    return out;
  }
  const json tx = a.value("tx", json::object());
  t << "height     " << field(a, "height") << " (index " << field(a, "index") << ")\n"
    << "block      " << field(a, "block_hash") << "\n"
    << "block time " << time_field(a, "timestamp_ms") << "\n"
    << "chain_id   " << field(tx, "chain_id") << "\n"
    << "sender     " << field(tx, "sender") << "\n"
    << "call       " << field(tx, "contract") << "." << field(tx, "method") << " "
    << field(tx, "args") << "\n"
    << "tx time    " << time_field(tx, "timestamp_ms") << "\n"
    << "nonce      " << field(tx, "nonce") << "\n";
  const json receipt = a.value("receipt", json());
  t << "receipt    " << receipt_line(receipt) << "\n";
  if (receipt.is_object()) {
    const std::string result = field(receipt, "result");
    if (result != "-" && !result.empty()) t << "result     " << result << "\n";
    if (auto events = receipt.find("events"); events != receipt.end() && events->is_array()) {
      for (const json& e : *events) {
        t << "event      " << field(e, "contract") << "." << field(e, "name") << " "
          << field(e, "data") << "\n";
      }
    }
  }
  out.text = t.str();
  return out;
}

Result<std::string> block_target(const std::string& spec) {
  if (spec == "latest") return std::string("/v1/block/latest");
  if (all_digits(spec)) {
    if (spec.size() > 20) return Status::invalid("block height " + spec + " is out of range");
    return "/v1/block/" + spec;
  }
  if (spec.size() == 64 && core::hash_from_hex(spec).is_ok()) return "/v1/block/hash/" + spec;
  return Status::invalid("block \"" + spec +
                         "\" is neither a height, a 64-hex block hash nor \"latest\"");
}

Result<CommandOutput> run_query_block(CommandContext& ctx, const std::string& spec) {
  SILK_ASSIGN_OR_RETURN(std::string target, block_target(spec));
  SILK_ASSIGN_OR_RETURN(CommandOutput out, fetch(ctx, target));
  const json& a = out.json;
  const json header = a.value("header", json::object());
  std::ostringstream t;
  t << "height        " << field(header, "height") << "\n"
    << "hash          " << field(a, "hash") << "\n"
    << "prev_hash     " << field(header, "prev_hash") << "\n"
    << "time          " << time_field(header, "timestamp_ms") << "\n"
    << "chain_id      " << field(header, "chain_id") << "\n"
    << "proposer      " << field(header, "proposer") << "\n"
    << "txs           " << field(header, "tx_count") << "\n"
    << "tx_root       " << field(header, "tx_root") << "\n"
    << "receipts_root " << field(header, "receipts_root") << "\n"
    << "state_root    " << field(header, "state_root") << "\n";
  const json cert = a.value("cert", json::object());
  size_t votes = cert.is_object() && cert.contains("votes") && cert["votes"].is_array()
                     ? cert["votes"].size()
                     : 0;
  t << "cert          " << field(cert, "kind") << ", " << votes
    << (votes == 1 ? " signature" : " signatures") << "\n";
  if (auto ids = a.find("tx_ids"); ids != a.end() && ids->is_array()) {
    for (const json& id : *ids)
      t << "tx            " << (id.is_string() ? id.get<std::string>() : id.dump()) << "\n";
  }
  out.text = t.str();
  return out;
}

Result<CommandOutput> run_query_state(CommandContext& ctx, const std::string& key) {
  if (key.empty()) return Status::invalid("the state key is empty");
  SILK_ASSIGN_OR_RETURN(CommandOutput out, fetch(ctx, "/v1/state?key=" + url_encode_query(key)));
  const json value = out.json.value("value", json());
  out.text = (value.is_string() ? value.get<std::string>() : value.dump(2)) + "\n";
  return out;
}

Result<CommandOutput> run_query_history(CommandContext& ctx, const std::string& key,
                                        uint64_t offset, uint32_t limit) {
  if (key.empty()) return Status::invalid("the state key is empty");
  if (limit == 0 || limit > 1000) return Status::invalid("--limit must be 1..1000");
  SILK_ASSIGN_OR_RETURN(CommandOutput out, fetch(ctx, "/v1/history?key=" + url_encode_query(key) +
                                                          "&offset=" + std::to_string(offset) +
                                                          "&limit=" + std::to_string(limit)));
  const json& a = out.json;
  std::ostringstream t;
  const json versions = a.value("versions", json::array());
  if (!versions.is_array() || versions.empty()) {
    t << "no versions of " << key << " from offset " << offset << "\n";
  }
  for (const json& v : versions) {
    t << "height " << field(v, "height") << " index " << field(v, "index") << "  "
      << (v.is_object() && v.contains("timestamp_ms") && v["timestamp_ms"].is_number_unsigned()
              ? format_utc_ms(v["timestamp_ms"].get<uint64_t>())
              : std::string("-"))
      << "  tx " << field(v, "tx_id") << "\n";
    if (v.value("deleted", false)) {
      t << "  (deleted)\n";
    } else {
      t << "  " << field(v, "value") << "\n";
    }
  }
  auto next = a.find("next_offset");
  if (next != a.end() && !next->is_null()) {
    t << "more: --offset " << next->dump() << "\n";
  }
  out.text = t.str();
  return out;
}

Result<CommandOutput> run_query_chain(CommandContext& ctx) {
  SILK_ASSIGN_OR_RETURN(CommandOutput out, fetch(ctx, "/v1/chain"));
  const json& a = out.json;
  const json mempool = a.value("mempool", json::object());
  std::ostringstream t;
  t << "chain_id      " << field(a, "chain_id") << "\n"
    << "consensus     " << field(a, "consensus") << "\n"
    << "height        " << field(a, "height") << "\n"
    << "block_hash    " << field(a, "block_hash") << "\n"
    << "block time    " << time_field(a, "timestamp_ms") << "\n"
    << "state_root    " << field(a, "state_root") << "\n"
    << "genesis_hash  " << field(a, "genesis_hash") << "\n"
    << "total_txs     " << field(a, "total_txs") << "\n"
    << "mempool       " << field(mempool, "size") << " of " << field(mempool, "capacity") << "\n";
  out.text = t.str();
  return out;
}

}  // namespace silk::tools
