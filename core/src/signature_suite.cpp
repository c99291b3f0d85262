#include "silk/core/signature_suite.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sodium.h>

#include <cctype>
#include <climits>
#include <cstring>
#include <optional>

namespace silk::core {

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    clear();
    bytes_ = std::move(other.bytes_);
  }
  return *this;
}

void SecretBytes::clear() {
  if (!bytes_.empty()) sodium_memzero(bytes_.data(), bytes_.size());
  bytes_.clear();
}

namespace {

// ---- RAII for OpenSSL objects ----

template <auto Fn>
struct OpensslDeleter {
  template <typename T>
  void operator()(T* p) const {
    Fn(p);
  }
};
void free_pkcs8_info(PKCS8_PRIV_KEY_INFO* p) { PKCS8_PRIV_KEY_INFO_free(p); }

using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OpensslDeleter<EVP_PKEY_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OpensslDeleter<EVP_PKEY_CTX_free>>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, OpensslDeleter<EVP_MD_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, OpensslDeleter<BIO_free_all>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpensslDeleter<BN_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, OpensslDeleter<ECDSA_SIG_free>>;
using Pkcs8InfoPtr = std::unique_ptr<PKCS8_PRIV_KEY_INFO, OpensslDeleter<free_pkcs8_info>>;
using X509SigPtr = std::unique_ptr<X509_SIG, OpensslDeleter<X509_SIG_free>>;

// Clears this thread's OpenSSL error queue on entry and exit, so that no stale error is blamed on
// us and none of ours is left for the next OpenSSL user.
class ClearOpensslErrors {
 public:
  ClearOpensslErrors() { ERR_clear_error(); }
  ~ClearOpensslErrors() { ERR_clear_error(); }
  ClearOpensslErrors(const ClearOpensslErrors&) = delete;
  ClearOpensslErrors& operator=(const ClearOpensslErrors&) = delete;
};

// ": <OpenSSL's first reason>", or nothing when OpenSSL recorded none.
std::string openssl_reason() {
  const unsigned long e = ERR_peek_error();
  ERR_clear_error();
  if (e == 0) return {};
  const char* reason = ERR_reason_error_string(e);
  return std::string(": ") +
         (reason != nullptr ? reason : "error " + std::to_string(ERR_GET_REASON(e)));
}

// i2d into Bytes; empty on failure.
template <typename T, typename Fn>
Bytes der_of(const T* obj, Fn i2d) {
  unsigned char* out = nullptr;
  const int n = i2d(obj, &out);
  if (n <= 0 || out == nullptr) return {};
  Bytes b(out, out + n);
  OPENSSL_clear_free(out, static_cast<size_t>(n));
  return b;
}

Bytes spki_of(const EVP_PKEY* pkey) { return der_of(pkey, i2d_PUBKEY); }

// "-----BEGIN X-----" ... : the label of the first PEM block, when the input (after leading
// whitespace) starts with one.
std::optional<std::string> pem_label(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  constexpr std::string_view kBegin = "-----BEGIN ";
  if (text.substr(i, kBegin.size()) != kBegin) return std::nullopt;
  const size_t start = i + kBegin.size();
  const size_t end = text.find("-----", start);
  if (end == std::string_view::npos || end - start > 64) return std::string();
  return std::string(text.substr(start, end - start));
}

// Reads exactly one PEM block with `label` from `text`, only whitespace around it; its DER.
Result<SecretBytes> read_one_pem(std::string_view text, const std::string& label,
                                 const std::string& what) {
  if (text.size() > INT_MAX) return Status::invalid(what + ": too large");
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!bio) return Status::internal(what + ": out of memory");
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long len = 0;
  if (PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) {
    return Status::invalid(what + ": bad PEM" + openssl_reason());
  }
  const std::string got_name = name != nullptr ? name : "";
  const bool has_header = header != nullptr && *header != '\0';
  SecretBytes der(Bytes(data, data + len));
  OPENSSL_free(name);
  OPENSSL_free(header);
  OPENSSL_clear_free(data, static_cast<size_t>(len));
  if (got_name != label) {
    return Status::invalid(what + ": PEM block \"" + got_name + "\", expected \"" + label + "\"");
  }
  if (has_header) return Status::invalid(what + ": PEM headers are not supported");
  char c;
  while (BIO_read(bio.get(), &c, 1) == 1) {
    if (!std::isspace(static_cast<unsigned char>(c))) {
      return Status::invalid(what + ": trailing data after the PEM block");
    }
  }
  return der;
}

// ---- Curve orders (public constants of SEC 2 / GB/T 32918.5) ----

struct CurveOrder {
  BIGNUM* n = nullptr;
  BIGNUM* half = nullptr;  // floor(n / 2): s <= half is "low S"
};

