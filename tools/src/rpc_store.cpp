#include "silk/tools/rpc_store.h"

#include <map>
#include <optional>
#include <string>

namespace silk::tools {
namespace {

using core::Result;
using core::Status;
using nlohmann::json;

Status read_only() { return Status::unavailable("the node's RPC is read-only here"); }

class RpcStore final : public storage::Store {
 public:
  RpcStore(client::NodeClient& node, const core::Genesis& genesis)
      : node_(node), genesis_(genesis) {}

  Status init_genesis(const core::Block&, std::string_view) override { return read_only(); }
  Status commit_block(const core::Block&, const std::vector<core::Receipt>&,
                      const std::vector<core::StateWrite>&) override {
    return read_only();
  }

  Result<std::string> genesis_json() const override {
    Result<json> chain = node_.get("/v1/chain");
    if (!chain.is_ok()) return chain.status();
    const std::string hash = chain->value("genesis_hash", "");
    if (hash == core::to_hex(genesis_.hash)) return genesis_.canonical_json;
    return "the node's chain has genesis hash " + hash;
  }

  std::optional<storage::ChainTip> tip() const override {
    if (tip_) return tip_;
    Result<json> chain = node_.get("/v1/chain");
    if (!chain.is_ok()) return std::nullopt;
    storage::ChainTip t;
    t.height = chain->value("height", uint64_t{0});
    Result<core::Hash> block = core::hash_from_hex(chain->value("block_hash", ""));
    Result<core::Hash> state = core::hash_from_hex(chain->value("state_root", ""));
    if (!block.is_ok() || !state.is_ok()) return std::nullopt;
    t.block_hash = *block;
    t.state_root = *state;
    t.timestamp_ms = chain->value("timestamp_ms", uint64_t{0});
    t.total_txs = chain->value("total_txs", uint64_t{0});
    tip_ = t;
    return tip_;
  }

  Result<core::Block> block_by_height(uint64_t height) const override {
    return block_at("/v1/block/" + std::to_string(height) + "?hex=1");
  }
  Result<core::Block> block_by_hash(const core::Hash& hash) const override {
    return block_at("/v1/block/hash/" + core::to_hex(hash) + "?hex=1");
  }

  Result<storage::TxLocation> tx_location(const core::Hash& tx_id) const override {
    SILK_ASSIGN_OR_RETURN(const Tx* tx, fetch_tx(tx_id));
    return tx->location;
  }
  bool has_tx(const core::Hash& tx_id) const override { return fetch_tx(tx_id).is_ok(); }
  Result<core::Receipt> receipt(const core::Hash& tx_id) const override {
    SILK_ASSIGN_OR_RETURN(const Tx* tx, fetch_tx(tx_id));
    return tx->receipt;
  }

  Result<std::optional<std::string>> get_state(std::string_view) const override {
    return Status::unavailable("state values are not checked over RPC");
  }
  Result<std::vector<core::KeyVersion>> history(std::string_view, uint64_t,
                                                uint32_t) const override {
    return Status::unavailable("key history is not checked over RPC");
  }
  Result<storage::TxPage> query_txs(const storage::TxQuery&) const override {
    return Status::unavailable("tx queries are not used over RPC");
  }
  Result<std::optional<std::pair<uint64_t, uint64_t>>> heights_for_time(uint64_t,
                                                                        uint64_t) const override {
    return Status::unavailable("tx queries are not used over RPC");
  }

 private:
  struct Tx {
    storage::TxLocation location;
    core::Receipt receipt;
  };

  Result<core::Block> block_at(const std::string& target) const {
    Result<json> j = node_.get(target);
    if (!j.is_ok()) return j.status();
    auto hex = j->find("hex");
    if (hex == j->end() || !hex->is_string()) {
      return Status::invalid("node answered " + target + " without the block's hex");
    }
    Result<core::Bytes> bytes = core::from_hex(hex->get<std::string>());
    if (!bytes.is_ok())
      return Status::corruption("block hex from the node: " + bytes.status().message());
    Result<core::Block> block = core::Block::decode(core::ByteSpan(bytes->data(), bytes->size()));
    if (!block.is_ok()) {
      return Status::corruption("block from the node fails to decode: " + block.status().message());
    }
    return block;
  }

  // One GET /v1/tx per tx, kept for the receipt that follows the location.
  Result<const Tx*> fetch_tx(const core::Hash& tx_id) const {
    if (auto it = txs_.find(tx_id); it != txs_.end()) return &it->second;
    Result<json> j = node_.get("/v1/tx/" + core::to_hex(tx_id));
    if (!j.is_ok()) return j.status();
    if (j->value("status", "") != "committed") {
      return Status::not_found("tx " + core::to_hex(tx_id) + " is not committed on the node");
    }
    Tx tx;
    tx.location.height = j->value("height", uint64_t{0});
    tx.location.index = j->value("index", uint32_t{0});
    Result<core::Bytes> bytes = core::from_hex(j->value("receipt_hex", ""));
    if (!bytes.is_ok())
      return Status::corruption("receipt hex from the node: " + bytes.status().message());
    Result<core::Receipt> receipt =
        core::Receipt::decode(core::ByteSpan(bytes->data(), bytes->size()));
    if (!receipt.is_ok()) {
      return Status::corruption("receipt from the node fails to decode: " +
                                receipt.status().message());
    }
    tx.receipt = std::move(receipt).value();
    if (txs_.size() > 100000) txs_.clear();  // a bound: each tx is asked for twice, in a row
    return &txs_.emplace(tx_id, std::move(tx)).first->second;
  }

  client::NodeClient& node_;
  const core::Genesis& genesis_;
  mutable std::optional<storage::ChainTip> tip_;
  mutable std::map<core::Hash, Tx> txs_;
};

}  // namespace

std::unique_ptr<storage::Store> make_rpc_store(client::NodeClient& node,
                                               const core::Genesis& genesis) {
  return std::make_unique<RpcStore>(node, genesis);
}

}  // namespace silk::tools
