// Txs, blocks and receipts as the RPC shows them (docs/api.md). Hashes and
// binary values are lower-case hex. JSON text stored on chain (tx args,
// receipt results, event data, state values) is embedded as JSON when it
// parses, else as a string.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "silk/core/block.h"
#include "silk/core/json_depth.h"
#include "silk/core/receipt.h"
#include "silk/core/status.h"
#include "silk/core/tx.h"
#include "silk/core/write_set.h"

namespace silk::node {

using core::json_nesting_depth;
using core::kMaxJsonDepth;

// Parses JSON text; the text as a JSON string when it does not parse or is
// nested deeper than kMaxJsonDepth.
nlohmann::json embed_json_text(std::string_view text);

// {"version", "chain_id", "nonce", "timestamp_ms", "sender_kind", "sender",
//  "contract", "method", "args", "signature", "hex"}
nlohmann::json tx_to_json(const core::Tx& tx);

// {"code", "code_name", "message", "result" (null when none), "events": [{"contract", "name",
// "data"}],
//  "write_set_hash"}
nlohmann::json receipt_to_json(const core::Receipt& receipt);

nlohmann::json header_to_json(const core::BlockHeader& header);

// {"kind": "solo"|"raft"|"tbft", "round", "votes": [{"signer", "signature"}]}
nlohmann::json cert_to_json(const core::CommitCert& cert);

// {"hash", "header", "cert", "tx_ids"} and, with include_hex, "hex" (Block::encode()).
nlohmann::json block_to_json(const core::Block& block, bool include_hex);

// {"height", "index", "tx_id", "timestamp_ms", "deleted", "value"}
nlohmann::json key_version_to_json(const core::KeyVersion& version);

// The error body: {"error": {"code": "<code name>", "message": "..."}}.
nlohmann::json error_to_json(const core::Status& status);

// Serialises for a response body. Never throws: invalid UTF-8 in strings
// taken from txs is replaced with U+FFFD.
std::string dump_json(const nlohmann::json& j);

}  // namespace silk::node