CurveOrder make_order(const char* hex) {
  CurveOrder o;
  BN_hex2bn(&o.n, hex);
  o.half = BN_new();
  BN_rshift1(o.half, o.n);
  return o;
}

const CurveOrder& p256_order() {
  static const CurveOrder o =
      make_order("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");
  return o;
}

const CurveOrder& sm2_order() {
  static const CurveOrder o =
      make_order("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123");
  return o;
}

// A DER ECDSA-Sig-Value of a 256-bit curve is at most 2 + 2 * (2 + 33) bytes.
constexpr size_t kMaxEcDerSignatureBytes = 72;

enum class LowS { kLow, kHigh };

// Checks that `sig` is a canonical DER (r, s) with 0 < r < n and 0 < s < n; reports whether s
// is low (s <= n/2).
Result<LowS> check_ec_der(const char* suite, ByteSpan sig, const CurveOrder& order) {
  const std::string what = std::string(suite) + " signature: ";
  if (sig.empty() || sig.size() > kMaxEcDerSignatureBytes) {
    return Status::invalid(what + std::to_string(sig.size()) +
                           " bytes, not a DER (r, s) of at most " +
                           std::to_string(kMaxEcDerSignatureBytes) + " bytes");
  }
  const unsigned char* p = sig.data();
  EcdsaSigPtr es(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size())));
  if (!es) return Status::invalid(what + "not DER (a SEQUENCE of two INTEGERs)" + openssl_reason());
  if (p != sig.data() + sig.size()) {
    return Status::invalid(what + std::to_string(sig.data() + sig.size() - p) +
                           " trailing bytes after the DER");
  }
  if (der_of(es.get(), i2d_ECDSA_SIG) != Bytes(sig.begin(), sig.end())) {
    return Status::invalid(what + "not canonical DER");
  }
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(es.get(), &r, &s);
  if (BN_is_negative(r) || BN_is_zero(r) || BN_cmp(r, order.n) >= 0) {
    return Status::invalid(what + "r out of range");
  }
  if (BN_is_negative(s) || BN_is_zero(s) || BN_cmp(s, order.n) >= 0) {
    return Status::invalid(what + "s out of range");
  }
  return BN_cmp(s, order.half) > 0 ? LowS::kHigh : LowS::kLow;
}

Status check_ec_der_low_s(const char* suite, ByteSpan sig, const CurveOrder& order) {
  SILK_ASSIGN_OR_RETURN(LowS low, check_ec_der(suite, sig, order));
  if (low == LowS::kHigh) {
    return Status::invalid(std::string(suite) + " signature: high S (s > n/2), not canonical");
  }
  return Status::ok();
}

// The low-S twin of a DER ECDSA signature: (r, n - s). Empty on failure.
Bytes negate_s(ByteSpan sig, const CurveOrder& order) {
  const unsigned char* p = sig.data();
  EcdsaSigPtr es(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size())));
  if (!es) return {};
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(es.get(), &r, &s);
  BignumPtr r2(BN_dup(r));
  BignumPtr s2(BN_new());
  if (!r2 || !s2 || BN_sub(s2.get(), order.n, s) != 1) return {};
  EcdsaSigPtr twin(ECDSA_SIG_new());
  if (!twin || ECDSA_SIG_set0(twin.get(), r2.get(), s2.get()) != 1) return {};
  r2.release();
  s2.release();
  return der_of(twin.get(), i2d_ECDSA_SIG);
}

constexpr int kPssSaltBytes = 32;

}  // namespace

// ---- Suite names ----

const char* suite_name(SignatureSuite suite) {
  switch (suite) {
    case SignatureSuite::kEd25519:
      return "ed25519";
    case SignatureSuite::kEcdsaP256Sha256:
      return "ecdsa-p256-sha256";
    case SignatureSuite::kSm2Sm3:
      return "sm2-sm3";
    case SignatureSuite::kRsaPssSha256:
      return "rsa-pss-sha256";
    case SignatureSuite::kRsaPkcs1Sha256:
      return "rsa-pkcs1-sha256";
  }
  return "unknown";
}

const std::vector<SignatureSuite>& all_suites() {
  static const std::vector<SignatureSuite> all = {
      SignatureSuite::kEd25519, SignatureSuite::kEcdsaP256Sha256, SignatureSuite::kSm2Sm3,
      SignatureSuite::kRsaPssSha256, SignatureSuite::kRsaPkcs1Sha256};
  return all;
}

Result<SignatureSuite> parse_suite_name(std::string_view name) {
  std::string known;
  for (SignatureSuite s : all_suites()) {
    if (name == suite_name(s)) return s;
    known += known.empty() ? "" : ", ";
    known += suite_name(s);
  }
  std::string shown(name.substr(0, 64));
  for (char& c : shown) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  }
  return Status::invalid("unknown signature suite \"" + shown + "\"; known: " + known);
}

