// The trade contract (trade.h, trade.cpp): deals, disputes and holds through the real Executor
// with real certificates. org2 (SG) sells, org3 (DE) buys, org1 (CN) carries and arbitrates.
#include "silk/contracts/trade.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "silk/contracts/dataflow.h"
#include "silk/contracts/documents.h"
#include "silk/contracts/ebl.h"
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

struct TradeFixture {
  CertChain chain;
  Identity carrier = chain.member("org1", "issuer", "carrier");
  Identity arbitrator = chain.member("org1", "arbitrator", "judge");
  Identity clerk = chain.member("org1", "client", "clerk");
  Identity seller = chain.member("org2", "client", "seller");
  Identity seller_arbitrator = chain.member("org2", "arbitrator", "partisan");
  Identity buyer = chain.member("org3", "client", "buyer");

  TradeFixture() {
    (void)chain.executor.add_contract(make_ebl_contract());
    (void)chain.executor.add_contract(make_trade_contract());
    (void)chain.executor.add_contract(make_documents_contract());
    (void)chain.executor.add_contract(make_dataflow_contract());
  }

  void put_document(const std::string& doc_id, const std::string& type,
                    const std::string& issuer_org, const std::string& status = "ACTIVE",
                    const json& parties = json::object()) {
    DocumentRecord d;
    d.doc_id = doc_id;
    d.type = type;
    d.doc_hash = core::sha256(std::string_view(doc_id));
    d.issued_at_ms = testing::kBlockTimeMs - 5000;
    d.issuer_org = issuer_org;
    d.jurisdiction = chain.ca(issuer_org).jurisdiction;
    d.status = status;
    d.parties = parties;
    d.history = json::array({{{"status", "ACTIVE"},
                              {"at_ms", d.issued_at_ms},
                              {"height", 0},
                              {"tx_id", ""},
                              {"by", issuer_org},
                              {"reason", ""}}});
    chain.state.put("documents/doc/" + doc_id, d.to_json().dump());
  }

  core::Receipt call(const Identity& who, const std::string& contract, const std::string& method,
                     const json& args) {
    return chain.run1(chain.tx(who, contract, method, args));
  }
  core::Receipt trade(const Identity& who, const std::string& method, const json& args) {
    return call(who, "trade", method, args);
  }
  void ok(const Identity& who, const std::string& method, const json& args,
          const std::string& contract = "trade") {
    core::Receipt r = call(who, contract, method, args);
    REQUIRE_MESSAGE(r.ok(), contract << "." << method << ": " << r.message);
  }
  json deal(const std::string& id) { return chain.query_json("trade", "deal", json{{"id", id}}); }

  void open(const std::string& id) {
    ok(seller, "open",
       json{{"id", id},
            {"buyer", "org3"},
            {"goods", "20 t green coffee, HS 0901.11"},
            {"incoterms", "CIF"},
            {"amount", {{"value", "84000.00"}, {"currency", "USD"}}}});
  }
};

