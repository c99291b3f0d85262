#include "silk/client/tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include "silk/core/openssl_error.h"

namespace silk::client {

namespace ssl = boost::asio::ssl;
using core::Result;
using core::Status;

namespace {

using core::openssl_error;

}  // namespace

TlsClient::~TlsClient() = default;

Result<std::shared_ptr<TlsClient>> TlsClient::create(const TlsClientConfig& config) {
  std::shared_ptr<TlsClient> out(new TlsClient());
  out->ca_source_ = config.ca_source;
  out->context_ = std::make_unique<ssl::context>(ssl::context::tls_client);
  SSL_CTX* c = out->context_->native_handle();
  ERR_clear_error();
  if (SSL_CTX_set_min_proto_version(c, TLS1_3_VERSION) != 1) {
    return Status::internal("TLS: cannot require TLS 1.3: " + openssl_error());
  }
  X509_STORE* store = SSL_CTX_get_cert_store(c);
  BIO* bio = BIO_new_mem_buf(config.ca_pem.data(), static_cast<int>(config.ca_pem.size()));
  size_t loaded = 0;
  while (bio != nullptr) {
    X509* ca = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    if (ca == nullptr) break;
    if (X509_STORE_add_cert(store, ca) == 1) ++loaded;
    X509_free(ca);
  }
  BIO_free(bio);
  ERR_clear_error();
  if (loaded == 0) {
    return Status::invalid(config.ca_source +
                           ": no CA certificate in it (expected the consortium CA certificates, "
                           "PEM, e.g. cas.pem of `silk network init`)");
  }
  SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
  if (!config.cert_pem.empty()) {
    BIO* cb = BIO_new_mem_buf(config.cert_pem.data(), static_cast<int>(config.cert_pem.size()));
    X509* cert = cb ? PEM_read_bio_X509(cb, nullptr, nullptr, nullptr) : nullptr;
    BIO_free(cb);
    if (cert == nullptr) {
      return Status::invalid("TLS client certificate: not a PEM certificate: " + openssl_error());
    }
    const int ok = SSL_CTX_use_certificate(c, cert);
    X509_free(cert);
    if (ok != 1) return Status::invalid("TLS client certificate: " + openssl_error());
    BIO* kb = BIO_new_mem_buf(config.key_pem.data(), static_cast<int>(config.key_pem.size()));
    EVP_PKEY* key = kb ? PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr) : nullptr;
    BIO_free(kb);
    if (key == nullptr) {
      return Status::invalid("TLS client key: not a clear PEM private key: " + openssl_error());
    }
    const int key_ok = SSL_CTX_use_PrivateKey(c, key);
    EVP_PKEY_free(key);
    if (key_ok != 1 || SSL_CTX_check_private_key(c) != 1) {
      return Status::invalid("TLS client key does not belong to the client certificate: " +
                             openssl_error());
    }
    out->has_client_cert_ = true;
  }
  return out;
}

}  // namespace silk::client
