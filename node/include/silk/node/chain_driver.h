// The block pipeline: one thread owns the consensus engine and carries out its
// actions in order (DESIGN.md §5, §6).
//
//   RequestProposal -> take txs from the mempool (FIFO, within the genesis
//                      max_block_txs / max_block_bytes), execute them over the
//                      committed state, build the header, answer ProposalReady
//                      (or ProposalEmpty when there is nothing and empty blocks
//                      are not allowed).
//   CommitBlock     -> attach the certificate, answer BlockCommitted, and hand
//                      the block to the store thread: Store::commit_block (one
//                      synced write), then remove the txs from the mempool,
//                      complete commit waiters, log one line.
//   SetTimer        -> a deadline kept by the driver; TimerFired when due.
//   CommitBlock     -> for a block another node proposed (raft, tbft): decode,
//                      check and execute it (ValidateBlock's checks), then as
//                      above. A block this node built or validated is not
//                      executed again.
//   ValidateBlock   -> chain::check_block, the rulebook the auditor applies
//                      too (chain/include/silk/chain/check_block.h: header,
//                      validator set, limits, tx signatures and authorization,
//                      execution to the header's roots); answer BlockValidated.
//   Send, Broadcast -> the DriverNetwork (p2p), after the WAL is synced.
//   PersistWal      -> the ConsensusWal (fsync batched: once before the next
//                      Send, Broadcast or CommitBlock).
//   ReportEvidence  -> the evidence sink (the node submits an evidence tx).
// The mempool's admissions arrive as TxsAvailable (coalesced); consensus
// messages from peers as MessageReceived (deliver_message); blocks fetched by
// block sync are checked with their certificates (chain::check_block: the
// certificate against the validator set in force at their height, then the
// rest) and committed by the driver itself, and the engine hears
// BlockCommitted (deliver_synced_blocks).
//
// chain::check_block's fast paths, as this driver feeds them: a tx this
// node's pool admitted (the very bytes: the same signature) is not verified
// again, and its tx_root leaf is the pool's; per-tx checks run on the
// verifier pool; the state and the txs on chain are read through the block
// in flight to the store (see Pipelining).
//
// Pipelining (DESIGN.md §7): the store thread writes block N while the driver
// thread already builds or checks block N+1 over N's writes (an overlay of
// them in front of the store; history reads wait for N to be durable). At most
// one block is in flight: block N+1 is handed over only once N is durable. And
// before the driver appends a WAL record or sends a consensus message, every
// block it answered BlockCommitted for is durable, so nothing signed for N+1
// leaves the node, or reaches its WAL, before N is on disk. Clients, the
// mempool and the on_committed hook hear of a block only once it is durable;
// height() is the durable height.
//
// If executing or storing a block fails, that is our fault (disk, bug): the
// driver logs it, stops, and reports it through on_fatal; it never goes on
// with a state that may diverge from what is stored.
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
#include "silk/node/state_view.h"
#include "silk/node/thread_pool.h"
#include "silk/node/wal.h"
#include "silk/storage/store.h"

namespace silk::node {

// Where the driver sends consensus messages (the node's p2p network).
struct DriverNetwork {
  std::function<void(const core::PublicKey& to, core::Bytes payload)> send;
  std::function<void(core::Bytes payload)> broadcast;
};

// What the driver has done, for /v1/status and tests. Thread-safe snapshot.
struct DriverStats {
  uint64_t blocks_committed = 0;  // by CommitBlock
  uint64_t blocks_synced = 0;     // by block sync
  uint64_t blocks_validated = 0;  // ValidateBlock answered valid
  uint64_t blocks_rejected = 0;   // ValidateBlock answered invalid, or a synced block refused
  uint64_t messages_dropped = 0;  // inbound consensus messages dropped (queue full)
  uint64_t wal_syncs = 0;         // fsyncs of the consensus WAL
  std::string last_rejection;     // why the latest block was refused
};

class ChainDriver {
 public:
  // Called once, on the driver thread, when the driver stops on an error of ours.
  using FatalHandler = std::function<void(const core::Status&)>;

