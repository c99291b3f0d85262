#include "silk/tools/web_cert.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "silk/core/openssl_error.h"

namespace silk::tools {

using core::Result;
using core::Status;

namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using PKeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

Status fail(const std::string& step) {
  return Status::internal("web certificate: " + step + ": " + core::openssl_error());
}

bool add_extension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  const int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return ok == 1;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

}  // namespace

Result<WebCertificate> make_self_signed_web_certificate(const std::string& common_name,
                                                        uint64_t now_ms, uint32_t days) {
  ERR_clear_error();
  PKeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return fail("generate a P-256 key");
  X509Ptr cert(X509_new());
  if (!cert) return fail("new certificate");
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return fail("random serial");
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  const bool serial_ok = bn != nullptr && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  if (!serial_ok) return fail("serial number");
  const time_t from = static_cast<time_t>(now_ms / 1000);
  const time_t until = from + static_cast<time_t>(days) * 86400;
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (X509_set_version(cert.get(), 2) != 1 ||
      ASN1_TIME_set(X509_getm_notBefore(cert.get()), from) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), until) == nullptr ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                 -1, 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1 || X509_set_pubkey(cert.get(), key.get()) != 1) {
    return fail("certificate fields");
  }
  if (!add_extension(cert.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !add_extension(cert.get(), NID_key_usage, "critical,digitalSignature") ||
      !add_extension(cert.get(), NID_ext_key_usage, "serverAuth") ||
      !add_extension(cert.get(), NID_subject_key_identifier, "hash") ||
      !add_extension(cert.get(), NID_subject_alt_name,
                     "IP:127.0.0.1,IP:0:0:0:0:0:0:0:1,DNS:localhost")) {
    return fail("extensions");
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) return fail("sign");

  BioPtr cert_bio(BIO_new(BIO_s_mem()));
  if (!cert_bio || PEM_write_bio_X509(cert_bio.get(), cert.get()) != 1) return fail("write PEM");
  BioPtr key_bio(BIO_new(BIO_s_secmem()));
  if (!key_bio ||
      PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
          1) {
    return fail("write the key");
  }
  WebCertificate out;
  out.cert_pem = bio_text(cert_bio.get());
  std::string key_text = bio_text(key_bio.get());
  out.key_pem = core::SecretBytes(core::Bytes(key_text.begin(), key_text.end()));
  core::wipe(key_text.data(), key_text.size());
  return out;
}

}  // namespace silk::tools
