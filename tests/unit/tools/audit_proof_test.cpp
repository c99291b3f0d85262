// `silk audit prove` and `verify-proof`, and the node's RPC as chain's sources (chain's
// own proof tests are tests/unit/chain/proof_test.cpp).
#include "silk/tools/audit_proof.h"

#include <doctest/doctest.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "fake_node.h"
#include "silk/chain/proof.h"
#include "silk/chain/verify_chain.h"
#include "silk/tools/cli.h"
#include "silk/tools/rpc_sources.h"
#include "unit/chain/proof_chain.h"

using namespace silk;
using namespace silk::tools;
using namespace silk::proof_test;

namespace {

// The store's chain served as silkd's RPC API would (docs/api.md), for the node's sources.
struct NodeFromStore {
  const storage::Store& store;
  const core::Genesis& genesis;
  bool garble_receipt = false;
  bool receipt_hex = false;  // receipts' exact encodings too, as silkd gives them now

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
      const storage::ChainTip tip = *store.tip();
      return ok({{"chain_id", genesis.chain_id},
                 {"genesis_hash", core::to_hex(genesis.hash)},
                 {"height", tip.height},
                 {"block_hash", core::to_hex(tip.block_hash)},
                 {"state_root", core::to_hex(tip.state_root)},
                 {"timestamp_ms", tip.timestamp_ms},
                 {"total_txs", tip.total_txs}});
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
      json a = {{"tx_id", core::to_hex(*id)},
                {"status", "committed"},
                {"height", loc->height},
                {"index", loc->index},
                {"receipt", receipt}};
      if (receipt_hex) a["receipt_hex"] = core::to_hex(r->encode());
      return ok(a);
    }
    if (starts_with(t, "/v1/block/") && t.find("?hex=1") != std::string::npos) {
      const bool by_hash = starts_with(t, "/v1/block/hash/");
      auto b = by_hash ? store.block_by_hash(core::hash_from_hex(t.substr(15, 64)).value())
                       : store.block_by_height(std::stoull(t.substr(10)));
      if (!b.is_ok()) return not_found();
      return ok({{"hash", core::to_hex(b->hash())}, {"hex", core::to_hex(b->encode())}});
    }
    if (starts_with(t, "/v1/config")) {
      json vals = json::array();
      for (const auto& v : genesis.validators) vals.push_back(core::to_hex(v));
      return ok({{"height", 4}, {"result", {{"config", {{"validators", vals}}}}}});
    }
    if (t == "/v1/query") {
      auto source = silk::chain::make_store_proof_source(store);
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
  TEST_CASE("the node source builds the same bundle as the store source") {
    ChainBuilder chain;
    auto store = storage::make_memory_store();
    const auto blocks = chain.build(*store);
    NodeFromStore serve{*store, chain.genesis};
    testing::FakeNode fake([&](const testing::FakeRequest& r) { return serve.answer(r); });
    NodeClient client(silk::client::parse_url(fake.url()).value());
    auto source = make_node_proof_source(client);
    for (const std::string& id : {core::to_hex(blocks[1].txs[1].tx_id()), std::string(kDocId)}) {
      auto bundle = silk::chain::build_proof_bundle(*source, id);
      REQUIRE_MESSAGE(bundle.is_ok(), bundle.status().to_string());
      CHECK(*bundle == prove(*store, id));
    }

    serve.garble_receipt = true;  // receipts that do not re-encode to receipts_root
    auto bad = silk::chain::build_proof_bundle(*source, core::to_hex(blocks[1].txs[1].tx_id()));
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

  TEST_CASE("the node's RPC as a block source: verify-chain over it gives the store's verdict") {
    ChainBuilder chain;
    auto store = storage::make_memory_store();
    const auto blocks = chain.build(*store);
    NodeFromStore serve{*store, chain.genesis};
    serve.receipt_hex = true;
    testing::FakeNode fake([&](const testing::FakeRequest& r) { return serve.answer(r); });
    NodeClient client(silk::client::parse_url(fake.url()).value());
    auto source = make_rpc_block_source(client, chain.genesis);
    silk::chain::VerifyChainOptions options;
    options.check_state = false;             // the RPC serves no state
    options.concurrent_store_reads = false;  // one connection
    auto report = silk::chain::verify_chain(*source, chain.genesis, options);
    REQUIRE(report.is_ok());
    CHECK_MESSAGE(report->ok(),
                  (report->differences.empty() ? "" : report->differences[0].message));
    CHECK(report->blocks_checked == 5);
    CHECK(report->txs_checked == 8);
    CHECK(report->state_keys_checked == 0);

    // Another genesis: the node's chain is not this one.
    ChainBuilder other(kT0 + 1);
    auto mismatch = silk::chain::verify_chain(*make_rpc_block_source(client, other.genesis),
                                              other.genesis, options);
    REQUIRE(mismatch.is_ok());
    CHECK_FALSE(mismatch->ok());
    CHECK(mismatch->differences[0].message.rfind("height 0: ", 0) == 0);

    // A node without receipt_hex cannot be replayed byte for byte.
    serve.receipt_hex = false;
    auto no_hex = silk::chain::verify_chain(*make_rpc_block_source(client, chain.genesis),
                                            chain.genesis, options);
    REQUIRE(no_hex.is_ok());
    CHECK(no_hex->differences[0].message ==
          "height 1: tx 0 (" + core::to_hex(blocks[0].txs[0].tx_id()) +
              ") receipt cannot be read: the node gave no receipt_hex for tx " +
              core::to_hex(blocks[0].txs[0].tx_id()));
  }
}