  // Everything but the engine is borrowed and must outlive the driver.
  // `self` is this node's validator public key (the blocks' proposer). `config` holds the
  // configuration in force; the driver keeps it up to date with what each block it applies
  // changed (contracts::BlockExecution::config_changed).
  ChainDriver(const core::Genesis& genesis, const core::PublicKey& self,
              std::unique_ptr<consensus::Engine> engine, const contracts::Executor& executor,
              ConfigInForce& config, storage::Store& store, Mempool& mempool,
              CommitWaiters& waiters, const core::Clock& clock, FatalHandler on_fatal);
  // Stops and joins (see stop()).
  ~ChainDriver();
  ChainDriver(const ChainDriver&) = delete;
  ChainDriver& operator=(const ChainDriver&) = delete;

  // Reads the store's tip and starts the driver thread, which feeds the
  // engine Started{tip, wal records, validators}. kInvalid when the store
  // holds no chain (init_genesis first); kInvalid when called twice.
  core::Status start();

  // Set before start(). The network for Send / Broadcast (engines that send
  // with no network set make the driver stop with an error of ours).
  void set_network(DriverNetwork network) { network_ = std::move(network); }
  // Set before start(). The consensus WAL and the records it held at open.
  void set_wal(std::unique_ptr<ConsensusWal> wal, std::vector<core::Bytes> records) {
    wal_ = std::move(wal);
    wal_records_ = std::move(records);
  }
  // Set before start(). Verifies foreign blocks' tx signatures in parallel.
  void set_verifier_pool(ThreadPool* pool) { verifiers_ = pool; }
  // Set before start(). Receives ReportEvidence's bytes, on the driver thread.
  void set_evidence_sink(std::function<void(core::Bytes evidence)> sink) {
    evidence_sink_ = std::move(sink);
  }

  // A consensus message from a peer (authenticated by the transport). Any
  // thread; queued (at most kMaxInboundMessages, newer ones are dropped and
  // counted: consensus retransmits).
  void deliver_message(const core::PublicKey& from, core::Bytes payload);
  // Blocks (Block::encode with their certificates) a peer sent for block
  // sync, in height order. Any thread. Blocks at or below the tip are
  // skipped; the first one that does not verify ends the batch (logged).
  void deliver_synced_blocks(const core::PublicKey& from, std::vector<core::Bytes> blocks);
  static constexpr size_t kMaxInboundMessages = 100000;
  static constexpr size_t kMaxInboundBlockBatches = 64;

  DriverStats stats() const;

  // Tells the engine that txs are available. Cheap (a flag and a wake-up);
  // call it from any thread, e.g. the mempool's on_admitted hook.
  void notify_txs_available();

  // Stops starting new blocks, lets the block being committed finish, and
  // joins the thread. Idempotent; thread-safe; must not be called from the
  // driver thread (on_fatal runs there).
  void stop();

  // Called on the driver's store thread after each block is durably stored
  // (and its waiters notified), in height order, with the block (certificate
  // attached) and its receipts. It must be quick and must not throw; set it
  // before start().
  using CommittedHook =
      std::function<void(const core::Block& block, const std::vector<core::Receipt>& receipts)>;
  void set_on_committed(CommittedHook hook) { on_committed_ = std::move(hook); }

  // The last durably stored height. Thread-safe.
  uint64_t height() const { return height_.load(); }
  // True once the driver stopped on an error of ours.
  bool failed() const { return failed_.load(); }

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
  // tip() is the driver's tip (driver thread only).
  class PipelineView final : public chain::ChainView {
   public:
    explicit PipelineView(const ChainDriver& driver) : driver_(driver) {}
    core::Result<std::optional<std::string>> get(std::string_view key) const override;
    core::Result<std::vector<core::KeyVersion>> history(std::string_view key, uint64_t offset,
                                                        uint32_t limit) const override;
    storage::ChainTip tip() const override { return driver_.tip_; }
    // True when the tx is on chain or in the block being stored.
    bool has_tx(const core::Hash& tx_id) const override;

