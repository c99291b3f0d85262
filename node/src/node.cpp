#include "silk/node/node.h"

#include <utility>

#include "silk/consensus/engine.h"
#include "silk/core/block.h"
#include "silk/core/key_file.h"
#include "silk/node/log.h"

namespace silk::node {

using core::Result;
using core::Status;

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
  SILK_RETURN_IF_ERROR(check_validator(*genesis, key->public_key()));

  Result<std::unique_ptr<storage::Store>> store = storage::open_rocksdb_store(config.data_dir);
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
  parts.genesis = std::move(genesis).value();
  parts.node_key = std::move(key).value();
  parts.store = std::move(store).value();
  return create(std::move(parts));
}

Result<std::unique_ptr<Node>> Node::create(NodeParts parts) {
  SILK_RETURN_IF_ERROR(core::crypto_init());
  if (!parts.store) return Status::invalid("node: no store");
  SILK_RETURN_IF_ERROR(check_validator(parts.genesis, parts.node_key.public_key()));
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
  executor_ = std::make_unique<contracts::Executor>(genesis_);
  verifiers_ = std::make_unique<ThreadPool>(config_.mempool.verify_threads);
  mempool_ = std::make_unique<Mempool>(genesis_, *executor_, *store_, clock_, *verifiers_,
                                       config_.mempool.capacity);
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
  ec.validators = genesis_.validators;
  ec.self = node_key_.public_key();
  const core::SecretKey* key = &node_key_;
  ec.signer = [key](const core::Hash& message) {
    return key->sign(core::ByteSpan(message.data(), message.size()));
  };
  Result<std::unique_ptr<consensus::Engine>> engine = consensus::make_engine(std::move(ec));
  if (!engine.is_ok()) return engine.status().with_context("consensus");
  const std::string engine_name((*engine)->name());

  driver_ = std::make_unique<ChainDriver>(genesis_, node_key_.public_key(),
                                          std::move(engine).value(), *executor_, *store_, *mempool_,
                                          *waiters_, clock_, [this](const Status& failure) {
                                            std::lock_guard lock(mu_);
                                            failure_ = failure;
                                            failed_.store(true);
                                          });
  ChainDriver* driver = driver_.get();
  mempool_->set_on_admitted([driver] { driver->notify_txs_available(); });

  api_ = std::make_unique<RpcApi>(genesis_, *store_, *mempool_, *waiters_, engine_name, *executor_);
  rpc_ = std::make_unique<RpcServer>(config_.rpc, *api_);
  return Status::ok();
}

Node::~Node() { stop(); }

Status Node::start() {
  {
    std::lock_guard lock(mu_);
    if (started_) return Status::invalid("node already started");
    started_ = true;
  }
  Status st = driver_->start();
  if (st.is_ok()) {
    st = rpc_->start();
    if (!st.is_ok()) driver_->stop();
  }
  if (!st.is_ok()) {
    std::lock_guard lock(mu_);
    stopped_ = true;  // nothing is running; stop() has nothing to do
    return st;
  }
  std::optional<storage::ChainTip> tip = store_->tip();
  logger("node")->info("silkd started chain_id={} height={} rpc={} consensus={} genesis={}",
                       genesis_.chain_id, tip ? tip->height : 0, rpc_->endpoint(),
                       genesis_.consensus.type, core::to_hex(genesis_.hash));
  return Status::ok();
}

void Node::stop() {
  {
    std::lock_guard lock(mu_);
    if (!started_ || stopped_) return;
    stopped_ = true;
  }
  rpc_->stop_accepting();  // new requests get 503
  driver_->stop();         // the block being committed finishes
  waiters_->shutdown();    // waiting clients get 503
  rpc_->stop();            // answers written, I/O threads joined
  std::optional<storage::ChainTip> tip = store_->tip();
  logger("node")->info("silkd stopped height={}", tip ? tip->height : 0);
}

Status Node::failure() const {
  std::lock_guard lock(mu_);
  return failure_;
}

}  // namespace silk::node
