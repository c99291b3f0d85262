#include "silk/tools/signer.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "fake_node.h"
#include "silk/core/x509.h"
#include "silk/tools/tx_commands.h"
#include "silk/tools/tx_file.h"
#include "test_keys.h"

using namespace silk::tools;
using namespace silk::tools::testing;
namespace core = silk::core;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t kNow = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
constexpr uint64_t kYear = 365ull * 86'400'000;

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// A CA for org1 and a member certificate for the key with seed `seed_byte`.
core::Certificate member_cert(uint8_t seed_byte, const std::string& cn = "org1-client") {
  REQUIRE(core::crypto_init().is_ok());
  auto ca_key = core::SecretKey::from_seed(core::Bytes(32, 0xca));
  REQUIRE(ca_key.is_ok());
  auto ca = core::make_ca_certificate(*ca_key, {"org1 CA", "org1", "", "SG"}, kNow, kNow + kYear);
  REQUIRE_MESSAGE(ca.is_ok(), ca.status().to_string());
  auto key = core::SecretKey::from_seed(core::Bytes(32, seed_byte));
  REQUIRE(key.is_ok());
  auto cert = core::issue_certificate(*ca_key, *ca, key->public_key(), {cn, "org1", "client", "SG"},
                                      kNow, kNow + kYear);
  REQUIRE_MESSAGE(cert.is_ok(), cert.status().to_string());
  return *cert;
}

}  // namespace

