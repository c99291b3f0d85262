#include "silk/contracts/dataflow.h"
#include "silk/contracts/document_record.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fakes/map_state_view.h"
#include "silk/contracts/executor.h"
#include "silk/core/receipt.h"
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

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

bool has_event(const core::Receipt& r, std::string_view name) {
  for (const core::ContractEvent& e : r.events) {
    if (e.contract == "dataflow" && e.name == name) return true;
  }
  return false;
}

// org1 is in CN, org2 in SG, org3 in DE (cert_chain.h).
struct Fixture {
  CertChain chain;
  Identity exporter = chain.member("org1", "client", "exporter");
  Identity reg_cn = chain.member("org1", "regulator", "reg-cn");
  Identity reg_sg = chain.member("org2", "regulator", "reg-sg");
  Identity client_sg = chain.member("org2", "client", "client-sg");

  Fixture() {
    // kConflict once the lead has registered it in Executor's constructor.
    (void)chain.executor.add_contract(make_dataflow_contract());
    // Documents issued by org1 in CN, written as the documents contract stores them.
    put_doc("inv-1", "commercial_invoice", "general", false);
    put_doc("coo-1", "certificate_of_origin", "important", false);
    put_doc("pl-1", "packing_list", "important", false);
    put_doc("core-1", "customs_declaration", "core", false);
    put_doc("pers-1", "insurance_certificate", "general", true);
  }

  void put_doc(const std::string& id, const std::string& type, const std::string& label,
               bool personal) {
    // A record as the documents contract stores it (dataflow reads it through load_document).
    DocumentRecord r;
    r.doc_id = id;
    r.type = type;
    r.issuer_org = "org1";
    r.jurisdiction = "CN";
    r.label = label;
    r.personal_data = personal;
    chain.state.put("documents/doc/" + id, r.to_json().dump());
  }
  core::Receipt call(const Identity& who, const std::string& method, const json& args) {
    return chain.run1(chain.tx(who, "dataflow", method, args));
  }
  uint64_t ok_at(const Identity& who, const std::string& method, const json& args) {
    const uint64_t t = chain.block_time_ms;
    core::Receipt r = call(who, method, args);
    REQUIRE_MESSAGE(r.ok(), method << ": " << r.message);
    return t;
  }
  core::Receipt share(const std::string& doc, const std::string& to_org,
                      const Identity* who = nullptr) {
    return call(who ? *who : exporter, "share",
                {{"doc_id", doc}, {"to_org", to_org}, {"purpose", "customs clearance"}});
  }
  json may_share(const std::string& doc, const std::string& to_org, uint64_t at_ms,
                 const std::string& to_jurisdiction = "") {
    json args = {{"doc_id", doc}, {"to_org", to_org}, {"at_ms", at_ms}};
    if (!to_jurisdiction.empty()) args["to_jurisdiction"] = to_jurisdiction;
    return chain.query_json("dataflow", "may_share", args);
  }
};

json approval_args(const std::string& id) {
  return {{"id", id},
          {"route", "security_assessment"},
          {"scope",
           {{"doc_types", {"certificate_of_origin"}},
            {"data_labels", {"important", "general"}},
            {"destinations", {"SG"}},
            {"recipients", {"org2"}}}},
          {"authority", "CAC"},
          {"reference", "CAC-2026-001"},
          {"valid_from_ms", kBlockTimeMs},
          {"valid_until_ms", kBlockTimeMs + 365 * kDayMs}};
}