// ---- Implementations ----

namespace detail {

class VerifyingKeyImpl {
 public:
  VerifyingKeyImpl(SignatureSuite suite, Bytes spki) : suite_(suite), spki_(std::move(spki)) {}
  virtual ~VerifyingKeyImpl() = default;
  VerifyingKeyImpl(const VerifyingKeyImpl&) = delete;
  VerifyingKeyImpl& operator=(const VerifyingKeyImpl&) = delete;

  SignatureSuite suite() const { return suite_; }
  const Bytes& spki() const { return spki_; }
  virtual std::string describe() const { return std::string(suite_name(suite_)) + " key"; }
  virtual Status verify(ByteSpan message, ByteSpan signature) const = 0;

 private:
  SignatureSuite suite_;
  Bytes spki_;
};

class SigningKeyImpl {
 public:
  explicit SigningKeyImpl(VerifyingKey vk) : vk_(std::move(vk)) {}
  virtual ~SigningKeyImpl() = default;
  SigningKeyImpl(const SigningKeyImpl&) = delete;
  SigningKeyImpl& operator=(const SigningKeyImpl&) = delete;

  const VerifyingKey& verifying_key() const { return vk_; }
  virtual Result<Bytes> sign(ByteSpan message) const = 0;
  // An EVP_PKEY of the secret key (for PKCS#8 export); the caller owns it.
  virtual Result<EvpPkeyPtr> to_evp() const = 0;

 private:
  VerifyingKey vk_;
};

struct KeyAccess {
  static VerifyingKey make(std::shared_ptr<const VerifyingKeyImpl> impl) {
    return VerifyingKey(std::move(impl));
  }
  static SigningKey make(std::shared_ptr<const SigningKeyImpl> impl) {
    return SigningKey(std::move(impl));
  }
  static const VerifyingKeyImpl& impl(const VerifyingKey& k) { return *k.impl_; }
};

}  // namespace detail

namespace {

using detail::KeyAccess;
using detail::SigningKeyImpl;
using detail::VerifyingKeyImpl;

// id-Ed25519 SubjectPublicKeyInfo = this 12-byte prefix || the 32-byte key (RFC 8410 §4).
constexpr uint8_t kEd25519SpkiPrefix[12] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                            0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

// ed25519: libsodium, exactly as crypto.h's verify.
class Ed25519VerifyingKey final : public VerifyingKeyImpl {
 public:
  explicit Ed25519VerifyingKey(const PublicKey& pk)
      : VerifyingKeyImpl(SignatureSuite::kEd25519, spki_for(pk)), pk_(pk) {}
  const PublicKey& key() const { return pk_; }

  Status verify(ByteSpan message, ByteSpan signature) const override {
    if (signature.size() != 64) {
      return Status::invalid("ed25519 signature: " + std::to_string(signature.size()) +
                             " bytes, expected 64");
    }
    Signature sig{};
    std::memcpy(sig.data(), signature.data(), sig.size());
    if (!core::verify(pk_, message, sig))
      return Status::invalid("ed25519 signature does not verify");
    return Status::ok();
  }

 private:
  static Bytes spki_for(const PublicKey& pk) {
    Bytes b(std::begin(kEd25519SpkiPrefix), std::end(kEd25519SpkiPrefix));
    b.insert(b.end(), pk.begin(), pk.end());
    return b;
  }
  PublicKey pk_;
};

// The four suites done by OpenSSL's EVP: one digest-sign/verify path, with per-suite hooks for
// the digest, the context parameters and the canonical form of a signature.
class EvpVerifyingKey : public VerifyingKeyImpl {
 public:
  EvpVerifyingKey(SignatureSuite suite, Bytes spki, EvpPkeyPtr pkey)
      : VerifyingKeyImpl(suite, std::move(spki)), pkey_(std::move(pkey)) {}

  EVP_PKEY* pkey() const { return pkey_.get(); }
  // The digest EVP fetches: "SHA256" or "SM3".
  virtual const char* digest() const = 0;
  // Sets the suite's parameters on a freshly initialised sign/verify context.
  virtual bool configure(EVP_PKEY_CTX* ctx) const = 0;
  // OK when `signature` is in this suite's canonical form (checked before the maths).
  virtual Status check_form(ByteSpan signature) const = 0;
  // After signing: brings `signature` into canonical form. false = discard it and sign again.
  virtual bool canonicalize(Bytes& signature) const { return true; }

