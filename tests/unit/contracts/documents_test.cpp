// The documents contract (documents.h, documents.cpp) through the real Executor with real
// certificates: types, issue and its refusals, bulk issue, status changes as of a time,
// amendment chains, utilisation, selective disclosure, and the five-fragment verdict with the
// trust and dataflow contracts. org1 is in CN, org2 in SG, org3 in DE.
#include "silk/contracts/documents.h"

#include <doctest/doctest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "silk/contracts/dataflow.h"
#include "silk/contracts/executor.h"
#include "silk/contracts/trust.h"
#include "silk/core/bytes.h"
#include "silk/core/merkle.h"
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

bool contains(const std::string& s, std::string_view part) {
  return s.find(part) != std::string::npos;
}

std::string salt_for(std::string_view name) {
  // 32 bytes of hex; deterministic for tests (the CLI draws them with libsodium).
  return core::to_hex(core::sha256(std::string("salt:") + std::string(name)));
}

struct Fixture {
  CertChain chain;
  Identity issuer1 = chain.member("org1", "issuer", "chamber1");
  Identity admin1 = chain.member("org1", "admin", "admin1");
  Identity client1 = chain.member("org1", "client", "client1");
  Identity reg1 = chain.member("org1", "regulator", "reg1");
  Identity issuer2 = chain.member("org2", "issuer", "issuer2");
  Identity reg2 = chain.member("org2", "regulator", "reg2");
  Identity client3 = chain.member("org3", "client", "customs3");
  // The e-signature key of CN's certificate-of-origin authority (by key on the trust list).
  core::SecretKey signer = testing::seeded_key(0x51, 1);

  Fixture() {
    // The lead registers these in Executor's constructor; kConflict then, which is fine.
    (void)chain.executor.add_contract(make_documents_contract());
    (void)chain.executor.add_contract(make_trust_contract());
    (void)chain.executor.add_contract(make_dataflow_contract());
  }

  core::Receipt call(const Identity& who, const std::string& method, const json& args) {
    return chain.run1(chain.tx(who, "documents", method, args));
  }
  void ok(const Identity& who, const std::string& method, const json& args) {
    core::Receipt r = call(who, method, args);
    REQUIRE_MESSAGE(r.ok(), method << ": " << r.message);
  }
  void trust(const Identity& who, const std::string& method, const json& args) {
    core::Receipt r = chain.run1(chain.tx(who, "trust", method, args));
    REQUIRE_MESSAGE(r.ok(), "trust." << method << ": " << r.message);
  }
  void dataflow(const Identity& who, const std::string& method, const json& args) {
    core::Receipt r = chain.run1(chain.tx(who, "dataflow", method, args));
    REQUIRE_MESSAGE(r.ok(), "dataflow." << method << ": " << r.message);
  }

  // issue args signed by `key` (default: signer) for content hash `doc_hash` (default:
  // SHA-256 of the doc_id), signed at issued_at (default: the next block's time).
  json issue_args(const std::string& doc_id, const std::string& type = "certificate_of_origin",
                  std::optional<core::Hash> doc_hash = std::nullopt,
                  std::optional<uint64_t> issued_at = std::nullopt,
                  const core::SecretKey* key = nullptr) {
    const core::SecretKey& k = key ? *key : signer;
    const core::Hash h = doc_hash.value_or(core::sha256(doc_id));
    const uint64_t at = issued_at.value_or(chain.block_time_ms);
    const std::string statement = signing_statement(doc_id, type, h, at);
    const core::PublicKey pk = k.public_key();
    return json{{"doc_id", doc_id},
                {"type", type},
                {"doc_hash", core::to_hex(h)},
                {"issued_at_ms", at},
                {"signature", core::to_hex(core::ByteSpan(k.sign(core::as_span(statement))))},
                {"signer_key", core::to_hex(core::ByteSpan(pk))}};
  }

  json document(const std::string& doc_id, std::optional<uint64_t> at_ms = std::nullopt) {
    json args = {{"doc_id", doc_id}};
    if (at_ms) args["at_ms"] = *at_ms;
    return chain.query_json("documents", "document", args);
  }

  json verify(const std::string& doc_id, const std::string& jurisdiction,
              std::optional<core::Hash> presented = std::nullopt,
              std::optional<uint64_t> at_ms = std::nullopt, const std::string& org = "") {
    json args = {{"doc_id", doc_id}, {"jurisdiction", jurisdiction}};
    if (presented) args["presented_hash"] = core::to_hex(*presented);
    if (at_ms) args["at_ms"] = *at_ms;
    if (!org.empty()) args["org"] = org;
    return chain.query_json("documents", "verify", args);
  }

  // org1's CA on CN's trust list for coo_issuer (the consortium's own seals).
  void list_org1_ca() {
    trust(reg1, "add_authority",
          {{"jurisdiction", "CN"},
           {"id", "org1-ca"},
           {"name", "org1 CA"},
           {"cert", chain.ca("org1").cert.pem()},
           {"service_types", {"coo_issuer"}}});
  }
  // issue args sealed by `who`'s certificate.
  json sealed(const std::string& doc_id, const Identity& who) {
    json a = issue_args(doc_id, "certificate_of_origin", std::nullopt, std::nullopt, &who.key);
    a.erase("signer_key");
    a["signer_cert"] = who.cert.pem();
    return a;
  }

  // CN and SG registered; the signer key on CN's trust list for coo_issuer.
  void setup_trust() {
    trust(reg1, "register_jurisdiction", {{"code", "CN"}, {"name", "China"}});
    trust(reg2, "register_jurisdiction", {{"code", "SG"}, {"name", "Singapore"}});
    trust(reg1, "add_authority",
          {{"jurisdiction", "CN"},
           {"id", "ccpit"},
           {"name", "CCPIT certificate of origin service"},
           {"public_key", core::to_hex(core::ByteSpan(signer.public_key()))},
           {"service_types", {"coo_issuer"}}});
  }
};

json fragment(const json& verdict, const std::string& name) {
  for (const json& f : verdict["fragments"]) {
    if (f["name"] == name) return f;
  }
  FAIL("no fragment " << name << " in " << verdict.dump());
  return json();
}

std::string result_of(const json& verdict, const std::string& name) {
  return fragment(verdict, name)["result"].get<std::string>();
}
std::string reason_of(const json& verdict, const std::string& name) {
  return fragment(verdict, name)["reason"].get<std::string>();
}

