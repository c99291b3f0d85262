// The certificate of a node's public verification listener (node config "public"): browsers,
// unlike silk, do not accept Ed25519 in TLS, so network init makes an ECDSA P-256 certificate for
// it, self-signed, naming 127.0.0.1 and localhost. An operator replaces it with one a public CA
// issued for the listener's host name (docs/operations.md).
#pragma once

#include <cstdint>
#include <string>

#include "silk/core/signature_suite.h"
#include "silk/core/status.h"

namespace silk::tools {

struct WebCertificate {
  std::string cert_pem;
  core::SecretBytes key_pem;  // PKCS#8, clear
};

// A self-signed P-256/SHA-256 server certificate for `common_name`, valid from `now_ms` for
// `days`, with subjectAltName IP:127.0.0.1, IP:::1 and DNS:localhost and extendedKeyUsage
// serverAuth. kInternal naming the OpenSSL step that failed.
core::Result<WebCertificate> make_self_signed_web_certificate(const std::string& common_name,
                                                              uint64_t now_ms, uint32_t days);

}  // namespace silk::tools
