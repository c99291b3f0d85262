#include "silk/tools/ca_commands.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "fake_node.h"
#include "silk/core/key_file.h"
#include "silk/core/x509.h"
#include "silk/tools/cli.h"
#include "test_keys.h"

using namespace silk::tools;
using namespace silk::tools::testing;
using nlohmann::json;
using silk::core::ManualClock;
using silk::core::Status;
namespace core = silk::core;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t kNow = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
constexpr uint64_t kDay = 86'400'000;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

unsigned mode_of(const fs::path& p) {
  struct stat sb;
  REQUIRE(::stat(p.c_str(), &sb) == 0);
  return sb.st_mode & 0777;
}

CaInitOptions ca_options(const fs::path& dir, const std::string& org = "org1",
                         const std::string& jurisdiction = "SG") {
  CaInitOptions o;
  o.org = org;
  o.jurisdiction = jurisdiction;
  o.out_dir = dir.string();
  o.kdf = KeyKdf::kFast;
  return o;
}

CertIssueOptions issue_options(const fs::path& ca_dir, const fs::path& out_dir,
                               const std::string& name = "alice",
                               const std::string& role = "client") {
  CertIssueOptions o;
  o.ca_dir = ca_dir.string();
  o.org = "org1";
  o.role = role;
  o.name = name;
  o.out_dir = out_dir.string();
  o.kdf = KeyKdf::kFast;
  o.ca_passphrase_env = "ca-pw";
  return o;
}

core::Certificate load_cert(const fs::path& path) {
  auto cert = core::parse_certificate(std::string_view(read_text(path)));
  REQUIRE_MESSAGE(cert.is_ok(), cert.status().to_string());
  return cert.value();
}

// A CA in tmp/<dir> whose key is under "ca-pw".
void make_ca(const fs::path& dir, uint64_t now = kNow, const std::string& org = "org1",
             uint32_t days = 3650) {
  ManualClock clock(now);
  auto ctx = make_context("http://127.0.0.1:1", clock, "ca-pw");
  CaInitOptions o = ca_options(dir, org);
  o.days = days;
  auto out = run_ca_init(ctx, o);
  REQUIRE_MESSAGE(out.is_ok(), out.status().to_string());
}

// Runs `silk <args>` in-process.
struct Run {
  int code = -1;
  std::string out;
  std::string err;
};
Run run_silk(std::vector<std::string> args, const std::map<std::string, std::string>& env_vars,
             const core::Clock& clock) {
  args.insert(args.begin(), "silk");
  std::ostringstream out;
  std::ostringstream err;
  CliEnv e;
  e.out = &out;
  e.err = &err;
  e.getenv = [&env_vars](const char* name) -> std::optional<std::string> {
    auto it = env_vars.find(name);
    if (it == env_vars.end()) return std::nullopt;
    return it->second;
  };
  e.clock = &clock;
  Run r;
  r.code = run_cli(args, e);
  r.out = out.str();
  r.err = err.str();
  return r;
}

}  // namespace

