#include "silk/core/x509.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sodium.h>

#include <chrono>
#include <climits>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <optional>

namespace silk::core {

static_assert(sizeof(time_t) >= 8, "X.509 times past 2038 need a 64-bit time_t");

namespace detail {
struct CertificateRep {
  Bytes der;
  Hash fingerprint{};
  DistinguishedName subject;
  DistinguishedName issuer;
  std::string serial;
  uint64_t not_before_ms = 0;
  uint64_t not_after_ms = 0;
  bool is_ca = false;
  KeyType key_type = KeyType::kEd25519;
  PublicKey public_key{};
};

struct CertificateAccess {
  static Certificate make(std::shared_ptr<const CertificateRep> rep) {
    return Certificate(std::move(rep));
  }
};
}  // namespace detail

namespace {

// ---- RAII for OpenSSL objects ----

template <auto Fn>
struct OpensslDeleter {
  template <typename T>
  void operator()(T* p) const {
    Fn(p);
  }
};
void free_openssl_memory(void* p) { OPENSSL_free(p); }

using X509Ptr = std::unique_ptr<X509, OpensslDeleter<X509_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, OpensslDeleter<X509_NAME_free>>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, OpensslDeleter<X509_EXTENSION_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, OpensslDeleter<X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OpensslDeleter<X509_STORE_CTX_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OpensslDeleter<EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, OpensslDeleter<BIO_free_all>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpensslDeleter<BN_free>>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, OpensslDeleter<ASN1_INTEGER_free>>;
using BasicConstraintsPtr =
    std::unique_ptr<BASIC_CONSTRAINTS, OpensslDeleter<BASIC_CONSTRAINTS_free>>;
template <typename T>
using OpensslMemPtr = std::unique_ptr<T, OpensslDeleter<free_openssl_memory>>;

// Clears this thread's OpenSSL error queue on entry and on exit of a public function, so that no
// stale error is blamed on us and none of ours is left for the next OpenSSL user (TLS).
class ClearOpensslErrors {
 public:
  ClearOpensslErrors() { ERR_clear_error(); }
  ~ClearOpensslErrors() { ERR_clear_error(); }
  ClearOpensslErrors(const ClearOpensslErrors&) = delete;
  ClearOpensslErrors& operator=(const ClearOpensslErrors&) = delete;
};

// ---- Messages ----

// Drains this thread's OpenSSL error queue into "reason (detail); reason" (at most three
// entries). Empty when OpenSSL recorded nothing.
std::string drain_openssl_errors() {
  std::string out;
  int kept = 0;
  const char* data = nullptr;
  int flags = 0;
  for (unsigned long e; (e = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) != 0;) {
    if (kept == 3) continue;
    const char* reason = ERR_reason_error_string(e);
    std::string piece = reason != nullptr ? reason : "error " + std::to_string(ERR_GET_REASON(e));
    if (data != nullptr && (flags & ERR_TXT_STRING) != 0 && *data != '\0') {
      piece += " (";
      piece += data;
      piece += ")";
    }
    if (out.find(piece) != std::string::npos) continue;
    if (!out.empty()) out += "; ";
    out += piece;
    ++kept;
  }
  return out;
}

// ": <OpenSSL's reason>", or nothing when OpenSSL gave none.
std::string openssl_reason() {
  std::string r = drain_openssl_errors();
  return r.empty() ? std::string() : ": " + r;
}

std::string describe(const Certificate& cert) { return "certificate " + format_dn(cert.subject()); }

// Printable and short, for quoting unexpected input in a message.
std::string quote_prefix(std::string_view s, size_t max = 16) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size() && i < max; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (s.size() > max) out += "...";
  return out + "\"";
}

// ---- Times ----

constexpr uint64_t kMaxTimeSeconds = 253402300799;  // 9999-12-31T23:59:59Z

Result<uint64_t> asn1_time_to_ms(const ASN1_TIME* t, const char* field) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    return Status::invalid(std::string("bad ") + field + " time" + openssl_reason());
  }
  const int year = tm.tm_year + 1900;
  if (year < 1970) {
    return Status::invalid(std::string(field) + " is in " + std::to_string(year) +
                           "; times before 1970 are not supported");
  }
  using namespace std::chrono;
  const sys_days day =
      year_month_day{std::chrono::year{year}, month{static_cast<unsigned>(tm.tm_mon + 1)},
                     std::chrono::day{static_cast<unsigned>(tm.tm_mday)}};
  const int64_t secs = static_cast<int64_t>(day.time_since_epoch().count()) * 86400 +
                       tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
  return static_cast<uint64_t>(secs) * 1000;
}

