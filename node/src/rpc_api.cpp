#include "silk/node/rpc_api.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>
#include <vector>

#include "explorer_assets.h"
#include "silk/core/qr_code.h"
#include "silk/core/verify_link.h"
#include "silk/node/json_view.h"
#include "silk/node/log.h"
#include "silk/node/state_view.h"
#include "silk/node/url.h"

namespace silk::node {

namespace http = boost::beast::http;
using core::Hash;
using core::Result;
using core::Status;
using nlohmann::json;

unsigned http_status_for(const Status& status) {
  switch (status.code()) {
    case Status::Code::kOk:
      return 200;
    case Status::Code::kInvalid:
      return 400;
    case Status::Code::kNotFound:
      return 404;
    case Status::Code::kUnauthorized:
      return 403;
    case Status::Code::kConflict:
      return 409;
    case Status::Code::kExhausted:
      return 503;
    case Status::Code::kUnavailable:
      return 503;
    case Status::Code::kCorruption:
    case Status::Code::kIOError:
    case Status::Code::kInternal:
      return 500;
  }
  return 500;
}

namespace {

HttpResponse json_response(const json& body, unsigned status = 200) {
  HttpResponse r;
  r.status = status;
  r.body = dump_json(body);
  return r;
}

HttpResponse error_response(const Status& status, unsigned http_status = 0) {
  return json_response(error_to_json(status),
                       http_status != 0 ? http_status : http_status_for(status));
}

// An error of ours while serving a request: logged, at most once a second
// (a request that triggers a bug must not flood the log).
void log_internal_error(const std::string& what) {
  static std::atomic<int64_t> last_ms{0};
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  int64_t last = last_ms.load();
  if (now - last < 1000 || !last_ms.compare_exchange_strong(last, now)) return;
  logger("rpc")->error("request failed on our side error=\"{}\"", what);
}

// nlohmann's messages start with "[json.exception.parse_error.101] ".
std::string strip_json_prefix(const std::string& what) {
  if (what.rfind("[json.exception.", 0) == 0) {
    const size_t end = what.find("] ");
    if (end != std::string::npos) return what.substr(end + 2);
  }
  return what;
}

Result<json> parse_body_object(const std::string& body) {
  if (json_nesting_depth(body) > kMaxJsonDepth) {
    return Status::invalid("malformed JSON: nested deeper than " + std::to_string(kMaxJsonDepth) +
                           " levels");
  }
  if (std::optional<std::string> dup = core::json_duplicate_key(body)) {
    return Status::invalid("malformed JSON: duplicate key " + *dup);
  }
  json j;
  try {
    j = json::parse(body);
  } catch (const json::exception& e) {
    return Status::invalid("malformed JSON: " + strip_json_prefix(e.what()));
  }
  if (!j.is_object()) {
    return Status::invalid(std::string("request body must be a JSON object, got ") + j.type_name());
  }
  return j;
}

struct SubmitOptions {
  bool wait = false;
  uint64_t timeout_ms = kDefaultWaitMs;
};

Status read_submit_options(const json& body, const char* txs_field, SubmitOptions& out) {
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (it.key() != txs_field && it.key() != "wait" && it.key() != "timeout_ms") {
      return Status::invalid("unknown field '" + it.key() + "' (expected " + txs_field +
                             ", wait, timeout_ms)");
    }
  }
  if (auto it = body.find("wait"); it != body.end()) {
    if (!it->is_boolean()) return Status::invalid("field 'wait' must be true or false");
    out.wait = it->get<bool>();
  }
  if (auto it = body.find("timeout_ms"); it != body.end()) {
    if (!it->is_number_unsigned()) {
      return Status::invalid("field 'timeout_ms' must be a positive integer (milliseconds)");
    }
    const uint64_t v = it->get<uint64_t>();
    if (v == 0 || v > kMaxWaitMs) {
      return Status::invalid("field 'timeout_ms' is " + std::to_string(v) + "; must be 1.." +
                             std::to_string(kMaxWaitMs));
    }
    out.timeout_ms = v;
  }
  return Status::ok();
}

json pending_json(const Hash& tx_id) {
  return {{"tx_id", core::to_hex(tx_id)}, {"status", "pending"}};
}

json committed_json(const Hash& tx_id, const CommitInfo& info) {
  return {{"tx_id", core::to_hex(tx_id)},
          {"status", "committed"},
          {"height", info.height},
          {"index", info.index},
          {"receipt", receipt_to_json(info.receipt)}};
}

// A strict decimal u64: digits only, no sign, no overflow.
std::optional<uint64_t> parse_u64(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    const size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool flag_param(const Target& t, const char* name) {
  auto it = t.params.find(name);
  return it != t.params.end() && (it->second == "1" || it->second == "true");
}

// The routes. One per request; it answers through `respond` exactly once.
class Call {
 public:
  Call(const core::Genesis& genesis, const storage::Store& store, Mempool& mempool,
       CommitWaiters& waiters, const std::string& consensus, const contracts::Executor& contracts,
       const LinkBase& link_base, boost::asio::any_io_executor ex, Responder respond)
      : link_base_(link_base),
        genesis_(genesis),
        store_(store),
        mempool_(mempool),
        waiters_(waiters),
        consensus_(consensus),
        contracts_(contracts),
        executor_(std::move(ex)),
        respond_(std::move(respond)) {}

  void run(const HttpRequest& req) {
    Result<Target> target = parse_target(req.target);
    if (!target.is_ok()) return respond_(error_response(target.status()));
    const Target& t = *target;
    const std::vector<std::string_view> seg = split_path(t.path);
    const size_t n = seg.size();
    const bool v1 = n >= 2 && seg[0] == "v1";
    const http::verb m = req.method;
    method_name_ = req.method_name.empty() ? std::string(http::to_string(m)) : req.method_name;
    content_type_ = req.content_type;

    if (v1 && n == 2 && seg[1] == "tx") return post(m, t, [&] { submit_one(req.body); });
    if (v1 && n == 2 && seg[1] == "txs" && m == http::verb::get) return query_txs(t);
    if (v1 && n == 2 && seg[1] == "txs") return post(m, t, [&] { submit_batch(req.body); });
    if (v1 && n == 3 && seg[1] == "tx") return get(m, t, [&] { get_tx(seg[2]); });
    if (v1 && n == 3 && seg[1] == "block" && seg[2] == "latest") {
      return get(m, t, [&] { get_latest_block(t); });
    }
    if (v1 && n == 4 && seg[1] == "block" && seg[2] == "hash") {
      return get(m, t, [&] { get_block_by_hash(seg[3], t); });
    }
    if (v1 && n == 3 && seg[1] == "block") return get(m, t, [&] { get_block(seg[2], t); });
    if (v1 && n == 2 && seg[1] == "state") return get(m, t, [&] { get_state(t); });
    if (v1 && n == 2 && seg[1] == "history") return get(m, t, [&] { get_history(t); });
    if (v1 && n == 2 && seg[1] == "chain") {
      return get(m, t, [&] { get_chain(link_base_.for_host(req.host, req.public_surface)); });
    }
    if (v1 && n == 2 && seg[1] == "health") return get(m, t, [&] { get_health(); });
    if (v1 && n == 2 && seg[1] == "query") return post(m, t, [&] { run_query(req.body); });
    if (v1 && n == 2 && seg[1] == "config") return get(m, t, [&] { get_config(t); });
    if (v1 && n == 2 && seg[1] == "verify") return post(m, t, [&] { verify_document(req.body); });
    if (v1 && n == 2 && seg[1] == "events") return get(m, t, [&] { events_without_upgrade(); });
    if (seg[0] == "explorer") return get(m, t, [&] { serve_explorer(seg, t.path); });
    if (n == 1 && seg[0].empty()) return get(m, t, [&] { redirect_to_explorer(); });
    if (v1 && n >= 4 && seg[1] == "docs" && seg[n - 1] == "qr.svg") {
      return get(m, t, [&] { get_doc_qr(seg, t, req.host, req.public_surface); });
    }
    respond_(error_response(
        Status::not_found("no route " + method_name_ + " " + t.path + " (see docs/api.md)")));
  }

 private:
  template <typename F>
  void get(http::verb m, const Target& t, F&& f) {
    if (m != http::verb::get) return method_not_allowed(m, t, "GET");
    f();
  }
  template <typename F>
  void post(http::verb m, const Target& t, F&& f) {
    if (m != http::verb::post) return method_not_allowed(m, t, "POST");
    if (!json_content_type(content_type_)) {
      return respond_(error_response(
          Status::invalid("unsupported Content-Type '" + content_type_.substr(0, 64) + "' on " +
                          t.path + ": send application/json"),
          415));
    }
    f();
  }
  // Every POST body is JSON. No Content-Type is taken as JSON (clients that omit it); any other
  // media type is refused rather than read as JSON (a form post from a browser page is not a
  // request of ours).
  static bool json_content_type(std::string_view value) {
    const std::string_view media = value.substr(0, value.find(';'));
    const size_t b = media.find_first_not_of(" \t");
    if (b == std::string_view::npos) return true;
    const size_t e = media.find_last_not_of(" \t");
    std::string m(media.substr(b, e - b + 1));
    std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return std::tolower(c); });
    return m == "application/json";
  }
  void method_not_allowed(http::verb m, const Target& t, const char* allowed) {
    HttpResponse r = json_response(
        error_to_json(Status::invalid("method " + method_name_ + " is not allowed on " + t.path +
                                      "; use " + allowed)),
        405);
    r.allow = allowed;
    respond_(std::move(r));
  }

