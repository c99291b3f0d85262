// The ebl contract (ebl.h, ebl.cpp): transferable records through the real Executor with real
// certificates. org1 (CN) is the carrier, org2 (SG) the shipper, org3 (DE) the consignee.
#include "silk/contracts/ebl.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "silk/contracts/dataflow.h"
#include "silk/contracts/documents.h"
#include "silk/contracts/trade.h"
#include "unit/contracts/cert_chain.h"

namespace silk::contracts {
namespace {

using core::Status;
using nlohmann::json;
using testing::CertChain;
using testing::code_of;
using testing::Identity;

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

struct EblFixture {
  CertChain chain;
  Identity carrier = chain.member("org1", "issuer", "carrier");
  Identity shipper = chain.member("org2", "client", "shipper");
  Identity consignee = chain.member("org3", "client", "consignee");

  EblFixture() {
    // The lead registers these in Executor's constructor; kConflict then, which is fine.
    (void)chain.executor.add_contract(make_ebl_contract());
    (void)chain.executor.add_contract(make_trade_contract());
    (void)chain.executor.add_contract(make_documents_contract());
    (void)chain.executor.add_contract(make_dataflow_contract());
  }

  // A documents record written straight into state, as documents.issue would store it.
  void put_document(const std::string& doc_id, const std::string& type = "bill_of_lading",
                    const std::string& issuer_org = "org1", const std::string& label = "general",
                    const std::string& status = "ACTIVE") {
    DocumentRecord d;
    d.doc_id = doc_id;
    d.type = type;
    d.doc_hash = core::sha256(std::string_view(doc_id));
    d.issued_at_ms = testing::kBlockTimeMs - 5000;
    d.issuer_org = issuer_org;
    d.jurisdiction = chain.ca(issuer_org).jurisdiction;
    d.label = label;
    d.status = status;
    d.history = json::array({{{"status", "ACTIVE"},
                              {"at_ms", d.issued_at_ms},
                              {"height", 0},
                              {"tx_id", ""},
                              {"by", issuer_org},
                              {"reason", ""}}});
    chain.state.put("documents/doc/" + doc_id, d.to_json().dump());
  }

