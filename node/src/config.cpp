#include "silk/node/config.h"

#include <cstdlib>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <system_error>

#include "silk/core/key_file.h"
#include "silk/node/log.h"

namespace silk::node {
namespace {

using core::Result;
using core::Status;
using nlohmann::json;

Status check_keys(const json& obj, const std::string& where, const std::set<std::string>& known) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (known.count(it.key()) == 0) {
      return Status::invalid("unknown key '" + where + it.key() + "'");
    }
  }
  return Status::ok();
}

Status get_string(const json& obj, const char* key, const std::string& where, std::string& out) {
  auto it = obj.find(key);
  if (it == obj.end()) return Status::ok();
  if (!it->is_string()) {
    return Status::invalid("'" + where + key + "' must be a string, got " + it->type_name());
  }
  out = it->get<std::string>();
  return Status::ok();
}

Status get_uint(const json& obj, const char* key, const std::string& where, uint64_t min,
                uint64_t max, uint64_t& out) {
  auto it = obj.find(key);
  if (it == obj.end()) return Status::ok();
  if (!it->is_number_unsigned()) {
    return Status::invalid("'" + where + key + "' must be a non-negative integer, got " +
                           (it->is_number() ? it->dump() : std::string(it->type_name())));
  }
  const uint64_t v = it->get<uint64_t>();
  if (v < min || v > max) {
    return Status::invalid("'" + where + key + "' is " + std::to_string(v) + "; must be " +
                           std::to_string(min) + ".." + std::to_string(max));
  }
  out = v;
  return Status::ok();
}

Status get_bool(const json& obj, const char* key, const std::string& where, bool& out) {
  auto it = obj.find(key);
  if (it == obj.end()) return Status::ok();
  if (!it->is_boolean()) {
    return Status::invalid("'" + where + key + "' must be true or false, got " +
                           (it->is_primitive() ? it->dump() : std::string(it->type_name())));
  }
  out = it->get<bool>();
  return Status::ok();
}

// 127.0.0.0/8 and ::1: where plain HTTP may listen.
bool is_loopback(const std::string& address) {
  return address == "::1" || address == "localhost" || address.rfind("127.", 0) == 0;
}

Status get_object(const json& obj, const char* key, const json*& out) {
  out = nullptr;
  auto it = obj.find(key);
  if (it == obj.end()) return Status::ok();
  if (!it->is_object()) {
    return Status::invalid("'" + std::string(key) + "' must be an object, got " + it->type_name());
  }
  out = &*it;
  return Status::ok();
}

std::string resolve(const std::filesystem::path& base, const std::string& p) {
  if (p.empty()) return p;
  std::filesystem::path path(p);
  if (path.is_absolute()) return path.lexically_normal().string();
  return (base / path).lexically_normal().string();
}

// The log section's types here; its values are checked by the log module (check_log_config),
// which silkd also relies on when it re-reads the section on SIGHUP.
Status parse_log(const json& log, LogConfig& out) {
  SILK_RETURN_IF_ERROR(check_keys(
      log, "log.", {"level", "file", "format", "levels", "max_file_bytes", "max_files"}));
  SILK_RETURN_IF_ERROR(get_string(log, "level", "log.", out.level));
  SILK_RETURN_IF_ERROR(get_string(log, "file", "log.", out.file));
  SILK_RETURN_IF_ERROR(get_string(log, "format", "log.", out.format));
  SILK_RETURN_IF_ERROR(get_uint(log, "max_file_bytes", "log.", 0, 1ull << 40, out.max_file_bytes));
  SILK_RETURN_IF_ERROR(get_uint(log, "max_files", "log.", 1, 1000, out.max_files));
  if (auto it = log.find("levels"); it != log.end()) {
    if (!it->is_object()) {
      return Status::invalid(std::string("'log.levels' must be an object, got ") + it->type_name());
    }
    for (auto m = it->begin(); m != it->end(); ++m) {
      std::string level;
      SILK_RETURN_IF_ERROR(get_string(*it, m.key().c_str(), "log.levels.", level));
      out.levels[m.key()] = level;
    }
  }
  return check_log_config(out);
}

