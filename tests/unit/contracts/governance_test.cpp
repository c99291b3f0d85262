#include "silk/contracts/governance.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "fakes/map_state_view.h"
#include "silk/contracts/chain_config.h"
#include "silk/contracts/executor.h"
#include "silk/core/bytes.h"
#include "silk/core/crypto.h"
#include "unit/contracts/cert_chain.h"
#include "unit/contracts/test_chain.h"

namespace silk::contracts {
namespace {

using core::Status;
using nlohmann::json;
using testing::CertChain;
using testing::code_of;
using testing::Identity;
using testing::make_ca;
using testing::OrgCa;

// A with-cert chain of three organisations (MAJORITY = 2) with an admin and a client in each.
struct Gov {
  Gov() = default;
  explicit Gov(ConsensusRules rules) : chain(std::move(rules)) {}

  CertChain chain;
  Identity admin1 = chain.member("org1", "admin", "admin1");
  Identity admin1b = chain.member("org1", "admin", "admin1b");
  Identity admin2 = chain.member("org2", "admin", "admin2");
  Identity admin3 = chain.member("org3", "admin", "admin3");
  Identity client1 = chain.member("org1", "client", "client1");
  Identity client3 = chain.member("org3", "client", "client3");
  uint32_t next_digest = 0;

  core::Receipt call(const Identity& who, const std::string& method, const json& args) {
    return chain.run1(chain.tx(who, "governance", method, args));
  }
  core::Receipt propose(const Identity& who, const std::string& kind, const json& params,
                        std::optional<uint64_t> effective_height = std::nullopt) {
    json args = {{"kind", kind}, {"params", params}, {"description", "test " + kind}};
    if (effective_height) args["effective_height"] = *effective_height;
    return call(who, "propose", args);
  }
  core::Receipt approve(const Identity& who, uint64_t id) {
    return call(who, "approve", {{"id", id}});
  }
  // Proposes with admin1 and approves with admin2: executed under MAJORITY of three.
  uint64_t pass(const std::string& kind, const json& params,
                std::optional<uint64_t> effective_height = std::nullopt) {
    const core::Receipt p = propose(admin1, kind, params, effective_height);
    REQUIRE_MESSAGE(p.ok(), p.message);
    const uint64_t id = json::parse(p.result).at("id").get<uint64_t>();
    const core::Receipt a = approve(admin2, id);
    REQUIRE_MESSAGE(a.ok(), a.message);
    REQUIRE(json::parse(a.result).at("status") == "executed");
    return id;
  }

  core::Tx anchor_tx(const Identity& who) {
    const std::string hash = core::to_hex(core::sha256("doc " + std::to_string(next_digest++)));
    return chain.tx(who, "notary", "anchor", json{{"hash", hash}});
  }
  core::Receipt anchor(const Identity& who) { return chain.run1(anchor_tx(who)); }

