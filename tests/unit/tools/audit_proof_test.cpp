#include "silk/tools/audit_proof.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>

#include "fake_node.h"
#include "silk/contracts/documents.h"
#include "silk/contracts/executor.h"
#include "silk/contracts/notary.h"
#include "silk/core/block.h"
#include "silk/core/crypto.h"
#include "silk/core/genesis.h"
#include "silk/core/merkle.h"
#include "silk/tools/cli.h"

using namespace silk;
using namespace silk::tools;
using core::Hash;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr const char* kChainId = "silk-proof-test";
constexpr uint64_t kT0 = 1'700'000'000'000;
constexpr const char* kDocId = "CO-2026-001";

core::SecretKey key_from_tag(uint8_t tag) {
  REQUIRE(core::crypto_init().is_ok());
  core::Bytes seed(32, tag);
  auto key = core::SecretKey::from_seed(seed);
  REQUIRE(key.is_ok());
  return std::move(key).value();
}

Hash digest(int n) { return core::sha256("proven document " + std::to_string(n)); }

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

class StoreView final : public contracts::StateView {
 public:
  explicit StoreView(const storage::Store& store) : store_(store) {}
  core::Result<std::optional<std::string>> get(std::string_view key) const override {
    return store_.get_state(key);
  }
  core::Result<std::vector<core::KeyVersion>> history(std::string_view key, uint64_t offset,
                                                      uint32_t limit) const override {
    return store_.history(key, offset, limit);
  }