// ---- Names ----

struct NameField {
  int nid;
  const char* label;
  std::string DistinguishedName::*member;
};
// Most significant first, the order they are written in a certificate.
constexpr NameField kNameFields[] = {
    {NID_countryName, "C", &DistinguishedName::country},
    {NID_organizationName, "O", &DistinguishedName::organization},
    {NID_organizationalUnitName, "OU", &DistinguishedName::org_unit},
    {NID_commonName, "CN", &DistinguishedName::common_name},
};

Result<DistinguishedName> read_name(const X509_NAME* name, const char* which) {
  DistinguishedName dn;
  bool seen[std::size(kNameFields)] = {};
  const int count = X509_NAME_entry_count(name);
  for (int i = 0; i < count; ++i) {
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
    const int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry));
    size_t f = 0;
    while (f < std::size(kNameFields) && kNameFields[f].nid != nid) ++f;
    if (f == std::size(kNameFields)) continue;  // an attribute SilkLedger does not read
    const NameField& field = kNameFields[f];
    if (seen[f]) {
      return Status::invalid(std::string(which) + " has more than one " + field.label +
                             " attribute; at most one of each of CN, O, OU, C is allowed");
    }
    seen[f] = true;
    unsigned char* utf8 = nullptr;
    const int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
    if (len < 0) {
      return Status::invalid(std::string(which) + " " + field.label + " is not a valid string" +
                             openssl_reason());
    }
    OpensslMemPtr<unsigned char> owned(utf8);
    std::string value(reinterpret_cast<const char*>(utf8), static_cast<size_t>(len));
    if (value.find('\0') != std::string::npos) {
      return Status::invalid(std::string(which) + " " + field.label + " contains a NUL byte");
    }
    dn.*field.member = std::move(value);
  }
  return dn;
}

Result<X509NamePtr> build_name(const DistinguishedName& dn, const char* which) {
  bool any = false;
  for (const NameField& field : kNameFields) {
    const std::string& v = dn.*field.member;
    any = any || !v.empty();
    for (unsigned char c : v) {
      if (c < 0x20 || c == 0x7f) {
        return Status::invalid(std::string(which) + " " + field.label +
                               " contains a control character");
      }
    }
  }
  if (!any)
    return Status::invalid(std::string(which) +
                           " name is empty; give at least one of CN, O, OU, C");
  const std::string& c = dn.country;
  if (!c.empty() && (c.size() != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z')) {
    return Status::invalid(std::string(which) + " C " + quote_prefix(c) +
                           " is not an ISO 3166-1 alpha-2 code (two letters A-Z)");
  }
  X509NamePtr name(X509_NAME_new());
  if (!name) return Status::internal("X509_NAME_new failed" + openssl_reason());
  for (const NameField& field : kNameFields) {
    const std::string& v = dn.*field.member;
    if (v.empty()) continue;
    if (v.size() > INT_MAX ||
        X509_NAME_add_entry_by_NID(name.get(), field.nid, MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(v.data()),
                                   static_cast<int>(v.size()), -1, 0) != 1) {
      return Status::invalid(std::string(which) + " " + field.label + " " + quote_prefix(v) +
                             " is not allowed" + openssl_reason());
    }
  }
  return name;
}

// ---- Keys ----
// The one place that knows key types when reading a certificate. ECDSA P-256 and SM2 join here.

struct SubjectKey {
  KeyType type = KeyType::kEd25519;
  PublicKey ed25519{};
};

// "EC prime256v1", "RSA 2048", "ED448".
std::string describe_key(EVP_PKEY* key) {
  const char* type = EVP_PKEY_get0_type_name(key);
  std::string out = type != nullptr ? type : OBJ_nid2sn(EVP_PKEY_get_base_id(key));
  char group[64] = {};
  size_t group_len = 0;
  if (EVP_PKEY_get_group_name(key, group, sizeof group, &group_len) == 1 && group_len > 0) {
    out += " ";
    out += group;
  } else if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
    out += " " + std::to_string(EVP_PKEY_get_bits(key));
  }
  ERR_clear_error();
  return out;
}