TEST_SUITE("signer") {
  TEST_CASE("a .pem sibling of the key file is found; an explicit --cert wins") {
    TempDir tmp;
    make_key_file(tmp.file("alice.key"), 1, "pw");
    CHECK(signer_cert_file(tmp.file("alice.key"), "") == "");
    write_text(tmp.path() / "alice.pem", member_cert(1).pem());
    CHECK(signer_cert_file(tmp.file("alice.key"), "") == tmp.file("alice.pem"));
    CHECK(signer_cert_file(tmp.file("alice.key"), "/x/other.pem") == "/x/other.pem");
    // Only a ".key" file has a sibling.
    CHECK(signer_cert_file(tmp.file("alice"), "") == "");
  }

  TEST_CASE("with a sibling certificate the tx names the certificate and verifies with its key") {
    TempDir tmp;
    core::ManualClock clock(kNow + 1000);
    auto ctx = make_context("http://127.0.0.1:1", clock);
    const core::PublicKey pk = make_key_file(tmp.file("alice.key"), 1, "pw");
    const core::Certificate cert = member_cert(1);
    write_text(tmp.path() / "alice.pem", cert.pem());

    auto signer = Signer::load(ctx, tmp.file("alice.key"), "");
    REQUIRE_MESSAGE(signer.is_ok(), signer.status().to_string());
    REQUIRE(signer->identity().cert.has_value());
    core::Tx tx = signer->make_tx("c", "notary", "anchor", "{}", 7, kNow);
    CHECK(tx.sender_kind == core::SenderKind::kCertFingerprint);
    CHECK(tx.sender == cert.fingerprint());
    CHECK(tx.sender_cert == cert.der());
    CHECK(tx.verify_signature(cert.public_key()));
    CHECK(tx.verify_signature(pk));
    CHECK(tx_signature_valid(tx));
    // The encoding carries both through.
    auto decoded = core::Tx::decode(tx.encode());
    REQUIRE(decoded.is_ok());
    CHECK(decoded->sender_kind == core::SenderKind::kCertFingerprint);
    CHECK(decoded->sender_cert == cert.der());
  }

  TEST_CASE("without a certificate the sender is the public key") {
    TempDir tmp;
    core::ManualClock clock(kNow);
    auto ctx = make_context("http://127.0.0.1:1", clock);
    const core::PublicKey pk = make_key_file(tmp.file("k.key"), 2, "pw");
    auto signer = Signer::load(ctx, tmp.file("k.key"), "");
    REQUIRE(signer.is_ok());
    core::Tx tx = signer->make_tx("c", "notary", "anchor", "{}", 1, kNow);
    CHECK(tx.sender_kind == core::SenderKind::kPublicKey);
    CHECK(tx.sender == pk);
    CHECK(tx.sender_cert.empty());
    CHECK(tx_signature_valid(tx));
  }

  TEST_CASE("a key that is not the certificate's is refused before the passphrase is asked") {
    TempDir tmp;
    core::ManualClock clock(kNow);
    auto ctx = make_context("http://127.0.0.1:1", clock, std::nullopt);  // no passphrase at all
    make_key_file(tmp.file("bob.key"), 3, "pw");
    write_text(tmp.path() / "alice.pem", member_cert(1, "alice").pem());
    auto signer = Signer::load(ctx, tmp.file("bob.key"), tmp.file("alice.pem"));
    REQUIRE_FALSE(signer.is_ok());
    CHECK(signer.status().code() == core::Status::Code::kInvalid);
    const std::string msg = signer.status().message();
    CHECK(msg.find("key file " + tmp.file("bob.key") + " does not match certificate CN=alice") !=
          std::string::npos);

    // The sibling rule checks too.
    write_text(tmp.path() / "bob.pem", member_cert(1, "alice").pem());
    auto sibling = load_sender_identity(tmp.file("bob.key"), "");
    REQUIRE_FALSE(sibling.is_ok());
    CHECK(sibling.status().message().find("does not match certificate") != std::string::npos);

    // from_key as well.
    auto key = core::SecretKey::from_seed(core::Bytes(32, 3));
    REQUIRE(key.is_ok());
    CHECK_FALSE(Signer::from_key(std::move(key).value(), member_cert(1)).is_ok());
  }

  TEST_CASE("a CA certificate cannot sign txs") {
    TempDir tmp;
    REQUIRE(core::crypto_init().is_ok());
    auto ca_key = core::SecretKey::from_seed(core::Bytes(32, 0xca));
    auto ca = core::make_ca_certificate(*ca_key, {"org1 CA", "org1", "", "SG"}, kNow, kNow + kYear);
    REQUIRE(ca.is_ok());
    write_text(tmp.path() / "ca.pem", ca->pem());
    auto id = load_sender_identity("", tmp.file("ca.pem"));
    REQUIRE_FALSE(id.is_ok());
    CHECK(id.status().message().find("is a CA certificate") != std::string::npos);
  }

  TEST_CASE("tx build from the certificate alone, then tx sign with the key") {
    TempDir tmp;
    core::ManualClock clock(kNow + 5000);
    auto ctx = make_context("http://127.0.0.1:1", clock);
    make_key_file(tmp.file("alice.key"), 1, "pw");
    const core::Certificate cert = member_cert(1);
    write_text(tmp.path() / "alice-cert.pem", cert.pem());

    TxBuildOptions build;
    build.cert_file = tmp.file("alice-cert.pem");
    build.contract = "notary";
    build.method = "anchor";
    build.chain_id = "c";
    build.out = tmp.file("tx.json");
    auto built = run_tx_build(ctx, build);
    REQUIRE_MESSAGE(built.is_ok(), built.status().to_string());
    CHECK(built->json["summary"]["sender_kind"] == "cert_fingerprint");
    CHECK(built->json["summary"]["sender"] == core::to_hex(cert.fingerprint()));
    CHECK(built->json["summary"]["sender_cert"] == core::to_hex(cert.der()));

    // A key that is not the certificate's is refused.
    make_key_file(tmp.file("bob.key"), 3, "pw");
    TxSignOptions bad;
    bad.key_file = tmp.file("bob.key");
    bad.in = tmp.file("tx.json");
    bad.out = tmp.file("signed.json");
    auto refused = run_tx_sign(ctx, bad);
    REQUIRE_FALSE(refused.is_ok());
    CHECK(refused.status().message().find("does not match certificate") != std::string::npos);

    TxSignOptions sign;
    sign.key_file = tmp.file("alice.key");
    sign.in = tmp.file("tx.json");
    sign.out = tmp.file("signed.json");
    auto signed_out = run_tx_sign(ctx, sign);
    REQUIRE_MESSAGE(signed_out.is_ok(), signed_out.status().to_string());
    auto file = read_tx_file(tmp.file("signed.json"));
    REQUIRE_MESSAGE(file.is_ok(), file.status().to_string());
    CHECK(file->is_signed);
    CHECK(file->tx.sender_kind == core::SenderKind::kCertFingerprint);
    CHECK(file->tx.sender == cert.fingerprint());
    CHECK(file->tx.verify_signature(cert.public_key()));
  }

  TEST_CASE("tx build needs a key or a certificate") {
    core::ManualClock clock(kNow);
    auto ctx = make_context("http://127.0.0.1:1", clock);
    TxBuildOptions build;
    build.contract = "notary";
    build.method = "anchor";
    build.chain_id = "c";
    build.out = "/nonexistent/tx.json";
    auto out = run_tx_build(ctx, build);
    REQUIRE_FALSE(out.is_ok());
    CHECK(out.status().code() == core::Status::Code::kInvalid);
  }
}