Result<NodeConfig> parse_object(const json& j, const std::filesystem::path& base) {
  if (!j.is_object())
    return Status::invalid(std::string("expected a JSON object, got ") + j.type_name());
  SILK_RETURN_IF_ERROR(
      check_keys(j, "",
                 {"data_dir", "genesis", "node_key", "passphrase_file", "wal_file",
                  "wal_compact_bytes", "rpc", "public", "mempool", "log", "p2p", "consensus"}));
  NodeConfig c;
  c.data_dir = "data";
  SILK_RETURN_IF_ERROR(get_string(j, "data_dir", "", c.data_dir));
  SILK_RETURN_IF_ERROR(get_string(j, "genesis", "", c.genesis));
  SILK_RETURN_IF_ERROR(get_string(j, "node_key", "", c.node_key));
  SILK_RETURN_IF_ERROR(get_string(j, "passphrase_file", "", c.passphrase_file));
  SILK_RETURN_IF_ERROR(get_string(j, "wal_file", "", c.wal_file));
  SILK_RETURN_IF_ERROR(
      get_uint(j, "wal_compact_bytes", "", 64u << 10, 1ull << 30, c.wal_compact_bytes));
  if (c.data_dir.empty()) return Status::invalid("'data_dir' must not be empty");
  if (c.genesis.empty()) return Status::invalid("'genesis' is required (path of the genesis file)");
  if (c.node_key.empty())
    return Status::invalid("'node_key' is required (path of the node key file)");

  const json* rpc = nullptr;
  SILK_RETURN_IF_ERROR(get_object(j, "rpc", rpc));
  if (rpc != nullptr) {
    SILK_RETURN_IF_ERROR(check_keys(
        *rpc, "rpc.",
        {"listen", "port", "max_body_bytes", "threads", "max_connections", "ready_max_lag_blocks",
         "tls", "tls_cert", "tls_key", "idle_timeout_ms", "header_timeout_ms", "rate_limit"}));
    SILK_RETURN_IF_ERROR(get_string(*rpc, "listen", "rpc.", c.rpc.listen));
    if (c.rpc.listen.empty()) return Status::invalid("'rpc.listen' must not be empty");
    uint64_t v = c.rpc.port;
    SILK_RETURN_IF_ERROR(get_uint(*rpc, "port", "rpc.", 0, 65535, v));
    c.rpc.port = static_cast<uint16_t>(v);
    v = c.rpc.max_body_bytes;
    SILK_RETURN_IF_ERROR(get_uint(*rpc, "max_body_bytes", "rpc.", 1024, 1ull << 30, v));
    c.rpc.max_body_bytes = static_cast<size_t>(v);
    v = c.rpc.threads;
    SILK_RETURN_IF_ERROR(get_uint(*rpc, "threads", "rpc.", 1, 256, v));
    c.rpc.threads = static_cast<unsigned>(v);
    v = c.rpc.max_connections;
    SILK_RETURN_IF_ERROR(get_uint(*rpc, "max_connections", "rpc.", 1, 1u << 20, v));
    c.rpc.max_connections = static_cast<size_t>(v);
    SILK_RETURN_IF_ERROR(get_uint(*rpc, "ready_max_lag_blocks", "rpc.", 0, 1ull << 40,
                                  c.rpc.ready_max_lag_blocks));
    SILK_RETURN_IF_ERROR(get_bool(*rpc, "tls", "rpc.", c.rpc.tls));
    SILK_RETURN_IF_ERROR(get_string(*rpc, "tls_cert", "rpc.", c.rpc.tls_cert));
    SILK_RETURN_IF_ERROR(get_string(*rpc, "tls_key", "rpc.", c.rpc.tls_key));
    SILK_RETURN_IF_ERROR(
        get_uint(*rpc, "idle_timeout_ms", "rpc.", 100, 3'600'000, c.rpc.idle_timeout_ms));
    SILK_RETURN_IF_ERROR(
        get_uint(*rpc, "header_timeout_ms", "rpc.", 100, 600'000, c.rpc.header_timeout_ms));
    SILK_RETURN_IF_ERROR(get_uint(*rpc, "rate_limit", "rpc.", 0, 1'000'000, c.rpc.rate_limit));
    if (c.rpc.tls_cert.empty() && !c.rpc.tls_key.empty()) {
      return Status::invalid("'rpc.tls_key' needs 'rpc.tls_cert' (the certificate of that key)");
    }
  }
  if (!c.rpc.tls && !is_loopback(c.rpc.listen)) {
    return Status::invalid("'rpc.listen' is " + c.rpc.listen +
                           ", not a loopback address, and 'rpc.tls' is off: plain HTTP is for "
                           "development on loopback only; set 'rpc.tls': true (docs/config.md)");
  }

  const json* pub = nullptr;
  SILK_RETURN_IF_ERROR(get_object(j, "public", pub));
  if (pub != nullptr) {
    PublicRpcConfig& p = c.public_rpc;
    SILK_RETURN_IF_ERROR(check_keys(*pub, "public.",
                                    {"enabled", "listen", "port", "url", "cert", "key",
                                     "max_connections",
                                     "rate_limit", "idle_timeout_ms", "header_timeout_ms"}));
    p.enabled = true;
    SILK_RETURN_IF_ERROR(get_bool(*pub, "enabled", "public.", p.enabled));
    SILK_RETURN_IF_ERROR(get_string(*pub, "listen", "public.", p.listen));
    uint64_t v = p.port;
    SILK_RETURN_IF_ERROR(get_uint(*pub, "port", "public.", 0, 65535, v));
    p.port = static_cast<uint16_t>(v);
    SILK_RETURN_IF_ERROR(get_string(*pub, "url", "public.", p.url));
    while (!p.url.empty() && p.url.back() == '/') p.url.pop_back();
    if (!p.url.empty() && p.url.rfind("https://", 0) != 0) {
      return Status::invalid("'public.url' is " + p.url + ": it must start with https://");
    }
    SILK_RETURN_IF_ERROR(get_string(*pub, "cert", "public.", p.cert));
    SILK_RETURN_IF_ERROR(get_string(*pub, "key", "public.", p.key));
    v = p.max_connections;
    SILK_RETURN_IF_ERROR(get_uint(*pub, "max_connections", "public.", 1, 1u << 20, v));
    p.max_connections = static_cast<size_t>(v);
    SILK_RETURN_IF_ERROR(get_uint(*pub, "rate_limit", "public.", 0, 1'000'000, p.rate_limit));
    SILK_RETURN_IF_ERROR(
        get_uint(*pub, "idle_timeout_ms", "public.", 100, 3'600'000, p.idle_timeout_ms));
    SILK_RETURN_IF_ERROR(
        get_uint(*pub, "header_timeout_ms", "public.", 100, 600'000, p.header_timeout_ms));
    if (p.enabled && (p.cert.empty() || p.key.empty())) {
      return Status::invalid(
          "'public.cert' and 'public.key' are required: the public listener speaks HTTPS only");
    }
    if (p.listen.empty()) return Status::invalid("'public.listen' must not be empty");
  }

  const json* mempool = nullptr;
  SILK_RETURN_IF_ERROR(get_object(j, "mempool", mempool));
  if (mempool != nullptr) {
    SILK_RETURN_IF_ERROR(check_keys(*mempool, "mempool.", {"capacity", "verify_threads"}));
    uint64_t v = c.mempool.capacity;
    SILK_RETURN_IF_ERROR(get_uint(*mempool, "capacity", "mempool.", 1, 100'000'000, v));
    c.mempool.capacity = static_cast<size_t>(v);
    v = c.mempool.verify_threads;
    SILK_RETURN_IF_ERROR(get_uint(*mempool, "verify_threads", "mempool.", 0, 1024, v));
    c.mempool.verify_threads = static_cast<unsigned>(v);
  }

  const json* log = nullptr;
  SILK_RETURN_IF_ERROR(get_object(j, "log", log));
  if (log != nullptr) SILK_RETURN_IF_ERROR(parse_log(*log, c.log));

  const json* p2p = nullptr;
  SILK_RETURN_IF_ERROR(get_object(j, "p2p", p2p));
  if (p2p != nullptr) {
    SILK_RETURN_IF_ERROR(check_keys(
        *p2p, "p2p.",
        {"listen", "port", "cert", "peers", "max_frame_bytes", "reconnect_max_ms", "threads"}));
    SILK_RETURN_IF_ERROR(get_string(*p2p, "listen", "p2p.", c.p2p.listen));
    if (c.p2p.listen.empty()) return Status::invalid("'p2p.listen' must not be empty");
    uint64_t v = c.p2p.port;
    SILK_RETURN_IF_ERROR(get_uint(*p2p, "port", "p2p.", 0, 65535, v));
    c.p2p.port = static_cast<uint16_t>(v);
    SILK_RETURN_IF_ERROR(get_string(*p2p, "cert", "p2p.", c.p2p.cert));
    if (c.p2p.cert.empty()) {
      return Status::invalid("'p2p.cert' is required in 'p2p' (this node's certificate, PEM)");
    }
    v = c.p2p.max_frame_bytes;
    SILK_RETURN_IF_ERROR(get_uint(*p2p, "max_frame_bytes", "p2p.", 1024, 1ull << 30, v));
    c.p2p.max_frame_bytes = static_cast<size_t>(v);
    SILK_RETURN_IF_ERROR(
        get_uint(*p2p, "reconnect_max_ms", "p2p.", 10, 600'000, c.p2p.reconnect_max_ms));
    v = c.p2p.threads;
    SILK_RETURN_IF_ERROR(get_uint(*p2p, "threads", "p2p.", 1, 64, v));
    c.p2p.threads = static_cast<unsigned>(v);
    if (auto it = p2p->find("peers"); it != p2p->end()) {
      if (!it->is_array()) {
        return Status::invalid(std::string("'p2p.peers' must be an array, got ") + it->type_name());
      }
      for (size_t i = 0; i < it->size(); ++i) {
        const json& pj = (*it)[i];
        const std::string where = "p2p.peers[" + std::to_string(i) + "].";
        if (!pj.is_object()) {
          return Status::invalid("'" + where.substr(0, where.size() - 1) +
                                 "' must be an object {host, port, public_key}");
        }
        SILK_RETURN_IF_ERROR(check_keys(pj, where, {"host", "port", "public_key"}));
        PeerConfig peer;
        SILK_RETURN_IF_ERROR(get_string(pj, "host", where, peer.host));
        uint64_t port = 0;
        SILK_RETURN_IF_ERROR(get_uint(pj, "port", where, 1, 65535, port));
        peer.port = static_cast<uint16_t>(port);
        SILK_RETURN_IF_ERROR(get_string(pj, "public_key", where, peer.public_key));
        if (peer.host.empty() || peer.port == 0 || peer.public_key.empty()) {
          return Status::invalid("'" + where + "host', 'port' and 'public_key' are required");
        }
        c.p2p.peers.push_back(std::move(peer));
      }
    }
  }

  const json* cons = nullptr;
  SILK_RETURN_IF_ERROR(get_object(j, "consensus", cons));
  if (cons != nullptr) {
    SILK_RETURN_IF_ERROR(
        check_keys(*cons, "consensus.",
                   {"raft_heartbeat_ms", "raft_election_timeout_ms", "tbft_propose_ms",
                    "tbft_vote_ms", "tbft_delta_ms", "sync_interval_ms"}));
    ConsensusTiming& t = c.consensus;
    SILK_RETURN_IF_ERROR(
        get_uint(*cons, "raft_heartbeat_ms", "consensus.", 1, 600'000, t.raft_heartbeat_ms));
    SILK_RETURN_IF_ERROR(get_uint(*cons, "raft_election_timeout_ms", "consensus.", 1, 600'000,
                                  t.raft_election_timeout_ms));
    SILK_RETURN_IF_ERROR(
        get_uint(*cons, "tbft_propose_ms", "consensus.", 1, 600'000, t.tbft_propose_ms));
    SILK_RETURN_IF_ERROR(get_uint(*cons, "tbft_vote_ms", "consensus.", 1, 600'000, t.tbft_vote_ms));
    SILK_RETURN_IF_ERROR(
        get_uint(*cons, "tbft_delta_ms", "consensus.", 0, 600'000, t.tbft_delta_ms));
    SILK_RETURN_IF_ERROR(
        get_uint(*cons, "sync_interval_ms", "consensus.", 10, 600'000, t.sync_interval_ms));
    if (t.raft_election_timeout_ms <= 2 * t.raft_heartbeat_ms) {
      return Status::invalid("'consensus.raft_election_timeout_ms' (" +
                             std::to_string(t.raft_election_timeout_ms) +
                             ") must exceed twice 'consensus.raft_heartbeat_ms' (" +
                             std::to_string(t.raft_heartbeat_ms) + ")");
    }
  }

  c.data_dir = resolve(base, c.data_dir);
  c.wal_file = c.wal_file.empty() ? c.data_dir + ".wal" : resolve(base, c.wal_file);
  c.p2p.cert = resolve(base, c.p2p.cert);
  c.genesis = resolve(base, c.genesis);
  c.node_key = resolve(base, c.node_key);
  c.passphrase_file = resolve(base, c.passphrase_file);
  c.log.file = resolve(base, c.log.file);
  c.rpc.tls_cert = resolve(base, c.rpc.tls_cert);
  c.rpc.tls_key = resolve(base, c.rpc.tls_key);
  c.public_rpc.cert = resolve(base, c.public_rpc.cert);
  c.public_rpc.key = resolve(base, c.public_rpc.key);
  return c;
}

Result<std::string> read_config_text(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Status::not_found("config file " + path + " does not exist");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::io_error("config file " + path + " cannot be opened");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::io_error("config file " + path + " cannot be read");
  return text.str();
}

// The folder relative paths in the config file at `path` are resolved against.
std::filesystem::path config_dir(const std::string& path) {
  std::error_code ec;
  std::filesystem::path base = std::filesystem::absolute(path, ec).parent_path();
  if (ec) base = std::filesystem::path(path).parent_path();
  return base;
}

}  // namespace

Result<NodeConfig> parse_config(std::string_view json_text, const std::filesystem::path& base_dir) {
  json j;
  try {
    j = json::parse(json_text);
  } catch (const json::exception& e) {
    return Status::invalid(std::string("not valid JSON: ") + e.what());
  }
  return parse_object(j, base_dir);
}

Result<NodeConfig> load_config(const std::string& path) {
  Result<std::string> text = read_config_text(path);
  if (!text.is_ok()) return text.status();
  Result<NodeConfig> parsed = parse_config(*text, config_dir(path));
  if (!parsed.is_ok()) return parsed.status().with_context("config " + path);
  return parsed;
}

Result<LogConfig> load_log_config(const std::string& path) {
  Result<std::string> text = read_config_text(path);
  if (!text.is_ok()) return text.status();
  auto section = [&]() -> Result<LogConfig> {
    json j;
    try {
      j = json::parse(*text);
    } catch (const json::exception& e) {
      return Status::invalid(std::string("not valid JSON: ") + e.what());
    }
    if (!j.is_object())
      return Status::invalid(std::string("expected a JSON object, got ") + j.type_name());
    LogConfig log;
    const json* obj = nullptr;
    SILK_RETURN_IF_ERROR(get_object(j, "log", obj));
    if (obj != nullptr) SILK_RETURN_IF_ERROR(parse_log(*obj, log));
    log.file = resolve(config_dir(path), log.file);
    return log;
  }();
  if (!section.is_ok()) return section.status().with_context("config " + path);
  return section;
}

Result<std::string> resolve_passphrase(const NodeConfig& config) {
  if (!config.passphrase_file.empty()) {
    Result<std::string> p = core::read_passphrase_file(config.passphrase_file);
    if (!p.is_ok()) return p.status().with_context("passphrase_file");
    return p;
  }
  const char* env = std::getenv(kPassphraseEnv);
  if (env != nullptr && env[0] != '\0') return std::string(env);
  return Status::invalid(std::string("no passphrase for the node key: set 'passphrase_file' in "
                                     "the config or the environment variable ") +
                         kPassphraseEnv);
}

}  // namespace silk::node
