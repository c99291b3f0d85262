#include "silk/core/x509.h"

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "support/openssl_cli.h"

using namespace silk::core;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t kDayMs = 86400ull * 1000;
constexpr uint64_t kT2026 = 1767225600000ull;  // 2026-01-01T00:00:00Z
constexpr uint64_t kT2027 = 1798761600000ull;  // 2027-01-01T00:00:00Z
constexpr uint64_t kT2030 = 1893456000000ull;  // 2030-01-01T00:00:00Z

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// CHECKs that `st` is a refusal of kind `code` whose message contains every needle.
void check_refused(const Status& st, Status::Code code,
                   std::initializer_list<std::string> needles) {
  REQUIRE_FALSE(st.is_ok());
  CHECK_MESSAGE(st.code() == code, st.to_string());
  for (const std::string& n : needles)
    CHECK_MESSAGE(contains(st.message(), n), st.to_string(), " lacks ", n);
}

DistinguishedName dn(std::string cn, std::string o, std::string ou, std::string c) {
  return {std::move(cn), std::move(o), std::move(ou), std::move(c)};
}

struct Org {
  SecretKey key;
  Certificate ca;
};

Org make_org(const std::string& org, const std::string& country, uint64_t nb = kT2026,
             uint64_t na = kT2030) {
  SecretKey key = SecretKey::generate();
  auto ca = make_ca_certificate(key, dn(org + " CA", org, "", country), nb, na);
  REQUIRE_MESSAGE(ca.is_ok(), ca.status().to_string());
  return Org{std::move(key), std::move(ca).value()};
}

Certificate issue(const Org& org, const PublicKey& pk, const DistinguishedName& subject,
                  uint64_t nb = kT2026, uint64_t na = kT2027) {
  auto cert = issue_certificate(org.key, org.ca, pk, subject, nb, na);
  REQUIRE_MESSAGE(cert.is_ok(), cert.status().to_string());
  return std::move(cert).value();
}

Certificate parse_ok(ByteSpan bytes) {
  auto c = parse_certificate(bytes);
  REQUIRE_MESSAGE(c.is_ok(), c.status().to_string());
  return std::move(c).value();
}

// ---- Certificates built directly with OpenSSL, for what our generators refuse to make ----

template <auto Fn>
struct Free {
  template <typename T>
  void operator()(T* p) const {
    Fn(p);
  }
};
using X509Ptr = std::unique_ptr<X509, Free<X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Free<EVP_PKEY_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Free<X509_EXTENSION_free>>;

PkeyPtr ed25519_pkey(const SecretKey& key) {
  Bytes seed = key.seed();
  PkeyPtr p(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  wipe(seed.data(), seed.size());
  REQUIRE(p);
  return p;
}

PkeyPtr p256_pkey() {
  PkeyPtr p(EVP_EC_gen("P-256"));
  REQUIRE(p);
  return p;
}

struct RawSpec {
  EVP_PKEY* subject_key = nullptr;  // its public part goes in the certificate
  std::string subject_cn;
  std::string subject_o;
  EVP_PKEY* issuer_key = nullptr;  // signs
  X509* issuer = nullptr;          // nullptr: self-signed
  std::vector<std::pair<int, const char*>> extensions;
  uint64_t not_before_ms = kT2026;
  uint64_t not_after_ms = kT2027;
};

// DER of a certificate assembled by hand with OpenSSL.
Bytes raw_certificate(const RawSpec& spec) {
  X509Ptr x(X509_new());
  REQUIRE(x);
  REQUIRE(X509_set_version(x.get(), X509_VERSION_3) == 1);
  REQUIRE(ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 4242) == 1);
  X509_NAME* name = X509_get_subject_name(x.get());
  auto add = [&](const char* field, const std::string& v) {
    if (v.empty()) return;
    REQUIRE(X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(v.data()),
                                       static_cast<int>(v.size()), -1, 0) == 1);
  };
  add("O", spec.subject_o);
  add("CN", spec.subject_cn);
  REQUIRE(X509_set_issuer_name(x.get(), spec.issuer ? X509_get_subject_name(spec.issuer) : name) ==
          1);
  REQUIRE(ASN1_TIME_set(X509_getm_notBefore(x.get()),
                        static_cast<time_t>(spec.not_before_ms / 1000)) != nullptr);
  REQUIRE(ASN1_TIME_set(X509_getm_notAfter(x.get()),
                        static_cast<time_t>(spec.not_after_ms / 1000)) != nullptr);
  REQUIRE(X509_set_pubkey(x.get(), spec.subject_key) == 1);
  for (const auto& extension : spec.extensions) {
    const auto nid = extension.first;  // not a structured binding: REQUIRE_MESSAGE captures it
    const auto& value = extension.second;
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, spec.issuer ? spec.issuer : x.get(), x.get(), nullptr, nullptr, 0);
    ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    REQUIRE_MESSAGE(ext, "extension ", value);
    REQUIRE(X509_add_ext(x.get(), ext.get(), -1) == 1);
  }
  const EVP_MD* md =
      EVP_PKEY_get_base_id(spec.issuer_key) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256();
  REQUIRE(X509_sign(x.get(), spec.issuer_key, md) > 0);
  unsigned char* der = nullptr;
  const int len = i2d_X509(x.get(), &der);
  REQUIRE(len > 0);
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

