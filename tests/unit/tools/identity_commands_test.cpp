#include "silk/tools/identity_commands.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "fake_node.h"
#include "silk/core/x509.h"
#include "silk/tools/cli.h"
#include "test_keys.h"

using namespace silk::tools;
using namespace silk::tools::testing;
using nlohmann::json;
namespace core = silk::core;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t kNow = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
constexpr uint64_t kYear = 365ull * 86'400'000;

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

struct Org {
  core::Certificate ca;
  core::Certificate admin;
  core::Certificate member;
};

// In `dir`: admin.key (seed 1, passphrase "pw") + admin.pem, member.pem (seed 2), ca.pem.
Org make_org(const fs::path& dir) {
  REQUIRE(core::crypto_init().is_ok());
  auto ca_key = core::SecretKey::from_seed(core::Bytes(32, 0xca));
  auto ca = core::make_ca_certificate(*ca_key, {"org1 CA", "org1", "", "SG"}, kNow, kNow + kYear);
  REQUIRE(ca.is_ok());
  const core::PublicKey admin_pk = make_key_file((dir / "admin.key").string(), 1, "pw");
  auto admin = core::issue_certificate(*ca_key, *ca, admin_pk,
                                       {"org1-admin", "org1", "admin", "SG"}, kNow, kNow + kYear);
  auto member_key = core::SecretKey::from_seed(core::Bytes(32, 2));
  auto member =
      core::issue_certificate(*ca_key, *ca, member_key->public_key(),
                              {"org1-client", "org1", "client", "SG"}, kNow, kNow + kYear);
  REQUIRE(admin.is_ok());
  REQUIRE(member.is_ok());
  write_text(dir / "admin.pem", admin->pem());
  write_text(dir / "member.pem", member->pem());
  write_text(dir / "ca.pem", ca->pem());
  return {*ca, *admin, *member};
}

// A node that knows chain "c", commits every tx with `receipt`, and answers queries with `result`.
struct Node {
  json receipt = {{"code", 0}, {"code_name", "ok"}, {"message", ""}, {"result", json::object()}};
  json query_result = json::object();
  int query_status = 200;
  std::mutex mu;
  FakeNode fake{[this](const FakeRequest& r) -> FakeResponse {
    std::lock_guard<std::mutex> lock(mu);
    if (r.target == "/v1/chain") return {200, R"({"chain_id":"c","height":5})"};
    if (r.target == "/v1/tx") {
      json body = json::parse(r.body);
      auto bytes = core::from_hex(body["tx"].get<std::string>());
      auto tx = core::Tx::decode(*bytes);
      return {200, json{{"tx_id", core::to_hex(tx->tx_id())},
                        {"status", "committed"},
                        {"height", 6},
                        {"index", 0},
                        {"receipt", receipt}}
                       .dump()};
    }
    if (r.target == "/v1/query") {
      if (query_status != 200) {
        return {query_status, R"({"error":{"code":"not_found","message":"no proposal 9"}})"};
      }
      return {200, json{{"result", query_result}}.dump()};
    }
    return {404, R"({"error":{"code":"not_found","message":"no route"}})"};
  }};

  // The last submitted tx.
  core::Tx last_tx() {
    for (auto& r : reverse(fake.requests())) {
      if (r.target != "/v1/tx") continue;
      auto bytes = core::from_hex(json::parse(r.body)["tx"].get<std::string>());
      auto tx = core::Tx::decode(*bytes);
      REQUIRE(tx.is_ok());
      return *tx;
    }
    FAIL("no tx submitted");
    return {};
  }
  json last_query() {
    for (auto& r : reverse(fake.requests())) {
      if (r.target == "/v1/query") return json::parse(r.body);
    }
    FAIL("no query");
    return {};
  }
  static std::vector<FakeRequest> reverse(std::vector<FakeRequest> v) {
    std::reverse(v.begin(), v.end());
    return v;
  }
};

SignedCallOptions signer_in(const fs::path& dir) {
  SignedCallOptions s;
  s.key_file = (dir / "admin.key").string();
  return s;
}

}  // namespace

