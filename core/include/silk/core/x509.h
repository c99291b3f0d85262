// X.509 certificates for consortium identity (DESIGN.md §3, docs/identity.md), through OpenSSL 3.
//
// Each organisation has a self-signed CA certificate (in genesis); it issues member certificates
// that carry O=<organisation>, OU=<role>, C=<jurisdiction>. A chain is one level deep:
// org CA -> member. Certificates are parsed and validated here once; callers cache the result by
// fingerprint and verify tx signatures on the hot path with libsodium (crypto.h).
//
// Keys are Ed25519 only for now. KeyType is where ECDSA P-256 and SM2 will join; x509.cpp
// keeps key extraction and signing in one switch each so that adding one is local.
//
// Errors (all returned, never thrown):
//   kInvalid       malformed input: not a certificate, trailing data, an unsupported key type,
//                  a bad name or validity window passed to the generators;
//   kUnauthorized  a well-formed certificate that is refused: not issued by the CA, not chained
//                  to a trusted CA, expired or not yet valid;
//   kInternal      OpenSSL failed where it should not (allocation, signing).
// Messages name the certificate ("certificate CN=alice,OU=client,O=org1,C=SG: ...") and, where
// OpenSSL gave one, its reason.
//
// Thread-safety: every function here is safe to call concurrently; Certificate is immutable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "silk/core/bytes.h"
#include "silk/core/crypto.h"
#include "silk/core/status.h"

namespace silk::core {

// The public-key algorithm of a certificate. Ed25519 only for now; kEcdsaP256 and kSm2 to follow.
enum class KeyType : uint8_t {
  kEd25519 = 1,
};
// "Ed25519".
const char* key_type_name(KeyType type);

// The largest DER certificate accepted: the bound on a tx's sender_cert (docs/formats.md §2).
inline constexpr size_t kMaxCertificateDerBytes = 16384;
// The largest input parse_certificate (DER or PEM) and parse_pem_bundle accept.
inline constexpr size_t kMaxCertificateInputBytes = 65536;
inline constexpr size_t kMaxPemBundleBytes = 16 * 1024 * 1024;

// The subject or issuer attributes SilkLedger reads. An empty string means "absent". Other
// attributes a certificate may carry (L, ST, emailAddress...) are kept in its DER but not here.
struct DistinguishedName {
  std::string common_name;   // CN
  std::string organization;  // O: the consortium organisation
  std::string org_unit;      // OU: the role (admin, client, node, issuer, regulator, ...)
  std::string country;       // C: ISO 3166-1 alpha-2 jurisdiction, "SG"

  friend bool operator==(const DistinguishedName&, const DistinguishedName&) = default;
};

// RFC 4514 order and escaping, absent attributes left out: "CN=alice,OU=client,O=org1,C=SG".
// Control characters are escaped as \XX, so the result is safe to log. "(empty name)" if all
// absent.
std::string format_dn(const DistinguishedName& dn);

// ISO 8601 UTC: "2026-01-01T00:00:00Z", or "2026-01-01T00:00:00.250Z" when ms is not a whole
// second. Times past year 9999 print as "unix_ms=<n>".
std::string format_time_ms(uint64_t unix_ms);

namespace detail {
struct CertificateRep;
struct CertificateAccess;  // x509.cpp's factory
}  // namespace detail

// A parsed certificate: an immutable value, cheap to copy (shared, reference-counted state).
// Only parse_certificate and the generators below make one, so every Certificate is well formed
// and has a supported key. Two certificates are the same iff their fingerprints are equal.
class Certificate {
 public:
  // Copy only: a move copies too (one reference-count increment), so no Certificate is ever
  // empty, not even a moved-from one.
  Certificate(const Certificate&) = default;
  Certificate& operator=(const Certificate&) = default;

  // The exact DER bytes (as given to parse_certificate, or as generated).
  const Bytes& der() const;
  // PEM ("-----BEGIN CERTIFICATE-----", base64 in 64-column lines, trailing newline).
  std::string pem() const;
  // SHA-256 of der(): a tx's sender when its sender_kind is certificate (docs/formats.md §2).
  const Hash& fingerprint() const;

  const DistinguishedName& subject() const;
  const DistinguishedName& issuer() const;
  // Lower-case hex of the serial number, without leading zero bytes ("0" for zero, a leading
  // '-' for a negative serial, which RFC 5280 forbids but the wild has).
  const std::string& serial() const;
  // The validity window in Unix milliseconds (X.509 times have one-second resolution), both ends
  // inclusive (RFC 5280 §4.1.2.5).
  uint64_t not_before_ms() const;
  uint64_t not_after_ms() const;
  // basicConstraints is present with CA:TRUE.
  bool is_ca() const;
  // kEd25519 for now; public_key() is then the raw 32-byte Ed25519 key.
  KeyType key_type() const;
  const PublicKey& public_key() const;