Result<SubjectKey> read_subject_key(X509* x) {
  EVP_PKEY* key = X509_get0_pubkey(x);  // owned by x
  if (key == nullptr) {
    // OpenSSL could not decode it: name the algorithm by its OID.
    ASN1_OBJECT* alg = nullptr;
    const X509_PUBKEY* xpk = X509_get_X509_PUBKEY(x);
    if (xpk == nullptr || X509_PUBKEY_get0_param(&alg, nullptr, nullptr, nullptr, xpk) != 1 ||
        alg == nullptr) {
      return Status::invalid("no readable public key" + openssl_reason());
    }
    if (OBJ_obj2nid(alg) == NID_ED25519) {
      return Status::invalid("malformed Ed25519 public key" + openssl_reason());
    }
    char name[80] = {};
    OBJ_obj2txt(name, sizeof name, alg, 0);
    ERR_clear_error();
    return Status::invalid(std::string("unsupported key type ") + name + "; Ed25519 only for now");
  }
  SubjectKey out;
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_ED25519: {
      size_t len = out.ed25519.size();
      if (EVP_PKEY_get_raw_public_key(key, out.ed25519.data(), &len) != 1 ||
          len != out.ed25519.size()) {
        return Status::invalid("malformed Ed25519 public key" + openssl_reason());
      }
      out.type = KeyType::kEd25519;
      return out;
    }
    default:
      return Status::invalid("unsupported key type " + describe_key(key) +
                             "; Ed25519 only for now");
  }
}

// The EVP form of a signing key; the seed copy is wiped.
Result<EvpPkeyPtr> signing_key(const SecretKey& key) {
  Bytes seed = key.seed();
  EvpPkeyPtr pkey(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  wipe(seed.data(), seed.size());
  if (!pkey) return Status::internal("cannot load the Ed25519 signing key" + openssl_reason());
  return pkey;
}

Result<EvpPkeyPtr> verifying_key(const PublicKey& key) {
  EvpPkeyPtr pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.data(), key.size()));
  if (!pkey) return Status::internal("cannot load the Ed25519 public key" + openssl_reason());
  return pkey;
}

// ---- Parsing ----

bool is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool starts_with_at(std::string_view s, size_t at, std::string_view prefix) {
  return s.size() >= at && s.substr(at).starts_with(prefix);
}

// A certificate's X509 object, from DER we already accepted once.
Result<X509Ptr> to_x509(const Certificate& cert) {
  const unsigned char* p = cert.der().data();
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(cert.der().size())));
  if (!x) return Status::internal("cannot re-read a parsed certificate" + openssl_reason());
  return x;
}

Result<std::string> read_serial(const X509* x) {
  BignumPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), nullptr));
  if (!bn) return Status::invalid("bad serial number" + openssl_reason());
  OpensslMemPtr<char> hex(BN_bn2hex(bn.get()));
  if (!hex) return Status::internal("BN_bn2hex failed" + openssl_reason());
  std::string out(hex.get());
  for (char& c : out) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Every "CERTIFICATE" PEM block's DER, in order; whitespace only around them.
Result<std::vector<Bytes>> read_pem_blocks(std::string_view text) {
  std::vector<Bytes> blocks;
  size_t pos = 0;
  for (;;) {
    while (pos < text.size() && is_space(static_cast<uint8_t>(text[pos]))) ++pos;
    if (pos == text.size()) break;
    if (!starts_with_at(text, pos, "-----BEGIN ")) {
      return Status::invalid("PEM: unexpected " + quote_prefix(text.substr(pos)) + " at byte " +
                             std::to_string(pos) +
                             "; only whitespace may surround -----BEGIN CERTIFICATE----- blocks");
    }
    const std::string which = "PEM block " + std::to_string(blocks.size() + 1);
    // A BIO that starts at the BEGIN line: PEM_read_bio would skip any other line silently.
    const std::string_view rest = text.substr(pos);
    BioPtr bio(BIO_new_mem_buf(rest.data(), static_cast<int>(rest.size())));
    if (!bio) return Status::internal("BIO_new_mem_buf failed" + openssl_reason());
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    const int ok = PEM_read_bio(bio.get(), &name, &header, &data, &len);
    OpensslMemPtr<char> owned_name(name);
    OpensslMemPtr<char> owned_header(header);
    OpensslMemPtr<unsigned char> owned_data(data);
    if (ok != 1) {
      return Status::invalid(which + " at byte " + std::to_string(pos) + " is not valid PEM" +
                             openssl_reason());
    }
    if (std::strcmp(name, "CERTIFICATE") != 0) {
      return Status::invalid(which + " is " + quote_prefix(name, 40) + ", expected CERTIFICATE");
    }
    if (header != nullptr && *header != '\0') {
      return Status::invalid(which + " has PEM headers; a certificate block has none");
    }
    blocks.emplace_back(data, data + len);
    char* unread = nullptr;
    const long left = BIO_get_mem_data(bio.get(), &unread);
    pos = text.size() - (left > 0 ? static_cast<size_t>(left) : 0);
  }
  return blocks;
}

