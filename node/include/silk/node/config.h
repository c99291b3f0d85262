// silkd's configuration: node.json (documented option by option in docs/config.md).
//
// Every field is optional with the default below, except `genesis` and
// `node_key`. Relative paths are resolved against the folder that holds the
// config file. Unknown keys are rejected, naming the key, so a typo does not
// silently fall back to a default.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "silk/core/status.h"

namespace silk::node {

struct RpcConfig {
  std::string listen = "127.0.0.1";   // IPv4 or IPv6 address to bind
  uint16_t port = 8645;               // 0 = any free port (tests)
  size_t max_body_bytes = 16u << 20;  // larger request bodies get 413
  unsigned threads = 2;               // I/O threads serving HTTP
  // Connections served at once (WebSocket streams included); past it a new connection gets 503
  // and is closed. The node lowers it to what its descriptor limit allows (node/descriptors.h).
  size_t max_connections = 1024;
  // GET /v1/ready answers 503 when the node is more blocks than this behind the median of its
  // peers' claimed heights.
  uint64_t ready_max_lag_blocks = 10;
  // HTTPS only (TLS 1.3), clients authenticated by consortium certificates (docs/api.md
  // "Transport security"). Off: plain HTTP, allowed on a loopback address only.
  bool tls = false;
  // The server certificate (PEM): "" = the node certificate (p2p.cert). Its private key: "" = the
  // node key; else a clear PKCS#8 PEM file (as `silk key export` writes it).
  std::string tls_cert;
  std::string tls_key;
  uint64_t idle_timeout_ms = 60000;    // a kept-alive connection with no request closes after it
  uint64_t header_timeout_ms = 10000;  // a request's header (and a TLS handshake) must be in by it
  // Requests per second per client (its certificate over TLS, else its address); 0 = no limit.
  // Bursts of twice the rate pass.
  uint64_t rate_limit = 0;
};

// The public verification listener (docs/api.md "Public verification"): HTTPS without client
// certificates, for verifiers outside the consortium; only the verify page, POST /v1/verify and
// one document's verdict, status and QR. Off unless the config has a "public" section.
struct PublicRpcConfig {
  bool enabled = false;
  std::string listen = "127.0.0.1";
  uint16_t port = 8745;
  // The listener's address as verifiers reach it (a reverse proxy's, a DNS name):
  // "https://verify.example.org". "" = https://<the Host a request named>:<port>. QR codes and
  // `silk doc link` send verifiers there.
  std::string url;
  std::string cert;  // PEM certificate chain browsers accept (network init: a self-signed P-256)
  std::string key;   // its PKCS#8 PEM private key
  size_t max_connections = 256;
  uint64_t rate_limit = 20;  // requests per second per source address (bursts of twice it)
  uint64_t idle_timeout_ms = 30000;
  uint64_t header_timeout_ms = 10000;
};

struct MempoolConfig {
  size_t capacity = 100000;     // txs held at most; more get "pool full"
  unsigned verify_threads = 0;  // signature-verification threads; 0 = hardware concurrency
};

// The log section (node/log.h). silkd re-reads it on SIGHUP.
struct LogConfig {
  std::string level = "info";   // trace, debug, info, warn, error, off
  std::string file;             // "" = standard error; else this file (appended)
  std::string format = "text";  // "text" (key=value lines) or "json" (one object per line)
  std::map<std::string, std::string> levels = {};  // module -> level, over `level`
  uint64_t max_file_bytes = 64u << 20;             // file: rotated past this size; 0 = never
  uint64_t max_files = 5;                          // file: rotated files kept (silkd.1.log …)
};

// A peer this node dials.
struct PeerConfig {
  std::string host;  // IP address or name
  uint16_t port = 0;
  std::string public_key;  // hex Ed25519 key its node certificate must hold
};

// The p2p transport (node/p2p.h). Present (cert set) for raft and tbft networks; a node without
// it runs alone (solo, or a one-validator raft/tbft chain).
struct P2pNodeConfig {
  std::string listen = "127.0.0.1";
  uint16_t port = 7645;
  std::string cert;  // this node's certificate (OU=node, for node_key), PEM; "" = no p2p
  std::vector<PeerConfig> peers;
  size_t max_frame_bytes = 64u << 20;
  uint64_t reconnect_max_ms = 5000;
  unsigned threads = 1;
};

// Consensus timing: node options, not chain rules (nodes may differ a little; safety never
// depends on timing). See consensus::EngineConfig.
struct ConsensusTiming {
  uint64_t raft_heartbeat_ms = 100;
  uint64_t raft_election_timeout_ms = 1000;
  uint64_t tbft_propose_ms = 1000;
  uint64_t tbft_vote_ms = 500;
  uint64_t tbft_delta_ms = 500;
  uint64_t sync_interval_ms = 500;  // how often the node tells its peers its height
};

struct NodeConfig {
  std::string data_dir;         // RocksDB folder (default "data")
  std::string genesis;          // genesis JSON file (required)
  std::string node_key;         // encrypted key file of this node's validator key (required)
  std::string passphrase_file;  // "" = take the passphrase from SILK_NODE_PASSPHRASE
  // The consensus WAL (raft, tbft): the engine's votes and log, fsynced before anything that
  // depends on them leaves the node. Default: "<data_dir>.wal".
  std::string wal_file;
  // Past this size the WAL is compacted to what the engine still needs (docs/storage.md).
  uint64_t wal_compact_bytes = 4u << 20;
  RpcConfig rpc;
  PublicRpcConfig public_rpc;  // "public" in node.json
  MempoolConfig mempool;
  LogConfig log;
  P2pNodeConfig p2p;
  ConsensusTiming consensus;
};

// Parses node.json text. Paths are made absolute against `base_dir`.
// kInvalid naming the key for a parse error, a wrong type, an out-of-range
// value, a missing required key or an unknown key ("unknown key 'rpc.prot'").
core::Result<NodeConfig> parse_config(std::string_view json_text,
                                      const std::filesystem::path& base_dir);

// Reads and parses the file at `path`; relative paths inside it are resolved
// against its folder. kNotFound / kIOError when it cannot be read; errors from
// parse_config are prefixed with "config <path>: ".
core::Result<NodeConfig> load_config(const std::string& path);

// Reads only the `log` section of the config file at `path` (defaults when it has none), with
// the checks and path resolution of load_config: what silkd puts in force on SIGHUP, whatever
// else in the file may have changed. Errors as load_config's.
core::Result<LogConfig> load_log_config(const std::string& path);

// The node key's passphrase: the first line of passphrase_file when set,
// else the environment variable SILK_NODE_PASSPHRASE. kInvalid naming both
// sources when neither gives one.
core::Result<std::string> resolve_passphrase(const NodeConfig& config);

inline constexpr const char* kPassphraseEnv = "SILK_NODE_PASSPHRASE";

}  // namespace silk::node
