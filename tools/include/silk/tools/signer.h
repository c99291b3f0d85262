// Who signs a tx: an Ed25519 key, and in with-cert mode (DESIGN.md §3, docs/identity.md) the
// X.509 certificate that holds its public key. Every command that signs txs (tx build and sign,
// notary anchor, bench load, cert revoke/freeze/unfreeze, gov propose/approve/withdraw) goes
// through here, so the rules are the same everywhere:
//   - the certificate is the --cert file when given (PEM or DER), else the file named like the
//     key file with ".key" replaced by ".pem" when it exists (`alice.key` -> `alice.pem`), else
//     none;
//   - with a certificate, txs have sender_kind kCertFingerprint, sender = the certificate's
//     fingerprint and sender_cert = its DER (the executor registers it on first use); without
//     one, sender_kind kPublicKey and sender = the public key;
//   - the key file's public key must equal the certificate's (checked before any passphrase is
//     asked): kInvalid "key file a.key does not match certificate CN=...: key <hex>, certificate
//     key <hex>";
//   - the key file may also be a PKCS#8 private key (PEM or DER; core/key_file.h
//     read_private_key_file): a clear one needs no passphrase, an encrypted one takes the key
//     file passphrase (and shows its public key only then). Txs are signed with ed25519 keys
//     only so far: a key of another suite is kInvalid, naming the suite.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "silk/core/crypto.h"
#include "silk/core/status.h"
#include "silk/core/tx.h"
#include "silk/core/x509.h"
#include "silk/tools/command.h"

namespace silk::tools {

// The public side of a signer: enough to build an unsigned tx.
struct SenderIdentity {
  core::PublicKey public_key{};
  std::optional<core::Certificate> cert;

  core::SenderKind sender_kind() const;
  // The certificate's fingerprint, else the public key.
  core::Hash sender() const;
  // "certificate CN=...,OU=...,O=...,C=..." or "public key <hex>": how messages name the signer.
  std::string describe() const;
  // An unsigned tx from this sender (sender_cert attached when there is a certificate).
  core::Tx make_unsigned_tx(const std::string& chain_id, const std::string& contract,
                            const std::string& method, const std::string& args_json, uint64_t nonce,
                            uint64_t timestamp_ms) const;
};

// The certificate file to use with `key_file`: `explicit_cert` when non-empty, else the ".pem"
// sibling of a ".key" file when it exists, else "".
std::string signer_cert_file(const std::string& key_file, const std::string& explicit_cert);

// A certificate file (PEM or DER); kNotFound when missing, kInvalid naming the file otherwise.
core::Result<core::Certificate> load_certificate_file(const std::string& path);

// kInvalid when `key_public` is not the certificate's key (the message above).
core::Status check_key_matches_certificate(const std::string& key_file,
                                           const core::PublicKey& key_public,
                                           const core::Certificate& cert);

// The public side only (no passphrase). `key_file` may be empty when `cert_file` is given: the
// certificate alone names the sender. kInvalid when both are empty.
core::Result<SenderIdentity> load_sender_identity(const std::string& key_file,
                                                  const std::string& cert_file);

class Signer {
 public:
  // Reads the key file (its passphrase from ctx) and the certificate (signer_cert_file), and
  // checks that they match before asking for the passphrase.
  static core::Result<Signer> load(CommandContext& ctx, const std::string& key_file,
                                   const std::string& cert_file);
  // A signer from a key in memory; kInvalid when `cert` does not hold the key's public key.
  static core::Result<Signer> from_key(core::SecretKey key, std::optional<core::Certificate> cert);

  const SenderIdentity& identity() const { return identity_; }
  const core::SecretKey& key() const { return key_; }

  // A signed tx (make_unsigned_tx, then signed with the key).
  core::Tx make_tx(const std::string& chain_id, const std::string& contract,
                   const std::string& method, const std::string& args_json, uint64_t nonce,
                   uint64_t timestamp_ms) const;

 private:
  Signer(core::SecretKey key, SenderIdentity identity)
      : key_(std::move(key)), identity_(std::move(identity)) {}
  core::SecretKey key_;
  SenderIdentity identity_;
};

}  // namespace silk::tools
