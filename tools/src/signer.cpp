#include "silk/tools/signer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "silk/core/key_file.h"
#include "silk/core/signature_suite.h"
#include "silk/tools/tx_commands.h"

namespace silk::tools {

using core::Result;
using core::Status;

core::SenderKind SenderIdentity::sender_kind() const {
  return cert ? core::SenderKind::kCertFingerprint : core::SenderKind::kPublicKey;
}

core::Hash SenderIdentity::sender() const { return cert ? cert->fingerprint() : public_key; }

std::string SenderIdentity::describe() const {
  if (cert) return "certificate " + core::format_dn(cert->subject());
  return "public key " + core::to_hex(public_key);
}

core::Tx SenderIdentity::make_unsigned_tx(const std::string& chain_id, const std::string& contract,
                                          const std::string& method, const std::string& args_json,
                                          uint64_t nonce, uint64_t timestamp_ms) const {
  core::Tx tx = make_tx(chain_id, public_key, contract, method, args_json, nonce, timestamp_ms);
  if (cert) {
    tx.sender_kind = core::SenderKind::kCertFingerprint;
    tx.sender = cert->fingerprint();
    tx.sender_cert = cert->der();
  }
  return tx;
}

std::string signer_cert_file(const std::string& key_file, const std::string& explicit_cert) {
  if (!explicit_cert.empty()) return explicit_cert;
  constexpr std::string_view kKeySuffix = ".key";
  if (key_file.size() <= kKeySuffix.size() || !key_file.ends_with(kKeySuffix)) return "";
  std::string sibling = key_file.substr(0, key_file.size() - kKeySuffix.size()) + ".pem";
  std::error_code ec;
  if (std::filesystem::is_regular_file(sibling, ec)) return sibling;
  return "";
}

Result<core::Certificate> load_certificate_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) return Status::not_found("certificate file " + path + " does not exist");
    return Status::io_error("cannot open certificate file " + path + ": " + std::strerror(err));
  }
  std::string text;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Status::io_error("cannot read certificate file " + path + ": " + std::strerror(err));
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > core::kMaxCertificateInputBytes) {
      ::close(fd);
      return Status::invalid("certificate file " + path + " is larger than " +
                             std::to_string(core::kMaxCertificateInputBytes) + " bytes");
    }
  }
  ::close(fd);
  auto cert = core::parse_certificate(std::string_view(text));
  if (!cert.is_ok()) return cert.status().with_context(path);
  return cert;
}

Status check_key_matches_certificate(const std::string& key_file, const core::PublicKey& key_public,
                                     const core::Certificate& cert) {
  if (key_public == cert.public_key()) return Status::ok();
  return Status::invalid("key file " + key_file + " does not match certificate " +
                         core::format_dn(cert.subject()) + ": key " + core::to_hex(key_public) +
                         ", certificate key " + core::to_hex(cert.public_key()));
}

namespace {

// The Ed25519 key of a PKCS#8 private key file (`--key` may name one directly). Txs are signed
// with ed25519 keys only so far: another suite is kInvalid, naming it.
Result<core::SecretKey> read_pkcs8_ed25519(const std::string& key_file,
                                           const std::string& passphrase) {
  SILK_ASSIGN_OR_RETURN(core::SigningKey key, core::read_private_key_file(key_file, passphrase));
  if (key.suite() != core::SignatureSuite::kEd25519) {
    return Status::invalid("private key file " + key_file + ": a " + core::suite_name(key.suite()) +
                           " key; txs are signed with ed25519 keys only so far");
  }
  return key.ed25519_key();
}

// The certificate part of a sender identity (none when there is no certificate file).
Result<SenderIdentity> load_cert_identity(const std::string& cert_path) {
  SenderIdentity id;
  if (cert_path.empty()) return id;
  SILK_ASSIGN_OR_RETURN(core::Certificate cert, load_certificate_file(cert_path));
  if (cert.is_ca()) {
    return Status::invalid("certificate " + cert_path + " (" + core::format_dn(cert.subject()) +
                           ") is a CA certificate: a CA cannot sign txs");
  }
  id.public_key = cert.public_key();
  id.cert = std::move(cert);
  return id;
}

}  // namespace

