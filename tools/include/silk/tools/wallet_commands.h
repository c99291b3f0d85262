// `silk keygen`, `silk pubkey`, `silk key import` and `silk key export`.
#pragma once

#include <string>

#include "silk/core/key_file.h"
#include "silk/tools/command.h"

namespace silk::tools {

// Key-derivation cost for new key files: `interactive` (libsodium's
// interactive limits, the default) or `fast` (the minimum, for tests and
// throw-away chains).
enum class KeyKdf { kInteractive, kFast };
core::Result<KeyKdf> parse_key_kdf(std::string_view name);
core::KeyFileOptions key_file_options(KeyKdf kdf);

struct KeygenOptions {
  std::string out;   // key file to create (refused if it exists)
  std::string name;  // optional label, echoed in the output
  KeyKdf kdf = KeyKdf::kInteractive;
  std::string suite = "ed25519";  // a signature suite name (core/signature_suite.h)
  unsigned rsa_bits = 3072;       // rsa-* suites only
};
// Text: the public key hex (ed25519: the raw 32 bytes; other suites: the SubjectPublicKeyInfo
// DER). JSON: {"public_key", "suite", "file", "name"?}.
core::Result<CommandOutput> run_keygen(CommandContext& ctx, const KeygenOptions& options);

// Reads only the public part: no passphrase. Text: the hex (as keygen). JSON:
// {"public_key", "suite", "file"}.
core::Result<CommandOutput> run_pubkey(CommandContext& ctx, const std::string& key_file);

struct KeyImportOptions {
  std::string in;                  // a PKCS#8 private key, PEM or DER, clear or encrypted
  std::string in_passphrase_file;  // the passphrase of an encrypted `in`
  std::string out;  // key file to create (never overwritten); its passphrase from ctx
  KeyKdf kdf = KeyKdf::kInteractive;
};
// A key made elsewhere (openssl, an HSM's export) into an encrypted key file of its own suite.
// kInvalid naming the file and the reason for an unsupported algorithm, curve or size, a wrong or
// missing input passphrase. Output as keygen.
core::Result<CommandOutput> run_key_import(CommandContext& ctx, const KeyImportOptions& options);

struct KeyExportOptions {
  std::string key;                  // a key file (or a PKCS#8 file); its passphrase from ctx
  std::string out;                  // PKCS#8 file to create, mode 0600, never overwritten
  std::string out_passphrase_file;  // encrypt the PKCS#8 under this file's passphrase
  bool unencrypted = false;         // or write it in clear: one of the two must be chosen
  bool der = false;                 // DER instead of PEM (clear only)
};
// A key back out as PKCS#8, which `openssl pkey` reads. Output as keygen, with "out".
core::Result<CommandOutput> run_key_export(CommandContext& ctx, const KeyExportOptions& options);

}  // namespace silk::tools