  Status verify(ByteSpan message, ByteSpan signature) const override {
    ClearOpensslErrors clear;
    SILK_RETURN_IF_ERROR(check_form(signature));
    EvpMdCtxPtr md(EVP_MD_CTX_new());
    EVP_PKEY_CTX* ctx = nullptr;  // owned by md
    if (!md ||
        EVP_DigestVerifyInit_ex(md.get(), &ctx, digest(), nullptr, nullptr, pkey_.get(), nullptr) !=
            1 ||
        !configure(ctx)) {
      return Status::internal(std::string(suite_name(suite())) + ": cannot set up verification" +
                              openssl_reason());
    }
    if (EVP_DigestVerify(md.get(), signature.data(), signature.size(), message.data(),
                         message.size()) != 1) {
      return Status::invalid(std::string(suite_name(suite())) + " signature does not verify");
    }
    return Status::ok();
  }

  Result<Bytes> sign_with(EVP_PKEY* secret, ByteSpan message) const {
    ClearOpensslErrors clear;
    const std::string name = suite_name(suite());
    // An SM2 signature is low-S half the time: 64 tries fail with probability 2^-64.
    for (int attempt = 0; attempt < 64; ++attempt) {
      EvpMdCtxPtr md(EVP_MD_CTX_new());
      EVP_PKEY_CTX* ctx = nullptr;
      if (!md ||
          EVP_DigestSignInit_ex(md.get(), &ctx, digest(), nullptr, nullptr, secret, nullptr) != 1 ||
          !configure(ctx)) {
        return Status::internal(name + ": cannot set up signing" + openssl_reason());
      }
      size_t len = 0;
      if (EVP_DigestSign(md.get(), nullptr, &len, message.data(), message.size()) != 1) {
        return Status::internal(name + ": signing failed" + openssl_reason());
      }
      Bytes sig(len);
      if (EVP_DigestSign(md.get(), sig.data(), &len, message.data(), message.size()) != 1) {
        return Status::internal(name + ": signing failed" + openssl_reason());
      }
      sig.resize(len);
      if (canonicalize(sig)) return sig;
    }
    return Status::internal(name + ": no canonical signature after 64 attempts");
  }

 private:
  EvpPkeyPtr pkey_;
};

class EcdsaP256VerifyingKey final : public EvpVerifyingKey {
 public:
  EcdsaP256VerifyingKey(Bytes spki, EvpPkeyPtr pkey)
      : EvpVerifyingKey(SignatureSuite::kEcdsaP256Sha256, std::move(spki), std::move(pkey)) {}
  const char* digest() const override { return "SHA256"; }
  bool configure(EVP_PKEY_CTX*) const override { return true; }
  Status check_form(ByteSpan signature) const override {
    return check_ec_der_low_s("ecdsa-p256-sha256", signature, p256_order());
  }
  // (r, n - s) verifies too: keep the low one.
  bool canonicalize(Bytes& signature) const override {
    auto low = check_ec_der("ecdsa-p256-sha256", signature, p256_order());
    if (!low.is_ok()) return false;
    if (*low == LowS::kLow) return true;
    Bytes twin = negate_s(signature, p256_order());
    if (twin.empty()) return false;
    signature = std::move(twin);
    return true;
  }
};

class Sm2VerifyingKey final : public EvpVerifyingKey {
 public:
  Sm2VerifyingKey(Bytes spki, EvpPkeyPtr pkey)
      : EvpVerifyingKey(SignatureSuite::kSm2Sm3, std::move(spki), std::move(pkey)) {}
  const char* digest() const override { return "SM3"; }
  bool configure(EVP_PKEY_CTX* ctx) const override {
    return EVP_PKEY_CTX_set1_id(ctx, kSm2DefaultId.data(), kSm2DefaultId.size()) == 1;
  }
  Status check_form(ByteSpan signature) const override {
    return check_ec_der_low_s("sm2-sm3", signature, sm2_order());
  }
  // SM2's (r, n - s) is not a valid signature, so a high S cannot be flipped: sign again.
  bool canonicalize(Bytes& signature) const override {
    auto low = check_ec_der("sm2-sm3", signature, sm2_order());
    return low.is_ok() && *low == LowS::kLow;
  }
};

class RsaVerifyingKey final : public EvpVerifyingKey {
 public:
  RsaVerifyingKey(SignatureSuite suite, Bytes spki, EvpPkeyPtr pkey)
      : EvpVerifyingKey(suite, std::move(spki), std::move(pkey)),
        bits_(EVP_PKEY_get_bits(this->pkey())),
        size_(EVP_PKEY_get_size(this->pkey())) {}
  std::string describe() const override {
    return std::string(suite_name(suite())) + " key (" + std::to_string(bits_) + " bits)";
  }
  const char* digest() const override { return "SHA256"; }
  bool configure(EVP_PKEY_CTX* ctx) const override {
    if (suite() == SignatureSuite::kRsaPkcs1Sha256) {
      return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1;
    }
    return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx, "SHA256", nullptr) == 1 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, kPssSaltBytes) == 1;
  }
  Status check_form(ByteSpan signature) const override {
    if (signature.size() != static_cast<size_t>(size_)) {
      return Status::invalid(
          std::string(suite_name(suite())) + " signature: " + std::to_string(signature.size()) +
          " bytes, expected " + std::to_string(size_) + " (" + std::to_string(bits_) + "-bit key)");
    }
    return Status::ok();
  }

 private:
  int bits_;
  int size_;
};

