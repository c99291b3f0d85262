// The mempool: admitted, signature-verified txs waiting for a block (DESIGN.md §6).
//
// Admission checks, in order, each with a message that names the failure:
//   1. size       encoded size <= core::Tx::kMaxEncodedBytes and <= the max_block_bytes of the
//                 configuration in force for the next block     kInvalid "tx is N bytes; limit is
//                 M"
//   2. decode     strict, canonical                            kInvalid with the decoder's reason;
//                 args nested deeper than kMaxJsonDepth        kInvalid "tx args are nested deeper
//                 than 64 levels"
//   3. chain id                                                kInvalid "wrong chain id 'x': this
//   node serves 'y'"
//   4. time       |timestamp_ms - clock| <= genesis.tx_window_ms
//                 kInvalid "tx timestamp T is N ms ahead of|behind node time; window is ±W ms"
//   5. duplicate  kConflict "tx <id> already in the pool" / "tx <id> already committed at height H"
//   6. sender     Executor::authorize against the configuration of the next block
//                 at the node's time: with-key a genesis member; with-cert a
//                 certificate (carried or registered) chained to a consortium CA,
//                 valid, not revoked, not frozen; then the method's policy.
//                 kUnauthorized naming the reason (or kInvalid for a sender kind the
//                 identity mode does not take)
//   7. signature  against the sender's public key (of its certificate in with-cert mode):
//                 kInvalid "signature does not match sender <hex>"
//   8. capacity   kExhausted "pool full: N of N txs"
// Steps 1-4 and 6-7 run in parallel on the thread pool for a batch. The pool
// holds verified txs only, and blocks are built from the pool, so a tx's
// signature is checked once: the pool is the verification cache.
//
// Duplicates are race-free: a tx stays in the pool until after its block is
// durably stored (the driver calls remove() after Store::commit_block), and
// the final duplicate check looks at the pool and then the store while no
// remove() can run in between (see add_batch in mempool.cpp).
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "silk/contracts/executor.h"
#include "silk/core/bytes.h"
#include "silk/core/clock.h"
#include "silk/core/genesis.h"
#include "silk/core/status.h"
#include "silk/core/tx.h"
#include "silk/node/config_in_force.h"
#include "silk/node/metrics.h"
#include "silk/node/state_view.h"
#include "silk/node/thread_pool.h"
#include "silk/storage/store.h"

namespace silk::node {

// An admitted tx with what admission computed, so nobody computes it again.
struct PoolTx {
  core::Tx tx;
  core::Hash tx_id{};
  core::Hash leaf_hash{};  // core::merkle_leaf_hash(tx.encode()): its tx_root leaf
  size_t encoded_bytes = 0;
  std::chrono::steady_clock::time_point admitted_at{};  // for the commit latency metric
};

// Hashes a tx_id (already uniformly distributed) for unordered containers.
struct TxIdHash {
  size_t operator()(const core::Hash& h) const noexcept {
    size_t v;
    static_assert(sizeof(v) <= sizeof(core::Hash));
    __builtin_memcpy(&v, h.data(), sizeof(v));
    return v;
  }
};

// Where a submission came from: a client (over RPC; gossiped on to the peers) or a peer (not
// passed on again).
enum class TxOrigin { kClient, kPeer };

class Mempool {
 public:
  // The pool reads `genesis` (chain id, window), the configuration in force from `config`
  // (block limits; the policies and CAs authorization uses), asks `executor` who may send,
  // looks for committed duplicates in `store`, reads time from `clock` and
  // verifies on `verifiers`; all must outlive the pool. `capacity` >= 1.
  Mempool(const core::Genesis& genesis, const ConfigInForce& config,
          const contracts::Executor& executor, const storage::Store& store,
          const core::Clock& clock, ThreadPool& verifiers, size_t capacity);
  Mempool(const Mempool&) = delete;
  Mempool& operator=(const Mempool&) = delete;

