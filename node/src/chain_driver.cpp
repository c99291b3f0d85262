#include "silk/node/chain_driver.h"

#include <algorithm>
#include <type_traits>
#include <utility>

#include "silk/core/merkle.h"
#include "silk/node/log.h"

namespace silk::node {

using core::Status;
namespace cs = consensus;

ChainDriver::ChainDriver(const core::Genesis& genesis, const core::PublicKey& self,
                         std::unique_ptr<cs::Engine> engine, const contracts::Executor& executor,
                         storage::Store& store, Mempool& mempool, CommitWaiters& waiters,
                         const core::Clock& clock, FatalHandler on_fatal)
    : genesis_(genesis),
      self_(self),
      validator_set_hash_(core::validator_set_hash(genesis.validators)),
      engine_(std::move(engine)),
      executor_(executor),
      store_(store),
      state_view_(store),
      mempool_(mempool),
      waiters_(waiters),
      clock_(clock),
      on_fatal_(std::move(on_fatal)) {}

ChainDriver::~ChainDriver() { stop(); }

Status ChainDriver::start() {
  std::lock_guard lock(thread_mu_);
  if (thread_.joinable() || stopping_.load())
    return Status::invalid("chain driver already started");
  std::optional<storage::ChainTip> tip = store_.tip();
  if (!tip) return Status::invalid("chain driver: the store holds no chain (no genesis block)");
  tip_ = *tip;
  height_.store(tip_.height);
  thread_ = std::thread([this] { run(); });
  return Status::ok();
}

void ChainDriver::notify_txs_available() {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    wake = !txs_available_;
    txs_available_ = true;
  }
  if (wake) cv_.notify_one();
}

void ChainDriver::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_.store(true);
  }
  cv_.notify_one();
  std::lock_guard lock(thread_mu_);
  if (thread_.joinable()) thread_.join();
}

void ChainDriver::fail(const Status& status) {
  logger("chain")->error("chain driver stopped on an error of ours; stopping the node error=\"{}\"",
                         status.to_string());
  failed_.store(true);
  if (on_fatal_) on_fatal_(status);
}

void ChainDriver::run() {
  std::deque<cs::Event> events;
  events.push_back(cs::Started{tip_.height, tip_.block_hash});
  for (;;) {
    while (!events.empty()) {
      cs::Event event = std::move(events.front());
      events.pop_front();
      for (const cs::Action& action : engine_->step(event)) {
        if (!carry_out(action, events)) return;
      }
    }

    std::unique_lock lock(mu_);
    auto ready = [this] {
      if (stopping_.load() || txs_available_) return true;
      return !timers_.empty() &&
             std::min_element(timers_.begin(), timers_.end(), [](const auto& a, const auto& b) {
               return a.second < b.second;
             })->second <= Clock::now();
    };
    if (timers_.empty()) {
      cv_.wait(lock, ready);
    } else {
      const Clock::time_point next =
          std::min_element(timers_.begin(), timers_.end(), [](const auto& a, const auto& b) {
            return a.second < b.second;
          })->second;
      cv_.wait_until(lock, next, ready);
    }
    if (stopping_.load()) return;
    if (txs_available_) {
      txs_available_ = false;
      events.push_back(cs::TxsAvailable{});
    }
    lock.unlock();
    const Clock::time_point now = Clock::now();
    for (auto it = timers_.begin(); it != timers_.end();) {
      if (it->second <= now) {
        events.push_back(cs::TimerFired{it->first});
        it = timers_.erase(it);
      } else {
        ++it;
      }
    }
  }
}

bool ChainDriver::carry_out(const cs::Action& action, std::deque<cs::Event>& events) {
  return std::visit(
      [&](const auto& a) -> bool {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, cs::SetTimer>) {
          timers_[a.timer_id] = Clock::now() + std::chrono::milliseconds(a.delay_ms);
          return true;
        } else if constexpr (std::is_same_v<T, cs::RequestProposal>) {
          // Stopping: start no new block. A block already proposed is
          // committed by the CommitBlock that follows its ProposalReady.
          if (stopping_.load()) return false;
          return propose(a, events);
        } else if constexpr (std::is_same_v<T, cs::CommitBlock>) {
          return commit(a, events);
        } else {
          // Send, Broadcast, PersistWal: solo has no peers and no WAL. An
          // engine that needs them cannot run on this driver yet.
          fail(Status::internal(
              std::string("consensus engine '") + std::string(engine_->name()) +
              "' asked for networking or a WAL, which this node does not have yet"));
          return false;
        }
      },
      action);
}