  // ---- event stream and explorer (event_stream.h, docs/audit.md "Explorer") ----

  // GET /v1/events is served by event_stream.cpp once upgraded to a WebSocket.
  void events_without_upgrade() {
    HttpResponse r = error_response(
        Status::invalid("GET /v1/events is a WebSocket stream: send an Upgrade: websocket request"),
        426);
    r.headers = {{"Upgrade", "websocket"}};
    respond_(std::move(r));
  }

  // GET /explorer/[file]: the embedded explorer (node/explorer), with a CSP
  // that keeps it to this origin.
  void serve_explorer(const std::vector<std::string_view>& seg, const std::string& path) {
    const std::string_view name = seg.size() < 2 || seg[1].empty() ? "index.html" : seg[1];
    const ExplorerAsset* asset = seg.size() <= 2 ? find_explorer_asset(name) : nullptr;
    if (asset == nullptr) {
      return respond_(error_response(Status::not_found("no explorer file " + path)));
    }
    HttpResponse r;
    r.body = std::string(asset->body);
    r.content_type = std::string(asset->content_type);
    r.headers = {{"Content-Security-Policy",
                  "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
                  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"},
                 {"X-Content-Type-Options", "nosniff"},
                 {"Referrer-Policy", "no-referrer"},
                 {"Cache-Control", "no-cache"}};
    respond_(std::move(r));
  }

  // GET /: the explorer is the node's front page.
  void redirect_to_explorer() {
    HttpResponse r;
    r.status = 302;
    r.content_type = "text/plain; charset=utf-8";
    r.body = "see /explorer/\n";
    r.headers = {{"Location", "/explorer/"}};
    respond_(std::move(r));
  }

  // GET /v1/docs/{id}/qr.svg[?as=CC]: the document's verification link (silk/core/verify_link.h)
  // on this node, as the Host header names it, drawn as a QR code.
  void get_doc_qr(const std::vector<std::string_view>& seg, const Target& t,
                  const std::string& host, bool via_public) {
    std::string doc_id;
    for (size_t i = 2; i + 1 < seg.size(); ++i) {
      if (i > 2) doc_id += '/';
      doc_id += seg[i];
    }
    std::string as;
    if (auto it = t.params.find("as"); it != t.params.end()) as = it->second;
    if (as.size() > 8 || !std::all_of(as.begin(), as.end(), [](char c) {
          return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        })) {
      return respond_(error_response(
          Status::invalid("query parameter 'as' must be a jurisdiction code such as SG")));
    }
    if (host.empty() || host.size() > 255 ||
        host.find_first_of("/\\?#@ \t\r\n\"<>") != std::string::npos) {
      return respond_(error_response(
          Status::invalid("the request names no usable Host: the link needs this node's address")));
    }
    std::optional<storage::ChainTip> tip = store_.tip();
    if (!tip) return respond_(error_response(Status::unavailable("the chain has no blocks yet")));
    const StoreStateView state(store_);
    Result<std::string> record = contracts_.query("documents", "document", {{"doc_id", doc_id}},
                                                  state, tip->height, tip->timestamp_ms);
    if (!record.is_ok()) return respond_(error_response(record.status()));
    const json r = json::parse(*record, nullptr, /*allow_exceptions=*/false);
    if (!r.is_object() || !r.contains("doc_hash") || !r["doc_hash"].is_string()) {
      return respond_(error_response(Status::internal("documents.document gave no doc_hash")));
    }
    const std::string link =
        core::verification_link(link_base_.for_host(host, via_public), doc_id,
                                r["doc_hash"].get<std::string>(), as);
    Result<core::QrCode> code = core::QrCode::encode(link);
    if (!code.is_ok()) return respond_(error_response(code.status()));
    HttpResponse out;
    out.content_type = "image/svg+xml";
    out.body = code->to_svg(8, "verify " + doc_id + ": " + link);
    out.headers = {{"X-Content-Type-Options", "nosniff"}, {"Cache-Control", "no-cache"}};
    respond_(std::move(out));
  }

  // ---- submit ----

  void submit_one(const std::string& body) {
    Result<json> parsed = parse_body_object(body);
    if (!parsed.is_ok()) return respond_(error_response(parsed.status()));
    const json& j = *parsed;
    SubmitOptions opts;
    if (Status st = read_submit_options(j, "tx", opts); !st.is_ok()) {
      return respond_(error_response(st));
    }
    auto tx = j.find("tx");
    if (tx == j.end()) {
      return respond_(
          error_response(Status::invalid("field 'tx' is required (hex of the encoded tx)")));
    }
    if (!tx->is_string()) {
      return respond_(error_response(Status::invalid("field 'tx' must be a hex string")));
    }
    Result<core::Bytes> bytes = core::from_hex(tx->get_ref<const std::string&>());
    if (!bytes.is_ok()) return respond_(error_response(bytes.status().with_context("tx")));
    Result<Hash> admitted = mempool_.add(*bytes);
    if (!admitted.is_ok()) return respond_(error_response(admitted.status()));
    const Hash id = *admitted;
    if (!opts.wait) return respond_(json_response(pending_json(id)));

    waiters_.wait(executor_, {id}, std::chrono::milliseconds(opts.timeout_ms),
                  [respond = respond_, id,
                   &waiters = waiters_](std::vector<CommitWaiters::Outcome> outcomes) {
                    try {
                      const CommitWaiters::Outcome& o = outcomes.front();
                      if (o.is_ok()) return respond(json_response(committed_json(id, *o)));
                      respond(error_response(o.status(), waiters.shut_down() ? 503 : 504));
                    } catch (const std::exception& e) {
                      log_internal_error(e.what());
                      respond(error_response(Status::internal(e.what())));
                    }
                  });
  }

  void submit_batch(const std::string& body) {
    Result<json> parsed = parse_body_object(body);
    if (!parsed.is_ok()) return respond_(error_response(parsed.status()));
    const json& j = *parsed;
    SubmitOptions opts;
    if (Status st = read_submit_options(j, "txs", opts); !st.is_ok()) {
      return respond_(error_response(st));
    }
    auto txs = j.find("txs");
    if (txs == j.end() || !txs->is_array()) {
      return respond_(
          error_response(Status::invalid("field 'txs' is required: an array of hex-encoded txs")));
    }
    const size_t n = txs->size();
    if (n > kMaxBatchTxs) {
      return respond_(error_response(Status::invalid(
          "batch has " + std::to_string(n) + " txs; limit is " + std::to_string(kMaxBatchTxs))));
    }

    // Per entry: its decode error, or its bytes and then its admission result.
    std::vector<Status> errors(n);
    std::vector<core::Bytes> bytes(n);
    std::vector<core::ByteSpan> spans;
    std::vector<size_t> span_index;
    spans.reserve(n);
    span_index.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      const json& e = (*txs)[i];
      if (!e.is_string()) {
        errors[i] = Status::invalid(std::string("must be a hex string, got ") + e.type_name());
        continue;
      }
      Result<core::Bytes> b = core::from_hex(e.get_ref<const std::string&>());
      if (!b.is_ok()) {
        errors[i] = b.status();
        continue;
      }
      bytes[i] = std::move(b).value();
      spans.emplace_back(bytes[i]);
      span_index.push_back(i);
    }
    std::vector<Result<Hash>> admitted = mempool_.add_batch(spans);

    std::vector<std::optional<Hash>> ids(n);
    std::vector<Hash> wait_ids;
    std::vector<size_t> wait_index;
    for (size_t k = 0; k < admitted.size(); ++k) {
      const size_t i = span_index[k];
      if (admitted[k].is_ok()) {
        ids[i] = *admitted[k];
        wait_ids.push_back(*admitted[k]);
        wait_index.push_back(i);
      } else {
        errors[i] = admitted[k].status();
      }
    }
    bytes.clear();

    auto entry = [&errors, &ids](size_t i) -> json {
      if (!errors[i].is_ok()) return error_to_json(errors[i]);
      return pending_json(*ids[i]);
    };
    if (!opts.wait || wait_ids.empty()) {
      json results = json::array();
      for (size_t i = 0; i < n; ++i) results.push_back(entry(i));
      return respond_(json_response({{"results", std::move(results)}}));
    }

    waiters_.wait(
        executor_, wait_ids, std::chrono::milliseconds(opts.timeout_ms),
        [respond = respond_, errors = std::move(errors), ids = std::move(ids),
         wait_index = std::move(wait_index)](std::vector<CommitWaiters::Outcome> outcomes) {
          try {
            std::vector<json> results(ids.size());
            for (size_t i = 0; i < ids.size(); ++i) {
              if (!errors[i].is_ok()) results[i] = error_to_json(errors[i]);
            }
            for (size_t k = 0; k < outcomes.size(); ++k) {
              const size_t i = wait_index[k];
              results[i] = outcomes[k].is_ok() ? committed_json(*ids[i], *outcomes[k])
                                               : error_to_json(outcomes[k].status());
            }
            respond(json_response({{"results", json(std::move(results))}}));
          } catch (const std::exception& e) {
            log_internal_error(e.what());
            respond(error_response(Status::internal(e.what())));
          }
        });
  }