  core::Receipt call(const Identity& who, const std::string& method, const json& args) {
    return chain.run1(chain.tx(who, "ebl", method, args));
  }
  void ok(const Identity& who, const std::string& method, const json& args,
          const std::string& contract = "ebl") {
    core::Receipt r = chain.run1(chain.tx(who, contract, method, args));
    REQUIRE_MESSAGE(r.ok(), contract << "." << method << ": " << r.message);
  }
  json record(const std::string& doc_id) {
    return chain.query_json("ebl", "record", json{{"doc_id", doc_id}});
  }
  // documents.issue args for `doc_id`, signed by `signer` at the next block's time.
  json issue_args(const std::string& doc_id, const std::string& type = "bill_of_lading") {
    const core::Hash h = core::sha256(std::string_view(doc_id));
    const uint64_t at = chain.block_time_ms;
    const std::string statement = signing_statement(doc_id, type, h, at);
    const core::PublicKey pk = signer.public_key();
    return json{{"doc_id", doc_id},
                {"type", type},
                {"doc_hash", core::to_hex(h)},
                {"issued_at_ms", at},
                {"signature", core::to_hex(core::ByteSpan(signer.sign(core::as_span(statement))))},
                {"signer_key", core::to_hex(core::ByteSpan(pk))}};
  }
  core::SecretKey signer = testing::seeded_key(0x61, 1);
};

TEST_SUITE("ebl") {
  TEST_CASE("the DCSA flow: issue, endorse twice, surrender for delivery, carrier accepts") {
    EblFixture f;
    f.put_document("BL-1");
    const uint64_t t_issue = f.chain.block_time_ms;
    // The carrier issues to the shipper (to order of the shipper: the shipper holds and owns).
    f.ok(f.carrier, "issue", json{{"doc_id", "BL-1"}, {"holder", "org2"}});
    json rec = f.record("BL-1");
    CHECK(rec["status"] == "ISSUED");
    CHECK(rec["holder"] == "org2");
    CHECK(rec["owner"] == "org2");
    CHECK(rec["carrier_org"] == "org1");

    const uint64_t t_e1 = f.chain.block_time_ms;
    f.ok(f.shipper, "endorse", json{{"doc_id", "BL-1"}, {"to", "org3"}});
    rec = f.record("BL-1");
    CHECK(rec["holder"] == "org3");
    CHECK(rec["owner"] == "org3");

    const uint64_t t_e2 = f.chain.block_time_ms;
    f.ok(f.consignee, "endorse", json{{"doc_id", "BL-1"}, {"to", "org2"}});
    // org2 is the endorsee again; it endorses back to org3, who takes delivery.
    f.ok(f.shipper, "endorse", json{{"doc_id", "BL-1"}, {"to", "org3"}});

    f.ok(f.consignee, "request_surrender", json{{"doc_id", "BL-1"}, {"purpose", "delivery"}});
    rec = f.record("BL-1");
    CHECK(rec["status"] == "PENDING_SURRENDER_FOR_DELIVERY");
    CHECK(rec["holder"] == "org1");  // one controller: the carrier, pending its answer

    // While pending, the former holder no longer controls it.
    core::Receipt r = f.call(f.consignee, "transfer", json{{"doc_id", "BL-1"}, {"to", "org2"}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "only the holder org1 controls eBL BL-1; role client of org3"));

    const uint64_t t_done = f.chain.block_time_ms;
    f.ok(f.carrier, "accept_surrender", json{{"doc_id", "BL-1"}});
    rec = f.record("BL-1");
    CHECK(rec["status"] == "SURRENDERED_FOR_DELIVERY");
    CHECK(rec["holder"] == "org1");

    // The chain query lists every link with actor, recipient and time.
    json chain = f.chain.query_json("ebl", "chain", json{{"doc_id", "BL-1"}});
    REQUIRE(chain["chain"].size() == 6);
    const json& links = chain["chain"];
    CHECK(links[0]["action"] == "ISSUE");
    CHECK(links[0]["actor"] == "org1");
    CHECK(links[0]["recipient"] == "org2");
    CHECK(links[0]["at_ms"] == t_issue);
    CHECK(links[1]["action"] == "ENDORSE");
    CHECK(links[1]["actor"] == "org2");
    CHECK(links[1]["recipient"] == "org3");
    CHECK(links[1]["at_ms"] == t_e1);
    CHECK(links[2]["actor"] == "org3");
    CHECK(links[2]["recipient"] == "org2");
    CHECK(links[2]["at_ms"] == t_e2);
    CHECK(links[4]["action"] == "SURRENDER_FOR_DELIVERY");
    CHECK(links[4]["actor"] == "org3");
    CHECK(links[4]["recipient"] == "org1");
    CHECK(links[5]["action"] == "SURRENDERED");
    CHECK(links[5]["actor"] == "org1");
    CHECK(links[5]["at_ms"] == t_done);
    for (const json& link : links) {
      CHECK(link["tx_id"].get<std::string>().size() == 64);
      CHECK(link["height"].get<uint64_t>() > 0);
    }

    // Each change of control across a border (CN -> SG, SG -> DE, DE -> SG, SG -> DE) is logged.
    json shares = f.chain.query_json("dataflow", "shares", json{{"doc_id", "BL-1"}});
    REQUIRE(shares["shares"].size() == 4);
    CHECK(shares["shares"][0]["contract"] == "ebl");
    CHECK(shares["shares"][0]["kind"] == "transfer");
    CHECK(shares["shares"][0]["recipient_org"] == "org2");
    CHECK(shares["shares"][3]["recipient_org"] == "org3");

    // Accomplished: nothing more happens to it.
    r = f.call(f.carrier, "accept_surrender", json{{"doc_id", "BL-1"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "eBL BL-1 is SURRENDERED_FOR_DELIVERY"));
  }

  TEST_CASE("only the holder acts; only the carrier issues and answers") {
    EblFixture f;
    f.put_document("BL-2");
    core::Receipt r = f.call(f.shipper, "issue", json{{"doc_id", "BL-2"}, {"holder", "org2"}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "only the carrier org1"));

    f.ok(f.carrier, "issue", json{{"doc_id", "BL-2"}, {"holder", "org2"}});
    r = f.call(f.carrier, "issue", json{{"doc_id", "BL-2"}, {"holder", "org3"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "eBL BL-2 already issued at height 2"));

    r = f.call(f.consignee, "endorse", json{{"doc_id", "BL-2"}, {"to", "org3"}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(r.message ==
          "only the holder org2 controls eBL BL-2; role client of org3 may not endorse it "
          "[rule ebl.holder]");
    r = f.call(f.carrier, "transfer", json{{"doc_id", "BL-2"}, {"to", "org3"}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "only the holder org2 controls eBL BL-2; role issuer of org1"));

    r = f.call(f.shipper, "accept_surrender", json{{"doc_id", "BL-2"}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "only the carrier org1 may accept_surrender"));

    // Unknown fields, bad values and unknown records are named.
    r = f.call(f.shipper, "endorse", json{{"doc_id", "BL-2"}, {"to", "org3"}, {"too", 1}});
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "unknown field 'too'"));
    r = f.call(f.shipper, "endorse", json{{"doc_id", "BL-2"}, {"to", "org9"}});
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "to: 'org9' is not an organisation of the consortium"));
    r = f.call(f.shipper, "request_surrender", json{{"doc_id", "BL-2"}, {"purpose", "fun"}});
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "purpose"));
    r = f.call(f.shipper, "transfer", json{{"doc_id", "BL-404"}, {"to", "org3"}});
    CHECK(r.code == code_of(Status::Code::kNotFound));
    CHECK(contains(r.message, "no eBL for document BL-404"));
  }