bool ChainDriver::propose(const cs::RequestProposal& request, std::deque<cs::Event>& events) {
  const auto started = Clock::now();
  if (request.height != tip_.height + 1) {
    logger("chain")->warn("proposal requested at an unexpected height height={} tip={}",
                          request.height, tip_.height);
    events.push_back(cs::ProposalEmpty{request.height});
    return true;
  }
  // Block limits come from the configuration in force at this height, so a
  // governance change of block parameters takes effect where it says.
  core::Result<std::shared_ptr<const contracts::ChainConfig>> config =
      executor_.config_at(state_view_, request.height);
  if (!config.is_ok()) {
    fail(config.status().with_context("reading the chain config for block " +
                                      std::to_string(request.height)));
    return false;
  }
  const contracts::BlockParams& params = (*config)->block;
  std::vector<std::shared_ptr<const PoolTx>> pooled =
      mempool_.take(params.max_block_txs, params.max_block_bytes);
  if (pooled.empty() && !request.allow_empty) {
    events.push_back(cs::ProposalEmpty{request.height});
    return true;
  }

  Proposal p;
  p.started = started;
  core::Block& block = p.block;
  block.txs.reserve(pooled.size());
  p.tx_ids.reserve(pooled.size());
  std::vector<core::Hash> leaves;
  leaves.reserve(pooled.size());
  for (const auto& entry : pooled) {
    block.txs.push_back(entry->tx);
    p.tx_ids.push_back(entry->tx_id);
    leaves.push_back(entry->leaf_hash);
    p.tx_bytes += entry->encoded_bytes;
  }
  pooled.clear();

  // Block time never goes backwards, whatever the clock does.
  const uint64_t timestamp = std::max(clock_.now_ms(), tip_.timestamp_ms);
  core::Result<contracts::BlockExecution> exec =
      executor_.execute_block(block.txs, request.height, timestamp, tip_.state_root, state_view_);
  if (!exec.is_ok()) {
    fail(exec.status().with_context("executing block " + std::to_string(request.height)));
    return false;
  }

  core::BlockHeader& h = block.header;
  h.chain_id = genesis_.chain_id;
  h.height = request.height;
  h.prev_hash = tip_.block_hash;
  h.timestamp_ms = timestamp;
  h.proposer = self_;
  h.tx_count = static_cast<uint32_t>(block.txs.size());
  // The leaves were hashed at admission: the same as Block::compute_tx_root
  // over these txs, without encoding them again.
  h.tx_root = core::merkle_root(leaves);
  h.receipts_root = exec->receipts_root;
  h.state_root = exec->state_root;
  h.validator_set_hash = validator_set_hash_;
  h.term = 0;
  h.round = request.round;
  p.hash = h.hash();
  p.receipts = std::move(exec->receipts);
  p.writes = std::move(exec->writes);

  p.build_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  events.push_back(cs::ProposalReady{request.height, p.hash, h.tx_count});
  proposal_ = std::move(p);
  return true;
}

bool ChainDriver::commit(const cs::CommitBlock& commit, std::deque<cs::Event>& events) {
  if (!proposal_ || proposal_->hash != commit.block_hash ||
      proposal_->block.header.height != commit.height) {
    fail(Status::internal("consensus asked to commit block " + std::to_string(commit.height) + " " +
                          core::to_hex(commit.block_hash) + ", which this node did not propose"));
    return false;
  }
  Proposal p = std::move(*proposal_);
  proposal_.reset();
  p.block.cert = commit.cert;

  const auto store_start = Clock::now();
  const Status stored = store_.commit_block(p.block, p.receipts, p.writes);
  const double store_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - store_start).count();
  if (!stored.is_ok()) {
    fail(stored.with_context("storing block " + std::to_string(commit.height)));
    return false;
  }
  const core::BlockHeader& h = p.block.header;
  tip_.height = h.height;
  tip_.block_hash = p.hash;
  tip_.state_root = h.state_root;
  tip_.timestamp_ms = h.timestamp_ms;
  tip_.total_txs += h.tx_count;
  height_.store(h.height);

  // Only now, with the block durable, may its txs leave the pool (the
  // duplicate check relies on it) and their waiters hear of it.
  mempool_.remove(p.tx_ids);
  waiters_.notify_committed(h.height, p.tx_ids, p.receipts);

  size_t failed = 0;
  for (const core::Receipt& r : p.receipts) failed += r.ok() ? 0 : 1;
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - p.started).count();
  auto log = logger("chain");
  const auto level = h.tx_count == 0 ? spdlog::level::debug : spdlog::level::info;
  log->log(level,
           "block committed height={} txs={} failed={} bytes={} ms={:.1f} build_ms={:.1f} "
           "store_ms={:.1f} hash={}",
           h.height, h.tx_count, failed, p.tx_bytes, ms, p.build_ms, store_ms,
           core::to_hex(p.hash));

  events.push_back(cs::BlockCommitted{h.height, p.hash});
  return true;
}

}  // namespace silk::node