  // ---- queries ----

  void get_tx(std::string_view id_hex) {
    Result<Hash> id = core::hash_from_hex(id_hex);
    if (!id.is_ok()) return respond_(error_response(id.status().with_context("tx id")));
    Result<storage::TxLocation> loc = store_.tx_location(*id);
    if (!loc.is_ok()) {
      if (loc.status().code() != Status::Code::kNotFound) {
        return respond_(error_response(loc.status()));
      }
      if (mempool_.contains(*id)) return respond_(json_response(pending_json(*id)));
      return respond_(error_response(Status::not_found("tx " + core::to_hex(*id) + " not found")));
    }
    Result<core::Block> block = store_.block_by_height(loc->height);
    if (!block.is_ok()) return respond_(error_response(block.status()));
    if (loc->index >= block->txs.size()) {
      return respond_(error_response(Status::corruption(
          "tx index " + std::to_string(loc->index) + " is outside block " +
          std::to_string(loc->height) + " (" + std::to_string(block->txs.size()) + " txs)")));
    }
    Result<core::Receipt> receipt = store_.receipt(*id);
    if (!receipt.is_ok()) return respond_(error_response(receipt.status()));
    respond_(json_response({{"tx_id", core::to_hex(*id)},
                            {"status", "committed"},
                            {"height", loc->height},
                            {"index", loc->index},
                            {"block_hash", core::to_hex(block->hash())},
                            {"timestamp_ms", block->header.timestamp_ms},
                            {"tx", tx_to_json(block->txs[loc->index])},
                            {"receipt", receipt_to_json(*receipt)},
                            {"receipt_hex", core::to_hex(receipt->encode())}}));
  }

