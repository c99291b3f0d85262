#include "silk/node/block_pipeline.h"

#include <algorithm>
#include <utility>

#include "silk/core/merkle.h"
#include "silk/node/log.h"

namespace silk::node {

using core::Result;
using core::Status;
namespace cs = consensus;

namespace {
using SteadyClock = std::chrono::steady_clock;
double ms_since(SteadyClock::time_point t) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - t).count();
}
}  // namespace

BlockPipeline::BlockPipeline(const core::Genesis& genesis, const core::PublicKey& self,
                             const cs::EngineKind& kind, const contracts::Executor& executor,
                             ConfigInForce& config, storage::Store& store, Mempool& mempool,
                             CommitWaiters& waiters, const core::Clock& clock, FailHandler on_fail)
    : genesis_(genesis),
      self_(self),
      kind_(kind),
      executor_(executor),
      config_(config),
      store_(store),
      mempool_(mempool),
      waiters_(waiters),
      clock_(clock),
      on_fail_(std::move(on_fail)) {}

BlockPipeline::~BlockPipeline() { stop(); }

Status BlockPipeline::open(bool threaded) {
  std::optional<storage::ChainTip> tip = store_.tip();
  if (!tip) return Status::invalid("chain driver: the store holds no chain (no genesis block)");
  tip_ = *tip;
  height_.store(tip_.height);
  threaded_ = threaded;
  if (threaded) {
    std::lock_guard lock(thread_mu_);
    store_thread_ = std::thread([this] { run_store(); });
  }
  return Status::ok();
}

void BlockPipeline::stop() {
  {
    std::lock_guard store_lock(store_mu_);
    store_stop_ = true;
  }
  store_cv_.notify_all();
  std::lock_guard lock(thread_mu_);
  if (store_thread_.joinable()) store_thread_.join();
}

PipelineStats BlockPipeline::stats() const {
  std::lock_guard lock(stats_mu_);
  return stats_;
}

void BlockPipeline::reject(const std::string& why) {
  std::lock_guard lock(stats_mu_);
  ++stats_.blocks_rejected;
  stats_.last_rejection = why;
}

std::vector<core::PublicKey> BlockPipeline::validators_at(uint64_t height) const {
  return config_.at(height)->validators;
}

void BlockPipeline::run_store() {
  for (;;) {
    std::unique_lock lock(store_mu_);
    store_cv_.wait(lock, [this] { return store_stop_ || (store_job_ && !store_failed_); });
    if (!store_job_ || store_failed_) return;  // stopping with nothing left to write
    StoreJob job = std::move(*store_job_);
    lock.unlock();
    store_block(std::move(job));
    lock.lock();
    store_job_.reset();
    store_cv_.notify_all();
  }
}

bool BlockPipeline::wait_stored() const {
  std::unique_lock lock(store_mu_);
  store_cv_.wait(lock, [this] { return !store_job_ || store_failed_; });
  return !store_failed_;
}

bool BlockPipeline::PipelineView::has_tx(const core::Hash& tx_id) const {
  return pipeline_.in_flight_.tx_ids.count(tx_id) != 0 || pipeline_.store_.has_tx(tx_id);
}

bool BlockPipeline::PooledTxs::verified(size_t, const core::Tx& tx, const core::Hash& tx_id,
                                        std::optional<core::Hash>* leaf) const {
  // Admission verified the pooled tx and hashed its leaf. The id does not
  // cover the signature: only the very same bytes (the same signature) count.
  std::shared_ptr<const PoolTx> pooled = mempool_.get(tx_id);
  if (pooled == nullptr || pooled->tx.signature != tx.signature) return false;
  *leaf = pooled->leaf_hash;
  return true;
}

Result<std::optional<std::string>> BlockPipeline::PipelineView::get(std::string_view key) const {
  const auto& writes = pipeline_.in_flight_.writes;
  if (auto it = writes.find(key); it != writes.end()) return it->second;
  // Keys the block in flight did not write read the same before and after it lands.
  return pipeline_.store_.get_state(key);
}

Result<std::vector<core::KeyVersion>> BlockPipeline::PipelineView::history(std::string_view key,
                                                                           uint64_t offset,
                                                                           uint32_t limit) const {
  // A version list has no overlay: read it once the block in flight is durable.
  if (!pipeline_.wait_stored()) {
    return Status::internal("storing the previous block failed; history of '" + std::string(key) +
                            "' is not readable");
  }
  return pipeline_.store_.history(key, offset, limit);
}

