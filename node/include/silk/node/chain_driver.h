// The chain driver: the consensus loop of a node (DESIGN.md §5, §6). It owns the consensus
// engine, feeds it events and carries out its actions in order; what concerns blocks it hands
// to the BlockPipeline (block_pipeline.h).
//
//   RequestProposal -> BlockPipeline::propose (ProposalReady or ProposalEmpty).
//   ValidateBlock   -> BlockPipeline::validate (BlockValidated).
//   CommitBlock     -> BlockPipeline::commit, after the WAL is synced (BlockCommitted).
//   SetTimer        -> a deadline on the Env's timer clock; TimerFired when due.
//   Send, Broadcast -> the DriverNetwork (p2p), after the WAL is synced.
//   PersistWal      -> the ConsensusWal (fsync batched: once before the next
//                      Send, Broadcast or CommitBlock).
// WAL compaction: after the actions of a step are carried out, when the WAL has grown past
// max(wal_compact_bytes, 2 x its size after the last compaction), the driver waits until every
// block the engine heard committed is durable and replaces the WAL with the engine's
// wal_checkpoint() (ConsensusWal::checkpoint). So the WAL stays under that size plus what one
// step appends (docs/storage.md).
//   ReportEvidence  -> the evidence sink (the node submits an evidence tx).
// The mempool's admissions arrive as TxsAvailable (coalesced); consensus
// messages from peers as MessageReceived (deliver_message); blocks fetched by
// block sync go to BlockPipeline::apply_synced, and the engine hears
// BlockCommitted (deliver_synced_blocks).
//
// Before the driver appends a WAL record or sends a consensus message, every
// block it answered BlockCommitted for is durable, so nothing signed for N+1
// leaves the node, or reaches its WAL, before N is on disk.
//
// Two ways to run it, over the same step: start() runs the loop on a driver
// thread (and the pipeline's store thread), waiting for inputs and timers; the
// node does this. start_stepped() runs no thread: the caller calls step(),
// which does all the work that is ready at the Env's time and stores blocks
// before it returns; a simulation does this, moving the Env's clock itself.
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
#include "silk/node/block_pipeline.h"
#include "silk/node/commit_waiters.h"
#include "silk/node/config_in_force.h"
#include "silk/node/env.h"
#include "silk/node/mempool.h"
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
  uint64_t wal_checkpoints = 0;   // times the WAL was replaced by the engine's checkpoint
  uint64_t wal_bytes = 0;         // the WAL's size now
  uint64_t wal_max_bytes = 0;     // the largest it has been in this run
  uint64_t wal_checkpoint_max_bytes = 0;  // the largest it has been right after a compaction
  std::string last_rejection;             // why the latest block was refused
  consensus::EngineCounters engine;  // as of the driver's latest pass over its events
};

class ChainDriver {
 public:
  // Called once when the driver stops on an error of ours (on the driver or store thread, or
  // inside step()).
  using FatalHandler = std::function<void(const core::Status&)>;

  // Everything but the engine is borrowed and must outlive the driver.
  // `self` is this node's validator public key (the blocks' proposer); `clock`
  // gives block timestamps. `config` holds the configuration in force; the driver keeps it up
  // to date with what each block it applies changed (contracts::BlockExecution::config_changed).
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
  // Instead of start(): reads the store's tip and starts no thread; the first step() feeds the
  // engine Started. Same errors as start().
  core::Status start_stepped();
  // After start_stepped(), on one thread: takes what was delivered, fires the timers due on the
  // Env's timer clock, and carries out everything that follows until the engine is quiet
  // (blocks are stored before it returns). False once the driver has stopped (failed()).
  bool step();
  // The earliest timer deadline on the Env's timer clock; none when no timer is set. For
  // step()'s caller.
  std::optional<uint64_t> next_timer_ms() const;

