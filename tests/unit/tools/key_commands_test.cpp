// `silk keygen --suite`, `silk key import`, `silk key export`, and `--key` naming a PKCS#8 file,
// checked against keys made and read by the openssl command line.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "silk/core/clock.h"
#include "silk/core/key_file.h"
#include "silk/core/signature_suite.h"
#include "silk/tools/cli.h"
#include "silk/tools/signer.h"
#include "support/openssl_cli.h"

using namespace silk::tools;
using nlohmann::json;
using silk::test::openssl;
using silk::test::read_file;
using silk::test::ScratchDir;
using silk::test::write_file;
namespace core = silk::core;

namespace {

struct Run {
  int code = -1;
  std::string out;
  std::string err;
};

// Runs `silk <args>` in-process with its own environment and captures the output.
class Cli {
 public:
  Cli() : clock_(1'700'000'000'000) {}
  std::map<std::string, std::string> env;

  Run operator()(std::vector<std::string> args) {
    args.insert(args.begin(), "silk");
    std::ostringstream out;
    std::ostringstream err;
    CliEnv e;
    e.out = &out;
    e.err = &err;
    e.getenv = [this](const char* name) -> std::optional<std::string> {
      auto it = env.find(name);
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
    e.clock = &clock_;
    Run r;
    r.code = run_cli(args, e);
    r.out = out.str();
    r.err = err.str();
    return r;
  }

 private:
  core::ManualClock clock_;
};

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// The hex `silk pubkey` prints for the public key in pub.der (SubjectPublicKeyInfo DER).
std::string expected_pubkey_hex(const std::string& spki_der) {
  std::string hex = core::to_hex(core::as_span(spki_der));
  // An ed25519 key is shown raw, as it always was: the last 32 bytes.
  if (spki_der.size() == 44 && hex.starts_with("302a300506032b6570032100")) return hex.substr(24);
  return hex;
}

struct CliKey {
  const char* suite;
  const char* genpkey;
};

const std::vector<CliKey> kCliKeys = {
    {"ed25519", "-algorithm ed25519"},
    {"ecdsa-p256-sha256", "-algorithm EC -pkeyopt ec_paramgen_curve:P-256"},
    {"sm2-sm3", "-algorithm EC -pkeyopt ec_paramgen_curve:SM2"},
    {"rsa-pss-sha256", "-algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048"},
    {"rsa-pkcs1-sha256", "-algorithm RSA -pkeyopt rsa_keygen_bits:2048"},
};

}  // namespace

TEST_SUITE("key_commands") {
  TEST_CASE("keygen --suite makes a key file of that suite; pubkey reads it back") {
    const ScratchDir dir;
    Cli silk;
    silk.env["SILK_PASSPHRASE"] = "pw";
    for (core::SignatureSuite suite : core::all_suites()) {
      const std::string name = core::suite_name(suite);
      CAPTURE(name);
      const std::string key = dir.file(name + ".key");
      Run r = silk({"--json", "keygen", "--out", key, "--key-kdf", "fast", "--suite", name,
                    "--rsa-bits", "2048"});
      REQUIRE_MESSAGE(r.code == 0, r.err);
      const json j = json::parse(r.out);
      CHECK(j["suite"] == name);
      auto back = core::read_signing_key_file(key, "pw");
      REQUIRE_MESSAGE(back.is_ok(), back.status().to_string());
      CHECK(back->suite() == suite);
      r = silk({"pubkey", "--key", key});
      REQUIRE_MESSAGE(r.code == 0, r.err);
      CHECK(r.out == j["public_key"].get<std::string>() + "\n");
    }
    Run r = silk({"keygen", "--out", dir.file("x.key"), "--suite", "ecdsa-p384"});
    CHECK(r.code == 2);
    CHECK_FALSE(std::filesystem::exists(dir.file("x.key")));
  }

  TEST_CASE("key import and export round-trip with openssl pkey, every suite") {
    if (!silk::test::have_openssl_cli()) return;
    const ScratchDir dir;
    Cli silk;
    silk.env["SILK_PASSPHRASE"] = "file-pw";
    write_file(dir.file("in.pass"), "in-pw\n");
    write_file(dir.file("out.pass"), "out-pw\n");
    for (const CliKey& ck : kCliKeys) {
      const std::string s = ck.suite;
      CAPTURE(s);
      openssl(dir, std::string("genpkey ") + ck.genpkey + " -out " + s + ".pem");
      openssl(dir, "pkey -in " + s + ".pem -pubout -outform DER -out " + s + ".pub.der");
      openssl(dir, "pkcs8 -topk8 -v2 aes-256-cbc -in " + s + ".pem -passout pass:in-pw -out " + s +
                       ".enc.pem");
      openssl(dir, "pkcs8 -topk8 -nocrypt -in " + s + ".pem -outform DER -out " + s + ".der");
      const std::string pub_hex = expected_pubkey_hex(read_file(dir.file(s + ".pub.der")));
      const std::string original = openssl(dir, "pkey -in " + s + ".pem");  // normalised PKCS#8

      // Import, clear PEM / encrypted PEM / DER: same public key as openssl derives.
      const std::vector<std::vector<std::string>> imports = {
          {"--in", dir.file(s + ".pem"), "--out", dir.file(s + ".a.key")},
          {"--in", dir.file(s + ".enc.pem"), "--in-passphrase-file", dir.file("in.pass"), "--out",
           dir.file(s + ".b.key")},
          {"--in", dir.file(s + ".der"), "--out", dir.file(s + ".c.key")},
      };
      for (const auto& args : imports) {
        std::vector<std::string> cmd = {"--json", "key", "import", "--key-kdf", "fast"};
        cmd.insert(cmd.end(), args.begin(), args.end());
        Run r = silk(cmd);
        REQUIRE_MESSAGE(r.code == 0, r.err);
        const json j = json::parse(r.out);
        CHECK(j["suite"] == s);
        CHECK(j["public_key"] == pub_hex);
      }
      Run r = silk({"pubkey", "--key", dir.file(s + ".b.key")});
      CHECK(r.out == pub_hex + "\n");

      // Export, clear PEM: openssl reads back the very same private key.
      r = silk({"key", "export", "--key", dir.file(s + ".a.key"), "--out", dir.file(s + ".out.pem"),
                "--unencrypted"});
      REQUIRE_MESSAGE(r.code == 0, r.err);
      CHECK(openssl(dir, "pkey -in " + s + ".out.pem") == original);
      struct stat st {};
      REQUIRE(::stat(dir.file(s + ".out.pem").c_str(), &st) == 0);
      CHECK((st.st_mode & 0777) == 0600);
      // Encrypted PEM and clear DER.
      r = silk({"key", "export", "--key", dir.file(s + ".b.key"), "--out",
                dir.file(s + ".out.enc.pem"), "--out-passphrase-file", dir.file("out.pass")});
      REQUIRE_MESSAGE(r.code == 0, r.err);
      CHECK(contains(read_file(dir.file(s + ".out.enc.pem")), "ENCRYPTED PRIVATE KEY"));
      CHECK(openssl(dir, "pkey -in " + s + ".out.enc.pem -passin pass:out-pw") == original);
      r = silk({"key", "export", "--key", dir.file(s + ".c.key"), "--out", dir.file(s + ".out.der"),
                "--unencrypted", "--der"});
      REQUIRE_MESSAGE(r.code == 0, r.err);
      CHECK(openssl(dir, "pkey -inform DER -in " + s + ".out.der") == original);
    }
  }

  TEST_CASE("key import and export refuse bad input with the reason") {
    if (!silk::test::have_openssl_cli()) return;
    const ScratchDir dir;
    Cli silk;
    silk.env["SILK_PASSPHRASE"] = "pw";
    openssl(dir, "genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa1024.pem");
    openssl(dir, "genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out p384.pem");
    openssl(dir, "genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out p256.pem");
    openssl(dir, "pkcs8 -topk8 -v2 aes-256-cbc -in p256.pem -passout pass:x -out p256.enc.pem");

    Run r = silk({"key", "import", "--in", dir.file("rsa1024.pem"), "--out", dir.file("a.key")});
    CHECK(r.code == 1);
    CHECK_MESSAGE(contains(r.err, "rsa-pkcs1-sha256: RSA key of 1024 bits refused"), r.err);
    r = silk({"key", "import", "--in", dir.file("p384.pem"), "--out", dir.file("a.key")});
    CHECK(r.code == 1);
    CHECK_MESSAGE(contains(r.err, "unsupported curve secp384r1"), r.err);
    r = silk({"key", "import", "--in", dir.file("p256.enc.pem"), "--out", dir.file("a.key")});
    CHECK(r.code == 1);
    CHECK_MESSAGE(contains(r.err, "--in-passphrase-file"), r.err);
    write_file(dir.file("wrong.pass"), "y\n");
    r = silk({"key", "import", "--in", dir.file("p256.enc.pem"), "--in-passphrase-file",
              dir.file("wrong.pass"), "--out", dir.file("a.key")});
    CHECK(r.code == 1);
    CHECK_MESSAGE(contains(r.err, "wrong passphrase"), r.err);
    CHECK_FALSE(std::filesystem::exists(dir.file("a.key")));

    r = silk({"key", "import", "--key-kdf", "fast", "--in", dir.file("p256.pem"), "--out",
              dir.file("a.key")});
    REQUIRE_MESSAGE(r.code == 0, r.err);
    r = silk({"key", "import", "--key-kdf", "fast", "--in", dir.file("a.key"), "--out",
              dir.file("b.key")});
    CHECK(r.code == 1);
    CHECK_MESSAGE(contains(r.err, "already a silk key file"), r.err);
    // Export needs a choice between encrypted and clear, and never overwrites.
    r = silk({"key", "export", "--key", dir.file("a.key"), "--out", dir.file("o.pem")});
    CHECK(r.code == 1);
    CHECK_MESSAGE(contains(r.err, "--unencrypted"), r.err);
    write_file(dir.file("o.pem"), "keep");
    r = silk(
        {"key", "export", "--key", dir.file("a.key"), "--out", dir.file("o.pem"), "--unencrypted"});
    CHECK(r.code == 1);
    CHECK_MESSAGE(contains(r.err, "already exists"), r.err);
    CHECK(read_file(dir.file("o.pem")) == "keep");
  }

  TEST_CASE("--key may name a PKCS#8 file: ed25519 signs, other suites are refused by name") {
    if (!silk::test::have_openssl_cli()) return;
    const ScratchDir dir;
    core::ManualClock clock(1'700'000'000'000);
    openssl(dir, "genpkey -algorithm ed25519 -out ed.pem");
    openssl(dir, "pkcs8 -topk8 -v2 aes-256-cbc -in ed.pem -passout pass:pw -out ed.enc.pem");
    openssl(dir, "genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2 -out sm2.pem");
    openssl(dir, "pkey -in ed.pem -pubout -outform DER -out ed.pub.der");
    const std::string pub_hex = expected_pubkey_hex(read_file(dir.file("ed.pub.der")));

    {
      // A clear PKCS#8 needs no passphrase at all.
      CommandContext ctx("http://127.0.0.1:1", PassphraseSource("", std::nullopt, nullptr), clock);
      auto signer = Signer::load(ctx, dir.file("ed.pem"), "");
      REQUIRE_MESSAGE(signer.is_ok(), signer.status().to_string());
      CHECK(core::to_hex(signer->identity().public_key) == pub_hex);
      const core::Tx tx = signer->make_tx("c", "notary", "anchor", "{}", 1, 1);
      CHECK(tx.verify_signature(signer->identity().public_key));
      auto id = load_sender_identity(dir.file("ed.pem"), "");
      REQUIRE(id.is_ok());
      CHECK(core::to_hex(id->public_key) == pub_hex);
    }
    {
      CommandContext ctx("http://127.0.0.1:1", PassphraseSource("", std::string("pw"), nullptr),
                         clock);
      auto signer = Signer::load(ctx, dir.file("ed.enc.pem"), "");
      REQUIRE_MESSAGE(signer.is_ok(), signer.status().to_string());
      CHECK(core::to_hex(signer->identity().public_key) == pub_hex);
      auto sm2 = Signer::load(ctx, dir.file("sm2.pem"), "");
      REQUIRE_FALSE(sm2.is_ok());
      CHECK_MESSAGE(contains(sm2.status().message(), "a sm2-sm3 key; txs are signed with ed25519"),
                    sm2.status().to_string());
    }
  }
}
