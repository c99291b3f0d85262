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

Result<std::pair<int, nlohmann::json>> NodeClient::get_any_status(
    const std::string& target, std::chrono::milliseconds timeout) {
  SILK_ASSIGN_OR_RETURN(HttpResponse res, http_.request("GET", target, "", timeout));
  auto doc = nlohmann::json::parse(res.body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return Status::invalid("node at " + url().to_string() + " answered " + target + " with " +
                           std::to_string(res.status) + " and a body that is not JSON");
  }
  return std::make_pair(res.status, std::move(doc));
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

namespace {

using nlohmann::json;

Result<std::string> string_field(const json& j, const char* name, const std::string& where) {
  if (j.is_object()) {
    if (auto it = j.find(name); it != j.end() && it->is_string()) return it->get<std::string>();
  }
  return Status::invalid(where + " has no string \"" + name + "\"");
}

Result<uint64_t> uint_field(const json& j, const char* name, const std::string& where) {
  if (j.is_object()) {
    if (auto it = j.find(name); it != j.end() && it->is_number_unsigned()) {
      return it->get<uint64_t>();
    }
  }
  return Status::invalid(where + " has no unsigned \"" + name + "\"");
}

// An optional hash field: nullopt when absent, kInvalid when not a hash.
Result<std::optional<core::Hash>> optional_hash(const json& j, const char* name,
                                                const std::string& where) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return std::optional<core::Hash>();
  if (!it->is_string()) return Status::invalid(where + " \"" + name + "\" is not hex");
  Result<core::Hash> h = core::hash_from_hex(it->get<std::string>());
  if (!h.is_ok()) return h.status().with_context(where + " \"" + name + "\"");
  return std::optional<core::Hash>(*h);
}

// The JSON text the node embedded as a JSON value (docs/api.md shows receipts
// with result, events' data parsed): a string that is itself JSON must have
// been a JSON string literal; another string was text that is not JSON.
std::string unembed(const json& v) {
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (!json::parse(s, nullptr, /*allow_exceptions=*/false).is_discarded()) return v.dump();
    return s;
  }
  return v.dump();
}

}  // namespace

Result<core::Receipt> receipt_from_json(const json& j, const core::Hash& tx_id,
                                        const std::string& where) {
  core::Receipt r;
  r.tx_id = tx_id;
  SILK_ASSIGN_OR_RETURN(uint64_t code, uint_field(j, "code", where));
  r.code = static_cast<uint32_t>(code);
  SILK_ASSIGN_OR_RETURN(r.message, string_field(j, "message", where));
  if (auto it = j.find("result"); it != j.end() && !it->is_null()) r.result = unembed(*it);
  if (auto it = j.find("events"); it != j.end() && it->is_array()) {
    for (const json& e : *it) {
      core::ContractEvent ev;
      SILK_ASSIGN_OR_RETURN(ev.contract, string_field(e, "contract", where + " event"));
      SILK_ASSIGN_OR_RETURN(ev.name, string_field(e, "name", where + " event"));
      if (auto d = e.find("data"); d != e.end()) ev.data = unembed(*d);
      r.events.push_back(std::move(ev));
    }
  }
  SILK_ASSIGN_OR_RETURN(std::string wsh, string_field(j, "write_set_hash", where));
  SILK_ASSIGN_OR_RETURN(r.write_set_hash, core::hash_from_hex(wsh));
  return r;
}

Result<ChainInfo> NodeClient::chain_info() {
  const std::string where = "GET /v1/chain";
  SILK_ASSIGN_OR_RETURN(json a, get("/v1/chain"));
  ChainInfo c;
  SILK_ASSIGN_OR_RETURN(c.chain_id, string_field(a, "chain_id", where));
  SILK_ASSIGN_OR_RETURN(std::string g, string_field(a, "genesis_hash", where));
  SILK_ASSIGN_OR_RETURN(c.genesis_hash, core::hash_from_hex(g));
  c.height = a.value("height", uint64_t{0});
  SILK_ASSIGN_OR_RETURN(c.block_hash, optional_hash(a, "block_hash", where));
  SILK_ASSIGN_OR_RETURN(c.state_root, optional_hash(a, "state_root", where));
  c.timestamp_ms = a.value("timestamp_ms", uint64_t{0});
  c.total_txs = a.value("total_txs", uint64_t{0});
  return c;
}