Result<SenderIdentity> load_sender_identity(const std::string& key_file,
                                            const std::string& cert_file) {
  SILK_RETURN_IF_ERROR(core::crypto_init());
  const std::string cert_path = signer_cert_file(key_file, cert_file);
  if (key_file.empty() && cert_path.empty()) {
    return Status::invalid("no signer: give --key (and --cert in with-cert mode)");
  }
  SILK_ASSIGN_OR_RETURN(SenderIdentity id, load_cert_identity(cert_path));
  if (!key_file.empty()) {
    SILK_ASSIGN_OR_RETURN(core::PrivateKeyFileKind kind, core::private_key_file_kind(key_file));
    core::PublicKey pk{};
    if (kind == core::PrivateKeyFileKind::kKeyFile) {
      SILK_ASSIGN_OR_RETURN(pk, core::read_key_file_public(key_file));
    } else if (kind == core::PrivateKeyFileKind::kPkcs8) {
      SILK_ASSIGN_OR_RETURN(core::SecretKey sk, read_pkcs8_ed25519(key_file, ""));
      pk = sk.public_key();
    } else {
      // An encrypted PKCS#8 file shows its public key only after its passphrase.
      if (id.cert) return id;
      return Status::invalid("private key file " + key_file +
                             " is encrypted PKCS#8: its public key needs the passphrase; give "
                             "--cert, or import it with `silk key import`");
    }
    if (id.cert) SILK_RETURN_IF_ERROR(check_key_matches_certificate(key_file, pk, *id.cert));
    id.public_key = pk;
  }
  return id;
}

Result<Signer> Signer::load(CommandContext& ctx, const std::string& key_file,
                            const std::string& cert_file) {
  if (key_file.empty()) return Status::invalid("no key file: give --key");
  SILK_RETURN_IF_ERROR(core::crypto_init());
  SILK_ASSIGN_OR_RETURN(core::PrivateKeyFileKind kind, core::private_key_file_kind(key_file));
  SenderIdentity id;
  if (kind == core::PrivateKeyFileKind::kPkcs8Encrypted) {
    SILK_ASSIGN_OR_RETURN(id, load_cert_identity(signer_cert_file(key_file, cert_file)));
  } else {
    SILK_ASSIGN_OR_RETURN(id, load_sender_identity(key_file, cert_file));
  }
  core::SecretKey key;
  if (kind == core::PrivateKeyFileKind::kPkcs8) {
    SILK_ASSIGN_OR_RETURN(key, read_pkcs8_ed25519(key_file, ""));
  } else {
    SILK_ASSIGN_OR_RETURN(Passphrase passphrase,
                          ctx.passphrase().get("key file " + key_file, false));
    if (kind == core::PrivateKeyFileKind::kKeyFile) {
      SILK_ASSIGN_OR_RETURN(key, core::read_key_file(key_file, passphrase.str()));
    } else {
      SILK_ASSIGN_OR_RETURN(key, read_pkcs8_ed25519(key_file, passphrase.str()));
      if (!id.cert) id.public_key = key.public_key();
    }
  }
  if (id.cert) {
    SILK_RETURN_IF_ERROR(check_key_matches_certificate(key_file, key.public_key(), *id.cert));
    ctx.offer_tls_identity(key, *id.cert);  // the identity it signs with, on an https node
  } else if (key.public_key() != id.public_key) {
    return Status::invalid("key file " + key_file + " changed while it was read");
  }
  return Signer(std::move(key), std::move(id));
}

Result<Signer> Signer::from_key(core::SecretKey key, std::optional<core::Certificate> cert) {
  SenderIdentity id;
  id.public_key = key.public_key();
  if (cert) {
    SILK_RETURN_IF_ERROR(check_key_matches_certificate("(in memory)", id.public_key, *cert));
  }
  id.cert = std::move(cert);
  return Signer(std::move(key), std::move(id));
}

core::Tx Signer::make_tx(const std::string& chain_id, const std::string& contract,
                         const std::string& method, const std::string& args_json, uint64_t nonce,
                         uint64_t timestamp_ms) const {
  core::Tx tx =
      identity_.make_unsigned_tx(chain_id, contract, method, args_json, nonce, timestamp_ms);
  tx.sign(key_);
  return tx;
}

}  // namespace silk::tools