  void respond_block(Result<core::Block> block, const Target& t, const std::string& what) {
    if (!block.is_ok()) {
      if (block.status().code() == Status::Code::kNotFound) {
        return respond_(error_response(Status::not_found(what + " not found")));
      }
      return respond_(error_response(block.status()));
    }
    respond_(json_response(block_to_json(*block, flag_param(t, "hex"))));
  }

  void get_latest_block(const Target& t) {
    std::optional<storage::ChainTip> tip = store_.tip();
    if (!tip) return respond_(error_response(Status::unavailable("the chain has no blocks yet")));
    respond_block(store_.block_by_height(tip->height), t,
                  "block at height " + std::to_string(tip->height));
  }

  void get_block(std::string_view height_text, const Target& t) {
    std::optional<uint64_t> height = parse_u64(height_text);
    if (!height) {
      return respond_(error_response(Status::invalid(
          "bad block height '" + std::string(height_text) + "': expected a decimal number")));
    }
    respond_block(store_.block_by_height(*height), t, "block at height " + std::to_string(*height));
  }

  void get_block_by_hash(std::string_view hash_hex, const Target& t) {
    Result<Hash> hash = core::hash_from_hex(hash_hex);
    if (!hash.is_ok()) return respond_(error_response(hash.status().with_context("block hash")));
    respond_block(store_.block_by_hash(*hash), t, "block " + core::to_hex(*hash));
  }

