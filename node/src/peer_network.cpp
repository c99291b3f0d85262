#include "silk/node/peer_network.h"

#include <utility>

#include "silk/core/codec.h"
#include "silk/node/log.h"

namespace silk::node {

using core::Status;

namespace {

core::Bytes frame(uint8_t channel, size_t reserve) {
  core::Bytes out;
  out.reserve(1 + reserve);
  out.push_back(channel);
  return out;
}
}  // namespace

PeerNetwork::PeerNetwork(P2pConfig config, ChainDriver& driver, Mempool& mempool,
                         const storage::Store& store, uint64_t sync_interval_ms)
    : p2p_(std::move(config), [this](const core::PublicKey& from,
                                     core::Bytes payload) { on_frame(from, std::move(payload)); }),
      driver_(driver),
      mempool_(mempool),
      store_(store),
      sync_interval_ms_(sync_interval_ms) {}

PeerNetwork::~PeerNetwork() { stop(); }

Status PeerNetwork::start() {
  SILK_RETURN_IF_ERROR(p2p_.start());
  std::lock_guard lock(mu_);
  started_ = true;
  tx_thread_ = std::thread([this] { tx_worker(); });
  tick_thread_ = std::thread([this] { ticker(); });
  return Status::ok();
}

void PeerNetwork::stop() {
  {
    std::lock_guard lock(mu_);
    if (!started_ || stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (tick_thread_.joinable()) tick_thread_.join();
  p2p_.stop();  // no more frames: nothing can queue tx batches now
  if (tx_thread_.joinable()) tx_thread_.join();
}

void PeerNetwork::send_consensus(const core::PublicKey& to, const core::Bytes& payload) {
  core::Bytes f = frame(kChannelConsensus, payload.size());
  f.insert(f.end(), payload.begin(), payload.end());
  (void)p2p_.send(to, std::move(f));  // lost when not connected: consensus retransmits
}

void PeerNetwork::broadcast_consensus(const core::Bytes& payload) {
  core::Bytes f = frame(kChannelConsensus, payload.size());
  f.insert(f.end(), payload.begin(), payload.end());
  p2p_.broadcast(std::move(f));
}

void PeerNetwork::gossip_txs(const std::vector<core::ByteSpan>& encoded) {
  if (encoded.empty()) return;
  size_t total = 4;
  for (const core::ByteSpan& tx : encoded) total += 4 + tx.size();
  core::Bytes f = frame(kChannelTxs, total);
  core::Writer w(f);
  w.u32(static_cast<uint32_t>(encoded.size()));
  for (const core::ByteSpan& tx : encoded) w.bytes(tx);
  const size_t sent_to = p2p_.broadcast(std::move(f));
  if (sent_to > 0) {
    std::lock_guard lock(mu_);
    counters_.txs_gossiped += encoded.size();
  }
}

PeerNetworkStats PeerNetwork::stats() const {
  PeerNetworkStats out;
  {
    std::lock_guard lock(mu_);
    out = counters_;
    out.peer_heights = sync_.claims();
    out.sync_timeouts = sync_.counters().timeouts;
    out.sync_empty_answers = sync_.counters().empty_answers;
    out.sync_no_progress = sync_.counters().no_progress;
  }
  out.transport = p2p_.stats();
  out.peers_connected = p2p_.connected_peers().size();
  return out;
}

void PeerNetwork::on_frame(const core::PublicKey& from, core::Bytes payload) {
  auto malformed = [&](const char* what) {
    logger("p2p")->debug("malformed frame dropped peer={} what=\"{}\"", core::to_hex(from), what);
    std::lock_guard lock(mu_);
    ++counters_.malformed_frames;
  };
  if (payload.empty()) return malformed("empty frame");
  const uint8_t channel = payload[0];
  core::ByteSpan body(payload.data() + 1, payload.size() - 1);
  switch (channel) {
    case kChannelConsensus: {
      driver_.deliver_message(from, core::Bytes(body.begin(), body.end()));
      return;
    }
    case kChannelTxs: {
      core::Reader r(body);
      uint32_t n = 0;
      if (!r.u32(n, "count") || n > 100000) return malformed("tx batch count");
      std::vector<core::Bytes> txs;
      txs.reserve(std::min<size_t>(n, body.size() / 4));
      for (uint32_t i = 0; i < n; ++i) {
        core::Bytes tx;
        if (!r.bytes(tx, "tx", core::Tx::kMaxEncodedBytes)) return malformed("tx batch entry");
        txs.push_back(std::move(tx));
      }
      if (!r.at_end()) return malformed("tx batch trailing bytes");
      {
        std::lock_guard lock(mu_);
        counters_.txs_received += n;
        if (tx_batches_.size() >= kMaxQueuedTxBatches) return;  // overloaded: the client retries
        tx_batches_.push_back(std::move(txs));
      }
      cv_.notify_all();
      return;
    }
    case kChannelStatus: {
      core::Reader r(body);
      uint64_t height = 0;
      if (!r.u64(height, "height") || !r.at_end()) return malformed("status");
      on_status(from, height);
      return;
    }
    case kChannelGetBlocks: {
      core::Reader r(body);
      uint64_t first = 0;
      uint32_t max = 0;
      if (!r.u64(first, "from") || !r.u32(max, "max") || !r.at_end()) {
        return malformed("get_blocks");
      }
      on_get_blocks(from, first, std::min(max, kMaxBlocksPerResponse));
      return;
    }
    case kChannelBlocks:
      on_blocks(from, body);
      return;
    default:
      return malformed("unknown channel");
  }
}

void PeerNetwork::on_status(const core::PublicKey& from, uint64_t height) {
  std::optional<SyncPlan::Request> req;
  {
    std::lock_guard lock(mu_);
    sync_.on_status(from, height);
    req = sync_.next(driver_.height(), std::chrono::steady_clock::now());
  }
  if (req) request_blocks(*req);
}

void PeerNetwork::request_blocks(const SyncPlan::Request& req) {
  {
    std::lock_guard lock(mu_);
    ++counters_.sync_requests;
  }
  core::Bytes f = frame(kChannelGetBlocks, 12);
  core::Writer w(f);
  w.u64(req.from);
  w.u32(kMaxBlocksPerResponse);
  if (!p2p_.send(req.peer, std::move(f)).is_ok()) {
    std::lock_guard lock(mu_);
    sync_.on_send_failed(req.peer);
  }
}

void PeerNetwork::on_get_blocks(const core::PublicKey& from, uint64_t first, uint32_t max) {
  // At most one answer (<= kMaxResponseBytes) on its way to a peer beyond a little other
  // traffic: what a peer that asks and never reads can hold of this node's memory, and the
  // store reads it can make this node do, are bounded by it.
  if (p2p_.unwritten_bytes(from) >= kMaxUnwrittenForSync) {
    std::lock_guard lock(mu_);
    ++counters_.sync_requests_ignored;
    return;
  }
  std::optional<storage::ChainTip> tip = store_.tip();
  if (!tip || first == 0 || first > tip->height) {
    core::Bytes f = frame(kChannelBlocks, 4);
    core::Writer(f).u32(0);
    (void)p2p_.send(from, std::move(f));
    return;
  }
  std::vector<core::Bytes> blocks;
  size_t total = 0;
  for (uint64_t h = first; h <= tip->height && blocks.size() < max; ++h) {
    core::Result<core::Block> b = store_.block_by_height(h);
    if (!b.is_ok()) break;
    core::Bytes bytes = b->encode();
    if (!blocks.empty() && total + bytes.size() > kMaxResponseBytes) break;
    total += bytes.size();
    blocks.push_back(std::move(bytes));
  }
  core::Bytes f = frame(kChannelBlocks, total + 4 + 4 * blocks.size());
  core::Writer w(f);
  w.u32(static_cast<uint32_t>(blocks.size()));
  for (const core::Bytes& b : blocks) w.bytes(core::ByteSpan(b.data(), b.size()));
  (void)p2p_.send(from, std::move(f));
}

void PeerNetwork::on_blocks(const core::PublicKey& from, core::ByteSpan body) {
  core::Reader r(body);
  uint32_t n = 0;
  std::vector<core::Bytes> blocks;
  bool ok = r.u32(n, "count") && n <= kMaxBlocksPerResponse;
  for (uint32_t i = 0; ok && i < n; ++i) {
    core::Bytes b;
    ok = r.bytes(b, "block", static_cast<uint32_t>(core::Block::kMaxEncodedBytes));
    if (ok) blocks.push_back(std::move(b));
  }
  ok = ok && r.at_end();
  uint64_t last = 0;
  if (ok && !blocks.empty()) {
    if (core::Result<core::Block> b =
            core::Block::decode(core::ByteSpan(blocks.back().data(), blocks.back().size()));
        b.is_ok()) {
      last = b->header.height;
    }
  }
  {
    std::lock_guard lock(mu_);
    if (!ok) {
      ++counters_.malformed_frames;
      // Counts as no answer: the request times out and the peer gets a strike.
      return;
    }
    counters_.sync_blocks_received += blocks.size();
    sync_.on_blocks(from, static_cast<uint32_t>(blocks.size()), last, driver_.height(),
                    std::chrono::steady_clock::now());
  }
  if (!blocks.empty()) driver_.deliver_synced_blocks(from, std::move(blocks));
  // Pipelining: ask for the next batch (past these blocks) while the driver applies them.
  std::optional<SyncPlan::Request> req;
  {
    std::lock_guard lock(mu_);
    req = sync_.next(driver_.height(), std::chrono::steady_clock::now());
  }
  if (req) request_blocks(*req);
}

void PeerNetwork::tx_worker() {
  for (;;) {
    std::vector<core::Bytes> batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !tx_batches_.empty(); });
      if (tx_batches_.empty()) return;  // stopping, and nothing left
      batch = std::move(tx_batches_.front());
      tx_batches_.pop_front();
    }
    std::vector<core::ByteSpan> spans;
    spans.reserve(batch.size());
    for (const core::Bytes& tx : batch) spans.emplace_back(tx.data(), tx.size());
    std::vector<core::Result<core::Hash>> results = mempool_.add_batch(spans, TxOrigin::kPeer);
    size_t admitted = 0;
    for (const auto& r : results) admitted += r.is_ok() ? 1 : 0;
    std::lock_guard lock(mu_);
    counters_.txs_admitted_from_peers += admitted;
  }
}

void PeerNetwork::ticker() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    core::Bytes f = frame(kChannelStatus, 8);
    core::Writer(f).u64(driver_.height());
    p2p_.broadcast(std::move(f));
    lock.lock();
    // A request that timed out moves on to another peer here, even when no status arrives.
    std::optional<SyncPlan::Request> req =
        sync_.next(driver_.height(), std::chrono::steady_clock::now());
    if (req) {
      lock.unlock();
      request_blocks(*req);
      lock.lock();
    }
    cv_.wait_for(lock, std::chrono::milliseconds(sync_interval_ms_), [this] { return stopping_; });
  }
}

}  // namespace silk::node
