#include "silk/node/chain_driver.h"

#include <algorithm>
#include <type_traits>
#include <utility>

#include "silk/node/log.h"

namespace silk::node {

using core::Result;
using core::Status;
namespace cs = consensus;

ChainDriver::ChainDriver(const core::Genesis& genesis, const core::PublicKey& self,
                         std::unique_ptr<cs::Engine> engine, const contracts::Executor& executor,
                         ConfigInForce& config, storage::Store& store, Mempool& mempool,
                         CommitWaiters& waiters, const core::Clock& clock, FatalHandler on_fatal)
    : engine_(std::move(engine)),
      on_fatal_(std::move(on_fatal)),
      pipeline_(genesis, self, engine_->kind(), executor, config, store, mempool, waiters, clock,
                [this](const Status& status) { fail(status); }) {}

ChainDriver::~ChainDriver() { stop(); }

Status ChainDriver::start() {
  std::lock_guard lock(thread_mu_);
  if (started_ || stopping_.load()) return Status::invalid("chain driver already started");
  SILK_RETURN_IF_ERROR(pipeline_.open(/*threaded=*/true));
  started_ = true;
  thread_ = std::thread([this] { run(); });
  return Status::ok();
}

Status ChainDriver::start_stepped() {
  std::lock_guard lock(thread_mu_);
  if (started_ || stopping_.load()) return Status::invalid("chain driver already started");
  SILK_RETURN_IF_ERROR(pipeline_.open(/*threaded=*/false));
  started_ = true;
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

void ChainDriver::deliver_message(const core::PublicKey& from, core::Bytes payload) {
  {
    std::lock_guard lock(mu_);
    if (inbound_.size() >= kMaxInboundMessages) {
      ++messages_dropped_;
      return;
    }
    inbound_.push_back(cs::MessageReceived{from, std::move(payload)});
  }
  cv_.notify_one();
}

void ChainDriver::deliver_synced_blocks(const core::PublicKey& from,
                                        std::vector<core::Bytes> blocks) {
  if (blocks.empty()) return;
  {
    std::lock_guard lock(mu_);
    if (synced_.size() >= kMaxInboundBlockBatches) return;  // block sync asks again
    synced_.emplace_back(from, std::move(blocks));
  }
  cv_.notify_one();
}

DriverStats ChainDriver::stats() const {
  const PipelineStats p = pipeline_.stats();
  DriverStats s;
  s.blocks_committed = p.blocks_committed;
  s.blocks_synced = p.blocks_synced;
  s.blocks_validated = p.blocks_validated;
  s.blocks_rejected = p.blocks_rejected;
  s.last_rejection = p.last_rejection;
  std::lock_guard lock(mu_);
  s.messages_dropped = messages_dropped_;
  s.wal_syncs = wal_syncs_;
  s.wal_checkpoints = wal_checkpoints_;
  s.wal_bytes = wal_bytes_;
  s.wal_max_bytes = wal_max_bytes_;
  s.wal_checkpoint_max_bytes = wal_checkpoint_max_bytes_;
  s.engine = engine_counters_;
  return s;
}

void ChainDriver::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_.store(true);
  }
  cv_.notify_one();
  std::lock_guard lock(thread_mu_);
  if (thread_.joinable()) thread_.join();
  // The driver thread is gone: let the block in flight reach the disk.
  pipeline_.stop();
}

void ChainDriver::fail(const Status& status) {
  logger("chain")->error("chain driver stopped on an error of ours; stopping the node error=\"{}\"",
                         status.to_string());
  failed_.store(true);
  if (on_fatal_) on_fatal_(status);
  { std::lock_guard lock(mu_); }  // the driver thread sees failed_ before it waits
  cv_.notify_one();
}

bool ChainDriver::start_engine() {
  engine_started_ = true;
  const storage::ChainTip& tip = pipeline_.tip();
  cs::Started started{tip.height, tip.block_hash, std::move(wal_records_), {}};
  wal_records_.clear();
  started.validators = pipeline_.validators_at(tip.height + 1);
  events_.push_back(std::move(started));
  return true;
}

void ChainDriver::take_inputs() {
  if (txs_available_) {
    txs_available_ = false;
    events_.push_back(cs::TxsAvailable{});
  }
  // Take a bounded slice of messages so timers and commits keep their turn.
  for (size_t n = 0; n < 4096 && !inbound_.empty(); ++n) {
    events_.emplace_back(std::move(inbound_.front()));
    inbound_.pop_front();
  }
  while (!synced_.empty()) {
    synced_batches_.push_back(std::move(synced_.front()));
    synced_.pop_front();
  }
}

void ChainDriver::fire_due_timers() {
  const uint64_t now = env_->timer_clock().now_ms();
  for (auto it = timers_.begin(); it != timers_.end();) {
    if (it->second <= now) {
      events_.push_back(cs::TimerFired{it->first});
      it = timers_.erase(it);
    } else {
      ++it;
    }
  }
}

std::optional<uint64_t> ChainDriver::next_timer_ms() const {
  if (timers_.empty()) return std::nullopt;
  return std::min_element(timers_.begin(), timers_.end(),
                          [](const auto& a, const auto& b) { return a.second < b.second; })
      ->second;
}