Result<Certificate> parse_der(ByteSpan der);

}  // namespace

// ---- Public: names and times ----

const char* key_type_name(KeyType type) {
  switch (type) {
    case KeyType::kEd25519:
      return "Ed25519";
  }
  return "unknown";
}

std::string format_dn(const DistinguishedName& dn) {
  std::string out;
  // RFC 4514: least significant first.
  for (auto it = std::rbegin(kNameFields); it != std::rend(kNameFields); ++it) {
    const std::string& v = dn.*(it->member);
    if (v.empty()) continue;
    if (!out.empty()) out += ',';
    out += it->label;
    out += '=';
    for (size_t i = 0; i < v.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(v[i]);
      const bool special = c == '"' || c == '+' || c == ',' || c == ';' || c == '<' || c == '>' ||
                           c == '\\' || (i == 0 && (c == '#' || c == ' ')) ||
                           (i + 1 == v.size() && c == ' ');
      if (c < 0x20 || c == 0x7f) {
        char buf[4];
        std::snprintf(buf, sizeof buf, "\\%02X", c);
        out += buf;
      } else {
        if (special) out += '\\';
        out += static_cast<char>(c);
      }
    }
  }
  return out.empty() ? "(empty name)" : out;
}

std::string format_time_ms(uint64_t unix_ms) {
  const uint64_t secs = unix_ms / 1000;
  if (secs > kMaxTimeSeconds) return "unix_ms=" + std::to_string(unix_ms);
  using namespace std::chrono;
  const sys_days day{days{static_cast<int64_t>(secs / 86400)}};
  const year_month_day ymd{day};
  const uint64_t in_day = secs % 86400;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02u:%02u:%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<unsigned>(in_day / 3600), static_cast<unsigned>(in_day / 60 % 60),
                static_cast<unsigned>(in_day % 60));
  std::string out = buf;
  if (unix_ms % 1000 != 0) {
    std::snprintf(buf, sizeof buf, ".%03u", static_cast<unsigned>(unix_ms % 1000));
    out += buf;
  }
  return out + "Z";
}

// ---- Public: Certificate ----

const Bytes& Certificate::der() const { return rep_->der; }
const Hash& Certificate::fingerprint() const { return rep_->fingerprint; }
const DistinguishedName& Certificate::subject() const { return rep_->subject; }
const DistinguishedName& Certificate::issuer() const { return rep_->issuer; }
const std::string& Certificate::serial() const { return rep_->serial; }
uint64_t Certificate::not_before_ms() const { return rep_->not_before_ms; }
uint64_t Certificate::not_after_ms() const { return rep_->not_after_ms; }
bool Certificate::is_ca() const { return rep_->is_ca; }
KeyType Certificate::key_type() const { return rep_->key_type; }
const PublicKey& Certificate::public_key() const { return rep_->public_key; }

std::string Certificate::pem() const {
  const Bytes& der = rep_->der;
  std::string b64(4 * ((der.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), der.data(),
                                static_cast<int>(der.size()));
  b64.resize(n > 0 ? static_cast<size_t>(n) : 0);
  std::string out = "-----BEGIN CERTIFICATE-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) {
    out.append(b64, i, 64);
    out += '\n';
  }
  out += "-----END CERTIFICATE-----\n";
  return out;
}

// ---- Public: parsing ----

Result<Certificate> parse_certificate(ByteSpan input) {
  const ClearOpensslErrors clear_errors;
  if (input.empty()) return Status::invalid("certificate: empty input; expected DER or PEM");
  if (input.size() > kMaxCertificateInputBytes) {
    return Status::invalid("certificate: input is " + std::to_string(input.size()) +
                           " bytes; at most " + std::to_string(kMaxCertificateInputBytes));
  }
  size_t start = 0;
  while (start < input.size() && is_space(input[start])) ++start;
  const std::string_view text = as_string_view(input);
  if (starts_with_at(text, start, "-----BEGIN ")) {
    auto blocks = read_pem_blocks(text);
    if (!blocks) return blocks.status().with_context("certificate");
    if (blocks->size() != 1) {
      return Status::invalid("certificate: expected one PEM block, found " +
                             std::to_string(blocks->size()) +
                             " (use parse_pem_bundle for several)");
    }
    return parse_der((*blocks)[0]);
  }
  if (input[0] != 0x30) {
    char first[8];
    std::snprintf(first, sizeof first, "0x%02x", input[0]);
    return Status::invalid(std::string("certificate: neither DER (starts with 0x30) nor PEM "
                                       "(-----BEGIN CERTIFICATE-----); first byte is ") +
                           first);
  }
  return parse_der(input);
}

