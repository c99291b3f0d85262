#include "silk/contracts/policy.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace silk::contracts {
namespace {

using core::Status;
using nlohmann::json;

const std::vector<std::string> kOrgs = {"org1", "org2", "org3", "org4"};

Policy parse_ok(const std::string& text) {
  auto p = parse_policy(json::parse(text));
  REQUIRE_MESSAGE(p.is_ok(), text << ": " << p.status().to_string());
  return p.value();
}

std::string parse_error(const json& j) {
  auto p = parse_policy(j);
  REQUIRE_MESSAGE(!p.is_ok(), j.dump());
  CHECK(p.status().code() == Status::Code::kInvalid);
  return p.status().message();
}

Principal who(std::string org, std::vector<std::string> roles) {
  return Principal{std::move(org), std::move(roles)};
}

}  // namespace

TEST_SUITE("policy") {
  TEST_CASE("parses every rule word and number") {
    CHECK(parse_ok(R"({"rule":"ANY"})").rule == Policy::Rule::kAny);
    CHECK(parse_ok(R"({"rule":"ALL"})").rule == Policy::Rule::kAll);
    CHECK(parse_ok(R"({"rule":"MAJORITY"})").rule == Policy::Rule::kMajority);
    CHECK(parse_ok(R"({"rule":"SELF"})").rule == Policy::Rule::kSelf);
    CHECK(parse_ok(R"({"rule":"FORBIDDEN"})").rule == Policy::Rule::kForbidden);

    Policy two = parse_ok(R"({"rule":"2"})");
    CHECK(two.rule == Policy::Rule::kAtLeast);
    CHECK(two.n == 2);
    CHECK(two.m == 0);

    Policy frac =
        parse_ok(R"({"rule":"2/3","orgs":["org3","org1"],"roles":["regulator","admin"]})");
    CHECK(frac.rule == Policy::Rule::kFraction);
    CHECK(frac.n == 2);
    CHECK(frac.m == 3);
    CHECK(frac.orgs == std::vector<std::string>{"org1", "org3"});  // sorted
    CHECK(frac.roles == std::vector<std::string>{"admin", "regulator"});
    CHECK(parse_ok(R"({"rule":"3/3"})").n == 3);
    CHECK(parse_ok(R"({"rule":"ANY","orgs":null,"roles":[]})").orgs.empty());
  }

  TEST_CASE("round-trips through to_json") {
    for (const char* text :
         {R"({"rule":"ANY"})", R"({"rule":"MAJORITY","roles":["admin"]})",
          R"({"rule":"2","orgs":["b","a"]})", R"({"rule":"1/2","orgs":["x"],"roles":["node"]})",
          R"({"rule":"SELF","roles":["admin"]})", R"({"rule":"FORBIDDEN"})"}) {
      Policy p = parse_ok(text);
      json j = to_json(p);
      CHECK(j.at("orgs").is_array());
      CHECK(j.at("roles").is_array());
      auto again = parse_policy(j);
      REQUIRE(again.is_ok());
      CHECK(again.value() == p);
    }
    CHECK(to_json(parse_ok(R"({"rule":"2/3","orgs":["b","a"]})")) ==
          json::parse(R"({"rule":"2/3","orgs":["a","b"],"roles":[]})"));
    CHECK(rule_text(parse_ok(R"({"rule":"7"})")) == "7");
  }

  TEST_CASE("refuses malformed policies with precise messages") {
    CHECK(parse_error(json::parse(R"({"rule":"3/2"})")) ==
          "policy rule '3/2': numerator larger than denominator");
    CHECK(parse_error(json::parse(R"({"rule":"0"})")) == "policy rule '0': must be at least 1");
    CHECK(parse_error(json::parse(R"({"rule":"0/3"})")) == "policy rule '0/3': must be at least 1");
    CHECK(parse_error(json::parse(R"({"rule":"2/0"})")) == "policy rule '2/0': must be at least 1");
    CHECK(parse_error(json::parse(R"({"rule":"02"})")) ==
          "policy rule '02': leading zero in a number");
    CHECK(parse_error(json::parse(R"({"rule":"2/"})")) == "policy rule '2/': expected a number");
    CHECK(parse_error(json::parse(R"({"rule":"1/2/3"})")) ==
          "policy rule '1/2/3': expected a decimal number");
    CHECK(parse_error(json::parse(R"({"rule":"2 "})")) ==
          "policy rule '2 ': expected a decimal number");
    CHECK(parse_error(json::parse(R"({"rule":"99999999999999999999"})")) ==
          "policy rule '99999999999999999999': at most 1000");
    CHECK(parse_error(json::parse(R"({"rule":"1001"})")) == "policy rule '1001': at most 1000");
    CHECK(parse_error(json::parse(R"({"rule":"any"})")) ==
          "policy rule 'any': expected ANY, ALL, MAJORITY, SELF, FORBIDDEN, n or n/m");
    CHECK(parse_error(json::parse(R"({"rule":"-1"})")).find("expected ANY") != std::string::npos);
    CHECK(parse_error(json::parse(R"({"orgs":[]})")) == "policy: missing field 'rule'");
    CHECK(parse_error(json::parse(R"({"rule":2})")) == "policy rule: expected a string");
    CHECK(parse_error(json::parse(R"(["ANY"])")) == "policy: expected a JSON object");
    CHECK(parse_error(json::parse(R"({"rule":"ANY","org":["a"]})")) ==
          "policy: unknown field 'org' (expected rule, orgs, roles)");
    CHECK(parse_error(json::parse(R"({"rule":"ANY","orgs":"org1"})")) ==
          "policy orgs: expected an array of strings");
    CHECK(parse_error(json::parse(R"({"rule":"ANY","orgs":["org1",""]})")) ==
          "policy orgs: expected non-empty strings, got \"\"");
    CHECK(parse_error(json::parse(R"({"rule":"ANY","orgs":["org1",3]})")) ==
          "policy orgs: expected non-empty strings, got 3");
    CHECK(parse_error(json::parse(R"({"rule":"ANY","orgs":["org1","org1"]})")) ==
          "policy orgs: duplicate 'org1'");
    CHECK(parse_error(json::parse(R"({"rule":"ANY","roles":["admin","admin"]})")) ==
          "policy roles: duplicate 'admin'");
    CHECK(parse_error(json::parse(R"({"rule":"ANY","roles":["superuser"]})")) ==
          "policy roles: unknown role 'superuser'");
    CHECK(parse_error(json::parse(R"({"rule":"SELF","orgs":["org1"]})")) ==
          "policy rule 'SELF': takes no orgs (it is always the subject organisation)");
    CHECK(parse_error(json::parse(R"({"rule":"FORBIDDEN","roles":["admin"]})")) ==
          "policy rule 'FORBIDDEN': takes no orgs or roles");
  }

  TEST_CASE("check_access: org and role membership for a single signer") {
    Policy p = parse_ok(R"({"rule":"ANY","orgs":["org1"],"roles":["admin"]})");
    CHECK(check_access(p, who("org1", {"admin"}), kOrgs, "", "identity.revoke").is_ok());
    CHECK(check_access(p, who("org1", {"client", "admin"}), kOrgs, "", "identity.revoke").is_ok());

    Status st = check_access(p, who("org2", {"client"}), kOrgs, "", "identity.revoke");
    CHECK(st.code() == Status::Code::kUnauthorized);
    CHECK(st.message() == "role client of org2 may not call identity.revoke; needs admin of org1");

    // The right org with the wrong role, the right role in the wrong org.
    st = check_access(p, who("org1", {"client", "node"}), kOrgs, "", "identity.revoke");
    CHECK(st.message() ==
          "roles client, node of org1 may not call identity.revoke; needs admin of org1");
    CHECK(check_access(p, who("org2", {"admin"}), kOrgs, "", "x.y").code() ==
          Status::Code::kUnauthorized);
    st = check_access(p, who("org1", {}), kOrgs, "");
    CHECK(st.message() ==
          "a sender with no role of org1 may not call this method; needs admin of org1");

    // ALL, MAJORITY and counts mean membership for one signer.
    for (const char* rule : {"ALL", "MAJORITY", "3", "2/3"}) {
      Policy q = parse_ok(std::string(R"({"rule":")") + rule + R"(","roles":["issuer","admin"]})");
      CHECK_MESSAGE(check_access(q, who("org4", {"issuer"}), kOrgs, "").is_ok(), rule);
      Status s = check_access(q, who("org4", {"auditor"}), kOrgs, "", "trust.add");
      CHECK(s.message() ==
            "role auditor of org4 may not call trust.add; needs admin or issuer of any consortium "
            "organisation");
    }
  }

  TEST_CASE("check_access: empty orgs means every consortium org; outsiders are refused") {
    Policy p = parse_ok(R"({"rule":"ANY"})");
    for (const std::string& org : kOrgs)
      CHECK(check_access(p, who(org, {"client"}), kOrgs, "").is_ok());
    Status st = check_access(p, who("org9", {"admin"}), kOrgs, "", "notary.anchor");
    CHECK(st.code() == Status::Code::kUnauthorized);
    CHECK(st.message() ==
          "role admin of org9 may not call notary.anchor: organisation 'org9' is not in the "
          "consortium");
    // A policy naming an org that left the consortium does not let it in.
    Policy listed = parse_ok(R"({"rule":"ANY","orgs":["org9"]})");
    CHECK(!check_access(listed, who("org9", {"admin"}), kOrgs, "").is_ok());
  }

  TEST_CASE("check_access: SELF and FORBIDDEN") {
    Policy self = parse_ok(R"({"rule":"SELF","roles":["admin"]})");
    CHECK(check_access(self, who("org2", {"admin"}), kOrgs, "org2").is_ok());
    Status st = check_access(self, who("org1", {"admin"}), kOrgs, "org2", "identity.freeze");
    CHECK(st.message() ==
          "role admin of org1 may not call identity.freeze; needs admin of org2 (the subject "
          "organisation)");
    CHECK(!check_access(self, who("org2", {"client"}), kOrgs, "org2").is_ok());
    CHECK(check_access(self, who("org2", {"admin"}), kOrgs, "").code() ==
          Status::Code::kUnauthorized);
    CHECK(check_access(parse_ok(R"({"rule":"SELF"})"), who("org3", {"client"}), kOrgs, "org3")
              .is_ok());

    Policy forbidden = parse_ok(R"({"rule":"FORBIDDEN"})");
    st = check_access(forbidden, who("org1", {"admin"}), kOrgs, "org1");
    CHECK(st.code() == Status::Code::kUnauthorized);
    CHECK(st.message() == "method is forbidden by policy");
  }

  TEST_CASE("check_approvals: ANY, ALL and MAJORITY over all consortium orgs") {
    Policy any = parse_ok(R"({"rule":"ANY"})");
    Policy all = parse_ok(R"({"rule":"ALL"})");
    Policy maj = parse_ok(R"({"rule":"MAJORITY"})");

    CHECK(check_approvals(any, {who("org3", {"client"})}, kOrgs, "").is_ok());
    Status st = check_approvals(any, {}, kOrgs, "");
    CHECK(st.code() == Status::Code::kUnauthorized);
    CHECK(st.message() == "0 of 4 organisations approved; ANY needs 1");

    std::vector<Principal> two = {who("org1", {"admin"}), who("org2", {"admin"})};
    st = check_approvals(maj, two, kOrgs, "");
    CHECK(st.message() == "2 of 4 organisations approved; MAJORITY needs 3");
    two.push_back(who("org4", {"admin"}));
    CHECK(check_approvals(maj, two, kOrgs, "").is_ok());
    // Majority of an odd count: 2 of 3.
    CHECK(check_approvals(maj, {who("a", {}), who("b", {})}, {"a", "b", "c"}, "").is_ok());
    CHECK(!check_approvals(maj, {who("a", {})}, {"a", "b", "c"}, "").is_ok());

    st = check_approvals(all, two, kOrgs, "");
    CHECK(st.message() == "3 of 4 organisations approved; ALL needs 4");
    two.push_back(who("org3", {"admin"}));
    CHECK(check_approvals(all, two, kOrgs, "").is_ok());
  }

  TEST_CASE("check_approvals: duplicates count once, unknown orgs are ignored") {
    Policy maj = parse_ok(R"({"rule":"MAJORITY"})");
    std::vector<Principal> approvers = {who("org1", {"admin"}),  who("org1", {"admin"}),
                                        who("org1", {"client"}), who("org2", {"admin"}),
                                        who("org7", {"admin"}),  who("org8", {"admin"}),
                                        who("", {"admin"})};
    Status st = check_approvals(maj, approvers, kOrgs, "");
    CHECK(st.message() == "2 of 4 organisations approved; MAJORITY needs 3");

    // Duplicate names in the consortium list do not inflate the count either.
    CHECK(check_approvals(maj, {who("a", {})}, {"a", "b", "b"}, "").message() ==
          "1 of 2 organisations approved; MAJORITY needs 2");

    // Policy orgs outside the consortium are not eligible.
    Policy listed = parse_ok(R"({"rule":"ALL","orgs":["org1","org2","gone"]})");
    CHECK(check_approvals(listed, {who("org1", {}), who("org2", {})}, kOrgs, "").is_ok());
    Policy gone = parse_ok(R"({"rule":"ANY","orgs":["gone"]})");
    st = check_approvals(gone, {who("gone", {"admin"})}, kOrgs, "");
    CHECK(st.message() == "no consortium organisation is eligible to approve");
    CHECK(check_approvals(parse_ok(R"({"rule":"ANY"})"), {who("a", {})}, {}, "").code() ==
          Status::Code::kUnauthorized);
  }

  TEST_CASE("check_approvals: roles must match") {
    Policy p = parse_ok(R"({"rule":"2","roles":["admin"]})");
    std::vector<Principal> approvers = {who("org1", {"admin"}), who("org2", {"client"}),
                                        who("org3", {"regulator", "node"})};
    Status st = check_approvals(p, approvers, kOrgs, "");
    CHECK(st.message() == "1 of 4 organisations approved as admin; 2 needs 2");
    approvers.push_back(who("org3", {"admin"}));
    CHECK(check_approvals(p, approvers, kOrgs, "").is_ok());
  }

  TEST_CASE("check_approvals: n and n/m, including n above the org count") {
    Policy three = parse_ok(R"({"rule":"3","orgs":["org1","org2"]})");
    std::vector<Principal> both = {who("org1", {}), who("org2", {})};
    Status st = check_approvals(three, both, kOrgs, "");
    CHECK(st.message() == "2 of 2 organisations approved; 3 needs 3 (only 2 are eligible)");

    // 2/3 of 4 = ceil(8/3) = 3.
    Policy frac = parse_ok(R"({"rule":"2/3"})");
    st = check_approvals(frac, both, kOrgs, "");
    CHECK(st.message() == "2 of 4 organisations approved; 2/3 needs 3");
    CHECK(check_approvals(frac, {who("org1", {}), who("org2", {}), who("org4", {})}, kOrgs, "")
              .is_ok());
    // 1/2 of 4 = 2 exactly (not a majority).
    CHECK(check_approvals(parse_ok(R"({"rule":"1/2"})"), both, kOrgs, "").is_ok());
    // 1/1000 of 4 rounds up to 1, never down to 0.
    Policy tiny = parse_ok(R"({"rule":"1/1000"})");
    CHECK(check_approvals(tiny, {}, kOrgs, "").message() ==
          "0 of 4 organisations approved; 1/1000 needs 1");
    CHECK(check_approvals(tiny, {who("org2", {})}, kOrgs, "").is_ok());
  }

  TEST_CASE("check_approvals: SELF and FORBIDDEN") {
    Policy self = parse_ok(R"({"rule":"SELF","roles":["admin"]})");
    CHECK(check_approvals(self, {who("org1", {"admin"}), who("org2", {"admin"})}, kOrgs, "org2")
              .is_ok());
    Status st =
        check_approvals(self, {who("org1", {"admin"}), who("org2", {"client"})}, kOrgs, "org2");
    CHECK(st.code() == Status::Code::kUnauthorized);
    CHECK(st.message() == "org2 has not approved as admin; SELF needs org2");
    CHECK(check_approvals(self, {who("org9", {"admin"})}, kOrgs, "org9").message() ==
          "organisation 'org9' is not in the consortium");
    CHECK(!check_approvals(self, {who("org1", {"admin"})}, kOrgs, "").is_ok());

    Policy forbidden = parse_ok(R"({"rule":"FORBIDDEN"})");
    std::vector<Principal> everyone;
    for (const std::string& o : kOrgs) everyone.push_back(who(o, {"admin"}));
    CHECK(check_approvals(forbidden, everyone, kOrgs, "org1").message() ==
          "method is forbidden by policy");
  }
}

}  // namespace silk::contracts
