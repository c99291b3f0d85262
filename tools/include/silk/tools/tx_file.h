// Tx files: what `silk tx build` writes and `silk tx sign` / `silk tx submit` read.
//
// JSON: {"tx": "<hex of core::Tx::encode()>", "tx_id": "<hex>", "signed": false|true,
//        "summary": {"chain_id", "contract", "method", "args": <JSON value>,
//                    "sender_kind": "public_key" | "cert_fingerprint", "sender": "<hex>",
//                    "sender_cert"?: "<hex of the DER certificate>", "sender_subject"?: "CN=...",
//                    "nonce": n, "timestamp_ms": n}}
// The summary is for people; only "tx" counts. Reading checks that "tx"
// decodes, that "tx_id" matches it, and that a file marked signed carries a
// valid signature by its sender (for a certificate sender: by the certificate the tx carries, whose
// fingerprint must be the sender; a certificate sender without sender_cert is left to the node).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "silk/core/status.h"
#include "silk/core/tx.h"

namespace silk::tools {

struct TxFile {
  core::Tx tx;
  bool is_signed = false;
};

nlohmann::json tx_file_json(const core::Tx& tx, bool is_signed);

// Writes the file (replacing an existing one atomically through a temporary
// file in the same folder). kIOError when it cannot.
core::Status write_tx_file(const std::string& path, const core::Tx& tx, bool is_signed);

// kNotFound when missing; kInvalid "tx file <path>: <why>" when malformed.
core::Result<TxFile> read_tx_file(const std::string& path);

// True when tx carries a valid signature by its sender: the public key, or the key of the
// certificate in sender_cert when its fingerprint is the sender.
bool tx_signature_valid(const core::Tx& tx);

}  // namespace silk::tools