TEST_SUITE("documents") {
  TEST_CASE("the seeded types exist without a tx; admins register more") {
    Fixture f;
    json types = f.chain.query_json("documents", "types", json::object());
    REQUIRE(types["types"].size() == 9);
    json coo = f.chain.query_json("documents", "type", {{"code", "certificate_of_origin"}});
    CHECK(coo["service_type"] == "coo_issuer");
    CHECK(coo["un_code"] == "861");
    CHECK(coo["transferable"] == false);
    json bl = f.chain.query_json("documents", "type", {{"code", "bill_of_lading"}});
    CHECK(bl["transferable"] == true);
    CHECK(bl["un_code"] == "705");
    CHECK(f.chain.query_json("documents", "type",
                             {{"code", "phytosanitary_certificate"}})["un_code"] == "851");
    CHECK(f.chain.query("documents", "type", {{"code", "nope"}}).status().code() ==
          Status::Code::kNotFound);

    const json ephyto = {{"code", "phyto_reexport"},
                         {"name", "Phytosanitary certificate for re-export"},
                         {"issuer_roles", {"issuer"}},
                         {"service_type", "phyto_authority"},
                         {"un_code", "657"}};
    core::Receipt r = f.call(f.client1, "register_type", ephyto);
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "needs admin"));

    f.ok(f.admin1, "register_type", ephyto);
    json stored = f.chain.query_json("documents", "type", {{"code", "phyto_reexport"}});
    CHECK(stored["un_code"] == "657");
    CHECK(f.chain.query_json("documents", "types", json::object())["types"].size() == 10);

    r = f.call(f.admin1, "register_type", ephyto);
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "already registered at height"));

    json seeded = ephyto;
    seeded["code"] = "bill_of_lading";
    r = f.call(f.admin1, "register_type", seeded);
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "seeded document type"));

    json bad = ephyto;
    bad["code"] = "x1";
    bad["issuer_roles"] = {"captain"};
    r = f.call(f.admin1, "register_type", bad);
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "issuer_roles"));

    bad = ephyto;
    bad["colour"] = "red";
    r = f.call(f.admin1, "register_type", bad);
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "unknown field 'colour'"));
  }

  TEST_CASE("issue stores the record and refuses what it must") {
    Fixture f;
    json args = f.issue_args("COO-1");
    args["parties"] = {{"exporter", "org1"}, {"importer", "org2"}};
    args["label"] = "important";
    const uint64_t signed_at = args["issued_at_ms"].get<uint64_t>();
    f.ok(f.issuer1, "issue", args);
    json d = f.document("COO-1");
    CHECK(d["status"] == "ACTIVE");
    CHECK(d["status_at"] == "ACTIVE");
    CHECK(d["issuer_org"] == "org1");
    CHECK(d["jurisdiction"] == "CN");  // the sender's certificate C
    CHECK(d["label"] == "important");
    CHECK(d["parties"]["importer"] == "org2");
    CHECK(d["history"].size() == 1);
    CHECK(d["history"][0]["event"] == "issued");
    CHECK(d["history"][0]["at_ms"] == signed_at);
    CHECK(f.document("COO-1", signed_at - 1)["status_at"] == "NOT_ISSUED");

    SUBCASE("a role outside the type's issuer_roles") {
      core::Receipt r = f.call(f.client1, "issue", f.issue_args("COO-2"));
      CHECK(r.code == code_of(Status::Code::kUnauthorized));
      CHECK(contains(r.message, "may not issue certificate_of_origin; needs role issuer"));
    }
    SUBCASE("a signature over something else") {
      json a = f.issue_args("COO-2");
      a["doc_hash"] = core::to_hex(core::sha256("other content"));
      core::Receipt r = f.call(f.issuer1, "issue", a);
      CHECK(r.code == code_of(Status::Code::kInvalid));
      CHECK(contains(r.message, "signature does not verify over the signing statement"));
    }
    SUBCASE("signed too far in the future") {
      const uint64_t later = f.chain.block_time_ms + f.chain.genesis.tx_window_ms + 1;
      core::Receipt r = f.call(f.issuer1, "issue",
                               f.issue_args("COO-2", "certificate_of_origin", std::nullopt, later));
      CHECK(r.code == code_of(Status::Code::kInvalid));
      CHECK(contains(r.message, "issued_at_ms"));
      CHECK(contains(r.message, "tx_window_ms"));
      // Within the window is fine.
      const uint64_t soon = f.chain.block_time_ms + 1000;
      f.ok(f.issuer1, "issue", f.issue_args("COO-3", "certificate_of_origin", std::nullopt, soon));
    }
    SUBCASE("a duplicate doc_id names the first") {
      json again = f.issue_args("COO-1", "certificate_of_origin", core::sha256("v2"));
      core::Receipt r = f.call(f.issuer1, "issue", again);
      CHECK(r.code == code_of(Status::Code::kConflict));
      CHECK(contains(r.message, "document COO-1 already issued at height 1"));
    }
    SUBCASE("a doc_hash already anchored names its document") {
      json same = f.issue_args("COO-2", "certificate_of_origin", core::sha256("COO-1"));
      core::Receipt r = f.call(f.issuer1, "issue", same);
      CHECK(r.code == code_of(Status::Code::kConflict));
      CHECK(contains(r.message, "already anchors document COO-1"));
    }
    SUBCASE("malformed args name the field") {
      json a = f.issue_args("COO-2");
      a["signer_cert"] = "x";
      core::Receipt r = f.call(f.issuer1, "issue", a);
      CHECK(r.code == code_of(Status::Code::kInvalid));
      CHECK(contains(r.message, "exactly one of signer_cert"));

      a = f.issue_args("COO-2");
      a["label"] = "secret";
      r = f.call(f.issuer1, "issue", a);
      CHECK(contains(r.message, "label: 'secret'"));

      a = f.issue_args("COO-2");
      a["extra"] = 1;
      r = f.call(f.issuer1, "issue", a);
      CHECK(contains(r.message, "unknown field 'extra'"));

      r = f.call(f.issuer1, "issue", f.issue_args("COO 2"));
      CHECK(contains(r.message, "doc_id: 'COO 2' is not a document id"));

      r = f.call(f.issuer1, "issue", f.issue_args("X-1", "warehouse_receipt"));
      CHECK(r.code == code_of(Status::Code::kNotFound));
      CHECK(contains(r.message, "unknown document type 'warehouse_receipt'"));

      a = f.issue_args("COO-2");
      a["field_hashes"] = {core::to_hex(core::sha256("a"))};
      r = f.call(f.issuer1, "issue", a);
      CHECK(r.code == code_of(Status::Code::kInvalid));
      CHECK(contains(r.message, "is not the RFC 6962 root of field_hashes"));
    }
    SUBCASE("a signer certificate from outside the consortium is accepted at issue") {
      testing::OrgCa ccpit = testing::make_ca("ccpit", "CN", 50);
      Identity esig = f.chain.issue(ccpit, {"CoO signer", "ccpit", "", "CN"});
      json a =
          f.issue_args("COO-9", "certificate_of_origin", std::nullopt, std::nullopt, &esig.key);
      a.erase("signer_key");
      a["signer_cert"] = esig.cert.pem();
      f.ok(f.issuer1, "issue", a);
      json rec = f.document("COO-9");
      CHECK(rec["signer_cert"] == esig.cert.pem());
      CHECK(rec["signer_key"] == core::to_hex(core::ByteSpan(esig.cert.public_key())));
    }
  }

  TEST_CASE("bulk_issue is all or nothing") {
    Fixture f;
    json docs = json::array();
    for (int i = 0; i < 3; ++i)
      docs.push_back(f.issue_args("INV-" + std::to_string(i), "commercial_invoice"));
    core::Receipt r = f.call(f.client1, "bulk_issue", {{"documents", docs}});
    REQUIRE_MESSAGE(r.ok(), r.message);
    CHECK(f.document("INV-2")["type"] == "commercial_invoice");

    json bad = json::array({f.issue_args("INV-10", "commercial_invoice"),
                            f.issue_args("INV-11", "commercial_invoice", core::sha256("INV-10"))});
    r = f.call(f.client1, "bulk_issue", {{"documents", bad}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "documents[1] (doc_id INV-11)"));
    CHECK(contains(r.message, "already anchors document INV-10"));
    CHECK(f.chain.query("documents", "document", {{"doc_id", "INV-10"}}).status().code() ==
          Status::Code::kNotFound);

    json many = json::array();
    for (size_t i = 0; i <= kMaxBulkDocuments; ++i) many.push_back(json::object());
    r = f.call(f.client1, "bulk_issue", {{"documents", many}});
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "1001 entries; 1-1000 allowed"));
  }

  TEST_CASE("suspend, reinstate, revoke: history and status as of a time") {
    Fixture f;
    f.ok(f.issuer1, "issue", f.issue_args("COO-1"));
    const uint64_t t_issued = f.chain.tip_time_ms;

    core::Receipt r = f.call(f.issuer2, "suspend", {{"doc_id", "COO-1"}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "of org2 may not suspend document COO-1"));
    r = f.call(f.client1, "suspend", {{"doc_id", "COO-1"}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));

    r = f.call(f.issuer1, "reinstate", {{"doc_id", "COO-1"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "document COO-1 is ACTIVE"));

    f.ok(f.issuer1, "suspend", {{"doc_id", "COO-1"}, {"reason", "under inquiry"}});
    const uint64_t t_suspended = f.chain.tip_time_ms;
    CHECK(f.document("COO-1")["status"] == "SUSPENDED");
    f.ok(f.admin1, "reinstate", {{"doc_id", "COO-1"}});  // the issuing organisation's admin
    const uint64_t t_reinstated = f.chain.tip_time_ms;

    r = f.call(f.issuer1, "revoke", {{"doc_id", "COO-1"}, {"reason", "certificateHold"}});
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "use suspend"));
    r = f.call(f.issuer1, "revoke", {{"doc_id", "COO-1"}, {"reason", "tired"}});
    CHECK(contains(r.message, "not an RFC 5280 CRLReason name"));

    f.ok(f.issuer1, "revoke", {{"doc_id", "COO-1"}, {"reason", "keyCompromise"}});
    const uint64_t t_revoked = f.chain.tip_time_ms;
    r = f.call(f.issuer1, "revoke", {{"doc_id", "COO-1"}, {"reason", "unspecified"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "is REVOKED since"));
    CHECK(contains(r.message, "(keyCompromise)"));
    r = f.call(f.issuer1, "suspend", {{"doc_id", "COO-1"}});
    CHECK(r.code == code_of(Status::Code::kConflict));

    json d = f.document("COO-1");
    CHECK(d["status"] == "REVOKED");
    CHECK(d["revocation_reason"] == "keyCompromise");
    CHECK(f.document("COO-1", t_issued)["status_at"] == "ACTIVE");
    CHECK(f.document("COO-1", t_suspended)["status_at"] == "SUSPENDED");
    CHECK(f.document("COO-1", t_reinstated - 1)["status_at"] == "SUSPENDED");
    CHECK(f.document("COO-1", t_reinstated)["status_at"] == "ACTIVE");
    CHECK(f.document("COO-1", t_revoked)["status_at"] == "REVOKED");

    json h = f.chain.query_json("documents", "history", {{"doc_id", "COO-1"}});
    REQUIRE(h["history"].size() == 4);
    CHECK(h["history"][1]["event"] == "suspended");
    CHECK(h["history"][1]["reason"] == "under inquiry");
    CHECK(h["history"][2]["event"] == "reinstated");
    CHECK(h["history"][3]["status"] == "REVOKED");
    CHECK(h["history"][3]["by"] == f.issuer1.fingerprint_hex());

    // The status fragment as of each time.
    json v = f.verify("COO-1", "CN", std::nullopt, t_suspended);
    CHECK(result_of(v, "status") == "invalid");
    CHECK(contains(reason_of(v, "status"), "SUSPENDED since"));
    CHECK(contains(reason_of(v, "status"), "under inquiry"));
    v = f.verify("COO-1", "CN", std::nullopt, t_reinstated);
    CHECK(result_of(v, "status") == "valid");
    v = f.verify("COO-1", "CN");
    CHECK(result_of(v, "status") == "invalid");
    CHECK(contains(reason_of(v, "status"), "REVOKED since"));
    CHECK(contains(reason_of(v, "status"), "keyCompromise"));
  }

  TEST_CASE("amend: each version supersedes the one before") {
    Fixture f;
    f.ok(f.issuer1, "issue", f.issue_args("COO-1"));
    const uint64_t t1 = f.chain.tip_time_ms;
    f.ok(f.issuer1, "amend", {{"doc_id", "COO-1"}, {"new", f.issue_args("COO-1a")}});
    const uint64_t t2 = f.chain.tip_time_ms;
    f.ok(f.issuer1, "amend", {{"doc_id", "COO-1a"}, {"new", f.issue_args("COO-1b")}});

    json v1 = f.document("COO-1");
    CHECK(v1["status"] == "SUPERSEDED");
    CHECK(v1["superseded_by"] == "COO-1a");
    json v2 = f.document("COO-1a");
    CHECK(v2["supersedes"] == "COO-1");
    CHECK(v2["superseded_by"] == "COO-1b");
    CHECK(f.document("COO-1b")["supersedes"] == "COO-1a");
    CHECK(f.document("COO-1", t1)["status_at"] == "ACTIVE");
    CHECK(f.document("COO-1", t2)["status_at"] == "SUPERSEDED");

    json v = f.verify("COO-1", "CN");
    CHECK(result_of(v, "status") == "invalid");
    CHECK(contains(reason_of(v, "status"), "SUPERSEDED since"));
    CHECK(contains(reason_of(v, "status"), "by COO-1a"));

    core::Receipt r =
        f.call(f.issuer1, "amend", {{"doc_id", "COO-1"}, {"new", f.issue_args("COO-1c")}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "only ACTIVE documents are amended"));
    r = f.call(f.issuer1, "amend",
               {{"doc_id", "COO-1b"}, {"new", f.issue_args("INV-1", "commercial_invoice")}});
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "differs from the amended document's certificate_of_origin"));
    r = f.call(f.issuer2, "amend", {{"doc_id", "COO-1b"}, {"new", f.issue_args("COO-1z")}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    r = f.call(f.issuer1, "amend", {{"doc_id", "COO-1b"}, {"new", f.issue_args("COO-1")}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "new: doc_id: document COO-1 already issued"));
    CHECK(f.document("COO-1b")["status"] == "ACTIVE");
  }

  TEST_CASE("amend cannot lower the data label or clear the personal-data flag") {
    Fixture f;
    json important = f.issue_args("COO-9");
    important["label"] = "important";
    important["personal_data"] = true;
    f.ok(f.issuer1, "issue", important);
    core::Receipt r =
        f.call(f.issuer1, "amend", {{"doc_id", "COO-9"}, {"new", f.issue_args("COO-9a")}});
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "new.label: general is lower than COO-9's label important"));
    json same = f.issue_args("COO-9b");
    same["label"] = "important";
    r = f.call(f.issuer1, "amend", {{"doc_id", "COO-9"}, {"new", same}});
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "cannot clear the flag"));
    same["personal_data"] = true;
    f.ok(f.issuer1, "amend", {{"doc_id", "COO-9"}, {"new", same}});
  }

  TEST_CASE("utilise: the claiming jurisdiction's customs, once, on a certificate valid there") {
    Fixture f;
    f.setup_trust();
    Identity client2 = f.chain.member("org2", "client", "client2");
    Identity arb2 = f.chain.member("org2", "arbitrator", "arb2");
    Identity admin2 = f.chain.member("org2", "admin", "admin2");
    Identity reg3 = f.chain.member("org3", "regulator", "reg3");
    Identity issuer3 = f.chain.member("org3", "issuer", "issuer3");
    f.ok(f.issuer1, "issue", f.issue_args("COO-EARLY"));
    f.ok(f.issuer1, "issue", f.issue_args("INV-1", "commercial_invoice"));

    // Every role but the regulator, of every organisation, is refused by the rule.
    for (const Identity* who : {&f.issuer1, &f.admin1, &f.client1, &f.issuer2, &client2, &arb2,
                                &admin2, &f.client3, &issuer3}) {
      core::Receipt r = f.call(*who, "utilise", {{"doc_id", "COO-EARLY"}, {"reference", "X-1"}});
      CHECK(r.code == code_of(Status::Code::kUnauthorized));
      CHECK_MESSAGE(contains(r.message, "[rule utilise.customs]"), r.message);
    }
    // The issuing jurisdiction's own customs claims nothing on it.
    core::Receipt home = f.call(f.reg1, "utilise", {{"doc_id", "COO-EARLY"}, {"reference", "X"}});
    CHECK(home.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(home.message, "was issued in CN"));
    // A regulator claims in its own jurisdiction, for its own organisation only.
    core::Receipt r = f.call(f.reg2, "utilise",
                             {{"doc_id", "COO-EARLY"}, {"reference", "X"}, {"jurisdiction", "DE"}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "claims tariff preference in SG only [rule utilise.customs]"));
    r = f.call(f.reg2, "utilise",
               {{"doc_id", "COO-EARLY"}, {"reference", "X"}, {"claimant_org", "org3"}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "may not claim for another [rule utilise.customs]"));
    // Not recognised in SG (no MRA yet): no preference there.
    r = f.call(f.reg2, "utilise", {{"doc_id", "COO-EARLY"}, {"reference", "X"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "not valid for SG"));
    CHECK(contains(r.message, "recognition invalid"));
    CHECK(contains(r.message, "[rule utilise.valid_verdict]"));

    f.trust(f.reg1, "propose_mra",
            {{"id", "cn-sg-coo"},
             {"parties", {"CN", "SG"}},
             {"direction", "mutual"},
             {"doc_types", {"certificate_of_origin"}},
             {"service_types", {"coo_issuer"}}});
    f.trust(f.reg2, "approve_mra", {{"id", "cn-sg-coo"}});
    // Signed before the MRA: still not recognised (judged at its proof of existence).
    r = f.call(f.reg2, "utilise", {{"doc_id", "COO-EARLY"}, {"reference", "X"}});
    CHECK(contains(r.message, "[rule utilise.valid_verdict]"));

    f.ok(f.issuer1, "issue", f.issue_args("COO-1"));
    r = f.call(f.reg2, "utilise", {{"doc_id", "INV-1"}, {"reference", "D-1"}});
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "only a certificate_of_origin claims tariff preference"));
    // DE has no MRA with CN: DE's customs gets nothing from it.
    r = f.call(reg3, "utilise", {{"doc_id", "COO-1"}, {"reference", "DE-1"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "not valid for DE"));

    f.ok(f.reg2, "utilise", {{"doc_id", "COO-1"}, {"reference", "SG-DECL-42"}});
    const uint64_t height = f.chain.tip_height;
    json d = f.document("COO-1");
    CHECK(d["utilisation"]["reference"] == "SG-DECL-42");
    CHECK(d["utilisation"]["claimant_org"] == "org2");
    CHECK(d["utilisation"]["jurisdiction"] == "SG");
    CHECK(d["history"].back()["event"] == "utilised");
    CHECK(d["status"] == "ACTIVE");

    r = f.call(f.reg2, "utilise", {{"doc_id", "COO-1"}, {"reference", "SG-7"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "already utilised: reference SG-DECL-42 by org2"));
    CHECK(contains(r.message, "height " + std::to_string(height)));
    CHECK(contains(r.message, d["utilisation"]["tx_id"].get<std::string>()));

    // The verdict stays valid on status but says so.
    json v = f.verify("COO-1", "CN");
    CHECK(result_of(v, "status") == "valid");
    CHECK(contains(reason_of(v, "status"),
                   "tariff preference already claimed: reference SG-DECL-42"));

    // An amendment inherits the claim: no second preference from a replacement.
    f.ok(f.issuer1, "amend", {{"doc_id", "COO-1"}, {"new", f.issue_args("COO-1a")}});
    f.ok(f.issuer1, "amend", {{"doc_id", "COO-1a"}, {"new", f.issue_args("COO-1b")}});
    json a = f.document("COO-1b");
    CHECK(a["utilisation"]["reference"] == "SG-DECL-42");
    CHECK(a["utilisation"]["inherited_from"] == "COO-1");
    r = f.call(f.reg2, "utilise", {{"doc_id", "COO-1b"}, {"reference", "SG-8"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "already utilised: reference SG-DECL-42"));
    CHECK(contains(r.message, "claimed on COO-1, which it amends"));
    CHECK(contains(reason_of(f.verify("COO-1b", "SG"), "status"), "already claimed"));

    // Revoked, or signed by a key no trust list grants: no preference either.
    f.ok(f.issuer1, "issue", f.issue_args("COO-2"));
    f.ok(f.issuer1, "revoke", {{"doc_id", "COO-2"}, {"reason", "superseded"}});
    r = f.call(f.reg2, "utilise", {{"doc_id", "COO-2"}, {"reference", "X"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "only ACTIVE documents are utilised"));
    core::SecretKey rogue = testing::seeded_key(0x52, 9);
    f.ok(f.issuer1, "issue",
         f.issue_args("COO-ROGUE", "certificate_of_origin", std::nullopt, std::nullopt, &rogue));
    r = f.call(f.reg2, "utilise", {{"doc_id", "COO-ROGUE"}, {"reference", "X"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "issuer invalid"));
  }

  TEST_CASE("trusted time: a claimed signing time lies within the window of its block") {
    Fixture f;
    f.setup_trust();
    const uint64_t window = f.chain.genesis.tx_window_ms;
    uint64_t poe = f.chain.block_time_ms;
    core::Receipt r = f.call(
        f.issuer1, "issue",
        f.issue_args("COO-DAY", "certificate_of_origin", std::nullopt, poe - testing::kDayMs));
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "before the block that anchors it"));
    CHECK(contains(r.message, "[rule issue.signing_time]"));
    poe = f.chain.block_time_ms;
    r = f.call(f.issuer1, "issue",
               f.issue_args("COO-FAR", "certificate_of_origin", std::nullopt, poe - window - 1));
    CHECK_MESSAGE(contains(r.message, "[rule issue.signing_time]"), r.message);
    poe = f.chain.block_time_ms;
    r = f.call(f.issuer1, "issue",
               f.issue_args("COO-LATE", "certificate_of_origin", std::nullopt, poe + window + 1));
    CHECK(contains(r.message, "after the block that anchors it"));
    // Exactly at the edge of the window is accepted; the record keeps the claim and the POE.
    poe = f.chain.block_time_ms;
    const uint64_t claimed = poe - window;
    f.ok(f.issuer1, "issue",
         f.issue_args("COO-EDGE", "certificate_of_origin", std::nullopt, claimed));
    json d = f.document("COO-EDGE");
    CHECK(d["issued_at_ms"] == claimed);
    CHECK(d["anchored_at_ms"] == poe);
    CHECK(d["history"][0]["at_ms"] == poe);
    json v = f.verify("COO-EDGE", "CN");
    CHECK(v["poe_ms"] == poe);
    CHECK(v["claimed_signing_ms"] == claimed);
    CHECK(v["overall"] == "valid");
    // Not on the ledger before its POE, whatever the claim.
    v = f.verify("COO-EDGE", "CN", std::nullopt, poe - 1);
    CHECK(result_of(v, "status") == "invalid");
    CHECK(contains(reason_of(v, "status"), "not on the ledger as of"));
    CHECK(f.document("COO-EDGE", claimed)["status_at"] == "NOT_ISSUED");
  }

  TEST_CASE("trusted time: a withdrawal counts from its exact millisecond") {
    Fixture f;
    f.setup_trust();
    const uint64_t w = f.chain.block_time_ms + 10 * testing::kBlockStepMs;
    // Anchored one millisecond before the withdrawal.
    f.chain.block_time_ms = w - 1;
    f.ok(f.issuer1, "issue", f.issue_args("COO-BEFORE"));
    // Anchored at the withdrawal's very millisecond (the same block, ahead of the withdrawal).
    f.chain.block_time_ms = w;
    BlockExecution exec = f.chain.run(
        {f.chain.tx(f.issuer1, "documents", "issue", f.issue_args("COO-AT")),
         f.chain.tx(f.reg1, "trust", "withdraw_authority",
                    {{"jurisdiction", "CN"}, {"id", "ccpit"}, {"reason", "licence lapsed"}})});
    REQUIRE_MESSAGE(exec.receipts[0].ok(), exec.receipts[0].message);
    REQUIRE_MESSAGE(exec.receipts[1].ok(), exec.receipts[1].message);
    // One millisecond after it, claiming a second before it (a backdate inside the window).
    f.chain.block_time_ms = w + 1;
    f.ok(f.issuer1, "issue",
         f.issue_args("COO-AFTER", "certificate_of_origin", std::nullopt, w - 1000));

    CHECK_MESSAGE(result_of(f.verify("COO-BEFORE", "CN"), "issuer") == "valid",
                  f.verify("COO-BEFORE", "CN").dump());
    json at = f.verify("COO-AT", "CN");
    CHECK(result_of(at, "issuer") == "invalid");
    CHECK(contains(reason_of(at, "issuer"), "withdrawn"));
    json after = f.verify("COO-AFTER", "CN");
    CHECK(result_of(after, "issuer") == "invalid");
    CHECK(contains(reason_of(after, "issuer"), "at the proof of existence"));
    // The verification time does not move the POE: as of the withdrawal, BEFORE was valid, and
    // AFTER, asked about before it was anchored, was not on the ledger.
    CHECK(result_of(f.verify("COO-BEFORE", "CN", std::nullopt, w), "issuer") == "valid");
    CHECK(result_of(f.verify("COO-AFTER", "CN", std::nullopt, w), "status") == "invalid");
  }

  TEST_CASE("trusted time: revocation before, at and after the seal") {
    Fixture f;
    f.setup_trust();
    f.list_org1_ca();
    auto sealed = [&](const std::string& id, const Identity& who) { return f.sealed(id, who); };
    auto revoke = [&](const Identity& who, const std::string& reason,
                      std::optional<uint64_t> invalid_from) {
      json a = {{"cert", who.cert.pem()}, {"reason", reason}};
      if (invalid_from) a["invalidity_date_ms"] = *invalid_from;
      core::Receipt r = f.chain.run1(f.chain.tx(f.admin1, "identity", "revoke", a));
      REQUIRE_MESSAGE(r.ok(), r.message);
    };
    Identity before = f.chain.member("org1", "issuer", "sealer-before");
    Identity after = f.chain.member("org1", "issuer", "sealer-after");
    Identity at = f.chain.member("org1", "issuer", "sealer-at");
    Identity just_after = f.chain.member("org1", "issuer", "sealer-just-after");
    Identity just_before = f.chain.member("org1", "issuer", "sealer-just-before");

    // Revoked before the seal: refused at execution, naming the CRL entry.
    revoke(before, "superseded", std::nullopt);
    core::Receipt r = f.call(f.issuer1, "issue", sealed("COO-REV", before));
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "[rule issue.seal_standing]"));
    CHECK(contains(r.message, "revoked at"));
    CHECK(contains(r.message, "(superseded)"));
    CHECK(contains(r.message, "CRL entry of org1 serial " + before.cert.serial()));

    // Revoked after the seal, for a reason that does not reach back: the issuer stays valid.
    f.ok(f.issuer1, "issue", sealed("COO-KEPT", after));
    revoke(after, "affiliationChanged", std::nullopt);
    CHECK_MESSAGE(result_of(f.verify("COO-KEPT", "CN"), "issuer") == "valid",
                  f.verify("COO-KEPT", "CN").dump());

    // A key compromise reaching back to the POE itself, one ms after it, one ms before it.
    f.ok(f.issuer1, "issue", sealed("COO-AT", at));
    const uint64_t poe_at = f.chain.tip_time_ms;
    f.ok(f.issuer1, "issue", sealed("COO-JUST-AFTER", just_after));
    const uint64_t poe_ja = f.chain.tip_time_ms;
    f.ok(f.issuer1, "issue", sealed("COO-JUST-BEFORE", just_before));
    const uint64_t poe_jb = f.chain.tip_time_ms;
    const uint64_t known_before = f.chain.tip_time_ms;
    revoke(at, "keyCompromise", poe_at);
    revoke(just_after, "keyCompromise", poe_ja + 1);
    revoke(just_before, "keyCompromise", poe_jb - 1);
    json v = f.verify("COO-AT", "CN");
    CHECK(result_of(v, "issuer") == "invalid");
    CHECK(contains(reason_of(v, "issuer"), "keyCompromise; invalid since"));
    CHECK(contains(reason_of(v, "issuer"), "CRL entry of org1"));
    CHECK(result_of(f.verify("COO-JUST-AFTER", "CN"), "issuer") == "valid");
    CHECK(result_of(f.verify("COO-JUST-BEFORE", "CN"), "issuer") == "invalid");
    // As known before the revocation was recorded, the verdict was valid.
    CHECK(result_of(f.verify("COO-AT", "CN", std::nullopt, known_before), "issuer") == "valid");

    // Only a compromise reaches back; the date cannot be later than the block.
    Identity other = f.chain.member("org1", "issuer", "sealer-other");
    r = f.chain.run1(f.chain.tx(
        f.admin1, "identity", "revoke",
        json{
            {"cert", other.cert.pem()}, {"reason", "superseded"}, {"invalidity_date_ms", poe_at}}));
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "only a keyCompromise or cACompromise"));
    r = f.chain.run1(f.chain.tx(f.admin1, "identity", "revoke",
                                json{{"cert", other.cert.pem()}, {"revoked_at_ms", poe_at}}));
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "cannot be dated"));
  }

  TEST_CASE("trusted time: a frozen, expired or not-yet-valid certificate seals nothing") {
    Fixture f;
    f.setup_trust();
    f.list_org1_ca();
    auto sealed = [&](const std::string& id, const Identity& who) { return f.sealed(id, who); };
    Identity sealer = f.chain.member("org1", "issuer", "sealer");
    f.ok(f.issuer1, "issue", sealed("COO-EARLIER", sealer));
    core::Receipt r = f.chain.run1(f.chain.tx(
        f.admin1, "identity", "freeze", json{{"cert", sealer.cert.pem()}, {"reason", "inquiry"}}));
    REQUIRE_MESSAGE(r.ok(), r.message);
    r = f.call(f.issuer1, "issue", sealed("COO-FROZEN", sealer));
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "was frozen at"));
    CHECK(contains(r.message, "a frozen certificate seals nothing"));
    // Frozen after it sealed: the earlier document keeps its issuer.
    CHECK(result_of(f.verify("COO-EARLIER", "CN"), "issuer") == "valid");
    r = f.chain.run1(
        f.chain.tx(f.admin1, "identity", "unfreeze", json{{"cert", sealer.cert.pem()}}));
    REQUIRE_MESSAGE(r.ok(), r.message);
    f.ok(f.issuer1, "issue", sealed("COO-THAWED", sealer));
    CHECK(result_of(f.verify("COO-THAWED", "CN"), "issuer") == "valid");

    Identity old =
        f.chain.member("org1", "issuer", "old", kBlockTimeMs - testing::kYearMs, kBlockTimeMs - 1);
    r = f.call(f.issuer1, "issue", sealed("COO-OLD", old));
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "expired at"));
    Identity young = f.chain.member("org1", "issuer", "young", kBlockTimeMs + testing::kYearMs,
                                    kBlockTimeMs + 2 * testing::kYearMs);
    r = f.call(f.issuer1, "issue", sealed("COO-YOUNG", young));
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "is not valid before"));
  }

  TEST_CASE("selective disclosure: a redacted copy still verifies, a tampered one does not") {
    Fixture f;
    const json fields = {{"exporter", "Shenzhen Widgets Ltd"},
                         {"hs_code", "8471.30"},
                         {"price", {{"value", "12000.00"}, {"currency", "USD"}}},
                         {"origin", "CN"}};
    std::map<std::string, std::string> salts;
    for (const auto& item : fields.items()) salts[item.key()] = salt_for(item.key());
    auto doc = DisclosableDocument::make(fields, salts);
    REQUIRE_MESSAGE(doc.is_ok(), doc.status().to_string());
    const core::Hash root = doc->root();

    json args = f.issue_args("COO-SD", "certificate_of_origin", root);
    json hashes = json::array();
    for (const core::Hash& h : doc->field_hashes()) hashes.push_back(core::to_hex(h));
    args["field_hashes"] = hashes;
    f.ok(f.issuer1, "issue", args);

    // The holder hides the price: the hash stays, the value goes.
    auto redacted = doc->redact({"price"});
    REQUIRE(redacted.is_ok());
    json wire = redacted->to_json();
    CHECK_FALSE(wire["fields"].contains("price"));
    CHECK(wire["hidden"]["price"] ==
          core::to_hex(value_commitment(salts["price"], fields["price"])));
    auto received = DisclosableDocument::from_json(json::parse(wire.dump()));
    REQUIRE_MESSAGE(received.is_ok(), received.status().to_string());
    CHECK(received->root() == root);
    json v = f.verify("COO-SD", "CN", received->root());
    CHECK(result_of(v, "integrity") == "valid");

    // A tampered field changes the root.
    json tampered = wire;
    tampered["fields"]["hs_code"]["value"] = "8471.41";
    auto bad = DisclosableDocument::from_json(tampered);
    REQUIRE(bad.is_ok());
    CHECK(bad->root() != root);
    v = f.verify("COO-SD", "CN", bad->root());
    CHECK(result_of(v, "integrity") == "invalid");
    CHECK(contains(reason_of(v, "integrity"), "not the anchored doc_hash"));
    CHECK(v["overall"] == "invalid");

    // The leaves bind the field names: renaming a hidden field changes the root.
    json renamed = wire;
    renamed["hidden"].erase("price");
    renamed["hidden"]["discount"] = wire["hidden"]["price"];
    auto moved = DisclosableDocument::from_json(renamed);
    REQUIRE(moved.is_ok());
    CHECK(moved->root() != root);
    CHECK(result_of(f.verify("COO-SD", "CN", moved->root()), "integrity") == "invalid");
    // So does swapping the names of a hidden and a disclosed field's commitment.
    CHECK(field_hash("price", value_commitment(salts["price"], fields["price"])) !=
          field_hash("origin", value_commitment(salts["price"], fields["price"])));

    // Format errors name the field.
    CHECK_FALSE(doc->redact({"nope"}).is_ok());
    CHECK_FALSE(redacted->redact({"price"}).is_ok());
    json both = wire;
    both["hidden"]["origin"] = core::to_hex(core::sha256("x"));
    auto dup = DisclosableDocument::from_json(both);
    REQUIRE_FALSE(dup.is_ok());
    CHECK(contains(dup.status().message(), "hidden.origin: the field is also disclosed"));
    std::map<std::string, std::string> short_salts = salts;
    short_salts["origin"] = "abcd";
    auto weak = DisclosableDocument::make(fields, short_salts);
    REQUIRE_FALSE(weak.is_ok());
    CHECK(contains(weak.status().message(), "salts.origin"));
    // The root is the RFC 6962 root over the sorted field hashes, each as a leaf.
    std::vector<core::Hash> leaves;
    for (const core::Hash& h : doc->field_hashes()) {
      leaves.push_back(core::merkle_leaf_hash(core::ByteSpan(h.data(), h.size())));
    }
    CHECK(core::merkle_root(leaves) == root);
  }

  TEST_CASE("verdict: same jurisdiction, all five fragments valid") {
    Fixture f;
    f.setup_trust();
    f.ok(f.issuer1, "issue", f.issue_args("COO-1"));
    json v = f.verify("COO-1", "CN", core::sha256("COO-1"));
    CHECK_MESSAGE(v["overall"] == "valid", v.dump());
    CHECK(v["fragments"].size() == 5);
    for (const json& frag : v["fragments"]) CHECK_MESSAGE(frag["result"] == "valid", frag.dump());
    CHECK(contains(reason_of(v, "issuer"), "ccpit"));
    // Without content the record's own consistency is checked.
    v = f.verify("COO-1", "CN");
    CHECK(reason_of(v, "integrity") == "no content presented; the record's own hash is consistent");
    CHECK(v["overall"] == "valid");
    CHECK(f.chain.query("documents", "verify", {{"doc_id", "NOPE"}, {"jurisdiction", "CN"}})
              .status()
              .code() == Status::Code::kNotFound);
    CHECK(f.chain.query("documents", "verify", {{"doc_id", "COO-1"}, {"jurisdiction", "China"}})
              .status()
              .code() == Status::Code::kInvalid);
  }

  TEST_CASE("verdict: a signer not on the trust list") {
    Fixture f;
    f.setup_trust();
    core::SecretKey rogue = testing::seeded_key(0x52, 7);
    f.ok(f.issuer1, "issue",
         f.issue_args("COO-R", "certificate_of_origin", std::nullopt, std::nullopt, &rogue));
    json v = f.verify("COO-R", "CN");
    CHECK(result_of(v, "issuer") == "invalid");
    CHECK(contains(reason_of(v, "issuer"), "not on CN's trust list for coo_issuer at "));
    CHECK(v["overall"] == "invalid");

    // Withdrawn later: a document signed before the withdrawal keeps its issuer.
    f.ok(f.issuer1, "issue", f.issue_args("COO-OK"));
    f.trust(f.reg1, "withdraw_authority",
            {{"jurisdiction", "CN"}, {"id", "ccpit"}, {"reason", "audit failed"}});
    f.ok(f.issuer1, "issue", f.issue_args("COO-LATE"));
    CHECK(result_of(f.verify("COO-OK", "CN"), "issuer") == "valid");
    CHECK(result_of(f.verify("COO-LATE", "CN"), "issuer") == "invalid");
  }

  TEST_CASE("verdict: a signer certificate issued by a CA on the trust list") {
    Fixture f;
    f.setup_trust();
    testing::OrgCa ccpit = testing::make_ca("ccpit", "CN", 50);
    f.trust(f.reg1, "add_authority",
            {{"jurisdiction", "CN"},
             {"id", "ccpit-ca"},
             {"name", "CCPIT e-signature CA"},
             {"cert", ccpit.cert.pem()},
             {"service_types", {"coo_issuer"}}});
    Identity esig = f.chain.issue(ccpit, {"CoO signer", "ccpit", "", "CN"});
    json a = f.issue_args("COO-C", "certificate_of_origin", std::nullopt, std::nullopt, &esig.key);
    a.erase("signer_key");
    a["signer_cert"] = esig.cert.pem();
    f.ok(f.issuer1, "issue", a);
    json v = f.verify("COO-C", "CN");
    CHECK_MESSAGE(result_of(v, "issuer") == "valid", v.dump());
    CHECK(contains(reason_of(v, "issuer"), "ccpit-ca"));

    // A certificate that had expired at the proof of existence seals nothing: refused at issue.
    Identity old = f.chain.issue(ccpit, {"old signer", "ccpit", "", "CN"},
                                 kBlockTimeMs - 2 * testing::kYearMs, kBlockTimeMs - kDayMs);
    a = f.issue_args("COO-OLD", "certificate_of_origin", std::nullopt, std::nullopt, &old.key);
    a.erase("signer_key");
    a["signer_cert"] = old.cert.pem();
    core::Receipt r = f.call(f.issuer1, "issue", a);
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "expired"));
    // One that expires after its seal keeps its issuer fragment.
    Identity brief = f.chain.issue(ccpit, {"brief signer", "ccpit", "", "CN"},
                                   kBlockTimeMs - kDayMs, f.chain.block_time_ms + 1);
    a = f.issue_args("COO-BRIEF", "certificate_of_origin", std::nullopt, std::nullopt, &brief.key);
    a.erase("signer_key");
    a["signer_cert"] = brief.cert.pem();
    f.ok(f.issuer1, "issue", a);
    f.chain.block_time_ms += testing::kDayMs;
    f.ok(f.issuer1, "issue", f.issue_args("COO-LATER"));
    v = f.verify("COO-BRIEF", "CN");
    CHECK_MESSAGE(result_of(v, "issuer") == "valid", v.dump());
  }

  TEST_CASE("verdict: recognition through an MRA enacted at signing time") {
    Fixture f;
    f.setup_trust();
    f.ok(f.issuer1, "issue", f.issue_args("COO-EARLY"));
    json v = f.verify("COO-EARLY", "SG");
    CHECK(result_of(v, "recognition") == "invalid");
    CHECK(v["overall"] == "invalid");

    f.trust(f.reg1, "propose_mra",
            {{"id", "cn-sg-coo"},
             {"parties", {"CN", "SG"}},
             {"direction", "mutual"},
             {"doc_types", {"certificate_of_origin"}},
             {"service_types", {"coo_issuer"}}});
    f.trust(f.reg2, "approve_mra", {{"id", "cn-sg-coo"}});
    f.ok(f.issuer1, "issue", f.issue_args("COO-MRA"));
    v = f.verify("COO-MRA", "SG");
    CHECK_MESSAGE(result_of(v, "recognition") == "valid", v.dump());
    CHECK_MESSAGE(v["overall"] == "valid", v.dump());
    // Judged as of signing time: the early one is still not recognised.
    CHECK(result_of(f.verify("COO-EARLY", "SG"), "recognition") == "invalid");
    // Not recognised in a third jurisdiction.
    CHECK(result_of(f.verify("COO-MRA", "DE"), "recognition") == "invalid");

    // Suspending the MRA: newly signed documents are not recognised; earlier ones still are.
    f.trust(f.reg2, "suspend_mra", {{"id", "cn-sg-coo"}, {"reason", "review"}});
    f.ok(f.issuer1, "issue", f.issue_args("COO-AFTER"));
    CHECK(result_of(f.verify("COO-AFTER", "SG"), "recognition") == "invalid");
    CHECK(result_of(f.verify("COO-MRA", "SG"), "recognition") == "valid");
  }

  TEST_CASE("verdict: important data crosses the border only under an approval") {
    Fixture f;
    f.setup_trust();
    f.trust(f.reg1, "propose_mra",
            {{"id", "cn-sg-coo"},
             {"parties", {"CN", "SG"}},
             {"direction", "mutual"},
             {"doc_types", {"certificate_of_origin"}},
             {"service_types", {"coo_issuer"}}});
    f.trust(f.reg2, "approve_mra", {{"id", "cn-sg-coo"}});
    json args = f.issue_args("COO-IMP");
    args["label"] = "important";
    f.ok(f.issuer1, "issue", args);

    json v = f.verify("COO-IMP", "SG");
    CHECK(result_of(v, "data") == "invalid");
    CHECK(contains(reason_of(v, "data"), "important"));
    CHECK(v["overall"] == "invalid");
    // Inside CN the label does not matter.
    CHECK(result_of(f.verify("COO-IMP", "CN"), "data") == "valid");

    f.dataflow(f.issuer1, "file_approval",
               {{"id", "cac-2026-001"},
                {"route", "security_assessment"},
                {"scope",
                 {{"doc_types", {"certificate_of_origin"}},
                  {"data_labels", {"important"}},
                  {"destinations", {"SG"}}}},
                {"authority", "CAC"},
                {"reference", "CAC-SA-2026-001"}});
    f.dataflow(f.reg1, "approve_approval", {{"id", "cac-2026-001"}});
    v = f.verify("COO-IMP", "SG");
    CHECK_MESSAGE(result_of(v, "data") == "valid", v.dump());
    CHECK_MESSAGE(v["overall"] == "valid", v.dump());
  }
}

}  // namespace
}  // namespace silk::contracts
