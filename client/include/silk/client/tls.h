// HTTPS to silkd (rpc.tls): the client's TLS 1.3 context. The node's certificate must chain to
// one of the CA certificates the client was given (OpenSSL's path validation: the consortium's
// CAs for a node certificate, or the operator's CA for a certificate of its own); the name in it
// is not matched against the host (node certificates name the node, not an address). The client
// shows its member certificate, which the node judges by the chain's rules.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "silk/core/status.h"

namespace silk::client {

struct TlsClientConfig {
  std::string ca_pem;    // the CA certificates the node's certificate must chain to (PEM bundle)
  std::string cert_pem;  // this client's certificate (PEM); "" = none (the node will say 403)
  std::string key_pem;   // its private key, clear PKCS#8 PEM
  std::string ca_source = "--ca";  // how messages name where the CAs came from
};

class TlsClient {
 public:
  // kInvalid naming the part at fault: no CA certificate in ca_pem, a certificate or key that
  // does not load, a key that is not the certificate's.
  static core::Result<std::shared_ptr<TlsClient>> create(const TlsClientConfig& config);
  ~TlsClient();

  boost::asio::ssl::context& context() { return *context_; }
  bool has_client_cert() const { return has_client_cert_; }
  const std::string& ca_source() const { return ca_source_; }

 private:
  TlsClient() = default;
  std::unique_ptr<boost::asio::ssl::context> context_;
  bool has_client_cert_ = false;
  std::string ca_source_;
};

}  // namespace silk::client
