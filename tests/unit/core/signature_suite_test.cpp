#include "silk/core/signature_suite.h"

#include <doctest/doctest.h>
#include <openssl/bn.h>
#include <openssl/ec.h>

#include <string>
#include <vector>

#include "support/openssl_cli.h"

using namespace silk::core;
using silk::test::have_openssl_cli;
using silk::test::openssl;
using silk::test::read_file;
using silk::test::ScratchDir;
using silk::test::write_file;

namespace {

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

ByteSpan span_of(const std::string& s) { return as_span(s); }

// How the openssl CLI makes a key of a suite and signs with it.
struct CliSuite {
  SignatureSuite suite;
  std::string genpkey;  // arguments of `openssl genpkey`
  std::string sign;     // arguments of `openssl` that sign msg.bin with key.pem into sig.bin
  std::string verify;   // arguments of `openssl` that verify sig.bin over msg.bin with pub.pem
  const char* curve_order_hex = nullptr;  // ECDSA / SM2: the group order n
};

const char* kP256N = "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551";
const char* kSm2N = "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123";

std::vector<CliSuite> cli_suites() {
  const std::string pss =
      " -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32"
      " -sigopt rsa_mgf1_md:sha256";
  const std::string sm2 = " -sigopt distid:1234567812345678";
  return {
      {SignatureSuite::kEd25519, "-algorithm ed25519",
       "pkeyutl -sign -rawin -inkey key.pem -in msg.bin -out sig.bin",
       "pkeyutl -verify -rawin -pubin -inkey pub.pem -in msg.bin -sigfile sig.bin"},
      {SignatureSuite::kEcdsaP256Sha256, "-algorithm EC -pkeyopt ec_paramgen_curve:P-256",
       "dgst -sha256 -sign key.pem -out sig.bin msg.bin",
       "dgst -sha256 -verify pub.pem -signature sig.bin msg.bin", kP256N},
      {SignatureSuite::kSm2Sm3, "-algorithm EC -pkeyopt ec_paramgen_curve:SM2",
       "dgst -sm3 -sign key.pem" + sm2 + " -out sig.bin msg.bin",
       "dgst -sm3 -verify pub.pem" + sm2 + " -signature sig.bin msg.bin", kSm2N},
      {SignatureSuite::kRsaPssSha256, "-algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048",
       "dgst -sha256 -sign key.pem" + pss + " -out sig.bin msg.bin",
       "dgst -sha256 -verify pub.pem" + pss + " -signature sig.bin msg.bin"},
      {SignatureSuite::kRsaPkcs1Sha256, "-algorithm RSA -pkeyopt rsa_keygen_bits:2048",
       "dgst -sha256 -sign key.pem -out sig.bin msg.bin",
       "dgst -sha256 -verify pub.pem -signature sig.bin msg.bin"},
  };
}

// ECDSA/SM2 DER signature helpers, with OpenSSL's ASN.1 code (not ours under test).
struct RS {
  BIGNUM* r = nullptr;
  BIGNUM* s = nullptr;
};

// The signature (r, n - s).
std::string twin_of(const std::string& der, const char* order_hex) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  REQUIRE(sig != nullptr);
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig, &r, &s);
  BIGNUM* n = nullptr;
  BN_hex2bn(&n, order_hex);
  BIGNUM* s2 = BN_new();
  BN_sub(s2, n, s);
  ECDSA_SIG* twin = ECDSA_SIG_new();
  ECDSA_SIG_set0(twin, BN_dup(r), s2);
  unsigned char* out = nullptr;
  const int len = i2d_ECDSA_SIG(twin, &out);
  std::string result(reinterpret_cast<char*>(out), static_cast<size_t>(len));
  OPENSSL_free(out);
  ECDSA_SIG_free(twin);
  ECDSA_SIG_free(sig);
  BN_free(n);
  return result;
}