namespace {

Result<Certificate> parse_der(ByteSpan der) {
  if (der.size() > kMaxCertificateDerBytes) {
    return Status::invalid("certificate: DER is " + std::to_string(der.size()) +
                           " bytes; at most " + std::to_string(kMaxCertificateDerBytes));
  }
  const unsigned char* p = der.data();
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x) {
    return Status::invalid("certificate: not a valid DER X.509 certificate" + openssl_reason());
  }
  const size_t used = static_cast<size_t>(p - der.data());
  if (used != der.size()) {
    return Status::invalid("certificate: " + std::to_string(der.size() - used) +
                           " bytes of trailing data after the " + std::to_string(used) +
                           "-byte certificate");
  }
  // One certificate, one encoding: the fingerprint must not be malleable.
  unsigned char* reencoded = nullptr;
  const int reencoded_len = i2d_X509(x.get(), &reencoded);
  OpensslMemPtr<unsigned char> owned_reencoded(reencoded);
  if (reencoded_len < 0) return Status::internal("i2d_X509 failed" + openssl_reason());
  if (static_cast<size_t>(reencoded_len) != der.size() ||
      std::memcmp(reencoded, der.data(), der.size()) != 0) {
    return Status::invalid("certificate: not canonical DER (it re-encodes differently)");
  }
  if ((X509_get_extension_flags(x.get()) & EXFLAG_INVALID) != 0) {
    return Status::invalid("certificate: malformed or repeated extensions" + openssl_reason());
  }

  auto rep = std::make_shared<detail::CertificateRep>();
  rep->der.assign(der.begin(), der.end());
  rep->fingerprint = sha256(der);

  auto subject = read_name(X509_get_subject_name(x.get()), "subject");
  if (!subject) return subject.status().with_context("certificate");
  rep->subject = std::move(subject).value();
  const std::string who = "certificate " + format_dn(rep->subject);
  auto issuer = read_name(X509_get_issuer_name(x.get()), "issuer");
  if (!issuer) return issuer.status().with_context(who);
  rep->issuer = std::move(issuer).value();

  auto serial = read_serial(x.get());
  if (!serial) return serial.status().with_context(who);
  rep->serial = std::move(serial).value();

  auto not_before = asn1_time_to_ms(X509_get0_notBefore(x.get()), "notBefore");
  if (!not_before) return not_before.status().with_context(who);
  rep->not_before_ms = *not_before;
  auto not_after = asn1_time_to_ms(X509_get0_notAfter(x.get()), "notAfter");
  if (!not_after) return not_after.status().with_context(who);
  rep->not_after_ms = *not_after;

  int critical = -1;
  BasicConstraintsPtr bc(static_cast<BASIC_CONSTRAINTS*>(
      X509_get_ext_d2i(x.get(), NID_basic_constraints, &critical, nullptr)));
  rep->is_ca = bc && bc->ca != 0;

  auto key = read_subject_key(x.get());
  if (!key) return key.status().with_context(who);
  rep->key_type = key->type;
  rep->public_key = key->ed25519;

  ERR_clear_error();
  return detail::CertificateAccess::make(std::move(rep));
}

}  // namespace

Result<std::vector<Certificate>> parse_pem_bundle(std::string_view pem) {
  const ClearOpensslErrors clear_errors;
  if (pem.size() > kMaxPemBundleBytes) {
    return Status::invalid("PEM bundle is " + std::to_string(pem.size()) + " bytes; at most " +
                           std::to_string(kMaxPemBundleBytes));
  }
  auto blocks = read_pem_blocks(pem);
  if (!blocks) return blocks.status().with_context("PEM bundle");
  if (blocks->empty()) return Status::invalid("PEM bundle: no CERTIFICATE block");
  std::vector<Certificate> out;
  out.reserve(blocks->size());
  for (size_t i = 0; i < blocks->size(); ++i) {
    auto cert = parse_der((*blocks)[i]);
    if (!cert) {
      return cert.status().with_context("certificate " + std::to_string(i + 1) + " of the bundle");
    }
    out.push_back(std::move(cert).value());
  }
  return out;
}

