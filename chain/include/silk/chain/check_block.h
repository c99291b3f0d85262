// The one rulebook of a valid block (DESIGN.md §1, STYLE.md habit 11): is
// block h, with this commit certificate, valid on the chain as it stands at
// h-1? A validator asks it of every block another node proposes or block
// sync brings (node's ChainDriver), an auditor of every block of a chain it
// replays (chain::verify_chain, `silk audit verify-chain`): both call
// check_block, so an auditor's "OK" means what a validator's acceptance means.
//
// The checks, in order (each problem goes to the caller's ProblemSink, which
// says whether to go on):
//   1. header.height is the tip's height + 1;
//   2. with a certificate: it is the kind the genesis engine makes (solo, raft
//      or tbft) and verifies against the validator set in force at this height
//      (core::verify_commit_cert);
//   3. chain_id is the genesis chain id; prev_hash is the tip's hash; the
//      block time is not before the tip's, nor later than the checker's clock
//      plus the genesis tx window;
//   4. validator_set_hash is the hash of the set in force at this height
//      (governance may change it), and the proposer is in it;
//   5. tx_count is the number of txs, at most the max_block_txs in force;
//   6. every tx's signature verifies against its sender's key, where the
//      sender is authorized (contracts::Executor::authorize; an unauthorized
//      tx fails at execution and changes nothing, and its key may be unknown);
//      no tx appears twice in the block or is on chain already; the txs'
//      encodings sum to at most max_block_bytes; tx_root is their RFC 6962 root;
//   7. the txs execute (contracts::Executor::execute_block, over the view's
//      state) to the header's receipts_root and state_root.
// The messages name the problem without saying where ("state_root in header
// 3f... != replayed 9a..."): each caller prefixes its own ("height 17: ",
// "block 17 <hash>: ").
//
// Fast paths are inputs, never a second copy of a rule: the digests of the
// txs computed elsewhere (TxDigests), signatures known to verify already
// (KnownTxs: the node's pool, the auditor's read-ahead workers), and a
// ParallelFor for the per-tx checks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "silk/chain/chain_view.h"
#include "silk/contracts/executor.h"
#include "silk/core/block.h"
#include "silk/core/status.h"

namespace silk::chain {

// One way a block is invalid.
struct Problem {
  enum class Kind {
    kCertificate,  // the commit certificate does not verify (check 2)
    kBlock,        // any other check
  };
  Kind kind = Kind::kBlock;
  std::string message;
};

// Receives the problems in check order, on the calling thread. Returns true
// to go on checking (an auditor listing every difference), false to stop at
// this one (a validator refusing the block). Must not throw.
using ProblemSink = std::function<bool(const Problem& problem)>;

// Runs fn(i) for every i in [0, n), possibly on several threads at once, and
// returns when all calls have returned.
using ParallelFor = std::function<void(size_t n, const std::function<void(size_t)>& fn)>;

// What hashing a block's txs gives, per tx in block order.
struct TxDigests {
  std::vector<core::Hash> ids;     // Tx::tx_id()
  std::vector<core::Hash> leaves;  // core::merkle_leaf_hash(tx.encode()): the tx_root leaves
  std::vector<uint64_t> sizes;     // tx.encode().size()

  // Sizes the vectors for n txs.
  void resize(size_t n);
  // Fills entries [begin, end) from `txs` (resize first). Distinct ranges may
  // be filled on distinct threads at once.
  void compute(const std::vector<core::Tx>& txs, size_t begin, size_t end);
};

// What the caller already knows of a block's tx signatures. Thread-safe: the
// check may ask from several threads at once.
class KnownTxs {
 public:
  virtual ~KnownTxs() = default;
  // True when tx i of the block (id `tx_id`) is known to carry a valid
  // signature by its sender: exactly these bytes, with this very signature,
  // were verified against the key the sender names (the public key itself,
  // or the key of the certificate with that fingerprint). The check then
  // neither resolves the sender nor verifies the signature again. It may set
  // `*leaf` to the tx's tx_root leaf when it knows it (it is computed
  // otherwise). False: the check verifies the signature itself.
  virtual bool verified(size_t i, const core::Tx& tx, const core::Hash& tx_id,
                        std::optional<core::Hash>* leaf) const = 0;
};

struct CheckOptions {
  // The checker's clock (Unix ms): a block time later than now_ms plus the
  // genesis tx window is refused.
  uint64_t now_ms = 0;
  // The block's tx digests, already computed (nullptr: computed here).
  const TxDigests* digests = nullptr;
  // Signatures already verified (nullptr: none).
  const KnownTxs* known = nullptr;
  // Runs the per-tx checks (digests, sender, signature) in parallel; empty:
  // on the calling thread.
  ParallelFor parallel_for;
};

// What checking a block computed, for the caller to store or replay.
struct CheckedBlock {
  core::Hash hash{};               // header.hash()
  std::vector<core::Hash> tx_ids;  // per tx
  uint64_t tx_bytes = 0;           // the txs' encoded sizes summed
  size_t problems = 0;             // problems reported to the sink
  // The execution of the txs over the view's state (check 7), when the
  // checks got that far: receipts, writes, roots.
  std::optional<contracts::BlockExecution> execution;

  bool valid() const { return problems == 0; }
};

// Checks `block` (its header and txs; block.cert is not read) as the block at
// chain.tip().height + 1, with `cert` as its commit certificate (nullptr: a
// proposal, not certified yet), against the rules of `executor` (its genesis,
// and the configuration in force that governance keeps in state). Every
// problem is passed to `on_problem`; the check stops where it says so.
// A problem is the block's fault (kInvalid territory for the caller), never
// an error: the Result is an error only when the check itself cannot run
// (reading the view's state failed: the view's code, with context).
// Deterministic, apart from now_ms. Reads `chain` and `executor` only.
core::Result<CheckedBlock> check_block(const core::Block& block, const core::CommitCert* cert,
                                       const ChainView& chain, const contracts::Executor& executor,
                                       const CheckOptions& options, const ProblemSink& on_problem);

// Check 2 on its own, for a block already checked without its certificate
// (a validator's held proposal that block sync then brings certified):
// whether the engine genesis names (chain/engine.h) accepts `cert` for `header` under
// `config`, the configuration in force at header.height (EngineKind::verify_commit).
// kInvalid "commit certificate does not verify: <why>" otherwise.
core::Status check_certificate(const core::BlockHeader& header, const core::CommitCert& cert,
                               const contracts::ChainConfig& config, const core::Genesis& genesis);

}  // namespace silk::chain