  friend bool operator==(const Certificate& a, const Certificate& b) {
    return a.fingerprint() == b.fingerprint();
  }

 private:
  friend struct detail::CertificateAccess;
  explicit Certificate(std::shared_ptr<const detail::CertificateRep> rep) : rep_(std::move(rep)) {}
  std::shared_ptr<const detail::CertificateRep> rep_;  // never null
};

// Parses one certificate, DER or PEM (one "CERTIFICATE" block, surrounded by whitespace only).
// kInvalid, naming the failure, for: empty or oversized input, bytes that are neither, a DER
// error (with OpenSSL's reason), trailing bytes after the certificate, a non-canonical DER
// encoding, malformed or repeated extensions, a repeated CN/O/OU/C attribute or one holding a
// NUL byte, a validity time before 1970, and a key other than Ed25519 ("certificate CN=x:
// unsupported key type EC prime256v1; Ed25519 only for now").
Result<Certificate> parse_certificate(ByteSpan der_or_pem);
inline Result<Certificate> parse_certificate(std::string_view der_or_pem) {
  return parse_certificate(as_span(der_or_pem));
}

// Every "CERTIFICATE" PEM block of a bundle, in order; only whitespace may come before, between
// and after the blocks. kInvalid when there is no block, on any other text, or when a block does
// not parse ("certificate 2 of the bundle: ...").
Result<std::vector<Certificate>> parse_pem_bundle(std::string_view pem);

// Whether `ca` issued `cert`, in this order (kUnauthorized names the first failure):
// cert's issuer name equals ca's subject name (compared as OpenSSL's X509_NAME_cmp does), ca has
// basicConstraints CA:TRUE, ca's keyUsage (when present) allows keyCertSign, cert's
// authorityKeyIdentifier (when present) matches ca's subjectKeyIdentifier, and cert's signature
// verifies with ca's public key. Does not look at validity times: see check_validity.
// "certificate CN=alice,O=org2: not issued by CA CN=Org1 CA,O=org1 (signature does not verify)".
Status verify_issued_by(const Certificate& cert, const Certificate& ca);

// kUnauthorized unless not_before_ms <= at_ms <= not_after_ms, with both times in the message:
// "certificate CN=alice: expired at 2026-01-01T00:00:00Z; checked at 2026-02-01T00:00:00Z".
Status check_validity(const Certificate& cert, uint64_t at_ms);

// Validates a member certificate against the consortium's trusted CA certificates at `at_ms`:
// - the leaf is not itself a CA, and its keyUsage (when present) allows digitalSignature;
// - one of trusted_cas issued it directly (verify_issued_by) and is valid at at_ms; several CAs
//   may share a name (a rotated CA): each is tried;
// - OpenSSL's own path validation (X509_verify_cert, X509_V_FLAG_X509_STRICT, with that CA as
//   the only trust anchor) agrees;
// - the leaf is valid at at_ms.
// Returns the issuing CA (a copy of the element of trusted_cas; compare fingerprints to find it).
// kUnauthorized when no trusted CA has the leaf's issuer name ("not chained to a trusted CA"),
// else the refusal of the first candidate CA, or the leaf's own validity failure.
Result<Certificate> verify_chain(const Certificate& leaf,
                                 const std::vector<Certificate>& trusted_cas, uint64_t at_ms);

// ---- Generation (`silk ca init`, `silk cert issue`, tests) ----
//
// Names: at least one attribute; C empty or two letters A-Z; no control characters; OpenSSL's
// length bounds (CN, O, OU at most 64 characters). Times are rounded down to the second; the
// window must be non-empty (not_after > not_before) and end by 9999-12-31T23:59:59Z. Serials
// are 128 random bits (libsodium randombytes). Signatures are Ed25519. kInvalid for bad input,
// kInternal if OpenSSL fails.

// A self-signed CA certificate: basicConstraints critical CA:TRUE, keyUsage critical
// keyCertSign+cRLSign, subjectKeyIdentifier.
Result<Certificate> make_ca_certificate(const SecretKey& ca_key, const DistinguishedName& subject,
                                        uint64_t not_before_ms, uint64_t not_after_ms);

// A member certificate for subject_key, issued and signed by `ca` (whose key is ca_key):
// basicConstraints critical CA:FALSE, keyUsage critical digitalSignature, subjectKeyIdentifier,
// authorityKeyIdentifier (the CA's key id). kInvalid when `ca` is not a CA, cannot sign
// certificates, or does not hold ca_key's public key.
Result<Certificate> issue_certificate(const SecretKey& ca_key, const Certificate& ca,
                                      const PublicKey& subject_key,
                                      const DistinguishedName& subject, uint64_t not_before_ms,
                                      uint64_t not_after_ms);

}  // namespace silk::core
