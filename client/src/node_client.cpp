#include "silk/client/node_client.h"

namespace silk::client {

using core::Result;
using core::Status;

namespace {

bool is_success(int http_status) { return http_status >= 200 && http_status < 300; }

// The first line of a non-JSON body, bounded, for an error message.
std::string body_excerpt(const std::string& body) {
  std::string line = body.substr(0, body.find('\n'));
  if (line.size() > 200) line = line.substr(0, 200) + "...";
  return line;
}

}  // namespace

Status::Code status_code_from_name(std::string_view name, int http_status) {
  using Code = Status::Code;
  if (name == "invalid") return Code::kInvalid;
  if (name == "not_found") return Code::kNotFound;
  if (name == "unauthorized") return Code::kUnauthorized;
  if (name == "conflict") return Code::kConflict;
  if (name == "exhausted") return Code::kExhausted;
  if (name == "unavailable") return Code::kUnavailable;
  if (name == "corruption") return Code::kCorruption;
  if (name == "io_error") return Code::kIOError;
  if (name == "internal") return Code::kInternal;
  if (http_status == 404) return Code::kNotFound;
  if (http_status >= 400 && http_status < 500) return Code::kInvalid;
  if (http_status == 503 || http_status == 504) return Code::kUnavailable;
  return Code::kInternal;
}

Result<nlohmann::json> NodeClient::get(const std::string& target,
                                       std::chrono::milliseconds timeout) {
  return call("GET", target, "", timeout);
}

Result<nlohmann::json> NodeClient::post(const std::string& target, const nlohmann::json& body,
                                        std::chrono::milliseconds timeout) {
  return call("POST", target, body.dump(), timeout);
}

Result<nlohmann::json> NodeClient::query(const std::string& contract, const std::string& method,
                                         const nlohmann::json& args,
                                         std::chrono::milliseconds timeout) {
  nlohmann::json body = {{"contract", contract}, {"method", method}, {"args", args}};
  SILK_ASSIGN_OR_RETURN(nlohmann::json answer, post("/v1/query", body, timeout));
  auto result = answer.find("result");
  if (!answer.is_object() || result == answer.end()) {
    return Status::invalid("node at " + url().to_string() + " answered /v1/query for " + contract +
                           "." + method + " without a result");
  }
  return *result;
}

Result<nlohmann::json> NodeClient::call(std::string_view method, const std::string& target,
                                        const std::string& body,
                                        std::chrono::milliseconds timeout) {
  SILK_ASSIGN_OR_RETURN(HttpResponse res, http_.request(method, target, body, timeout));
  auto doc = nlohmann::json::parse(res.body, nullptr, /*allow_exceptions=*/false);
  const std::string status_text = std::to_string(res.status);

  if (is_success(res.status)) {
    if (doc.is_discarded()) {
      return Status::invalid("node at " + url().to_string() + " answered " + status_text +
                             " with a body that is not JSON");
    }
    return doc;
  }

  std::string code_name;
  std::string message;
  if (!doc.is_discarded() && doc.is_object()) {
    auto err = doc.find("error");
    if (err != doc.end() && err->is_object()) {
      if (auto c = err->find("code"); c != err->end() && c->is_string()) code_name = *c;
      if (auto m = err->find("message"); m != err->end() && m->is_string()) message = *m;
    }
  } else {
    message = body_excerpt(res.body);
  }
  std::string text = "node answered " + status_text;
  if (!code_name.empty()) text += " " + code_name;
  if (!message.empty()) text += ": " + message;
  return Status(status_code_from_name(code_name, res.status), text);
}

}  // namespace silk::client
