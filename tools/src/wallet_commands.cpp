#include "silk/tools/wallet_commands.h"

#include <sodium.h>

#include "silk/core/file_io.h"
#include "silk/core/signature_suite.h"

namespace silk::tools {

using core::Result;
using core::Status;

Result<KeyKdf> parse_key_kdf(std::string_view name) {
  if (name == "interactive") return KeyKdf::kInteractive;
  if (name == "fast") return KeyKdf::kFast;
  return Status::invalid("unknown key kdf \"" + std::string(name) +
                         "\" (expected interactive or fast)");
}

core::KeyFileOptions key_file_options(KeyKdf kdf) {
  core::KeyFileOptions options;
  if (kdf == KeyKdf::kFast) {
    options.opslimit = crypto_pwhash_OPSLIMIT_MIN;
    options.memlimit = crypto_pwhash_MEMLIMIT_MIN;
  }
  return options;
}

namespace {

// The hex users see for a public key: the raw 32 bytes of an ed25519 key (as always), the
// SubjectPublicKeyInfo DER of any other suite.
std::string public_key_hex(const core::VerifyingKey& key) {
  if (auto raw = key.ed25519_key(); raw.is_ok()) return core::to_hex(*raw);
  return core::to_hex(key.spki_der());
}

CommandOutput key_output(const core::VerifyingKey& key, const std::string& file) {
  const std::string pk = public_key_hex(key);
  CommandOutput out;
  out.text = pk + "\n";
  out.json = {{"public_key", pk}, {"suite", core::suite_name(key.suite())}, {"file", file}};
  return out;
}

}  // namespace

Result<CommandOutput> run_keygen(CommandContext& ctx, const KeygenOptions& options) {
  SILK_RETURN_IF_ERROR(core::crypto_init());
  SILK_ASSIGN_OR_RETURN(core::SignatureSuite suite, core::parse_suite_name(options.suite));
  SILK_ASSIGN_OR_RETURN(Passphrase passphrase,
                        ctx.passphrase().get("new key file " + options.out, /*confirm=*/true));
  SILK_ASSIGN_OR_RETURN(core::SigningKey key, core::SigningKey::generate(suite, options.rsa_bits));
  SILK_RETURN_IF_ERROR(core::write_signing_key_file(options.out, key, passphrase.str(),
                                                    key_file_options(options.kdf)));
  CommandOutput out = key_output(key.verifying_key(), options.out);
  if (!options.name.empty()) out.json["name"] = options.name;
  return out;
}

Result<CommandOutput> run_pubkey(CommandContext& ctx, const std::string& key_file) {
  SILK_ASSIGN_OR_RETURN(core::VerifyingKey key, core::read_key_file_verifying_key(key_file));
  return key_output(key, key_file);
}

Result<CommandOutput> run_key_import(CommandContext& ctx, const KeyImportOptions& options) {
  SILK_RETURN_IF_ERROR(core::crypto_init());
  SILK_ASSIGN_OR_RETURN(core::PrivateKeyFileKind kind, core::private_key_file_kind(options.in));
  if (kind == core::PrivateKeyFileKind::kKeyFile) {
    return Status::invalid(options.in + " is already a silk key file");
  }
  std::string in_passphrase;
  if (kind == core::PrivateKeyFileKind::kPkcs8Encrypted) {
    if (options.in_passphrase_file.empty()) {
      return Status::invalid(options.in +
                             " is an encrypted PKCS#8 key: give its passphrase with "
                             "--in-passphrase-file");
    }
    SILK_ASSIGN_OR_RETURN(in_passphrase, core::read_passphrase_file(options.in_passphrase_file));
  }
  auto key = core::read_private_key_file(options.in, in_passphrase);
  core::wipe(in_passphrase.data(), in_passphrase.size());
  if (!key.is_ok()) return key.status();
  SILK_ASSIGN_OR_RETURN(Passphrase passphrase,
                        ctx.passphrase().get("new key file " + options.out, /*confirm=*/true));
  SILK_RETURN_IF_ERROR(core::write_signing_key_file(options.out, *key, passphrase.str(),
                                                    key_file_options(options.kdf)));
  return key_output(key->verifying_key(), options.out);
}

Result<CommandOutput> run_key_export(CommandContext& ctx, const KeyExportOptions& options) {
  SILK_RETURN_IF_ERROR(core::crypto_init());
  const bool encrypt = !options.out_passphrase_file.empty();
  if (encrypt == options.unencrypted) {
    return Status::invalid(
        "choose how to write the private key: --out-passphrase-file FILE (encrypted PKCS#8) or "
        "--unencrypted");
  }
  if (encrypt && options.der) {
    return Status::invalid("--der writes a clear key only; an encrypted export is PEM");
  }
  std::string out_passphrase;
  if (encrypt) {
    SILK_ASSIGN_OR_RETURN(out_passphrase, core::read_passphrase_file(options.out_passphrase_file));
  }
  core::SecretBytes out_pass_holder(core::to_bytes(out_passphrase));
  core::wipe(out_passphrase.data(), out_passphrase.size());

  SILK_ASSIGN_OR_RETURN(core::PrivateKeyFileKind kind, core::private_key_file_kind(options.key));
  std::optional<Passphrase> passphrase;
  if (kind != core::PrivateKeyFileKind::kPkcs8) {
    SILK_ASSIGN_OR_RETURN(Passphrase p, ctx.passphrase().get("key file " + options.key, false));
    passphrase = std::move(p);
  }
  SILK_ASSIGN_OR_RETURN(
      core::SigningKey key,
      core::read_private_key_file(options.key, passphrase ? passphrase->str() : ""));
  core::SecretBytes pkcs8;
  if (options.der) {
    SILK_ASSIGN_OR_RETURN(pkcs8, key.pkcs8_der());
  } else {
    SILK_ASSIGN_OR_RETURN(pkcs8, key.pkcs8_pem(out_pass_holder.view()));
  }
  core::Status st = core::write_new_file(options.out, pkcs8.view(), 0600);
  if (st.code() == Status::Code::kConflict) {
    return Status::conflict(options.out + " already exists: refusing to overwrite it");
  }
  SILK_RETURN_IF_ERROR(st);
  CommandOutput out = key_output(key.verifying_key(), options.key);
  out.json["out"] = options.out;
  out.json["encrypted"] = encrypt;
  out.json["format"] = options.der ? "der" : "pem";
  return out;
}

}  // namespace silk::tools