Result<core::Block> NodeClient::block(uint64_t height) {
  return block_at("/v1/block/" + std::to_string(height) + "?hex=1");
}

Result<core::Block> NodeClient::block_by_hash(const core::Hash& hash) {
  return block_at("/v1/block/hash/" + core::to_hex(hash) + "?hex=1");
}

Result<core::Block> NodeClient::block_at(const std::string& target) {
  SILK_ASSIGN_OR_RETURN(json j, get(target));
  auto hex = j.find("hex");
  if (!j.is_object() || hex == j.end() || !hex->is_string()) {
    return Status::invalid("node answered " + target + " without the block's hex");
  }
  Result<core::Bytes> bytes = core::from_hex(hex->get<std::string>());
  if (!bytes.is_ok()) {
    return Status::corruption("block hex from the node: " + bytes.status().message());
  }
  Result<core::Block> block = core::Block::decode(core::ByteSpan(bytes->data(), bytes->size()));
  if (!block.is_ok()) {
    return Status::corruption("block from the node fails to decode: " + block.status().message());
  }
  return block;
}

Result<TxAnswer> NodeClient::tx(const core::Hash& tx_id) {
  const std::string target = "/v1/tx/" + core::to_hex(tx_id);
  const std::string where = "GET " + target;
  SILK_ASSIGN_OR_RETURN(json a, get(target));
  TxAnswer t;
  SILK_ASSIGN_OR_RETURN(t.status, string_field(a, "status", where));
  if (t.status != "committed") return t;
  SILK_ASSIGN_OR_RETURN(t.height, uint_field(a, "height", where));
  SILK_ASSIGN_OR_RETURN(uint64_t index, uint_field(a, "index", where));
  t.index = static_cast<uint32_t>(index);
  if (auto h = a.find("receipt_hex"); h != a.end() && h->is_string()) {
    Result<core::Bytes> bytes = core::from_hex(h->get<std::string>());
    if (!bytes.is_ok()) {
      return Status::corruption("receipt hex from the node: " + bytes.status().message());
    }
    Result<core::Receipt> receipt =
        core::Receipt::decode(core::ByteSpan(bytes->data(), bytes->size()));
    if (!receipt.is_ok()) {
      return Status::corruption("receipt from the node fails to decode: " +
                                receipt.status().message());
    }
    t.receipt = std::move(receipt).value();
    t.receipt_exact = true;
  } else if (auto r = a.find("receipt"); r != a.end() && r->is_object()) {
    SILK_ASSIGN_OR_RETURN(core::Receipt receipt, receipt_from_json(*r, tx_id, where + " receipt"));
    t.receipt = std::move(receipt);
  }
  return t;
}

Result<std::vector<core::PublicKey>> NodeClient::validators(uint64_t height) {
  const std::string target = "/v1/config?height=" + std::to_string(height);
  SILK_ASSIGN_OR_RETURN(json a, get(target));
  const json* vals = nullptr;
  if (a.is_object() && a.contains("result") && a["result"].is_object() &&
      a["result"].contains("config") && a["result"]["config"].is_object()) {
    auto it = a["result"]["config"].find("validators");
    if (it != a["result"]["config"].end() && it->is_array()) vals = &*it;
  }
  if (vals == nullptr) {
    return Status::invalid("GET " + target + " has no result.config.validators");
  }
  std::vector<core::PublicKey> out;
  for (const json& v : *vals) {
    if (!v.is_string()) return Status::invalid("GET " + target + ": a validator is not hex");
    SILK_ASSIGN_OR_RETURN(core::PublicKey pk, core::hash_from_hex(v.get<std::string>()));
    out.push_back(pk);
  }
  return out;
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