// ---- Public: verification ----

namespace {

enum class IssuedBy { kYes, kNameMismatch, kRefused };

// verify_issued_by on parsed X509 objects. On kNameMismatch and kRefused, *why says why.
IssuedBy check_issued_by(const Certificate& cert, X509* cx, const Certificate& ca, X509* ax,
                         Status* why) {
  const std::string prefix =
      describe(cert) + ": not issued by CA " + format_dn(ca.subject()) + " (";
  auto refuse = [&](const std::string& reason) {
    *why = Status::unauthorized(prefix + reason + ")");
  };
  if (X509_NAME_cmp(X509_get_issuer_name(cx), X509_get_subject_name(ax)) != 0) {
    refuse("its issuer is " + format_dn(cert.issuer()));
    return IssuedBy::kNameMismatch;
  }
  if (!ca.is_ca()) {
    refuse("that certificate is not a CA: basicConstraints CA:TRUE is missing");
    return IssuedBy::kRefused;
  }
  if ((X509_get_key_usage(ax) & KU_KEY_CERT_SIGN) == 0) {
    refuse("the CA's keyUsage does not allow keyCertSign");
    return IssuedBy::kRefused;
  }
  const int issued = X509_check_issued(ax, cx);
  if (issued != X509_V_OK) {
    refuse(X509_verify_cert_error_string(issued));
    return IssuedBy::kRefused;
  }
  EVP_PKEY* ca_key = X509_get0_pubkey(ax);
  const int verified = ca_key != nullptr ? X509_verify(cx, ca_key) : -1;
  if (verified != 1) {
    // 0 is a signature that does not match (OpenSSL's only reason is a generic "EVP lib");
    // below 0, OpenSSL could not even try.
    const std::string reason = openssl_reason();
    refuse(verified == 0 ? "signature does not verify" : "signature could not be checked" + reason);
    return IssuedBy::kRefused;
  }
  return IssuedBy::kYes;
}

// OpenSSL's RFC 5280 path validation of leaf -> ca, with ca as the only trust anchor. Times are
// checked by check_validity instead (inclusive notAfter, millisecond inputs).
Status openssl_path_check(const Certificate& leaf, X509* lx, const Certificate& ca, X509* ax) {
  X509StorePtr store(X509_STORE_new());
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !ctx || X509_STORE_add_cert(store.get(), ax) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), lx, nullptr) != 1) {
    return Status::internal("cannot set up OpenSSL path validation" + openssl_reason());
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_flags(
      param, X509_V_FLAG_X509_STRICT | X509_V_FLAG_PARTIAL_CHAIN | X509_V_FLAG_NO_CHECK_TIME);
  if (X509_verify_cert(ctx.get()) != 1) {
    const int err = X509_STORE_CTX_get_error(ctx.get());
    const int depth = X509_STORE_CTX_get_error_depth(ctx.get());
    ERR_clear_error();
    return Status::unauthorized(
        describe(leaf) + ": refused by OpenSSL path validation with CA " + format_dn(ca.subject()) +
        ": " + X509_verify_cert_error_string(err) +
        (depth == 0 ? " (in the certificate)" : " (in the CA certificate)"));
  }
  return Status::ok();
}

}  // namespace

Status verify_issued_by(const Certificate& cert, const Certificate& ca) {
  const ClearOpensslErrors clear_errors;
  SILK_ASSIGN_OR_RETURN(X509Ptr cx, to_x509(cert));
  SILK_ASSIGN_OR_RETURN(X509Ptr ax, to_x509(ca));
  Status why;
  if (check_issued_by(cert, cx.get(), ca, ax.get(), &why) != IssuedBy::kYes) return why;
  return Status::ok();
}

Status check_validity(const Certificate& cert, uint64_t at_ms) {
  if (at_ms < cert.not_before_ms()) {
    return Status::unauthorized(describe(cert) + ": not yet valid: valid from " +
                                format_time_ms(cert.not_before_ms()) + "; checked at " +
                                format_time_ms(at_ms));
  }
  if (at_ms > cert.not_after_ms()) {
    return Status::unauthorized(describe(cert) + ": expired at " +
                                format_time_ms(cert.not_after_ms()) + "; checked at " +
                                format_time_ms(at_ms));
  }
  return Status::ok();
}

