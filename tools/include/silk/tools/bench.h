// `silk bench verify | load`: the verify-bound ceiling and a load generator
// (DESIGN.md §7). Benchmarks are tools: the pure pieces here (percentiles,
// open-loop schedule, tx generation) are unit-tested, speeds never are.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
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

// ---- commands ----

struct BenchVerifyOptions {
  double seconds = 3;  // per phase (one core, then all cores)
  unsigned nodes = 1;  // nodes sharing this machine's cores
  unsigned cores = 0;  // 0: std::thread::hardware_concurrency()
};
// Offline. Ed25519 verifies/s of 32-byte messages (a tx_id) on one thread
// and on one thread per core. JSON: {"seconds", "cores", "nodes",
// "per_core_verifies_per_s", "all_cores_verifies_per_s", "verify_bound"}.
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
// exit_code 1 when a tx did not commit.
core::Result<CommandOutput> run_bench_load(CommandContext& ctx, const BenchLoadOptions& options);

}  // namespace silk::tools
