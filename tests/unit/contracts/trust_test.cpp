#include "silk/contracts/trust.h"

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
#include "silk/core/x509.h"
#include "unit/contracts/cert_chain.h"
#include "unit/contracts/test_chain.h"

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
using testing::OrgCa;

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

// A read-only view of the test chain's committed state, for calling the cross-contract functions
// (authority_granted_at, recognises) directly, as documents and ebl do.
class StateReader final : public ReadContext {
 public:
  explicit StateReader(const CertChain& chain)
      : chain_(chain), config_(*ChainConfig::from_genesis(chain.genesis)) {}
  const ChainConfig& config() const override { return config_; }
  const core::Genesis& genesis() const override { return chain_.genesis; }
  const ConsensusRules& consensus_rules() const override { return chain_.rules; }
  uint64_t height() const override { return chain_.tip_height; }
  uint64_t block_time_ms() const override { return chain_.tip_time_ms; }
  core::Result<std::optional<std::string>> get(std::string_view key) override {
    return get_from("trust", key);
  }
  core::Result<std::optional<std::string>> get_from(std::string_view contract,
                                                    std::string_view key) override {
    return chain_.state.get(std::string(contract) + "/" + std::string(key));
  }
  core::Result<std::vector<core::KeyVersion>> history_from(std::string_view contract,
                                                           std::string_view key, uint64_t offset,
                                                           uint32_t limit) override {
    return chain_.state.history(std::string(contract) + "/" + std::string(key), offset, limit);
  }

 private:
  const CertChain& chain_;
  ChainConfig config_;
};

struct Fixture {
  CertChain chain;
  Identity reg_cn = chain.member("org1", "regulator", "reg-cn");
  Identity reg_sg = chain.member("org2", "regulator", "reg-sg");
  Identity reg_de = chain.member("org3", "regulator", "reg-de");
  Identity client_cn = chain.member("org1", "client", "client-cn");

  Fixture() {
    // kConflict once the lead has registered it in Executor's constructor.
    (void)chain.executor.add_contract(make_trust_contract());
  }

  core::Receipt call(const Identity& who, const std::string& method, const json& args) {
    return chain.run1(chain.tx(who, "trust", method, args));
  }
  void ok(const Identity& who, const std::string& method, const json& args) {
    core::Receipt r = call(who, method, args);
    REQUIRE_MESSAGE(r.ok(), method << ": " << r.message);
  }
  // Runs the call and returns the time of the block it ran in.
  uint64_t ok_at(const Identity& who, const std::string& method, const json& args) {
    const uint64_t t = chain.block_time_ms;
    ok(who, method, args);
    return t;
  }
  void register_all() {
    ok(reg_cn, "register_jurisdiction", {{"code", "CN"}, {"name", "China"}});
    ok(reg_sg, "register_jurisdiction", {{"code", "SG"}, {"name", "Singapore"}});
    ok(reg_de, "register_jurisdiction", {{"code", "DE"}, {"name", "Germany"}});
  }
  RecognitionCheck recognised(const std::string& issuing, const std::string& verifying,
                              const std::string& doc_type, const std::string& service,
                              uint64_t at_ms) {
    StateReader reader(chain);
    auto r = recognises(reader, issuing, verifying, doc_type, service, at_ms);
    REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
    // The query answers the same.
    json q = chain.query_json("trust", "recognises",
                              {{"issuing", issuing},
                               {"verifying", verifying},
                               {"doc_type", doc_type},
                               {"service_type", service},
                               {"at_ms", at_ms}});
    CHECK(q["recognised"] == r->recognised);
    CHECK(q["reason"] == r->reason);
    return *r;
  }
  AuthorityCheck granted(const std::string& cc, const std::optional<core::Certificate>& cert,
                         const core::PublicKey& key, const std::string& service, uint64_t at_ms) {
    StateReader reader(chain);
    auto r = authority_granted_at(reader, cc, cert, key, service, at_ms);
    REQUIRE_MESSAGE(r.is_ok(), r.status().to_string());
    return *r;
  }
};

json mra_args(const std::string& id, const std::string& direction) {
  return {{"id", id},
          {"parties", {"CN", "SG"}},
          {"direction", direction},
          {"doc_types", {"certificate_of_origin", "phytosanitary_certificate"}},
          {"service_types", {"coo_issuer", "phyto_authority"}}};
}

