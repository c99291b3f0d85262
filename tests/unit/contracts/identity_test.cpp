#include "silk/contracts/identity.h"

#include <doctest/doctest.h>

#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "silk/core/bytes.h"
#include "unit/contracts/cert_chain.h"

namespace silk::contracts {
namespace {

using core::Status;
using nlohmann::json;
using testing::CertChain;
using testing::code_of;
using testing::Identity;
using testing::kBlockTimeMs;
using testing::kDayMs;
using testing::kYearMs;
using testing::make_ca;

// A notary anchor of a fresh digest: an ordinary tx to see whether a sender is accepted.
std::string anchor_args(uint32_t n) {
  return json{{"hash", core::to_hex(core::sha256(std::to_string(n)))}}.dump();
}

std::string full_key(std::string_view key) { return "identity/" + std::string(key); }

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

// The chain, a few members, and a counter for distinct anchors.
struct Fixture {
  CertChain chain;
  Identity admin1 = chain.member("org1", "admin", "admin1");
  Identity client1 = chain.member("org1", "client", "client1");
  Identity admin2 = chain.member("org2", "admin", "admin2");
  uint32_t anchors = 0;

  core::Receipt anchor(const Identity& who, bool attach_cert = true) {
    return chain.run1(chain.tx(who, "notary", "anchor", anchor_args(anchors++), attach_cert));
  }
  core::Receipt identity(const Identity& who, const std::string& method, const json& args,
                         bool attach_cert = true) {
    return chain.run1(chain.tx(who, "identity", method, args, attach_cert));
  }
  json status(const Identity& who, std::optional<uint64_t> at_ms = std::nullopt) {
    json args = {{"fingerprint", who.fingerprint_hex()}};
    if (at_ms) args["at_ms"] = *at_ms;
    return chain.query_json("identity", "status", args);
  }
  std::optional<std::string> stored(std::string_view key) {
    auto v = chain.state.get(full_key(key));
    REQUIRE(v.is_ok());
    return *v;
  }
};

TEST_SUITE("identity") {
  TEST_CASE("a member's first tx carries its certificate and registers it") {
    Fixture f;
    core::Receipt first = f.anchor(f.client1);
    REQUIRE_MESSAGE(first.ok(), first.message);
    auto entry = f.stored("cert/" + f.client1.fingerprint_hex());
    REQUIRE(entry.has_value());
    json e = json::parse(*entry);
    CHECK(e["fingerprint"] == f.client1.fingerprint_hex());
    CHECK(e["subject"] == "CN=client1,OU=client,O=org1,C=CN");
    CHECK(e["org"] == "org1");
    CHECK(e["serial"] == f.client1.cert.serial());

    // Later txs may leave the certificate out.
    core::Receipt later = f.anchor(f.client1, /*attach_cert=*/false);
    CHECK_MESSAGE(later.ok(), later.message);

    json q = f.chain.query_json("identity", "cert", {{"fingerprint", f.client1.fingerprint_hex()}});
    CHECK(q["der_hex"] == core::to_hex(f.client1.cert.der()));
    auto missing = f.chain.query("identity", "cert", {{"fingerprint", f.admin2.fingerprint_hex()}});
    CHECK(missing.status().code() == Status::Code::kNotFound);
  }

  TEST_CASE("an unregistered certificate must be attached") {
    Fixture f;
    core::Receipt r = f.anchor(f.client1, /*attach_cert=*/false);
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "not registered on chain"));
    CHECK(contains(r.message, f.client1.fingerprint_hex()));
    CHECK_FALSE(f.stored("cert/" + f.client1.fingerprint_hex()).has_value());
  }

