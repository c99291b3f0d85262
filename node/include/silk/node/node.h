// silkd: one node, wired together (DESIGN.md §6).
//
//   Store (RocksDB) <- Executor, Mempool (+ verify ThreadPool), CommitWaiters
//   ChainDriver (engine thread) -> Store, Mempool, CommitWaiters
//   RpcServer (I/O threads) -> RpcApi -> Store, Mempool, CommitWaiters
//   ChainDriver --committed blocks--> EventHub <- event streams (RpcServer
//   WebSocket upgrades, event_stream.h) -> Store (replay)
//
// Lifecycle: open()/create() -> start() -> stop() (also from the destructor).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "silk/contracts/executor.h"
#include "silk/core/clock.h"
#include "silk/core/crypto.h"
#include "silk/core/genesis.h"
#include "silk/core/status.h"
#include "silk/core/x509.h"
#include "silk/node/chain_driver.h"
#include "silk/node/commit_waiters.h"
#include "silk/node/config.h"
#include "silk/node/config_in_force.h"
#include "silk/node/event_hub.h"
#include "silk/node/mempool.h"
#include "silk/node/peer_network.h"
#include "silk/node/rpc_api.h"
#include "silk/node/public_gate.h"
#include "silk/node/rpc_server.h"
#include "silk/node/thread_pool.h"
#include "silk/storage/store.h"

namespace silk::node {

// What a node is made of. open() builds it from the files a config names;
// tests build it by hand (a memory store, a manual clock, port 0).
struct NodeParts {
  NodeConfig config;  // rpc and mempool sections are used; paths are not
  core::Genesis genesis;
  core::SecretKey node_key;
  std::unique_ptr<storage::Store> store;
  const core::Clock* clock = nullptr;  // nullptr = the system clock; borrowed
};

class Node {
 public:
  // Loads the genesis and the node key (passphrase from passphrase_file or
  // SILK_NODE_PASSPHRASE), checks the key is a genesis validator (solo only), opens the
  // RocksDB store at data_dir (kIOError naming the folder when it is locked
  // by another silkd), then create(). Errors name the file at fault.
  static core::Result<std::unique_ptr<Node>> open(const NodeConfig& config);

  // Checks the node key is a genesis validator (raft, tbft: a node outside the
  // set starts and follows the chain without voting until governance adds it), writes block 0 on an
  // empty store (on a used one: checks its genesis hash matches, kConflict otherwise), builds the
  // executor, mempool, engine, driver and RPC server. Starts nothing.
  static core::Result<std::unique_ptr<Node>> create(NodeParts parts);

  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Starts the block pipeline and the RPC server; logs "silkd started ...".
  // kIOError when the RPC port cannot be bound (nothing is left running).
  core::Status start();

  // Stops accepting RPC, lets the block in flight finish, answers pending
  // waits with 503, stops the RPC threads; logs "silkd stopped height=N".
  // The store stays open until the Node is destroyed. Idempotent; not from
  // a node thread.
  void stop();

  // True once the block pipeline stopped on an error of ours (the node
  // must then be stopped and the process exit non-zero); failure() says why.
  bool failed() const { return failed_.load(); }
  core::Status failure() const;

  uint16_t rpc_port() const { return rpc_->port(); }
  std::string rpc_endpoint() const { return rpc_->endpoint(); }
  // The public verification listener's port, 0 when it is off.
  uint16_t public_port() const { return public_rpc_ ? public_rpc_->port() : 0; }
  uint64_t height() const { return driver_->height(); }
  const core::Genesis& genesis() const { return genesis_; }
  const storage::Store& store() const { return *store_; }
  Mempool& mempool() { return *mempool_; }
  // The event stream's hub (GET /v1/events).
  EventHub& events() { return *events_; }
  // The p2p network, or nullptr for a node without one (no p2p.cert).
  PeerNetwork* network() { return network_.get(); }
  const ChainDriver& driver() const { return *driver_; }

 private:
  explicit Node(NodeParts parts);
  core::Status build();
  core::Status build_network();
  core::Status configure_rpc_tls();
  static core::Result<std::string> read_text_file(const std::string& path, const std::string& what);
  // GET /metrics' node families (after the RPC's own), and GET /v1/ready's verdict.
  void write_metrics(MetricsWriter& w) const;
  RpcApi::Readiness readiness() const;
  // Submits a tbft double-sign evidence tx signed by this node (driver thread).
  void report_evidence(const core::Bytes& evidence);

  const NodeConfig config_;
  const core::Genesis genesis_;
  const core::SecretKey node_key_;
  const core::Clock& clock_;
  std::optional<core::Certificate> node_cert_;  // p2p.cert: the node's identity on chain
  uint64_t evidence_nonce_ = 0;                 // driver thread only
  // Declared in dependency order: destroyed users first, the store last.
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<contracts::Executor> executor_;
  std::shared_ptr<ConfigInForce> config_in_force_;  // shared with the p2p layer's CA lookup
  std::unique_ptr<ThreadPool> verifiers_;
  std::unique_ptr<Mempool> mempool_;
  std::unique_ptr<CommitWaiters> waiters_;
  std::unique_ptr<EventHub> events_;  // fed by driver_, read by rpc_'s event streams
  std::unique_ptr<ChainDriver> driver_;
  std::unique_ptr<PeerNetwork> network_;
  std::unique_ptr<RpcApi> api_;
  std::unique_ptr<RpcServer> rpc_;
  std::unique_ptr<PublicGate> public_gate_;  // config "public": the verification listener
  std::unique_ptr<RpcServer> public_rpc_;

  std::atomic<bool> failed_{false};
  std::atomic<bool> stopping_{false};  // stop() began
  std::string engine_name_;
  ChainMetrics chain_metrics_;  // updated by the pipeline and the pool; read by /metrics
  mutable std::mutex mu_;  // guards failure_, started_, stopped_
  core::Status failure_;
  bool started_ = false;
  bool stopped_ = false;
};

// Checks `key` is one of the genesis validators; kInvalid naming it otherwise.
core::Status check_validator(const core::Genesis& genesis, const core::PublicKey& key);

}  // namespace silk::node
