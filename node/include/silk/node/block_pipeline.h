// The block pipeline (DESIGN.md §6): everything the chain driver does with blocks, apart from
// consensus. It builds this node's proposals, checks and executes other nodes' blocks, applies
// committed and synced blocks, and stores them.
//
//   propose      -> take txs from the mempool (FIFO, within the config's max_block_txs /
//                   max_block_bytes), execute them over the committed state, build the header;
//                   ProposalReady (or ProposalEmpty when there is nothing and empty blocks are
//                   not allowed).
//   validate     -> chain::check_block, the rulebook the auditor applies too
//                   (chain/include/silk/chain/check_block.h); BlockValidated.
//   commit       -> attach the certificate, BlockCommitted, and store the block:
//                   Store::commit_block (one synced write), then remove its txs from the
//                   mempool, complete commit waiters, call on_committed, log one line. A block
//                   from another node is checked and executed first; a block this node built
//                   or validated is not executed again.
//   apply_synced -> blocks fetched by block sync, each checked with its certificate against
//                   the validator set in force at its height, then as commit.
//
// chain::check_block's fast paths, as this pipeline feeds them: a tx this node's pool admitted
// (the very bytes: the same signature) is not verified again, and its tx_root leaf is the pool's;
// per-tx checks run on the verifier pool; the state and the txs on chain are read through the
// block in flight to the store.
//
// Storing (DESIGN.md §7): threaded, a store thread writes block N while the caller already builds
// or checks block N+1 over N's writes (an overlay of them in front of the store; history reads
// wait for N to be durable). At most one block is in flight: N+1 is handed over only once N is
// durable. Inline (for simulations), a block is stored before commit returns. Clients, the
// mempool and on_committed hear of a block only once it is durable; height() is the durable
// height.
//
// If executing or storing a block fails, that is our fault (disk, bug): the pipeline reports it
// to its FailHandler and the caller must stop.
//
// Every method but height(), stats() and stop() is for one thread (the driver's).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>
#include <vector>

#include "silk/chain/chain_view.h"
#include "silk/chain/check_block.h"
#include "silk/consensus/engine.h"
#include "silk/contracts/executor.h"
#include "silk/core/block.h"
#include "silk/core/clock.h"
#include "silk/core/genesis.h"
#include "silk/node/commit_waiters.h"
#include "silk/node/config_in_force.h"
#include "silk/node/mempool.h"
#include "silk/node/thread_pool.h"
#include "silk/storage/store.h"

namespace silk::node {

// What the pipeline has done. Part of DriverStats.
struct PipelineStats {
  uint64_t blocks_committed = 0;  // by commit
  uint64_t blocks_synced = 0;     // by apply_synced
  uint64_t blocks_validated = 0;  // validate answered valid
  uint64_t blocks_rejected = 0;   // validate answered invalid, or a synced block refused
  std::string last_rejection;     // why the latest block was refused
};

class BlockPipeline {
 public:
  // Called when the pipeline hits an error of ours (on the caller's thread or the store thread).
  using FailHandler = std::function<void(const core::Status&)>;
  using CommittedHook =
      std::function<void(const core::Block& block, const std::vector<core::Receipt>& receipts)>;
  using Events = std::deque<consensus::Event>;

  // Everything is borrowed and must outlive the pipeline. `kind` says what the engine needs
  // (proposal bytes, the next validator set); `config` holds the configuration in force, which
  // the pipeline keeps up to date with what each block it applies changed
  // (contracts::BlockExecution::config_changed); `clock` gives block timestamps and the time
  // txs are checked at.
  BlockPipeline(const core::Genesis& genesis, const core::PublicKey& self,
                const consensus::EngineKind& kind, const contracts::Executor& executor,
                ConfigInForce& config, storage::Store& store, Mempool& mempool,
                CommitWaiters& waiters, const core::Clock& clock, FailHandler on_fail);
  // Lets the block in flight reach the store (see stop()).
  ~BlockPipeline();
  BlockPipeline(const BlockPipeline&) = delete;
  BlockPipeline& operator=(const BlockPipeline&) = delete;

  // Reads the store's tip; with `threaded`, starts the store thread. kInvalid when the store
  // holds no chain (init_genesis first).
  core::Status open(bool threaded);
  // Lets the block in flight reach the store and joins the store thread. Idempotent; any
  // thread but the store thread.
  void stop();

  // Set before open(). Verifies foreign blocks' tx signatures in parallel.
  void set_verifier_pool(ThreadPool* pool) { verifiers_ = pool; }
  // Set before open(). Called after each block is durably stored (and its waiters notified),
  // in height order, on the store thread (threaded) or the caller's. Quick; must not throw.
  void set_on_committed(CommittedHook hook) { on_committed_ = std::move(hook); }
  // Where each stored block's build and store times and its txs by contract are recorded (the
  // node's metrics). Borrowed; set before start.
  void set_metrics(ChainMetrics* metrics) { metrics_ = metrics; }

  // Each carries out one consensus action, pushing the engine's answer to `events`. False when
  // the caller must stop (an error of ours, reported to the FailHandler).
  bool propose(const consensus::RequestProposal& request, Events& events);
  bool validate(const consensus::ValidateBlock& request, Events& events);
  bool commit(const consensus::CommitBlock& commit, Events& events);
  // Applies blocks (Block::encode with their certificates) fetched by block sync, in height
  // order: blocks at or below the tip are skipped; the first that does not verify ends the
  // batch (logged, counted). False when the caller must stop.
  bool apply_synced(const core::PublicKey& from, const std::vector<core::Bytes>& blocks,
                    Events& events);