  TEST_CASE("issue needs an ACTIVE document of a transferable type") {
    EblFixture f;
    f.put_document("COO-1", "certificate_of_origin");
    core::Receipt r = f.call(f.carrier, "issue", json{{"doc_id", "COO-1"}, {"holder", "org2"}});
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "not a transferable type"));

    f.put_document("BL-R", "bill_of_lading", "org1", "general", "REVOKED");
    r = f.call(f.carrier, "issue", json{{"doc_id", "BL-R"}, {"holder", "org2"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "document BL-R is REVOKED"));

    r = f.call(f.carrier, "issue", json{{"doc_id", "BL-none"}, {"holder", "org2"}});
    CHECK(r.code == code_of(Status::Code::kNotFound));

    f.put_document("BL-3");
    r = f.call(f.carrier, "issue",
               json{{"doc_id", "BL-3"}, {"holder", "org2"}, {"owner", "org3"}, {"to_order", true}});
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "owner and to_order exclude each other"));
  }

  TEST_CASE("a rejected surrender returns control to the one who asked") {
    EblFixture f;
    f.put_document("BL-4");
    f.ok(f.carrier, "issue", json{{"doc_id", "BL-4"}, {"holder", "org2"}});
    f.ok(f.shipper, "request_surrender", json{{"doc_id", "BL-4"}, {"purpose", "amendment"}});
    CHECK(f.record("BL-4")["status"] == "PENDING_SURRENDER_FOR_AMENDMENT");
    f.ok(f.carrier, "reject_surrender",
         json{{"doc_id", "BL-4"}, {"reason", "amendment not agreed"}});
    json rec = f.record("BL-4");
    CHECK(rec["status"] == "ISSUED");
    CHECK(rec["holder"] == "org2");
    const json& last = rec["chain"].back();
    CHECK(last["action"] == "SURRENDER_REJECTED");
    CHECK(last["actor"] == "org1");
    CHECK(last["recipient"] == "org2");
    CHECK(last["reason"] == "amendment not agreed");
    // The holder acts again.
    f.ok(f.shipper, "transfer", json{{"doc_id", "BL-4"}, {"to", "org3"}});
    CHECK(f.record("BL-4")["holder"] == "org3");
  }

  TEST_CASE("an amendment: surrender for amendment, accept, void") {
    EblFixture f;
    f.put_document("BL-5");
    f.ok(f.carrier, "issue", json{{"doc_id", "BL-5"}, {"holder", "org2"}});
    core::Receipt r = f.call(f.carrier, "void", json{{"doc_id", "BL-5"}, {"reason", "amended"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "held by org2"));
    f.ok(f.shipper, "request_surrender", json{{"doc_id", "BL-5"}, {"purpose", "amendment"}});
    f.ok(f.carrier, "accept_surrender", json{{"doc_id", "BL-5"}});
    CHECK(f.record("BL-5")["status"] == "SURRENDERED_FOR_AMENDMENT");
    r = f.call(f.carrier, "void", json{{"doc_id", "BL-5"}});
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "reason: missing"));
    f.ok(f.carrier, "void", json{{"doc_id", "BL-5"}, {"reason", "amended by BL-5a"}});
    json rec = f.record("BL-5");
    CHECK(rec["status"] == "VOIDED");
    CHECK(rec["chain"].back()["action"] == "VOIDED");
    // A void bill is spent, whoever asks.
    r = f.call(f.shipper, "transfer", json{{"doc_id", "BL-5"}, {"to", "org3"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "eBL BL-5 is VOIDED: it is no live title any more (void)"));
    r = f.call(f.carrier, "transfer", json{{"doc_id", "BL-5"}, {"to", "org3"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "transfer needs ISSUED"));
  }

  TEST_CASE("to-order and blank endorsement; a holder that is not the owner") {
    EblFixture f;
    f.put_document("BL-6");
    // Issued to the shipper, naming the consignee as owner: the shipper holds but is not entitled.
    f.ok(f.carrier, "issue", json{{"doc_id", "BL-6"}, {"holder", "org2"}, {"owner", "org3"}});
    core::Receipt r = f.call(f.shipper, "endorse", json{{"doc_id", "BL-6"}, {"to", "org1"}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "org2 holds eBL BL-6 but org3 owns it"));
    r = f.call(f.shipper, "request_surrender", json{{"doc_id", "BL-6"}, {"purpose", "delivery"}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    // Delivering control to the owner makes it entitled.
    f.ok(f.shipper, "transfer", json{{"doc_id", "BL-6"}, {"to", "org3"}});
    f.ok(f.consignee, "endorse_to_order", json{{"doc_id", "BL-6"}});
    json rec = f.record("BL-6");
    CHECK(rec["owner"] == "");
    CHECK(rec["to_order"] == true);
    CHECK(rec["holder"] == "org3");
    r = f.call(f.consignee, "endorse_to_order", json{{"doc_id", "BL-6"}});
    CHECK(r.code == code_of(Status::Code::kConflict));

    f.ok(f.consignee, "blank_endorse", json{{"doc_id", "BL-6"}});
    rec = f.record("BL-6");
    CHECK(rec["blank_endorsed"] == true);
    CHECK(rec["to_order"] == false);
    // A bearer record: a plain transfer passes title with control.
    f.ok(f.consignee, "transfer", json{{"doc_id", "BL-6"}, {"to", "org2"}});
    f.ok(f.shipper, "request_surrender", json{{"doc_id", "BL-6"}, {"purpose", "delivery"}});

    json chain = f.chain.query_json("ebl", "chain", json{{"doc_id", "BL-6"}});
    std::vector<std::string> actions;
    for (const json& l : chain["chain"]) actions.push_back(l["action"]);
    CHECK(actions == std::vector<std::string>{"ISSUE", "TRANSFER", "ENDORSE_TO_ORDER",
                                              "BLANK_ENDORSE", "TRANSFER",
                                              "SURRENDER_FOR_DELIVERY"});
    CHECK(chain["chain"][0]["owner"] == "org3");
    CHECK(chain["chain"][3]["owner"] == "");
  }

  TEST_CASE("issue to order: the holder is entitled") {
    EblFixture f;
    f.put_document("BL-7");
    f.ok(f.carrier, "issue", json{{"doc_id", "BL-7"}, {"holder", "org2"}, {"to_order", true}});
    json rec = f.record("BL-7");
    CHECK(rec["owner"] == "");
    CHECK(rec["to_order"] == true);
    f.ok(f.shipper, "endorse", json{{"doc_id", "BL-7"}, {"to", "org3"}});
    rec = f.record("BL-7");
    CHECK(rec["owner"] == "org3");
    CHECK(rec["to_order"] == false);
  }

  TEST_CASE("a held record refuses every action, naming the deal and the dispute") {
    EblFixture f;
    f.put_document("BL-8");
    f.ok(f.carrier, "issue", json{{"doc_id", "BL-8"}, {"holder", "org2"}});
    f.chain.state.put(
        "trade/hold/BL-8",
        json{{"deal_id", "D-9"}, {"since_ms", testing::kBlockTimeMs}, {"reason", "goods damaged"}}
            .dump());
    core::Receipt r = f.call(f.shipper, "transfer", json{{"doc_id", "BL-8"}, {"to", "org3"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "eBL BL-8 is held by deal D-9 under dispute"));
    CHECK(contains(r.message, "goods damaged"));
    r = f.call(f.carrier, "void", json{{"doc_id", "BL-8"}, {"reason", "x"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "deal D-9"));
    CHECK(f.record("BL-8")["held"]["deal_id"] == "D-9");
  }

  TEST_CASE("the holder acts through its client or issuer; the carrier through its issuer") {
    EblFixture f;
    f.put_document("BL-R1");
    Identity carrier_client = f.chain.member("org1", "client", "carrier-clerk");
    core::Receipt r =
        f.call(carrier_client, "issue", json{{"doc_id", "BL-R1"}, {"holder", "org2"}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "[rule ebl.carrier]"));
    f.ok(f.carrier, "issue", json{{"doc_id", "BL-R1"}, {"holder", "org2"}});
    // The holder's arbitrator, regulator and admin are not its authorised signers.
    for (const char* role : {"arbitrator", "regulator", "admin"}) {
      Identity m = f.chain.member("org2", role, std::string("org2-") + role);
      for (const char* method : {"endorse", "transfer"}) {
        r = f.call(m, method, json{{"doc_id", "BL-R1"}, {"to", "org3"}});
        CHECK(r.code == code_of(Status::Code::kUnauthorized));
        CHECK_MESSAGE(contains(r.message, "[rule ebl.holder]"), r.message);
      }
      r = f.call(m, "blank_endorse", json{{"doc_id", "BL-R1"}});
      CHECK(contains(r.message, "[rule ebl.holder]"));
      r = f.call(m, "request_surrender", json{{"doc_id", "BL-R1"}, {"purpose", "delivery"}});
      CHECK(contains(r.message, "[rule ebl.holder]"));
    }
    // An auditor never writes at all.
    Identity auditor = f.chain.member("org2", "auditor", "org2-auditor");
    r = f.call(auditor, "transfer", json{{"doc_id", "BL-R1"}, {"to", "org3"}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    // The holder's issuer role signs for it too.
    Identity issuer2 = f.chain.member("org2", "issuer", "org2-issuer");
    f.ok(issuer2, "request_surrender", json{{"doc_id", "BL-R1"}, {"purpose", "delivery"}});
    r = f.call(carrier_client, "accept_surrender", json{{"doc_id", "BL-R1"}});
    CHECK(contains(r.message, "[rule ebl.carrier]"));
    f.ok(f.carrier, "accept_surrender", json{{"doc_id", "BL-R1"}});
  }

  TEST_CASE("the carrier cannot take title away: no revoke, suspend or amend of a held bill") {
    EblFixture f;
    f.put_document("BL-T");
    f.ok(f.carrier, "issue", json{{"doc_id", "BL-T"}, {"holder", "org2"}});
    core::Receipt r = f.chain.run1(f.chain.tx(f.carrier, "documents", "revoke",
                                              json{{"doc_id", "BL-T"}, {"reason", "superseded"}}));
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "holder org2"));
    CHECK(contains(r.message, "[rule doc.status_of_held_ebl]"));
    r = f.chain.run1(f.chain.tx(f.carrier, "documents", "suspend", json{{"doc_id", "BL-T"}}));
    CHECK(contains(r.message, "[rule doc.status_of_held_ebl]"));
    r = f.chain.run1(f.chain.tx(f.carrier, "documents", "amend",
                                json{{"doc_id", "BL-T"}, {"new", f.issue_args("BL-T2")}}));
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "[rule ebl.amend]"));
    // The holder still endorses.
    f.ok(f.shipper, "endorse", json{{"doc_id", "BL-T"}, {"to", "org3"}});

    // A bill the carrier still holds itself may be revoked.
    f.put_document("BL-OWN");
    f.ok(f.carrier, "issue", json{{"doc_id", "BL-OWN"}, {"holder", "org1"}});
    f.ok(f.carrier, "revoke", json{{"doc_id", "BL-OWN"}, {"reason", "cessationOfOperation"}},
         "documents");
  }

  TEST_CASE("ebl.amend: after the holder's surrender, amend and reissue to the same holder") {
    EblFixture f;
    f.put_document("BL-A");
    f.ok(f.carrier, "issue", json{{"doc_id", "BL-A"}, {"holder", "org2"}, {"owner", "org3"}});
    core::Receipt r =
        f.call(f.carrier, "amend", json{{"doc_id", "BL-A"}, {"new", f.issue_args("BL-A1")}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "only after its holder surrenders it for amendment"));
    f.ok(f.shipper, "transfer", json{{"doc_id", "BL-A"}, {"to", "org3"}});
    f.ok(f.consignee, "request_surrender", json{{"doc_id", "BL-A"}, {"purpose", "amendment"}});
    r = f.call(f.shipper, "amend", json{{"doc_id", "BL-A"}, {"new", f.issue_args("BL-A1")}});
    CHECK(contains(r.message, "[rule ebl.carrier]"));
    f.ok(f.carrier, "amend",
         json{{"doc_id", "BL-A"}, {"new", f.issue_args("BL-A1")}, {"reason", "port of discharge"}});

    json old = f.record("BL-A");
    CHECK(old["status"] == "VOIDED");
    CHECK(old["superseded_by"] == "BL-A1");
    std::vector<std::string> old_actions;
    for (const json& l : old["chain"]) old_actions.push_back(l["action"]);
    CHECK(old_actions == std::vector<std::string>{"ISSUE", "TRANSFER", "SURRENDER_FOR_AMENDMENT",
                                                  "SURRENDERED", "VOIDED"});
    json fresh = f.record("BL-A1");
    CHECK(fresh["status"] == "ISSUED");
    CHECK(fresh["holder"] == "org3");  // the organisation that surrendered it
    CHECK(fresh["owner"] == "org3");
    CHECK(fresh["amends"] == "BL-A");
    REQUIRE(fresh["chain"].size() == 6);  // the old chain carried over, then ISSUE
    CHECK(fresh["chain"].back()["action"] == "ISSUE");
    CHECK(fresh["chain"].back()["recipient"] == "org3");
    json docs_old = f.chain.query_json("documents", "document", json{{"doc_id", "BL-A"}});
    CHECK(docs_old["status"] == "SUPERSEDED");
    CHECK(docs_old["superseded_by"] == "BL-A1");
    CHECK(f.chain.query_json("documents", "document", json{{"doc_id", "BL-A1"}})["supersedes"] ==
          "BL-A");
    // The title of the reissued eBL starts at its own ISSUE.
    json title = f.chain.query_json("ebl", "title", json{{"doc_id", "BL-A1"}});
    CHECK(title["title"]["status"] == "ISSUED");
    CHECK(title["title"]["holder"] == "org3");
    // The old bill is dead; the new one lives.
    r = f.call(f.consignee, "endorse", json{{"doc_id", "BL-A"}, {"to", "org2"}});
    CHECK(r.code != 0);
    f.ok(f.consignee, "endorse", json{{"doc_id", "BL-A1"}, {"to", "org2"}});
  }

  TEST_CASE("the verdict shows the title; a surrendered bill is no live title") {
    EblFixture f;
    f.put_document("BL-V");
    const uint64_t t0 = f.chain.block_time_ms;
    f.ok(f.carrier, "issue", json{{"doc_id", "BL-V"}, {"holder", "org2"}});
    f.ok(f.shipper, "request_surrender", json{{"doc_id", "BL-V"}, {"purpose", "delivery"}});
    const uint64_t t_pending = f.chain.tip_time_ms;
    f.ok(f.carrier, "accept_surrender", json{{"doc_id", "BL-V"}});
    auto verify = [&](std::optional<uint64_t> at) {
      json args = {{"doc_id", "BL-V"}, {"jurisdiction", "CN"}};
      if (at) args["at_ms"] = *at;
      return f.chain.query_json("documents", "verify", args);
    };
    auto status_of = [](const json& v) {
      for (const json& frag : v["fragments"]) {
        if (frag["name"] == "status") return frag;
      }
      return json();
    };
    json v = verify(std::nullopt);
    CHECK(v["title"]["status"] == "SURRENDERED_FOR_DELIVERY");
    CHECK(status_of(v)["result"] == "invalid");
    CHECK(contains(status_of(v)["reason"], "evidence of delivery, not a live title"));
    v = verify(t0);
    CHECK(v["title"]["status"] == "ISSUED");
    CHECK(v["title"]["holder"] == "org2");
    CHECK(status_of(v)["result"] == "valid");
    CHECK(contains(status_of(v)["reason"], "holder org2, owner org2, carrier org1"));
    v = verify(t_pending);
    CHECK(v["title"]["status"] == "PENDING_SURRENDER_FOR_DELIVERY");
    CHECK(status_of(v)["result"] == "valid");
    // Before the eBL existed, the record says so.
    f.put_document("BL-NONE");
    CHECK(contains(
        status_of(f.chain.query_json(
            "documents", "verify", json{{"doc_id", "BL-NONE"}, {"jurisdiction", "CN"}}))["reason"],
        "no eBL issued"));
  }

  TEST_CASE("a cross-border transfer of an important eBL needs an export approval") {
    EblFixture f;
    f.put_document("BL-IMP", "bill_of_lading", "org1", "important");
    // Within CN (the carrier holds it): no border crossed.
    f.ok(f.carrier, "issue", json{{"doc_id", "BL-IMP"}, {"holder", "org1"}});
    core::Receipt r = f.call(f.carrier, "transfer", json{{"doc_id", "BL-IMP"}, {"to", "org2"}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "transfer of eBL BL-IMP from org1 (CN) to org2 (SG)"));
    CHECK(contains(r.message, "refused by dataflow"));
    CHECK(f.record("BL-IMP")["holder"] == "org1");

    // A security assessment approved by CN's regulator allows it, and the transfer is logged.
    Identity regulator = f.chain.member("org1", "regulator", "cac");
    f.ok(f.carrier, "file_approval",
         json{{"id", "SA-1"},
              {"route", "security_assessment"},
              {"scope",
               {{"doc_types", {"bill_of_lading"}},
                {"data_labels", {"important"}},
                {"destinations", {"SG"}}}},
              {"authority", "CAC"}},
         "dataflow");
    f.ok(regulator, "approve_approval", json{{"id", "SA-1"}}, "dataflow");
    f.ok(f.carrier, "transfer", json{{"doc_id", "BL-IMP"}, {"to", "org2"}});
    json shares = f.chain.query_json("dataflow", "shares", json{{"doc_id", "BL-IMP"}});
    REQUIRE(shares["shares"].size() == 1);
    CHECK(shares["shares"][0]["approval_id"] == "SA-1");
    CHECK(shares["shares"][0]["label"] == "important");

    // Issuing an important record straight to a foreign holder is refused the same way.
    f.put_document("BL-IMP2", "bill_of_lading", "org1", "important");
    r = f.call(f.carrier, "issue", json{{"doc_id", "BL-IMP2"}, {"holder", "org3"}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "refused by dataflow"));
  }
}

}  // namespace
}  // namespace silk::contracts