  TEST_CASE("certificates outside their validity window are refused") {
    Fixture f;
    Identity expired =
        f.chain.member("org1", "client", "old", kBlockTimeMs - 2 * kYearMs, kBlockTimeMs - kYearMs);
    core::Receipt r = f.anchor(expired);
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "CN=old,OU=client,O=org1,C=CN"));
    CHECK(contains(r.message, "expired at"));
    CHECK_FALSE(f.stored("cert/" + expired.fingerprint_hex()).has_value());

    Identity early =
        f.chain.member("org1", "client", "early", kBlockTimeMs + kDayMs, kBlockTimeMs + kYearMs);
    r = f.anchor(early);
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "CN=early"));
    CHECK(contains(r.message, "not yet valid"));
  }

  TEST_CASE("certificates from outside the consortium are refused") {
    Fixture f;
    SUBCASE("an organisation not in genesis") {
      testing::OrgCa org9 = make_ca("org9", "FR", 99);
      Identity stranger = f.chain.issue(org9, {"stranger", "org9", "client", "FR"});
      core::Receipt r = f.anchor(stranger);
      CHECK(r.code == code_of(Status::Code::kUnauthorized));
      CHECK(contains(r.message, "CN=stranger"));
      CHECK(contains(r.message, "organisation 'org9' is not in the consortium"));
    }
    SUBCASE("a CA that takes org1's name with another key") {
      testing::OrgCa forged = make_ca("org1", "CN", 0xEE);
      Identity mole = f.chain.issue(forged, {"mole", "org1", "admin", "CN"});
      core::Receipt r = f.anchor(mole);
      CHECK(r.code == code_of(Status::Code::kUnauthorized));
      CHECK(contains(r.message, "CN=mole"));
      CHECK(contains(r.message, "not chained to a consortium CA of org1"));
      // Nor may org1's admin register it.
      r = f.identity(f.admin1, "register", {{"cert", mole.cert.pem()}});
      CHECK(r.code == code_of(Status::Code::kUnauthorized));
      CHECK(contains(r.message, "not chained to a consortium CA of org1"));
    }
    SUBCASE("a name with another organisation's jurisdiction") {
      Identity fr = f.chain.issue(f.chain.ca("org1"), {"pierre", "org1", "client", "FR"});
      core::Receipt r = f.anchor(fr);
      CHECK(r.code == code_of(Status::Code::kUnauthorized));
      CHECK(contains(r.message, "jurisdiction 'FR' is not org1's jurisdiction 'CN'"));
    }
    SUBCASE("an unknown role") {
      Identity odd = f.chain.member("org1", "janitor", "odd");
      core::Receipt r = f.anchor(odd);
      CHECK(r.code == code_of(Status::Code::kUnauthorized));
      CHECK(contains(r.message, "OU 'janitor' is not a known role"));
    }
  }

  TEST_CASE("register stores another member's certificate, once") {
    Fixture f;
    core::Receipt r = f.identity(f.admin1, "register", {{"cert", f.client1.cert.pem()}});
    REQUIRE_MESSAGE(r.ok(), r.message);
    json result = json::parse(r.result);
    CHECK(result["fingerprint"] == f.client1.fingerprint_hex());
    CHECK(result["subject"] == "CN=client1,OU=client,O=org1,C=CN");
    REQUIRE(r.events.size() == 1);
    CHECK(r.events[0].name == "registered");
    // client1 never sent a tx, but is known now.
    CHECK(f.anchor(f.client1, /*attach_cert=*/false).ok());

    // Again: OK, nothing written.
    auto exec = f.chain.run(
        {f.chain.tx(f.admin2, "identity", "register", json{{"cert", f.client1.cert.pem()}})});
    REQUIRE(exec.receipts[0].ok());
    CHECK(exec.receipts[0].events.empty());
    for (const core::StateWrite& w : exec.writes) {
      CHECK(w.key != full_key("cert/" + f.client1.fingerprint_hex()));
    }

    Identity expired =
        f.chain.member("org2", "client", "old", kBlockTimeMs - 2 * kYearMs, kBlockTimeMs - kYearMs);
    r = f.identity(f.admin2, "register", {{"cert", expired.cert.pem()}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "expired at"));

    r = f.identity(f.admin2, "register", {{"cert", "not a certificate"}});
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "cert"));
    r = f.identity(f.admin2, "register", {{"pem", f.client1.cert.pem()}});
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "unknown field 'pem'"));
  }

  TEST_CASE("an admin of the organisation revokes; the certificate is refused from then on") {
    Fixture f;
    REQUIRE(f.anchor(f.client1).ok());
    core::Receipt r =
        f.identity(f.admin1, "revoke",
                   {{"fingerprint", f.client1.fingerprint_hex()}, {"reason", "keyCompromise"}});
    REQUIRE_MESSAGE(r.ok(), r.message);
    REQUIRE(r.events.size() == 1);
    CHECK(r.events[0].name == "revoked");
    json entry = json::parse(*f.stored("crl/org1/" + f.client1.cert.serial()));
    CHECK(entry["org"] == "org1");
    CHECK(entry["serial"] == f.client1.cert.serial());
    CHECK(entry["reason"] == "keyCompromise");
    CHECK(entry["by"] == f.admin1.fingerprint_hex());
    CHECK(entry["revoked_at_ms"] == f.chain.tip_time_ms);

    for (bool attach : {false, true}) {
      core::Receipt refused = f.anchor(f.client1, attach);
      CHECK(refused.code == code_of(Status::Code::kUnauthorized));
      CHECK(contains(refused.message, "CN=client1,OU=client,O=org1,C=CN"));
      CHECK(contains(refused.message, "revoked at"));
      CHECK(contains(refused.message, "keyCompromise"));
    }

    SUBCASE("a second revocation is a conflict naming the first") {
      core::Receipt again = f.identity(f.admin1, "revoke", {{"cert", f.client1.cert.pem()}});
      CHECK(again.code == code_of(Status::Code::kConflict));
      CHECK(contains(again.message, "CN=client1"));
      CHECK(contains(again.message, "already revoked"));
      CHECK(contains(again.message, "keyCompromise"));
      CHECK(contains(again.message, core::to_hex(r.tx_id)));
      // By org and serial too (upper case, leading zeros: normalised).
      std::string serial = "00" + f.client1.cert.serial();
      for (char& c : serial) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      again = f.identity(f.admin1, "revoke", {{"org", "org1"}, {"serial", serial}});
      CHECK(again.code == code_of(Status::Code::kConflict));
      CHECK(contains(again.message, "already revoked"));
      // Without a leading zero nibble ("0a3f" given as "a3f").
      serial = f.client1.cert.serial().substr(f.client1.cert.serial().find_first_not_of('0'));
      again = f.identity(f.admin1, "revoke", {{"org", "org1"}, {"serial", serial}});
      CHECK(again.code == code_of(Status::Code::kConflict));
    }
  }

  TEST_CASE("a revocation counts for the later txs of its block") {
    Fixture f;
    REQUIRE(f.anchor(f.client1).ok());
    auto exec = f.chain.run(
        {f.chain.tx(f.admin1, "identity", "revoke", json{{"cert", f.client1.cert.pem()}}),
         f.chain.tx(f.client1, "notary", "anchor", anchor_args(1000), false)});
    CHECK(exec.receipts[0].ok());
    CHECK(exec.receipts[1].code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(exec.receipts[1].message, "revoked at"));
  }

  TEST_CASE("only the issuing organisation's admins may revoke (SELF)") {
    Fixture f;
    Identity client1b = f.chain.member("org1", "client", "client1b");
    REQUIRE(f.anchor(f.client1).ok());

    core::Receipt r = f.identity(f.admin2, "revoke", {{"cert", f.client1.cert.pem()}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "identity.revoke"));
    CHECK(contains(r.message, "org1"));

    r = f.identity(client1b, "revoke", {{"cert", f.client1.cert.pem()}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "client"));
    CHECK(contains(r.message, "identity.revoke"));

    // By org and serial: the same rule.
    r = f.identity(f.admin2, "revoke", {{"org", "org1"}, {"serial", f.client1.cert.serial()}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));

    CHECK_FALSE(f.stored("crl/org1/" + f.client1.cert.serial()).has_value());
    CHECK(f.anchor(f.client1, false).ok());
  }

  TEST_CASE("revoke checks its arguments") {
    Fixture f;
    const json target = {{"cert", f.client1.cert.pem()}};
    auto revoke_with = [&](json extra) {
      json args = target;
      for (auto& [k, v] : extra.items()) args[k] = v;
      return f.identity(f.admin1, "revoke", args);
    };
    core::Receipt r = revoke_with({{"reason", "certificateHold"}});
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "certificateHold"));
    CHECK(contains(r.message, "freeze"));
    r = revoke_with({{"reason", "removeFromCRL"}});
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "final"));
    r = revoke_with({{"reason", "tired"}});
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "'tired' is not an RFC 5280 CRLReason"));
    // A revocation is recorded at its block's time and cannot be dated.
    r = revoke_with({{"revoked_at_ms", kBlockTimeMs - kDayMs}});
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "cannot be dated"));
    // Only a compromise reaches back, and never past the block.
    r = revoke_with({{"reason", "superseded"}, {"invalidity_date_ms", kBlockTimeMs - kDayMs}});
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "only a keyCompromise or cACompromise"));
    r = revoke_with(
        {{"reason", "keyCompromise"}, {"invalidity_date_ms", f.chain.block_time_ms + 1}});
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "later than the block time"));
    r = f.identity(f.admin1, "revoke", {{"cert", f.client1.cert.pem()}, {"org", "org1"}});
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "exactly one of"));
    r = f.identity(f.admin1, "revoke", {{"fingerprint", f.client1.fingerprint_hex()}});
    CHECK(r.code == code_of(Status::Code::kNotFound));
    CHECK(contains(r.message, "not registered"));
    r = f.identity(f.admin1, "revoke", {{"org", "org1"}, {"serial", "xyz"}});
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "serial"));
    // A certificate that names org1 but was not issued by its CA.
    testing::OrgCa forged = make_ca("org1", "CN", 0xEE);
    Identity mole = f.chain.issue(forged, {"mole", "org1", "client", "CN"});
    r = f.identity(f.admin1, "revoke", {{"cert", mole.cert.pem()}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "not issued by a CA of org1"));

    // A key compromise that reaches back is fine; nothing above was written. The entry is
    // recorded at the block time and counts from the invalidity date.
    const uint64_t back = kBlockTimeMs - kDayMs / 2;
    const uint64_t block = f.chain.block_time_ms;
    r = revoke_with({{"invalidity_date_ms", back}, {"reason", "keyCompromise"}});
    REQUIRE_MESSAGE(r.ok(), r.message);
    CHECK(json::parse(r.result)["revoked_at_ms"] == block);
    CHECK(json::parse(r.result)["invalidity_date_ms"] == back);
    json status =
        f.chain.query_json("identity", "status", {{"cert", f.client1.cert.pem()}, {"at_ms", back}});
    CHECK(status["status"] == "revoked");
    CHECK(contains(status["reason"], "invalid since"));
    status = f.chain.query_json("identity", "status",
                                {{"cert", f.client1.cert.pem()}, {"at_ms", back - 1}});
    CHECK(status["status"] == "valid");
  }

  TEST_CASE("freeze and unfreeze") {
    Fixture f;
    REQUIRE(f.anchor(f.client1).ok());

    core::Receipt r = f.identity(
        f.admin1, "freeze",
        {{"fingerprint", f.client1.fingerprint_hex()}, {"reason", "under investigation"}});
    REQUIRE_MESSAGE(r.ok(), r.message);
    REQUIRE(r.events.size() == 1);
    CHECK(r.events[0].name == "frozen");
    json entry = json::parse(*f.stored("frozen/" + f.client1.fingerprint_hex()));
    CHECK(entry["reason"] == "under investigation");
    CHECK(entry["since_ms"] == f.chain.tip_time_ms);
    CHECK(entry["by"] == f.admin1.fingerprint_hex());

    core::Receipt refused = f.anchor(f.client1, false);
    CHECK(refused.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(refused.message, "CN=client1"));
    CHECK(contains(refused.message, "frozen since"));

    r = f.identity(f.admin1, "freeze", {{"cert", f.client1.cert.pem()}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "already frozen"));

    r = f.identity(f.admin2, "unfreeze", {{"cert", f.client1.cert.pem()}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "identity.unfreeze"));

    r = f.identity(f.admin1, "unfreeze", {{"cert", f.client1.cert.pem()}});
    REQUIRE_MESSAGE(r.ok(), r.message);
    REQUIRE(r.events.size() == 1);
    CHECK(r.events[0].name == "unfrozen");
    CHECK_FALSE(f.stored("frozen/" + f.client1.fingerprint_hex()).has_value());
    CHECK(f.anchor(f.client1, false).ok());

    r = f.identity(f.admin1, "unfreeze", {{"cert", f.client1.cert.pem()}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "is not frozen"));

    Identity client1b = f.chain.member("org1", "client", "client1b");
    r = f.identity(client1b, "freeze", {{"cert", f.client1.cert.pem()}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
  }

  TEST_CASE("status as of a time") {
    Fixture f;
    REQUIRE(f.anchor(f.client1).ok());
    const uint64_t registered_at = f.chain.tip_time_ms;

    json s = f.status(f.client1);
    CHECK(s["status"] == "valid");
    CHECK(s["reason"] == "");
    CHECK(s["registered"] == true);
    CHECK(s["subject"] == "CN=client1,OU=client,O=org1,C=CN");
    CHECK(s["org"] == "org1");
    CHECK(s["serial"] == f.client1.cert.serial());
    CHECK(s["at_ms"] == registered_at);
    CHECK(s["revocation"].is_null());
    CHECK(s["frozen"].is_null());

    // Freeze, unfreeze, then revoke, each in its own block.
    f.chain.block_time_ms = kBlockTimeMs + 10'000;
    REQUIRE(f.identity(f.admin1, "freeze", {{"cert", f.client1.cert.pem()}}).ok());
    const uint64_t frozen_at = f.chain.tip_time_ms;
    f.chain.block_time_ms = kBlockTimeMs + 20'000;
    REQUIRE(f.identity(f.admin1, "unfreeze", {{"cert", f.client1.cert.pem()}}).ok());
    const uint64_t unfrozen_at = f.chain.tip_time_ms;
    f.chain.block_time_ms = kBlockTimeMs + 30'000;
    REQUIRE(f.identity(f.admin1, "revoke",
                       {{"cert", f.client1.cert.pem()}, {"reason", "affiliationChanged"}})
                .ok());
    const uint64_t revoked_at = f.chain.tip_time_ms;

    CHECK(f.status(f.client1, frozen_at - 1)["status"] == "valid");
    s = f.status(f.client1, frozen_at);
    CHECK(s["status"] == "frozen");
    CHECK(contains(s["reason"].get<std::string>(), "frozen since"));
    CHECK(s["frozen"]["since_ms"] == frozen_at);
    CHECK(f.status(f.client1, unfrozen_at - 1)["status"] == "frozen");
    s = f.status(f.client1, unfrozen_at);
    CHECK(s["status"] == "valid");
    CHECK(s["frozen"].is_null());
    CHECK(f.status(f.client1, revoked_at - 1)["status"] == "valid");
    s = f.status(f.client1, revoked_at);
    CHECK(s["status"] == "revoked");
    CHECK(contains(s["reason"].get<std::string>(), "affiliationChanged"));
    CHECK(s["revocation"]["reason"] == "affiliationChanged");
    CHECK(f.status(f.client1)["status"] == "revoked");  // as of the tip

    // By PEM, the same answer.
    s = f.chain.query_json("identity", "status",
                           {{"cert", f.client1.cert.pem()}, {"at_ms", unfrozen_at}});
    CHECK(s["status"] == "valid");

    // The certificate's own window.
    CHECK(f.status(f.client1, f.client1.cert.not_after_ms() + 1000)["status"] == "revoked");
    s = f.status(f.client1, f.client1.cert.not_before_ms() - 1000);
    CHECK(s["status"] == "not yet valid");
    CHECK(contains(s["reason"].get<std::string>(), "not yet valid"));
  }

  TEST_CASE("status of unknown, expired and untrusted certificates") {
    Fixture f;
    json s = f.status(f.admin2);  // never registered
    CHECK(s["status"] == "unknown");
    CHECK(s["registered"] == false);

    REQUIRE(f.anchor(f.admin2).ok());
    s = f.status(f.admin2, f.admin2.cert.not_after_ms() + 1);
    CHECK(s["status"] == "expired");
    CHECK(contains(s["reason"].get<std::string>(), "expired at"));

    testing::OrgCa forged = make_ca("org1", "CN", 0xEE);
    Identity mole = f.chain.issue(forged, {"mole", "org1", "client", "CN"});
    s = f.chain.query_json("identity", "status", {{"cert", mole.cert.pem()}});
    CHECK(s["status"] == "untrusted");
    CHECK(s["registered"] == false);
    CHECK(contains(s["reason"].get<std::string>(), "not chained to a consortium CA of org1"));
    // Even outside its window: the chain is the problem.
    s = f.chain.query_json("identity", "status",
                           {{"cert", mole.cert.pem()}, {"at_ms", kBlockTimeMs + 2 * kYearMs}});
    CHECK(s["status"] == "untrusted");

    auto bad = f.chain.query("identity", "status", {{"fingerprint", "abc"}});
    CHECK(bad.status().code() == Status::Code::kInvalid);
    bad = f.chain.query("identity", "nope", json::object());
    CHECK(bad.status().code() == Status::Code::kNotFound);
  }

  TEST_CASE("crl lists an organisation's entries in serial order") {
    Fixture f;
    // Serials given by org and serial, so their order is known.
    for (const char* serial : {"1f", "3", "a0", "2"}) {
      core::Receipt r = f.identity(f.admin1, "revoke",
                                   {{"org", "org1"}, {"serial", serial}, {"reason", "superseded"}});
      REQUIRE_MESSAGE(r.ok(), r.message);
    }
    REQUIRE(f.identity(f.admin2, "revoke", {{"cert", f.admin2.cert.pem()}}).ok());

    json crl = f.chain.query_json("identity", "crl", {{"org", "org1"}});
    CHECK(crl["org"] == "org1");
    std::vector<std::string> serials;
    for (const json& e : crl["entries"]) serials.push_back(e["serial"].get<std::string>());
    // Stored as Certificate::serial() writes serials: whole bytes.
    CHECK(serials == std::vector<std::string>{"02", "03", "1f", "a0"});
    CHECK(crl["entries"][0]["reason"] == "superseded");
    core::Receipt again = f.identity(f.admin1, "revoke", {{"org", "org1"}, {"serial", "0003"}});
    CHECK(again.code == code_of(Status::Code::kConflict));
    CHECK(contains(again.message, "certificate serial 03 of org1 is already revoked"));

    crl = f.chain.query_json("identity", "crl", {{"org", "org2"}});
    REQUIRE(crl["entries"].size() == 1);
    CHECK(crl["entries"][0]["serial"] == f.admin2.cert.serial());
    CHECK(crl["entries"][0]["reason"] == "unspecified");

    CHECK(f.chain.query_json("identity", "crl", {{"org", "org3"}})["entries"].empty());
    CHECK(f.chain.query("identity", "crl", json::object()).status().code() ==
          Status::Code::kInvalid);
  }
}

TEST_SUITE("identity_check") {
  // A KeyReader over a plain map of full keys.
  KeyReader map_reader(const std::map<std::string, std::string, std::less<>>& m) {
    return [&m](std::string_view key) -> core::Result<std::optional<std::string>> {
      auto it = m.find(key);
      if (it == m.end()) return std::optional<std::string>();
      return std::optional<std::string>(it->second);
    };
  }

  TEST_CASE("check_certificate returns the member and refuses revoked and frozen ones") {
    CertChain chain;
    auto config = ChainConfig::from_genesis(chain.genesis);
    REQUIRE(config.is_ok());
    Identity alice = chain.member("org2", "issuer", "alice");
    std::map<std::string, std::string, std::less<>> state;
    CertCache cache;

    auto m = check_certificate(alice.cert, *config, map_reader(state), kBlockTimeMs, &cache);
    REQUIRE_MESSAGE(m.is_ok(), m.status().to_string());
    CHECK(m->name == "alice");
    CHECK(m->org == "org2");
    CHECK(m->roles == std::vector<std::string>{"issuer"});
    CHECK(m->jurisdiction == "SG");
    CHECK(m->public_key == alice.key.public_key());
    CHECK(*m->cert_fingerprint == alice.cert.fingerprint());

    state["identity/crl/org2/" + alice.cert.serial()] =
        json{{"revoked_at_ms", kBlockTimeMs + 5}, {"reason", "keyCompromise"}}.dump();
    CHECK(check_certificate(alice.cert, *config, map_reader(state), kBlockTimeMs, &cache)
              .is_ok());  // not yet
    auto revoked =
        check_certificate(alice.cert, *config, map_reader(state), kBlockTimeMs + 5, &cache);
    CHECK(revoked.status().code() == Status::Code::kUnauthorized);
    CHECK(contains(revoked.status().message(), "keyCompromise"));

    state.clear();
    state["identity/frozen/" + alice.fingerprint_hex()] = json{{"since_ms", kBlockTimeMs}}.dump();
    auto frozen = check_certificate(alice.cert, *config, map_reader(state), kBlockTimeMs, nullptr);
    CHECK(frozen.status().code() == Status::Code::kUnauthorized);
    CHECK(contains(frozen.status().message(), "frozen since"));

    // A CA certificate is not a member.
    auto ca =
        check_certificate(chain.ca("org2").cert, *config, map_reader(state), kBlockTimeMs, nullptr);
    CHECK(ca.status().code() == Status::Code::kUnauthorized);
  }

  TEST_CASE("CertCache parses by fingerprint and finds the issuing CA") {
    CertChain chain;
    Identity bob = chain.member("org3", "client", "bob");
    CertCache cache(4);
    auto parsed = cache.parse(bob.cert.fingerprint(), bob.cert.der());
    REQUIRE(parsed.is_ok());
    CHECK(parsed->fingerprint() == bob.cert.fingerprint());
    auto wrong = cache.parse(chain.ca("org3").cert.fingerprint(), bob.cert.der());
    CHECK(wrong.status().code() == Status::Code::kInvalid);

    const std::vector<core::Certificate> cas = {chain.ca("org1").cert, chain.ca("org3").cert};
    auto issuer = cache.issuer_of(bob.cert, cas);
    REQUIRE(issuer.is_ok());
    CHECK(*issuer == chain.ca("org3").cert.fingerprint());
    auto again = cache.issuer_of(bob.cert, cas);  // cached
    REQUIRE(again.is_ok());
    CHECK(*again == *issuer);
    CHECK_FALSE(cache.issuer_of(bob.cert, {chain.ca("org1").cert}).is_ok());
  }
}

}  // namespace
}  // namespace silk::contracts