// Whether s > n/2.
bool is_high_s(const std::string& der, const char* order_hex) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  REQUIRE(sig != nullptr);
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig, &r, &s);
  BIGNUM* n = nullptr;
  BN_hex2bn(&n, order_hex);
  BN_rshift1(n, n);
  const bool high = BN_cmp(s, n) > 0;
  BN_free(n);
  ECDSA_SIG_free(sig);
  return high;
}

void check_refused(const Status& st, std::initializer_list<const char*> parts) {
  CHECK_MESSAGE(st.code() == Status::Code::kInvalid, st.to_string());
  for (const char* part : parts) CHECK_MESSAGE(contains(st.message(), part), st.to_string());
}

SigningKey load_key(const std::string& pem, std::string_view passphrase = {}) {
  auto key = SigningKey::from_pkcs8(span_of(pem), passphrase);
  REQUIRE_MESSAGE(key.is_ok(), key.status().to_string());
  return std::move(key).value();
}

VerifyingKey load_pub(const std::string& pem) {
  auto key = VerifyingKey::from_spki(span_of(pem));
  REQUIRE_MESSAGE(key.is_ok(), key.status().to_string());
  return std::move(key).value();
}

}  // namespace

TEST_SUITE("signature_suite") {
  TEST_CASE("suite names round-trip and unknown names are refused") {
    for (SignatureSuite s : all_suites()) {
      auto parsed = parse_suite_name(suite_name(s));
      REQUIRE(parsed.is_ok());
      CHECK(*parsed == s);
    }
    CHECK(std::string(suite_name(SignatureSuite::kSm2Sm3)) == "sm2-sm3");
    check_refused(parse_suite_name("ecdsa-p384").status(), {"unknown signature suite", "sm2-sm3"});
  }

  TEST_CASE("ed25519 through the suite interface is the libsodium key of crypto.h") {
    const SecretKey sk = SecretKey::generate();
    const SigningKey key = SigningKey::from_ed25519(sk);
    CHECK(key.suite() == SignatureSuite::kEd25519);
    const std::string msg = "silk suite message";
    auto sig = key.sign(span_of(msg));
    REQUIRE(sig.is_ok());
    const Signature direct = sk.sign(span_of(msg));
    CHECK(*sig == Bytes(direct.begin(), direct.end()));  // deterministic, same bytes
    CHECK(key.verifying_key().verify(span_of(msg), *sig).is_ok());
    CHECK(*key.verifying_key().ed25519_key() == sk.public_key());
    CHECK(key.verifying_key() == VerifyingKey::from_ed25519(sk.public_key()));
    // Its SubjectPublicKeyInfo parses back to the same key.
    auto again = VerifyingKey::from_spki_der(key.verifying_key().spki_der());
    REQUIRE_MESSAGE(again.is_ok(), again.status().to_string());
    CHECK(*again == key.verifying_key());
    // S >= L is refused as libsodium refuses it.
    Bytes bad = *sig;
    bad[63] |= 0xf0;
    check_refused(key.verifying_key().verify(span_of(msg), bad), {"ed25519", "does not verify"});
  }

  TEST_CASE("keys our code generates sign, verify and are read by the openssl CLI") {
    if (!have_openssl_cli()) return;
    const ScratchDir dir;
    const std::string msg = "a trade document's tx_id";
    write_file(dir.file("msg.bin"), msg);
    for (const CliSuite& cs : cli_suites()) {
      CAPTURE(suite_name(cs.suite));
      auto made = SigningKey::generate(cs.suite, 2048);
      REQUIRE_MESSAGE(made.is_ok(), made.status().to_string());
      CHECK(made->suite() == cs.suite);
      // Many signatures: each verifies and (ECDSA, SM2) is low S.
      for (int i = 0; i < (cs.curve_order_hex != nullptr ? 40 : 2); ++i) {
        auto sig = made->sign(span_of(msg));
        REQUIRE_MESSAGE(sig.is_ok(), sig.status().to_string());
        const Status st = made->verifying_key().verify(span_of(msg), *sig);
        REQUIRE_MESSAGE(st.is_ok(), st.to_string());
        if (cs.curve_order_hex != nullptr) {
          CHECK_FALSE(is_high_s(std::string(sig->begin(), sig->end()), cs.curve_order_hex));
        }
      }
      // openssl reads our PKCS#8 and public key, and verifies our signature.
      auto pem = made->pkcs8_pem();
      REQUIRE(pem.is_ok());
      write_file(dir.file("key.pem"), pem->view());
      write_file(dir.file("pub.pem"), made->verifying_key().spki_pem());
      const std::string derived = openssl(dir, "pkey -in key.pem -pubout");
      CHECK(derived == made->verifying_key().spki_pem());
      auto sig = made->sign(span_of(msg));
      REQUIRE(sig.is_ok());
      write_file(dir.file("sig.bin"), as_string_view(*sig));
      openssl(dir, cs.verify);
    }
  }

  TEST_CASE("keys and signatures made by the openssl CLI") {
    if (!have_openssl_cli()) {
      MESSAGE("openssl binary not found: skipping");
      return;
    }
    const ScratchDir dir;
    const std::string msg = "certificate of origin 2026-0042";
    const std::string tampered = "certificate of origin 2026-0043";
    write_file(dir.file("msg.bin"), msg);
    for (const CliSuite& cs : cli_suites()) {
      const std::string name = suite_name(cs.suite);
      CAPTURE(name);
      openssl(dir, "genpkey " + cs.genpkey + " -out key.pem");
      openssl(dir, "pkey -in key.pem -pubout -out pub.pem");
      const SigningKey key = load_key(read_file(dir.file("key.pem")));
      const VerifyingKey pub = load_pub(read_file(dir.file("pub.pem")));
      CHECK(key.suite() == cs.suite);
      CHECK(pub.suite() == cs.suite);
      CHECK(key.verifying_key() == pub);
      CHECK(pub.spki_pem() == read_file(dir.file("pub.pem")));

      // Our signature round-trips; a tampered message is refused.
      auto ours = key.sign(span_of(msg));
      REQUIRE_MESSAGE(ours.is_ok(), ours.status().to_string());
      CHECK(pub.verify(span_of(msg), *ours).is_ok());
      check_refused(pub.verify(span_of(tampered), *ours), {name.c_str(), "does not verify"});

      // openssl's signature verifies (ECDSA/SM2: when low S; the high twin is refused).
      std::string theirs;
      for (int attempt = 0; attempt < 64; ++attempt) {
        openssl(dir, cs.sign);
        theirs = read_file(dir.file("sig.bin"));
        if (cs.curve_order_hex == nullptr || !is_high_s(theirs, cs.curve_order_hex)) break;
        // A high-S signature made by openssl: valid for openssl, not canonical for us.
        check_refused(pub.verify(span_of(msg), span_of(theirs)), {name.c_str(), "high S"});
      }
      const Status st = pub.verify(span_of(msg), span_of(theirs));
      CHECK_MESSAGE(st.is_ok(), st.to_string());
      check_refused(pub.verify(span_of(tampered), span_of(theirs)),
                    {name.c_str(), "does not verify"});

      if (cs.curve_order_hex != nullptr) {
        // The high-S twin of a valid signature is refused, naming the reason.
        const std::string twin = twin_of(theirs, cs.curve_order_hex);
        check_refused(pub.verify(span_of(msg), span_of(twin)), {name.c_str(), "high S"});
        if (cs.suite == SignatureSuite::kEcdsaP256Sha256) {
          // ...although openssl itself accepts it: the twin is a valid ECDSA signature.
          write_file(dir.file("sig.bin"), twin);
          openssl(dir, cs.verify);
        }
        // Trailing bytes after the DER.
        check_refused(pub.verify(span_of(msg), span_of(theirs + std::string(1, '\0'))),
                      {name.c_str(), "trailing"});
        // A 64-byte raw (r || s) is not DER.
        check_refused(pub.verify(span_of(msg), span_of(std::string(64, '\x11'))),
                      {name.c_str(), "not DER"});
      }
      if (cs.suite == SignatureSuite::kSm2Sm3) {
        // Z_A binds the distinguishing ID: a signature under another ID does not verify.
        bool refused_other_id = false;
        for (int attempt = 0; attempt < 64 && !refused_other_id; ++attempt) {
          openssl(dir,
                  "dgst -sm3 -sign key.pem -sigopt distid:alice@example.cn -out other.bin"
                  " msg.bin");
          const std::string other = read_file(dir.file("other.bin"));
          if (is_high_s(other, cs.curve_order_hex)) continue;
          check_refused(pub.verify(span_of(msg), span_of(other)), {"sm2-sm3", "does not verify"});
          refused_other_id = true;
        }
        CHECK(refused_other_id);
      }
      if (cs.suite == SignatureSuite::kRsaPssSha256 ||
          cs.suite == SignatureSuite::kRsaPkcs1Sha256) {
        check_refused(pub.verify(span_of(msg), span_of(theirs.substr(1))),
                      {name.c_str(), "255 bytes, expected 256 (2048-bit key)"});
      }
      // Encrypted PKCS#8 (PEM and DER) and plain DER are read too.
      openssl(dir, "pkcs8 -topk8 -v2 aes-256-cbc -in key.pem -passout pass:s3cret -out enc.pem");
      openssl(dir,
              "pkcs8 -topk8 -v2 aes-256-cbc -in key.pem -passout pass:s3cret -outform DER"
              " -out enc.der");
      openssl(dir, "pkcs8 -topk8 -nocrypt -in key.pem -outform DER -out key.der");
      CHECK(load_key(read_file(dir.file("enc.pem")), "s3cret").verifying_key() == pub);
      CHECK(load_key(read_file(dir.file("enc.der")), "s3cret").verifying_key() == pub);
      CHECK(load_key(read_file(dir.file("key.der"))).verifying_key() == pub);
      check_refused(
          SigningKey::from_pkcs8(span_of(read_file(dir.file("enc.pem"))), "wrong").status(),
          {"wrong passphrase"});
      check_refused(SigningKey::from_pkcs8(span_of(read_file(dir.file("enc.der")))).status(),
                    {"encrypted", "no passphrase"});
      // Our export is what openssl reads back as the same key.
      auto exported = key.pkcs8_pem("exp0rt");
      REQUIRE(exported.is_ok());
      CHECK(contains(std::string(exported->view()), "ENCRYPTED PRIVATE KEY"));
      write_file(dir.file("exported.pem"), exported->view());
      CHECK(openssl(dir, "pkey -in exported.pem -passin pass:exp0rt -pubout") ==
            read_file(dir.file("pub.pem")));
    }
  }

  TEST_CASE("a signature in the wrong suite for the key is refused, naming the suite") {
    if (!have_openssl_cli()) return;
    std::vector<SigningKey> keys;
    for (SignatureSuite s : all_suites()) {
      auto k = SigningKey::generate(s, 2048);
      REQUIRE(k.is_ok());
      keys.push_back(std::move(k).value());
    }
    const std::string msg = "m";
    for (const SigningKey& signer : keys) {
      auto sig = signer.sign(span_of(msg));
      REQUIRE(sig.is_ok());
      for (const SigningKey& other : keys) {
        if (other.suite() == signer.suite()) continue;
        CAPTURE(suite_name(signer.suite()));
        CAPTURE(suite_name(other.suite()));
        const Status st = other.verifying_key().verify(span_of(msg), *sig);
        check_refused(st, {suite_name(other.suite())});
      }
    }
  }

  TEST_CASE("keys of other algorithms, curves and sizes are refused with the reason") {
    if (!have_openssl_cli()) return;
    const ScratchDir dir;
    struct Case {
      std::string genpkey;
      std::string reason;
    };
    const std::vector<Case> cases = {
        {"-algorithm RSA -pkeyopt rsa_keygen_bits:1024", "RSA key of 1024 bits refused"},
        {"-algorithm RSA-PSS -pkeyopt rsa_keygen_bits:1024", "RSA key of 1024 bits refused"},
        {"-algorithm EC -pkeyopt ec_paramgen_curve:P-384", "unsupported curve secp384r1"},
        {"-algorithm EC -pkeyopt ec_paramgen_curve:secp256k1", "unsupported curve secp256k1"},
        {"-algorithm ed448", "unsupported key type ED448"},
        {"-algorithm x25519", "unsupported key type X25519"},
        // RSA-PSS restricted to SHA-512 cannot do rsa-pss-sha256.
        {"-algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -pkeyopt rsa_pss_keygen_md:sha512",
         "parameters do not allow SHA-256"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.genpkey);
      openssl(dir, "genpkey " + c.genpkey + " -out bad.pem");
      openssl(dir, "pkey -in bad.pem -pubout -out bad.pub");
      check_refused(SigningKey::from_pkcs8(span_of(read_file(dir.file("bad.pem")))).status(),
                    {c.reason.c_str()});
      check_refused(VerifyingKey::from_spki(span_of(read_file(dir.file("bad.pub")))).status(),
                    {c.reason.c_str()});
    }
    // RSA-1024 names the suite it would have been.
    openssl(dir, "genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out bad.pem");
    check_refused(SigningKey::from_pkcs8(span_of(read_file(dir.file("bad.pem")))).status(),
                  {"rsa-pkcs1-sha256", "1024 bits", "2048"});
    check_refused(SigningKey::generate(SignatureSuite::kRsaPssSha256, 1024).status(),
                  {"rsa-pss-sha256", "1024 bits"});
    // An EC key with explicit curve parameters, even of P-256, is refused.
    openssl(dir,
            "genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256"
            " -pkeyopt ec_param_enc:explicit -out explicit.pem");
    openssl(dir, "pkey -in explicit.pem -pubout -out explicit.pub");
    check_refused(VerifyingKey::from_spki(span_of(read_file(dir.file("explicit.pub")))).status(),
                  {"explicit curve parameters"});
    check_refused(SigningKey::from_pkcs8(span_of(read_file(dir.file("explicit.pem")))).status(),
                  {"explicit curve parameters"});
    // A traditional DER key says how to convert it too.
    openssl(dir, "pkey -in explicit.pem -traditional -outform DER -out trad.der");
    check_refused(SigningKey::from_pkcs8(span_of(read_file(dir.file("trad.der")))).status(),
                  {"openssl pkcs8 -topk8"});
    // Traditional (non-PKCS#8) PEM says how to convert it.
    openssl(dir, "genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out p256.pem");
    openssl(dir, "pkey -in p256.pem -traditional -out trad.pem");
    check_refused(SigningKey::from_pkcs8(span_of(read_file(dir.file("trad.pem")))).status(),
                  {"EC PRIVATE KEY", "not PKCS#8", "openssl pkcs8 -topk8"});
  }

  TEST_CASE("malformed encodings are refused, never a crash") {
    check_refused(VerifyingKey::from_spki_der({}).status(), {"public key"});
    check_refused(VerifyingKey::from_spki(span_of("garbage")).status(), {"public key"});
    check_refused(VerifyingKey::from_spki(
                      span_of("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"))
                      .status(),
                  {"public key"});
    check_refused(SigningKey::from_pkcs8({}).status(), {"private key"});
    check_refused(SigningKey::from_pkcs8(span_of(std::string(100, '\x30'))).status(),
                  {"private key"});
    // An ed25519 SubjectPublicKeyInfo with a trailing byte.
    Bytes spki = VerifyingKey::from_ed25519(SecretKey::generate().public_key()).spki_der();
    spki.push_back(0);
    check_refused(VerifyingKey::from_spki_der(spki).status(), {"trailing"});
    // Every truncation of a P-256 SubjectPublicKeyInfo.
    auto p256 = SigningKey::generate(SignatureSuite::kEcdsaP256Sha256);
    REQUIRE(p256.is_ok());
    const Bytes& der = p256->verifying_key().spki_der();
    for (size_t n = 0; n < der.size(); ++n) {
      CHECK_FALSE(VerifyingKey::from_spki_der(ByteSpan(der.data(), n)).is_ok());
    }
  }
}
