#include "silk/tools/gov_commands.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "fake_node.h"
#include "silk/core/x509.h"
#include "test_keys.h"

using namespace silk::tools;
using namespace silk::tools::testing;
using nlohmann::json;
namespace core = silk::core;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t kNow = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
constexpr uint64_t kYear = 365ull * 86'400'000;

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

core::Certificate make_ca(const std::string& org, const std::string& c, uint8_t seed) {
  REQUIRE(core::crypto_init().is_ok());
  auto key = core::SecretKey::from_seed(core::Bytes(32, seed));
  auto ca = core::make_ca_certificate(*key, {org + " CA", org, "", c}, kNow, kNow + kYear);
  REQUIRE(ca.is_ok());
  return *ca;
}

std::string message_of(const GovProposeOptions& o) {
  auto r = gov_propose_args(o);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == core::Status::Code::kInvalid);
  return r.status().message();
}

GovProposeOptions kind(const std::string& k) {
  GovProposeOptions o;
  o.kind = k;
  return o;
}

}  // namespace

TEST_SUITE("gov_commands") {
  TEST_CASE("kinds: dashes on the command line, underscores on chain") {
    CHECK(*proposal_kind_on_chain("add-org") == "add_org");
    CHECK(*proposal_kind_on_chain("set-block-params") == "set_block_params");
    CHECK(*proposal_kind_on_chain("rotate_ca") == "rotate_ca");
    auto bad = proposal_kind_on_chain("add-member");
    REQUIRE_FALSE(bad.is_ok());
    CHECK(bad.status().message().find("add-org, remove-org") != std::string::npos);
  }

  TEST_CASE("add-org reads and checks the CA certificate") {
    TempDir tmp;
    const core::Certificate ca = make_ca("org5", "JP", 5);
    write_text(tmp.path() / "org5.pem", ca.pem());
    GovProposeOptions o = kind("add-org");
    CHECK(message_of(o).find("--org is required") != std::string::npos);
    o.org = "org5";
    o.name = "Org Five";
    CHECK(message_of(o).find("--jurisdiction is required") != std::string::npos);
    o.jurisdiction = "jp";
    CHECK(message_of(o).find("\"jp\"") != std::string::npos);
    o.jurisdiction = "JP";
    CHECK(message_of(o).find("--ca-cert is required") != std::string::npos);
    o.ca_cert_file = (tmp.path() / "org5.pem").string();
    o.description = "welcome org5";
    o.effective_height = 100;
    auto args = gov_propose_args(o);
    REQUIRE_MESSAGE(args.is_ok(), args.status().to_string());
    CHECK(*args == json{{"kind", "add_org"},
                        {"params",
                         {{"org",
                           {{"id", "org5"},
                            {"name", "Org Five"},
                            {"jurisdiction", "JP"},
                            {"ca_certs", {ca.pem()}}}}}},
                        {"description", "welcome org5"},
                        {"effective_height", 100}});
    // A CA of another organisation or jurisdiction is refused here already.
    o.org = "org6";
    CHECK(message_of(o).find("names organisation 'org5', not 'org6'") != std::string::npos);
    o.org = "org5";
    o.jurisdiction = "SG";
    CHECK(message_of(o).find("names jurisdiction 'JP', not 'SG'") != std::string::npos);
  }

  TEST_CASE("remove-org, rotate-ca, set-validators") {
    TempDir tmp;
    GovProposeOptions o = kind("remove-org");
    o.org = "bad/id";
    CHECK(message_of(o).find("\"bad/id\"") != std::string::npos);
    o.org = "org2";
    CHECK(*gov_propose_args(o) == json{{"kind", "remove_org"}, {"params", {{"org", "org2"}}}});

    const core::Certificate ca = make_ca("org2", "SG", 7);
    write_text(tmp.path() / "new.pem", ca.pem());
    o = kind("rotate-ca");
    o.org = "org2";
    CHECK(message_of(o).find("--ca-cert is required") != std::string::npos);
    o.ca_cert_file = (tmp.path() / "new.pem").string();
    o.drop_old = true;
    CHECK(*gov_propose_args(o) ==
          json{{"kind", "rotate_ca"},
               {"params", {{"org", "org2"}, {"ca_cert", ca.pem()}, {"keep_old", false}}}});

    o = kind("set-validators");
    CHECK(message_of(o).find("--validator is required") != std::string::npos);
    o.validators = {"zz"};
    CHECK(message_of(o).find("\"zz\"") != std::string::npos);
    const std::string v1(64, 'A');
    const std::string v2(64, 'b');
    o.validators = {v1, v2};
    CHECK(*gov_propose_args(o) == json{{"kind", "set_validators"},
                                       {"params", {{"validators", {std::string(64, 'a'), v2}}}}});
    o.validators = {v2, v2};
    CHECK(message_of(o).find("given twice") != std::string::npos);
  }

  TEST_CASE("set-policy and set-block-params") {
    GovProposeOptions o = kind("set-policy");
    CHECK(message_of(o).find("--name") != std::string::npos);
    o.name = "notary.anchor";
    CHECK(message_of(o).find("--policy JSON or --clear") != std::string::npos);
    o.policy = R"({"rule": "MAJORITY", "roles": ["admin"]})";
    auto args = gov_propose_args(o);
    REQUIRE_MESSAGE(args.is_ok(), args.status().to_string());
    CHECK((*args)["params"]["name"] == "notary.anchor");
    CHECK((*args)["params"]["policy"]["rule"] == "MAJORITY");
    o.policy = R"({"rule": "3/2"})";
    CHECK(message_of(o).find("--policy") != std::string::npos);
    o.policy = std::nullopt;
    o.clear = true;
    CHECK(
        *gov_propose_args(o) ==
        json{{"kind", "set_policy"}, {"params", {{"name", "notary.anchor"}, {"policy", nullptr}}}});
    o.policy = R"({"rule": "ANY"})";
    CHECK(message_of(o).find("not both") != std::string::npos);

    o = kind("set-block-params");
    CHECK(message_of(o).find("at least one") != std::string::npos);
    o.max_block_txs = 1000;
    CHECK(*gov_propose_args(o) ==
          json{{"kind", "set_block_params"}, {"params", {{"max_block_txs", 1000}}}});
  }

  TEST_CASE("--params merges over the flags and makes them optional") {
    GovProposeOptions o = kind("set-block-params");
    o.params = R"({"block_interval_ms": 50})";
    CHECK(*gov_propose_args(o) ==
          json{{"kind", "set_block_params"}, {"params", {{"block_interval_ms", 50}}}});
    o.max_block_txs = 10;
    o.params = R"({"max_block_txs": 20})";
    CHECK((*gov_propose_args(o))["params"] == json{{"max_block_txs", 20}});
    o.params = "[1]";
    CHECK(message_of(o).find("--params is not a JSON object") != std::string::npos);
    o = kind("add-org");
    o.params = R"({"org": {"id": "x"}})";
    CHECK((*gov_propose_args(o))["params"] == json{{"org", {{"id", "x"}}}});
  }

  TEST_CASE("show: heights only where they exist") {
    json open = {{"id", 3},
                 {"kind", "add_org"},
                 {"status", "open"},
                 {"proposer", "a1"},
                 {"proposer_org", "org1"},
                 {"created_height", 7},
                 {"executed_height", 0},
                 {"takes_effect_at", 0}};
    const std::string text = format_proposal(open);
    CHECK(text.find("height 0") == std::string::npos);
    CHECK(text.find("executed      not yet (waiting for approvals)") != std::string::npos);
    CHECK(text.find("takes effect") == std::string::npos);
    json done = open;
    done["status"] = "executed";
    done["executed_height"] = 9;
    done["takes_effect_at"] = 10;
    const std::string shown = format_proposal(done);
    CHECK(shown.find("executed      height 9") != std::string::npos);
    CHECK(shown.find("takes effect  height 10") != std::string::npos);
  }

  TEST_CASE("show: proposer and approvers by certificate subject; hex only when unknown") {
    const std::string admin1(64, 'a'), admin2(64, 'b'), stranger(64, 'c');
    json p = {
        {"id", 1},
        {"kind", "add_org"},
        {"status", "open"},
        {"proposer", admin1},
        {"proposer_org", "org1"},
        {"approvals",
         json::array({{{"org", "org1"}, {"roles", {"admin"}}, {"by", admin1}, {"height", 3}},
                      {{"org", "org2"}, {"roles", {"admin"}}, {"by", admin2}, {"height", 4}},
                      {{"org", "org3"}, {"roles", {"admin"}}, {"by", stranger}, {"height", 5}}})}};
    const std::map<std::string, std::string> subjects = {
        {admin1, "CN=org1-admin,OU=admin,O=org1,C=CN"},
        {admin2, "CN=org2-admin,OU=admin,O=org2,C=SG"}};
    const std::string text = format_proposal(p, subjects);
    CHECK(text.find("proposer      CN=org1-admin,OU=admin,O=org1,C=CN (org1)") !=
          std::string::npos);
    CHECK(text.find("org2 admin by CN=org2-admin,OU=admin,O=org2,C=SG at height 4") !=
          std::string::npos);
    CHECK(text.find(admin1) == std::string::npos);
    CHECK(text.find("org3 admin by " + stranger) != std::string::npos);
  }

  TEST_CASE("propose, approve, show, list and config talk to the node as documented") {
    TempDir tmp;
    const core::PublicKey pk = make_key_file(tmp.file("admin.key"), 9, "pw");
    json receipt_result = {{"id", 4}, {"status", "open"}};
    FakeNode node([&](const FakeRequest& r) -> FakeResponse {
      if (r.target == "/v1/chain") return {200, R"({"chain_id":"c"})"};
      if (r.target == "/v1/tx") {
        return {200, json{{"tx_id", std::string(64, '0')},
                          {"status", "committed"},
                          {"height", 3},
                          {"receipt", {{"code", 0}, {"result", receipt_result}}}}
                         .dump()};
      }
      if (r.target == "/v1/query") {
        json q = json::parse(r.body);
        if (q["method"] == "proposal") {
          return {200,
                  json{{"result",
                        {{"id", 4},
                         {"kind", "remove_org"},
                         {"status", "open"},
                         {"params", {{"org", "org2"}}},
                         {"approvals",
                          {{{"org", "org1"}, {"roles", {"admin"}}, {"by", "ab"}, {"height", 3}}}}}}}
                      .dump()};
        }
        if (q["method"] == "proposals") return {200, R"({"result":{"proposals":[]}})"};
        return {200, json{{"result",
                           {{"height", 7},
                            {"from_height", 0},
                            {"config",
                             {{"identity_mode", "with-cert"},
                              {"orgs", json::array()},
                              {"policies", json::object()},
                              {"validators", {std::string(64, 'e')}},
                              {"block",
                               {{"block_interval_ms", 100},
                                {"max_block_txs", 5000},
                                {"max_block_bytes", 8388608}}}}},
                            {"pending", json::array()}}}}
                         .dump()};
      }
      return {404, "{}"};
    });
    core::ManualClock clock(kNow);
    auto ctx = make_context(node.url(), clock);
    GovProposeOptions o = kind("remove-org");
    o.org = "org2";
    o.signer.key_file = tmp.file("admin.key");
    auto out = run_gov_propose(ctx, o);
    REQUIRE_MESSAGE(out.is_ok(), out.status().to_string());
    CHECK(out->text.find("proposal 4 (remove_org): open") != std::string::npos);
    CHECK(out->json["id"] == 4);
    CHECK(out->json["status"] == "open");
    CHECK(out->json["ok"] == true);
    CHECK(out->json["height"] == 3);

    receipt_result = {{"id", 4}, {"status", "executed"}, {"approvals", json::array({1, 2, 3})}};
    SignedCallOptions signer;
    signer.key_file = tmp.file("admin.key");
    auto approved = run_gov_approve(ctx, 4, signer);
    REQUIRE(approved.is_ok());
    CHECK(approved->text.find("proposal 4: executed") != std::string::npos);
    CHECK_FALSE(run_gov_approve(ctx, 0, signer).is_ok());

    std::vector<json> txs;
    std::vector<json> queries;
    for (const FakeRequest& r : node.requests()) {
      if (r.target == "/v1/tx") {
        auto tx = core::Tx::decode(*core::from_hex(json::parse(r.body)["tx"].get<std::string>()));
        REQUIRE(tx.is_ok());
        CHECK(tx->contract == "governance");
        CHECK(tx->sender == pk);  // no certificate beside the key: a with-key sender
        txs.push_back({{"method", tx->method}, {"args", json::parse(tx->args)}});
      }
    }
    REQUIRE(txs.size() == 2);
    CHECK(txs[0] == json{{"method", "propose"},
                         {"args", {{"kind", "remove_org"}, {"params", {{"org", "org2"}}}}}});
    CHECK(txs[1] == json{{"method", "approve"}, {"args", {{"id", 4}}}});

    auto shown = run_gov_show(ctx, 4);
    REQUIRE(shown.is_ok());
    CHECK(shown->text.find("proposal 4  remove_org  open") != std::string::npos);
    CHECK(shown->text.find("org1 admin by ab at height 3") != std::string::npos);
    auto listed = run_gov_list(ctx);
    REQUIRE(listed.is_ok());
    CHECK(listed->text == "no open proposals\n");
    auto config = run_gov_config(ctx, 7);
    REQUIRE(config.is_ok());
    CHECK(config->text.find("configuration at height 7") != std::string::npos);
    CHECK(config->text.find(std::string(64, 'e')) != std::string::npos);
    CHECK(config->text.find("interval 100 ms, at most 5000 txs") != std::string::npos);
    for (const FakeRequest& r : node.requests()) {
      if (r.target == "/v1/query") queries.push_back(json::parse(r.body));
    }
    REQUIRE(queries.size() == 3);
    CHECK(queries[0] ==
          json{{"contract", "governance"}, {"method", "proposal"}, {"args", {{"id", 4}}}});
    CHECK(queries[1] == json{{"contract", "governance"},
                             {"method", "proposals"},
                             {"args", {{"status", "open"}}}});
    CHECK(queries[2] ==
          json{{"contract", "governance"}, {"method", "config"}, {"args", {{"height", 7}}}});
  }
}
