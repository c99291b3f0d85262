#include "silk/node/public_gate.h"

#include <nlohmann/json.hpp>
#include <string_view>

#include "silk/core/status.h"
#include "silk/node/json_view.h"
#include "silk/node/url.h"

namespace silk::node {

namespace http = boost::beast::http;
using core::Result;

namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// A state key a verifier may look up: one that only the holder of the file can name.
bool verifier_state_key(const Target& t) {
  if (t.params.size() != 1) return false;
  auto it = t.params.find("key");
  if (it == t.params.end()) return false;
  return starts_with(it->second, "notary/") || starts_with(it->second, "documents/hash/");
}

bool document_query(const std::string& body) {
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return false;
  auto contract = j.find("contract");
  auto method = j.find("method");
  return contract != j.end() && method != j.end() && *contract == "documents" &&
         *method == "document";
}

}  // namespace

bool PublicGate::allowed(const HttpRequest& request) {
  Result<Target> parsed = parse_target(request.target);
  if (!parsed.is_ok()) return true;  // the API answers 400, naming the problem
  const Target& t = *parsed;
  const std::string_view path = t.path;
  const bool get = request.method == http::verb::get;
  const bool post = request.method == http::verb::post;
  if (get && (path == "/" || path == "/explorer" || starts_with(path, "/explorer/"))) return true;
  if (get && (path == "/v1/health" || path == "/v1/config")) return true;
  if (post && path == "/v1/verify") return true;
  if (post && path == "/v1/query") return document_query(request.body);
  if (get && path == "/v1/state") return verifier_state_key(t);
  if (get && starts_with(path, "/v1/docs/") && path.size() > 16 &&
      path.substr(path.size() - 7) == "/qr.svg") {
    return true;
  }
  return false;
}

void PublicGate::handle(HttpRequest request, boost::asio::any_io_executor executor,
                        Responder respond) {
  if (!allowed(request)) {
    const std::string path = request.target.substr(0, request.target.find('?'));
    const std::string method =
        request.method_name.empty() ? std::string(http::to_string(request.method))
                                    : request.method_name;
    HttpResponse r;
    r.status = 403;
    r.body = dump_json(error_to_json(core::Status::unauthorized(
        method + " " + path.substr(0, 200) +
        " is not served on the public verification listener: it answers document verification "
        "only (the verify page, POST /v1/verify, a document's record and QR code); blocks, txs, "
        "state, history and submitting need a consortium certificate on the node's RPC "
        "(docs/api.md \"Public verification\")")));
    return respond(std::move(r));
  }
  if (request.method == http::verb::get && request.target.substr(0, request.target.find('?')) == "/") {
    HttpResponse r;
    r.status = 302;
    r.content_type = "text/plain; charset=utf-8";
    r.body = "see /explorer/#/verify\n";
    r.headers = {{"Location", "/explorer/#/verify"}};
    return respond(std::move(r));
  }
  request.public_surface = true;
  api_.handle(std::move(request), std::move(executor), std::move(respond));
}

}  // namespace silk::node
