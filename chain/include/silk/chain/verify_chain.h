// Re-verifies a whole chain, from genesis to the tip, trusting nothing the
// source says (`silk audit verify-chain`, docs/audit.md).
//
// Per height h, from 0 to the source's tip:
//   - block 0 is core::make_genesis_block(genesis), and the source's genesis
//     JSON hashes to genesis.hash;
//   - every later block reads and decodes, and is valid on the replayed chain
//     as it stands at h-1 with its commit certificate: chain::check_block, the
//     very checks a validator applies before it accepts a block (height and
//     links, certificate, time, validator_set_hash and proposer, the block
//     limits in force, tx signatures, duplicates, tx_root, and re-execution to
//     the header's receipts_root and state_root), with the checker's clock as
//     VerifyChainOptions::now_ms says;
//   - looking the block up by its hash gives height h; each stored receipt
//     equals the re-executed one byte for byte; each tx index entry points to
//     (h, index).
// The replay (ReplayState) is built only from re-executed writes, never from
// the source's state. Then: the source's tip (height, hash, state root, tx
// total) matches; for every key the replay wrote, the source's current value
// equals the replayed one, and its key history equals the replayed history
// (every version: height, tx index, tx id, time, value or deletion).
//
// Parallelism: blocks are read and decoded on worker threads ahead of the
// replay (a bounded window), and their tx ids, tx_root leaves and signatures
// are computed there meanwhile, each signature against the key its sender
// names (the public key itself, or the key of a certificate that hashes to
// the fingerprint); the workers also look the block up by its hash and read
// its stored receipts and tx index entries (all reads stay on the calling
// thread when VerifyChainOptions::concurrent_store_reads is false). Those
// results reach check_block as its fast-path inputs (TxDigests, KnownTxs);
// check_block itself, execution, receipt comparison and the replayed state
// run in chain order on the calling thread. The final comparison of the
// replayed keys with the source runs in key-range chunks on the workers, its
// findings added in key order. The differences reported are the same, in
// the same order, as a serial check gives.
//
// Limits: keys the source holds but the replay never wrote cannot be found
// through a BlockSource (it has no key iteration) and are not checked.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "silk/chain/block_source.h"
#include "silk/core/genesis.h"
#include "silk/core/status.h"
#include "silk/storage/store.h"

namespace silk::chain {

struct VerifyChainOptions {
  // false: stop at the first difference. true: go on and list differences
  // (up to max_differences); a block that cannot be read or decoded still
  // stops the replay, which needs its txs.
  bool keep_going = false;
  size_t max_differences = 1000;
  // false: skip the comparison of the source's current values and key history with the replay
  // (a node's RPC serves no key iteration and only JSON views of values); every block, receipt,
  // certificate and state root is still checked.
  bool check_state = true;
  // Worker threads verifying tx signatures and reading the source ahead of
  // the replay, and comparing the replayed state; 0: one per core
  // (std::thread::hardware_concurrency()).
  unsigned signature_threads = 0;
  // true: `source` may be read from several threads at once (a store's is),
  // so the worker threads read it too. false: only the calling thread reads
  // it (a source that is not thread-safe, e.g. one over a node's RPC).
  bool concurrent_store_reads = true;
  // The checker's clock (Unix ms) for check_block's "not too far ahead" rule;
  // nullopt: the system clock when the verification starts.
  std::optional<uint64_t> now_ms;
};

// One place where the source disagrees with the replay, or a block breaks a
// rule. `message` names it precisely and starts with "height H: " when it
// belongs to a block, e.g. "height 17: state_root in header 3f... != replayed 9a...".
struct ChainDifference {
  std::optional<uint64_t> height;  // nullopt: found after the replay (state, tip)
  std::string message;
};

struct VerifyChainProgress {
  uint64_t height = 0;      // the block just verified
  uint64_t tip_height = 0;  // the source's tip
  uint64_t txs = 0;         // txs verified so far
  double elapsed_ms = 0;
};
// Called after each block. Must not throw.
using VerifyChainProgressFn = std::function<void(const VerifyChainProgress&)>;

struct VerifyChainReport {
  std::string chain_id;
  core::Hash genesis_hash{};
  uint64_t tip_height = 0;      // the source's tip height
  uint64_t blocks_checked = 0;  // blocks whose checks ran (0..tip when complete)
  uint64_t txs_checked = 0;
  uint64_t state_keys_checked = 0;  // replayed keys compared with the source's state
  uint64_t history_versions_checked = 0;
  double duration_ms = 0;
  unsigned signature_threads = 0;  // worker threads that verified tx signatures
  bool complete = false;           // every check ran (false when stopped early)
  bool truncated = false;          // keep_going stopped listing at max_differences
  std::vector<ChainDifference> differences;

  bool ok() const { return complete && differences.empty(); }
};

// Verifies the chain `source` holds against `genesis` (see the top of this
// file). Reads `source` only. A difference is a finding, not an error: it is
// returned in the report. Returns a non-OK Status only when the verification
// itself cannot run: kNotFound for an empty source (no genesis block), the
// source's error when it cannot say what its tip is, or a failure of the
// re-execution machinery (kInternal). Deterministic apart
// from the timings (and now_ms).
core::Result<VerifyChainReport> verify_chain(const BlockSource& source,
                                             const core::Genesis& genesis,
                                             const VerifyChainOptions& options,
                                             const VerifyChainProgressFn& progress = {});

// The same over a store (make_store_source).
core::Result<VerifyChainReport> verify_chain(const storage::Store& store,
                                             const core::Genesis& genesis,
                                             const VerifyChainOptions& options,
                                             const VerifyChainProgressFn& progress = {});

}  // namespace silk::chain
