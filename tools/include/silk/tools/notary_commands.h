// `silk notary anchor` and `silk notary verify`.
//
// A file is anchored by a tx to contract "notary", method "anchor", args
// {"hash": "<sha-256 hex of the file>", "meta": <JSON>}; the node keeps it at
// state key "notary/<hash>".
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "silk/tools/command.h"

namespace silk::tools {

struct NotaryAnchorOptions {
  std::vector<std::string> files;
  std::string key_file;
  std::string cert_file;  // --cert; else the key's .pem sibling when it exists (signer.h)
  std::optional<nlohmann::json> meta;   // else {"file": <basename>, "size": n} per file
  std::optional<std::string> chain_id;  // else GET /v1/chain
  uint64_t timeout_ms = 10000;          // how long the node waits for the commits
};
// One signed tx per file, submitted in batches (POST /v1/txs with wait).
// Text: one line per file, "<digest>  <file>  tx <id>  height <h>  ok" or
// "<digest>  <file>  refused: <reason>". JSON: {"results": [{"file", "digest",
// "size", "tx_id", "ok", "height"?, "error"?}], "ok": bool}. exit_code 1 if any failed.
core::Result<CommandOutput> run_notary_anchor(CommandContext& ctx,
                                              const NotaryAnchorOptions& options);

// Text per file: "<file>: anchored at height H by <name> (<org>) at <UTC time> tx <id>"
// or "<file>: NOT anchored (sha256 <digest>)". JSON: {"results": [{"file",
// "digest", "anchored", "height", "tx_id", "timestamp_ms", "time", "sender",
// "sender_name", "org", "record"}], "ok": bool}. exit_code 1 if any is not anchored.
core::Result<CommandOutput> run_notary_verify(CommandContext& ctx,
                                              const std::vector<std::string>& files);

}  // namespace silk::tools
