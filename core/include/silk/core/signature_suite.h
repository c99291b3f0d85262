// Signature suites (DESIGN.md §2, docs/formats.md "Signature suites"): one interface for a public
// key that verifies (VerifyingKey) and a secret key that signs (SigningKey), with one
// implementation per suite:
//
//   ed25519            pure Ed25519 (RFC 8032), libsodium, as crypto.h
//   ecdsa-p256-sha256  ECDSA on P-256 over SHA-256(message), DER signature, low S
//   sm2-sm3            SM2 (GB/T 32918) with SM3, distinguishing ID "1234567812345678"
//                      (GB/T 35276), DER signature, low S
//   rsa-pss-sha256     RSASSA-PSS, SHA-256, MGF1-SHA-256, 32-byte salt; RSA >= 2048 bits
//   rsa-pkcs1-sha256   RSASSA-PKCS1-v1_5 with SHA-256; RSA >= 2048 bits
//
// The last four go through OpenSSL 3's EVP. The suite of a key is decided by its encoding and by
// nothing else: the algorithm of its SubjectPublicKeyInfo (public) or PKCS#8 PrivateKeyInfo
// (secret) — id-Ed25519; id-ecPublicKey with the curve prime256v1 or SM2; rsaEncryption
// (-> rsa-pkcs1-sha256) or id-RSASSA-PSS (-> rsa-pss-sha256). Any other algorithm, curve or an
// RSA key under 2048 (or over 8192) bits is refused, naming it.
//
// Signatures are canonical: a DER signature must be re-encoded to the very same bytes, have
// 0 < r < n and 0 < s <= n/2 (low S; a high-S twin of a valid ECDSA signature is refused as
// "high S"); an RSA signature is exactly the modulus size; an Ed25519 signature 64 bytes with
// libsodium's checks. Signing always produces the canonical form.
//
// Errors (returned, never thrown): kInvalid with a message naming the suite and the reason, for
// example "ecdsa-p256-sha256 signature: high S (s > n/2), not canonical" or
// "unsupported curve secp384r1 (ecdsa-p256-sha256 needs prime256v1)"; kInternal when OpenSSL fails
// where it should not.
//
// Thread-safety: VerifyingKey and SigningKey are immutable after construction; every method may
// be called concurrently. Both are cheap to copy (shared, reference-counted state); secret bytes
// are wiped when the last copy of a SigningKey dies.
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

enum class SignatureSuite : uint8_t {
  kEd25519 = 1,
  kEcdsaP256Sha256 = 2,
  kSm2Sm3 = 3,
  kRsaPssSha256 = 4,
  kRsaPkcs1Sha256 = 5,
};

// "ed25519", "ecdsa-p256-sha256", "sm2-sm3", "rsa-pss-sha256", "rsa-pkcs1-sha256".
const char* suite_name(SignatureSuite suite);
// The inverse of suite_name; kInvalid naming the known suites otherwise.
Result<SignatureSuite> parse_suite_name(std::string_view name);
// Every suite, in enum order.
const std::vector<SignatureSuite>& all_suites();

// The SM2 distinguishing ID used when a certificate profile names none (GB/T 35276).
inline constexpr std::string_view kSm2DefaultId = "1234567812345678";
inline constexpr unsigned kMinRsaBits = 2048;
inline constexpr unsigned kMaxRsaBits = 8192;
// The largest signature of any suite (an RSA-8192 signature).
inline constexpr size_t kMaxSignatureBytes = kMaxRsaBits / 8;
// The largest SubjectPublicKeyInfo / PKCS#8 input read.
inline constexpr size_t kMaxKeyEncodingBytes = 16384;

// A byte buffer holding secret material, wiped when it dies. Movable, not copyable.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(Bytes bytes) : bytes_(std::move(bytes)) {}
  ~SecretBytes() { clear(); }
  SecretBytes(SecretBytes&& other) noexcept : bytes_(std::move(other.bytes_)) {}
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  ByteSpan span() const { return bytes_; }
  const uint8_t* data() const { return bytes_.data(); }
  size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }
  std::string_view view() const { return as_string_view(bytes_); }
  void clear();

 private:
  Bytes bytes_;
};