// An EC key's parameters must name the curve (RFC 5480 namedCurve): explicit parameters would be
// a second encoding of the same key.
bool has_named_curve(const EVP_PKEY* pkey) {
  char enc[32] = {0};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_ENCODING, enc, sizeof enc, &len) !=
      1) {
    return false;
  }
  return std::string_view(enc, strnlen(enc, sizeof enc)) == OSSL_PKEY_EC_ENCODING_GROUP;
}

std::string group_name(const EVP_PKEY* pkey) {
  char name[80] = {0};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &len) !=
      1) {
    return {};
  }
  return std::string(name, strnlen(name, sizeof name));
}

// Decides the suite of a public key from its algorithm (and curve, size); refuses the rest.
Result<std::shared_ptr<const VerifyingKeyImpl>> make_verifying_impl(EvpPkeyPtr pkey, Bytes spki) {
  if (EVP_PKEY_is_a(pkey.get(), "ED25519")) {
    PublicKey pk{};
    size_t len = pk.size();
    if (EVP_PKEY_get_raw_public_key(pkey.get(), pk.data(), &len) != 1 || len != pk.size()) {
      return Status::invalid("ed25519 public key: bad raw key" + openssl_reason());
    }
    auto impl = std::make_shared<const Ed25519VerifyingKey>(pk);
    if (impl->spki() != spki) return Status::invalid("ed25519 public key: not canonical DER");
    return std::shared_ptr<const VerifyingKeyImpl>(impl);
  }
  const bool is_ec = EVP_PKEY_is_a(pkey.get(), "SM2") || EVP_PKEY_is_a(pkey.get(), "EC");
  if (is_ec && !has_named_curve(pkey.get())) {
    return Status::invalid(
        "EC key with explicit curve parameters refused: the curve must be named "
        "(prime256v1 for ecdsa-p256-sha256, SM2 for sm2-sm3)");
  }
  if (EVP_PKEY_is_a(pkey.get(), "SM2")) {
    const std::string group = group_name(pkey.get());
    if (group != "SM2") return Status::invalid("sm2-sm3 public key: unexpected curve " + group);
    return std::shared_ptr<const VerifyingKeyImpl>(
        std::make_shared<const Sm2VerifyingKey>(std::move(spki), std::move(pkey)));
  }
  if (EVP_PKEY_is_a(pkey.get(), "EC")) {
    const std::string group = group_name(pkey.get());
    if (group == "prime256v1") {
      return std::shared_ptr<const VerifyingKeyImpl>(
          std::make_shared<const EcdsaP256VerifyingKey>(std::move(spki), std::move(pkey)));
    }
    return Status::invalid(
        "unsupported curve " + (group.empty() ? std::string("(explicit parameters)") : group) +
        ": ecdsa-p256-sha256 needs prime256v1 (P-256) and sm2-sm3 the SM2 curve, named");
  }
  const bool pss = EVP_PKEY_is_a(pkey.get(), "RSA-PSS");
  if (pss || EVP_PKEY_is_a(pkey.get(), "RSA")) {
    const SignatureSuite suite =
        pss ? SignatureSuite::kRsaPssSha256 : SignatureSuite::kRsaPkcs1Sha256;
    const int bits = EVP_PKEY_get_bits(pkey.get());
    if (bits < static_cast<int>(kMinRsaBits) || bits > static_cast<int>(kMaxRsaBits)) {
      return Status::invalid(std::string(suite_name(suite)) + ": RSA key of " +
                             std::to_string(bits) + " bits refused; " +
                             std::to_string(kMinRsaBits) + " to " + std::to_string(kMaxRsaBits) +
                             " bits are accepted");
    }
    auto impl = std::make_shared<const RsaVerifyingKey>(suite, std::move(spki), std::move(pkey));
    // An RSASSA-PSS key may restrict its parameters (RFC 4055): they must allow ours.
    EvpMdCtxPtr md(EVP_MD_CTX_new());
    EVP_PKEY_CTX* ctx = nullptr;
    if (!md ||
        EVP_DigestVerifyInit_ex(md.get(), &ctx, impl->digest(), nullptr, nullptr, impl->pkey(),
                                nullptr) != 1 ||
        !impl->configure(ctx)) {
      return Status::invalid(std::string(suite_name(suite)) +
                             ": the key's parameters do not allow SHA-256 with MGF1-SHA-256 and "
                             "a 32-byte salt" +
                             openssl_reason());
    }
    return std::shared_ptr<const VerifyingKeyImpl>(std::move(impl));
  }
  const char* type = EVP_PKEY_get0_type_name(pkey.get());
  return Status::invalid(std::string("unsupported key type ") +
                         (type != nullptr ? type : "(unknown)") +
                         "; supported suites: ed25519, ecdsa-p256-sha256, sm2-sm3, "
                         "rsa-pss-sha256, rsa-pkcs1-sha256");
}