  // Admits one encoded tx; its tx_id, or the failed check's Status.
  core::Result<core::Hash> add(core::ByteSpan encoded);

  // Admits a batch: one result per input, in order. One bad tx does not
  // affect the others; a tx_id repeated within the batch is admitted once
  // and the repeats get "already in the pool". Signatures are verified in
  // parallel. The spans must stay valid during the call.
  std::vector<core::Result<core::Hash>> add_batch(const std::vector<core::ByteSpan>& encoded,
                                                  TxOrigin origin = TxOrigin::kClient);

  // Up to max_txs txs whose encoded sizes sum to at most max_bytes, oldest
  // first, for a block proposal. They stay in the pool until remove(). The
  // shared pointers stay valid after the txs are removed. Txs whose ids are
  // in `skip` are passed over: those of a block still being stored.
  // A tx larger than max_bytes on its own could never be proposed (governance
  // lowered the limit after it was admitted): it is dropped from the pool,
  // logged, and does not hold up the txs behind it.
  std::vector<std::shared_ptr<const PoolTx>> take(
      size_t max_txs, uint64_t max_bytes,
      const std::unordered_set<core::Hash, TxIdHash>* skip = nullptr);

  // Removes these txs (ids not in the pool are skipped). Call only after the
  // block holding them is durably stored.
  void remove(const std::vector<core::Hash>& tx_ids);

  // The pooled tx, or nullptr.
  std::shared_ptr<const PoolTx> get(const core::Hash& tx_id) const;
  bool contains(const core::Hash& tx_id) const;
  size_t size() const;
  size_t capacity() const { return capacity_; }

  // Submissions refused since start, by the refusal's status code (core::Status::Code as index).
  static constexpr size_t kCodes = 10;
  std::array<uint64_t, kCodes> refused_by_code() const;
  // Where remove() records each removed tx's time from admission (the node's metrics); set
  // before the pool is shared. Borrowed.
  void set_metrics(ChainMetrics* metrics) { metrics_ = metrics; }

  // Called (on the admitting thread, outside the pool's lock) after a call to
  // add or add_batch admitted at least one tx. Set it before the pool is
  // shared between threads; it must be cheap and must not call back into the pool.
  void set_on_admitted(std::function<void()> on_admitted) { on_admitted_ = std::move(on_admitted); }
  // Called (on the admitting thread, outside the lock, after on_admitted) with the encoded bytes
  // of the txs a client batch admitted, for tx gossip. Same rules as set_on_admitted.
  void set_on_client_txs(std::function<void(const std::vector<core::ByteSpan>&)> hook) {
    on_client_txs_ = std::move(hook);
  }

 private:
  // What the checks before the duplicate check made of one input.
  struct Candidate;
  void precheck(core::ByteSpan encoded, uint64_t max_bytes, Candidate& c) const;
  void check_committed(Candidate& c) const;
  void verify(Candidate& c, const contracts::ChainConfig& config) const;

  const core::Genesis& genesis_;
  const ConfigInForce& config_;
  const contracts::Executor& executor_;
  const storage::Store& store_;
  const core::Clock& clock_;
  ThreadPool& verifiers_;
  const size_t capacity_;
  const StoreStateView state_view_;
  std::function<void()> on_admitted_;
  ChainMetrics* metrics_ = nullptr;
  std::array<std::atomic<uint64_t>, kCodes> refused_{};
  std::function<void(const std::vector<core::ByteSpan>&)> on_client_txs_;

  mutable std::mutex mu_;  // guards the four fields below
  uint64_t next_seq_ = 0;
  // Bumped by every remove(): admission re-checks the store when it changed.
  uint64_t removals_ = 0;
  std::map<uint64_t, std::shared_ptr<const PoolTx>> by_seq_;      // FIFO order
  std::unordered_map<core::Hash, uint64_t, TxIdHash> seq_by_id_;  // tx_id -> key in by_seq_
};

}  // namespace silk::node