namespace detail {
class VerifyingKeyImpl;
class SigningKeyImpl;
struct KeyAccess;  // signature_suite.cpp's factory
}  // namespace detail

// A public key of some suite: verifies that suite's signatures.
class VerifyingKey {
 public:
  // A DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7), exactly: no trailing bytes, no BER variant.
  static Result<VerifyingKey> from_spki_der(ByteSpan der);
  // PEM "PUBLIC KEY" (a SubjectPublicKeyInfo), or that DER.
  static Result<VerifyingKey> from_spki(ByteSpan der_or_pem);
  // A raw Ed25519 public key (what with-key members and validators use today).
  static VerifyingKey from_ed25519(const PublicKey& pk);

  SignatureSuite suite() const;
  // The canonical DER SubjectPublicKeyInfo.
  const Bytes& spki_der() const;
  // PEM "PUBLIC KEY".
  std::string spki_pem() const;
  // "ecdsa-p256-sha256 key", "rsa-pss-sha256 key (3072 bits)".
  std::string describe() const;
  // For ed25519: the raw 32-byte key. kInvalid for any other suite.
  Result<PublicKey> ed25519_key() const;

  // OK when `signature` is a canonical signature of `message` by this key in this key's suite.
  // kInvalid otherwise, naming the suite and why: "sm2-sm3 signature: not DER (...)",
  // "rsa-pss-sha256 signature: 64 bytes, expected 256 (2048-bit key)",
  // "ecdsa-p256-sha256 signature does not verify".
  Status verify(ByteSpan message, ByteSpan signature) const;

  friend bool operator==(const VerifyingKey& a, const VerifyingKey& b) {
    return a.spki_der() == b.spki_der();
  }

 private:
  explicit VerifyingKey(std::shared_ptr<const detail::VerifyingKeyImpl> impl)
      : impl_(std::move(impl)) {}
  friend struct detail::KeyAccess;
  std::shared_ptr<const detail::VerifyingKeyImpl> impl_;  // never null
};

// A secret key of some suite: signs in that suite.
class SigningKey {
 public:
  // A fresh random key. rsa_bits only for the RSA suites (kMinRsaBits..kMaxRsaBits).
  static Result<SigningKey> generate(SignatureSuite suite, unsigned rsa_bits = 3072);
  // A PKCS#8 private key (RFC 5208 / RFC 5958), DER or PEM ("PRIVATE KEY"), or an encrypted one
  // (PKCS#5 v2, DER or PEM "ENCRYPTED PRIVATE KEY") with its passphrase. Other PEM labels
  // ("EC PRIVATE KEY", "RSA PRIVATE KEY") are refused, saying how to convert them. kInvalid for
  // a wrong passphrase, an unsupported algorithm, curve or size.
  static Result<SigningKey> from_pkcs8(ByteSpan der_or_pem, std::string_view passphrase = {});
  // An Ed25519 key from libsodium's form.
  static SigningKey from_ed25519(const SecretKey& sk);

  SignatureSuite suite() const;
  const VerifyingKey& verifying_key() const;

  // A canonical signature of `message` in this key's suite (see above). ECDSA/SM2/RSA-PSS
  // signatures are randomised; Ed25519 and RSA-PKCS1 are deterministic.
  Result<Bytes> sign(ByteSpan message) const;

  // Unencrypted PKCS#8 PrivateKeyInfo DER.
  Result<SecretBytes> pkcs8_der() const;
  // PKCS#8 PEM: "PRIVATE KEY" when passphrase is empty, else "ENCRYPTED PRIVATE KEY" (PBES2,
  // PBKDF2-HMAC-SHA256, AES-256-CBC), as `openssl pkcs8 -topk8 -v2 aes-256-cbc` writes.
  Result<SecretBytes> pkcs8_pem(std::string_view passphrase = {}) const;
  // For ed25519: libsodium's form. kInvalid for any other suite.
  Result<SecretKey> ed25519_key() const;

 private:
  explicit SigningKey(std::shared_ptr<const detail::SigningKeyImpl> impl)
      : impl_(std::move(impl)) {}
  friend struct detail::KeyAccess;
  std::shared_ptr<const detail::SigningKeyImpl> impl_;  // never null
};

}  // namespace silk::core