TEST_SUITE("trust") {
  TEST_CASE("only a jurisdiction's regulator registers it and manages its trust list") {
    Fixture f;
    core::Receipt r =
        f.call(f.client_cn, "register_jurisdiction", {{"code", "CN"}, {"name", "China"}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "only a regulator of CN may register jurisdiction CN"));
    CHECK(contains(r.message, "client-cn"));
    CHECK(contains(r.message, "is not a regulator"));

    r = f.call(f.reg_sg, "register_jurisdiction", {{"code", "CN"}, {"name", "China"}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "is a regulator of SG"));

    r = f.call(f.reg_cn, "register_jurisdiction", {{"code", "cn"}, {"name", "China"}});
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "code: 'cn' is not an ISO 3166-1 alpha-2 code"));
    r = f.call(f.reg_cn, "register_jurisdiction", {{"code", "CN"}, {"name", "China"}, {"x", 1}});
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "unknown field 'x'"));

    f.ok(f.reg_cn, "register_jurisdiction", {{"code", "CN"}, {"name", "China"}});
    r = f.call(f.reg_cn, "register_jurisdiction", {{"code", "CN"}, {"name", "PRC"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "already registered"));
    CHECK(f.chain.query_json("trust", "jurisdiction", {{"code", "CN"}})["name"] == "China");
    CHECK(f.chain.query("trust", "jurisdiction", {{"code", "SG"}}).status().code() ==
          Status::Code::kNotFound);

    const json add = {{"jurisdiction", "CN"},
                      {"id", "ccpit"},
                      {"name", "CCPIT"},
                      {"public_key", core::to_hex(testing::seeded_key(0x11, 1).public_key())},
                      {"service_types", {"coo_issuer"}}};
    r = f.call(f.client_cn, "add_authority", add);
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "only a regulator of CN may add an authority to CN's trust list"));
    r = f.call(f.reg_sg, "add_authority", add);
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "is a regulator of SG"));

    json bad = add;
    bad["service_types"] = {"notary"};
    r = f.call(f.reg_cn, "add_authority", bad);
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "service_types[0]: 'notary' is not a service type"));
    bad = add;
    bad["cert"] = f.reg_cn.cert.pem();
    r = f.call(f.reg_cn, "add_authority", bad);
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "exactly one of cert (PEM) or public_key"));
    bad = add;
    bad["jurisdiction"] = "SG";
    r = f.call(f.reg_sg, "add_authority", bad);
    CHECK(r.code == code_of(Status::Code::kNotFound));
    CHECK(contains(r.message, "jurisdiction SG is not registered"));

    f.ok(f.reg_cn, "add_authority", add);
    r = f.call(f.reg_cn, "add_authority", add);
    CHECK(r.code == code_of(Status::Code::kConflict));

    r = f.call(f.reg_sg, "withdraw_authority",
               {{"jurisdiction", "CN"}, {"id", "ccpit"}, {"reason", "x"}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "only a regulator of CN may withdraw"));
    r = f.call(f.reg_cn, "withdraw_authority", {{"jurisdiction", "CN"}, {"id", "ccpit"}});
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "reason: missing"));
    r = f.call(f.reg_cn, "regrant", {{"jurisdiction", "CN"}, {"id", "ccpit"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "is granted, not withdrawn"));
    r = f.call(f.reg_cn, "withdraw_authority",
               {{"jurisdiction", "CN"}, {"id", "nobody"}, {"reason", "x"}});
    CHECK(r.code == code_of(Status::Code::kNotFound));
  }

  TEST_CASE("an authority granted, withdrawn and regranted, answered as of a time") {
    Fixture f;
    f.register_all();
    OrgCa ccpit = make_ca("ccpit", "CN", 50);
    Identity signer = f.chain.issue(ccpit, {"signer", "ccpit", "issuer", "CN"});
    const uint64_t t_add = f.ok_at(f.reg_cn, "add_authority",
                                   {{"jurisdiction", "CN"},
                                    {"id", "ccpit"},
                                    {"name", "CCPIT"},
                                    {"cert", ccpit.cert.pem()},
                                    {"service_types", {"coo_issuer", "chamber"}}});
    const uint64_t t_wd = f.ok_at(f.reg_cn, "withdraw_authority",
                                  {{"jurisdiction", "CN"}, {"id", "ccpit"}, {"reason", "audit"}});
    const uint64_t t_re = f.ok_at(f.reg_cn, "regrant",
                                  {{"jurisdiction", "CN"}, {"id", "ccpit"}, {"reason", "fixed"}});

    auto status_at = [&](uint64_t at) {
      return f.chain.query_json(
          "trust", "authority",
          {{"jurisdiction", "CN"}, {"id", "ccpit"}, {"at_ms", at}})["status_at"];
    };
    CHECK(status_at(t_add - 1) == "not_listed");
    CHECK(status_at(t_add) == "granted");
    CHECK(status_at(t_wd - 1) == "granted");
    CHECK(status_at(t_wd) == "withdrawn");
    CHECK(status_at(t_re) == "granted");
    json rec = f.chain.query_json("trust", "authority", {{"jurisdiction", "CN"}, {"id", "ccpit"}});
    CHECK(rec["status"] == "granted");
    CHECK(rec["history"].size() == 3);
    CHECK(rec["history"][1]["reason"] == "audit");

    json list =
        f.chain.query_json("trust", "authorities", {{"jurisdiction", "CN"}, {"at_ms", t_add - 1}});
    CHECK(list["authorities"].empty());
    list = f.chain.query_json("trust", "authorities", {{"jurisdiction", "CN"}, {"at_ms", t_wd}});
    REQUIRE(list["authorities"].size() == 1);
    CHECK(list["authorities"][0]["status_at"] == "withdrawn");

    const auto key = signer.cert.public_key();
    CHECK_FALSE(f.granted("CN", signer.cert, key, "coo_issuer", t_add - 1).granted);
    CHECK(contains(f.granted("CN", signer.cert, key, "coo_issuer", t_add - 1).reason,
                   "not yet listed"));
    AuthorityCheck a = f.granted("CN", signer.cert, key, "coo_issuer", t_add);
    CHECK(a.granted);
    CHECK(a.authority_id == "ccpit");
    CHECK(contains(a.reason, "CA certificate CN=ccpit CA"));
    a = f.granted("CN", signer.cert, key, "coo_issuer", t_wd + 10);
    CHECK_FALSE(a.granted);
    CHECK(a.authority_id == "ccpit");
    CHECK(contains(a.reason, "was withdrawn at"));
    CHECK(contains(a.reason, "audit"));
    CHECK(f.granted("CN", signer.cert, key, "coo_issuer", t_re).granted);
    // Another jurisdiction's list does not hold it.
    a = f.granted("SG", signer.cert, key, "coo_issuer", t_re);
    CHECK_FALSE(a.granted);
    CHECK(contains(a.reason, "not on SG's trust list"));
  }

  TEST_CASE("authority_granted_at matches a CA's certificate, the signer's own, or a key") {
    Fixture f;
    f.register_all();
    OrgCa esign_ca = make_ca("cfca", "CN", 60);
    Identity via_ca = f.chain.issue(esign_ca, {"clerk", "cfca", "issuer", "CN"});
    Identity own = f.chain.issue(make_ca("customs", "CN", 61), {"gacc", "customs", "issuer", "CN"});
    core::SecretKey raw = testing::seeded_key(0x33, 7);
    OrgCa other_ca = make_ca("cfca", "CN", 62);  // same name, another key
    Identity stranger = f.chain.issue(other_ca, {"clerk", "cfca", "issuer", "CN"});
    Identity expired = f.chain.issue(esign_ca, {"old", "cfca", "issuer", "CN"},
                                     kBlockTimeMs - 100 * kDayMs, kBlockTimeMs - 10 * kDayMs);

    f.ok(f.reg_cn, "add_authority",
         {{"jurisdiction", "CN"},
          {"id", "cfca"},
          {"name", "CFCA"},
          {"cert", esign_ca.cert.pem()},
          {"service_types", {"esign_ca", "coo_issuer"}}});
    f.ok(f.reg_cn, "add_authority",
         {{"jurisdiction", "CN"},
          {"id", "gacc"},
          {"name", "GACC"},
          {"cert", own.cert.pem()},
          {"service_types", {"customs"}}});
    f.ok(f.reg_cn, "add_authority",
         {{"jurisdiction", "CN"},
          {"id", "nppo"},
          {"name", "NPPO"},
          {"public_key", core::to_hex(raw.public_key())},
          {"service_types", {"phyto_authority"}}});
    const uint64_t t = f.chain.tip_time_ms;

    AuthorityCheck a = f.granted("CN", via_ca.cert, via_ca.cert.public_key(), "coo_issuer", t);
    CHECK(a.granted);
    CHECK(a.authority_id == "cfca");
    a = f.granted("CN", own.cert, own.cert.public_key(), "customs", t);
    CHECK(a.granted);
    CHECK(a.authority_id == "gacc");
    CHECK(contains(a.reason, "own certificate"));
    a = f.granted("CN", std::nullopt, raw.public_key(), "phyto_authority", t);
    CHECK(a.granted);
    CHECK(a.authority_id == "nppo");
    CHECK(contains(a.reason, "public key"));

    // The query answers the same, for a certificate or a key.
    json q = f.chain.query_json("trust", "authority_check",
                                {{"jurisdiction", "CN"},
                                 {"cert", via_ca.cert.pem()},
                                 {"service_type", "esign_ca"},
                                 {"at_ms", t}});
    CHECK(q["granted"].get<bool>());
    CHECK(q["authority_id"] == "cfca");
    q = f.chain.query_json("trust", "authority_check",
                           {{"jurisdiction", "CN"},
                            {"public_key", core::to_hex(raw.public_key())},
                            {"service_type", "customs"}});
    CHECK_FALSE(q["granted"].get<bool>());
    CHECK(contains(q["reason"].get<std::string>(), "not listed for service type customs"));

    // Service types are respected.
    a = f.granted("CN", own.cert, own.cert.public_key(), "coo_issuer", t);
    CHECK_FALSE(a.granted);
    CHECK(a.authority_id == "gacc");
    CHECK(contains(a.reason, "not listed for service type coo_issuer (listed for: customs)"));
    // A certificate from a CA with the same name but another key does not chain.
    a = f.granted("CN", stranger.cert, stranger.cert.public_key(), "coo_issuer", t);
    CHECK_FALSE(a.granted);
    CHECK(a.authority_id.empty());
    CHECK(contains(a.reason, "CN=clerk"));
    CHECK(contains(a.reason, "not on CN's trust list"));
    // A signer certificate that had expired at signing time.
    a = f.granted("CN", expired.cert, expired.cert.public_key(), "coo_issuer", t);
    CHECK_FALSE(a.granted);
    CHECK(contains(a.reason, "expired"));
    // An unregistered jurisdiction has no list.
    Fixture g;
    a = g.granted("CN", own.cert, own.cert.public_key(), "customs", t);
    CHECK_FALSE(a.granted);
    CHECK(contains(a.reason, "not registered"));
  }

  TEST_CASE("an MRA from draft to enacted, suspended, reinstated and repealed") {
    Fixture f;
    f.register_all();
    const uint64_t t0 = f.chain.block_time_ms;
    core::Receipt r = f.call(f.client_cn, "propose_mra", mra_args("cn-sg", "mutual"));
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "only a regulator of CN or SG may propose MRA cn-sg"));
    r = f.call(f.reg_de, "propose_mra", mra_args("cn-sg", "mutual"));
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "is a regulator of DE"));
    json bad = mra_args("cn-sg", "sideways");
    r = f.call(f.reg_cn, "propose_mra", bad);
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "direction: 'sideways'"));
    bad = mra_args("cn-sg", "mutual");
    bad["parties"] = {"CN", "CN"};
    r = f.call(f.reg_cn, "propose_mra", bad);
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "two different jurisdictions"));

    const uint64_t t_draft = f.ok_at(f.reg_cn, "propose_mra", mra_args("cn-sg", "mutual"));
    r = f.call(f.reg_cn, "approve_mra", {{"id", "cn-sg"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "already approved by CN; it needs a regulator of SG"));
    r = f.call(f.reg_de, "approve_mra", {{"id", "cn-sg"}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "only a regulator of SG may approve MRA cn-sg"));
    r = f.call(f.reg_sg, "suspend_mra", {{"id", "cn-sg"}, {"reason", "x"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "is draft, not enacted"));

    const uint64_t t_enact = f.ok_at(f.reg_sg, "approve_mra", {{"id", "cn-sg"}});
    r = f.call(f.reg_de, "suspend_mra", {{"id", "cn-sg"}, {"reason", "x"}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    const uint64_t t_susp =
        f.ok_at(f.reg_sg, "suspend_mra", {{"id", "cn-sg"}, {"reason", "review"}});
    const uint64_t t_rein = f.ok_at(f.reg_cn, "reinstate_mra", {{"id", "cn-sg"}});
    const uint64_t t_rep = f.ok_at(f.reg_cn, "repeal_mra", {{"id", "cn-sg"}, {"reason", "ended"}});
    r = f.call(f.reg_cn, "reinstate_mra", {{"id", "cn-sg"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "repeal is final"));

    json m = f.chain.query_json("trust", "mra", {{"id", "cn-sg"}, {"at_ms", t_susp}});
    CHECK(m["status"] == "repealed");
    CHECK(m["status_at"] == "suspended");
    CHECK(m["approvals"].contains("CN"));
    CHECK(m["approvals"].contains("SG"));
    CHECK(f.chain.query_json("trust", "mras", {{"jurisdiction", "SG"}})["mras"].size() == 1);
    CHECK(f.chain.query_json("trust", "mras", {{"jurisdiction", "DE"}})["mras"].empty());

    auto coo = [&](uint64_t at) {
      return f.recognised("SG", "CN", "certificate_of_origin", "coo_issuer", at);
    };
    CHECK_FALSE(coo(t0).recognised);
    CHECK(contains(coo(t0).reason, "not yet proposed"));
    CHECK_FALSE(coo(t_draft).recognised);
    CHECK(contains(coo(t_draft).reason, "a draft, not yet enacted"));
    CHECK(coo(t_enact).recognised);
    CHECK(coo(t_enact).mra_id == "cn-sg");
    CHECK(f.recognised("CN", "SG", "certificate_of_origin", "coo_issuer", t_enact).recognised);
    CHECK_FALSE(coo(t_susp).recognised);
    CHECK(contains(coo(t_susp).reason, "suspended"));
    CHECK(contains(coo(t_susp).reason, "review"));
    CHECK(coo(t_rein).recognised);
    CHECK(coo(t_rep - 1).recognised);
    CHECK_FALSE(coo(t_rep).recognised);
    CHECK(contains(coo(t_rep).reason, "repealed"));
  }

  TEST_CASE("recognition respects direction, document type, service type and validity") {
    Fixture f;
    f.register_all();
    const uint64_t from = kBlockTimeMs + 30 * kDayMs;
    const uint64_t until = kBlockTimeMs + 60 * kDayMs;
    json args = mra_args("sg-docs-in-cn", "a_recognises_b");  // CN recognises SG's documents
    args["valid_from_ms"] = from;
    args["valid_until_ms"] = until;
    f.ok(f.reg_sg, "propose_mra", args);
    f.ok(f.reg_cn, "approve_mra", {{"id", "sg-docs-in-cn"}});
    const uint64_t in = from + kDayMs;

    RecognitionCheck c = f.recognised("SG", "CN", "certificate_of_origin", "coo_issuer", in);
    CHECK(c.recognised);
    CHECK(c.mra_id == "sg-docs-in-cn");
    c = f.recognised("CN", "SG", "certificate_of_origin", "coo_issuer", in);
    CHECK_FALSE(c.recognised);
    CHECK(contains(c.reason, "does not make SG recognise documents issued in CN"));
    c = f.recognised("SG", "CN", "bill_of_lading", "coo_issuer", in);
    CHECK_FALSE(c.recognised);
    CHECK(contains(c.reason, "does not cover document type bill_of_lading"));
    c = f.recognised("SG", "CN", "certificate_of_origin", "customs", in);
    CHECK_FALSE(c.recognised);
    CHECK(contains(c.reason, "does not cover service type customs"));
    c = f.recognised("SG", "CN", "phytosanitary_certificate", "phyto_authority", in);
    CHECK(c.recognised);
    c = f.recognised("SG", "CN", "certificate_of_origin", "coo_issuer", from - 1);
    CHECK_FALSE(c.recognised);
    CHECK(contains(c.reason, "outside"));
    CHECK(f.recognised("SG", "CN", "certificate_of_origin", "coo_issuer", from).recognised);
    CHECK(f.recognised("SG", "CN", "certificate_of_origin", "coo_issuer", until).recognised);
    CHECK_FALSE(
        f.recognised("SG", "CN", "certificate_of_origin", "coo_issuer", until + 1).recognised);

    c = f.recognised("DE", "CN", "certificate_of_origin", "coo_issuer", in);
    CHECK_FALSE(c.recognised);
    CHECK(c.mra_id.empty());
    CHECK(contains(c.reason, "no MRA between DE and CN"));
    c = f.recognised("DE", "DE", "bill_of_lading", "carrier", in);
    CHECK(c.recognised);
    CHECK(contains(c.reason, "no MRA needed"));

    auto bad = f.chain.query("trust", "recognises", {{"issuing", "SG"}, {"verifying", "CN"}});
    CHECK(bad.status().code() == Status::Code::kInvalid);
    CHECK(contains(bad.status().message(), "doc_type: missing"));
  }
}

}  // namespace
}  // namespace silk::contracts
