#include "silk/node/node.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <fstream>
#include <sstream>
#include <utility>

#include "silk/chain/engine.h"
#include "silk/consensus/engine.h"
#include "silk/contracts/evidence.h"
#include "silk/core/block.h"
#include "silk/core/key_file.h"
#include "silk/core/x509.h"
#include "silk/node/descriptors.h"
#include "silk/node/event_stream.h"
#include "silk/node/log.h"
#include "silk/node/p2p.h"
#include "silk/node/public_gate.h"
#include "silk/contracts/identity.h"
#include "silk/core/signature_suite.h"

namespace silk::node {

using core::Result;
using core::Status;
using json = nlohmann::json;

Status check_validator(const core::Genesis& genesis, const core::PublicKey& key) {
  for (const core::PublicKey& v : genesis.validators) {
    if (v == key) return Status::ok();
  }
  return Status::invalid("node key " + core::to_hex(key) + " is not a validator of chain '" +
                         genesis.chain_id + "' (genesis lists " +
                         std::to_string(genesis.validators.size()) + " validator(s))");
}

Result<std::unique_ptr<Node>> Node::open(const NodeConfig& config) {
  SILK_RETURN_IF_ERROR(core::crypto_init());
  Result<core::Genesis> genesis = core::load_genesis_file(config.genesis);
  if (!genesis.is_ok()) return genesis.status().with_context("genesis " + config.genesis);

  Result<std::string> passphrase = resolve_passphrase(config);
  if (!passphrase.is_ok()) return passphrase.status();
  Result<core::SecretKey> key = core::read_key_file(config.node_key, *passphrase);
  core::wipe(passphrase->data(), passphrase->size());
  if (!key.is_ok()) return key.status().with_context("node_key " + config.node_key);
  // A node of a networked engine (raft, tbft) whose key is not (yet) a validator follows the
  // chain; governance may add it. One that runs alone must be the validator.
  SILK_ASSIGN_OR_RETURN(const consensus::EngineKind* engine, chain::engine_of(*genesis));
  if (!engine->networked()) SILK_RETURN_IF_ERROR(check_validator(*genesis, key->public_key()));

  // The descriptor budget: RocksDB's table files and the reserve first, so that a flood of
  // RPC connections is refused by the RPC, never met by a store that cannot open a file.
  const size_t p2p_slots =
      config.p2p.cert.empty() ? 0 : kDefaultMaxInboundHandshakes + 2 * config.p2p.peers.size() + 8;
  SILK_ASSIGN_OR_RETURN(DescriptorPlan plan, plan_descriptors(raise_descriptor_limit(),
                                                              config.rpc.max_connections,
                                                              p2p_slots));
  logger("node")->info(
      "descriptor budget limit={} store_files={} reserved={} p2p={} rpc_connections={}",
      plan.limit, plan.store_files, plan.reserved, plan.p2p, plan.rpc_connections);
  storage::RocksDbOptions store_options;
  store_options.max_open_files = plan.store_files;
  Result<std::unique_ptr<storage::Store>> store =
      storage::open_rocksdb_store(config.data_dir, store_options);
  if (!store.is_ok()) {
    std::string hint;
    const std::string& m = store.status().message();
    if (m.find("lock") != std::string::npos || m.find("Lock") != std::string::npos) {
      hint = " (is another silkd running on this data_dir?)";
    }
    return Status(store.status().code(),
                  "cannot open data_dir " + config.data_dir + ": " + m + hint);
  }

  NodeParts parts;
  parts.config = config;
  parts.config.rpc.max_connections = plan.rpc_connections;
  parts.genesis = std::move(genesis).value();
  parts.node_key = std::move(key).value();
  parts.store = std::move(store).value();
  return create(std::move(parts));
}

Result<std::unique_ptr<Node>> Node::create(NodeParts parts) {
  SILK_RETURN_IF_ERROR(core::crypto_init());
  if (!parts.store) return Status::invalid("node: no store");
  SILK_ASSIGN_OR_RETURN(const consensus::EngineKind* engine, chain::engine_of(parts.genesis));
  if (!engine->networked()) {
    SILK_RETURN_IF_ERROR(check_validator(parts.genesis, parts.node_key.public_key()));
  }
  std::unique_ptr<Node> node(new Node(std::move(parts)));
  SILK_RETURN_IF_ERROR(node->build());
  return node;
}

Node::Node(NodeParts parts)
    : config_(std::move(parts.config)),
      genesis_(std::move(parts.genesis)),
      node_key_(std::move(parts.node_key)),
      clock_(parts.clock != nullptr ? *parts.clock : core::SystemClock::instance()),
      store_(std::move(parts.store)) {}

Status Node::build() {
  Status st = store_->init_genesis(core::make_genesis_block(genesis_), genesis_.canonical_json);
  if (!st.is_ok()) return st.with_context("data_dir holds a different chain");

  if (Result<contracts::ChainConfig> cc = contracts::ChainConfig::from_genesis(genesis_);
      !cc.is_ok()) {
    return cc.status();
  }
  SILK_ASSIGN_OR_RETURN(executor_, chain::make_executor(genesis_));
  // The configuration in force, read from state once; the driver keeps it up to date.
  {
    StoreStateView view(*store_);
    Result<std::shared_ptr<ConfigInForce>> loaded = ConfigInForce::load(*executor_, view);
    if (!loaded.is_ok()) return loaded.status().with_context("reading the chain configuration");
    config_in_force_ = std::move(loaded).value();
  }
  verifiers_ = std::make_unique<ThreadPool>(config_.mempool.verify_threads);
  mempool_ = std::make_unique<Mempool>(genesis_, *config_in_force_, *executor_, *store_, clock_,
                                       *verifiers_, config_.mempool.capacity);
  const storage::Store* store = store_.get();
  waiters_ = std::make_unique<CommitWaiters>(
      [store](const core::Hash& tx_id) -> std::optional<CommitInfo> {
        Result<storage::TxLocation> loc = store->tx_location(tx_id);
        if (!loc.is_ok()) return std::nullopt;
        Result<core::Receipt> receipt = store->receipt(tx_id);
        if (!receipt.is_ok()) return std::nullopt;
        return CommitInfo{loc->height, loc->index, std::move(receipt).value()};
      });

  consensus::EngineConfig ec;
  ec.chain_id = genesis_.chain_id;
  ec.params = genesis_.consensus;
  {
    // Pacing as governance last set it (set_block_params), from the configuration in force.
    std::optional<storage::ChainTip> tip = store_->tip();
    ec.params.block_interval_ms =
        config_in_force_->at(tip ? tip->height + 1 : 1)->block.block_interval_ms;
  }
  ec.validators = genesis_.validators;
  ec.self = node_key_.public_key();
  const core::SecretKey* key = &node_key_;
  ec.signer = [key](const core::Hash& message) {
    return key->sign(core::ByteSpan(message.data(), message.size()));
  };
  const ConsensusTiming& timing = config_.consensus;
  ec.raft_heartbeat_ms = timing.raft_heartbeat_ms;
  ec.raft_election_timeout_ms = timing.raft_election_timeout_ms;
  ec.tbft_propose_ms = timing.tbft_propose_ms;
  ec.tbft_vote_ms = timing.tbft_vote_ms;
  ec.tbft_delta_ms = timing.tbft_delta_ms;
  {
    // Different per node and per run (election timeouts); never used for safety.
    const core::PublicKey self = node_key_.public_key();
    uint64_t seed = std::chrono::steady_clock::now().time_since_epoch().count();
    for (size_t i = 0; i < 8; ++i) seed ^= uint64_t{self[i]} << (8 * i);
    ec.seed = seed;
  }
  Result<std::unique_ptr<consensus::Engine>> engine = consensus::make_engine(std::move(ec));
  if (!engine.is_ok()) return engine.status().with_context("consensus");
  const consensus::EngineKind& engine_kind = (*engine)->kind();
  const std::string engine_name(engine_kind.name());
  engine_name_ = engine_name;

  driver_ = std::make_unique<ChainDriver>(
      genesis_, node_key_.public_key(), std::move(engine).value(), *executor_, *config_in_force_,
      *store_, *mempool_, *waiters_, clock_, [this](const Status& failure) {
        std::lock_guard lock(mu_);
        failure_ = failure;
        failed_.store(true);
      });
  ChainDriver* driver = driver_.get();
  mempool_->set_metrics(&chain_metrics_);
  driver_->set_metrics(&chain_metrics_);
  mempool_->set_on_admitted([driver] { driver->notify_txs_available(); });
  const std::optional<storage::ChainTip> events_tip = store_->tip();
  events_ = std::make_unique<EventHub>(events_tip ? events_tip->height : 0);
  EventHub* events = events_.get();
  driver_->set_on_committed(
      [events](const core::Block& block, const std::vector<core::Receipt>& receipts) {
        events->publish(block, receipts);
      });
  driver_->set_verifier_pool(verifiers_.get());
  if (engine_kind.needs_wal()) {
    if (config_.wal_file.empty()) {
      return Status::invalid("consensus " + engine_name + " needs 'wal_file' in the config");
    }
    std::vector<core::Bytes> records;
    Result<std::unique_ptr<ConsensusWal>> wal = ConsensusWal::open(config_.wal_file, records);
    if (!wal.is_ok()) return wal.status();
    logger("node")->info("consensus WAL opened path={} records={} bytes={}", config_.wal_file,
                         records.size(), (*wal)->size_bytes());
    driver_->set_wal(std::move(wal).value(), std::move(records));
    driver_->set_wal_compact_bytes(config_.wal_compact_bytes);
  }
  if (!config_.p2p.cert.empty()) SILK_RETURN_IF_ERROR(build_network());
  driver_->set_evidence_sink([this](core::Bytes evidence) { report_evidence(evidence); });

  api_ = std::make_unique<RpcApi>(genesis_, *store_, *mempool_, *waiters_, engine_name, *executor_);
  rpc_ = std::make_unique<RpcServer>(config_.rpc, *api_);
  api_->set_metrics_source([this](MetricsWriter& w) { write_metrics(w); });
  api_->set_readiness([this] { return readiness(); });
  api_->set_link_base(LinkBase{config_.rpc.tls,
                               config_.public_rpc.enabled ? config_.public_rpc.port : uint16_t{0},
                               config_.public_rpc.url});
  rpc_->set_upgrade_handler(
      [events, store = store_.get()](auto socket, auto request, std::shared_ptr<void> slot) {
        serve_event_stream(std::move(socket), std::move(request), *events, *store,
                           std::move(slot));
      });
  if (config_.rpc.tls) {
    rpc_->set_tls_upgrade_handler(
        [events, store = store_.get()](TlsStream stream, auto request, std::shared_ptr<void> slot) {
          serve_event_stream(std::move(stream), std::move(request), *events, *store,
                             std::move(slot));
        });
    SILK_RETURN_IF_ERROR(configure_rpc_tls());
  }
  if (config_.public_rpc.enabled) {
    const PublicRpcConfig& pc = config_.public_rpc;
    RpcConfig listener;
    listener.listen = pc.listen;
    listener.port = pc.port;
    listener.max_body_bytes = 64u << 10;  // a verify request is a few hundred bytes
    listener.threads = 1;
    listener.max_connections = pc.max_connections;
    listener.idle_timeout_ms = pc.idle_timeout_ms;
    listener.header_timeout_ms = pc.header_timeout_ms;
    listener.rate_limit = pc.rate_limit;
    public_gate_ = std::make_unique<PublicGate>(*api_);
    public_rpc_ = std::make_unique<RpcServer>(listener, *public_gate_);
    SILK_ASSIGN_OR_RETURN(std::string cert, read_text_file(pc.cert, "public.cert"));
    SILK_ASSIGN_OR_RETURN(std::string key, read_text_file(pc.key, "public.key"));
    Result<std::shared_ptr<boost::asio::ssl::context>> ctx =
        make_tls_server_context("public listener TLS", cert, key, /*ask_client_cert=*/false);
    core::wipe(key.data(), key.size());
    if (!ctx.is_ok()) return ctx.status();
    public_rpc_->set_tls(std::move(ctx).value());
  }
  return Status::ok();
}

Result<std::string> Node::read_text_file(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::not_found(what + " " + path + " cannot be opened");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::io_error(what + " " + path + " cannot be read");
  return text.str();
}

// The RPC over TLS 1.3: the node's certificate (or rpc.tls_cert), clients judged as members of
// the consortium by the chain's own rules (contracts::check_certificate: chained to a CA of its
// organisation in force now, valid now, not revoked, not frozen). Any role may read.
Status Node::configure_rpc_tls() {
  std::string cert_pem;
  std::string key_pem;
  if (!config_.rpc.tls_cert.empty()) {
    SILK_ASSIGN_OR_RETURN(cert_pem, read_text_file(config_.rpc.tls_cert, "rpc.tls_cert"));
  } else if (!config_.p2p.cert.empty()) {
    SILK_ASSIGN_OR_RETURN(cert_pem, read_text_file(config_.p2p.cert, "p2p.cert"));
  } else {
    return Status::invalid(
        "rpc.tls needs a server certificate: set 'rpc.tls_cert' or 'p2p.cert' (the node "
        "certificate)");
  }
  if (!config_.rpc.tls_key.empty()) {
    SILK_ASSIGN_OR_RETURN(key_pem, read_text_file(config_.rpc.tls_key, "rpc.tls_key"));
  } else {
    Result<core::SecretBytes> pem = core::SigningKey::from_ed25519(node_key_).pkcs8_pem();
    if (!pem.is_ok()) return pem.status().with_context("rpc TLS: the node key");
    key_pem = std::string(pem->view());
  }
  Result<std::shared_ptr<boost::asio::ssl::context>> ctx =
      make_tls_server_context("rpc TLS", cert_pem, key_pem, /*ask_client_cert=*/true);
  core::wipe(key_pem.data(), key_pem.size());
  if (!ctx.is_ok()) return ctx.status();
  const storage::Store* store = store_.get();
  std::shared_ptr<const ConfigInForce> in_force = config_in_force_;
  const core::Clock* clock = &clock_;
  auto cache = std::make_shared<contracts::CertCache>(4096);
  rpc_->set_tls(std::move(ctx).value(), [store, in_force, clock, cache](core::ByteSpan der)
                                            -> Result<ClientIdentity> {
    SILK_ASSIGN_OR_RETURN(core::Certificate cert, core::parse_certificate(der));
    std::optional<storage::ChainTip> tip = store->tip();
    const std::shared_ptr<const contracts::ChainConfig> config =
        in_force->at(tip ? tip->height + 1 : 1);
    contracts::KeyReader read = [store](std::string_view key) { return store->get_state(key); };
    SILK_RETURN_IF_ERROR(
        contracts::check_certificate(cert, *config, read, clock->now_ms(), cache.get()).status());
    return ClientIdentity{core::to_hex(cert.fingerprint()), core::format_dn(cert.subject())};
  });
  return Status::ok();
}

namespace {

// The median of the peers' claimed heights (a liar's 2^63 moves it only with a majority of
// liars); 0 without peers.
uint64_t median_claim(const std::map<core::PublicKey, uint64_t>& claims) {
  if (claims.empty()) return 0;
  std::vector<uint64_t> v;
  v.reserve(claims.size());
  for (const auto& [peer, h] : claims) v.push_back(h);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

constexpr const char* kCodeNames[] = {"ok",       "invalid",   "not_found",   "unauthorized",
                                      "conflict", "exhausted", "unavailable", "corruption",
                                      "io_error", "internal"};

}  // namespace

void Node::write_metrics(MetricsWriter& w) const {
  const std::optional<storage::ChainTip> tip = store_->tip();
  const uint64_t height = tip ? tip->height : 0;
  w.family("silk_chain_height", "gauge", "Height of the latest block this node stored.");
  w.sample("silk_chain_height", static_cast<double>(height));
  w.family("silk_chain_last_block_timestamp_seconds", "gauge",
           "The latest block's timestamp (its proposer's clock), Unix seconds.");
  w.sample("silk_chain_last_block_timestamp_seconds",
           tip ? static_cast<double>(tip->timestamp_ms) / 1000.0 : 0);
  w.family("silk_chain_txs", "gauge", "Txs in the chain up to the latest block.");
  w.sample("silk_chain_txs", tip ? static_cast<double>(tip->total_txs) : 0);
  chain_metrics_.write_txs(w);
  w.histogram("silk_block_build_duration_seconds",
              "Time to build (propose) or check (validate) a block, execution included.",
              chain_metrics_.block_build_seconds);
  w.histogram("silk_block_store_duration_seconds",
              "Time to write a block, its receipts and state durably.",
              chain_metrics_.block_store_seconds);
  w.histogram("silk_tx_commit_latency_seconds",
              "Time from a tx's admission to this node's pool to its block being durable here.",
              chain_metrics_.tx_commit_seconds);

  w.family("silk_mempool_txs", "gauge", "Txs waiting for a block.");
  w.sample("silk_mempool_txs", static_cast<double>(mempool_->size()));
  w.family("silk_mempool_capacity_txs", "gauge", "Most txs the pool holds (mempool.capacity).");
  w.sample("silk_mempool_capacity_txs", static_cast<double>(mempool_->capacity()));
  w.family("silk_mempool_refused_total", "counter",
           "Submissions refused at admission, by reason (the error code of docs/api.md).");
  const auto refused = mempool_->refused_by_code();
  for (size_t i = 1; i < refused.size(); ++i) {
    w.sample("silk_mempool_refused_total", {{"reason", kCodeNames[i]}},
             static_cast<double>(refused[i]));
  }

  const DriverStats d = driver_->stats();
  w.family("silk_consensus_height", "gauge", "The height consensus has durably reached.");
  w.sample("silk_consensus_height", static_cast<double>(driver_->height()));
  w.family("silk_blocks_applied_total", "counter",
           "Blocks stored, by how they came: consensus (committed here) or sync (fetched).");
  w.sample("silk_blocks_applied_total", {{"via", "consensus"}},
           static_cast<double>(d.blocks_committed));
  w.sample("silk_blocks_applied_total", {{"via", "sync"}}, static_cast<double>(d.blocks_synced));
  w.family("silk_blocks_rejected_total", "counter",
           "Proposed or synced blocks refused (bad certificate, roots, or rules).");
  w.sample("silk_blocks_rejected_total", static_cast<double>(d.blocks_rejected));
  w.family("silk_consensus_messages_dropped_total", "counter",
           "Inbound consensus messages dropped because the driver's queue was full.");
  w.sample("silk_consensus_messages_dropped_total", static_cast<double>(d.messages_dropped));
  const std::pair<const char*, uint64_t> engine_counts[] = {
      {"rounds_started", d.engine.rounds_started},
      {"elections_started", d.engine.elections_started},
      {"terms_led", d.engine.terms_led},
      {"evidence_reported", d.engine.evidence_reported},
      {"invalid_proposals", d.engine.invalid_proposals},
      {"malformed_messages", d.engine.malformed_messages},
      {"unknown_senders", d.engine.unknown_senders},
  };
  w.family("silk_consensus_events_total", "counter",
           "The engine's counters: tbft rounds started (a round past 0 is a view change), raft "
           "elections started and terms led, evidence reported, proposals prevoted nil, "
           "messages dropped as malformed or from outside the validator set.");
  for (const auto& [event, n] : engine_counts) {
    w.sample("silk_consensus_events_total", {{"event", event}}, static_cast<double>(n));
  }
  if (tip) {
    Result<core::Block> latest = store_->block_by_height(tip->height);
    if (latest.is_ok()) {
      w.family("silk_consensus_last_round", "gauge",
               "The round (tbft) or term (raft) of the latest block's commit certificate.");
      w.sample("silk_consensus_last_round", static_cast<double>(latest->cert.round));
      w.family("silk_consensus_last_proposer", "gauge",
               "1 for the proposer (tbft) or leader (raft) of the latest block, by key prefix.");
      w.sample("silk_consensus_last_proposer",
               {{"proposer", core::to_hex(core::ByteSpan(latest->header.proposer.data(), 8))}},
               1);
    }
  }
  w.family("silk_consensus_wal_bytes", "gauge", "Size of the consensus WAL.");
  w.sample("silk_consensus_wal_bytes", static_cast<double>(d.wal_bytes));
  w.family("silk_consensus_wal_syncs_total", "counter", "fsyncs of the consensus WAL.");
  w.sample("silk_consensus_wal_syncs_total", static_cast<double>(d.wal_syncs));
  w.family("silk_consensus_wal_compactions_total", "counter",
           "Times the consensus WAL was replaced by the engine's checkpoint (docs/storage.md).");
  w.sample("silk_consensus_wal_compactions_total", static_cast<double>(d.wal_checkpoints));

  if (network_) {
    const PeerNetworkStats n = network_->stats();
    const P2pStats& t = n.transport;
    w.family("silk_p2p_peers_connected", "gauge", "Peers with an authenticated connection.");
    w.sample("silk_p2p_peers_connected", static_cast<double>(n.peers_connected));
    w.family("silk_p2p_frames_total", "counter", "Frames written to and delivered from peers.");
    w.sample("silk_p2p_frames_total", {{"direction", "out"}}, static_cast<double>(t.frames_sent));
    w.sample("silk_p2p_frames_total", {{"direction", "in"}},
             static_cast<double>(t.frames_received));
    w.family("silk_p2p_bytes_total", "counter", "Frame bytes written to and read from peers.");
    w.sample("silk_p2p_bytes_total", {{"direction", "out"}}, static_cast<double>(t.bytes_sent));
    w.sample("silk_p2p_bytes_total", {{"direction", "in"}},
             static_cast<double>(t.bytes_received));
    w.family("silk_p2p_frames_dropped_total", "counter",
             "Frames not delivered, by reason: not_connected (sent to no connection), "
             "malformed (a bad channel or body from a peer).");
    w.sample("silk_p2p_frames_dropped_total", {{"reason", "not_connected"}},
             static_cast<double>(t.dropped_not_connected));
    w.sample("silk_p2p_frames_dropped_total", {{"reason", "malformed"}},
             static_cast<double>(n.malformed_frames));
    w.family("silk_p2p_disconnects_total", "counter",
             "Connections this node closed, by reason: slow_reader, oversized_frame.");
    w.sample("silk_p2p_disconnects_total", {{"reason", "slow_reader"}},
             static_cast<double>(t.slow_readers));
    w.sample("silk_p2p_disconnects_total", {{"reason", "oversized_frame"}},
             static_cast<double>(t.oversized_frames));
    w.family("silk_p2p_handshakes_total", "counter",
             "Handshakes that did not make a connection: refused (certificate, role, key, TLS "
             "failure) or evicted (an idle inbound handshake whose slot a newer one took).");
    w.sample("silk_p2p_handshakes_total", {{"result", "refused"}},
             static_cast<double>(t.handshakes_refused));
    w.sample("silk_p2p_handshakes_total", {{"result", "evicted"}},
             static_cast<double>(t.handshakes_evicted));
    w.family("silk_sync_requests_total", "counter",
             "Block-sync requests: sent by this node, ignored (from a peer that had not read "
             "the last answer), timed out, answered empty by a peer that claimed more.");
    w.sample("silk_sync_requests_total", {{"result", "sent"}},
             static_cast<double>(n.sync_requests));
    w.sample("silk_sync_requests_total", {{"result", "ignored"}},
             static_cast<double>(n.sync_requests_ignored));
    w.sample("silk_sync_requests_total", {{"result", "timed_out"}},
             static_cast<double>(n.sync_timeouts));
    w.sample("silk_sync_requests_total", {{"result", "empty_answer"}},
             static_cast<double>(n.sync_empty_answers));
    w.family("silk_sync_blocks_received_total", "counter", "Blocks received by block sync.");
    w.sample("silk_sync_blocks_received_total", static_cast<double>(n.sync_blocks_received));
    const uint64_t median = median_claim(n.peer_heights);
    w.family("silk_sync_lag_blocks", "gauge",
             "How far this node is behind the median of its peers' claimed heights.");
    w.sample("silk_sync_lag_blocks", static_cast<double>(median > height ? median - height : 0));
  }

  w.family("silk_rpc_connections_open", "gauge", "RPC connections open, WebSocket streams too.");
  w.sample("silk_rpc_connections_open", static_cast<double>(rpc_->connections()));
  w.family("silk_rpc_connections_refused_total", "counter",
           "RPC connections refused past rpc.max_connections (the descriptor budget).");
  w.sample("silk_rpc_connections_refused_total", static_cast<double>(rpc_->connections_refused()));
  w.family("silk_rpc_max_connections", "gauge", "The RPC's connection limit in force.");
  w.sample("silk_rpc_max_connections", static_cast<double>(config_.rpc.max_connections));
  w.family("silk_rpc_rate_limited_total", "counter",
           "RPC requests answered 429: past rpc.rate_limit for their client.");
  w.sample("silk_rpc_rate_limited_total", static_cast<double>(rpc_->rate_limited()));
  w.family("silk_rpc_clients_refused_total", "counter",
           "RPC requests answered 403: no client certificate, or one that is not a member now.");
  w.sample("silk_rpc_clients_refused_total", static_cast<double>(rpc_->clients_refused()));
  if (public_rpc_) {
    w.family("silk_public_connections_open", "gauge",
             "Connections open on the public verification listener.");
    w.sample("silk_public_connections_open", static_cast<double>(public_rpc_->connections()));
    w.family("silk_public_rate_limited_total", "counter",
             "Public listener requests answered 429: past public.rate_limit for their address.");
    w.sample("silk_public_rate_limited_total", static_cast<double>(public_rpc_->rate_limited()));
  }

  for (const auto& [name, value] : store_->engine_figures()) {
    const std::string metric = "silk_rocksdb_" + name;
    w.family(metric, "gauge", "RocksDB property (docs/api.md \"Metrics\").");
    w.sample(metric, static_cast<double>(value));
  }
  write_process_figures(w, read_process_figures());
}

RpcApi::Readiness Node::readiness() const {
  const std::optional<storage::ChainTip> tip = store_->tip();
  const uint64_t height = tip ? tip->height : 0;
  json checks = json::object();
  bool ready = true;
  checks["store"] = {{"ok", tip.has_value()},
                     {"detail", tip ? "open at height " + std::to_string(height)
                                    : std::string("open, but it holds no block")}};
  ready = ready && tip.has_value();
  const bool running = !failed_.load() && !stopping_.load();
  std::string detail = "running (" + engine_name_ + ")";
  if (failed_.load()) detail = "stopped on an error: " + failure().message();
  if (stopping_.load()) detail = "stopping";
  checks["consensus"] = {{"ok", running}, {"detail", detail}};
  ready = ready && running;
  json sync = {{"ok", true}, {"lag_blocks", 0}, {"max_lag_blocks", config_.rpc.ready_max_lag_blocks}};
  if (network_) {
    const PeerNetworkStats n = network_->stats();
    const uint64_t median = median_claim(n.peer_heights);
    const uint64_t lag = median > height ? median - height : 0;
    const bool ok = lag <= config_.rpc.ready_max_lag_blocks;
    sync["ok"] = ok;
    sync["lag_blocks"] = lag;
    sync["peers_connected"] = n.peers_connected;
    sync["detail"] = n.peer_heights.empty()
                         ? std::string("no peer has told its height yet")
                         : std::to_string(lag) + " blocks behind the median of " +
                               std::to_string(n.peer_heights.size()) +
                               " peers' claimed heights (" + std::to_string(median) +
                               "), at most " + std::to_string(config_.rpc.ready_max_lag_blocks) +
                               " allowed (rpc.ready_max_lag_blocks)";
    ready = ready && ok;
  } else {
    sync["detail"] = "no p2p: this node is the chain";
  }
  checks["sync"] = std::move(sync);
  return {ready, json({{"ready", ready}, {"height", height}, {"checks", std::move(checks)}}).dump()};
}

Status Node::build_network() {
  const P2pNodeConfig& pc = config_.p2p;
  std::string pem_text;
  {
    std::ifstream in(pc.cert, std::ios::binary);
    if (!in) return Status::not_found("p2p.cert " + pc.cert + " cannot be opened");
    std::ostringstream text;
    text << in.rdbuf();
    pem_text = text.str();
  }
  const std::string* pem = &pem_text;
  Result<core::Certificate> cert = core::parse_certificate(std::string_view(*pem));
  if (!cert.is_ok()) return cert.status().with_context("p2p.cert " + pc.cert);
  if (cert->public_key() != node_key_.public_key()) {
    return Status::invalid("p2p.cert " + pc.cert + " is for key " +
                           core::to_hex(cert->public_key()) + ", not this node's key " +
                           core::to_hex(node_key_.public_key()));
  }
  Result<core::SecretKey> key = core::SecretKey::from_seed(node_key_.seed());
  if (!key.is_ok()) return key.status();
  node_cert_ = *cert;
  P2pConfig p2p(std::move(cert).value(), std::move(key).value());
  p2p.listen = pc.listen;
  p2p.port = pc.port;
  p2p.max_frame_bytes = pc.max_frame_bytes;
  p2p.reconnect_max = std::chrono::milliseconds(pc.reconnect_max_ms);
  p2p.threads = pc.threads;
  for (const core::OrgEntry& org : genesis_.orgs) {
    for (const std::string& ca : org.ca_certs_pem) {
      Result<core::Certificate> c = core::parse_certificate(std::string_view(ca));
      if (c.is_ok()) p2p.trusted_cas.push_back(std::move(c).value());
    }
  }
  if (p2p.trusted_cas.empty()) {
    return Status::invalid(
        "p2p needs a with-cert genesis: its organisations' CA certificates "
        "are what node certificates are checked against");
  }
  // The CAs in force now: governance may rotate or add them.
  const storage::Store* store = store_.get();
  std::shared_ptr<const ConfigInForce> in_force = config_in_force_;
  p2p.current_trusted_cas = [in_force, store]() {
    std::optional<storage::ChainTip> tip = store->tip();
    const std::shared_ptr<const contracts::ChainConfig> config =
        in_force->at(tip ? tip->height + 1 : 1);
    std::vector<core::Certificate> cas;
    for (const contracts::OrgConfig& org : config->orgs) {
      cas.insert(cas.end(), org.cas.begin(), org.cas.end());
    }
    return cas;
  };
  for (const PeerConfig& peer : pc.peers) {
    Result<core::PublicKey> pk = core::public_key_from_hex(peer.public_key);
    if (!pk.is_ok()) {
      return Status::invalid("p2p peer " + peer.host + ":" + std::to_string(peer.port) +
                             ": public_key is not a hex Ed25519 key");
    }
    if (*pk == node_key_.public_key()) continue;  // a shared peer list may name this node
    p2p.peers.push_back(P2pPeerAddress{peer.host, peer.port, *pk});
  }
  network_ = std::make_unique<PeerNetwork>(std::move(p2p), *driver_, *mempool_, *store_,
                                           config_.consensus.sync_interval_ms);
  PeerNetwork* net = network_.get();
  driver_->set_network(DriverNetwork{
      [net](const core::PublicKey& to, core::Bytes payload) { net->send_consensus(to, payload); },
      [net](core::Bytes payload) { net->broadcast_consensus(payload); }});
  mempool_->set_on_client_txs(
      [net](const std::vector<core::ByteSpan>& txs) { net->gossip_txs(txs); });
  return Status::ok();
}

void Node::report_evidence(const core::Bytes& evidence) {
  core::Tx tx;
  tx.chain_id = genesis_.chain_id;
  tx.timestamp_ms = clock_.now_ms();
  tx.nonce = evidence_nonce_++ ^ (tx.timestamp_ms << 16);
  if (node_cert_) {
    tx.sender_kind = core::SenderKind::kCertFingerprint;
    tx.sender = node_cert_->fingerprint();
    tx.sender_cert = node_cert_->der();
  } else {
    tx.sender_kind = core::SenderKind::kPublicKey;
    tx.sender = node_key_.public_key();
  }
  tx.contract = std::string(contracts::kEvidenceContract);
  tx.method = std::string(contracts::kEvidenceReportMethod);
  tx.args = contracts::evidence_report_args(core::ByteSpan(evidence.data(), evidence.size()));
  tx.sign(node_key_);
  const core::Bytes encoded = tx.encode();
  Result<core::Hash> added = mempool_->add(core::ByteSpan(encoded.data(), encoded.size()));
  if (added.is_ok()) {
    logger("node")->warn("double-sign evidence submitted tx={}", core::to_hex(*added));
  } else {
    logger("node")->warn("double-sign evidence not submitted reason=\"{}\"",
                         added.status().message());
  }
}

Node::~Node() { stop(); }

Status Node::start() {
  {
    std::lock_guard lock(mu_);
    if (started_) return Status::invalid("node already started");
    started_ = true;
  }
  Status st = network_ ? network_->start() : Status::ok();
  if (st.is_ok()) {
    st = driver_->start();
    if (!st.is_ok() && network_) network_->stop();
  }
  if (st.is_ok()) {
    st = rpc_->start();
    if (st.is_ok() && public_rpc_) {
      st = public_rpc_->start();
      if (!st.is_ok()) rpc_->stop(std::chrono::milliseconds(0));
    }
    if (!st.is_ok()) {
      driver_->stop();
      if (network_) network_->stop();
    }
  }
  if (!st.is_ok()) {
    std::lock_guard lock(mu_);
    stopped_ = true;  // nothing is running; stop() has nothing to do
    return st;
  }
  std::optional<storage::ChainTip> tip = store_->tip();
  logger("node")->info(
      "silkd started chain_id={} height={} rpc={}{} public={} p2p={} consensus={} validators={} "
      "genesis={}",
      genesis_.chain_id, tip ? tip->height : 0, rpc_->tls() ? "https://" : "http://",
      rpc_->endpoint(), public_rpc_ ? "https://" + public_rpc_->endpoint() : std::string("off"),
      network_ ? config_.p2p.listen + ":" + std::to_string(network_->port()) : std::string("off"),
      genesis_.consensus.type, genesis_.validators.size(), core::to_hex(genesis_.hash));
  return Status::ok();
}

void Node::stop() {
  stopping_.store(true);
  {
    std::lock_guard lock(mu_);
    if (!started_ || stopped_) return;
    stopped_ = true;
  }
  rpc_->stop_accepting();          // new requests get 503
  if (public_rpc_) public_rpc_->stop_accepting();
  if (network_) network_->stop();  // no more peer messages or txs
  driver_->stop();                 // the block being committed finishes
  waiters_->shutdown();            // waiting clients get 503
  // Event streams close (1001) before the I/O threads stop.
  events_->shutdown(std::chrono::milliseconds(1000));
  rpc_->stop();  // answers written, I/O threads joined
  if (public_rpc_) public_rpc_->stop();
  std::optional<storage::ChainTip> tip = store_->tip();
  logger("node")->info("silkd stopped height={}", tip ? tip->height : 0);
}

Status Node::failure() const {
  std::lock_guard lock(mu_);
  return failure_;
}

}  // namespace silk::node