  Result<std::string> key_param(const Target& t) {
    auto it = t.params.find("key");
    if (it == t.params.end() || it->second.empty()) {
      return Status::invalid("query parameter 'key' is required (for example key=notary/<digest>)");
    }
    return it->second;
  }

  void get_state(const Target& t) {
    Result<std::string> key = key_param(t);
    if (!key.is_ok()) return respond_(error_response(key.status()));
    Result<std::optional<std::string>> value = store_.get_state(*key);
    if (!value.is_ok()) return respond_(error_response(value.status()));
    if (!value->has_value()) {
      return respond_(error_response(Status::not_found("key '" + *key + "' has no value")));
    }
    respond_(json_response({{"key", *key}, {"value", embed_json_text(**value)}, {"found", true}}));
  }

  void get_history(const Target& t) {
    Result<std::string> key = key_param(t);
    if (!key.is_ok()) return respond_(error_response(key.status()));
    uint64_t offset = 0;
    uint64_t limit = kDefaultHistoryLimit;
    if (auto it = t.params.find("offset"); it != t.params.end()) {
      std::optional<uint64_t> v = parse_u64(it->second);
      if (!v) {
        return respond_(error_response(Status::invalid(
            "query parameter 'offset' is '" + it->second + "': expected a decimal number")));
      }
      offset = *v;
    }
    if (auto it = t.params.find("limit"); it != t.params.end()) {
      std::optional<uint64_t> v = parse_u64(it->second);
      if (!v || *v == 0 || *v > kMaxHistoryLimit) {
        return respond_(
            error_response(Status::invalid("query parameter 'limit' is '" + it->second +
                                           "': must be 1.." + std::to_string(kMaxHistoryLimit))));
      }
      limit = *v;
    }
    // One more than asked: tells whether there is a next page.
    Result<std::vector<core::KeyVersion>> versions =
        store_.history(*key, offset, static_cast<uint32_t>(limit + 1));
    if (!versions.is_ok()) return respond_(error_response(versions.status()));
    const bool more = versions->size() > limit;
    if (more) versions->resize(limit);
    // Written directly: stored values are spliced in, not parsed and dumped
    // again (docs/performance.md, key history).
    HttpResponse r;
    r.body = key_versions_page_json(*key, offset, *versions,
                                    more ? std::optional<uint64_t>(offset + limit) : std::nullopt);
    respond_(std::move(r));
  }