  json proposal(uint64_t id) { return chain.query_json("governance", "proposal", {{"id", id}}); }
  json config(std::optional<uint64_t> height = std::nullopt) {
    json args = json::object();
    if (height) args["height"] = *height;
    return chain.query_json("governance", "config", args);
  }
  std::shared_ptr<const ChainConfig> config_at(uint64_t height) {
    auto c = chain.executor.config_at(chain.state, height);
    REQUIRE_MESSAGE(c.is_ok(), c.status().to_string());
    return *c;
  }
  json stored_versions() {
    auto v = chain.state.get(kConfigKey);
    REQUIRE(v.is_ok());
    REQUIRE(v->has_value());
    return json::parse(**v).at("versions");
  }
  // Empty blocks until the next block is `height`.
  void advance_to(uint64_t height) {
    while (chain.height < height) chain.run({});
  }
};

std::vector<std::string> org_ids_of(const json& config) {
  std::vector<std::string> ids;
  for (const json& o : config.at("orgs")) ids.push_back(o.at("id").get<std::string>());
  return ids;
}

std::vector<std::string> event_names(const core::Receipt& r) {
  std::vector<std::string> names;
  for (const auto& e : r.events) {
    CHECK(e.contract == "governance");
    names.push_back(e.name);
  }
  return names;
}

json org4_params(const OrgCa& ca) {
  return {{"org",
           {{"id", "org4"},
            {"name", "org4 GmbH"},
            {"jurisdiction", "FR"},
            {"ca_certs", json::array({ca.cert.pem()})}}}};
}

Identity org4_member(CertChain& chain, const OrgCa& ca, const std::string& role) {
  return chain.issue(ca, core::DistinguishedName{"d4-" + role, "org4", role, "FR"});
}

TEST_SUITE("governance") {
  TEST_CASE("add_org: proposed, approved by a majority, effective from the next height") {
    Gov g;
    const OrgCa ca4 = make_ca("org4", "FR", 4);
    const Identity dave = org4_member(g.chain, ca4, "client");

    // A client may not propose (governance.propose is ANY admin).
    const core::Receipt by_client = g.propose(g.client1, "add_org", org4_params(ca4));
    CHECK(by_client.code == code_of(Status::Code::kUnauthorized));
    CHECK(by_client.message.find("governance.propose") != std::string::npos);

    const core::Receipt proposed = g.propose(g.admin1, "add_org", org4_params(ca4));
    REQUIRE_MESSAGE(proposed.ok(), proposed.message);
    CHECK(json::parse(proposed.result) == json{{"id", 1}, {"status", "open"}});
    CHECK(event_names(proposed) == std::vector<std::string>{"proposed"});

    json p = g.proposal(1);
    CHECK(p.at("status") == "open");
    CHECK(p.at("kind") == "add_org");
    CHECK(p.at("proposer") == g.admin1.fingerprint_hex());
    CHECK(p.at("proposer_org") == "org1");
    CHECK(p.at("description") == "test add_org");
    REQUIRE(p.at("approvals").size() == 1);
    CHECK(p.at("approvals")[0].at("org") == "org1");
    CHECK(p.at("approvals")[0].at("roles") == json::array({"admin"}));
    CHECK(p.at("approvals")[0].at("by") == g.admin1.fingerprint_hex());
    json open = g.chain.query_json("governance", "proposals", {{"status", "open"}});
    REQUIRE(open.at("proposals").size() == 1);
    CHECK(open.at("proposals")[0].at("id") == 1);

    // One approval of three organisations: org4's members are still outsiders.
    const core::Receipt early = g.anchor(dave);
    CHECK(early.code == code_of(Status::Code::kUnauthorized));
    CHECK(early.message.find("not in the consortium") != std::string::npos);

    // org2 approves: 2 of 3 is a majority. In the same block org4 is still outside.
    const uint64_t h = g.chain.height;
    const auto exec = g.chain.run(
        {g.chain.tx(g.admin2, "governance", "approve", json{{"id", 1}}), g.anchor_tx(dave)});
    const core::Receipt& approved = exec.receipts[0];
    REQUIRE_MESSAGE(approved.ok(), approved.message);
    const json ar = json::parse(approved.result);
    CHECK(ar.at("status") == "executed");
    CHECK(ar.at("approvals").size() == 2);
    CHECK(event_names(approved) == std::vector<std::string>{"approved", "executed"});
    CHECK(json::parse(approved.events[1].data) ==
          json{{"id", 1}, {"kind", "add_org"}, {"takes_effect_at", h + 1}});
    CHECK(exec.receipts[1].code == code_of(Status::Code::kUnauthorized));
    CHECK(exec.receipts[1].message.find("not in the consortium") != std::string::npos);

    p = g.proposal(1);
    CHECK(p.at("status") == "executed");
    CHECK(p.at("executed_height") == h);
    CHECK(p.at("takes_effect_at") == h + 1);
    CHECK(g.chain.query_json("governance", "proposals", json::object()).at("proposals").empty());

    // The configuration: three organisations at h, four from h + 1.
    const json before = g.config(h);
    CHECK(before.at("height") == h);
    CHECK(org_ids_of(before.at("config")) == std::vector<std::string>{"org1", "org2", "org3"});
    CHECK(before.at("from_height") == 0);
    REQUIRE(before.at("pending").size() == 1);
    CHECK(before.at("pending")[0].at("from_height") == h + 1);
    const json after = g.config();
    CHECK(after.at("height") == h + 1);
    CHECK(after.at("from_height") == h + 1);
    CHECK(after.at("pending").empty());
    CHECK(org_ids_of(after.at("config")) ==
          std::vector<std::string>{"org1", "org2", "org3", "org4"});
    CHECK(after.at("config").at("orgs")[3].at("jurisdiction") == "FR");
    CHECK(g.config_at(h)->orgs.size() == 3);
    CHECK(g.config_at(h + 1)->orgs.size() == 4);
    REQUIRE(g.config_at(h + 1)->find_org("org4") != nullptr);
    CHECK(g.config_at(h + 1)->find_org("org4")->cas.at(0) == ca4.cert);

    // Now org4's member is in.
    const core::Receipt late = g.anchor(dave);
    CHECK_MESSAGE(late.ok(), late.message);

    // Approving an executed proposal is a conflict naming its status.
    const core::Receipt again = g.approve(g.admin3, 1);
    CHECK(again.code == code_of(Status::Code::kConflict));
    CHECK(again.message.find("executed") != std::string::npos);

    // Four organisations now: MAJORITY needs 3.
    const core::Receipt p2 = g.propose(g.admin1, "set_block_params", {{"max_block_txs", 7}});
    REQUIRE(p2.ok());
    const core::Receipt a2 = g.approve(g.admin2, 2);
    REQUIRE(a2.ok());
    CHECK(json::parse(a2.result).at("status") == "open");
    const core::Receipt a3 = g.approve(g.admin3, 2);
    REQUIRE(a3.ok());
    CHECK(json::parse(a3.result).at("status") == "executed");
  }

  TEST_CASE("one approval per sender; several admins of one organisation count once") {
    Gov g;
    REQUIRE(g.propose(g.admin1, "set_block_params", {{"max_block_txs", 10}}).ok());
    const core::Receipt twice = g.approve(g.admin1, 1);
    CHECK(twice.code == code_of(Status::Code::kConflict));
    CHECK(twice.message.find("already approved") != std::string::npos);

    const core::Receipt same_org = g.approve(g.admin1b, 1);
    REQUIRE_MESSAGE(same_org.ok(), same_org.message);
    CHECK(json::parse(same_org.result).at("status") == "open");
    CHECK(g.proposal(1).at("approvals").size() == 2);

    // A client may not approve; an unknown proposal is not found.
    CHECK(g.approve(g.client1, 1).code == code_of(Status::Code::kUnauthorized));
    CHECK(g.approve(g.admin2, 9).code == code_of(Status::Code::kNotFound));
    CHECK(g.chain.query("governance", "proposal", {{"id", 9}}).status().code() ==
          Status::Code::kNotFound);

    const core::Receipt done = g.approve(g.admin3, 1);
    REQUIRE(done.ok());
    CHECK(json::parse(done.result).at("status") == "executed");
  }

  TEST_CASE("effective_height in the future delays the change") {
    Gov g;
    const uint64_t target = g.chain.height + 6;
    g.pass("set_block_params", {{"max_block_txs", 10}}, target);
    const json p = g.proposal(1);
    CHECK(p.at("effective_height") == target);
    CHECK(p.at("takes_effect_at") == target);

    json now = g.config();
    CHECK(now.at("config").at("block").at("max_block_txs") == 5000);
    REQUIRE(now.at("pending").size() == 1);
    CHECK(now.at("pending")[0].at("from_height") == target);
    CHECK(now.at("pending")[0].at("config").at("block").at("max_block_txs") == 10);
    CHECK(g.config(target).at("config").at("block").at("max_block_txs") == 10);
    CHECK(g.config_at(target - 1)->block.max_block_txs == 5000);
    CHECK(g.config_at(target)->block.max_block_txs == 10);

    g.advance_to(target);
    now = g.config();
    CHECK(now.at("height") == target);
    CHECK(now.at("config").at("block").at("max_block_txs") == 10);
    CHECK(now.at("pending").empty());

    // An effective_height that is not after the current height is refused.
    const core::Receipt past =
        g.propose(g.admin1, "set_block_params", {{"max_block_txs", 3}}, g.chain.height);
    CHECK(past.code == code_of(Status::Code::kInvalid));
    CHECK(past.message.find("effective_height") != std::string::npos);
  }

  TEST_CASE("set_policy changes who may call a method; null restores the default") {
    Gov g;
    const Identity issuer = g.chain.member("org2", "issuer", "issuer2");
    REQUIRE(g.anchor(g.client1).ok());

    g.pass("set_policy",
           {{"name", "notary.anchor"}, {"policy", {{"rule", "ANY"}, {"roles", {"issuer"}}}}});
    CHECK(g.config().at("config").at("policies").at("notary.anchor") ==
          json{{"rule", "ANY"}, {"orgs", json::array()}, {"roles", {"issuer"}}});
    const core::Receipt refused = g.anchor(g.client1);
    CHECK(refused.code == code_of(Status::Code::kUnauthorized));
    CHECK(refused.message.find("notary.anchor") != std::string::npos);
    CHECK_MESSAGE(g.anchor(issuer).ok(), "an issuer may anchor");

    g.pass("set_policy", {{"name", "notary.anchor"}, {"policy", nullptr}});
    CHECK_FALSE(g.config().at("config").at("policies").contains("notary.anchor"));
    CHECK(g.anchor(g.client1).ok());
  }

  TEST_CASE("set_policy on a proposal kind: SELF lets an organisation rotate its own CA") {
    Gov g;
    g.pass("set_policy",
           {{"name", "proposal.rotate_ca"}, {"policy", {{"rule", "SELF"}, {"roles", {"admin"}}}}});
    const OrgCa new_ca = make_ca("org2", "SG", 22);
    // org1's admin proposing for org2: not met (org2 has not approved).
    const core::Receipt other =
        g.propose(g.admin1, "rotate_ca", {{"org", "org2"}, {"ca_cert", new_ca.cert.pem()}});
    REQUIRE(other.ok());
    CHECK(json::parse(other.result).at("status") == "open");
    // org2's admin proposing for org2: executed at once.
    const core::Receipt own =
        g.propose(g.admin2, "rotate_ca", {{"org", "org2"}, {"ca_cert", new_ca.cert.pem()}});
    REQUIRE_MESSAGE(own.ok(), own.message);
    CHECK(json::parse(own.result).at("status") == "executed");
    CHECK(g.config_at(g.chain.height)->find_org("org2")->cas.size() == 2);
    // The first proposal now fails when org2 approves it: the CA is already there.
    const core::Receipt late = g.approve(g.admin2, 2);
    REQUIRE_MESSAGE(late.ok(), late.message);
    CHECK(json::parse(late.result).at("status") == "failed");
    CHECK(event_names(late) == std::vector<std::string>{"approved", "failed"});
    const json p = g.proposal(2);
    CHECK(p.at("status") == "failed");
    CHECK(p.at("reason").get<std::string>().find("already a CA of org2") != std::string::npos);
  }

  TEST_CASE("set_block_params and set_validators show in the configuration") {
    Gov g;
    g.pass("set_block_params", {{"max_block_bytes", 4096}, {"block_interval_ms", 250}});
    json block = g.config().at("config").at("block");
    CHECK(block ==
          json{{"block_interval_ms", 250}, {"max_block_txs", 5000}, {"max_block_bytes", 4096}});
    CHECK(g.config_at(g.chain.height)->block.max_block_bytes == 4096);

    const core::SecretKey v1 = testing::seeded_key(0x7B, 1);
    const core::SecretKey v2 = testing::seeded_key(0x7B, 2);
    const std::string h1 = core::to_hex(core::ByteSpan(v1.public_key().data(), 32));
    const std::string h2 = core::to_hex(core::ByteSpan(v2.public_key().data(), 32));
    g.pass("set_validators", {{"validators", {h1, h2}}});
    CHECK(g.config().at("config").at("validators") == json{h1, h2});
    CHECK(g.config_at(g.chain.height)->validators.size() == 2);
  }

  TEST_CASE("a block returns the configuration it changed; other blocks return none") {
    Gov g;
    const core::Receipt p =
        g.propose(g.admin1, "set_block_params", {{"max_block_bytes", 4096}}, g.chain.height + 3);
    REQUIRE_MESSAGE(p.ok(), p.message);
    const uint64_t id = json::parse(p.result).at("id").get<uint64_t>();
    CHECK(g.chain.run({g.anchor_tx(g.client1)}).config_changed == nullptr);

    // The approval that executes the proposal: the schedule after the block, as state says.
    const uint64_t approved_at = g.chain.height;
    BlockExecution exec =
        g.chain.run({g.chain.tx(g.admin2, "governance", "approve", {{"id", id}})});
    REQUIRE(exec.config_changed != nullptr);
    const ConfigSchedule& schedule = *exec.config_changed;
    CHECK(schedule.versions().size() == 1);
    // Proposed at approved_at - 2 to take effect 3 blocks later.
    CHECK(schedule.at(approved_at)->block.max_block_bytes == 8u << 20);
    CHECK(schedule.at(approved_at + 1)->block.max_block_bytes == 4096);
    auto from_state = g.chain.executor.config_schedule(g.chain.state);
    REQUIRE(from_state.is_ok());
    CHECK(encode_config_versions((*from_state)->versions()) ==
          encode_config_versions(schedule.versions()));

    // A failed governance tx changes nothing.
    BlockExecution again =
        g.chain.run({g.chain.tx(g.admin3, "governance", "approve", {{"id", id}})});
    CHECK_FALSE(again.receipts.at(0).ok());
    CHECK(again.config_changed == nullptr);
  }

  TEST_CASE("the engine decides how the validator set may change") {
    const core::SecretKey v1 = testing::seeded_key(0x7B, 1);
    const core::SecretKey v2 = testing::seeded_key(0x7B, 2);
    const std::string h1 = core::to_hex(core::ByteSpan(v1.public_key().data(), 32));
    const std::string h2 = core::to_hex(core::ByteSpan(v2.public_key().data(), 32));
    {
      Gov solo(ConsensusRules{"solo", core::ValidatorChanges::kNever});
      const core::Receipt r = solo.propose(solo.admin1, "set_validators", {{"validators", {h1}}});
      CHECK(r.code == code_of(Status::Code::kInvalid));
      CHECK(r.message.find("a solo chain cannot change its validators") != std::string::npos);
    }
    {
      Gov raft(ConsensusRules{"raft", core::ValidatorChanges::kOneAtATime});
      const std::string v0 =
          core::to_hex(core::ByteSpan(raft.chain.validator.public_key().data(), 32));
      // Replacing the one validator changes two members at once: refused.
      const core::Receipt r = raft.propose(raft.admin1, "set_validators", {{"validators", {h1}}});
      CHECK(r.code == code_of(Status::Code::kInvalid));
      CHECK(r.message.find("a raft chain changes its validators one at a time") !=
            std::string::npos);
      CHECK(r.message.find("this changes 2") != std::string::npos);
      // Adding one is fine, then removing one.
      raft.pass("set_validators", {{"validators", {v0, h1}}});
      raft.pass("set_validators", {{"validators", {h1}}});
      CHECK(raft.config().at("config").at("validators") == json{h1});
    }
    {
      Gov tbft;  // any new set
      tbft.pass("set_validators", {{"validators", {h1, h2}}});
    }
  }

  TEST_CASE("remove_org: its members are refused from the next height") {
    Gov g;
    REQUIRE(g.anchor(g.client3).ok());
    g.pass("remove_org", {{"org", "org3"}});
    CHECK(org_ids_of(g.config().at("config")) == std::vector<std::string>{"org1", "org2"});
    const core::Receipt refused = g.anchor(g.client3);
    CHECK(refused.code == code_of(Status::Code::kUnauthorized));
    CHECK(refused.message.find("not in the consortium") != std::string::npos);
    CHECK(g.anchor(g.client1).ok());

    // Two organisations left: MAJORITY needs both; then not the last one.
    g.pass("remove_org", {{"org", "org2"}});
    const core::Receipt last = g.propose(g.admin1, "remove_org", {{"org", "org1"}});
    CHECK(last.code == code_of(Status::Code::kInvalid));
    CHECK(last.message.find("last organisation") != std::string::npos);
  }

  TEST_CASE("rotate_ca: keep_old false retires the old CA's certificates") {
    Gov g;
    const OrgCa new_ca = make_ca("org2", "SG", 22);
    const Identity old_client = g.chain.member("org2", "client", "old2");
    const Identity new_client =
        g.chain.issue(new_ca, core::DistinguishedName{"new2", "org2", "client", "SG"});
    REQUIRE(g.anchor(old_client).ok());
    CHECK(g.anchor(new_client).code == code_of(Status::Code::kUnauthorized));

    // keep_old defaults to true: both CAs are trusted.
    g.pass("rotate_ca", {{"org", "org2"}, {"ca_cert", new_ca.cert.pem()}});
    CHECK(g.proposal(1).at("params").at("keep_old") == true);
    CHECK(g.anchor(old_client).ok());
    CHECK(g.anchor(new_client).ok());

    g.pass("rotate_ca", {{"org", "org2"}, {"ca_cert", new_ca.cert.pem()}, {"keep_old", false}});
    const json org2 = g.config().at("config").at("orgs")[1];
    CHECK(org2.at("id") == "org2");
    CHECK(org2.at("ca_certs") == json::array({new_ca.cert.pem()}));
    const core::Receipt old_refused = g.anchor(old_client);
    CHECK(old_refused.code == code_of(Status::Code::kUnauthorized));
    CHECK(g.anchor(new_client).ok());
  }

  TEST_CASE("pending changes compose, in height order and within one block") {
    Gov g;
    const uint64_t later = g.chain.height + 10;
    g.pass("set_block_params", {{"max_block_txs", 10}}, later);
    const uint64_t soon = g.chain.height + 2;  // the next block after the approval's
    g.pass("set_block_params", {{"max_block_bytes", 4096}});
    // The earlier change does not bring the later one forward, and the later one keeps it.
    CHECK(g.config_at(soon)->block == BlockParams{100, 5000, 4096});
    CHECK(g.config_at(later - 1)->block == BlockParams{100, 5000, 4096});
    CHECK(g.config_at(later)->block == BlockParams{100, 10, 4096});

    // Two proposals executed by the same block both take effect.
    REQUIRE(g.propose(g.admin1, "set_block_params", {{"block_interval_ms", 300}}).ok());
    REQUIRE(
        g.propose(g.admin1, "set_policy",
                  {{"name", "notary.anchor"}, {"policy", {{"rule", "ANY"}, {"roles", {"admin"}}}}})
            .ok());
    const auto exec = g.chain.run({g.chain.tx(g.admin3, "governance", "approve", json{{"id", 3}}),
                                   g.chain.tx(g.admin3, "governance", "approve", json{{"id", 4}})});
    REQUIRE_MESSAGE(exec.receipts[0].ok(), exec.receipts[0].message);
    REQUIRE_MESSAGE(exec.receipts[1].ok(), exec.receipts[1].message);
    const auto next = g.config_at(g.chain.height);
    CHECK(next->block == BlockParams{300, 5000, 4096});
    CHECK(next->policies.count("notary.anchor") == 1);
    CHECK(g.config_at(later)->block == BlockParams{300, 10, 4096});
    CHECK(g.config_at(later)->policies.count("notary.anchor") == 1);
  }

  TEST_CASE("every version is kept, so the config of any past height is answerable") {
    Gov g;
    const uint64_t before = g.chain.height;
    g.pass("set_block_params", {{"max_block_txs", 11}});
    const uint64_t first = g.chain.height;
    g.pass("set_block_params", {{"max_block_txs", 12}});
    g.pass("set_block_params", {{"max_block_txs", 13}});
    const json versions = g.stored_versions();
    REQUIRE(versions.size() == 3);
    CHECK(versions[0].at("config").at("block").at("max_block_txs") == 11);
    CHECK(versions[1].at("config").at("block").at("max_block_txs") == 12);
    CHECK(versions[2].at("config").at("block").at("max_block_txs") == 13);
    CHECK(g.config_at(g.chain.height)->block.max_block_txs == 13);
    CHECK(g.config_at(first)->block.max_block_txs == 11);
    CHECK(g.config_at(before)->block.max_block_txs == 5000);
  }

  TEST_CASE("governance cannot forbid its own rule changes") {
    Gov g;
    for (const char* name : {"governance.propose", "governance.approve", "proposal.set_policy"}) {
      const core::Receipt r =
          g.propose(g.admin1, "set_policy", {{"name", name}, {"policy", {{"rule", "FORBIDDEN"}}}});
      CHECK(r.code == code_of(Status::Code::kInvalid));
      CHECK(r.message.find("would lock governance") != std::string::npos);
    }
  }

  TEST_CASE("withdraw: only the proposer, only while open") {
    Gov g;
    REQUIRE(g.propose(g.admin1, "set_block_params", {{"max_block_txs", 10}}).ok());
    const core::Receipt other = g.call(g.admin1b, "withdraw", {{"id", 1}});
    CHECK(other.code == code_of(Status::Code::kUnauthorized));
    CHECK(other.message.find("only the proposer") != std::string::npos);

    const core::Receipt own = g.call(g.admin1, "withdraw", {{"id", 1}});
    REQUIRE_MESSAGE(own.ok(), own.message);
    CHECK(event_names(own) == std::vector<std::string>{"withdrawn"});
    CHECK(g.proposal(1).at("status") == "withdrawn");
    CHECK(g.chain.query_json("governance", "proposals", json::object()).at("proposals").empty());

    const core::Receipt approve = g.approve(g.admin2, 1);
    CHECK(approve.code == code_of(Status::Code::kConflict));
    CHECK(approve.message.find("withdrawn") != std::string::npos);
    const core::Receipt twice = g.call(g.admin1, "withdraw", {{"id", 1}});
    CHECK(twice.code == code_of(Status::Code::kConflict));
    CHECK(g.config().at("config").at("block").at("max_block_txs") == 5000);
  }

  TEST_CASE("a change that no longer applies fails; the tx succeeds") {
    Gov g;
    REQUIRE(g.propose(g.admin1, "remove_org", {{"org", "org3"}}).ok());
    REQUIRE(g.propose(g.admin1, "rotate_ca",
                      {{"org", "org3"}, {"ca_cert", make_ca("org3", "DE", 33).cert.pem()}})
                .ok());
    REQUIRE(json::parse(g.approve(g.admin2, 1).result).at("status") == "executed");
    const core::Receipt r = g.approve(g.admin2, 2);
    REQUIRE_MESSAGE(r.ok(), r.message);
    CHECK(json::parse(r.result).at("status") == "failed");
    const json failed = json::parse(r.events.at(1).data);
    CHECK(failed.at("id") == 2);
    CHECK(failed.at("reason").get<std::string>().find("org3") != std::string::npos);
    CHECK(g.proposal(2).at("status") == "failed");
    CHECK(g.chain.query_json("governance", "proposals", json::object()).at("proposals").empty());
  }

  TEST_CASE("invalid params are refused, naming the field") {
    Gov g;
    const OrgCa ca4 = make_ca("org4", "FR", 4);
    const OrgCa ca5 = make_ca("org5", "FR", 5);
    const Identity leaf = org4_member(g.chain, ca4, "client");
    json bad_jurisdiction = org4_params(ca4);
    bad_jurisdiction["org"]["jurisdiction"] = "fr";
    json wrong_o = org4_params(ca5);
    json not_ca = org4_params(ca4);
    not_ca["org"]["ca_certs"] = {leaf.cert.pem()};
    json existing = org4_params(g.chain.ca("org1"));
    existing["org"]["id"] = "org1";
    existing["org"]["jurisdiction"] = "CN";
    json wrong_c = org4_params(ca4);
    wrong_c["org"]["jurisdiction"] = "DE";
    json not_pem = org4_params(ca4);
    not_pem["org"]["ca_certs"] = {"hello"};

    struct Case {
      std::string kind;
      json params;
      std::string needle;
    };
    const std::vector<Case> cases = {
        {"add_org", json::object(), "params.org: missing"},
        {"add_org", bad_jurisdiction, "params.org.jurisdiction"},
        {"add_org", wrong_o, "params.org.ca_certs[0] names organisation 'org5'"},
        {"add_org", not_ca, "params.org.ca_certs[0] is not a CA"},
        {"add_org", wrong_c, "params.org.ca_certs[0] names jurisdiction 'FR'"},
        {"add_org", not_pem, "params.org.ca_certs[0]"},
        {"add_org", existing, "params.org.id: organisation 'org1' is already"},
        {"remove_org", {{"org", "org9"}}, "params.org: organisation 'org9' is not"},
        {"remove_org", {{"org", 3}}, "params.org: expected a string"},
        {"rotate_ca",
         {{"org", "org9"}, {"ca_cert", make_ca("org9", "FR", 9).cert.pem()}},
         "params.org: organisation 'org9' is not"},
        {"rotate_ca",
         {{"org", "org2"}, {"ca_cert", g.chain.ca("org1").cert.pem()}},
         "params.ca_cert names organisation 'org1'"},
        {"rotate_ca",
         {{"org", "org2"}, {"ca_cert", make_ca("org2", "DE", 22).cert.pem()}},
         "params.ca_cert names jurisdiction 'DE'"},
        {"rotate_ca",
         {{"org", "org2"}, {"ca_cert", make_ca("org2", "SG", 22).cert.pem()}, {"keep_old", 1}},
         "params.keep_old"},
        {"set_validators", {{"validators", json::array()}}, "params.validators"},
        {"set_validators", {{"validators", {"zz"}}}, "params.validators[0]"},
        {"set_validators",
         {{"validators", {std::string(64, 'a'), std::string(64, 'A')}}},
         "params.validators[1]: listed twice"},
        {"set_policy", {{"name", "bad"}, {"policy", nullptr}}, "params.name"},
        {"set_policy",
         {{"name", "notary.anchor"}, {"policy", {{"rule", "3/2"}}}},
         "params.policy: policy rule '3/2'"},
        {"set_policy", {{"name", "notary.anchor"}}, "params.policy: missing"},
        {"set_block_params", json::object(), "at least one"},
        {"set_block_params", {{"max_block_bytes", 100}}, "params.max_block_bytes"},
        {"set_block_params", {{"max_block_txs", 0}}, "params.max_block_txs"},
        {"set_block_params", {{"block_interval_ms", 0}}, "params.block_interval_ms"},
        {"set_block_params", {{"max_block_txs", -1}}, "params.max_block_txs"},
        {"set_block_params", {{"max_block_txs", 10}, {"colour", "red"}}, "unknown field 'colour'"},
        {"make_me_king", json::object(), "kind: unknown kind 'make_me_king'"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.kind);
      CAPTURE(c.params.dump());
      const core::Receipt r = g.propose(g.admin1, c.kind, c.params);
      CHECK(r.code == code_of(Status::Code::kInvalid));
      CHECK_MESSAGE(r.message.find(c.needle) != std::string::npos, r.message);
    }
    const core::Receipt no_params = g.call(g.admin1, "propose", {{"kind", "set_block_params"}});
    CHECK(no_params.code == code_of(Status::Code::kInvalid));
    CHECK(no_params.message.find("params") != std::string::npos);
    const core::Receipt extra = g.call(
        g.admin1, "propose",
        {{"kind", "set_block_params"}, {"params", {{"max_block_txs", 9}}}, {"urgent", true}});
    CHECK(extra.code == code_of(Status::Code::kInvalid));
    CHECK(extra.message.find("urgent") != std::string::npos);
    // Nothing was proposed.
    CHECK(g.chain.query("governance", "proposal", {{"id", 1}}).status().code() ==
          Status::Code::kNotFound);
  }

  TEST_CASE("with-key mode: no organisation changes; other kinds follow genesis policies") {
    testing::TestChain keys;
    keys.genesis.policies = {
        {"proposal.set_block_params", {{"rule", "ANY"}, {"roles", {"admin"}}}}};
    Executor executor(keys.genesis, testing::rules_for(keys.genesis));
    fakes::MapStateView state;
    auto run1 = [&](const core::Tx& tx, uint64_t height) {
      auto exec = executor.execute_block({tx}, height, testing::kBlockTimeMs, core::Hash{}, state);
      REQUIRE(exec.is_ok());
      state.apply(*exec, {tx}, height, testing::kBlockTimeMs);
      return exec->receipts.at(0);
    };
    const core::Receipt add =
        run1(keys.tx(keys.alice, "governance", "propose",
                     json{{"kind", "add_org"}, {"params", {{"org", {{"id", "org9"}}}}}}.dump()),
             1);
    CHECK(add.code == code_of(Status::Code::kInvalid));
    CHECK(add.message.find("with-cert") != std::string::npos);

    const core::Receipt set = run1(
        keys.tx(keys.alice, "governance", "propose",
                json{{"kind", "set_block_params"}, {"params", {{"max_block_txs", 42}}}}.dump()),
        2);
    REQUIRE_MESSAGE(set.ok(), set.message);
    CHECK(json::parse(set.result).at("status") == "executed");
    auto config = executor.config_at(state, 3);
    REQUIRE(config.is_ok());
    CHECK((*config)->block.max_block_txs == 42);
    CHECK((*config)->members.size() == 2);
    CHECK(executor.config_at(state, 2).value()->block.max_block_txs == 5000);
  }

  TEST_CASE("queries refuse bad arguments") {
    Gov g;
    CHECK(g.chain.query("governance", "proposals", {{"status", "executed"}}).status().code() ==
          Status::Code::kInvalid);
    CHECK(g.chain.query("governance", "proposal", {{"id", 0}}).status().code() ==
          Status::Code::kInvalid);
    CHECK(g.chain.query("governance", "config", {{"height", "x"}}).status().code() ==
          Status::Code::kInvalid);
    CHECK(g.chain.query("governance", "nope", json::object()).status().code() ==
          Status::Code::kNotFound);
    // With nothing stored, the configuration is genesis's.
    const json c = g.config();
    CHECK(c.at("from_height") == 0);
    CHECK(org_ids_of(c.at("config")) == std::vector<std::string>{"org1", "org2", "org3"});
    CHECK(c.at("pending").empty());
  }
}

}  // namespace
}  // namespace silk::contracts