  // Waits until no block is in flight to the store. False when storing one failed.
  bool wait_stored() const;
  // The tip as the pipeline sees it (the block in flight included).
  const storage::ChainTip& tip() const { return tip_; }
  // The validator set in force at `height` (governance may change it), from the config in force.
  std::vector<core::PublicKey> validators_at(uint64_t height) const;

  // The last durably stored height. Thread-safe.
  uint64_t height() const { return height_.load(); }
  // Thread-safe snapshot.
  PipelineStats stats() const;

 private:
  using Clock = std::chrono::steady_clock;
  // A block checked and executed over the tip, ready to store.
  struct Proposal {
    core::Block block;
    core::Hash hash{};
    std::vector<core::Hash> tx_ids;
    std::vector<core::Receipt> receipts;
    std::vector<core::StateWrite> writes;
    // The configuration schedule after this block, when it changed it.
    std::shared_ptr<const contracts::ConfigSchedule> config_changed;
    uint64_t tx_bytes = 0;
    Clock::time_point started;
    double build_ms = 0;  // take + execute + header
  };

  // The chain for the block at tip+1 (its state, for the contracts too):
  // the block in flight to the store (its writes and txs), then the store.
  class PipelineView final : public chain::ChainView {
   public:
    explicit PipelineView(const BlockPipeline& pipeline) : pipeline_(pipeline) {}
    core::Result<std::optional<std::string>> get(std::string_view key) const override;
    core::Result<std::vector<core::KeyVersion>> history(std::string_view key, uint64_t offset,
                                                        uint32_t limit) const override;
    storage::ChainTip tip() const override { return pipeline_.tip_; }
    // True when the tx is on chain or in the block being stored.
    bool has_tx(const core::Hash& tx_id) const override;

   private:
    const BlockPipeline& pipeline_;
  };
  // A tx this node's pool admitted, with this very signature, was verified.
  class PooledTxs final : public chain::KnownTxs {
   public:
    explicit PooledTxs(const Mempool& mempool) : mempool_(mempool) {}
    bool verified(size_t i, const core::Tx& tx, const core::Hash& tx_id,
                  std::optional<core::Hash>* leaf) const override;

   private:
    const Mempool& mempool_;
  };
  // The block last handed to the store (caller's thread only; read by the verifier pool while
  // check_block runs, never changed meanwhile).
  struct InFlight {
    uint64_t height = 0;  // 0: none yet
    core::Hash hash{};
    std::map<std::string, std::optional<std::string>, std::less<>> writes;  // last write per key
    std::unordered_set<core::Hash, TxIdHash> tx_ids;
  };
  struct StoreJob {
    Proposal p;
    bool synced = false;
  };

  void run_store();
  // Stores a block, then tells the mempool, waiters and hook.
  void store_block(StoreJob job);
  // Stores a checked block with its certificate and tells the engine.
  bool apply(Proposal p, const core::CommitCert& cert, bool synced, Events& events);
  // Decodes and checks a block proposed by another node at tip+1 (see
  // ValidateBlock in engine.h) and executes it. kInvalid naming the problem:
  // the proposer's fault, never ours; other codes: ours (state reads).
  core::Result<Proposal> check_block(core::ByteSpan bytes, const core::Hash* expected_hash,
                                     uint64_t height);
  // The same for a block already decoded, whose header hashes to `hash`,
  // with its commit certificate when block sync brought it (`cert`; then
  // `*cert_refused` says whether the certificate was the problem).
  core::Result<Proposal> check_block(core::Block block, const core::Hash& hash,
                                     const core::Hash* expected_hash, uint64_t height,
                                     const core::CommitCert* cert, Clock::time_point started,
                                     bool* cert_refused = nullptr);
  void reject(const std::string& why);

  const core::Genesis& genesis_;
  const core::PublicKey self_;
  const consensus::EngineKind& kind_;
  const contracts::Executor& executor_;
  ConfigInForce& config_;
  storage::Store& store_;
  const PipelineView state_view_{*this};
  Mempool& mempool_;
  const PooledTxs pooled_{mempool_};
  CommitWaiters& waiters_;
  const core::Clock& clock_;
  const FailHandler on_fail_;
  CommittedHook on_committed_;
  ChainMetrics* metrics_ = nullptr;
  ThreadPool* verifiers_ = nullptr;

  // Caller's thread only.
  storage::ChainTip tip_;
  // Executed blocks at tip+1 by hash: this node's proposals and blocks it
  // validated. Cleared at every commit.
  std::map<core::Hash, Proposal> held_;
  InFlight in_flight_;
  bool threaded_ = false;

  std::atomic<uint64_t> height_{0};
  mutable std::mutex stats_mu_;  // guards stats_
  PipelineStats stats_;

  std::mutex thread_mu_;  // guards store_thread_ (stop from any thread)
  std::thread store_thread_;
  mutable std::mutex store_mu_;  // guards the three below
  mutable std::condition_variable store_cv_;
  std::optional<StoreJob> store_job_;  // set until its block is durable (or failed)
  bool store_stop_ = false;
  bool store_failed_ = false;
};

}  // namespace silk::node