TEST_SUITE("dataflow") {
  TEST_CASE("core data never leaves; general data leaves freely and is logged") {
    Fixture f;
    core::Receipt r = f.share("core-1", "org2");
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "document core-1 may not be shared with org2 in SG"));
    CHECK(contains(r.message, "label core: core data never leaves CN"));
    // Inside CN it may go.
    r = f.call(f.exporter, "share",
               {{"doc_id", "core-1"},
                {"to_org", "cnbank"},
                {"to_jurisdiction", "CN"},
                {"purpose", "domestic"}});
    CHECK_MESSAGE(r.ok(), r.message);
    CHECK(has_event(r, "shared"));
    CHECK_FALSE(has_event(r, "cross_border"));

    r = f.share("inv-1", "org2");
    REQUIRE_MESSAGE(r.ok(), r.message);
    CHECK(has_event(r, "shared"));
    CHECK(has_event(r, "cross_border"));
    r = f.share("inv-1", "org3");
    REQUIRE_MESSAGE(r.ok(), r.message);
    json shares = f.chain.query_json("dataflow", "shares", {{"doc_id", "inv-1"}});
    REQUIRE(shares["shares"].size() == 2);
    CHECK(shares["shares"][0]["recipient_org"] == "org2");
    CHECK(shares["shares"][0]["to_jurisdiction"] == "SG");
    CHECK(shares["shares"][0]["from_jurisdiction"] == "CN");
    CHECK(shares["shares"][0]["seq"] == 1);
    CHECK(shares["shares"][0]["contract"] == "dataflow");
    CHECK(shares["shares"][1]["recipient_org"] == "org3");
    CHECK(contains(shares["shares"][1]["reason"].get<std::string>(), "label general"));
    auto stored = f.chain.state.get("dataflow/share/inv-1/2");
    REQUIRE(stored.is_ok());
    CHECK(stored->has_value());
    CHECK(f.chain.query_json("dataflow", "shares", {{"doc_id", "coo-1"}})["shares"].empty());

    // Only the issuer's (or the eBL holder's) members share.
    r = f.share("inv-1", "org3", &f.client_sg);
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "only a member of the issuer org1 may share document inv-1"));
    // Args are checked.
    r = f.call(f.exporter, "share",
               {{"doc_id", "inv-1"}, {"to_org", "org2"}, {"purpose", "x"}, {"to", "SG"}});
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "unknown field 'to'"));
    r = f.call(
        f.exporter, "share",
        {{"doc_id", "inv-1"}, {"to_org", "org2"}, {"to_jurisdiction", "DE"}, {"purpose", "x"}});
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "to_jurisdiction: DE is not org2's jurisdiction SG"));
    r = f.share("nope", "org2");
    CHECK(r.code == code_of(Status::Code::kNotFound));
  }

  TEST_CASE("important data leaves only under an approval in force, until revoked") {
    Fixture f;
    core::Receipt r = f.share("coo-1", "org2");
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "label important"));
    CHECK(contains(r.message, "only under an export approval in force"));
    CHECK(contains(r.message, "org1 has filed none from CN"));

    json bad = approval_args("a1");
    bad["route"] = "standard_contract";
    r = f.call(f.exporter, "file_approval", bad);
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "important data leaves only after a security_assessment"));
    bad = approval_args("a1");
    bad["scope"]["data_labels"] = {"core"};
    r = f.call(f.exporter, "file_approval", bad);
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "scope.data_labels[0]: core data never leaves"));
    bad = approval_args("a1");
    bad["scope"]["regions"] = {"x"};
    r = f.call(f.exporter, "file_approval", bad);
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "scope: unknown field 'regions'"));

    const uint64_t t_filed = f.ok_at(f.exporter, "file_approval", approval_args("a1"));
    r = f.share("coo-1", "org2");
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "approval a1 was filed, not yet approved"));

    r = f.call(f.exporter, "approve_approval", {{"id", "a1"}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "only a regulator of CN may approve export approval a1"));
    CHECK(contains(r.message, "is not a regulator"));
    r = f.call(f.reg_sg, "approve_approval", {{"id", "a1"}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "is a regulator of SG"));
    const uint64_t t_approved = f.ok_at(f.reg_cn, "approve_approval", {{"id", "a1"}});
    r = f.call(f.reg_cn, "approve_approval", {{"id", "a1"}});
    CHECK(r.code == code_of(Status::Code::kConflict));

    r = f.share("coo-1", "org2");
    REQUIRE_MESSAGE(r.ok(), r.message);
    json shares = f.chain.query_json("dataflow", "shares", {{"doc_id", "coo-1"}});
    REQUIRE(shares["shares"].size() == 1);
    CHECK(shares["shares"][0]["approval_id"] == "a1");
    CHECK(shares["shares"][0]["label"] == "important");

    // The scope is respected: destination, recipient, document type.
    r = f.share("coo-1", "org3");
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "approval a1 does not cover destination DE"));
    const uint64_t now = f.chain.tip_time_ms;
    json m = f.may_share("coo-1", "sgbank", now, "SG");
    CHECK_FALSE(m["allowed"].get<bool>());
    CHECK(contains(m["reason"].get<std::string>(), "does not cover recipient sgbank"));
    m = f.may_share("pl-1", "org2", now);
    CHECK_FALSE(m["allowed"].get<bool>());
    CHECK(contains(m["reason"].get<std::string>(), "does not cover document type packing_list"));
    // And its validity window.
    m = f.may_share("coo-1", "org2", kBlockTimeMs + 366 * kDayMs);
    CHECK_FALSE(m["allowed"].get<bool>());
    CHECK(contains(m["reason"].get<std::string>(), "is outside"));
    m = f.may_share("coo-1", "org2", now);
    CHECK(m["allowed"].get<bool>());
    CHECK(m["approval_id"] == "a1");

    // Revoked: it stops, from the revocation on.
    r = f.call(f.reg_cn, "revoke_approval", {{"id", "a1"}});
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "reason: missing"));
    const uint64_t t_revoked =
        f.ok_at(f.reg_cn, "revoke_approval", {{"id", "a1"}, {"reason", "scope exceeded"}});
    r = f.share("coo-1", "org2");
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "approval a1 was revoked"));
    CHECK(contains(r.message, "scope exceeded"));
    CHECK(f.may_share("coo-1", "org2", t_revoked - 1)["allowed"].get<bool>());
    CHECK_FALSE(f.may_share("coo-1", "org2", t_approved - 1)["allowed"].get<bool>());
    CHECK_FALSE(f.may_share("coo-1", "org2", t_filed - 1)["allowed"].get<bool>());

    json a = f.chain.query_json("dataflow", "approval", {{"id", "a1"}, {"at_ms", t_approved}});
    CHECK(a["status"] == "revoked");
    CHECK(a["status_at"] == "approved");
    CHECK(a["in_force"].get<bool>());
    CHECK(a["exporter_org"] == "org1");
    CHECK(a["from_jurisdiction"] == "CN");
    CHECK(f.chain.query_json("dataflow", "approvals", {{"exporter_org", "org1"}})["approvals"]
              .size() == 1);
    CHECK(f.chain.query_json("dataflow", "approvals", {{"exporter_org", "org2"}})["approvals"]
              .empty());
  }

  TEST_CASE("a rejected approval never allows; personal data needs an approval covering it") {
    Fixture f;
    f.ok_at(f.exporter, "file_approval", approval_args("a1"));
    core::Receipt r = f.call(f.reg_cn, "reject_approval", {{"id", "a1"}, {"reason", "incomplete"}});
    REQUIRE_MESSAGE(r.ok(), r.message);
    r = f.call(f.reg_cn, "approve_approval", {{"id", "a1"}});
    CHECK(r.code == code_of(Status::Code::kConflict));
    CHECK(contains(r.message, "is rejected, not filed"));
    CHECK_FALSE(f.share("coo-1", "org2").ok());

    r = f.share("pers-1", "org2");
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "label general with personal data"));
    json args = approval_args("pi-1");
    args["route"] = "standard_contract";
    args["scope"]["doc_types"] = {"insurance_certificate"};
    args["scope"]["data_labels"] = {"general"};
    f.ok_at(f.exporter, "file_approval", args);
    f.ok_at(f.reg_cn, "approve_approval", {{"id", "pi-1"}});
    r = f.share("pers-1", "org2");
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "approval pi-1 does not cover personal data"));
    // An approval labelled personal alone covers general data that carries personal
    // information (docs/trade.md, section 8).
    args["id"] = "pi-2";
    args["scope"]["data_labels"] = {"personal"};
    f.ok_at(f.exporter, "file_approval", args);
    f.ok_at(f.reg_cn, "approve_approval", {{"id", "pi-2"}});
    r = f.share("pers-1", "org2");
    CHECK_MESSAGE(r.ok(), r.message);
  }

  TEST_CASE("classify raises a label, never lowers it, and the raised label governs") {
    Fixture f;
    core::Receipt r =
        f.call(f.client_sg, "classify", {{"doc_id", "inv-1"}, {"label", "important"}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "only a member of the issuer org1 or a regulator of CN"));
    r = f.call(f.reg_sg, "classify", {{"doc_id", "inv-1"}, {"label", "important"}});
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    r = f.call(f.exporter, "classify", {{"doc_id", "coo-1"}, {"label", "general"}});
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "may only be raised, not lowered to general"));
    r = f.call(f.exporter, "classify", {{"doc_id", "inv-1"}, {"label", "secret"}});
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "label: 'secret' is not one of general, important, core"));
    r = f.call(f.exporter, "classify", {{"doc_id", "inv-1"}, {"label", "general"}});
    CHECK(r.code == code_of(Status::Code::kConflict));

    CHECK(f.share("inv-1", "org2").ok());
    r = f.call(f.reg_cn, "classify",
               {{"doc_id", "inv-1"}, {"label", "important"}, {"reason", "strategic goods"}});
    REQUIRE_MESSAGE(r.ok(), r.message);
    CHECK(has_event(r, "classified"));
    json l = f.chain.query_json("dataflow", "label", {{"doc_id", "inv-1"}});
    CHECK(l["label"] == "important");
    CHECK(l["record_label"] == "general");
    CHECK(l["override"]["history"].size() == 1);
    r = f.share("inv-1", "org2");
    CHECK(r.code == code_of(Status::Code::kUnauthorized));
    CHECK(contains(r.message, "label important"));

    r = f.call(f.exporter, "classify",
               {{"doc_id", "inv-1"}, {"label", "important"}, {"personal_data", true}});
    REQUIRE_MESSAGE(r.ok(), r.message);
    r = f.call(f.exporter, "classify",
               {{"doc_id", "inv-1"}, {"label", "core"}, {"personal_data", false}});
    CHECK(r.code == code_of(Status::Code::kInvalid));
    CHECK(contains(r.message, "personal_data"));
    r = f.call(f.exporter, "classify", {{"doc_id", "inv-1"}, {"label", "core"}});
    REQUIRE_MESSAGE(r.ok(), r.message);
    l = f.chain.query_json("dataflow", "label", {{"doc_id", "inv-1"}});
    CHECK(l["label"] == "core");
    CHECK(l["personal_data"].get<bool>());
    CHECK(contains(f.share("inv-1", "org2").message, "core data never leaves"));
  }
}

}  // namespace
}  // namespace silk::contracts