TEST_SUITE("trade") {
  TEST_CASE("a deal's happy path: proposed, accepted, shipped, delivered, settled") {
    TradeFixture f;
    // The bill names the buyer as consignee: the buyer may attach it.
    f.put_document("BL-1", "bill_of_lading", "org1", "ACTIVE", json{{"consignee", "org3"}});
    f.put_document("INV-1", "commercial_invoice", "org2");
    f.open("D-1");
    json d = f.deal("D-1");
    CHECK(d["state"] == "proposed");
    CHECK(d["seller"] == "org2");
    CHECK(d["buyer"] == "org3");
    CHECK(d["seller_jurisdiction"] == "SG");
    CHECK(d["buyer_jurisdiction"] == "DE");
    CHECK(d["amount"]["currency"] == "USD");

    core::Receipt r = f.trade(f.seller, "ship", json{{"id", "D-1"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "deal D-1 is proposed; ship needs accepted"));
    r = f.trade(f.seller, "accept", json{{"id", "D-1"}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "only the buyer org3 may accept deal D-1; org2 is not the buyer"));

    f.ok(f.buyer, "accept", json{{"id", "D-1"}});
    f.ok(f.seller, "attach", json{{"id", "D-1"}, {"doc_id", "INV-1"}});
    f.ok(f.buyer, "attach", json{{"id", "D-1"}, {"doc_id", "BL-1"}});
    r = f.trade(f.buyer, "attach", json{{"id", "D-1"}, {"doc_id", "BL-1"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    r = f.trade(f.buyer, "attach", json{{"id", "D-1"}, {"doc_id", "NOPE"}});
    CHECK(r.code == code_of(Status::Code::kNotFound));
    r = f.trade(f.clerk, "attach", json{{"id", "D-1"}, {"doc_id", "INV-1"}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));

    r = f.trade(f.buyer, "ship", json{{"id", "D-1"}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    f.ok(f.seller, "ship", json{{"id", "D-1"}});
    r = f.trade(f.seller, "settle", json{{"id", "D-1"}, {"reference", "SWIFT-1"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "deal D-1 is shipped; settle needs delivered"));
    f.ok(f.buyer, "confirm_delivery", json{{"id", "D-1"}});
    f.ok(f.seller, "settle", json{{"id", "D-1"}, {"reference", "SWIFT-MT103-42"}});

    d = f.deal("D-1");
    CHECK(d["state"] == "settled");
    CHECK(d["settlement"]["reference"] == "SWIFT-MT103-42");
    CHECK(d["documents"] == json::array({"INV-1", "BL-1"}));
    std::vector<std::string> states;
    for (const json& h : d["history"]) states.push_back(h["state"]);
    CHECK(states ==
          std::vector<std::string>{"proposed", "accepted", "shipped", "delivered", "settled"});
    CHECK(d["history"][1]["by"] == "org3");

    r = f.trade(f.buyer, "dispute", json{{"id", "D-1"}, {"reason", "late"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "deal D-1 is settled"));
  }

  TEST_CASE("open checks its args and refuses a duplicate") {
    TradeFixture f;
    json args = {{"id", "D-2"},
                 {"buyer", "org3"},
                 {"goods", "coffee"},
                 {"incoterms", "XYZ"},
                 {"amount", {{"value", "1.5"}, {"currency", "USD"}}}};
    core::Receipt r = f.trade(f.seller, "open", args);
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "incoterms: 'XYZ'"));
    args["incoterms"] = "FOB";
    args["amount"]["value"] = "1,5";
    r = f.trade(f.seller, "open", args);
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "amount.value"));
    args["amount"]["value"] = "1.5";
    args["buyer"] = "org2";
    r = f.trade(f.seller, "open", args);
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "buyer: org2 is the seller"));
    args["buyer"] = "org3";
    args["price"] = 1;
    r = f.trade(f.seller, "open", args);
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "unknown field 'price'"));
    args.erase("price");
    f.ok(f.seller, "open", args);
    r = f.trade(f.seller, "open", args);
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "deal D-2 already opened by org2 at height 5"));

    // The index: all deals, and by organisation.
    f.open("D-0");
    json all = f.chain.query_json("trade", "deals", json::object());
    REQUIRE(all["deals"].size() == 2);
    CHECK(all["deals"][0]["id"] == "D-0");
    CHECK(all["deals"][1]["id"] == "D-2");
    CHECK(f.chain.query_json("trade", "deals", json{{"org", "org3"}})["deals"].size() == 2);
    CHECK(f.chain.query_json("trade", "deals", json{{"org", "org1"}})["deals"].empty());
  }

  TEST_CASE("ship needs an attached ACTIVE bill of lading") {
    TradeFixture f;
    f.put_document("INV-3", "commercial_invoice", "org2");
    f.put_document("BL-3", "bill_of_lading", "org1", "SUSPENDED", json{{"shipper", "org2"}});
    f.open("D-3");
    f.ok(f.buyer, "accept", json{{"id", "D-3"}});
    core::Receipt r = f.trade(f.seller, "ship", json{{"id", "D-3"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "ship needs an attached ACTIVE bill_of_lading"));
    CHECK(contains(r.message, "no documents are attached"));
    f.ok(f.seller, "attach", json{{"id", "D-3"}, {"doc_id", "INV-3"}});
    f.ok(f.seller, "attach", json{{"id", "D-3"}, {"doc_id", "BL-3"}});
    r = f.trade(f.seller, "ship", json{{"id", "D-3"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "INV-3 (commercial_invoice, ACTIVE)"));
    CHECK(contains(r.message, "BL-3 (bill_of_lading, SUSPENDED)"));
    CHECK(f.deal("D-3")["state"] == "accepted");
  }

  TEST_CASE("a dispute holds the eBL; the arbitrator's decision releases it") {
    TradeFixture f;
    f.put_document("BL-4", "bill_of_lading", "org1");
    f.put_document("INV-4", "commercial_invoice", "org2");
    f.ok(f.carrier, "issue", json{{"doc_id", "BL-4"}, {"holder", "org2"}}, "ebl");
    f.open("D-4");
    f.ok(f.buyer, "accept", json{{"id", "D-4"}});
    f.ok(f.seller, "attach", json{{"id", "D-4"}, {"doc_id", "BL-4"}});
    f.ok(f.seller, "attach", json{{"id", "D-4"}, {"doc_id", "INV-4"}});
    f.ok(f.seller, "ship", json{{"id", "D-4"}});

    core::Receipt r = f.trade(f.clerk, "dispute", json{{"id", "D-4"}, {"reason", "x"}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    r = f.trade(f.buyer, "decide", json{{"id", "D-4"}, {"ruling", "r"}, {"release", true}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));  // not an arbitrator, and not disputed

    f.ok(f.buyer, "dispute", json{{"id", "D-4"}, {"reason", "wet cargo"}});
    json d = f.deal("D-4");
    CHECK(d["state"] == "disputed");
    CHECK(d["dispute"]["previous_state"] == "shipped");
    CHECK(d["dispute"]["holds"] == json::array({"BL-4"}));
    json hold = f.chain.query_json("trade", "holds", json{{"doc_id", "BL-4"}});
    CHECK(hold["hold"]["deal_id"] == "D-4");
    CHECK(hold["hold"]["reason"] == "wet cargo");
    CHECK(f.chain.query_json("trade", "holds", json{{"doc_id", "INV-4"}})["hold"].is_null());

    // The eBL is frozen: even its holder cannot move it.
    r = f.call(f.seller, "ebl", "transfer", json{{"doc_id", "BL-4"}, {"to", "org3"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "eBL BL-4 is held by deal D-4 under dispute"));
    CHECK(contains(r.message, "wet cargo"));
    // The deal moves no further while disputed.
    r = f.trade(f.buyer, "confirm_delivery", json{{"id", "D-4"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "deal D-4 is disputed"));

    // Neither a party's arbitrator nor a non-arbitrator decides.
    r = f.trade(f.seller_arbitrator, "decide",
                json{{"id", "D-4"}, {"ruling", "seller wins"}, {"release", true}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "is a party to deal D-4"));
    r = f.trade(f.clerk, "decide", json{{"id", "D-4"}, {"ruling", "r"}, {"release", true}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "needs a member with role arbitrator"));
    r = f.trade(f.arbitrator, "decide", json{{"id", "D-4"}, {"ruling", "r"}});
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "release: missing"));

    f.ok(f.arbitrator, "decide",
         json{{"id", "D-4"}, {"ruling", "carrier liable; cargo released"}, {"release", true}});
    d = f.deal("D-4");
    CHECK(d["state"] == "decided");
    CHECK(d["dispute"]["ruling"] == "carrier liable; cargo released");
    CHECK(d["dispute"]["decided_by"] == "org1");
    CHECK(d["dispute"]["released"] == json::array({"BL-4"}));
    CHECK(f.chain.query_json("trade", "holds", json{{"doc_id", "BL-4"}})["hold"].is_null());
    f.ok(f.seller, "transfer", json{{"doc_id", "BL-4"}, {"to", "org3"}}, "ebl");
  }

  TEST_CASE("attach: only a document the party issued, holds, owns or is named in") {
    TradeFixture f;
    f.put_document("BL-X", "bill_of_lading", "org1");  // org1's own, no eBL, names nobody
    f.open("D-X");
    f.ok(f.buyer, "accept", json{{"id", "D-X"}});
    core::Receipt r = f.trade(f.seller, "attach", json{{"id", "D-X"}, {"doc_id", "BL-X"}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "issued by org1"));
    CHECK(contains(r.message, "[rule deal.attach]"));
    r = f.trade(f.buyer, "attach", json{{"id", "D-X"}, {"doc_id", "BL-X"}});
    CHECK(contains(r.message, "[rule deal.attach]"));
    // Once the carrier issues its eBL to the seller, the seller holds it and may attach it.
    f.ok(f.carrier, "issue", json{{"doc_id", "BL-X"}, {"holder", "org2"}}, "ebl");
    f.ok(f.seller, "attach", json{{"id", "D-X"}, {"doc_id", "BL-X"}});
  }

  TEST_CASE("a dispute holds only what a party controls; an arbitrator orders the rest") {
    TradeFixture f;
    f.put_document("BL-6", "bill_of_lading", "org1");
    f.ok(f.carrier, "issue", json{{"doc_id", "BL-6"}, {"holder", "org2"}}, "ebl");
    f.open("D-6");
    f.ok(f.buyer, "accept", json{{"id", "D-6"}});
    f.ok(f.seller, "attach", json{{"id", "D-6"}, {"doc_id", "BL-6"}});
    // The seller endorses the bill away to a bank (org1) that is no party to the deal.
    f.ok(f.seller, "endorse", json{{"doc_id", "BL-6"}, {"to", "org1"}}, "ebl");
    f.ok(f.buyer, "dispute", json{{"id", "D-6"}, {"reason", "quality"}});
    json d = f.deal("D-6");
    CHECK(d["dispute"]["holds"].empty());
    REQUIRE(d["dispute"]["not_held"].size() == 1);
    CHECK(d["dispute"]["not_held"][0]["doc_id"] == "BL-6");
    CHECK(contains(d["dispute"]["not_held"][0]["reason"], "[rule deal.hold]"));
    CHECK(f.chain.query_json("trade", "holds", json{{"doc_id", "BL-6"}})["hold"].is_null());
    // Only an arbitrator of neither party orders a hold on it, while the deal is disputed.
    core::Receipt r =
        f.trade(f.buyer, "hold", json{{"id", "D-6"}, {"doc_id", "BL-6"}, {"order", "mine"}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "[rule deal.arbitrator]"));
    r = f.trade(f.seller_arbitrator, "hold",
                json{{"id", "D-6"}, {"doc_id", "BL-6"}, {"order", "mine"}});
    CHECK(contains(r.message, "is a party to deal D-6"));
    f.ok(f.arbitrator, "hold", json{{"id", "D-6"}, {"doc_id", "BL-6"}, {"order", "case 2026/17"}});
    CHECK(f.chain.query_json("trade", "holds", json{{"doc_id", "BL-6"}})["hold"]["deal_id"] ==
          "D-6");
    r = f.call(f.clerk, "ebl", "transfer", json{{"doc_id", "BL-6"}, {"to", "org3"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "arbitrator's order: case 2026/17"));
    f.ok(f.arbitrator, "decide", json{{"id", "D-6"}, {"ruling", "released"}, {"release", true}});
    f.ok(f.clerk, "transfer", json{{"doc_id", "BL-6"}, {"to", "org3"}}, "ebl");

    // Every deal event is in the document's history, with the signer's certificate subject.
    json h = f.chain.query_json("documents", "history", json{{"doc_id", "BL-6"}});
    std::vector<std::string> deal_events;
    for (const json& e : h["timeline"]) {
      if (e["source"] == "trade") {
        deal_events.push_back(e["event"]);
        CHECK(contains(e["signer"].get<std::string>(), "CN="));
      }
    }
    CHECK(deal_events ==
          std::vector<std::string>{"attached", "not_held", "hold_ordered", "released"});
  }

  TEST_CASE("ship refuses a bill whose eBL was surrendered") {
    TradeFixture f;
    f.put_document("BL-7", "bill_of_lading", "org1");
    f.ok(f.carrier, "issue", json{{"doc_id", "BL-7"}, {"holder", "org2"}}, "ebl");
    f.open("D-7");
    f.ok(f.buyer, "accept", json{{"id", "D-7"}});
    f.ok(f.seller, "attach", json{{"id", "D-7"}, {"doc_id", "BL-7"}});
    f.ok(f.seller, "request_surrender", json{{"doc_id", "BL-7"}, {"purpose", "delivery"}}, "ebl");
    f.ok(f.carrier, "accept_surrender", json{{"doc_id", "BL-7"}}, "ebl");
    core::Receipt r = f.trade(f.seller, "ship", json{{"id", "D-7"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "SURRENDERED_FOR_DELIVERY"));
    CHECK(contains(r.message, "[rule deal.ship]"));
  }

  TEST_CASE("a decision that keeps the holds, released later") {
    TradeFixture f;
    f.put_document("BL-5", "bill_of_lading", "org1");
    f.ok(f.carrier, "issue", json{{"doc_id", "BL-5"}, {"holder", "org2"}}, "ebl");
    f.open("D-5");
    f.ok(f.buyer, "accept", json{{"id", "D-5"}});
    f.ok(f.seller, "attach", json{{"id", "D-5"}, {"doc_id", "BL-5"}});
    f.ok(f.seller, "dispute", json{{"id", "D-5"}, {"reason", "unpaid deposit"}});
    f.ok(f.arbitrator, "decide",
         json{{"id", "D-5"}, {"ruling", "held pending payment"}, {"release", false}});
    CHECK(f.chain.query_json("trade", "holds", json{{"doc_id", "BL-5"}})["hold"]["deal_id"] ==
          "D-5");
    core::Receipt r = f.call(f.seller, "ebl", "transfer", json{{"doc_id", "BL-5"}, {"to", "org3"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    r = f.trade(f.seller, "release", json{{"id", "D-5"}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    f.ok(f.arbitrator, "release", json{{"id", "D-5"}});
    CHECK(f.chain.query_json("trade", "holds", json{{"doc_id", "BL-5"}})["hold"].is_null());
    r = f.trade(f.arbitrator, "release", json{{"id", "D-5"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    f.ok(f.seller, "transfer", json{{"doc_id", "BL-5"}, {"to", "org3"}}, "ebl");
  }
}

}  // namespace
}  // namespace silk::contracts
