// The ebl contract (ebl.h, ebl.cpp): transferable records through the real Executor with real
// certificates. org1 (CN) is the carrier, org2 (SG) the shipper, org3 (DE) the consignee.
#include "silk/contracts/ebl.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

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
    CHECK(contains(r.message, "only the holder org1 controls eBL BL-1; org3 does not"));

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
    CHECK(r.message == "only the holder org2 controls eBL BL-2; org3 does not");
    r = f.call(f.carrier, "transfer", json{{"doc_id", "BL-2"}, {"to", "org3"}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "only the holder org2 controls eBL BL-2; org1 does not"));

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
    r = f.call(f.shipper, "transfer", json{{"doc_id", "BL-5"}, {"to", "org3"}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));  // the carrier holds it now
    r = f.call(f.carrier, "transfer", json{{"doc_id", "BL-5"}, {"to", "org3"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "eBL BL-5 is VOIDED; transfer needs ISSUED"));
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
