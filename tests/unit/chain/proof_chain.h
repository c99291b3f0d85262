// A chain to prove txs of, built the way silkd's driver builds one (anchors, a refused
// duplicate, a document issue, a refused stranger), with the helpers proof tests share:
// chain's proof tests and the tools' `silk audit prove` / `verify-proof` tests.
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "silk/chain/chain_view.h"
#include "silk/chain/engine.h"
#include "silk/chain/proof.h"
#include "silk/contracts/documents.h"
#include "silk/contracts/executor.h"
#include "silk/contracts/notary.h"
#include "silk/core/block.h"
#include "silk/core/crypto.h"
#include "silk/core/genesis.h"
#include "silk/storage/store.h"

namespace silk::proof_test {

using core::Hash;
using nlohmann::json;
namespace fs = std::filesystem;

inline constexpr const char* kChainId = "silk-proof-test";
inline constexpr uint64_t kT0 = 1'700'000'000'000;
inline constexpr const char* kDocId = "CO-2026-001";

inline core::SecretKey key_from_tag(uint8_t tag) {
  REQUIRE(core::crypto_init().is_ok());
  core::Bytes seed(32, tag);
  auto key = core::SecretKey::from_seed(seed);
  REQUIRE(key.is_ok());
  return std::move(key).value();
}

inline Hash digest(int n) { return core::sha256("proven document " + std::to_string(n)); }

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("silk-proof-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

// Builds blocks as silkd's chain driver does (as audit_verify_chain_test.cpp).
struct ChainBuilder {
  core::SecretKey node_key = key_from_tag(1);    // the validator
  core::SecretKey client_key = key_from_tag(2);  // a member (issuer)
  core::SecretKey stranger_key = key_from_tag(3);
  core::Genesis genesis;
  std::unique_ptr<contracts::Executor> executor;
  uint64_t nonce = 1;

  explicit ChainBuilder(uint64_t genesis_time = kT0) {
    core::Genesis g;
    g.chain_id = kChainId;
    g.timestamp_ms = genesis_time;
    g.identity_mode = "with-key";
    g.members.push_back({"node", node_key.public_key(), "org1", {"node", "admin"}});
    g.members.push_back({"client", client_key.public_key(), "org1", {"client", "issuer"}});
    g.validators.push_back(node_key.public_key());
    auto parsed = core::Genesis::parse(g.to_json());
    REQUIRE_MESSAGE(parsed.is_ok(), parsed.status().to_string());
    genesis = std::move(parsed).value();
    executor = std::move(chain::make_executor(genesis)).value();
  }

  core::Tx call(const core::SecretKey& key, const std::string& contract, const std::string& method,
                std::string args) {
    core::Tx tx;
    tx.chain_id = kChainId;
    tx.nonce = nonce++;
    tx.timestamp_ms = kT0 + nonce;
    tx.sender = key.public_key();
    tx.contract = contract;
    tx.method = method;
    tx.args = std::move(args);
    tx.sign(key);
    return tx;
  }

  core::Tx anchor(const core::SecretKey& key, const Hash& d) {
    return call(key, "notary", "anchor", contracts::notary_anchor_args(d, json{{"n", nonce}}));
  }

  core::Tx issue_document() {
    const Hash doc_hash = digest(100);
    const uint64_t at = kT0 + 5;
    const std::string statement =
        contracts::signing_statement(kDocId, "certificate_of_origin", doc_hash, at);
    const core::Signature sig = client_key.sign(core::as_span(statement));
    json args = {{"doc_id", kDocId},
                 {"type", "certificate_of_origin"},
                 {"doc_hash", core::to_hex(doc_hash)},
                 {"issued_at_ms", at},
                 {"signature", core::to_hex(core::ByteSpan(sig.data(), sig.size()))},
                 {"signer_key", core::to_hex(client_key.public_key())},
                 {"jurisdiction", "SG"}};
    return call(client_key, "documents", "issue", args.dump());
  }

  void sign_cert(core::Block& block) const {
    block.cert = {};
    block.cert.kind = core::CommitCert::Kind::kSolo;
    const Hash msg =
        core::commit_message(block.header.chain_id, block.header.height, 0, block.header.hash());
    block.cert.votes.push_back({node_key.public_key(), node_key.sign(core::ByteSpan(msg))});
  }

  core::Block commit(storage::Store& store, std::vector<core::Tx> txs) {
    const storage::ChainTip tip = *store.tip();
    const uint64_t height = tip.height + 1;
    const uint64_t time = kT0 + height * 1000;
    chain::StoreChainView view(store);
    auto exec = executor->execute_block(txs, height, time, tip.state_root, view);
    REQUIRE_MESSAGE(exec.is_ok(), exec.status().to_string());
    core::Block block;
    block.txs = std::move(txs);
    core::BlockHeader& h = block.header;
    h.chain_id = kChainId;
    h.height = height;
    h.prev_hash = tip.block_hash;
    h.timestamp_ms = time;
    h.proposer = node_key.public_key();
    h.tx_count = static_cast<uint32_t>(block.txs.size());
    h.tx_root = core::Block::compute_tx_root(block.txs);
    h.receipts_root = exec->receipts_root;
    h.state_root = exec->state_root;
    h.validator_set_hash = core::validator_set_hash(genesis.validators);
    sign_cert(block);
    const core::Status st = store.commit_block(block, exec->receipts, exec->writes);
    REQUIRE_MESSAGE(st.is_ok(), st.to_string());
    return block;
  }

  // Heights 1..4: two anchors; an anchor, a refused duplicate and a document issue; an empty
  // block; a refused stranger and two anchors.
  std::vector<core::Block> build(storage::Store& store) {
    REQUIRE(store.init_genesis(core::make_genesis_block(genesis), genesis.to_json()).is_ok());
    std::vector<core::Block> blocks;
    blocks.push_back(commit(store, {anchor(client_key, digest(1)), anchor(client_key, digest(2))}));
    blocks.push_back(commit(
        store, {anchor(node_key, digest(3)), anchor(client_key, digest(1)), issue_document()}));
    blocks.push_back(commit(store, {}));
    blocks.push_back(commit(store, {anchor(stranger_key, digest(9)), anchor(client_key, digest(4)),
                                    anchor(node_key, digest(5))}));
    return blocks;
  }
};

inline json prove(const storage::Store& store, const std::string& id) {
  auto source = chain::make_store_proof_source(store);
  auto bundle = chain::build_proof_bundle(*source, id);
  REQUIRE_MESSAGE(bundle.is_ok(), bundle.status().to_string());
  return std::move(bundle).value();
}

// "name: detail" of the first check that did not pass, or "(none)".
inline std::string first_failure(const json& bundle, const core::Genesis& genesis) {
  const chain::ProofReport r = chain::verify_proof_bundle(bundle, genesis);
  const chain::ProofCheck* f = r.first_failure();
  return f ? f->name + ": " + f->detail : std::string("(none)");
}

inline bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

// Flips one bit of byte `at` (negative: from the end) of the hex field `name`.
inline void flip(json& bundle, const char* name, long at) {
  core::Bytes b = core::from_hex(bundle[name].get<std::string>()).value();
  const size_t i = at >= 0 ? static_cast<size_t>(at) : b.size() - static_cast<size_t>(-at);
  REQUIRE(i < b.size());
  b[i] ^= 0x01;
  bundle[name] = core::to_hex(core::ByteSpan(b));
}

}  // namespace silk::proof_test