  // GET /v1/txs?sender=&contract=&from_ms=&to_ms=&after=&limit=&order=: committed
  // txs by sender, contract and block time, paged by cursor (Store::query_txs).
  void query_txs(const Target& t) {
    static constexpr const char* kParams[] = {"sender", "contract", "from_ms", "to_ms",
                                              "after",  "limit",    "order"};
    for (const auto& [name, value] : t.params) {
      if (std::find(std::begin(kParams), std::end(kParams), name) == std::end(kParams)) {
        return respond_(error_response(
            Status::invalid("unknown query parameter '" + name +
                            "' (expected sender, contract, from_ms, to_ms, after, limit, order)")));
      }
    }
    auto bad = [this](const std::string& name, const std::string& value, const std::string& why) {
      respond_(error_response(
          Status::invalid("query parameter '" + name + "' is '" + value + "': " + why)));
    };
    storage::TxQuery q;
    q.limit = kDefaultTxsLimit;
    if (auto it = t.params.find("sender"); it != t.params.end()) {
      Result<Hash> sender = core::hash_from_hex(it->second);
      if (!sender.is_ok()) {
        return bad("sender", it->second,
                   "expected 64 hex characters (a public key or a certificate fingerprint)");
      }
      q.sender = *sender;
    }
    if (auto it = t.params.find("contract"); it != t.params.end()) {
      if (it->second.empty()) return bad("contract", it->second, "expected a contract name");
      q.contract = it->second;
    }
    for (const char* name : {"from_ms", "to_ms"}) {
      if (auto it = t.params.find(name); it != t.params.end()) {
        std::optional<uint64_t> v = parse_u64(it->second);
        if (!v) return bad(name, it->second, "expected Unix milliseconds (a decimal number)");
        (std::string_view(name) == "from_ms" ? q.from_ms : q.to_ms) = *v;
      }
    }
    if (!q.sender && !q.contract && !q.from_ms && !q.to_ms) {
      return respond_(error_response(Status::invalid(
          "GET /v1/txs needs at least one of the query parameters sender, contract, from_ms, "
          "to_ms")));
    }
    if (auto it = t.params.find("after"); it != t.params.end()) {
      std::optional<storage::TxPosition> after = parse_tx_cursor(it->second);
      if (!after) {
        return bad("after", it->second,
                   "expected a cursor HEIGHT:INDEX (the 'next' of the previous page)");
      }
      q.after = after;
    }
    if (auto it = t.params.find("limit"); it != t.params.end()) {
      std::optional<uint64_t> v = parse_u64(it->second);
      if (!v || *v == 0 || *v > storage::kMaxTxQueryLimit) {
        return bad("limit", it->second, "must be 1.." + std::to_string(storage::kMaxTxQueryLimit));
      }
      q.limit = static_cast<uint32_t>(*v);
    }
    if (auto it = t.params.find("order"); it != t.params.end()) {
      if (it->second != "asc" && it->second != "desc") {
        return bad("order", it->second, "expected asc or desc");
      }
      q.order = it->second == "asc" ? storage::TxOrder::kAscending : storage::TxOrder::kDescending;
    }
    Result<storage::TxPage> page = store_.query_txs(q);
    if (!page.is_ok()) return respond_(error_response(page.status()));
    json txs = json::array();
    for (const storage::TxSummary& s : page->txs) {
      json row = {{"tx_id", core::to_hex(s.tx_id)},
                  {"height", s.height},
                  {"index", s.index},
                  {"timestamp_ms", s.timestamp_ms},
                  {"sender", core::to_hex(s.sender)},
                  {"contract", s.contract},
                  {"method", s.method},
                  {"ok", s.code == 0}};
      if (s.code != 0) {
        row["code"] = s.code;
        // The failure's message lives in the receipt: one point lookup per failed tx.
        Result<core::Receipt> receipt = store_.receipt(s.tx_id);
        if (!receipt.is_ok()) return respond_(error_response(receipt.status()));
        row["error"] = receipt->message;
      }
      txs.push_back(std::move(row));
    }
    json next = nullptr;
    if (page->next) next = tx_cursor_text(*page->next);
    respond_(json_response({{"txs", std::move(txs)}, {"next", std::move(next)}}));
  }

