// What a node says to its peers over the p2p transport (DESIGN.md §8; docs/network.md "Protocol").
//
// Every frame starts with a channel byte (integers little-endian, core/codec.h):
//   1 consensus   the engine's payload, delivered to ChainDriver::deliver_message
//   2 txs         u32 n, n x bytes(tx): txs a client submitted to the sender. Admitted to this
//                 node's mempool (checked like any submission) and not passed on: every node
//                 dials every peer, so the submitting node reaches all of them itself.
//   3 status      u64 height: the sender's tip, sent to every peer every sync_interval_ms
//   4 get_blocks  u64 from, u32 max (<= kMaxBlocksPerResponse). Answered only while less than
//                 kMaxUnwrittenForSync bytes wait to be written to that peer: a peer that asks
//                 and does not read is ignored (counted), not served into this node's memory.
//   5 blocks      u32 n, n x bytes(Block::encode() with its commit certificate), in height order
// Block sync: when a peer says it is ahead, the node asks a peer for the blocks after its tip
// (one request in flight) and hands them to the driver, which verifies each one's certificate
// against the validator set in force at its height and executes it before it applies it. Which
// peer is SyncPlan's choice (sync_plan.h): a claimed height is a hint, and a peer that does not
// deliver what it claims is set aside. Anything malformed is dropped and counted, never trusted.
//
// Thread-safety: every public method may be called from any thread; stop() not from an I/O
// thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "silk/core/bytes.h"
#include "silk/core/crypto.h"
#include "silk/node/chain_driver.h"
#include "silk/node/mempool.h"
#include "silk/node/p2p.h"
#include "silk/node/sync_plan.h"
#include "silk/storage/store.h"

namespace silk::node {

struct PeerNetworkStats {
  P2pStats transport;
  size_t peers_connected = 0;
  uint64_t txs_gossiped = 0;  // txs sent to peers
  uint64_t txs_received = 0;  // txs peers sent us
  uint64_t txs_admitted_from_peers = 0;
  uint64_t sync_requests = 0;  // get_blocks sent
  uint64_t sync_blocks_received = 0;
  uint64_t sync_timeouts = 0;       // requests a peer left unanswered (SyncPlan)
  uint64_t sync_empty_answers = 0;  // peers that claimed more and sent nothing
  uint64_t sync_no_progress = 0;    // answers whose blocks did not move the tip
  uint64_t sync_requests_ignored = 0;  // get_blocks from a peer that has not read our last answer
  uint64_t malformed_frames = 0;                     // dropped: bad channel or body
  std::map<core::PublicKey, uint64_t> peer_heights;  // latest status of each peer
};

class PeerNetwork {
 public:
  static constexpr uint8_t kChannelConsensus = 1;
  static constexpr uint8_t kChannelTxs = 2;
  static constexpr uint8_t kChannelStatus = 3;
  static constexpr uint8_t kChannelGetBlocks = 4;
  static constexpr uint8_t kChannelBlocks = 5;
  static constexpr uint32_t kMaxBlocksPerResponse = 64;
  static constexpr size_t kMaxResponseBytes = 16u << 20;
  static constexpr size_t kMaxQueuedTxBatches = 1024;
  static constexpr size_t kMaxUnwrittenForSync = 4u << 20;

  // driver, mempool and store are borrowed and must outlive the network.
  PeerNetwork(P2pConfig config, ChainDriver& driver, Mempool& mempool, const storage::Store& store,
              uint64_t sync_interval_ms);
  ~PeerNetwork();
  PeerNetwork(const PeerNetwork&) = delete;
  PeerNetwork& operator=(const PeerNetwork&) = delete;

  // Starts the transport (see P2pNetwork::start for errors), the tx worker and the status ticker.
  core::Status start();
  void stop();

  // For the driver (DriverNetwork).
  void send_consensus(const core::PublicKey& to, const core::Bytes& payload);
  void broadcast_consensus(const core::Bytes& payload);
  // Sends client-submitted txs to every peer (one frame).
  void gossip_txs(const std::vector<core::ByteSpan>& encoded);

  uint16_t port() const { return p2p_.port(); }
  PeerNetworkStats stats() const;

 private:
  void on_frame(const core::PublicKey& from, core::Bytes payload);
  void on_status(const core::PublicKey& from, uint64_t height);
  void on_get_blocks(const core::PublicKey& from, uint64_t first, uint32_t max);
  void on_blocks(const core::PublicKey& from, core::ByteSpan body);
  void request_blocks(const SyncPlan::Request& req);
  void tx_worker();
  void ticker();

  P2pNetwork p2p_;
  ChainDriver& driver_;
  Mempool& mempool_;
  const storage::Store& store_;
  const uint64_t sync_interval_ms_;

  mutable std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  bool stopping_ = false;
  std::deque<std::vector<core::Bytes>> tx_batches_;
  SyncPlan sync_;
  PeerNetworkStats counters_;

  std::thread tx_thread_;
  std::thread tick_thread_;
  bool started_ = false;
};

}  // namespace silk::node
