// The silkd RPC API (docs/api.md) as JSON calls, with node errors as Status.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "silk/client/http_client.h"
#include "silk/core/status.h"

namespace silk::client {

class NodeClient {
 public:
  static constexpr std::chrono::milliseconds kDefaultTimeout{30000};

  explicit NodeClient(Url url) : http_(std::move(url)) {}

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

  // POST /v1/query {"contract", "method", "args"}: a contract's read-only query (identity.status,
  // governance.config, ...). Returns the answer's "result"; kInvalid when the answer has none.
  core::Result<nlohmann::json> query(const std::string& contract, const std::string& method,
                                     const nlohmann::json& args,
                                     std::chrono::milliseconds timeout = kDefaultTimeout);

  const Url& url() const { return http_.url(); }

 private:
  core::Result<nlohmann::json> call(std::string_view method, const std::string& target,
                                    const std::string& body, std::chrono::milliseconds timeout);
  HttpClient http_;
};

// The Status code for an error code name from docs/api.md ("not_found").
core::Status::Code status_code_from_name(std::string_view name, int http_status);

}  // namespace silk::client