 private:
  const storage::Store& store_;
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
    executor = std::make_unique<contracts::Executor>(genesis);
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
    StoreView view(store);
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

json prove(const storage::Store& store, const std::string& id) {
  auto source = make_store_proof_source(store);
  auto bundle = build_proof_bundle(*source, id);
  REQUIRE_MESSAGE(bundle.is_ok(), bundle.status().to_string());
  return std::move(bundle).value();
}

// "name: detail" of the first check that did not pass, or "(none)".
std::string first_failure(const json& bundle, const core::Genesis& genesis) {
  const ProofReport r = verify_proof_bundle(bundle, genesis);
  const ProofCheck* f = r.first_failure();
  return f ? f->name + ": " + f->detail : std::string("(none)");
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

// Flips one bit of byte `at` (negative: from the end) of the hex field `name`.
void flip(json& bundle, const char* name, long at) {
  core::Bytes b = core::from_hex(bundle[name].get<std::string>()).value();
  const size_t i = at >= 0 ? static_cast<size_t>(at) : b.size() - static_cast<size_t>(-at);
  REQUIRE(i < b.size());
  b[i] ^= 0x01;
  bundle[name] = core::to_hex(core::ByteSpan(b));
}

// The store's chain served as silkd's RPC API would (docs/api.md), for the node source.
struct NodeFromStore {
  const storage::Store& store;
  const core::Genesis& genesis;
  bool garble_receipt = false;

  static json embed(const std::string& text) {
    json p = json::parse(text, nullptr, false);
    return p.is_discarded() ? json(text) : p;
  }

  testing::FakeResponse answer(const testing::FakeRequest& req) const {
    const std::string& t = req.target;
    auto ok = [](const json& j) { return testing::FakeResponse{200, j.dump()}; };
    auto not_found = [] {
      return testing::FakeResponse{404, R"({"error":{"code":"not_found","message":"nope"}})"};
    };
    if (t == "/v1/chain") {
      return ok({{"chain_id", genesis.chain_id}, {"genesis_hash", core::to_hex(genesis.hash)}});
    }
    if (starts_with(t, "/v1/tx/")) {
      auto id = core::hash_from_hex(t.substr(7));
      if (!id.is_ok()) return not_found();
      auto loc = store.tx_location(*id);
      auto r = store.receipt(*id);
      if (!loc.is_ok() || !r.is_ok()) return not_found();
      json events = json::array();
      for (const auto& e : r->events) {
        events.push_back({{"contract", e.contract}, {"name", e.name}, {"data", embed(e.data)}});
      }
      json receipt = {{"code", r->code},
                      {"code_name", "x"},
                      {"message", garble_receipt ? r->message + "!" : r->message},
                      {"result", r->result.empty() ? json(nullptr) : embed(r->result)},
                      {"events", events},
                      {"write_set_hash", core::to_hex(r->write_set_hash)}};
      return ok({{"tx_id", core::to_hex(*id)},
                 {"status", "committed"},
                 {"height", loc->height},
                 {"index", loc->index},
                 {"receipt", receipt}});
    }
    if (starts_with(t, "/v1/block/") && t.find("?hex=1") != std::string::npos) {
      const uint64_t h = std::stoull(t.substr(10));
      auto b = store.block_by_height(h);
      if (!b.is_ok()) return not_found();
      return ok({{"hash", core::to_hex(b->hash())}, {"hex", core::to_hex(b->encode())}});
    }
    if (starts_with(t, "/v1/config")) {
      json vals = json::array();
      for (const auto& v : genesis.validators) vals.push_back(core::to_hex(v));
      return ok({{"height", 4}, {"result", {{"config", {{"validators", vals}}}}}});
    }
    if (t == "/v1/query") {
      auto source = make_store_proof_source(store);
      json body = json::parse(req.body);
      auto doc = source->document(body["args"]["doc_id"].get<std::string>());
      if (!doc.is_ok()) return not_found();
      return ok({{"height", 4}, {"result", *doc}});
    }
    return not_found();
  }
};

struct Run {
  int code = 0;
  std::string out;
  std::string err;
};

Run silk_cli(std::vector<std::string> args) {
  args.insert(args.begin(), "silk");
  std::ostringstream out;
  std::ostringstream err;
  CliEnv env;
  env.out = &out;
  env.err = &err;
  env.getenv = [](const char*) { return std::optional<std::string>(); };
  Run r;
  r.code = run_cli(args, env);
  r.out = out.str();
  r.err = err.str();
  return r;
}

}  // namespace

TEST_SUITE("audit_proof") {
  TEST_CASE("every tx of an honest chain is proven offline, refused ones too") {
    ChainBuilder chain;
    auto store = storage::make_memory_store();
    const auto blocks = chain.build(*store);
    for (const core::Block& block : blocks) {
      for (size_t i = 0; i < block.txs.size(); ++i) {
        const json bundle = prove(*store, core::to_hex(block.txs[i].tx_id()));
        CHECK(bundle["height"] == block.header.height);
        CHECK(bundle["index"] == i);
        const ProofReport r = verify_proof_bundle(bundle, chain.genesis);
        CHECK_MESSAGE(r.ok(), first_failure(bundle, chain.genesis));
        CHECK(r.checks.size() == 8);
      }
    }
    // Block 4, tx 0: the stranger's refused anchor is on chain with its failure.
    const json refused = prove(*store, core::to_hex(blocks[3].txs[0].tx_id()));
    const ProofReport r = verify_proof_bundle(refused, chain.genesis);
    CHECK(r.ok());
    CHECK(refused["receipt_decoded"]["code"] == 3);
    CHECK(r.summary.find("tx " + core::to_hex(blocks[3].txs[0].tx_id()) + " is in block 4 (hash " +
                         core::to_hex(blocks[3].hash()) + ") committed by ") == 0);
    CHECK(r.summary.find("(solo), receipt code 3 (unauthorized)") != std::string::npos);
    // Three leaves: the last one has a one-node path, the first a two-node path.
    CHECK(refused["tx_path"].size() == 2);
    CHECK(prove(*store, core::to_hex(blocks[3].txs[2].tx_id()))["tx_path"].size() == 1);
  }

  TEST_CASE("a doc_id resolves to its issuing tx and the record is carried") {
    ChainBuilder chain;
    auto store = storage::make_memory_store();
    const auto blocks = chain.build(*store);
    const json bundle = prove(*store, kDocId);
    CHECK(bundle["tx_id"] == core::to_hex(blocks[1].txs[2].tx_id()));
    CHECK(bundle["doc_id"] == kDocId);
    CHECK(bundle["document"]["doc_id"] == kDocId);
    CHECK(bundle["receipt_decoded"]["code"] == 0);
    const ProofReport r = verify_proof_bundle(bundle, chain.genesis);
    CHECK_MESSAGE(r.ok(), first_failure(bundle, chain.genesis));
    CHECK(r.checks.size() == 9);
    CHECK(r.checks.back().name == "document");

    json other = bundle;  // a record of another document grafted on
    other["doc_id"] = "CO-OTHER";
    other["document"]["doc_id"] = "CO-OTHER";
    CHECK(first_failure(other, chain.genesis) ==
          "document: the tx is not a documents call naming doc_id \"CO-OTHER\"");

    auto source = make_store_proof_source(*store);
    auto unknown = build_proof_bundle(*source, "NO-SUCH-DOC");
    REQUIRE_FALSE(unknown.is_ok());
    CHECK(unknown.status().code() == core::Status::Code::kNotFound);
    CHECK(starts_with(unknown.status().message(), "doc_id \"NO-SUCH-DOC\": "));
    auto no_tx = build_proof_bundle(*source, core::to_hex(digest(77)));
    REQUIRE_FALSE(no_tx.is_ok());
    CHECK(no_tx.status().code() == core::Status::Code::kNotFound);
  }

  TEST_CASE("each tampered part is caught, naming it") {
    ChainBuilder chain;
    auto store = storage::make_memory_store();
    const auto blocks = chain.build(*store);
    const core::Tx& tx = blocks[3].txs[1];
    const json good = prove(*store, core::to_hex(tx.tx_id()));
    REQUIRE(first_failure(good, chain.genesis) == "(none)");

    SUBCASE("a tx byte (in the args)") {
      json b = good;
      flip(b, "tx", -70);
      CHECK(starts_with(first_failure(b, chain.genesis), "tx: the tx's tx_id is "));
    }
    SUBCASE("a tx byte, with the tx_id claimed to match") {
      json b = good;
      flip(b, "tx", -70);
      b["tx_id"] = core::to_hex(
          core::Tx::decode(core::from_hex(b["tx"].get<std::string>()).value()).value().tx_id());
      CHECK(starts_with(first_failure(b, chain.genesis),
                        "tx signature: the signature does not verify against sender public key"));
    }
    SUBCASE("a signature byte of the tx") {
      json b = good;
      flip(b, "tx", -1);
      CHECK(starts_with(first_failure(b, chain.genesis), "tx signature: "));
      CHECK(verify_proof_bundle(b, chain.genesis).checks.size() == 8);
    }
    SUBCASE("a tx that does not decode") {
      json b = good;
      b["tx"] = b["tx"].get<std::string>() + "00";
      CHECK(starts_with(first_failure(b, chain.genesis), "tx: the tx does not decode: "));
    }
    SUBCASE("a receipt byte (its code)") {
      json b = good;
      flip(b, "receipt", 32);
      CHECK(first_failure(b, chain.genesis) ==
            "receipt inclusion: the receipt leaf at index 1 with its audit path does not reach "
            "receipts_root " +
                core::to_hex(blocks[3].header.receipts_root));
    }
    SUBCASE("a receipt of another tx") {
      json b = good;
      flip(b, "receipt", 0);
      CHECK(starts_with(first_failure(b, chain.genesis), "receipt: the receipt is for tx "));
    }
    SUBCASE("one tx audit-path node") {
      json b = good;
      std::string node = b["tx_path"][0].get<std::string>();
      node[0] = node[0] == '0' ? '1' : '0';
      b["tx_path"][0] = node;
      CHECK(
          first_failure(b, chain.genesis) ==
          "tx inclusion: the tx leaf at index 1 of 3 with its audit path does not reach tx_root " +
              core::to_hex(blocks[3].header.tx_root));
    }
    SUBCASE("one receipt audit-path node, or a path cut short") {
      json b = good;
      b["receipt_path"][1] = core::to_hex(digest(5));
      CHECK(starts_with(first_failure(b, chain.genesis), "receipt inclusion: "));
      json c = good;
      c["receipt_path"].erase(1);
      CHECK(starts_with(first_failure(c, chain.genesis), "receipt inclusion: "));
    }
    SUBCASE("another index") {
      json b = good;
      b["index"] = 0;
      CHECK(starts_with(first_failure(b, chain.genesis), "tx inclusion: "));
    }
    SUBCASE("a header field") {
      json b = good;
      // timestamp_ms sits after version, chain_id, height and prev_hash.
      flip(b, "header", 4 + 4 + static_cast<long>(std::string(kChainId).size()) + 8 + 32);
      CHECK(starts_with(first_failure(b, chain.genesis), "header: the header hashes to "));
    }
    SUBCASE("a header field, with block_hash claimed to match") {
      json b = good;
      flip(b, "header", 4 + 4 + static_cast<long>(std::string(kChainId).size()) + 8 + 32);
      b["block_hash"] =
          core::to_hex(core::sha256(core::from_hex(b["header"].get<std::string>()).value()));
      CHECK(first_failure(b, chain.genesis) ==
            "commit certificate: does not verify: block 4 commit cert: signature by " +
                core::to_hex(chain.node_key.public_key()) + " does not verify");
    }
    SUBCASE("a commit certificate signature") {
      json b = good;
      flip(b, "cert", -1);
      CHECK(starts_with(first_failure(b, chain.genesis), "commit certificate: does not verify: "));
    }
    SUBCASE("another validator set in the bundle") {
      json b = good;
      b["validators"].push_back(core::to_hex(chain.stranger_key.public_key()));
      CHECK(starts_with(first_failure(b, chain.genesis),
                        "commit certificate: the bundle's validator set (2 keys) is not the "
                        "genesis validator set (1 keys)"));
    }
    SUBCASE("another genesis") {
      ChainBuilder other(kT0 + 1);
      CHECK(first_failure(good, other.genesis) ==
            "genesis: the bundle's genesis_hash " + core::to_hex(chain.genesis.hash) +
                " != the genesis file's " + core::to_hex(other.genesis.hash));
    }
    SUBCASE("a missing field or another format") {
      json b = good;
      b.erase("receipt_path");
      CHECK(first_failure(b, chain.genesis) ==
            "receipt inclusion: the bundle has no array \"receipt_path\"");
      json c = good;
      c["format"] = "silk-proof/0";
      CHECK(first_failure(c, chain.genesis) ==
            "bundle: format is \"silk-proof/0\", expected \"silk-proof/1\"");
      CHECK(first_failure(json::array(), chain.genesis) ==
            "bundle: the bundle is not a JSON object");
    }
  }

  TEST_CASE("a certificate sender: carried certificate checked, otherwise a warning") {
    ChainBuilder chain;
    auto store = storage::make_memory_store();
    const auto blocks = chain.build(*store);
    json b = prove(*store, core::to_hex(blocks[0].txs[0].tx_id()));
    // Re-sign the tx as a certificate sender without a carried certificate: the signature cannot
    // be checked offline (the bundle then also fails inclusion, which is checked later).
    core::Tx tx = blocks[0].txs[0];
    tx.sender_kind = core::SenderKind::kCertFingerprint;
    tx.sender = core::sha256("some certificate");
    tx.sign(chain.client_key);
    b["tx"] = core::to_hex(core::ByteSpan(tx.encode()));
    b["tx_id"] = core::to_hex(tx.tx_id());
    const ProofReport r = verify_proof_bundle(b, chain.genesis);
    REQUIRE(r.first_failure() != nullptr);
    CHECK(r.first_failure()->warning);
    CHECK(r.first_failure()->detail ==
          "signature not checkable offline: the certificate is not in the tx (sender " +
              core::to_hex(tx.sender) + ")");
    CHECK_FALSE(r.ok());
  }

  TEST_CASE("the node source builds the same bundle as the store source") {
    ChainBuilder chain;
    auto store = storage::make_memory_store();
    const auto blocks = chain.build(*store);
    NodeFromStore serve{*store, chain.genesis};
    testing::FakeNode fake([&](const testing::FakeRequest& r) { return serve.answer(r); });
    NodeClient client(silk::client::parse_url(fake.url()).value());
    auto source = make_node_proof_source(client);
    for (const std::string& id : {core::to_hex(blocks[1].txs[1].tx_id()), std::string(kDocId)}) {
      auto bundle = build_proof_bundle(*source, id);
      REQUIRE_MESSAGE(bundle.is_ok(), bundle.status().to_string());
      CHECK(*bundle == prove(*store, id));
    }

    serve.garble_receipt = true;  // receipts that do not re-encode to receipts_root
    auto bad = build_proof_bundle(*source, core::to_hex(blocks[1].txs[1].tx_id()));
    REQUIRE_FALSE(bad.is_ok());
    CHECK(bad.status().code() == core::Status::Code::kUnavailable);
    CHECK(starts_with(bad.status().message(), "the receipts of block 2 as the node gives them"));
  }

  TEST_CASE("CLI: silk audit prove and verify-proof") {
    ChainBuilder chain;
    auto store = storage::make_memory_store();
    const auto blocks = chain.build(*store);
    NodeFromStore serve{*store, chain.genesis};
    testing::FakeNode fake([&](const testing::FakeRequest& r) { return serve.answer(r); });
    TempDir dir;
    const std::string genesis_file = dir.file("genesis.json");
    std::ofstream(genesis_file) << chain.genesis.to_json();
    const std::string bundle_file = dir.file("bundle.json");
    const std::string tx_id = core::to_hex(blocks[3].txs[1].tx_id());

    Run p = silk_cli({"--node", fake.url(), "audit", "prove", tx_id, "--out", bundle_file});
    REQUIRE_MESSAGE(p.code == 0, p.err);
    CHECK(p.out.find("wrote      " + bundle_file) != std::string::npos);

    Run v = silk_cli({"audit", "verify-proof", bundle_file, "--genesis", genesis_file});
    CHECK_MESSAGE(v.code == 0, v.err);
    CHECK(v.out.find("result: OK: tx " + tx_id + " is in block 4") != std::string::npos);

    Run j = silk_cli({"audit", "verify-proof", bundle_file, "--genesis", genesis_file, "--json"});
    CHECK(j.code == 0);
    json doc = json::parse(j.out);
    CHECK(doc["ok"] == true);
    CHECK(doc["checks"].size() == 8);
    CHECK(doc["checks"][0]["name"] == "genesis");

    Run d = silk_cli({"--node", fake.url(), "audit", "prove", kDocId, "--out", bundle_file});
    REQUIRE_MESSAGE(d.code == 0, d.err);
    CHECK(silk_cli({"audit", "verify-proof", bundle_file, "--genesis", genesis_file}).code == 0);

    json tampered = json::parse(std::ifstream(bundle_file));
    flip(tampered, "receipt", 32);
    std::ofstream(bundle_file) << tampered.dump();
    Run bad = silk_cli({"audit", "verify-proof", bundle_file, "--genesis", genesis_file, "--json"});
    CHECK(bad.code == 1);
    CHECK(starts_with(bad.err, "silk: error: proof fails: receipt inclusion: "));
    CHECK(json::parse(bad.out)["ok"] == false);

    Run usage = silk_cli({"audit", "prove", tx_id});
    CHECK(usage.code == kExitUsage);
    Run missing =
        silk_cli({"audit", "verify-proof", dir.file("nope.json"), "--genesis", genesis_file});
    CHECK(missing.code == 1);
    CHECK(missing.err.find("cannot open bundle file") != std::string::npos);
  }
}