X509Ptr to_x509(const Certificate& c) {
  const unsigned char* p = c.der().data();
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(c.der().size())));
  REQUIRE(x);
  return x;
}

// ---- Files and the openssl CLI ----

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "silk-x509-XXXXXX").string();
    char* made = ::mkdtemp(tmpl.data());
    REQUIRE_MESSAGE(made != nullptr, "mkdtemp failed");
    path_ = made;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  REQUIRE(out.good());
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// run() and have_openssl_cli(): tests/support/openssl_cli.h.
using silk::test::have_openssl_cli;
using silk::test::run;

uint64_t now_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

TEST_SUITE("x509") {
  TEST_CASE("format_dn and format_time_ms") {
    CHECK(format_dn(dn("alice", "org1", "client", "SG")) == "CN=alice,OU=client,O=org1,C=SG");
    CHECK(format_dn(dn("", "org1", "", "")) == "O=org1");
    CHECK(format_dn(DistinguishedName{}) == "(empty name)");
    // RFC 4514 escaping, and control characters as \XX so that messages are safe to log.
    CHECK(format_dn(dn("a,b+c", "\"x\"", " lead", "")) == "CN=a\\,b\\+c,OU=\\ lead,O=\\\"x\\\"");
    CHECK(format_dn(dn("evil\nCN=root", "", "", "")) == "CN=evil\\0ACN=root");

    CHECK(format_time_ms(0) == "1970-01-01T00:00:00Z");
    CHECK(format_time_ms(kT2026) == "2026-01-01T00:00:00Z");
    CHECK(format_time_ms(kT2026 + 250) == "2026-01-01T00:00:00.250Z");
    CHECK(format_time_ms(951782400000ull + 3723000) == "2000-02-29T01:02:03Z");  // leap day
    CHECK(format_time_ms(253402300799000ull) == "9999-12-31T23:59:59Z");
    CHECK(format_time_ms(UINT64_MAX) == "unix_ms=18446744073709551615");
  }

  TEST_CASE("a CA certificate round-trips through DER and PEM with its fields") {
    const Org org = make_org("org1", "SG");
    const Certificate& ca = org.ca;
    CHECK(ca.subject() == dn("org1 CA", "org1", "", "SG"));
    CHECK(ca.issuer() == ca.subject());
    CHECK(ca.is_ca());
    CHECK(ca.key_type() == KeyType::kEd25519);
    CHECK(std::string(key_type_name(ca.key_type())) == "Ed25519");
    CHECK(ca.public_key() == org.key.public_key());
    CHECK(ca.not_before_ms() == kT2026);
    CHECK(ca.not_after_ms() == kT2030);
    CHECK(ca.fingerprint() == sha256(ByteSpan(ca.der())));
    CHECK(!ca.serial().empty());
    CHECK(ca.serial().size() <= 32);  // 128 bits
    CHECK(ca.serial().find_first_not_of("0123456789abcdef") == std::string::npos);

    const Certificate from_der = parse_ok(ca.der());
    CHECK(from_der.der() == ca.der());
    CHECK(from_der.fingerprint() == ca.fingerprint());
    CHECK(from_der.subject() == ca.subject());
    CHECK(from_der.serial() == ca.serial());
    CHECK(from_der.public_key() == ca.public_key());
    CHECK(from_der == ca);

    const std::string pem = ca.pem();
    CHECK(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
    CHECK(pem.ends_with("-----END CERTIFICATE-----\n"));
    const Certificate from_pem = parse_ok(as_span(pem));
    CHECK(from_pem.der() == ca.der());
    // Whitespace around the block, CRLF line ends and no final newline are fine.
    std::string crlf;
    for (char c : pem) {
      if (c == '\n') crlf += '\r';
      crlf += c;
    }
    CHECK(parse_ok(as_span("\n  " + crlf)).der() == ca.der());
    CHECK(parse_ok(as_span(pem.substr(0, pem.size() - 1))).der() == ca.der());
    CHECK(parse_certificate(pem).is_ok());  // a std::string converts to string_view

    // OpenSSL sees the extensions we promise.
    X509Ptr x = to_x509(ca);
    int crit = 0;
    auto* bc = static_cast<BASIC_CONSTRAINTS*>(
        X509_get_ext_d2i(x.get(), NID_basic_constraints, &crit, nullptr));
    REQUIRE(bc != nullptr);
    CHECK(bc->ca != 0);
    CHECK(crit == 1);
    BASIC_CONSTRAINTS_free(bc);
    CHECK(X509_get_key_usage(x.get()) == (KU_KEY_CERT_SIGN | KU_CRL_SIGN));
    CHECK(X509_get0_subject_key_id(x.get()) != nullptr);
    CHECK(X509_get_signature_nid(x.get()) == NID_ED25519);
    CHECK(X509_get_version(x.get()) == X509_VERSION_3);

    // Copies share one parsed value.
    const Certificate copy = ca;
    CHECK(&copy.der() == &ca.der());
  }

  TEST_CASE("a member certificate carries its subject, issuer, key and window") {
    const Org org = make_org("org1", "SG");
    const SecretKey alice = SecretKey::generate();
    const Certificate member =
        issue(org, alice.public_key(), dn("alice", "org1", "client", "SG"), kT2026 + 1500, kT2027);
    CHECK(member.subject() == dn("alice", "org1", "client", "SG"));
    CHECK(member.issuer() == org.ca.subject());
    CHECK_FALSE(member.is_ca());
    CHECK(member.public_key() == alice.public_key());
    CHECK(member.not_before_ms() == kT2026 + 1000);  // rounded down to the second
    CHECK(member.not_after_ms() == kT2027);
    CHECK(member.fingerprint() == sha256(ByteSpan(member.der())));
    CHECK(member.serial() != org.ca.serial());
    CHECK(parse_ok(as_span(member.pem())) == member);

    X509Ptr x = to_x509(member);
    X509Ptr cax = to_x509(org.ca);
    CHECK(X509_get_key_usage(x.get()) == KU_DIGITAL_SIGNATURE);
    const ASN1_OCTET_STRING* akid = X509_get0_authority_key_id(x.get());
    REQUIRE(akid != nullptr);
    CHECK(ASN1_OCTET_STRING_cmp(akid, X509_get0_subject_key_id(cax.get())) == 0);
    CHECK((X509_get_extension_flags(x.get()) & EXFLAG_BCONS) != 0);
    CHECK((X509_get_extension_flags(x.get()) & EXFLAG_CA) == 0);
  }

  TEST_CASE("serials are random and fingerprints distinct") {
    const Org org = make_org("org1", "SG");
    const PublicKey pk = SecretKey::generate().public_key();
    std::set<std::string> serials;
    std::set<Hash> fingerprints;
    for (int i = 0; i < 16; ++i) {
      const Certificate c = issue(org, pk, dn("alice", "org1", "client", "SG"));
      serials.insert(c.serial());
      fingerprints.insert(c.fingerprint());
    }
    CHECK(serials.size() == 16);
    CHECK(fingerprints.size() == 16);
  }

  TEST_CASE("verify_issued_by accepts the issuer and refuses another CA") {
    const Org org1 = make_org("org1", "SG");
    const Org org2 = make_org("org2", "DE");
    const Certificate alice =
        issue(org1, SecretKey::generate().public_key(), dn("alice", "org1", "client", "SG"));
    CHECK(verify_issued_by(alice, org1.ca).is_ok());
    CHECK(verify_issued_by(org1.ca, org1.ca).is_ok());  // self-signed

    // Another CA: its name is not the issuer's.
    check_refused(
        verify_issued_by(alice, org2.ca), Status::Code::kUnauthorized,
        {"certificate CN=alice,OU=client,O=org1,C=SG: not issued by CA CN=org2 CA,O=org2,C=DE",
         "its issuer is CN=org1 CA,O=org1,C=SG"});

    // An impostor CA with the very same name but another key.
    const Org impostor = make_org("org1", "SG");
    REQUIRE(impostor.ca.subject() == org1.ca.subject());
    check_refused(verify_issued_by(alice, impostor.ca), Status::Code::kUnauthorized,
                  {"not issued by CA CN=org1 CA,O=org1,C=SG",
                   "authority and subject key identifier mismatch"});
    // The impostor's member, without an authorityKeyIdentifier to give it away: the signature
    // itself fails against the real CA.
    const SecretKey mallory = SecretKey::generate();
    PkeyPtr mallory_pkey = ed25519_pkey(mallory);
    PkeyPtr impostor_pkey = ed25519_pkey(impostor.key);
    X509Ptr impostor_x = to_x509(impostor.ca);
    const Certificate forged = parse_ok(raw_certificate(
        {mallory_pkey.get(),
         "mallory",
         "org1",
         impostor_pkey.get(),
         impostor_x.get(),
         {{NID_basic_constraints, "critical,CA:FALSE"}, {NID_key_usage, "digitalSignature"}}}));
    CHECK(verify_issued_by(forged, impostor.ca).is_ok());
    check_refused(verify_issued_by(forged, org1.ca), Status::Code::kUnauthorized,
                  {"certificate CN=mallory,O=org1: not issued by CA CN=org1 CA,O=org1,C=SG",
                   "signature does not verify"});
  }

  TEST_CASE("a tampered certificate is refused") {
    const Org org = make_org("org1", "SG");
    const Certificate alice =
        issue(org, SecretKey::generate().public_key(), dn("alice", "org1", "client", "SG"));

    SUBCASE("a flipped bit in the signature") {
      Bytes der = alice.der();
      der.back() ^= 0x01;
      const Certificate tampered = parse_ok(der);
      CHECK(tampered.fingerprint() != alice.fingerprint());
      check_refused(verify_issued_by(tampered, org.ca), Status::Code::kUnauthorized,
                    {"certificate CN=alice,OU=client,O=org1,C=SG: not issued by CA",
                     "signature does not verify"});
      CHECK_FALSE(verify_chain(tampered, {org.ca}, kT2026 + kDayMs).is_ok());
    }
    SUBCASE("a changed subject in the signed part") {
      Bytes der = alice.der();
      const std::string text(der.begin(), der.end());
      const size_t at = text.find("alice");
      REQUIRE(at != std::string::npos);
      der[at + 4] = 'x';  // "alicx"
      const Certificate tampered = parse_ok(der);
      CHECK(tampered.subject().common_name == "alicx");
      check_refused(verify_issued_by(tampered, org.ca), Status::Code::kUnauthorized,
                    {"certificate CN=alicx", "signature does not verify"});
    }
    SUBCASE("a changed public key in the signed part") {
      Bytes der = alice.der();
      const PublicKey& pk = alice.public_key();
      auto it = std::search(der.begin(), der.end(), pk.begin(), pk.end());
      REQUIRE(it != der.end());
      *it ^= 0x80;
      const Certificate tampered = parse_ok(der);
      CHECK(tampered.public_key() != alice.public_key());
      check_refused(verify_issued_by(tampered, org.ca), Status::Code::kUnauthorized,
                    {"signature does not verify"});
    }
  }

  TEST_CASE("check_validity names both times; the window is inclusive") {
    const Org org = make_org("org1", "SG");
    const Certificate alice = issue(org, SecretKey::generate().public_key(),
                                    dn("alice", "org1", "client", "SG"), kT2026, kT2027);
    CHECK(check_validity(alice, kT2026).is_ok());
    CHECK(check_validity(alice, kT2027).is_ok());
    CHECK(check_validity(alice, kT2026 + 100 * kDayMs).is_ok());
    check_refused(check_validity(alice, kT2027 + 1), Status::Code::kUnauthorized,
                  {"certificate CN=alice,OU=client,O=org1,C=SG: expired at 2027-01-01T00:00:00Z; "
                   "checked at 2027-01-01T00:00:00.001Z"});
    check_refused(check_validity(alice, kT2026 - kDayMs), Status::Code::kUnauthorized,
                  {"certificate CN=alice,OU=client,O=org1,C=SG: not yet valid: valid from "
                   "2026-01-01T00:00:00Z; checked at 2025-12-31T00:00:00Z"});

    // verify_chain applies it to the member and to its CA.
    check_refused(verify_chain(alice, {org.ca}, kT2030).status(), Status::Code::kUnauthorized,
                  {"expired at 2027-01-01T00:00:00Z; checked at 2030-01-01T00:00:00Z"});
    check_refused(verify_chain(alice, {org.ca}, kT2026 - 1).status(), Status::Code::kUnauthorized,
                  {"not yet valid: valid from 2026-01-01T00:00:00Z"});
    const Org short_lived = make_org("org2", "DE", kT2026, kT2026 + 10 * kDayMs);
    const Certificate bob = issue(short_lived, SecretKey::generate().public_key(),
                                  dn("bob", "org2", "client", "DE"), kT2026, kT2027);
    CHECK(verify_chain(bob, {short_lived.ca}, kT2026 + kDayMs).is_ok());
    check_refused(verify_chain(bob, {short_lived.ca}, kT2026 + 20 * kDayMs).status(),
                  Status::Code::kUnauthorized,
                  {"certificate CN=bob,OU=client,O=org2,C=DE: its CA is not valid: certificate "
                   "CN=org2 CA,O=org2,C=DE: expired at 2026-01-11T00:00:00Z"});
  }

  TEST_CASE("a certificate that is not a CA cannot be an issuer") {
    const Org org = make_org("org1", "SG");
    const SecretKey alice_key = SecretKey::generate();
    const Certificate alice =
        issue(org, alice_key.public_key(), dn("alice", "org1", "client", "SG"));

    // Our generator refuses to issue from a member certificate...
    check_refused(issue_certificate(alice_key, alice, SecretKey::generate().public_key(),
                                    dn("carol", "org1", "client", "SG"), kT2026, kT2027)
                      .status(),
                  Status::Code::kInvalid,
                  {"cannot issue from certificate CN=alice,OU=client,O=org1,C=SG", "not a CA"});

    // ...so build one by hand: alice signs a certificate naming her as the issuer.
    const SecretKey carol = SecretKey::generate();
    PkeyPtr carol_pkey = ed25519_pkey(carol);
    PkeyPtr alice_pkey = ed25519_pkey(alice_key);
    X509Ptr alice_x = to_x509(alice);
    const Certificate carol_cert =
        parse_ok(raw_certificate({carol_pkey.get(),
                                  "carol",
                                  "org1",
                                  alice_pkey.get(),
                                  alice_x.get(),
                                  {{NID_key_usage, "digitalSignature"}}}));
    REQUIRE(carol_cert.issuer() == alice.subject());
    check_refused(verify_issued_by(carol_cert, alice), Status::Code::kUnauthorized,
                  {"certificate CN=carol,O=org1: not issued by CA CN=alice,OU=client,O=org1,C=SG",
                   "not a CA: basicConstraints CA:TRUE is missing"});
    CHECK_FALSE(verify_chain(carol_cert, {org.ca, alice}, kT2026 + kDayMs).is_ok());

    // A CA whose keyUsage does not allow certificate signing.
    const SecretKey dave = SecretKey::generate();
    PkeyPtr dave_pkey = ed25519_pkey(dave);
    const Certificate no_certsign =
        parse_ok(raw_certificate({dave_pkey.get(),
                                  "dave CA",
                                  "org3",
                                  dave_pkey.get(),
                                  nullptr,
                                  {{NID_basic_constraints, "critical,CA:TRUE"},
                                   {NID_key_usage, "critical,digitalSignature"},
                                   {NID_subject_key_identifier, "hash"}}}));
    CHECK(no_certsign.is_ca());
    check_refused(verify_issued_by(no_certsign, no_certsign), Status::Code::kUnauthorized,
                  {"keyUsage does not allow keyCertSign"});
    check_refused(issue_certificate(dave, no_certsign, carol.public_key(),
                                    dn("erin", "org3", "client", "AE"), kT2026, kT2027)
                      .status(),
                  Status::Code::kInvalid, {"keyUsage does not allow keyCertSign"});
  }

  TEST_CASE("verify_chain finds the issuing CA among the trusted ones") {
    const Org org1 = make_org("org1", "SG");
    const Org org2 = make_org("org2", "DE");
    const Org org3 = make_org("org3", "CN");
    const Certificate bob =
        issue(org2, SecretKey::generate().public_key(), dn("bob", "org2", "issuer", "DE"));
    const uint64_t at = kT2026 + kDayMs;

    auto found = verify_chain(bob, {org1.ca, org2.ca, org3.ca}, at);
    REQUIRE_MESSAGE(found.is_ok(), found.status().to_string());
    CHECK(found->fingerprint() == org2.ca.fingerprint());

    check_refused(verify_chain(bob, {org1.ca, org3.ca}, at).status(), Status::Code::kUnauthorized,
                  {"certificate CN=bob,OU=issuer,O=org2,C=DE: not chained to a trusted CA",
                   "none of the 2 trusted CAs is its issuer CN=org2 CA,O=org2,C=DE"});
    CHECK_FALSE(verify_chain(bob, {}, at).is_ok());

    // A rotated CA: two trusted CAs with one name; the one that signed is found either way.
    const Org org2_new = make_org("org2", "DE");
    found = verify_chain(bob, {org2_new.ca, org2.ca}, at);
    REQUIRE(found.is_ok());
    CHECK(found->fingerprint() == org2.ca.fingerprint());
    // Only the other one: refused, with the reason from that candidate.
    check_refused(verify_chain(bob, {org2_new.ca}, at).status(), Status::Code::kUnauthorized,
                  {"not issued by CA CN=org2 CA,O=org2,C=DE"});

    // A CA certificate is not a member certificate.
    check_refused(verify_chain(org2.ca, {org2.ca}, at).status(), Status::Code::kUnauthorized,
                  {"certificate CN=org2 CA,O=org2,C=DE: is a CA certificate"});
  }

  TEST_CASE("verify_chain refuses a leaf that may not sign") {
    const Org org = make_org("org1", "SG");
    const SecretKey k = SecretKey::generate();
    PkeyPtr k_pkey = ed25519_pkey(k);
    PkeyPtr ca_pkey = ed25519_pkey(org.key);
    X509Ptr ca_x = to_x509(org.ca);
    const Certificate encipher_only =
        parse_ok(raw_certificate({k_pkey.get(),
                                  "frank",
                                  "org1",
                                  ca_pkey.get(),
                                  ca_x.get(),
                                  {{NID_basic_constraints, "critical,CA:FALSE"},
                                   {NID_key_usage, "critical,keyAgreement"},
                                   {NID_authority_key_identifier, "keyid:always"}}}));
    CHECK(verify_issued_by(encipher_only, org.ca).is_ok());
    check_refused(verify_chain(encipher_only, {org.ca}, kT2026 + kDayMs).status(),
                  Status::Code::kUnauthorized,
                  {"certificate CN=frank,O=org1: keyUsage does not allow digitalSignature"});

    // Without an authorityKeyIdentifier our checks pass but OpenSSL's strict path validation
    // (RFC 5280 requires the extension) does not: the second opinion is really consulted.
    const Certificate no_akid = parse_ok(raw_certificate(
        {k_pkey.get(),
         "grace",
         "org1",
         ca_pkey.get(),
         ca_x.get(),
         {{NID_basic_constraints, "critical,CA:FALSE"}, {NID_key_usage, "digitalSignature"}}}));
    CHECK(verify_issued_by(no_akid, org.ca).is_ok());
    check_refused(verify_chain(no_akid, {org.ca}, kT2026 + kDayMs).status(),
                  Status::Code::kUnauthorized,
                  {"certificate CN=grace,O=org1: refused by OpenSSL path validation with CA "
                   "CN=org1 CA,O=org1,C=SG"});
  }

  TEST_CASE("garbage, truncated and trailing input is refused") {
    const Org org = make_org("org1", "SG");
    const Bytes der = org.ca.der();

    check_refused(parse_certificate(ByteSpan()).status(), Status::Code::kInvalid, {"empty input"});
    check_refused(parse_certificate(std::string_view("hello world")).status(),
                  Status::Code::kInvalid, {"neither DER", "nor PEM", "first byte is 0x68"});
    check_refused(parse_certificate(Bytes{0x30, 0x03, 0x02, 0x01, 0x01}).status(),
                  Status::Code::kInvalid, {"not a valid DER X.509 certificate:"});
    check_refused(parse_certificate(Bytes(kMaxCertificateInputBytes + 1, 0x30)).status(),
                  Status::Code::kInvalid, {"at most 65536"});

    // Every proper prefix of a certificate is refused (and none crashes).
    for (size_t n = 1; n < der.size(); ++n) {
      auto r = parse_certificate(ByteSpan(der.data(), n));
      CHECK_FALSE_MESSAGE(r.is_ok(), "prefix of ", n, " bytes accepted");
      if (!r.is_ok()) CHECK(r.status().code() == Status::Code::kInvalid);
    }

    Bytes trailing = der;
    trailing.push_back(0x00);
    check_refused(
        parse_certificate(trailing).status(), Status::Code::kInvalid,
        {"1 bytes of trailing data after the " + std::to_string(der.size()) + "-byte certificate"});

    // The same certificate with a non-minimal outer length: BER, not DER. A fingerprint must
    // name one encoding.
    REQUIRE(der[0] == 0x30);
    REQUIRE(der[1] == 0x82);
    Bytes ber = {0x30, 0x83, 0x00};
    ber.insert(ber.end(), der.begin() + 2, der.end());
    check_refused(parse_certificate(ber).status(), Status::Code::kInvalid, {"not canonical DER"});

    const std::string pem = org.ca.pem();
    check_refused(parse_certificate(std::string_view(pem + "junk")).status(),
                  Status::Code::kInvalid, {"unexpected \"junk\""});
    check_refused(parse_certificate(std::string_view("junk\n" + pem)).status(),
                  Status::Code::kInvalid, {"neither DER"});
    check_refused(parse_certificate(std::string_view(pem + pem)).status(), Status::Code::kInvalid,
                  {"expected one PEM block, found 2"});
    // A truncated PEM block (no END line) and a damaged one.
    check_refused(parse_certificate(std::string_view(pem.substr(0, pem.size() / 2))).status(),
                  Status::Code::kInvalid, {"is not valid PEM"});
    std::string damaged = pem;
    damaged[40] = '*';
    CHECK_FALSE(parse_certificate(std::string_view(damaged)).is_ok());
    // A base64 body that decodes to something shorter than the certificate.
    std::string short_body = pem;
    short_body.erase(28, 64 + 1);  // drop the first base64 line
    CHECK_FALSE(parse_certificate(std::string_view(short_body)).is_ok());
    // Another kind of PEM block.
    std::string key_block = pem;
    key_block.replace(key_block.find("CERTIFICATE"), 11, "PRIVATE KEY");
    key_block.replace(key_block.rfind("CERTIFICATE"), 11, "PRIVATE KEY");
    check_refused(parse_certificate(std::string_view(key_block)).status(), Status::Code::kInvalid,
                  {"is \"PRIVATE KEY\", expected CERTIFICATE"});
  }

  TEST_CASE("parse_pem_bundle reads every block in order") {
    const Org org1 = make_org("org1", "SG");
    const Org org2 = make_org("org2", "DE");
    auto bundle = parse_pem_bundle(org1.ca.pem() + "\n" + org2.ca.pem());
    REQUIRE_MESSAGE(bundle.is_ok(), bundle.status().to_string());
    REQUIRE(bundle->size() == 2);
    CHECK((*bundle)[0] == org1.ca);
    CHECK((*bundle)[1] == org2.ca);

    check_refused(parse_pem_bundle("  \n").status(), Status::Code::kInvalid,
                  {"no CERTIFICATE block"});
    check_refused(parse_pem_bundle(org1.ca.pem() + "# comment\n" + org2.ca.pem()).status(),
                  Status::Code::kInvalid, {"unexpected \"# comment\\x0a", "at byte "});
    Bytes bad = org2.ca.der();
    bad.push_back(0);
    std::string pem2 = org2.ca.pem();
    // A block whose DER carries a trailing byte: the bundle names the certificate.
    {
      std::string b64(4 * ((bad.size() + 2) / 3) + 1, '\0');
      const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), bad.data(),
                                    static_cast<int>(bad.size()));
      b64.resize(static_cast<size_t>(n));
      std::string body;
      for (size_t i = 0; i < b64.size(); i += 64) body += b64.substr(i, 64) + "\n";
      pem2 = "-----BEGIN CERTIFICATE-----\n" + body + "-----END CERTIFICATE-----\n";
    }
    check_refused(parse_pem_bundle(org1.ca.pem() + pem2).status(), Status::Code::kInvalid,
                  {"certificate 2 of the bundle: certificate: 1 bytes of trailing data"});
  }

  TEST_CASE("a certificate with a key other than Ed25519 is refused") {
    PkeyPtr ec = p256_pkey();
    const Bytes der = raw_certificate({ec.get(),
                                       "ecdsa",
                                       "org9",
                                       ec.get(),
                                       nullptr,
                                       {{NID_basic_constraints, "critical,CA:TRUE"}}});
    check_refused(parse_certificate(der).status(), Status::Code::kInvalid,
                  {"certificate CN=ecdsa,O=org9: unsupported key type EC prime256v1; Ed25519 only "
                   "for now"});
    // Only the subject's key decides: an Ed25519 key signed by an ECDSA issuer parses (that
    // issuer itself would not, so it can never be a trusted CA).
    const SecretKey k = SecretKey::generate();
    PkeyPtr kp = ed25519_pkey(k);
    const Certificate member =
        parse_ok(raw_certificate({kp.get(), "m", "org9", ec.get(), nullptr, {}}));
    CHECK(member.public_key() == k.public_key());
  }

  TEST_CASE("repeated name attributes are refused rather than guessed at") {
    const SecretKey k = SecretKey::generate();
    PkeyPtr kp = ed25519_pkey(k);
    X509Ptr x(X509_new());
    REQUIRE(X509_set_version(x.get(), X509_VERSION_3) == 1);
    X509_NAME* name = X509_get_subject_name(x.get());
    for (const char* role : {"client", "admin"}) {
      REQUIRE(X509_NAME_add_entry_by_txt(name, "OU", MBSTRING_UTF8,
                                         reinterpret_cast<const unsigned char*>(role), -1, -1,
                                         0) == 1);
    }
    REQUIRE(X509_set_issuer_name(x.get(), name) == 1);
    REQUIRE(ASN1_TIME_set(X509_getm_notBefore(x.get()), kT2026 / 1000) != nullptr);
    REQUIRE(ASN1_TIME_set(X509_getm_notAfter(x.get()), kT2027 / 1000) != nullptr);
    REQUIRE(X509_set_pubkey(x.get(), kp.get()) == 1);
    REQUIRE(X509_sign(x.get(), kp.get(), nullptr) > 0);
    unsigned char* der = nullptr;
    const int len = i2d_X509(x.get(), &der);
    REQUIRE(len > 0);
    const Bytes bytes(der, der + len);
    OPENSSL_free(der);
    check_refused(parse_certificate(bytes).status(), Status::Code::kInvalid,
                  {"subject has more than one OU attribute"});
  }

  TEST_CASE("the generators refuse bad input") {
    const Org org = make_org("org1", "SG");
    const SecretKey k = SecretKey::generate();
    auto ca = [&](const DistinguishedName& d, uint64_t nb = kT2026, uint64_t na = kT2027) {
      return make_ca_certificate(k, d, nb, na).status();
    };
    check_refused(ca(dn("x", "org1", "", "Singapore")), Status::Code::kInvalid,
                  {"subject C \"Singapore\" is not an ISO 3166-1 alpha-2 code"});
    check_refused(ca(dn("x", "org1", "", "sg")), Status::Code::kInvalid, {"alpha-2"});
    check_refused(ca(DistinguishedName{}), Status::Code::kInvalid, {"subject name is empty"});
    check_refused(ca(dn("a\nb", "org1", "", "")), Status::Code::kInvalid,
                  {"subject CN contains a control character"});
    check_refused(ca(dn(std::string(65, 'a'), "org1", "", "")), Status::Code::kInvalid,
                  {"subject CN \"aaaaaaaaaaaaaaaa...\" is not allowed: string too long"});
    CHECK(ca(dn(std::string(64, 'a'), "org1", "", "")).is_ok());
    check_refused(ca(dn("x", "o", "", ""), kT2027, kT2026), Status::Code::kInvalid,
                  {"validity window is empty: not_after 2026-01-01T00:00:00Z is not after "
                   "not_before 2027-01-01T00:00:00Z"});
    check_refused(ca(dn("x", "o", "", ""), kT2026, kT2026 + 999), Status::Code::kInvalid,
                  {"validity window is empty"});
    check_refused(ca(dn("x", "o", "", ""), kT2026, 253402300800000ull), Status::Code::kInvalid,
                  {"past 9999-12-31T23:59:59Z"});
    // Far-future times use GeneralizedTime and read back exactly.
    auto far = make_ca_certificate(k, dn("x", "o", "", ""), kT2026, 253402300799000ull);
    REQUIRE(far.is_ok());
    CHECK(far->not_after_ms() == 253402300799000ull);
    CHECK(parse_ok(far->der()).not_after_ms() == 253402300799000ull);

    check_refused(issue_certificate(k, org.ca, k.public_key(), dn("a", "org1", "client", "SG"),
                                    kT2026, kT2027)
                      .status(),
                  Status::Code::kInvalid,
                  {"cannot issue from certificate CN=org1 CA,O=org1,C=SG: the CA key given is not "
                   "the key of this CA certificate"});
    check_refused(issue_certificate(org.key, org.ca, k.public_key(), dn("a", "org1", "x", "S1"),
                                    kT2026, kT2027)
                      .status(),
                  Status::Code::kInvalid, {"subject C \"S1\""});
  }

  TEST_CASE("interop with the openssl command line") {
    if (!have_openssl_cli()) {
      MESSAGE("openssl binary not found: skipping the command-line interop checks");
      return;
    }
    const TempDir dir;
    const uint64_t now = now_ms();
    const Org org1 = make_org("org1", "SG", now - kDayMs, now + 365 * kDayMs);
    const Org org2 = make_org("org2", "DE", now - kDayMs, now + 365 * kDayMs);
    const Certificate alice =
        issue(org1, SecretKey::generate().public_key(), dn("alice", "org1", "client", "SG"),
              now - kDayMs, now + 30 * kDayMs);
    write_text(dir.file("ca.pem"), org1.ca.pem());
    write_text(dir.file("other-ca.pem"), org2.ca.pem());
    write_text(dir.file("alice.pem"), alice.pem());
    {
      std::ofstream der_out(dir.file("alice.der"), std::ios::binary);
      der_out.write(reinterpret_cast<const char*>(alice.der().data()),
                    static_cast<std::streamsize>(alice.der().size()));
    }

    int rc = 0;  // not a structured binding: clang 14 cannot capture one in CHECK_MESSAGE
    std::string out;
    std::tie(rc, out) = run("openssl x509 -in " + dir.file("alice.pem") + " -noout -subject -issuer");
    CHECK_MESSAGE(rc == 0, out);
    CHECK_MESSAGE(contains(out, "subject=C = SG, O = org1, OU = client, CN = alice"), out);
    CHECK_MESSAGE(contains(out, "issuer=C = SG, O = org1, CN = org1 CA"), out);

    std::tie(rc, out) = run("openssl x509 -inform DER -in " + dir.file("alice.der") +
                            " -noout -fingerprint -sha256");
    CHECK_MESSAGE(rc == 0, out);
    std::string fp;
    for (char c : out.substr(out.find('=') + 1)) {
      if (std::isxdigit(static_cast<unsigned char>(c))) fp += static_cast<char>(std::tolower(c));
    }
    CHECK(fp == to_hex(alice.fingerprint()));

    std::tie(rc, out) = run("openssl verify -x509_strict -CAfile " + dir.file("ca.pem") + " " +
                            dir.file("alice.pem"));
    CHECK_MESSAGE(rc == 0, out);
    CHECK_MESSAGE(contains(out, "alice.pem: OK"), out);
    std::tie(rc, out) =
        run("openssl verify -CAfile " + dir.file("other-ca.pem") + " " + dir.file("alice.pem"));
    CHECK_MESSAGE(rc != 0, out);

    // The other way: a CA and member made by the openssl CLI (Ed25519) are read and verified.
    const std::string ext = dir.file("member.ext");
    write_text(ext,
               "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
               "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n");
    std::tie(rc, out) =
        run("cd " + dir.file("") +
            " && openssl req -x509 -newkey ed25519 -nodes -keyout cli-ca.key"
            " -out cli-ca.pem -days 30 -subj '/C=AE/O=org5/CN=org5 CA'"
            " -addext 'basicConstraints=critical,CA:TRUE'"
            " -addext 'keyUsage=critical,keyCertSign,cRLSign'"
            " && openssl req -new -newkey ed25519 -nodes -keyout cli-m.key -out cli-m.csr"
            " -subj '/C=AE/O=org5/OU=regulator/CN=rita'"
            " && openssl x509 -req -in cli-m.csr -CA cli-ca.pem -CAkey cli-ca.key -set_serial 7"
            " -days 10 -extfile member.ext -out cli-m.pem");
    REQUIRE_MESSAGE(rc == 0, out);
    auto cli_ca = parse_certificate(std::string_view(read_text(dir.file("cli-ca.pem"))));
    REQUIRE_MESSAGE(cli_ca.is_ok(), cli_ca.status().to_string());
    auto cli_member = parse_certificate(std::string_view(read_text(dir.file("cli-m.pem"))));
    REQUIRE_MESSAGE(cli_member.is_ok(), cli_member.status().to_string());
    CHECK(cli_ca->is_ca());
    CHECK(cli_member->subject() == dn("rita", "org5", "regulator", "AE"));
    CHECK(cli_member->serial() == "07");
    // The CLI stamped its certificates with its own clock after `now` was read
    // (rounded to whole seconds): check a little later than that.
    auto found = verify_chain(*cli_member, {org1.ca, *cli_ca}, now_ms() + 2000);
    REQUIRE_MESSAGE(found.is_ok(), found.status().to_string());
    CHECK(*found == *cli_ca);

    // An ECDSA P-256 certificate from the CLI: unsupported key type.
    std::tie(rc, out) = run("cd " + dir.file("") +
                            " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256"
                            " -nodes -keyout ec.key -out ec.pem -days 1 -subj '/O=org6/CN=ec'");
    REQUIRE_MESSAGE(rc == 0, out);
    check_refused(parse_certificate(std::string_view(read_text(dir.file("ec.pem")))).status(),
                  Status::Code::kInvalid,
                  {"unsupported key type EC prime256v1; Ed25519 only for now"});
  }
}
