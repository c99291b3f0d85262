#include "silk/tools/notary_commands.h"

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "silk/client/http_client.h"
#include "silk/contracts/notary.h"
#include "silk/core/key_file.h"
#include "silk/tools/file_hash.h"
#include "silk/tools/signer.h"
#include "silk/tools/tx_commands.h"

namespace silk::tools {

using core::Result;
using core::Status;
using nlohmann::json;

namespace {

// Txs per POST /v1/txs (the node accepts at most 10,000).
constexpr size_t kBatchSize = 1000;

struct AnchorItem {
  std::string file;
  FileDigest digest;
  core::Tx tx;
  json result;  // what the output says about this file
  bool ok = false;
  // False when the node refused the tx at admission (or the batch never got an answer): the tx
  // is on no chain and in no mempool, so its id would point at nothing and is not printed.
  bool admitted = true;
};

std::string error_text(const json& error) {
  if (!error.is_object()) return error.dump();
  std::string code = error.value("code", std::string());
  std::string message = error.value("message", std::string());
  if (code.empty()) return message;
  return message.empty() ? code : code + ": " + message;
}

// Fills item.result and item.ok from one entry of the node's batch answer.
void record_answer(AnchorItem& item, const json& entry) {
  json& r = item.result;
  if (!entry.is_object()) {
    r["error"] = "the node's answer has no entry for this tx";
    return;
  }
  if (auto e = entry.find("error"); e != entry.end()) {
    r["error"] = error_text(*e);
    // "unavailable" is the one error of an admitted tx: it did not commit in the wait.
    item.admitted = e->is_object() && e->value("code", std::string()) == "unavailable";
    return;
  }
  if (entry.contains("height")) r["height"] = entry["height"];
  const std::string status = entry.value("status", std::string());
  auto receipt = entry.find("receipt");
  if (status != "committed" || receipt == entry.end() || !receipt->is_object()) {
    r["error"] =
        "not committed (status " + (status.empty() ? std::string("unknown") : status) + ")";
    return;
  }
  if (receipt->value("code", uint64_t{0}) != 0) {
    std::string message = receipt->value("message", std::string());
    if (message.empty()) message = receipt->value("code_name", std::string("failed"));
    r["error"] = message;
    return;
  }
  item.ok = true;
}

}  // namespace

Result<CommandOutput> run_notary_anchor(CommandContext& ctx, const NotaryAnchorOptions& options) {
  SILK_RETURN_IF_ERROR(core::crypto_init());
  if (options.files.empty()) return Status::invalid("no files to anchor");
  if (options.meta && !options.meta->is_object()) {
    return Status::invalid("--meta must be a JSON object");
  }

  std::vector<AnchorItem> items;
  items.reserve(options.files.size());
  for (const std::string& file : options.files) {
    AnchorItem item;
    item.file = file;
    SILK_ASSIGN_OR_RETURN(item.digest, hash_file(file));
    items.push_back(std::move(item));
  }

  // A readable key file before asking for its passphrase.
  SILK_ASSIGN_OR_RETURN(Signer signer, Signer::load(ctx, options.key_file, options.cert_file));
  SILK_ASSIGN_OR_RETURN(std::string chain_id, resolve_chain_id(ctx, options.chain_id));
  SILK_ASSIGN_OR_RETURN(NodeClient * node, ctx.node());

  const uint64_t now = ctx.clock().now_ms();
  for (AnchorItem& item : items) {
    json meta = options.meta ? *options.meta
                             : json{{"file", std::filesystem::path(item.file).filename().string()},
                                    {"size", item.digest.size}};
    item.tx = signer.make_tx(chain_id, std::string(contracts::kNotaryContract),
                             std::string(contracts::kNotaryAnchorMethod),
                             contracts::notary_anchor_args(item.digest.sha256, meta),
                             random_nonce(), now);
    item.result = {{"file", item.file},
                   {"digest", core::to_hex(item.digest.sha256)},
                   {"size", item.digest.size},
                   {"tx_id", core::to_hex(item.tx.tx_id())}};
  }

  const auto http_timeout = std::chrono::milliseconds(options.timeout_ms + 10000);
  for (size_t start = 0; start < items.size(); start += kBatchSize) {
    const size_t end = std::min(items.size(), start + kBatchSize);
    json txs = json::array();
    for (size_t i = start; i < end; ++i) txs.push_back(core::to_hex(items[i].tx.encode()));
    json request = {{"txs", std::move(txs)}, {"wait", true}, {"timeout_ms", options.timeout_ms}};
    auto answer = node->post("/v1/txs", request, http_timeout);
    if (!answer.is_ok()) {
      // Nothing of this batch is known to have landed: the first batch fails
      // the command; a later one marks its files failed and stops.
      if (start == 0) return answer.status();
      for (size_t i = start; i < items.size(); ++i) {
        items[i].result["error"] = answer.status().message();
        items[i].admitted = false;
      }
      break;
    }
    auto results = answer->find("results");
    if (results == answer->end() || !results->is_array() || results->size() != end - start) {
      return Status::invalid("node at " + node->url().to_string() +
                             " answered /v1/txs without one result per tx");
    }
    for (size_t i = start; i < end; ++i) record_answer(items[i], (*results)[i - start]);
  }

  CommandOutput out;
  json all = json::array();
  size_t failed = 0;
  std::ostringstream text;
  for (AnchorItem& item : items) {
    item.result["ok"] = item.ok;
    item.result["admitted"] = item.admitted;
    text << item.result["digest"].get<std::string>() << "  " << item.file;
    if (!item.admitted) {
      item.result.erase("tx_id");
      ++failed;
      text << "  not admitted: " << item.result.value("error", std::string("unknown")) << "\n";
      all.push_back(item.result);
      continue;
    }
    text << "  tx " << item.result["tx_id"].get<std::string>();
    if (item.ok) {
      text << "  height " << item.result.value("height", json()).dump() << "  ok\n";
    } else {
      ++failed;
      text << "  refused: " << item.result.value("error", std::string("unknown")) << "\n";
    }
    all.push_back(item.result);
  }
  out.text = text.str();
  out.json = {{"results", std::move(all)}, {"ok", failed == 0}};
  if (failed != 0) {
    out.exit_code = 1;
    out.error = std::to_string(failed) + " of " + std::to_string(items.size()) +
                (items.size() == 1 ? " file was" : " files were") + " not anchored";
  }
  return out;
}

Result<CommandOutput> run_notary_verify(CommandContext& ctx,
                                        const std::vector<std::string>& files) {
  SILK_RETURN_IF_ERROR(core::crypto_init());
  if (files.empty()) return Status::invalid("no files to verify");
  std::vector<std::pair<std::string, FileDigest>> digests;
  for (const std::string& file : files) {
    SILK_ASSIGN_OR_RETURN(FileDigest d, hash_file(file));
    digests.emplace_back(file, d);
  }
  SILK_ASSIGN_OR_RETURN(NodeClient * node, ctx.node());

  CommandOutput out;
  json all = json::array();
  size_t missing = 0;
  std::ostringstream text;
  for (const auto& [file, digest] : digests) {
    const std::string hex = core::to_hex(digest.sha256);
    json r = {{"file", file}, {"digest", hex}, {"anchored", false}};
    auto answer =
        node->get("/v1/state?key=" + url_encode_query(contracts::notary_state_key(digest.sha256)));
    if (!answer.is_ok()) {
      if (answer.status().code() != Status::Code::kNotFound) return answer.status();
      ++missing;
      text << file << ": NOT anchored (sha256 " << hex << ")\n";
      all.push_back(std::move(r));
      continue;
    }
    json record = answer->value("value", json());
    if (record.is_string()) {
      // A record the node could not show as JSON: parse it ourselves.
      json parsed = json::parse(record.get<std::string>(), nullptr, false);
      if (!parsed.is_discarded()) record = parsed;
    }
    r["anchored"] = true;
    r["record"] = record;
    std::string line = file + ": anchored";
    if (record.is_object()) {
      const uint64_t height = record.value("height", uint64_t{0});
      const uint64_t time_ms = record.value("timestamp_ms", uint64_t{0});
      const std::string name = record.value("sender_name", std::string("?"));
      const std::string org = record.value("org", std::string("?"));
      const std::string tx_id = record.value("tx_id", std::string("?"));
      r["height"] = height;
      r["tx_id"] = tx_id;
      r["timestamp_ms"] = time_ms;
      r["time"] = format_utc_ms(time_ms);
      r["sender"] = record.value("sender", std::string());
      r["sender_name"] = name;
      r["org"] = org;
      line += " at height " + std::to_string(height) + " by " + name + " (" + org + ") at " +
              format_utc_ms(time_ms) + " tx " + tx_id;
    }
    text << line << "\n";
    all.push_back(std::move(r));
  }
  out.text = text.str();
  out.json = {{"results", std::move(all)}, {"ok", missing == 0}};
  if (missing != 0) {
    out.exit_code = 1;
    out.error = std::to_string(missing) + " of " + std::to_string(digests.size()) +
                (digests.size() == 1 ? " file is" : " files are") + " not anchored";
  }
  return out;
}

}  // namespace silk::tools