Result<Certificate> verify_chain(const Certificate& leaf,
                                 const std::vector<Certificate>& trusted_cas, uint64_t at_ms) {
  const ClearOpensslErrors clear_errors;
  const std::string who = describe(leaf);
  if (leaf.is_ca()) {
    return Status::unauthorized(
        who + ": is a CA certificate; a member certificate has basicConstraints CA:FALSE");
  }
  SILK_ASSIGN_OR_RETURN(X509Ptr lx, to_x509(leaf));
  if ((X509_get_key_usage(lx.get()) & KU_DIGITAL_SIGNATURE) == 0) {
    return Status::unauthorized(who + ": keyUsage does not allow digitalSignature");
  }
  std::optional<Status> first_refusal;
  for (const Certificate& ca : trusted_cas) {
    SILK_ASSIGN_OR_RETURN(X509Ptr ax, to_x509(ca));
    Status why;
    const IssuedBy issued = check_issued_by(leaf, lx.get(), ca, ax.get(), &why);
    if (issued == IssuedBy::kNameMismatch) continue;
    if (issued == IssuedBy::kYes) {
      if (Status ca_valid = check_validity(ca, at_ms); !ca_valid.is_ok()) {
        why = Status::unauthorized(who + ": its CA is not valid: " + ca_valid.message());
      } else {
        why = openssl_path_check(leaf, lx.get(), ca, ax.get());
      }
      if (why.is_ok()) {
        SILK_RETURN_IF_ERROR(check_validity(leaf, at_ms));
        return ca;
      }
    }
    if (!first_refusal) first_refusal = why;
  }
  if (first_refusal) return *first_refusal;
  return Status::unauthorized(who + ": not chained to a trusted CA: none of the " +
                              std::to_string(trusted_cas.size()) + " trusted CAs is its issuer " +
                              format_dn(leaf.issuer()));
}

// ---- Public: generation ----

namespace {

Status check_window(uint64_t not_before_ms, uint64_t not_after_ms) {
  if (not_after_ms / 1000 > kMaxTimeSeconds) {
    return Status::invalid("not_after " + format_time_ms(not_after_ms) +
                           " is past 9999-12-31T23:59:59Z");
  }
  if (not_after_ms / 1000 <= not_before_ms / 1000) {
    return Status::invalid("validity window is empty: not_after " + format_time_ms(not_after_ms) +
                           " is not after not_before " + format_time_ms(not_before_ms) +
                           " (times have one-second resolution)");
  }
  return Status::ok();
}

Status add_extension(X509* issuer, X509* subject, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, subject, nullptr, nullptr, 0);
  X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext) {
    return Status::internal(std::string("cannot make extension ") + OBJ_nid2sn(nid) + " = " +
                            value + openssl_reason());
  }
  if (X509_add_ext(subject, ext.get(), -1) != 1) {
    return Status::internal(std::string("cannot add extension ") + OBJ_nid2sn(nid) +
                            openssl_reason());
  }
  return Status::ok();
}

// An unsigned v3 certificate with a random serial, names, window and public key set.
Result<X509Ptr> new_certificate(const X509_NAME* subject, const X509_NAME* issuer, EVP_PKEY* key,
                                uint64_t not_before_ms, uint64_t not_after_ms) {
  SILK_RETURN_IF_ERROR(crypto_init());
  X509Ptr x(X509_new());
  if (!x) return Status::internal("X509_new failed" + openssl_reason());

  uint8_t serial_bytes[16];
  randombytes_buf(serial_bytes, sizeof serial_bytes);
  BignumPtr serial_bn(BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr));
  wipe(serial_bytes, sizeof serial_bytes);
  if (serial_bn && BN_is_zero(serial_bn.get())) BN_one(serial_bn.get());  // must be positive
  Asn1IntegerPtr serial(serial_bn ? BN_to_ASN1_INTEGER(serial_bn.get(), nullptr) : nullptr);

  if (!serial || X509_set_version(x.get(), X509_VERSION_3) != 1 ||
      X509_set_serialNumber(x.get(), serial.get()) != 1 ||
      X509_set_subject_name(x.get(), subject) != 1 || X509_set_issuer_name(x.get(), issuer) != 1 ||
      ASN1_TIME_set(X509_getm_notBefore(x.get()), static_cast<time_t>(not_before_ms / 1000)) ==
          nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(x.get()), static_cast<time_t>(not_after_ms / 1000)) ==
          nullptr ||
      X509_set_pubkey(x.get(), key) != 1) {
    return Status::internal("cannot fill in the certificate" + openssl_reason());
  }
  return x;
}

