// `silk tx build | sign | submit`.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "silk/core/crypto.h"
#include "silk/core/tx.h"
#include "silk/tools/command.h"
#include "silk/tools/signer.h"

namespace silk::tools {

// A random u64 from libsodium (the default tx nonce).
uint64_t random_nonce();

// An unsigned tx from `sender` with `args_json` (JSON text) as its args.
core::Tx make_tx(const std::string& chain_id, const core::PublicKey& sender,
                 const std::string& contract, const std::string& method,
                 const std::string& args_json, uint64_t nonce, uint64_t timestamp_ms);

// The chain id: `explicit_id` if set, else GET /v1/chain.
core::Result<std::string> resolve_chain_id(CommandContext& ctx,
                                           const std::optional<std::string>& explicit_id);

struct TxBuildOptions {
  std::string key_file;   // only its public key is read: no passphrase; may be empty with cert_file
  std::string cert_file;  // --cert; else the key file's .pem sibling when it exists (signer.h)
  std::string contract;
  std::string method;
  nlohmann::json args = nlohmann::json::object();  // stored as compact JSON text
  std::optional<std::string> chain_id;             // else fetched from the node
  std::optional<uint64_t> nonce;                   // else random
  std::optional<uint64_t> timestamp_ms;            // else now
  std::string out;
};
// Writes an unsigned tx file (tx_file.h). With a certificate the sender is its fingerprint and
// the certificate travels in the tx (signer.h). JSON: the tx file document + "file".
core::Result<CommandOutput> run_tx_build(CommandContext& ctx, const TxBuildOptions& options);

struct TxSignOptions {
  std::string key_file;
  std::string in;
  std::string out;
  std::string cert_file{};  // for a certificate sender whose tx does not carry its certificate
};
// Offline: never contacts the node. kUnauthorized when the key is not the
// tx's sender (for a certificate sender: the certificate's fingerprint is not the sender, or the
// key is not the certificate's). JSON: {"tx_id", "sender", "signed": true, "file"}.
core::Result<CommandOutput> run_tx_sign(CommandContext& ctx, const TxSignOptions& options);

struct TxSubmitOptions {
  std::string in;
  bool wait = false;
  uint64_t timeout_ms = 10000;
};
// POST /v1/tx. JSON: the node's answer. exit_code 1 when the committed
// receipt's code is not 0. kInvalid for an unsigned tx file.
core::Result<CommandOutput> run_tx_submit(CommandContext& ctx, const TxSubmitOptions& options);

// A signed call submitted with POST /v1/tx and wait=true, and what became of it.
struct CallOutcome {
  std::string tx_id;
  nlohmann::json answer;  // the node's answer
  nlohmann::json result;  // the receipt's result (null when absent)
  bool ok = false;        // committed with receipt code 0
  std::string summary;    // "ok" or "<code_name>: <message>"
  std::optional<uint64_t> height;
};

// "ok" or "<code_name>: <message>" for a receipt object of the node's JSON.
std::string receipt_summary(const nlohmann::json& receipt);

struct CallOptions {
  std::optional<std::string> chain_id;  // else GET /v1/chain
  uint64_t timeout_ms = 10000;          // how long the node waits for the commit
};

// Signs contract.method(args) with `signer` (a random nonce, the context's clock), submits it and
// waits for the commit. A transport or admission failure is an error Status; a committed tx with
// a failed receipt is an outcome with ok = false.
core::Result<CallOutcome> submit_call(CommandContext& ctx, const Signer& signer,
                                      const CallOptions& options, const std::string& contract,
                                      const std::string& method, const nlohmann::json& args);

}  // namespace silk::tools