TEST_SUITE("identity_commands") {
  TEST_CASE("exactly one way to name the target") {
    CertTarget none;
    auto r = cert_target_args(none, true);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().message().find("--target FILE, --fingerprint HEX or --serial S --org ORG") !=
          std::string::npos);
    CertTarget two;
    two.fingerprint = std::string(64, 'a');
    two.file = "x.pem";
    CHECK(cert_target_args(two, true).status().message().find("only one") != std::string::npos);

    CertTarget fp;
    fp.fingerprint = std::string(64, 'A');
    auto ok = cert_target_args(fp, false);
    REQUIRE(ok.is_ok());
    CHECK(*ok == json{{"fingerprint", std::string(64, 'a')}});
    fp.fingerprint = "abc";
    CHECK(cert_target_args(fp, false).status().message().find("64 hex") != std::string::npos);

    CertTarget serial;
    serial.serial = "00AB";
    CHECK(cert_target_args(serial, true).status().message().find("--serial needs --org") !=
          std::string::npos);
    serial.org = "org1";
    auto s = cert_target_args(serial, true);
    REQUIRE(s.is_ok());
    CHECK(*s == json{{"org", "org1"}, {"serial", "ab"}});
    CHECK_FALSE(cert_target_args(serial, false).is_ok());
    serial.serial = "xyz";
    CHECK(cert_target_args(serial, true).status().message().find("not hex") != std::string::npos);

    CertTarget missing;
    missing.file = "/nonexistent/cert.pem";
    CHECK(cert_target_args(missing, true).status().code() == core::Status::Code::kNotFound);
  }

  TEST_CASE("revoke reasons and times are checked before anything else") {
    CertRevokeOptions o;
    o.target.fingerprint = std::string(64, 'b');
    o.reason = "certificateHold";
    CHECK(cert_revoke_args(o).status().message().find("silk cert freeze") != std::string::npos);
    o.reason = "removeFromCRL";
    CHECK(cert_revoke_args(o).status().message().find("final") != std::string::npos);
    o.reason = "stolen";
    CHECK(cert_revoke_args(o).status().message().find("keyCompromise") != std::string::npos);
    o.reason = "superseded";
    o.invalidity_date = "2026-01-02T00:00:00Z";
    CHECK(cert_revoke_args(o).status().message().find("keyCompromise or cACompromise") !=
          std::string::npos);
    o.reason = "keyCompromise";
    o.invalidity_date = "yesterday";
    CHECK(cert_revoke_args(o).status().message().find("--invalidity-date") != std::string::npos);
    o.invalidity_date = "2026-01-02T00:00:00Z";
    auto args = cert_revoke_args(o);
    REQUIRE(args.is_ok());
    CHECK(*args == json{{"fingerprint", std::string(64, 'b')},
                        {"reason", "keyCompromise"},
                        {"invalidity_date_ms", kNow + 86'400'000}});
    CertFreezeOptions f;
    f.target.fingerprint = std::string(64, 'b');
    f.reason = "investigation";
    CHECK_FALSE(cert_freeze_args(f, false).is_ok());  // --reason is for freeze only
    auto frozen = cert_freeze_args(f, true);
    REQUIRE(frozen.is_ok());
    CHECK((*frozen)["reason"] == "investigation");
  }

  TEST_CASE("revoke sends identity.revoke signed by the admin's certificate") {
    TempDir tmp;
    Org org = make_org(tmp.path());
    Node node;
    core::ManualClock clock(kNow + 1000);
    auto ctx = make_context(node.fake.url(), clock);
    CertRevokeOptions o;
    o.target.file = (tmp.path() / "member.pem").string();
    o.reason = "keyCompromise";
    o.signer = signer_in(tmp.path());
    node.receipt["result"] = {{"org", "org1"}, {"serial", org.member.serial()}};
    auto out = run_cert_revoke(ctx, o);
    REQUIRE_MESSAGE(out.is_ok(), out.status().to_string());
    CHECK(out->exit_code == 0);
    CHECK(out->text.find("revoked serial " + org.member.serial() + " of org1") !=
          std::string::npos);
    core::Tx tx = node.last_tx();
    CHECK(tx.contract == "identity");
    CHECK(tx.method == "revoke");
    CHECK(tx.chain_id == "c");
    CHECK(tx.sender_kind == core::SenderKind::kCertFingerprint);
    CHECK(tx.sender == org.admin.fingerprint());
    CHECK(tx.sender_cert == org.admin.der());
    CHECK(tx.verify_signature(org.admin.public_key()));
    CHECK(json::parse(tx.args) == json{{"cert", org.member.pem()}, {"reason", "keyCompromise"}});
  }

  TEST_CASE("a failed receipt is exit 1 with its message") {
    TempDir tmp;
    make_org(tmp.path());
    Node node;
    node.receipt = {{"code", 3},
                    {"code_name", "unauthorized"},
                    {"message", "role client of org2 may not call identity.freeze"}};
    core::ManualClock clock(kNow + 1000);
    auto ctx = make_context(node.fake.url(), clock);
    CertFreezeOptions o;
    o.target.fingerprint = std::string(64, 'c');
    o.signer = signer_in(tmp.path());
    auto out = run_cert_freeze(ctx, o, true);
    REQUIRE(out.is_ok());
    CHECK(out->exit_code == 1);
    CHECK(out->error ==
          "identity.freeze failed: unauthorized: role client of org2 may not call identity.freeze");
    CHECK(json::parse(node.last_tx().args) == json{{"fingerprint", std::string(64, 'c')}});
  }

  TEST_CASE("status queries identity.status and shows the answer") {
    Node node;
    node.query_result = {{"fingerprint", std::string(64, 'd')},
                         {"subject", "CN=org1-client,OU=client,O=org1,C=SG"},
                         {"org", "org1"},
                         {"serial", "ab"},
                         {"registered", true},
                         {"at_ms", kNow},
                         {"status", "revoked"},
                         {"reason", "revoked at 2026-01-01T00:00:00Z: keyCompromise"},
                         {"revocation",
                          {{"org", "org1"},
                           {"serial", "ab"},
                           {"reason", "keyCompromise"},
                           {"revoked_at_ms", kNow},
                           {"height", 4},
                           {"by", "ee"}}},
                         {"frozen", nullptr}};
    core::ManualClock clock(kNow);
    auto ctx = make_context(node.fake.url(), clock);
    CertStatusOptions o;
    o.target.fingerprint = std::string(64, 'd');
    o.at = "1767225600000";
    auto out = run_cert_status(ctx, o);
    REQUIRE_MESSAGE(out.is_ok(), out.status().to_string());
    CHECK(out->text.find("status       revoked (revoked at") != std::string::npos);
    CHECK(out->text.find("reason keyCompromise") != std::string::npos);
    CHECK(out->json == node.query_result);
    CHECK(node.last_query() ==
          json{{"contract", "identity"},
               {"method", "status"},
               {"args", {{"fingerprint", std::string(64, 'd')}, {"at_ms", kNow}}}});
  }

  TEST_CASE("status names who revoked by certificate subject; the hex stays in --json") {
    Node node;
    const std::string admin(64, 'e');
    // The fake answers every identity.status alike: the revoker's lookup gets this subject too.
    node.query_result = {
        {"fingerprint", std::string(64, 'd')},
        {"subject", "CN=org1-admin,OU=admin,O=org1,C=SG"},
        {"status", "revoked"},
        {"revocation",
         {{"reason", "keyCompromise"}, {"revoked_at_ms", kNow}, {"height", 4}, {"by", admin}}}};
    core::ManualClock clock(kNow);
    auto ctx = make_context(node.fake.url(), clock);
    CertStatusOptions o;
    o.target.fingerprint = std::string(64, 'd');
    auto out = run_cert_status(ctx, o);
    REQUIRE_MESSAGE(out.is_ok(), out.status().to_string());
    CHECK(out->text.find("height 4, by CN=org1-admin,OU=admin,O=org1,C=SG\n") != std::string::npos);
    CHECK(out->text.find(admin) == std::string::npos);
    CHECK(out->json["revocation"]["by"] == admin);
    CHECK(node.last_query() ==
          json{{"contract", "identity"}, {"method", "status"}, {"args", {{"fingerprint", admin}}}});
  }

  TEST_CASE("the CLI refuses --cert on cert revoke (ambiguous) and names the target options") {
    core::ManualClock clock(kNow);
    std::ostringstream out, err;
    CliEnv e;
    e.out = &out;
    e.err = &err;
    e.getenv = [](const char*) { return std::nullopt; };
    e.clock = &clock;
    int code = run_cli({"silk", "cert", "revoke", "--cert", "x.pem", "--key", "a.key"}, e);
    CHECK(code == kExitUsage);
    std::ostringstream out2, err2;
    e.out = &out2;
    e.err = &err2;
    code = run_cli({"silk", "cert", "revoke", "--key", "a.key"}, e);
    CHECK(code == kExitFailure);
    CHECK(err2.str().find("--target FILE, --fingerprint HEX or --serial S --org ORG") !=
          std::string::npos);
  }
}

TEST_SUITE("command") {
  TEST_CASE("parse_time_option takes Unix ms and ISO 8601 UTC") {
    CHECK(*parse_time_option("--at", "0") == 0);
    CHECK(*parse_time_option("--at", "1767225600000") == kNow);
    CHECK(*parse_time_option("--at", "2026-01-01T00:00:00Z") == kNow);
    CHECK(*parse_time_option("--at", "2026-01-01T00:00:00.25Z") == kNow + 250);
    CHECK(*parse_time_option("--at", "2024-02-29T12:00:00Z") == 1'709'208'000'000);
    for (const char* bad :
         {"", "-1", "2026-01-01", "2026-01-01T00:00:00", "2026-13-01T00:00:00Z",
          "2025-02-29T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:00:00+01:00",
          "2026-01-01T00:00:00.1234Z", "99999999999999999999"}) {
      auto r = parse_time_option("--valid-from", bad);
      CHECK_MESSAGE(!r.is_ok(), bad);
      if (!r.is_ok()) CHECK(r.status().message().find("--valid-from") != std::string::npos);
    }
  }
}
