#include "silk/tools/rpc_sources.h"

#include <map>
#include <optional>
#include <string>

#include "silk/core/merkle.h"

namespace silk::tools {
namespace {

using core::Hash;
using core::Result;
using core::Status;
using nlohmann::json;

class RpcBlockSource final : public chain::BlockSource {
 public:
  RpcBlockSource(client::NodeClient& node, const core::Genesis& genesis)
      : node_(node), genesis_(genesis) {}

  Result<std::string> genesis_json() const override {
    SILK_ASSIGN_OR_RETURN(client::ChainInfo chain, node_.chain_info());
    if (chain.genesis_hash == genesis_.hash) return genesis_.canonical_json;
    return "the node's chain has genesis hash " + core::to_hex(chain.genesis_hash);
  }

  Result<storage::ChainTip> tip() const override {
    if (tip_) return *tip_;
    SILK_ASSIGN_OR_RETURN(client::ChainInfo chain, node_.chain_info());
    if (!chain.block_hash || !chain.state_root) {
      return Status::not_found("the node's GET /v1/chain names no tip");
    }
    storage::ChainTip t;
    t.height = chain.height;
    t.block_hash = *chain.block_hash;
    t.state_root = *chain.state_root;
    t.timestamp_ms = chain.timestamp_ms;
    t.total_txs = chain.total_txs;
    tip_ = t;
    return t;
  }

  Result<core::Block> block(uint64_t height) const override { return node_.block(height); }
  Result<core::Block> block_by_hash(const Hash& hash) const override {
    return node_.block_by_hash(hash);
  }

  Result<storage::TxLocation> tx_location(const Hash& tx_id) const override {
    SILK_ASSIGN_OR_RETURN(const Tx* tx, fetch_tx(tx_id));
    return tx->location;
  }
  Result<core::Receipt> receipt(const Hash& tx_id) const override {
    SILK_ASSIGN_OR_RETURN(const Tx* tx, fetch_tx(tx_id));
    return tx->receipt;
  }

  Result<std::optional<std::string>> state(std::string_view) const override {
    return Status::unavailable("state values are not checked over RPC");
  }
  Result<std::vector<core::KeyVersion>> history(std::string_view, uint64_t,
                                                uint32_t) const override {
    return Status::unavailable("key history is not checked over RPC");
  }

 private:
  struct Tx {
    storage::TxLocation location;
    core::Receipt receipt;
  };

  // One GET /v1/tx per tx, kept for the receipt that follows the location.
  Result<const Tx*> fetch_tx(const Hash& tx_id) const {
    if (auto it = txs_.find(tx_id); it != txs_.end()) return &it->second;
    SILK_ASSIGN_OR_RETURN(client::TxAnswer answer, node_.tx(tx_id));
    if (answer.status != "committed") {
      return Status::not_found("tx " + core::to_hex(tx_id) + " is not committed on the node");
    }
    if (!answer.receipt || !answer.receipt_exact) {
      return Status::corruption("the node gave no receipt_hex for tx " + core::to_hex(tx_id));
    }
    Tx tx;
    tx.location = {answer.height, answer.index};
    tx.receipt = std::move(*answer.receipt);
    if (txs_.size() > 100000) txs_.clear();  // a bound: each tx is asked for twice, in a row
    return &txs_.emplace(tx_id, std::move(tx)).first->second;
  }

  client::NodeClient& node_;
  const core::Genesis& genesis_;
  mutable std::optional<storage::ChainTip> tip_;
  mutable std::map<Hash, Tx> txs_;
};

class NodeProofSource final : public chain::ProofSource {
 public:
  explicit NodeProofSource(client::NodeClient& node) : node_(node) {}

  Result<ChainId> chain() override {
    SILK_ASSIGN_OR_RETURN(client::ChainInfo c, node_.chain_info());
    return ChainId{c.chain_id, c.genesis_hash};
  }

  Result<storage::TxLocation> locate(const Hash& tx_id) override {
    SILK_ASSIGN_OR_RETURN(client::TxAnswer a, node_.tx(tx_id));
    if (a.status != "committed") {
      return Status::unavailable("tx " + core::to_hex(tx_id) + " is not committed yet (status " +
                                 a.status + "); prove it later");
    }
    return storage::TxLocation{a.height, a.index};
  }

  Result<core::Block> block(uint64_t height) override { return node_.block(height); }

  Result<std::vector<core::Receipt>> receipts(const core::Block& block) override {
    std::vector<core::Receipt> out;
    std::vector<Hash> leaves;
    bool rebuilt = false;
    for (const core::Tx& tx : block.txs) {
      const Hash id = tx.tx_id();
      SILK_ASSIGN_OR_RETURN(client::TxAnswer a, node_.tx(id));
      if (!a.receipt) return Status::invalid("GET /v1/tx/" + core::to_hex(id) + " has no receipt");
      rebuilt = rebuilt || !a.receipt_exact;
      leaves.push_back(core::merkle_leaf_hash(a.receipt->encode()));
      out.push_back(std::move(*a.receipt));
    }
    // Receipts rebuilt from JSON (older nodes) may not re-encode exactly: say
    // so, rather than the source contradicting itself (build_proof_bundle's
    // own check of the root, which exact receipts face).
    if (const Hash root = core::merkle_root(leaves);
        rebuilt && root != block.header.receipts_root) {
      return Status::unavailable(
          "the receipts of block " + std::to_string(block.header.height) +
          " as the node gives them (decoded JSON in GET /v1/tx/{id}; the RPC API has no receipt "
          "encoding) re-encode to receipts_root " +
          core::to_hex(root) + ", not the header's " + core::to_hex(block.header.receipts_root) +
          "; build the proof from the node's data folder instead");
    }
    return out;
  }

  Result<std::vector<core::PublicKey>> validators(uint64_t height) override {
    return node_.validators(height);
  }

  Result<json> document(const std::string& doc_id) override {
    return node_.query("documents", "document", json{{"doc_id", doc_id}});
  }

 private:
  client::NodeClient& node_;
};

}  // namespace

std::unique_ptr<chain::BlockSource> make_rpc_block_source(client::NodeClient& node,
                                                          const core::Genesis& genesis) {
  return std::make_unique<RpcBlockSource>(node, genesis);
}

std::unique_ptr<chain::ProofSource> make_node_proof_source(client::NodeClient& node) {
  return std::make_unique<NodeProofSource>(node);
}

}  // namespace silk::tools