bool BlockPipeline::propose(const cs::RequestProposal& request, std::deque<cs::Event>& events) {
  const auto started = Clock::now();
  if (request.height != tip_.height + 1) {
    // At or below the tip: block sync committed the height while the engine's request was on its
    // way (the engine hears BlockCommitted next). Above: a bug worth a warning.
    if (request.height <= tip_.height) {
      logger("chain")->debug("proposal requested for a height already committed (synced) "
                             "height={} tip={}", request.height, tip_.height);
    } else {
      logger("chain")->warn("proposal requested at an unexpected height height={} tip={}",
                            request.height, tip_.height);
    }
    events.push_back(cs::ProposalEmpty{request.height});
    return true;
  }
  // Block limits and validators come from the configuration in force at
  // this height, so a governance change takes effect where it says.
  const std::shared_ptr<const contracts::ChainConfig> config = config_.at(request.height);
  const contracts::BlockParams& params = config->block;
  std::vector<std::shared_ptr<const PoolTx>> pooled =
      mempool_.take(params.max_block_txs, params.max_block_bytes, &in_flight_.tx_ids);
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
  Result<contracts::BlockExecution> exec = executor_.execute_block(
      block.txs, request.height, timestamp, tip_.state_root, state_view_, &p.tx_ids);
  if (!exec.is_ok()) {
    on_fail_(exec.status().with_context("executing block " + std::to_string(request.height)));
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
  h.validator_set_hash = core::validator_set_hash(config->validators);
  h.term = request.term;
  h.round = request.round;
  p.hash = h.hash();
  p.receipts = std::move(exec->receipts);
  p.writes = std::move(exec->writes);
  p.config_changed = std::move(exec->config_changed);

  p.build_ms = ms_since(started);
  cs::ProposalReady ready{request.height, p.hash, h.tx_count, {}};
  // An engine that replicates proposals ships the block's bytes.
  if (kind_.needs_proposal_bytes()) ready.block = block.encode();
  events.push_back(std::move(ready));
  const core::Hash hash = p.hash;
  held_[hash] = std::move(p);
  return true;
}

Result<BlockPipeline::Proposal> BlockPipeline::check_block(core::ByteSpan bytes,
                                                           const core::Hash* expected_hash,
                                                           uint64_t height) {
  const auto started = Clock::now();
  Result<core::Block> decoded = core::Block::decode(bytes);
  if (!decoded.is_ok()) {
    return Status::invalid("block does not decode: " + decoded.status().message());
  }
  const core::Hash hash = decoded->header.hash();
  return check_block(std::move(decoded).value(), hash, expected_hash, height, nullptr, started);
}

Result<BlockPipeline::Proposal> BlockPipeline::check_block(
    core::Block block, const core::Hash& hash, const core::Hash* expected_hash, uint64_t height,
    const core::CommitCert* cert, Clock::time_point started, bool* cert_refused) {
  const std::string where =
      "block " + std::to_string(block.header.height) + " " + core::to_hex(hash);
  if (expected_hash != nullptr && hash != *expected_hash) {
    return Status::invalid(where + ": hash differs from the one announced " +
                           core::to_hex(*expected_hash));
  }
  if (height != tip_.height + 1) {
    return Status::invalid(where + ": expected height " + std::to_string(tip_.height + 1));
  }
  chain::CheckOptions options;
  options.now_ms = clock_.now_ms();
  options.known = &pooled_;
  if (verifiers_ != nullptr) {
    options.parallel_for = [pool = verifiers_](size_t n, const std::function<void(size_t)>& fn) {
      pool->parallel_for(n, fn);
    };
  }
  std::optional<chain::Problem> refused;
  SILK_ASSIGN_OR_RETURN(chain::CheckedBlock checked,
                        chain::check_block(block, cert, state_view_, executor_, options,
                                           [&refused](const chain::Problem& problem) {
                                             refused = problem;
                                             return false;  // the first one refuses the block
                                           }));
  if (refused) {
    if (cert_refused != nullptr) {
      *cert_refused = refused->kind == chain::Problem::Kind::kCertificate;
    }
    return Status::invalid(where + ": " + refused->message);
  }
  Proposal p;
  p.started = started;
  p.block = std::move(block);
  p.block.cert = {};
  p.hash = hash;
  p.tx_ids = std::move(checked.tx_ids);
  p.tx_bytes = checked.tx_bytes;
  p.receipts = std::move(checked.execution->receipts);
  p.writes = std::move(checked.execution->writes);
  p.config_changed = std::move(checked.execution->config_changed);
  p.build_ms = ms_since(started);
  return p;
}

bool BlockPipeline::validate(const cs::ValidateBlock& request, std::deque<cs::Event>& events) {
  cs::BlockValidated answer{request.height, request.block_hash, false, {}};
  if (held_.count(request.block_hash) != 0) {
    answer.valid = true;
    events.push_back(std::move(answer));
    return true;
  }
  Result<Proposal> checked = check_block(core::ByteSpan(request.block.data(), request.block.size()),
                                         &request.block_hash, request.height);
  if (checked.is_ok()) {
    answer.valid = true;
    held_[request.block_hash] = std::move(checked).value();
    std::lock_guard lock(stats_mu_);
    ++stats_.blocks_validated;
  } else if (checked.status().code() == Status::Code::kInvalid) {
    answer.reason = checked.status().message();
    logger("chain")->warn("proposed block refused height={} round={} reason=\"{}\"", request.height,
                          request.round, answer.reason);
    reject(answer.reason);
  } else {
    on_fail_(checked.status().with_context("validating block " + std::to_string(request.height)));
    return false;
  }
  events.push_back(std::move(answer));
  return true;
}

bool BlockPipeline::commit(const cs::CommitBlock& commit, std::deque<cs::Event>& events) {
  if (commit.height <= tip_.height) {
    // Block sync got there first: the same block, or a fork. The block in
    // flight may not be readable from the store yet.
    const bool same =
        commit.height == in_flight_.height ? in_flight_.hash == commit.block_hash : [&] {
          Result<core::Block> stored = store_.block_by_height(commit.height);
          return stored.is_ok() && stored->hash() == commit.block_hash;
        }();
    if (same) {
      events.push_back(cs::BlockCommitted{commit.height, commit.block_hash, {}});
      return true;
    }
    on_fail_(Status::internal("consensus committed block " + std::to_string(commit.height) + " " +
                              core::to_hex(commit.block_hash) +
                              ", but this node holds another block at that height"));
    return false;
  }
  if (commit.height != tip_.height + 1) {
    on_fail_(Status::internal("consensus asked to commit block " + std::to_string(commit.height) +
                              " on tip " + std::to_string(tip_.height)));
    return false;
  }
  auto held = held_.find(commit.block_hash);
  if (held != held_.end()) {
    Proposal p = std::move(held->second);
    return apply(std::move(p), commit.cert, false, events);
  }
  if (commit.block.empty()) {
    on_fail_(Status::internal("consensus asked to commit block " + std::to_string(commit.height) +
                              " " + core::to_hex(commit.block_hash) +
                              ", which this node neither built nor was given"));
    return false;
  }
  Result<Proposal> checked = check_block(core::ByteSpan(commit.block.data(), commit.block.size()),
                                         &commit.block_hash, commit.height);
  if (!checked.is_ok()) {
    // Consensus committed it: a block that does not check here means this
    // node's state or code differs from the others'. Never go on.
    on_fail_(checked.status().with_context("block " + std::to_string(commit.height) +
                                           " committed by consensus does not check on this node"));
    return false;
  }
  return apply(std::move(checked).value(), commit.cert, false, events);
}

bool BlockPipeline::apply(Proposal p, const core::CommitCert& cert, bool synced,
                          std::deque<cs::Event>& events) {
  held_.clear();
  // One block in flight at most: the one before must be durable first.
  if (!wait_stored()) return false;
  p.block.cert = cert;
  const core::BlockHeader& h = p.block.header;
  in_flight_.height = h.height;
  in_flight_.hash = p.hash;
  in_flight_.writes.clear();
  for (const core::StateWrite& w : p.writes) in_flight_.writes.insert_or_assign(w.key, w.value);
  in_flight_.tx_ids.clear();
  in_flight_.tx_ids.insert(p.tx_ids.begin(), p.tx_ids.end());
  tip_.height = h.height;
  tip_.block_hash = p.hash;
  tip_.state_root = h.state_root;
  tip_.timestamp_ms = h.timestamp_ms;
  tip_.total_txs += h.tx_count;

  cs::BlockCommitted done{h.height, p.hash, {}};
  // What the block changed of the configuration is in force from here: a governance change in
  // it counts for the next height already.
  if (p.config_changed) config_.update(p.config_changed);
  if (kind_.needs_next_validators()) done.next_validators = validators_at(h.height + 1);
  if (threaded_) {
    {
      std::lock_guard lock(store_mu_);
      store_job_.emplace(StoreJob{std::move(p), synced});
    }
    store_cv_.notify_all();
  } else {
    store_block(StoreJob{std::move(p), synced});
    if (!wait_stored()) return false;
  }
  events.push_back(std::move(done));
  return true;
}

void BlockPipeline::store_block(StoreJob job) {
  Proposal& p = job.p;
  const core::BlockHeader& h = p.block.header;
  const auto store_start = Clock::now();
  const Status stored = store_.commit_block(p.block, p.receipts, p.writes);
  const double store_ms = ms_since(store_start);
  if (!stored.is_ok()) {
    {
      std::lock_guard lock(store_mu_);
      store_failed_ = true;
    }
    on_fail_(stored.with_context("storing block " + std::to_string(h.height)));
    return;
  }
  // Only now, with the block durable, may its txs leave the pool (the
  // duplicate check relies on it) and their waiters hear of it.
  mempool_.remove(p.tx_ids);
  waiters_.notify_committed(h.height, p.tx_ids, p.receipts);
  if (on_committed_) on_committed_(p.block, p.receipts);
  {
    std::lock_guard lock(stats_mu_);
    ++(job.synced ? stats_.blocks_synced : stats_.blocks_committed);
  }
  height_.store(h.height);

  size_t failed = 0;
  for (const core::Receipt& r : p.receipts) failed += r.ok() ? 0 : 1;
  if (metrics_ != nullptr) {
    if (!job.synced) metrics_->block_build_seconds.observe(p.build_ms / 1000.0);
    metrics_->block_store_seconds.observe(store_ms / 1000.0);
    std::vector<std::pair<std::string, bool>> outcomes;
    outcomes.reserve(p.block.txs.size());
    for (size_t i = 0; i < p.block.txs.size() && i < p.receipts.size(); ++i) {
      outcomes.emplace_back(p.block.txs[i].contract, p.receipts[i].ok());
    }
    metrics_->count_block(outcomes);
  }
  auto log = logger("chain");
  const auto level = h.tx_count == 0 ? spdlog::level::debug : spdlog::level::info;
  log->log(level,
           "block {} height={} txs={} failed={} bytes={} ms={:.1f} build_ms={:.1f} "
           "store_ms={:.1f} round={} hash={}",
           job.synced ? "synced" : "committed", h.height, h.tx_count, failed, p.tx_bytes,
           ms_since(p.started), p.build_ms, store_ms, p.block.cert.round, core::to_hex(p.hash));
}

bool BlockPipeline::apply_synced(const core::PublicKey& from,
                                 const std::vector<core::Bytes>& blocks,
                                 std::deque<cs::Event>& events) {
  for (const core::Bytes& bytes : blocks) {
    Result<core::Block> decoded = core::Block::decode(core::ByteSpan(bytes.data(), bytes.size()));
    if (!decoded.is_ok()) {
      reject("synced block from " + core::to_hex(from) +
             " does not decode: " + decoded.status().message());
      return true;
    }
    const uint64_t height = decoded->header.height;
    if (height <= tip_.height) continue;
    if (height != tip_.height + 1) return true;  // a gap: ask again later
    const core::CommitCert cert = decoded->cert;
    const core::Hash hash = decoded->header.hash();
    const auto refuse = [&](const std::string& problem) {
      const std::string why = "synced block " + std::to_string(height) + " from " +
                              core::to_hex(from) + " refused: " + problem;
      logger("chain")->warn("{}", why);
      reject(why);
    };
    Proposal p;
    auto held = held_.find(hash);
    if (held != held_.end()) {
      // Checked already, without a certificate: only the certificate is left.
      if (Status st =
              chain::check_certificate(decoded->header, cert, *config_.at(height), genesis_);
          !st.is_ok()) {
        refuse(st.message());
        return true;
      }
      p = std::move(held->second);
    } else {
      // Decoded once: the block is checked as it is, with its certificate.
      bool cert_refused = false;
      Result<Proposal> checked = check_block(std::move(decoded).value(), hash, &hash, height, &cert,
                                             Clock::now(), &cert_refused);
      if (!checked.is_ok()) {
        if (checked.status().code() != Status::Code::kInvalid) {
          on_fail_(
              checked.status().with_context("checking synced block " + std::to_string(height)));
          return false;
        }
        if (cert_refused) {
          refuse(checked.status().message());
          return true;
        }
        // A certified block that does not check here: this node's state or
        // code differs from the validators'. Never go on with it.
        on_fail_(checked.status().with_context("synced block " + std::to_string(height) +
                                               " carries a valid commit certificate"));
        return false;
      }
      p = std::move(checked).value();
    }
    if (!apply(std::move(p), cert, true, events)) return false;
  }
  return true;
}

}  // namespace silk::node