// ---- Secret keys ----

class Ed25519SigningKey final : public SigningKeyImpl {
 public:
  Ed25519SigningKey(VerifyingKey vk, SecretKey sk)
      : SigningKeyImpl(std::move(vk)), sk_(std::move(sk)) {}
  const SecretKey& key() const { return sk_; }
  Result<Bytes> sign(ByteSpan message) const override {
    const Signature sig = sk_.sign(message);
    return Bytes(sig.begin(), sig.end());
  }
  Result<EvpPkeyPtr> to_evp() const override {
    SecretBytes seed(sk_.seed());
    EvpPkeyPtr pkey(
        EVP_PKEY_new_raw_private_key_ex(nullptr, "ED25519", nullptr, seed.data(), seed.size()));
    if (!pkey) return Status::internal("ed25519: cannot export the key" + openssl_reason());
    return pkey;
  }

 private:
  SecretKey sk_;
};

class EvpSigningKey final : public SigningKeyImpl {
 public:
  EvpSigningKey(VerifyingKey vk, EvpPkeyPtr secret)
      : SigningKeyImpl(std::move(vk)), secret_(std::move(secret)) {}
  Result<Bytes> sign(ByteSpan message) const override {
    const auto& impl = static_cast<const EvpVerifyingKey&>(KeyAccess::impl(verifying_key()));
    return impl.sign_with(secret_.get(), message);
  }
  Result<EvpPkeyPtr> to_evp() const override {
    if (EVP_PKEY_up_ref(secret_.get()) != 1) return Status::internal("EVP_PKEY_up_ref failed");
    return EvpPkeyPtr(secret_.get());
  }

 private:
  EvpPkeyPtr secret_;
};

Result<SigningKey> signing_key_from_evp(EvpPkeyPtr secret) {
  Bytes spki = spki_of(secret.get());
  if (spki.empty())
    return Status::invalid("private key: no public key can be derived" + openssl_reason());
  SILK_ASSIGN_OR_RETURN(VerifyingKey vk, VerifyingKey::from_spki_der(spki));
  if (vk.suite() == SignatureSuite::kEd25519) {
    Bytes raw(32);
    size_t len = raw.size();
    const bool ok = EVP_PKEY_get_raw_private_key(secret.get(), raw.data(), &len) == 1;
    SecretBytes seed(std::move(raw));  // wiped however we leave
    if (!ok || len != seed.size()) {
      return Status::invalid("ed25519 private key: bad raw key" + openssl_reason());
    }
    SILK_ASSIGN_OR_RETURN(SecretKey sk, SecretKey::from_seed(seed.span()));
    if (sk.public_key() != *vk.ed25519_key()) {
      return Status::invalid("ed25519 private key: its public key does not match");
    }
    return KeyAccess::make(std::make_shared<const Ed25519SigningKey>(vk, std::move(sk)));
  }
  SigningKey key = KeyAccess::make(std::make_shared<const EvpSigningKey>(vk, std::move(secret)));
  // A self-test: the secret half must match the public half (a PKCS#8 may carry both).
  constexpr std::string_view kProbe = "silk/key-self-test/v1";
  SILK_ASSIGN_OR_RETURN(Bytes probe_sig, key.sign(as_span(kProbe)));
  if (!vk.verify(as_span(kProbe), probe_sig).is_ok()) {
    return Status::invalid(std::string(suite_name(vk.suite())) +
                           " private key: inconsistent (its signature does not verify with its "
                           "public key)");
  }
  return key;
}

}  // namespace

// ---- VerifyingKey ----

Result<VerifyingKey> VerifyingKey::from_spki_der(ByteSpan der) {
  ClearOpensslErrors clear;
  if (der.empty()) return Status::invalid("public key: empty");
  if (der.size() > kMaxKeyEncodingBytes) {
    return Status::invalid("public key: " + std::to_string(der.size()) +
                           " bytes, over the limit of " + std::to_string(kMaxKeyEncodingBytes));
  }
  const unsigned char* p = der.data();
  EvpPkeyPtr pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!pkey) {
    return Status::invalid("public key: not a DER SubjectPublicKeyInfo of a known algorithm" +
                           openssl_reason());
  }
  if (p != der.data() + der.size()) {
    return Status::invalid("public key: " + std::to_string(der.data() + der.size() - p) +
                           " trailing bytes after the SubjectPublicKeyInfo");
  }
  Bytes canonical = spki_of(pkey.get());
  if (canonical != Bytes(der.begin(), der.end())) {
    return Status::invalid("public key: not canonical DER");
  }
  SILK_ASSIGN_OR_RETURN(auto impl, make_verifying_impl(std::move(pkey), std::move(canonical)));
  return KeyAccess::make(std::move(impl));
}