  // A tx cursor is "HEIGHT:INDEX", both decimal.
  static std::string tx_cursor_text(const storage::TxPosition& p) {
    return std::to_string(p.height) + ":" + std::to_string(p.index);
  }
  static std::optional<storage::TxPosition> parse_tx_cursor(std::string_view text) {
    const size_t colon = text.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::optional<uint64_t> height = parse_u64(text.substr(0, colon));
    std::optional<uint64_t> index = parse_u64(text.substr(colon + 1));
    if (!height || !index || *index > UINT32_MAX) return std::nullopt;
    return storage::TxPosition{*height, static_cast<uint32_t>(*index)};
  }

  void get_chain(const std::string& verify_base) {
    std::optional<storage::ChainTip> tip = store_.tip();
    if (!tip) return respond_(error_response(Status::unavailable("the chain has no blocks yet")));
    respond_(json_response(
        {{"chain_id", genesis_.chain_id},
         {"genesis_hash", core::to_hex(genesis_.hash)},
         {"height", tip->height},
         {"block_hash", core::to_hex(tip->block_hash)},
         {"state_root", core::to_hex(tip->state_root)},
         {"timestamp_ms", tip->timestamp_ms},
         {"total_txs", tip->total_txs},
         {"consensus", consensus_},
         {"verify_base", verify_base},
         {"mempool", {{"size", mempool_.size()}, {"capacity", mempool_.capacity()}}}}));
  }

  // POST /v1/query {"contract", "method", "args"}: a contract's read-only
  // query over committed state as of the tip.
  void run_query(const std::string& body) {
    Result<json> parsed = parse_body_object(body);
    if (!parsed.is_ok()) return respond_(error_response(parsed.status()));
    const json& j = *parsed;
    for (const char* field : {"contract", "method"}) {
      auto it = j.find(field);
      if (it == j.end() || !it->is_string()) {
        return respond_(error_response(
            Status::invalid(std::string("field '") + field + "' is required (a string)")));
      }
    }
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() != "contract" && it.key() != "method" && it.key() != "args") {
        return respond_(error_response(Status::invalid("unknown field '" + it.key() + "'")));
      }
    }
    json args = j.value("args", json::object());
    answer_query(j["contract"].get<std::string>(), j["method"].get<std::string>(), args);
  }

  // GET /v1/config[?height=H]: the chain configuration in force (governance.config).
  void get_config(const Target& t) {
    json args = json::object();
    if (auto it = t.params.find("height"); it != t.params.end()) {
      std::optional<uint64_t> v = parse_u64(it->second);
      if (!v) {
        return respond_(error_response(Status::invalid(
            "query parameter 'height' is '" + it->second + "': expected a decimal number")));
      }
      args["height"] = *v;
    }
    answer_query("governance", "config", args);
  }

  // POST /v1/verify {"doc_id", "jurisdiction", "presented_hash"?, "org"?, "at_ms"?}: the
  // five-fragment verdict of a document as a jurisdiction sees it (documents.verify).
  void verify_document(const std::string& body) {
    Result<json> parsed = parse_body_object(body);
    if (!parsed.is_ok()) return respond_(error_response(parsed.status()));
    answer_query("documents", "verify", *parsed);
  }

  void answer_query(const std::string& contract, const std::string& method, const json& args) {
    std::optional<storage::ChainTip> tip = store_.tip();
    if (!tip) return respond_(error_response(Status::unavailable("the chain has no blocks yet")));
    const StoreStateView state(store_);
    Result<std::string> result =
        contracts_.query(contract, method, args, state, tip->height, tip->timestamp_ms);
    if (!result.is_ok()) return respond_(error_response(result.status()));
    respond_(json_response({{"height", tip->height}, {"result", embed_json_text(*result)}}));
  }

  void get_health() {
    std::optional<storage::ChainTip> tip = store_.tip();
    if (!tip) return respond_(error_response(Status::unavailable("the chain has no blocks yet")));
    respond_(json_response({{"status", "ok"}, {"height", tip->height}}));
  }

  const LinkBase& link_base_;
  const core::Genesis& genesis_;
  const storage::Store& store_;
  Mempool& mempool_;
  CommitWaiters& waiters_;
  const std::string& consensus_;
  const contracts::Executor& contracts_;
  const boost::asio::any_io_executor executor_;
  const Responder respond_;
  std::string method_name_;
  std::string content_type_;
};

}  // namespace