TEST_SUITE("ca_commands") {
  TEST_CASE("ca init writes an encrypted CA key and a self-signed CA certificate") {
    TempDir tmp;
    const fs::path dir = tmp.path() / "org1-ca";
    ManualClock clock(kNow + 123);
    auto ctx = make_context("http://127.0.0.1:1", clock, "ca-pw");
    CaInitOptions o = ca_options(dir);
    o.name = "Singapore Chamber of Commerce";
    o.days = 10;
    auto out = run_ca_init(ctx, o);
    REQUIRE_MESSAGE(out.is_ok(), out.status().to_string());

    CHECK(mode_of(dir) == 0700);  // the folder of a private key is the owner's alone
    CHECK(mode_of(dir / "ca.key") == 0600);
    CHECK(mode_of(dir / "ca.pem") == 0644);
    core::Certificate ca = load_cert(dir / "ca.pem");
    CHECK(ca.is_ca());
    CHECK(ca.subject() == core::DistinguishedName{"org1 CA", "org1", "", "SG"});
    CHECK(ca.issuer() == ca.subject());
    CHECK(ca.not_before_ms() == kNow);  // rounded down to the second
    CHECK(ca.not_after_ms() == kNow + 10 * kDay);
    CHECK(core::verify_issued_by(ca, ca).is_ok());

    // The key file holds the certificate's key, under the passphrase.
    auto key = core::read_key_file((dir / "ca.key").string(), "ca-pw");
    REQUIRE(key.is_ok());
    CHECK(key->public_key() == ca.public_key());
    CHECK(core::read_key_file((dir / "ca.key").string(), "other").status().code() ==
          Status::Code::kInvalid);

    const std::string fp = core::to_hex(ca.fingerprint());
    CHECK(out->json.at("fingerprint") == fp);
    CHECK(out->json.at("subject") == "CN=org1 CA,O=org1,C=SG");
    CHECK(out->json.at("name") == "Singapore Chamber of Commerce");
    CHECK(out->text.find("fingerprint  " + fp + "\n") != std::string::npos);
    json info = json::parse(read_text(dir / "ca.json"));
    CHECK(info == json{{"org", "org1"},
                       {"name", "Singapore Chamber of Commerce"},
                       {"jurisdiction", "SG"},
                       {"fingerprint", fp}});
  }

  TEST_CASE("ca init refuses bad options and never overwrites") {
    TempDir tmp;
    ManualClock clock(kNow);
    auto ctx = make_context("http://127.0.0.1:1", clock, "ca-pw");
    const fs::path dir = tmp.path() / "ca";

    CaInitOptions bad = ca_options(dir, "org/1");
    CHECK(run_ca_init(ctx, bad).status().code() == Status::Code::kInvalid);
    bad = ca_options(dir, "-org");
    CHECK(run_ca_init(ctx, bad).status().code() == Status::Code::kInvalid);
    bad = ca_options(dir, "org1", "sg");
    CHECK(run_ca_init(ctx, bad).status().message() ==
          "jurisdiction \"sg\" is not an ISO 3166-1 alpha-2 code in upper case (e.g. SG)");
    bad = ca_options(dir, "org1", "SGP");
    CHECK(run_ca_init(ctx, bad).status().code() == Status::Code::kInvalid);
    bad = ca_options(dir);
    bad.days = 0;
    CHECK(run_ca_init(ctx, bad).status().message() == "days must be from 1 to 36500, got 0");
    CHECK(!fs::exists(dir));  // nothing created by a refused command

    auto no_pass = make_context("http://127.0.0.1:1", clock, std::nullopt);
    CHECK(run_ca_init(no_pass, ca_options(dir)).status().message() ==
          "no passphrase: use --passphrase-file, SILK_PASSPHRASE or a terminal");
    CHECK(!fs::exists(dir / "ca.key"));

    REQUIRE(run_ca_init(ctx, ca_options(dir)).is_ok());
    const std::string pem = read_text(dir / "ca.pem");
    const std::string key = read_text(dir / "ca.key");
    auto again = run_ca_init(ctx, ca_options(dir));
    CHECK(again.status().code() == Status::Code::kConflict);
    CHECK(again.status().message() == (dir / "ca.key").string() + " already exists");
    CHECK(read_text(dir / "ca.pem") == pem);
    CHECK(read_text(dir / "ca.key") == key);

    // Any one of the outputs present is enough to refuse, and nothing else is written.
    const fs::path dir2 = tmp.path() / "ca2";
    fs::create_directories(dir2);
    write_text(dir2 / "ca.json", "{}");
    CHECK(run_ca_init(ctx, ca_options(dir2)).status().code() == Status::Code::kConflict);
    CHECK(!fs::exists(dir2 / "ca.key"));
    CHECK(!fs::exists(dir2 / "ca.pem"));
  }

  TEST_CASE("cert issue: ca init -> cert issue -> parse -> verify_chain") {
    TempDir tmp;
    const fs::path ca_dir = tmp.path() / "ca";
    const fs::path out_dir = tmp.path() / "members";
    make_ca(ca_dir);
    ManualClock clock(kNow + 5000);
    auto ctx = make_context("http://127.0.0.1:1", clock, "alice-pw");
    CertIssueOptions o = issue_options(ca_dir, out_dir, "alice", "issuer");
    o.days = 30;
    auto out = run_cert_issue(ctx, o);
    REQUIRE_MESSAGE(out.is_ok(), out.status().to_string());

    CHECK(mode_of(out_dir) == 0700);
    CHECK(mode_of(out_dir / "alice.key") == 0600);
    CHECK(mode_of(out_dir / "alice.pem") == 0644);
    core::Certificate ca = load_cert(ca_dir / "ca.pem");
    core::Certificate cert = load_cert(out_dir / "alice.pem");
    CHECK(!cert.is_ca());
    CHECK(cert.subject() == core::DistinguishedName{"alice", "org1", "issuer", "SG"});
    CHECK(cert.issuer() == ca.subject());
    CHECK(cert.not_before_ms() == kNow + 5000);
    CHECK(cert.not_after_ms() == kNow + 5000 + 30 * kDay);

    auto issuer = core::verify_chain(cert, {ca}, kNow + 10 * kDay);
    REQUIRE_MESSAGE(issuer.is_ok(), issuer.status().to_string());
    CHECK(issuer.value() == ca);
    CHECK(!core::verify_chain(cert, {ca}, kNow + 31 * kDay).is_ok());  // expired by then

    // The new key is under the new passphrase and matches the certificate.
    auto key = core::read_key_file((out_dir / "alice.key").string(), "alice-pw");
    REQUIRE(key.is_ok());
    CHECK(key->public_key() == cert.public_key());
    CHECK(!core::read_key_file((out_dir / "alice.key").string(), "ca-pw").is_ok());

    CHECK(out->json.at("fingerprint") == core::to_hex(cert.fingerprint()));
    CHECK(out->json.at("ca_fingerprint") == core::to_hex(ca.fingerprint()));
    CHECK(out->json.at("subject") == "CN=alice,OU=issuer,O=org1,C=SG");
    CHECK(out->json.at("role") == "issuer");
    CHECK(out->text.find(core::to_hex(cert.fingerprint())) != std::string::npos);

    // An explicit jurisdiction, and a CA passphrase from a file.
    write_text(tmp.path() / "ca.pass", "ca-pw\n");
    CertIssueOptions de = issue_options(ca_dir, out_dir, "bob", "admin");
    de.jurisdiction = "DE";
    de.ca_passphrase_env.reset();
    de.ca_passphrase_file = (tmp.path() / "ca.pass").string();
    REQUIRE(run_cert_issue(ctx, de).is_ok());
    core::Certificate bob = load_cert(out_dir / "bob.pem");
    CHECK(bob.subject() == core::DistinguishedName{"bob", "org1", "admin", "DE"});
    CHECK(core::verify_chain(bob, {ca}, kNow + kDay).is_ok());
    // Another CA does not validate it.
    make_ca(tmp.path() / "other-ca", kNow, "org2");
    CHECK(core::verify_chain(bob, {load_cert(tmp.path() / "other-ca" / "ca.pem")}, kNow + kDay)
              .status()
              .code() == Status::Code::kUnauthorized);
  }

  TEST_CASE("cert issue refuses a wrong CA passphrase, an unknown role, another org's CA") {
    TempDir tmp;
    const fs::path ca_dir = tmp.path() / "ca";
    const fs::path out_dir = tmp.path() / "members";
    make_ca(ca_dir);
    ManualClock clock(kNow);
    auto ctx = make_context("http://127.0.0.1:1", clock, "alice-pw");

    CertIssueOptions wrong = issue_options(ca_dir, out_dir);
    wrong.ca_passphrase_env = "not-the-ca-pw";
    auto st = run_cert_issue(ctx, wrong).status();
    CHECK(st.code() == Status::Code::kInvalid);
    CHECK(st.message().find("wrong passphrase") != std::string::npos);
    CHECK(!fs::exists(out_dir));

    CertIssueOptions no_ca_pass = issue_options(ca_dir, out_dir);
    no_ca_pass.ca_passphrase_env.reset();
    CHECK(run_cert_issue(ctx, no_ca_pass).status().message() ==
          "no CA key passphrase: use --ca-passphrase-file, SILK_CA_PASSPHRASE or a terminal");

    st = run_cert_issue(ctx, issue_options(ca_dir, out_dir, "alice", "superuser")).status();
    CHECK(st.code() == Status::Code::kInvalid);
    CHECK(st.message() ==
          "unknown role 'superuser' (expected admin, client, node, issuer, regulator, auditor or "
          "arbitrator)");
    CHECK(!fs::exists(out_dir));

    CertIssueOptions other_org = issue_options(ca_dir, out_dir);
    other_org.org = "org2";
    st = run_cert_issue(ctx, other_org).status();
    CHECK(st.code() == Status::Code::kUnauthorized);
    CHECK(st.message() ==
          "the CA in " + ca_dir.string() + " belongs to organisation 'org1', not 'org2'");

    for (const char* bad_name : {"../alice", "a/b", ".hidden", ""}) {
      CHECK_MESSAGE(run_cert_issue(ctx, issue_options(ca_dir, out_dir, bad_name)).status().code() ==
                        Status::Code::kInvalid,
                    bad_name);
    }
    CertIssueOptions missing = issue_options(tmp.path() / "nowhere", out_dir);
    CHECK(run_cert_issue(ctx, missing).status().code() == Status::Code::kNotFound);

    // A CA key that is not the certificate's key (another org1 CA's key swapped in).
    const fs::path ca2 = tmp.path() / "ca2";
    make_ca(ca2);
    fs::remove(ca2 / "ca.key");
    fs::copy_file(tmp.path() / "ca" / "ca.key", ca2 / "ca.key");
    st = run_cert_issue(ctx, issue_options(ca2, out_dir)).status();
    CHECK(st.code() == Status::Code::kInvalid);
    CHECK(st.message().find("does not hold the CA certificate's key") != std::string::npos);
    CHECK(!fs::exists(out_dir));
  }

  TEST_CASE("cert issue never overwrites, and respects the CA's validity") {
    TempDir tmp;
    const fs::path ca_dir = tmp.path() / "ca";
    const fs::path out_dir = tmp.path() / "members";
    make_ca(ca_dir, kNow, "org1", /*days=*/100);
    ManualClock clock(kNow);
    auto ctx = make_context("http://127.0.0.1:1", clock, "pw");

    REQUIRE(run_cert_issue(ctx, issue_options(ca_dir, out_dir)).is_ok());
    const std::string pem = read_text(out_dir / "alice.pem");
    const std::string key = read_text(out_dir / "alice.key");
    auto st = run_cert_issue(ctx, issue_options(ca_dir, out_dir)).status();
    CHECK(st.code() == Status::Code::kConflict);
    CHECK(read_text(out_dir / "alice.pem") == pem);
    CHECK(read_text(out_dir / "alice.key") == key);

    // Only the certificate present: refused before a key is made.
    write_text(out_dir / "carol.pem", "x");
    CHECK(run_cert_issue(ctx, issue_options(ca_dir, out_dir, "carol")).status().code() ==
          Status::Code::kConflict);
    CHECK(!fs::exists(out_dir / "carol.key"));

    // 365 days asked, the CA expires after 100: cut to the CA's expiry.
    auto cut = run_cert_issue(ctx, issue_options(ca_dir, out_dir, "dave"));
    REQUIRE(cut.is_ok());
    CHECK(load_cert(out_dir / "dave.pem").not_after_ms() == kNow + 100 * kDay);
    CHECK(cut->text.find("(cut to the CA's expiry)") != std::string::npos);

    // An expired CA issues nothing.
    clock.set(kNow + 101 * kDay);
    st = run_cert_issue(ctx, issue_options(ca_dir, out_dir, "erin")).status();
    CHECK(st.code() == Status::Code::kUnauthorized);
    CHECK(st.message().find("expired") != std::string::npos);
    CHECK(!fs::exists(out_dir / "erin.key"));
  }

  TEST_CASE("cert issue --valid-from/--valid-until: an explicit window, even one already over") {
    TempDir tmp;
    const fs::path ca_dir = tmp.path() / "ca";
    const fs::path out_dir = tmp.path() / "members";
    make_ca(ca_dir);  // valid from kNow for 3650 days
    ManualClock clock(kNow + 100 * kDay);
    auto ctx = make_context("http://127.0.0.1:1", clock, "pw");

    // Expired 10 days before now: allowed, and check_validity refuses it now.
    CertIssueOptions o = issue_options(ca_dir, out_dir, "old", "client");
    o.valid_from = "2026-01-02T00:00:00Z";
    o.valid_until = std::to_string(kNow + 90 * kDay);
    auto out = run_cert_issue(ctx, o);
    REQUIRE_MESSAGE(out.is_ok(), out.status().to_string());
    core::Certificate cert = load_cert(out_dir / "old.pem");
    CHECK(cert.not_before_ms() == kNow + kDay);
    CHECK(cert.not_after_ms() == kNow + 90 * kDay);
    auto now_check = core::check_validity(cert, clock.now_ms());
    REQUIRE_FALSE(now_check.is_ok());
    CHECK(now_check.code() == Status::Code::kUnauthorized);
    CHECK(now_check.message().find("expired") != std::string::npos);
    CHECK(core::check_validity(cert, kNow + 50 * kDay).is_ok());
    CHECK(core::verify_chain(cert, {load_cert(ca_dir / "ca.pem")}, kNow + 50 * kDay).is_ok());

    // --valid-from alone: from + days.
    CertIssueOptions later = issue_options(ca_dir, out_dir, "later", "client");
    later.valid_from = std::to_string(kNow + 200 * kDay);
    later.days = 10;
    REQUIRE(run_cert_issue(ctx, later).is_ok());
    core::Certificate later_cert = load_cert(out_dir / "later.pem");
    CHECK(later_cert.not_before_ms() == kNow + 200 * kDay);
    CHECK(later_cert.not_after_ms() == kNow + 210 * kDay);
  }

  TEST_CASE("cert issue: a window before the CA's start gives an expired certificate") {
    TempDir tmp;
    const fs::path ca_dir = tmp.path() / "ca";
    const fs::path out_dir = tmp.path() / "members";
    make_ca(ca_dir);  // from kNow
    ManualClock clock(kNow + kDay);
    auto ctx = make_context("http://127.0.0.1:1", clock, "pw");
    CertIssueOptions o = issue_options(ca_dir, out_dir, "old", "client");
    o.valid_from = "2020-01-01T00:00:00Z";
    o.valid_until = "2021-01-01T00:00:00Z";
    auto out = run_cert_issue(ctx, o);
    REQUIRE_MESSAGE(out.is_ok(), out.status().to_string());
    CHECK(out->text.find("starts before the CA's validity") != std::string::npos);
    core::Certificate cert = load_cert(out_dir / "old.pem");
    core::Certificate ca = load_cert(ca_dir / "ca.pem");
    CHECK(cert.not_before_ms() == 1'577'836'800'000);
    CHECK(cert.not_after_ms() == 1'609'459'200'000);
    CHECK(core::verify_issued_by(cert, ca).is_ok());
    auto now_check = core::check_validity(cert, clock.now_ms());
    REQUIRE_FALSE(now_check.is_ok());
    CHECK(now_check.message().find("expired") != std::string::npos);
    CHECK_FALSE(core::verify_chain(cert, {ca}, clock.now_ms()).is_ok());
  }

  TEST_CASE("cert issue refuses a window past the CA's expiry, empty, or malformed") {
    TempDir tmp;
    const fs::path ca_dir = tmp.path() / "ca";
    const fs::path out_dir = tmp.path() / "members";
    make_ca(ca_dir, kNow, "org1", 30);
    ManualClock clock(kNow + kDay);
    auto ctx = make_context("http://127.0.0.1:1", clock, "pw");
    auto refused = [&](const std::string& from, const std::string& until) {
      CertIssueOptions o = issue_options(ca_dir, out_dir, "x", "client");
      o.valid_from = from;
      o.valid_until = until;
      auto out = run_cert_issue(ctx, o);
      REQUIRE_FALSE(out.is_ok());
      CHECK(out.status().code() == Status::Code::kInvalid);
      CHECK(!fs::exists(out_dir / "x.pem"));
      return out.status().message();
    };
    CHECK(refused("", std::to_string(kNow + 31 * kDay)).find("after the CA's expiry") !=
          std::string::npos);
    CHECK(refused(std::to_string(kNow + 5 * kDay), std::to_string(kNow + 2 * kDay))
              .find("window is empty") != std::string::npos);
    CHECK(refused("next week", "").find("--valid-from \"next week\"") != std::string::npos);
  }

  TEST_CASE("cert show prints subject, issuer, validity, fingerprint and role") {
    TempDir tmp;
    const fs::path ca_dir = tmp.path() / "ca";
    make_ca(ca_dir);
    ManualClock clock(kNow);
    auto ctx = make_context("http://127.0.0.1:1", clock, "pw");
    CertIssueOptions o = issue_options(ca_dir, tmp.path(), "node1", "node");
    o.days = 2;
    REQUIRE(run_cert_issue(ctx, o).is_ok());
    core::Certificate cert = load_cert(tmp.path() / "node1.pem");
    const std::string fp = core::to_hex(cert.fingerprint());

    auto shown = run_cert_show(ctx, (tmp.path() / "node1.pem").string());
    REQUIRE_MESSAGE(shown.is_ok(), shown.status().to_string());
    CHECK(shown->text ==
          "subject      CN=node1,OU=node,O=org1,C=SG\n"
          "issuer       CN=org1 CA,O=org1,C=SG\n"
          "serial       " +
              cert.serial() +
              "\n"
              "not before   2026-01-01T00:00:00Z\n"
              "not after    2026-01-03T00:00:00Z\n"
              "validity     valid at 2026-01-01T00:00:00Z\n"
              "fingerprint  " +
              fp +
              "\n"
              "role         node\n"
              "key          Ed25519 " +
              core::to_hex(cert.public_key()) + "\n");
    CHECK(shown->json.at("fingerprint") == fp);
    CHECK(shown->json.at("role") == "node");
    CHECK(shown->json.at("is_ca") == false);
    CHECK(shown->json.at("subject_dn") ==
          json{{"cn", "node1"}, {"o", "org1"}, {"ou", "node"}, {"c", "SG"}});
    CHECK(shown->json.at("not_after_ms") == kNow + 2 * kDay);
    CHECK(shown->json.at("validity") == "valid");

    clock.set(kNow + 3 * kDay);
    CHECK(run_cert_show(ctx, (tmp.path() / "node1.pem").string())->json.at("validity") ==
          "expired");
    clock.set(kNow - 1000);
    CHECK(run_cert_show(ctx, (tmp.path() / "node1.pem").string())->json.at("validity") ==
          "not yet valid");

    auto ca_shown = run_cert_show(ctx, (ca_dir / "ca.pem").string());
    REQUIRE(ca_shown.is_ok());
    CHECK(ca_shown->json.at("role") == "ca");
    CHECK(ca_shown->json.at("is_ca") == true);

    // DER works too.
    const fs::path der = tmp.path() / "node1.der";
    write_text(der, std::string(cert.der().begin(), cert.der().end()));
    CHECK(run_cert_show(ctx, der.string())->json.at("fingerprint") == fp);

    CHECK(run_cert_show(ctx, (tmp.path() / "missing.pem").string()).status().code() ==
          Status::Code::kNotFound);
    write_text(tmp.path() / "junk.pem", "not a certificate");
    auto junk = run_cert_show(ctx, (tmp.path() / "junk.pem").string());
    CHECK(junk.status().code() == Status::Code::kInvalid);
    CHECK(junk.status().message().rfind((tmp.path() / "junk.pem").string() + ": ", 0) == 0);
  }

  TEST_CASE("the CLI wires ca init, cert issue and cert show") {
    TempDir tmp;
    ManualClock clock(kNow);
    const std::string ca_dir = (tmp.path() / "ca").string();
    const std::string out_dir = (tmp.path() / "keys").string();
    write_text(tmp.path() / "ca.pass", "ca-pw\n");
    write_text(tmp.path() / "member.pass", "member-pw\n");

    Run r = run_silk({"ca", "init", "--org", "org1", "--jurisdiction", "CN", "--out-dir", ca_dir,
                      "--key-kdf", "fast", "--json"},
                     {{"SILK_PASSPHRASE", "ca-pw"}}, clock);
    REQUIRE_MESSAGE(r.code == 0, r.err);
    json init = json::parse(r.out);
    CHECK(init.at("subject") == "CN=org1 CA,O=org1,C=CN");

    // The two passphrases come from two sources.
    r = run_silk({"cert", "issue", "--ca-dir", ca_dir, "--org", "org1", "--role", "regulator",
                  "--name", "reg1", "--out-dir", out_dir, "--key-kdf", "fast",
                  "--ca-passphrase-file", (tmp.path() / "ca.pass").string(), "--passphrase-file",
                  (tmp.path() / "member.pass").string(), "--json"},
                 {}, clock);
    REQUIRE_MESSAGE(r.code == 0, r.err);
    CHECK(json::parse(r.out).at("subject") == "CN=reg1,OU=regulator,O=org1,C=CN");
    CHECK(core::read_key_file(out_dir + "/reg1.key", "member-pw").is_ok());

    r = run_silk({"cert", "issue", "--ca-dir", ca_dir, "--org", "org1", "--role", "client",
                  "--name", "c1", "--out-dir", out_dir, "--key-kdf", "fast"},
                 {{"SILK_PASSPHRASE", "m"}, {"SILK_CA_PASSPHRASE", "ca-pw"}}, clock);
    CHECK_MESSAGE(r.code == 0, r.err);

    r = run_silk({"cert", "issue", "--ca-dir", ca_dir, "--org", "org1", "--role", "client",
                  "--name", "c2", "--out-dir", out_dir, "--key-kdf", "fast"},
                 {{"SILK_PASSPHRASE", "m"}, {"SILK_CA_PASSPHRASE", "wrong"}}, clock);
    CHECK(r.code == 1);
    CHECK(r.err.rfind("silk: error: key file ", 0) == 0);
    CHECK(r.err.find('\n') == r.err.size() - 1);

    r = run_silk({"cert", "show", out_dir + "/reg1.pem"}, {}, clock);
    CHECK(r.code == 0);
    CHECK(r.out.find("role         regulator\n") != std::string::npos);
    r = run_silk({"cert", "show", out_dir + "/reg1.pem", "--json"}, {}, clock);
    CHECK(json::parse(r.out).at("issuer") == "CN=org1 CA,O=org1,C=CN");

    r = run_silk({"cert", "issue", "--ca-dir", ca_dir, "--org", "org1", "--role", "client",
                  "--name", "c3", "--out-dir", out_dir, "--days", "0"},
                 {}, clock);
    CHECK(r.code == 2);  // a usage error
    r = run_silk({"ca"}, {}, clock);
    CHECK(r.code == 2);
  }
}
