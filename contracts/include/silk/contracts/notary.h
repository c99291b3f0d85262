// The notary contract: records that a SHA-256 digest existed at a block's
// time, who anchored it, and free-form metadata. The document itself never
// goes on chain.
//
// Method "anchor", args {"hash": "<64 hex chars>", "meta": {...}}:
//   - hash: a SHA-256 digest in hex, either case; stored lower-case.
//   - meta: optional JSON object (absent or null means {}), at most
//     kNotaryMaxMetaBytes when serialised. No other fields are accepted.
// Stores key "<hash>" (state key "notary/<hash>") with the JSON record
//   {"hash", "meta", "sender" (hex public key), "sender_name", "org",
//    "tx_id" (hex), "height", "timestamp_ms" (the block's time)},
// emits event "anchored" {"hash", "sender"} and returns {"hash", "height"}.
//
// Errors (the tx fails and writes nothing):
//   kInvalid   "hash: expected 64 hex characters (SHA-256), got ...",
//              "meta: expected a JSON object, got ...", "meta: ... bytes serialised, at most 4096",
//              "args: unknown field 'x' (anchor takes hash and meta)"
//   kConflict  "digest <hash> already anchored at height H by tx <tx_id>"
//   kNotFound  "notary has no method 'x'"
#pragma once

#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "silk/contracts/contract.h"
#include "silk/core/bytes.h"

namespace silk::contracts {

inline constexpr std::string_view kNotaryContract = "notary";
inline constexpr std::string_view kNotaryAnchorMethod = "anchor";
inline constexpr std::string_view kNotaryAnchoredEvent = "anchored";
inline constexpr size_t kNotaryMaxMetaBytes = 4096;

// A fresh notary contract. Stateless: one instance may serve many threads.
std::unique_ptr<Contract> make_notary_contract();

// The args text of an anchor call, for clients (silk notary anchor). Strings
// in `meta` that are not valid UTF-8 are replaced with U+FFFD. Never throws.
std::string notary_anchor_args(const core::Hash& digest,
                               const nlohmann::json& meta = nlohmann::json::object());

// The state key ("notary/<lower-case hex>") under which a digest's record lives.
std::string notary_state_key(const core::Hash& digest);

}  // namespace silk::contracts
