// The silkd RPC API (docs/api.md) as JSON calls, with node errors as Status.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "silk/client/http_client.h"
#include "silk/core/block.h"
#include "silk/core/receipt.h"
#include "silk/core/status.h"

namespace silk::client {

// GET /v1/chain: which chain the node serves and its tip.
struct ChainInfo {
  std::string chain_id;
  core::Hash genesis_hash{};
  uint64_t height = 0;
  std::optional<core::Hash> block_hash;  // the tip's (absent from an answer that lacks it)
  std::optional<core::Hash> state_root;
  uint64_t timestamp_ms = 0;
  uint64_t total_txs = 0;
};

// GET /v1/tx/{id}: where a tx is and what it did.
struct TxAnswer {
  std::string status;   // "committed", "pending", ...
  uint64_t height = 0;  // when committed
  uint32_t index = 0;
  // The receipt (committed txs): decoded from its exact encoding (receipt_hex) when
  // `receipt_exact`, else rebuilt from the node's JSON view of it (receipt_from_json), whose
  // encoding may differ from the stored one. nullopt when the answer carries none.
  std::optional<core::Receipt> receipt;
  bool receipt_exact = false;
};

// Rebuilds a receipt from the node's JSON view of it (docs/api.md: `result` and events' `data`
// embedded as JSON values), for nodes that give no receipt_hex. A JSON text that does not survive
// a parse and re-serialisation comes back different: check the result against receipts_root.
// kInvalid naming `where` and the field for an answer without the receipt's fields.
core::Result<core::Receipt> receipt_from_json(const nlohmann::json& receipt,
                                              const core::Hash& tx_id, const std::string& where);

class NodeClient {
 public:
  static constexpr std::chrono::milliseconds kDefaultTimeout{30000};

  explicit NodeClient(Url url) : http_(std::move(url)) {}
  // Another TLS context for the next connections (HttpClient::set_tls).
  void set_tls(std::shared_ptr<TlsClient> tls) { http_.set_tls(std::move(tls)); }

  // GET / POST returning the parsed JSON body of a 2xx answer. A non-2xx
  // answer becomes a Status whose code follows the node's error code
  // (not_found -> kNotFound, conflict -> kConflict, ...) and whose message is
  // "node answered 404 not_found: <the node's message>". Transport failures
  // are HttpClient's kUnavailable errors; a 2xx body that is not JSON is
  // kInvalid "node at <url> answered 200 with a body that is not JSON".
  core::Result<nlohmann::json> get(const std::string& target,
                                   std::chrono::milliseconds timeout = kDefaultTimeout);
  core::Result<nlohmann::json> post(const std::string& target, const nlohmann::json& body,
                                    std::chrono::milliseconds timeout = kDefaultTimeout);
  // GET whose answer is read whatever its status (GET /v1/ready says why with a 503): the
  // status and the JSON body. kInvalid when the body is not JSON; transport errors as get().
  core::Result<std::pair<int, nlohmann::json>> get_any_status(
      const std::string& target, std::chrono::milliseconds timeout = kDefaultTimeout);

  // POST /v1/query {"contract", "method", "args"}: a contract's read-only query (identity.status,
  // governance.config, ...). Returns the answer's "result"; kInvalid when the answer has none.
  core::Result<nlohmann::json> query(const std::string& contract, const std::string& method,
                                     const nlohmann::json& args,
                                     std::chrono::milliseconds timeout = kDefaultTimeout);

  // Typed reads (docs/api.md); the errors are get()'s, or kInvalid naming the target and the
  // field for an answer without it, kCorruption for bytes that do not decode.
  // GET /v1/chain: chain_id and genesis_hash are required, the tip's fields optional.
  core::Result<ChainInfo> chain_info();
  // GET /v1/block/{height}?hex=1 (/v1/block/hash/{hash}?hex=1): the block with its commit
  // certificate, decoded from its exact bytes (never from the JSON view).
  core::Result<core::Block> block(uint64_t height);
  core::Result<core::Block> block_by_hash(const core::Hash& hash);
  // GET /v1/tx/{id}.
  core::Result<TxAnswer> tx(const core::Hash& tx_id);
  // GET /v1/config?height=H: the validator set in force at `height`.
  core::Result<std::vector<core::PublicKey>> validators(uint64_t height);

  const Url& url() const { return http_.url(); }

 private:
  core::Result<core::Block> block_at(const std::string& target);
  core::Result<nlohmann::json> call(std::string_view method, const std::string& target,
                                    const std::string& body, std::chrono::milliseconds timeout);
  HttpClient http_;
};

// The Status code for an error code name from docs/api.md ("not_found").
core::Status::Code status_code_from_name(std::string_view name, int http_status);

}  // namespace silk::client
