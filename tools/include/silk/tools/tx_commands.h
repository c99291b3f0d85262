// `silk tx build | sign | submit`.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "silk/core/crypto.h"
#include "silk/core/tx.h"
#include "silk/tools/command.h"

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
  std::string key_file;  // only its public key is read: no passphrase
  std::string contract;
  std::string method;
  nlohmann::json args = nlohmann::json::object();  // stored as compact JSON text
  std::optional<std::string> chain_id;             // else fetched from the node
  std::optional<uint64_t> nonce;                   // else random
  std::optional<uint64_t> timestamp_ms;            // else now
  std::string out;
};
// Writes an unsigned tx file (tx_file.h). JSON: the tx file document + "file".
core::Result<CommandOutput> run_tx_build(CommandContext& ctx, const TxBuildOptions& options);

struct TxSignOptions {
  std::string key_file;
  std::string in;
  std::string out;
};
// Offline: never contacts the node. kUnauthorized when the key is not the
// tx's sender. JSON: {"tx_id", "sender", "signed": true, "file"}.
core::Result<CommandOutput> run_tx_sign(CommandContext& ctx, const TxSignOptions& options);

struct TxSubmitOptions {
  std::string in;
  bool wait = false;
  uint64_t timeout_ms = 10000;
};
// POST /v1/tx. JSON: the node's answer. exit_code 1 when the committed
// receipt's code is not 0. kInvalid for an unsigned tx file.
core::Result<CommandOutput> run_tx_submit(CommandContext& ctx, const TxSubmitOptions& options);

}  // namespace silk::tools