Result<VerifyingKey> VerifyingKey::from_spki(ByteSpan der_or_pem) {
  if (der_or_pem.size() > kMaxKeyEncodingBytes * 2) return Status::invalid("public key: too large");
  const std::string_view text = as_string_view(der_or_pem);
  if (auto label = pem_label(text)) {
    SILK_ASSIGN_OR_RETURN(SecretBytes der, read_one_pem(text, "PUBLIC KEY", "public key"));
    return from_spki_der(der.span());
  }
  return from_spki_der(der_or_pem);
}

VerifyingKey VerifyingKey::from_ed25519(const PublicKey& pk) {
  return KeyAccess::make(std::make_shared<const Ed25519VerifyingKey>(pk));
}

SignatureSuite VerifyingKey::suite() const { return impl_->suite(); }
const Bytes& VerifyingKey::spki_der() const { return impl_->spki(); }
std::string VerifyingKey::describe() const { return impl_->describe(); }

std::string VerifyingKey::spki_pem() const {
  ClearOpensslErrors clear;
  const unsigned char* p = spki_der().data();
  EvpPkeyPtr pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki_der().size())));
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!pkey || !bio || PEM_write_bio_PUBKEY(bio.get(), pkey.get()) != 1) return {};
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

Result<PublicKey> VerifyingKey::ed25519_key() const {
  if (suite() != SignatureSuite::kEd25519) {
    return Status::invalid(describe() + ": not an ed25519 key");
  }
  return static_cast<const Ed25519VerifyingKey&>(*impl_).key();
}

Status VerifyingKey::verify(ByteSpan message, ByteSpan signature) const {
  return impl_->verify(message, signature);
}

// ---- SigningKey ----

Result<SigningKey> SigningKey::generate(SignatureSuite suite, unsigned rsa_bits) {
  ClearOpensslErrors clear;
  const std::string name = suite_name(suite);
  EvpPkeyPtr pkey;
  switch (suite) {
    case SignatureSuite::kEd25519:
      return from_ed25519(SecretKey::generate());
    case SignatureSuite::kEcdsaP256Sha256:
      pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
      break;
    case SignatureSuite::kSm2Sm3:
      pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "SM2"));
      break;
    case SignatureSuite::kRsaPssSha256:
    case SignatureSuite::kRsaPkcs1Sha256: {
      if (rsa_bits < kMinRsaBits || rsa_bits > kMaxRsaBits) {
        return Status::invalid(name + ": RSA key of " + std::to_string(rsa_bits) +
                               " bits refused; " + std::to_string(kMinRsaBits) + " to " +
                               std::to_string(kMaxRsaBits) + " bits are accepted");
      }
      EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(
          nullptr, suite == SignatureSuite::kRsaPssSha256 ? "RSA-PSS" : "RSA", nullptr));
      EVP_PKEY* made = nullptr;
      if (ctx && EVP_PKEY_keygen_init(ctx.get()) == 1 &&
          EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), static_cast<int>(rsa_bits)) == 1 &&
          EVP_PKEY_generate(ctx.get(), &made) == 1) {
        pkey.reset(made);
      }
      break;
    }
  }
  if (!pkey) return Status::internal(name + ": key generation failed" + openssl_reason());
  return signing_key_from_evp(std::move(pkey));
}

