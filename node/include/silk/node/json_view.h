// Txs, blocks and receipts as the RPC shows them (docs/api.md). Hashes and
// binary values are lower-case hex. JSON text stored on chain (tx args,
// receipt results, event data, state values) is embedded as JSON when it
// parses, else as a string.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// {"kind": the engine's name (consensus::engine_kind_of), "round", "votes": [{"signer",
// "signature"}]}
nlohmann::json cert_to_json(const core::CommitCert& cert);

// {"hash", "header", "cert", "tx_ids"} and, with include_hex, "hex" (Block::encode()).
nlohmann::json block_to_json(const core::Block& block, bool include_hex);

// {"height", "index", "tx_id", "timestamp_ms", "deleted", "value"}
nlohmann::json key_version_to_json(const core::KeyVersion& version);

// True when `text` is one JSON value, nested at most kMaxJsonDepth deep, in
// the form dump_json writes it: object keys sorted, unique and without
// escapes; strings of valid UTF-8 using only the escapes dump_json writes;
// integers within 64 bits (no "-0"); floats spelt as dump_json spells them.
// Whitespace around tokens is allowed. Such text needs no parse and dump to
// be embedded: dump_json(embed_json_text(text)) is the text itself, but for
// that whitespace. Linear, builds no DOM; never throws.
bool is_canonical_json(std::string_view text);

// Appends dump_json(embed_json_text(text)) to `out`: canonical text (see
// is_canonical_json) as it is, less leading and trailing whitespace; any
// other text through embed_json_text (so text that is not JSON, is nested too
// deep or holds invalid UTF-8 becomes a JSON string, as always).
void append_json_text(std::string& out, std::string_view text);

// The GET /v1/history answer (docs/api.md), written without a DOM:
// {"key", "next_offset" (null when none), "offset", "versions":
// [key_version_to_json...]}. The same bytes as dump_json of those objects,
// but for whitespace inside stored values.
std::string key_versions_page_json(std::string_view key, uint64_t offset,
                                   const std::vector<core::KeyVersion>& versions,
                                   std::optional<uint64_t> next_offset);

// The error body: {"error": {"code": "<code name>", "message": "..."}}.
nlohmann::json error_to_json(const core::Status& status);

// Serialises for a response body. Never throws: invalid UTF-8 in strings
// taken from txs is replaced with U+FFFD.
std::string dump_json(const nlohmann::json& j);

}  // namespace silk::node