  // Set before start(). Where timers take their time (default Env::system()); borrowed.
  void set_env(Env& env) { env_ = &env; }
  // Set before start(). The network for Send / Broadcast (engines that send
  // with no network set make the driver stop with an error of ours).
  void set_network(DriverNetwork network) { network_ = std::move(network); }
  // Set before start(). The consensus WAL and the records it held at open.
  void set_wal(std::unique_ptr<ConsensusWal> wal, std::vector<core::Bytes> records) {
    wal_ = std::move(wal);
    wal_records_ = std::move(records);
    wal_bytes_ = wal_max_bytes_ = wal_ ? wal_->size_bytes() : 0;
  }
  // Set before start(). The size past which the WAL is compacted (see above). 0: never.
  void set_wal_compact_bytes(uint64_t bytes) { wal_compact_bytes_ = bytes; }
  static constexpr uint64_t kDefaultWalCompactBytes = 4u << 20;
  // Set before start(). Verifies foreign blocks' tx signatures in parallel.
  void set_verifier_pool(ThreadPool* pool) { pipeline_.set_verifier_pool(pool); }
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

  // Called after each block is durably stored (and its waiters notified), in
  // height order, with the block (certificate attached) and its receipts: on
  // the store thread, or inside step(). It must be quick and must not throw;
  // set it before start().
  using CommittedHook = BlockPipeline::CommittedHook;
  void set_on_committed(CommittedHook hook) { pipeline_.set_on_committed(std::move(hook)); }
  // The node's metrics (BlockPipeline::set_metrics). Before start().
  void set_metrics(ChainMetrics* metrics) { pipeline_.set_metrics(metrics); }

  // The last durably stored height. Thread-safe.
  uint64_t height() const { return pipeline_.height(); }
  // True once the driver stopped on an error of ours.
  bool failed() const { return failed_.load(); }

 private:
  void run();
  // Feeds the engine Started; false when the driver must stop.
  bool start_engine();
  // Moves what was delivered into the queues below (mu_ held).
  void take_inputs();
  // Queues TimerFired for every timer due on the Env's clock.
  void fire_due_timers();
  // Runs queued events and synced blocks until none is left; false when the driver must stop.
  bool drain();
  // Carries out one action; false when the driver must stop.
  bool carry_out(const consensus::Action& action);
  bool sync_wal();
  // Replaces the WAL with the engine's checkpoint when it has grown enough; false when the
  // driver must stop.
  bool maybe_compact_wal();
  void note_wal_size();
  void fail(const core::Status& status);

  std::unique_ptr<consensus::Engine> engine_;  // driver thread only
  const FatalHandler on_fatal_;
  BlockPipeline pipeline_;  // driver thread only, but for height(), stats(), stop()
  Env* env_ = &Env::system();

  DriverNetwork network_;
  std::unique_ptr<ConsensusWal> wal_;
  std::vector<core::Bytes> wal_records_;
  uint64_t wal_compact_bytes_ = kDefaultWalCompactBytes;
  uint64_t wal_base_bytes_ = 0;  // the WAL's size after the last compaction
  std::function<void(core::Bytes)> evidence_sink_;

  // Driver thread only (or step()'s caller).
  std::map<uint64_t, uint64_t> timers_;  // timer_id -> deadline on env_'s timer clock
  std::deque<consensus::Event> events_;
  std::deque<std::pair<core::PublicKey, std::vector<core::Bytes>>> synced_batches_;
  bool engine_started_ = false;

  std::atomic<bool> failed_{false};
  std::atomic<bool> stopping_{false};  // also under mu_ for the wake-up

  // guards the inbound queues, txs_available_, messages_dropped_, the wal_ counters below, the
  // wake-up of cv_
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool txs_available_ = false;
  std::deque<consensus::MessageReceived> inbound_;
  std::deque<std::pair<core::PublicKey, std::vector<core::Bytes>>> synced_;
  uint64_t messages_dropped_ = 0;
  uint64_t wal_syncs_ = 0;
  uint64_t wal_checkpoints_ = 0;
  uint64_t wal_bytes_ = 0;
  uint64_t wal_max_bytes_ = 0;
  uint64_t wal_checkpoint_max_bytes_ = 0;
  consensus::EngineCounters engine_counters_{};  // snapshot for stats(), once per drain()

  std::mutex thread_mu_;  // guards thread_ and started_ (start/stop from any thread)
  std::thread thread_;
  bool started_ = false;
};

}  // namespace silk::node