std::string LinkBase::for_host(const std::string& host, bool via_public) const {
  if (via_public) return "https://" + host;
  if (!public_url.empty()) return public_url;
  if (public_port != 0) {
    // The Host header's name, without its port: "[::1]:8645" -> "[::1]".
    std::string name = host;
    const size_t bracket = name.rfind(']');
    const size_t colon = name.rfind(':');
    if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
      name.resize(colon);
    }
    return "https://" + name + ":" + std::to_string(public_port);
  }
  return (tls ? "https://" : "http://") + host;
}

RpcApi::RpcApi(const core::Genesis& genesis, const storage::Store& store, Mempool& mempool,
               CommitWaiters& waiters, std::string consensus, const contracts::Executor& contracts)
    : genesis_(genesis),
      store_(store),
      mempool_(mempool),
      waiters_(waiters),
      consensus_(std::move(consensus)),
      contracts_(contracts) {}

bool RpcApi::answer_operator_route(const HttpRequest& request, const Responder& respond) {
  const std::string_view target = request.target;
  const std::string_view path = target.substr(0, target.find('?'));
  const bool metrics = path == "/metrics";
  const bool ready = path == "/v1/ready";
  if (!metrics && !ready) return false;
  if (request.method != http::verb::get) {
    const std::string method = request.method_name.empty()
                                   ? std::string(http::to_string(request.method))
                                   : request.method_name;
    HttpResponse r = json_response(
        error_to_json(Status::invalid("method " + method + " is not allowed on " +
                                      std::string(path) + "; use GET")),
        405);
    r.allow = "GET";
    respond(std::move(r));
    return true;
  }
  if (metrics) {
    MetricsWriter w;
    rpc_metrics_.write(w);
    if (metrics_source_) metrics_source_(w);
    HttpResponse r;
    r.body = w.text();
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    respond(std::move(r));
    return true;
  }
  if (!readiness_) {
    respond(json_response({{"ready", true}}));
    return true;
  }
  const Readiness verdict = readiness_();
  HttpResponse r;
  r.status = verdict.ready ? 200 : 503;
  r.body = verdict.body_json;
  respond(std::move(r));
  return true;
}

void RpcApi::handle(HttpRequest request, boost::asio::any_io_executor executor, Responder respond) {
  // Counted by route and status with its duration, when it is answered.
  const size_t route = RpcMetrics::route_of(
      request.method_name.empty()
          ? std::string_view(http::to_string(request.method).data(),
                             http::to_string(request.method).size())
          : std::string_view(request.method_name),
      request.target);
  const auto started = std::chrono::steady_clock::now();
  respond = [respond = std::move(respond), route, started, this](HttpResponse r) {
    rpc_metrics_.observe(
        route, r.status,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    respond(std::move(r));
  };
  // The Call answers exactly once; if it throws before answering, we answer.
  auto answered = std::make_shared<std::atomic<bool>>(false);
  Responder once = [respond, answered](HttpResponse r) {
    answered->store(true);
    respond(std::move(r));
  };
  try {
    if (answer_operator_route(request, once)) return;
    Call(genesis_, store_, mempool_, waiters_, consensus_, contracts_, link_base_,
         std::move(executor), once)
        .run(request);
  } catch (const std::exception& e) {
    log_internal_error(e.what());
    if (!answered->load()) respond(error_response(Status::internal(e.what())));
  }
}

}  // namespace silk::node