// Signs x with the issuer's key (Ed25519: no digest) and parses the result back.
Result<Certificate> sign_and_parse(X509* x, EVP_PKEY* issuer_key) {
  if (X509_sign(x, issuer_key, nullptr) <= 0) {
    return Status::internal("signing the certificate failed" + openssl_reason());
  }
  unsigned char* der = nullptr;
  const int len = i2d_X509(x, &der);
  OpensslMemPtr<unsigned char> owned(der);
  if (len <= 0) return Status::internal("i2d_X509 failed" + openssl_reason());
  return parse_der(ByteSpan(der, static_cast<size_t>(len)));
}

}  // namespace

Result<Certificate> make_ca_certificate(const SecretKey& ca_key, const DistinguishedName& subject,
                                        uint64_t not_before_ms, uint64_t not_after_ms) {
  const ClearOpensslErrors clear_errors;
  SILK_RETURN_IF_ERROR(check_window(not_before_ms, not_after_ms));
  SILK_ASSIGN_OR_RETURN(X509NamePtr name, build_name(subject, "subject"));
  SILK_ASSIGN_OR_RETURN(EvpPkeyPtr key, signing_key(ca_key));
  SILK_ASSIGN_OR_RETURN(
      X509Ptr x, new_certificate(name.get(), name.get(), key.get(), not_before_ms, not_after_ms));
  SILK_RETURN_IF_ERROR(add_extension(x.get(), x.get(), NID_basic_constraints, "critical,CA:TRUE"));
  SILK_RETURN_IF_ERROR(
      add_extension(x.get(), x.get(), NID_key_usage, "critical,keyCertSign,cRLSign"));
  SILK_RETURN_IF_ERROR(add_extension(x.get(), x.get(), NID_subject_key_identifier, "hash"));
  return sign_and_parse(x.get(), key.get());
}

Result<Certificate> issue_certificate(const SecretKey& ca_key, const Certificate& ca,
                                      const PublicKey& subject_key,
                                      const DistinguishedName& subject, uint64_t not_before_ms,
                                      uint64_t not_after_ms) {
  const ClearOpensslErrors clear_errors;
  const std::string cannot = "cannot issue from " + describe(ca) + ": ";
  if (!ca.is_ca()) {
    return Status::invalid(cannot + "it is not a CA (basicConstraints CA:TRUE missing)");
  }
  if (ca_key.public_key() != ca.public_key()) {
    return Status::invalid(cannot + "the CA key given is not the key of this CA certificate");
  }
  SILK_ASSIGN_OR_RETURN(X509Ptr ca_x, to_x509(ca));
  if ((X509_get_key_usage(ca_x.get()) & KU_KEY_CERT_SIGN) == 0) {
    return Status::invalid(cannot + "its keyUsage does not allow keyCertSign");
  }
  SILK_RETURN_IF_ERROR(check_window(not_before_ms, not_after_ms));
  SILK_ASSIGN_OR_RETURN(X509NamePtr name, build_name(subject, "subject"));
  SILK_ASSIGN_OR_RETURN(EvpPkeyPtr member_key, verifying_key(subject_key));
  SILK_ASSIGN_OR_RETURN(EvpPkeyPtr signer, signing_key(ca_key));
  SILK_ASSIGN_OR_RETURN(X509Ptr x, new_certificate(name.get(), X509_get_subject_name(ca_x.get()),
                                                   member_key.get(), not_before_ms, not_after_ms));
  SILK_RETURN_IF_ERROR(
      add_extension(ca_x.get(), x.get(), NID_basic_constraints, "critical,CA:FALSE"));
  SILK_RETURN_IF_ERROR(
      add_extension(ca_x.get(), x.get(), NID_key_usage, "critical,digitalSignature"));
  SILK_RETURN_IF_ERROR(add_extension(ca_x.get(), x.get(), NID_subject_key_identifier, "hash"));
  if (Status akid =
          add_extension(ca_x.get(), x.get(), NID_authority_key_identifier, "keyid:always");
      !akid.is_ok()) {
    return Status::invalid(cannot +
                           "it has no subjectKeyIdentifier to name in the "
                           "authorityKeyIdentifier (" +
                           akid.message() + ")");
  }
  return sign_and_parse(x.get(), signer.get());
}

}  // namespace silk::core
