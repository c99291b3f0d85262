// `silk bench verify | load | etcd`: the verify-bound ceiling, a load
// generator, and the same generator pointed at etcd for comparison (DESIGN.md §7). Benchmarks are
// tools: the pure pieces here (percentiles, open-loop schedule, tx generation) are unit-tested,
// speeds never are.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "silk/core/crypto.h"
#include "silk/core/status.h"
#include "silk/tools/command.h"
#include "silk/tools/signer.h"

namespace silk::tools {

// ---- pure helpers ----

// The nearest-rank percentile (p in [0, 100]) of values sorted ascending:
// the smallest value with at least p % of the values at or below it. p = 0
// gives the minimum, p = 100 the maximum; 0 for no values.
double percentile(const std::vector<double>& sorted, double p);

struct LatencySummary {
  double p50 = 0;
  double p90 = 0;
  double p99 = 0;
  double max = 0;
};
// Sorts `values` and summarises them (all 0 when empty).
LatencySummary summarize_latencies(std::vector<double> values);

// Open loop: when the batch whose first tx is the `txs_before`-th (0-based)
// is due, as an offset from the start, at `rate` txs per second (> 0).
// Batch k of size B is due at k * B / rate seconds.
std::chrono::nanoseconds scheduled_offset(uint64_t txs_before, double rate);

// `count` signed notary anchor txs from `key` (random digests, random
// nonces, all stamped `timestamp_ms`), as hex of Tx::encode(), signed on
// `threads` threads (0: one per hardware thread). kInternal when a thread
// cannot start.
core::Result<std::vector<std::string>> generate_anchor_txs(const core::SecretKey& key,
                                                           const std::string& chain_id,
                                                           size_t count, uint64_t timestamp_ms,
                                                           unsigned threads = 0);
// The same, signed by `signer` (a certificate sender when it has a certificate).
core::Result<std::vector<std::string>> generate_anchor_txs(const Signer& signer,
                                                           const std::string& chain_id,
                                                           size_t count, uint64_t timestamp_ms,
                                                           unsigned threads = 0);

// verify_bound = cores x per-core verifies/s / nodes (DESIGN.md §7).
double verify_bound(unsigned cores, double per_core_rate, unsigned nodes);

// Standard base64 (RFC 4648 §4, with '=' padding), as etcd's JSON gateway
// expects for keys and values.
std::string base64_encode(std::string_view bytes);

// The body of etcd's `POST /v3/kv/put` for one key and value:
// {"key":"<base64>","value":"<base64>"}.
std::string etcd_put_body(std::string_view key, std::string_view value);

// The body of etcd's `POST /v3/kv/txn` that puts every key in `keys` with
// `value`, unconditionally, in one raft entry:
// {"success":[{"requestPut":{"key":..,"value":..}},...]}.
std::string etcd_txn_put_body(const std::vector<std::string>& keys, std::string_view value);

// Why an etcd gateway answer is not a successful write, or "" when it is:
// HTTP 200 with a JSON object holding a "header" (and no "error"). Else
// "HTTP <status>: <message>" / "etcd: <error>" / "not a JSON object".
// A failure's cause as bench load counts it: the text before the tx ids and heights that make
// equal causes differ, whole words only ("... got a public key", never "got a pu"), with " ..."
// when longer than 160 characters.
std::string bench_error_kind(const std::string& text);
std::string etcd_answer_error(int http_status, std::string_view body);

// The GET targets `silk bench history` times: `reads` pages of `page`
// versions of `key` (url-encoded), cycling through the pages of a history
// of `versions` versions in order (offset 0, page, 2 page, ... then 0
// again). Empty when any argument is 0.
std::vector<std::string> history_page_targets(const std::string& key, uint64_t versions,
                                              uint64_t page, size_t reads);

// ---- commands ----

struct BenchVerifyOptions {
  double seconds = 3;             // per phase (one core, then all cores)
  unsigned nodes = 1;             // nodes sharing this machine's cores
  unsigned cores = 0;             // 0: std::thread::hardware_concurrency()
  std::string suite = "ed25519";  // a signature suite (core/signature_suite.h); RSA: 2048 bits
};
// Offline. Verifies/s of 32-byte messages (a tx_id) in one suite, on one thread
// and on one thread per core. JSON: {"seconds", "suite", "cores", "nodes",
// "per_core_verifies_per_s", "all_cores_verifies_per_s", "verify_bound"}.
// kInvalid for an unknown suite.
core::Result<CommandOutput> run_bench_verify(CommandContext& ctx,
                                             const BenchVerifyOptions& options);

struct BenchLoadOptions {
  std::string key_file;
  std::string cert_file;  // --cert; else the key's .pem sibling when it exists (signer.h)
  size_t txs = 20000;
  size_t concurrency = 8;            // client connections, one thread each
  size_t batch = 200;                // txs per POST /v1/txs (1..10000)
  std::optional<double> rate;        // open loop at this many txs/s; else closed loop
  uint64_t timeout_ms = 60000;       // the node's wait timeout per batch (1..60000)
  std::ostream* progress = nullptr;  // a live progress line goes here when set (a TTY)
};
// Signs `txs` anchors before the clock starts, then submits them in batches
// with wait=true over `concurrency` connections and measures committed txs
// per second (first send to last commit) and per-tx submit-to-commit latency
// (open loop: from the scheduled send time). JSON: {"txs", "committed",
// "failed", "seconds", "tps", "latency_ms": {"p50", "p90", "p99", "max"},
// "concurrency", "batch", "mode", "rate"?, "sign_seconds", "errors"}.
// "tx_bytes" in the JSON is the encoded size of the first tx (what a node
// stores and gossips per tx; `bench etcd --value-bytes` takes it).
// exit_code 1 when a tx did not commit.
core::Result<CommandOutput> run_bench_load(CommandContext& ctx, const BenchLoadOptions& options);

struct BenchEtcdOptions {
  std::string endpoint = "http://127.0.0.1:2379";  // an etcd member's client URL (plain http)
  size_t puts = 20000;
  size_t concurrency = 8;       // client connections, one thread each
  size_t batch = 1;             // 1: one POST /v3/kv/put per key; else puts per POST /v3/kv/txn
  size_t value_bytes = 0;       // 0: the size of a notary anchor tx signed by a plain key
  std::optional<double> rate;   // open loop at this many puts/s; else closed loop
  uint64_t timeout_ms = 60000;  // per request (1..60000)
  std::ostream* progress = nullptr;
};
// The same closed (or open) loop as bench load, against etcd's JSON gateway:
// `puts` distinct keys "silk-bench/<run>/<i>" with random values of
// `value_bytes`, built before the clock. A put counts when its request
// answers 200 (etcd answers after the raft entry is committed and applied,
// fsynced by a quorum). JSON: the fields of bench load with "puts" for "txs",
// plus "target": "etcd", "endpoint", "value_bytes", "api" ("kv/put" or
// "kv/txn"). exit_code 1 when a put failed.
core::Result<CommandOutput> run_bench_etcd(CommandContext& ctx, const BenchEtcdOptions& options);

struct BenchHistoryOptions {
  std::string key_file;  // an admin of the chain (documents.register_type is admin-only)
  std::string cert_file;
  size_t versions = 1000;  // versions to write (register_type txs)
  size_t batch = 100;      // txs per POST /v1/txs (wait=true)
  size_t page = 100;       // versions per GET /v1/history (its limit, 1..1000)
  size_t reads = 500;      // timed GETs
};
// Makes one key with `versions` versions, then times reading its history.
// Each documents.register_type tx (codes "h<run tag>_<i>") rewrites the
// key "documents/type_index" (the sorted list of registered codes), so the
// key gains one version per tx; its value grows to about 10 bytes per code.
// Then pages through the whole history once (untimed: it checks the count)
// and times `reads` GET /v1/history pages over one connection, one at a
// time. JSON: {"key", "versions_written", "versions", "page", "reads",
// "write_seconds", "mean_value_bytes", "max_value_bytes" (of the values as
// served), "latency_ms": {p50, p90, p99, max}}.
// exit_code 1 when a write failed or fewer versions are found than written.
core::Result<CommandOutput> run_bench_history(CommandContext& ctx,
                                              const BenchHistoryOptions& options);

}  // namespace silk::tools
