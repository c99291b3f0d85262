// `silk ca init`, `silk cert issue` and `silk cert show`: an organisation's certificate authority
// and its members' keys and X.509 certificates (DESIGN.md §3, core/x509.h).
//
// Files (keys 0600, everything else 0644):
//   <ca-dir>/ca.key        the CA's Ed25519 key, an encrypted key file (core/key_file.h)
//   <ca-dir>/ca.pem        the self-signed CA certificate: CN=<org> CA, O=<org>, C=<jurisdiction>
//   <ca-dir>/ca.json       {"org", "name", "jurisdiction", "fingerprint"}, for genesis tooling
//   <out-dir>/<name>.key   the member's key, an encrypted key file
//   <out-dir>/<name>.pem   its certificate: CN=<name>, OU=<role>, O=<org>, C=<jurisdiction>
// Certificates are public (they go into genesis and into txs), so they are world-readable; keys
// are not. No file is ever overwritten: a command refuses (kConflict) before writing anything if
// one of its outputs exists, and removes what it wrote itself if a later write fails.
//
// Passphrases: a new key's passphrase comes from the usual source (--passphrase-file, else
// $SILK_PASSPHRASE, else a terminal prompt, asked twice). `cert issue` also needs the CA key's
// passphrase, from its own source: --ca-passphrase-file, else $SILK_CA_PASSPHRASE, else a
// terminal prompt.
//
// Errors: kInvalid for bad options (an org, name or jurisdiction that is not allowed, an unknown
// role, zero days), kConflict for an existing output, kNotFound for a missing CA file,
// kUnauthorized for a CA of another organisation or an expired CA, kInvalid "key file ...: wrong
// passphrase or corrupted file" for a wrong CA passphrase, kIOError when a file cannot be written.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "silk/core/x509.h"
#include "silk/tools/command.h"
#include "silk/tools/passphrase.h"
#include "silk/tools/wallet_commands.h"

namespace silk::tools {

// Longest certificate lifetime accepted by the commands (100 years).
inline constexpr uint32_t kMaxCertificateDays = 36500;

struct CaInitOptions {
  std::string org;           // organisation id: 1-60 of [A-Za-z0-9._-], starting alphanumeric
  std::string jurisdiction;  // ISO 3166-1 alpha-2, upper case: "SG"
  std::string out_dir;       // created if absent; must not hold ca.key, ca.pem or ca.json
  std::string name;          // display name, recorded in ca.json (default: the org id)
  uint32_t days = 3650;      // validity from now, 1..kMaxCertificateDays
  KeyKdf kdf = KeyKdf::kInteractive;
};
// Creates the CA key and self-signed certificate, valid from now (the context's clock) for
// `days`. Text: a summary with the certificate's fingerprint. JSON: {"org", "name",
// "jurisdiction", "subject", "fingerprint", "not_before", "not_after", "key_file", "cert_file",
// "info_file", "public_key"}.
core::Result<CommandOutput> run_ca_init(CommandContext& ctx, const CaInitOptions& options);

// The CA certificate `silk ca init` makes: CN="<org> CA", O=<org>, C=<jurisdiction>.
core::Result<core::Certificate> make_org_ca_certificate(const core::SecretKey& key,
                                                        const std::string& org,
                                                        const std::string& jurisdiction,
                                                        uint64_t not_before_ms,
                                                        uint64_t not_after_ms);
// ca.json's content: {"org", "name", "jurisdiction", "fingerprint"}.
nlohmann::json ca_info_json(const std::string& org, const std::string& name,
                            const std::string& jurisdiction, const core::Certificate& ca);
// A member's subject: CN=<name>, OU=<role>, O=<org>, C=<jurisdiction>.
core::DistinguishedName member_subject(const std::string& name, const std::string& role,
                                       const std::string& org, const std::string& jurisdiction);

struct CertIssueOptions {
  std::string ca_dir;        // holds ca.key and ca.pem (as `ca init` writes them)
  std::string org;           // must equal the CA certificate's O
  std::string role;          // core::is_known_role: admin, client, node, issuer, ...
  std::string name;          // CN and file stem: 1-64 of [A-Za-z0-9._-], starting alphanumeric
  std::string out_dir;       // created if absent; must not hold <name>.key or <name>.pem
  std::string jurisdiction;  // empty = the CA certificate's C
  uint32_t days = 365;       // 1..kMaxCertificateDays; cut to the CA's own expiry
  // An explicit validity window (parse_time_option: ISO 8601 UTC or Unix ms); empty = now and
  // now + days. valid_from alone: valid_from + days (cut to the CA's expiry). The end may not be
  // after the CA's expiry; the start may precede the CA's start, and a window already over (an
  // expired certificate, which tests need) is allowed.
  std::string valid_from;
  std::string valid_until;
  KeyKdf kdf = KeyKdf::kInteractive;
  // Where the CA key's passphrase comes from (the CLI fills these in).
  std::string ca_passphrase_file;                // --ca-passphrase-file
  std::optional<std::string> ca_passphrase_env;  // $SILK_CA_PASSPHRASE
  PassphrasePrompt prompt;                       // empty when stdin is not a terminal
};
// Checks the options and the CA (its organisation, its validity now -- or, with an explicit window,
// that the window ends by the CA's expiry --, the CA key's passphrase and
// that the key matches the certificate) before creating anything, then creates the member key and
// its certificate signed by the CA. Text: a summary with the fingerprint. JSON: {"org", "role",
// "name", "jurisdiction", "subject", "issuer", "fingerprint", "serial", "not_before",
// "not_after", "key_file", "cert_file", "public_key", "ca_fingerprint"}.
core::Result<CommandOutput> run_cert_issue(CommandContext& ctx, const CertIssueOptions& options);

// Prints a certificate (PEM or DER): subject, issuer, serial, validity (and whether it holds at
// the context's clock), fingerprint, role (the OU; "ca" for a CA certificate) and public key.
// JSON: {"file", "subject", "subject_dn" {cn, o, ou, c}, "issuer", "issuer_dn", "serial",
// "not_before", "not_after", "not_before_ms", "not_after_ms", "validity" ("valid", "expired" or
// "not yet valid"), "fingerprint", "role", "is_ca", "key_type", "public_key"}.
core::Result<CommandOutput> run_cert_show(CommandContext& ctx, const std::string& file);

}  // namespace silk::tools
