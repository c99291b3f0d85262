// The block pipeline: one thread owns the consensus engine and carries out its
// actions in order (DESIGN.md §5, §6).
//
//   RequestProposal -> take txs from the mempool (FIFO, within the genesis
//                      max_block_txs / max_block_bytes), execute them over the
//                      committed state, build the header, answer ProposalReady
//                      (or ProposalEmpty when there is nothing and empty blocks
//                      are not allowed).
//   CommitBlock     -> attach the certificate, Store::commit_block (one synced
//                      write), remove the txs from the mempool, complete commit
//                      waiters, answer BlockCommitted, log one line.
//   SetTimer        -> a deadline kept by the driver; TimerFired when due.
// The mempool's admissions arrive as TxsAvailable (coalesced).
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
#include <vector>

#include "silk/consensus/engine.h"
#include "silk/contracts/executor.h"
#include "silk/core/block.h"
#include "silk/core/clock.h"
#include "silk/core/genesis.h"
#include "silk/node/commit_waiters.h"
#include "silk/node/mempool.h"
#include "silk/node/state_view.h"
#include "silk/storage/store.h"

namespace silk::node {

class ChainDriver {
 public:
  // Called once, on the driver thread, when the driver stops on an error of ours.
  using FatalHandler = std::function<void(const core::Status&)>;

  // Everything but the engine is borrowed and must outlive the driver.
  // `self` is this node's validator public key (the blocks' proposer).
  ChainDriver(const core::Genesis& genesis, const core::PublicKey& self,
              std::unique_ptr<consensus::Engine> engine, const contracts::Executor& executor,
              storage::Store& store, Mempool& mempool, CommitWaiters& waiters,
              const core::Clock& clock, FatalHandler on_fatal);
  // Stops and joins (see stop()).
  ~ChainDriver();
  ChainDriver(const ChainDriver&) = delete;
  ChainDriver& operator=(const ChainDriver&) = delete;

  // Reads the store's tip and starts the driver thread, which feeds the
  // engine Started{tip}. kInvalid when the store holds no chain (init_genesis
  // first); kInvalid when called twice.
  core::Status start();

  // Tells the engine that txs are available. Cheap (a flag and a wake-up);
  // call it from any thread, e.g. the mempool's on_admitted hook.
  void notify_txs_available();

  // Stops starting new blocks, lets the block being committed finish, and
  // joins the thread. Idempotent; thread-safe; must not be called from the
  // driver thread (on_fatal runs there).
  void stop();

  // The last committed height. Thread-safe.
  uint64_t height() const { return height_.load(); }
  // True once the driver stopped on an error of ours.
  bool failed() const { return failed_.load(); }

 private:
  using Clock = std::chrono::steady_clock;
  struct Proposal {
    core::Block block;
    core::Hash hash{};
    std::vector<core::Hash> tx_ids;
    std::vector<core::Receipt> receipts;
    std::vector<core::StateWrite> writes;
    uint64_t tx_bytes = 0;
    Clock::time_point started;
    double build_ms = 0;  // take + execute + header
  };

  void run();
  // Carries out one action; false when the driver must stop.
  bool carry_out(const consensus::Action& action, std::deque<consensus::Event>& events);
  bool propose(const consensus::RequestProposal& request, std::deque<consensus::Event>& events);
  bool commit(const consensus::CommitBlock& commit, std::deque<consensus::Event>& events);
  void fail(const core::Status& status);

  const core::Genesis& genesis_;
  const core::PublicKey self_;
  const core::Hash validator_set_hash_;
  std::unique_ptr<consensus::Engine> engine_;  // driver thread only
  const contracts::Executor& executor_;
  storage::Store& store_;
  const StoreStateView state_view_;
  Mempool& mempool_;
  CommitWaiters& waiters_;
  const core::Clock& clock_;
  const FatalHandler on_fatal_;

  // Driver thread only.
  storage::ChainTip tip_;
  std::optional<Proposal> proposal_;
  std::map<uint64_t, Clock::time_point> timers_;  // timer_id -> deadline

  std::atomic<uint64_t> height_{0};
  std::atomic<bool> failed_{false};
  std::atomic<bool> stopping_{false};  // also under mu_ for the wake-up

  std::mutex mu_;  // guards txs_available_ and the wake-up of cv_
  std::condition_variable cv_;
  bool txs_available_ = false;

  std::mutex thread_mu_;  // guards thread_ (start/stop from any thread)
  std::thread thread_;
};

}  // namespace silk::node