Result<SigningKey> SigningKey::from_pkcs8(ByteSpan der_or_pem, std::string_view passphrase) {
  ClearOpensslErrors clear;
  if (der_or_pem.empty()) return Status::invalid("private key: empty");
  if (der_or_pem.size() > kMaxKeyEncodingBytes * 2)
    return Status::invalid("private key: too large");
  const std::string_view text = as_string_view(der_or_pem);
  SecretBytes pem_der;
  ByteSpan der = der_or_pem;
  bool encrypted = false;
  if (auto label = pem_label(text)) {
    if (*label == "PRIVATE KEY" || *label == "ENCRYPTED PRIVATE KEY") {
      encrypted = *label == "ENCRYPTED PRIVATE KEY";
      SILK_ASSIGN_OR_RETURN(pem_der, read_one_pem(text, *label, "private key"));
      der = pem_der.span();
    } else {
      return Status::invalid("private key: PEM \"" + label->substr(0, 64) +
                             "\" is not PKCS#8; convert it with `openssl pkcs8 -topk8 -in KEY "
                             "-out KEY.p8` (add -nocrypt to leave it unencrypted)");
    }
  }
  if (der.size() > kMaxKeyEncodingBytes) return Status::invalid("private key: too large");

  Pkcs8InfoPtr info;
  const unsigned char* p = der.data();
  if (!encrypted) {
    info.reset(d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size())));
    if (!info) {
      ERR_clear_error();
      p = der.data();
      encrypted = true;  // maybe an EncryptedPrivateKeyInfo (DER)
    }
  }
  if (encrypted) {
    X509SigPtr sealed(d2i_X509_SIG(nullptr, &p, static_cast<long>(der.size())));
    if (!sealed) {
      return Status::invalid(
          "private key: neither a PKCS#8 PrivateKeyInfo nor an "
          "EncryptedPrivateKeyInfo (DER or PEM); a traditional key converts "
          "with `openssl pkcs8 -topk8 -in KEY -out KEY.p8`" +
          openssl_reason());
    }
    if (p != der.data() + der.size()) {
      return Status::invalid("private key: trailing bytes after the EncryptedPrivateKeyInfo");
    }
    if (passphrase.empty()) {
      return Status::invalid("private key: encrypted, and no passphrase was given");
    }
    if (passphrase.size() > INT_MAX) return Status::invalid("private key: passphrase too long");
    info.reset(PKCS8_decrypt(sealed.get(), passphrase.data(), static_cast<int>(passphrase.size())));
    if (!info) {
      return Status::invalid("private key: wrong passphrase or unsupported encryption" +
                             openssl_reason());
    }
  } else if (p != der.data() + der.size()) {
    return Status::invalid("private key: trailing bytes after the PrivateKeyInfo");
  }
  EvpPkeyPtr pkey(EVP_PKCS82PKEY_ex(info.get(), nullptr, nullptr));
  if (!pkey) {
    return Status::invalid("private key: unsupported algorithm or malformed key" +
                           openssl_reason());
  }
  return signing_key_from_evp(std::move(pkey));
}

SigningKey SigningKey::from_ed25519(const SecretKey& sk) {
  SecretBytes seed(sk.seed());
  auto copy = SecretKey::from_seed(seed.span());  // a 32-byte seed: cannot fail
  VerifyingKey vk = VerifyingKey::from_ed25519(sk.public_key());
  return KeyAccess::make(std::make_shared<const Ed25519SigningKey>(vk, std::move(copy).value()));
}

SignatureSuite SigningKey::suite() const { return impl_->verifying_key().suite(); }
const VerifyingKey& SigningKey::verifying_key() const { return impl_->verifying_key(); }
Result<Bytes> SigningKey::sign(ByteSpan message) const { return impl_->sign(message); }

Result<SecretBytes> SigningKey::pkcs8_der() const {
  ClearOpensslErrors clear;
  SILK_ASSIGN_OR_RETURN(EvpPkeyPtr pkey, impl_->to_evp());
  Pkcs8InfoPtr info(EVP_PKEY2PKCS8(pkey.get()));
  if (!info) return Status::internal("cannot encode the private key as PKCS#8" + openssl_reason());
  SecretBytes der(der_of(info.get(), i2d_PKCS8_PRIV_KEY_INFO));
  if (der.empty())
    return Status::internal("cannot encode the private key as PKCS#8" + openssl_reason());
  return der;
}

Result<SecretBytes> SigningKey::pkcs8_pem(std::string_view passphrase) const {
  ClearOpensslErrors clear;
  SILK_ASSIGN_OR_RETURN(EvpPkeyPtr pkey, impl_->to_evp());
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio) return Status::internal("out of memory");
  if (passphrase.size() > INT_MAX) return Status::invalid("passphrase too long");
  const int ok = passphrase.empty()
                     ? PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey.get(), nullptr, nullptr, 0,
                                                     nullptr, nullptr)
                     : PEM_write_bio_PKCS8PrivateKey(
                           bio.get(), pkey.get(), EVP_aes_256_cbc(), passphrase.data(),
                           static_cast<int>(passphrase.size()), nullptr, nullptr);
  if (ok != 1) return Status::internal("cannot write the private key as PKCS#8" + openssl_reason());
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return SecretBytes(Bytes(data, data + len));
}

Result<SecretKey> SigningKey::ed25519_key() const {
  if (suite() != SignatureSuite::kEd25519) {
    return Status::invalid(verifying_key().describe() + ": not an ed25519 key");
  }
  SecretBytes seed(static_cast<const Ed25519SigningKey&>(*impl_).key().seed());
  return SecretKey::from_seed(seed.span());
}

}  // namespace silk::core
