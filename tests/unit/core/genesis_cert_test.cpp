// Genesis in with-cert mode: organisations with their CA certificates and
// jurisdictions, and policies.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "silk/core/crypto.h"
#include "silk/core/genesis.h"
#include "silk/core/x509.h"

using namespace silk::core;
using nlohmann::json;

namespace {

constexpr uint64_t kFrom = 1'700'000'000'000;
constexpr uint64_t kUntil = 2'000'000'000'000;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string ca_pem(const std::string& org, const std::string& country) {
  REQUIRE(crypto_init().is_ok());
  SecretKey key = SecretKey::generate();
  DistinguishedName dn;
  dn.common_name = org + " CA";
  dn.organization = org;
  dn.country = country;
  Result<Certificate> ca = make_ca_certificate(key, dn, kFrom, kUntil);
  REQUIRE_MESSAGE(ca.is_ok(), ca.status().to_string());
  return ca->pem();
}

json cert_genesis() {
  json orgs = json::array();
  orgs.push_back({{"id", "org1"},
                  {"name", "CN Chamber"},
                  {"jurisdiction", "CN"},
                  {"ca_certs", {ca_pem("org1", "CN")}}});
  orgs.push_back({{"id", "org2"},
                  {"name", "SG Customs"},
                  {"jurisdiction", "SG"},
                  {"ca_certs", {ca_pem("org2", "SG")}}});
  return json{{"chain_id", "silk-cert"},
              {"timestamp_ms", kFrom},
              {"identity", {{"mode", "with-cert"}, {"orgs", orgs}}},
              {"policies", {{"notary.anchor", {{"rule", "ANY"}, {"roles", {"issuer"}}}}}},
              {"validators", {"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"}}};
}

std::string refusal(const json& j) {
  Result<Genesis> g = Genesis::parse(j.dump());
  REQUIRE_FALSE(g.is_ok());
  CHECK(g.status().code() == Status::Code::kInvalid);
  return g.status().message();
}

}  // namespace

TEST_CASE("a with-cert genesis parses, keeps its orgs and policies, and round-trips") {
  const json j = cert_genesis();
  Result<Genesis> g = Genesis::parse(j.dump());
  REQUIRE_MESSAGE(g.is_ok(), g.status().to_string());
  CHECK(g->identity_mode == "with-cert");
  CHECK(g->members.empty());
  REQUIRE(g->orgs.size() == 2);
  CHECK(g->orgs[0].id == "org1");
  CHECK(g->orgs[0].jurisdiction == "CN");
  CHECK(g->orgs[1].name == "SG Customs");
  CHECK(g->policies.contains("notary.anchor"));

  Result<Genesis> again = Genesis::parse(g->to_json());
  REQUIRE(again.is_ok());
  CHECK(again->hash == g->hash);
  CHECK(again->canonical_json == g->canonical_json);
}

TEST_CASE("a with-cert genesis refuses bad organisations, each named") {
  json j = cert_genesis();
  j["identity"]["orgs"][1]["id"] = "org1";
  CHECK(contains(refusal(j), "identity.orgs[1].id 'org1' is listed twice"));

  j = cert_genesis();
  j["identity"]["orgs"][0]["jurisdiction"] = "China";
  CHECK(contains(refusal(j), "jurisdiction 'China' is not an ISO 3166-1 alpha-2 code"));

  j = cert_genesis();
  j["identity"]["orgs"][0]["ca_certs"] = json::array();
  CHECK(contains(refusal(j), "ca_certs must list at least one certificate"));

  j = cert_genesis();
  j["identity"]["orgs"][0]["ca_certs"] = {ca_pem("org2", "CN")};
  CHECK(contains(refusal(j), "names organisation 'org2', not 'org1'"));

  j = cert_genesis();
  j["identity"]["orgs"][0]["ca_certs"] = {ca_pem("org1", "SG")};
  CHECK(contains(refusal(j), "names jurisdiction 'SG', not 'CN'"));

  j = cert_genesis();
  j["identity"]["orgs"][0]["ca_certs"] = {
      "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"};
  CHECK(contains(refusal(j), "identity.orgs[0].ca_certs[0]"));

  j = cert_genesis();
  j["identity"]["orgs"][0]["id"] = "-bad";
  CHECK(contains(refusal(j), "id '-bad' is not 1-60 of"));

  j = cert_genesis();
  j["identity"].erase("orgs");
  CHECK(contains(refusal(j), "identity.orgs must be a non-empty array in with-cert mode"));

  j = cert_genesis();
  j["identity"]["members"] = json::array({{{"name", "x"}}});
  CHECK(contains(refusal(j), "identity.members is for with-key mode"));

  j = cert_genesis();
  j["identity"]["orgs"][0]["extra"] = 1;
  CHECK(contains(refusal(j), "unknown field 'identity.orgs[0].extra'"));

  j = cert_genesis();
  j["policies"] = json::array();
  CHECK(contains(refusal(j), "'policies' must be an object"));

  j = cert_genesis();
  j["policies"]["notary.anchor"] = "ANY";
  CHECK(contains(refusal(j), "policies.notary.anchor must be an object"));
}

TEST_CASE("a non-CA certificate is refused as an organisation's CA") {
  REQUIRE(crypto_init().is_ok());
  SecretKey ca_key = SecretKey::generate();
  DistinguishedName ca_dn{"org1 CA", "org1", "", "CN"};
  Result<Certificate> ca = make_ca_certificate(ca_key, ca_dn, kFrom, kUntil);
  REQUIRE(ca.is_ok());
  SecretKey member = SecretKey::generate();
  Result<Certificate> leaf = issue_certificate(ca_key, *ca, member.public_key(),
                                               {"alice", "org1", "admin", "CN"}, kFrom, kUntil);
  REQUIRE(leaf.is_ok());
  json j = cert_genesis();
  j["identity"]["orgs"][0]["ca_certs"] = {leaf->pem()};
  CHECK(contains(refusal(j), "is not a CA certificate"));
}

TEST_CASE("with-key genesis may not list orgs, and its hash is unchanged by the new fields") {
  json j = {{"chain_id", "k"},
            {"identity",
             {{"mode", "with-key"},
              {"members",
               {{{"name", "a"},
                 {"public_key", "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"},
                 {"org", "org1"},
                 {"roles", {"admin"}}}}}}},
            {"validators", {"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"}}};
  Result<Genesis> g = Genesis::parse(j.dump());
  REQUIRE(g.is_ok());
  CHECK_FALSE(contains(g->canonical_json, "policies"));
  CHECK_FALSE(contains(g->canonical_json, "orgs"));
  j["identity"]["orgs"] = json::array();
  CHECK(contains(refusal(j), "identity.orgs is for with-cert mode"));
  j["identity"]["mode"] = "with-magic";
  CHECK(contains(refusal(j), "identity.mode 'with-magic' is not supported"));
}