   private:
    const ChainDriver& driver_;
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
  // The block last handed to the store thread (driver thread only; read by
  // the verifier pool while check_block runs, never changed meanwhile).
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

  void run();
  void run_store();
  // Waits until no block is in flight to the store. False when storing one
  // failed (the driver must stop). Any thread but the store thread.
  bool wait_stored() const;
  // Stores a block, then tells the mempool, waiters and hook (store thread).
  void store_block(StoreJob job);
  // Carries out one action; false when the driver must stop.
  bool carry_out(const consensus::Action& action, std::deque<consensus::Event>& events);
  bool propose(const consensus::RequestProposal& request, std::deque<consensus::Event>& events);
  bool commit(const consensus::CommitBlock& commit, std::deque<consensus::Event>& events);
  bool validate(const consensus::ValidateBlock& request, std::deque<consensus::Event>& events);
  // Stores a checked block with its certificate and tells the engine.
  bool apply(Proposal p, const core::CommitCert& cert, bool synced,
             std::deque<consensus::Event>& events);
  // Applies blocks fetched by block sync; false when the driver must stop.
  bool apply_synced(const core::PublicKey& from, const std::vector<core::Bytes>& blocks,
                    std::deque<consensus::Event>& events);
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
  bool sync_wal();
  // The validator set in force at `height` (governance may change it), from config_.
  std::vector<core::PublicKey> validators_at(uint64_t height) const;
  void reject(const std::string& why);
  void fail(const core::Status& status);

  const core::Genesis& genesis_;
  const core::PublicKey self_;
  std::unique_ptr<consensus::Engine> engine_;  // driver thread only
  const contracts::Executor& executor_;
  ConfigInForce& config_;
  storage::Store& store_;
  const PipelineView state_view_{*this};
  Mempool& mempool_;
  const PooledTxs pooled_{mempool_};
  CommitWaiters& waiters_;
  const core::Clock& clock_;
  const FatalHandler on_fatal_;
  CommittedHook on_committed_;

  DriverNetwork network_;
  std::unique_ptr<ConsensusWal> wal_;
  std::vector<core::Bytes> wal_records_;
  ThreadPool* verifiers_ = nullptr;
  std::function<void(core::Bytes)> evidence_sink_;

  // Driver thread only.
  storage::ChainTip tip_;
  // Executed blocks at tip+1 by hash: this node's proposals and blocks it
  // validated. Cleared at every commit.
  std::map<core::Hash, Proposal> held_;
  InFlight in_flight_;
  std::map<uint64_t, Clock::time_point> timers_;  // timer_id -> deadline

  std::atomic<uint64_t> height_{0};
  std::atomic<bool> failed_{false};
  std::atomic<bool> stopping_{false};  // also under mu_ for the wake-up

  mutable std::mutex mu_;  // guards the inbound queues, txs_available_, stats_, the wake-up of cv_
  std::condition_variable cv_;
  bool txs_available_ = false;
  std::deque<consensus::MessageReceived> inbound_;
  std::deque<std::pair<core::PublicKey, std::vector<core::Bytes>>> synced_;
  DriverStats stats_;

  std::mutex thread_mu_;  // guards thread_ and store_thread_ (start/stop from any thread)
  std::thread thread_;
  std::thread store_thread_;
  mutable std::mutex store_mu_;  // guards the three below
  mutable std::condition_variable store_cv_;
  std::optional<StoreJob> store_job_;  // set until its block is durable (or failed)
  bool store_stop_ = false;
  bool store_failed_ = false;
};

}  // namespace silk::node