bool ChainDriver::drain() {
  for (;;) {
    while (!events_.empty()) {
      cs::Event event = std::move(events_.front());
      events_.pop_front();
      for (const cs::Action& action : engine_->step(event)) {
        if (!carry_out(action)) return false;
      }
      if (!maybe_compact_wal()) return false;
    }
    while (!synced_batches_.empty()) {
      auto [from, blocks] = std::move(synced_batches_.front());
      synced_batches_.pop_front();
      if (!pipeline_.apply_synced(from, blocks, events_)) return false;
      if (!events_.empty()) break;  // let the engine hear of them first
    }
    if (events_.empty()) {
      std::lock_guard lock(mu_);
      engine_counters_ = engine_->counters();
      return true;
    }
  }
}

bool ChainDriver::step() {
  if (failed_.load() || stopping_.load()) return false;
  if (!engine_started_ && !start_engine()) return false;
  {
    std::lock_guard lock(mu_);
    take_inputs();
  }
  fire_due_timers();
  return drain() && !failed_.load();
}

void ChainDriver::run() {
  if (!start_engine()) return;
  for (;;) {
    if (!drain()) return;
    std::unique_lock lock(mu_);
    const core::Clock& clock = env_->timer_clock();
    auto ready = [&] {
      if (stopping_.load() || failed_.load() || txs_available_ || !inbound_.empty() ||
          !synced_.empty())
        return true;
      return !timers_.empty() && *next_timer_ms() <= clock.now_ms();
    };
    if (timers_.empty()) {
      cv_.wait(lock, ready);
    } else {
      const uint64_t deadline = *next_timer_ms();
      const uint64_t now = clock.now_ms();
      cv_.wait_for(lock, std::chrono::milliseconds(deadline > now ? deadline - now : 0), ready);
    }
    if (stopping_.load() || failed_.load()) return;
    take_inputs();
    lock.unlock();
    fire_due_timers();
  }
}

bool ChainDriver::sync_wal() {
  if (!wal_ || !wal_->pending()) return true;
  Status st = wal_->sync();
  if (!st.is_ok()) {
    fail(st);
    return false;
  }
  std::lock_guard lock(mu_);
  ++wal_syncs_;
  return true;
}

void ChainDriver::note_wal_size() {
  std::lock_guard lock(mu_);
  wal_bytes_ = wal_->size_bytes();
  wal_max_bytes_ = std::max(wal_max_bytes_, wal_bytes_);
}

bool ChainDriver::maybe_compact_wal() {
  if (!wal_ || wal_compact_bytes_ == 0 ||
      wal_->size_bytes() <= std::max(wal_compact_bytes_, 2 * wal_base_bytes_)) {
    return true;
  }
  std::optional<std::vector<core::Bytes>> records = engine_->wal_checkpoint();
  if (!records) return true;
  // The checkpoint leaves out what only blocks the engine heard committed make unnecessary:
  // those blocks must be on disk before the records go.
  if (!pipeline_.wait_stored()) return false;
  const uint64_t before = wal_->size_bytes();
  if (Status st = wal_->checkpoint(*records); !st.is_ok()) {
    fail(st);
    return false;
  }
  wal_base_bytes_ = wal_->size_bytes();
  {
    std::lock_guard lock(mu_);
    ++wal_checkpoints_;
    wal_checkpoint_max_bytes_ = std::max(wal_checkpoint_max_bytes_, wal_base_bytes_);
  }
  note_wal_size();
  logger("chain")->info("consensus WAL compacted bytes_before={} bytes_after={} records={}", before,
                        wal_base_bytes_, records->size());
  return true;
}

bool ChainDriver::carry_out(const cs::Action& action) {
  return std::visit(
      [&](const auto& a) -> bool {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, cs::SetTimer>) {
          timers_[a.timer_id] = env_->timer_clock().now_ms() + a.delay_ms;
          return true;
        } else if constexpr (std::is_same_v<T, cs::RequestProposal>) {
          // Stopping: start no new block. A block already proposed is
          // committed by the CommitBlock that follows its ProposalReady.
          if (stopping_.load()) return false;
          return pipeline_.propose(a, events_);
        } else if constexpr (std::is_same_v<T, cs::CommitBlock>) {
          if (!sync_wal()) return false;
          return pipeline_.commit(a, events_);
        } else if constexpr (std::is_same_v<T, cs::ValidateBlock>) {
          return pipeline_.validate(a, events_);
        } else if constexpr (std::is_same_v<T, cs::PersistWal>) {
          // Nothing for the next height reaches the WAL before the block
          // under it is durable (see the header).
          if (!pipeline_.wait_stored()) return false;
          if (!wal_) {
            fail(Status::internal(std::string("consensus engine '") + std::string(engine_->name()) +
                                  "' asked for a WAL, which this node was not given"));
            return false;
          }
          Status st = wal_->append(core::ByteSpan(a.record.data(), a.record.size()));
          if (!st.is_ok()) {
            fail(st);
            return false;
          }
          note_wal_size();
          return true;
        } else if constexpr (std::is_same_v<T, cs::Send> || std::is_same_v<T, cs::Broadcast>) {
          if (!pipeline_.wait_stored() || !sync_wal()) return false;
          if constexpr (std::is_same_v<T, cs::Send>) {
            if (network_.send) network_.send(a.to, a.payload);
          } else {
            if (network_.broadcast) network_.broadcast(a.payload);
          }
          // No network: a validator set of one; nothing to send to.
          return true;
        } else if constexpr (std::is_same_v<T, cs::ReportEvidence>) {
          logger("chain")->warn("double signing detected; reporting the evidence bytes={}",
                                a.evidence.size());
          if (evidence_sink_) evidence_sink_(a.evidence);
          return true;
        } else {
          static_assert(std::is_same_v<T, void>, "unhandled consensus action");
          return false;
        }
      },
      action);
}

}  // namespace silk::node
