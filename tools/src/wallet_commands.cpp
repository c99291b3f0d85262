#include "silk/tools/wallet_commands.h"

#include <sodium.h>

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

Result<CommandOutput> run_keygen(CommandContext& ctx, const KeygenOptions& options) {
  SILK_RETURN_IF_ERROR(core::crypto_init());
  SILK_ASSIGN_OR_RETURN(Passphrase passphrase,
                        ctx.passphrase().get("new key file " + options.out, /*confirm=*/true));
  core::SecretKey key = core::SecretKey::generate();
  SILK_RETURN_IF_ERROR(
      core::write_key_file(options.out, key, passphrase.str(), key_file_options(options.kdf)));

  const std::string pk = core::to_hex(key.public_key());
  CommandOutput out;
  out.text = pk + "\n";
  out.json = {{"public_key", pk}, {"file", options.out}};
  if (!options.name.empty()) out.json["name"] = options.name;
  return out;
}

Result<CommandOutput> run_pubkey(CommandContext& ctx, const std::string& key_file) {
  SILK_ASSIGN_OR_RETURN(core::PublicKey pk, core::read_key_file_public(key_file));
  CommandOutput out;
  out.text = core::to_hex(pk) + "\n";
  out.json = {{"public_key", core::to_hex(pk)}, {"file", key_file}};
  return out;
}

}  // namespace silk::tools
