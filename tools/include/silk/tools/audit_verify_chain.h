// `silk audit verify-chain`: re-verifies a whole chain offline, from genesis
// to the tip, trusting nothing the store says (docs/audit.md).
//
// Per height h, from 0 to the store's tip:
//   - block 0 is core::make_genesis_block(genesis), and the store's genesis
//     JSON hashes to genesis.hash;
//   - the block decodes; header.height == h; header.chain_id is the genesis
//     chain id; prev_hash is block h-1's hash; the block time does not go back;
//     looking the block up by its hash gives height h;
//   - header.tx_count and tx_root match the txs; every tx's signature verifies
//     against its sender (public-key senders; a certificate sender cannot be
//     admitted by this chain and is reported);
//   - the commit certificate verifies against the genesis validators;
//   - the txs are re-executed with contracts::Executor over a replay of the
//     state as of block h-1, built only from re-executed writes (never from
//     the store's state); each stored receipt equals the re-executed one byte
//     for byte; receipts_root and state_root equal the header's; each tx
//     index entry points to (h, index).
// Then: the store's tip (height, hash, state root, tx total) matches; for
// every key the replay wrote, the store's current value equals the replayed
// one, and the store's key history equals the replayed history (every
// version: height, tx index, tx id, time, value or deletion).
//
// Parallelism: blocks are read and decoded on worker threads ahead of the
// replay (a bounded window), and their tx ids, tx_root leaves and signatures
// are computed there meanwhile, each signature against the key expected for
// its sender (its own public key, or the key of the certificate seen for its
// fingerprint); the workers also look the block up by its hash and read its
// stored receipts and tx index entries (all reads stay on the calling thread
// when VerifyChainOptions::concurrent_store_reads is false). The replay resolves every signer in
// chain order and verifies again itself when the key differs; execution, receipt comparison and the
// replayed state run in chain order on the calling thread. The final comparison of the replayed
// keys with the store runs in key-range chunks on the workers, its findings added in key order. The
// differences reported are the same, in the same order, as a serial check gives.
//
// Limits: keys the store holds but the replay never wrote cannot be found
// through storage::Store (it has no key iteration) and are not checked.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "silk/core/genesis.h"
#include "silk/core/status.h"
#include "silk/storage/store.h"
#include "silk/tools/command.h"

namespace silk::tools {

struct VerifyChainOptions {
  // false: stop at the first difference. true: go on and list differences
  // (up to max_differences); a block that cannot be read or decoded still
  // stops the replay, which needs its txs.
  bool keep_going = false;
  size_t max_differences = 1000;
  // false: skip the comparison of the store's current values and key history with the replay
  // (a node's RPC serves no key iteration and only JSON views of values); every block, receipt,
  // certificate and state root is still checked.
  bool check_state = true;
  // Worker threads verifying tx signatures and reading the store ahead of the
  // replay, and comparing the replayed state; 0: one per core
  // (std::thread::hardware_concurrency()).
  unsigned signature_threads = 0;
  // true: `store` may be read from several threads at once (storage::Store's
  // contract), so the worker threads read it too. false: only the calling
  // thread reads it (a store that is not thread-safe, e.g. make_rpc_store's).
  bool concurrent_store_reads = true;
};

// One place where the store disagrees with the replay. `message` names it
// precisely and starts with "height H: " when it belongs to a block, e.g.
// "height 17: state_root in header 3f... != replayed 9a...".
struct ChainDifference {
  std::optional<uint64_t> height;  // nullopt: found after the replay (state, tip)
  std::string message;
};

struct VerifyChainProgress {
  uint64_t height = 0;      // the block just verified
  uint64_t tip_height = 0;  // the store's tip
  uint64_t txs = 0;         // txs verified so far
  double elapsed_ms = 0;
};
// Called after each block. Must not throw.
using VerifyChainProgressFn = std::function<void(const VerifyChainProgress&)>;

struct VerifyChainReport {
  std::string chain_id;
  core::Hash genesis_hash{};
  uint64_t tip_height = 0;      // the store's tip height
  uint64_t blocks_checked = 0;  // blocks whose checks ran (0..tip when complete)
  uint64_t txs_checked = 0;
  uint64_t state_keys_checked = 0;  // replayed keys compared with the store's state
  uint64_t history_versions_checked = 0;
  double duration_ms = 0;
  unsigned signature_threads = 0;  // worker threads that verified tx signatures
  bool complete = false;           // every check ran (false when stopped early)
  bool truncated = false;          // keep_going stopped listing at max_differences
  std::vector<ChainDifference> differences;

  bool ok() const { return complete && differences.empty(); }
};

// Verifies the chain held by `store` against `genesis` (see the top of this
// file). Reads `store` only. A difference is a finding, not an error: it is
// returned in the report. Returns a non-OK Status only when the verification
// itself cannot run: kNotFound for an empty store (no genesis block), or a
// failure of the re-execution machinery (kInternal). Deterministic apart
// from the timings.
core::Result<VerifyChainReport> verify_chain(const storage::Store& store,
                                             const core::Genesis& genesis,
                                             const VerifyChainOptions& options,
                                             const VerifyChainProgressFn& progress = {});

struct AuditVerifyChainOptions {
  std::string data_dir;      // the node's RocksDB folder (silkd's data_dir), or:
  std::string node_url;      // a running node's RPC (--rpc): blocks and receipts over HTTP
  std::string genesis_file;  // genesis.json
  bool keep_going = false;
};

// The command: loads the genesis file, opens the data folder (never creating
// it) and runs verify_chain. Failures: kInvalid/kNotFound for a bad genesis
// file, kNotFound for a missing data folder, kUnavailable "data folder ...
// is locked by a running silkd; ..." when a node holds it, kIOError for other
// open failures. On any difference the output has exit_code 1 and `error`
// holds the first difference.
// Text: a summary (chain, blocks, txs, state keys, duration with blocks/s
// and txs/s, OK or the differences). JSON: {"ok", "complete", "chain_id",
// "genesis_hash", "tip_height", "blocks_checked", "txs_checked",
// "state_keys_checked", "history_versions_checked", "duration_ms",
// "txs_per_s" (txs_checked / duration), "signature_threads", "differences":
// [{"height" (null after the replay), "message"}], "truncated"}.
core::Result<CommandOutput> run_audit_verify_chain(const AuditVerifyChainOptions& options,
                                                   const VerifyChainProgressFn& progress = {});

}  // namespace silk::tools
