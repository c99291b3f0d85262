// keygen, pubkey (wallet_commands.h).
#include <memory>
#include <string>
#include <vector>

#include "silk/core/signature_suite.h"
#include "silk/tools/cli_options.h"
#include "silk/tools/cli_registry.h"
#include "silk/tools/wallet_commands.h"

namespace silk::tools {
namespace {

std::vector<std::string> suite_names() {
  std::vector<std::string> names;
  for (core::SignatureSuite s : core::all_suites()) names.emplace_back(core::suite_name(s));
  return names;
}

}  // namespace

void add_wallet_commands(CLI::App& app, CommandRegistry& registry) {
  struct Keygen {
    KeygenOptions options;
    std::string kdf = "interactive";
  };
  auto keygen = std::make_shared<Keygen>();
  auto* keygen_cmd = app.add_subcommand(
      "keygen", "create a key (Ed25519 unless --suite) in an encrypted key file");
  keygen_cmd->add_option("--out", keygen->options.out, "key file to create (never overwritten)")
      ->required();
  keygen_cmd->add_option("--name", keygen->options.name, "a label for the key");
  add_key_kdf_option(keygen_cmd, keygen->kdf);
  keygen_cmd
      ->add_option("--suite", keygen->options.suite,
                   "signature suite (default ed25519; docs/formats.md)")
      ->check(CLI::IsMember(suite_names()));
  keygen_cmd->add_option("--rsa-bits", keygen->options.rsa_bits, "RSA key size (default 3072)")
      ->check(CLI::Range(2048u, 8192u));
  registry.on(keygen_cmd, [keygen](CommandRun& run) -> CommandResult {
    keygen->options.kdf = parse_key_kdf(keygen->kdf).value();
    return run_keygen(run.ctx, keygen->options);
  });

  auto pubkey_file = std::make_shared<std::string>();
  auto* pubkey_cmd = app.add_subcommand("pubkey", "print a key file's public key (no passphrase)");
  pubkey_cmd->add_option("--key", *pubkey_file, "key file")->required();
  registry.on(pubkey_cmd, [pubkey_file](CommandRun& run) -> CommandResult {
    return run_pubkey(run.ctx, *pubkey_file);
  });

  auto* key = CommandRegistry::group(app, "key", "move keys in and out of key files (PKCS#8)");
  struct Import {
    KeyImportOptions options;
    std::string kdf = "interactive";
  };
  auto import = std::make_shared<Import>();
  auto* import_cmd =
      key->add_subcommand("import", "a PKCS#8 private key (openssl, an HSM) into a key file");
  import_cmd->add_option("--in", import->options.in, "PKCS#8 key, PEM or DER, clear or encrypted")
      ->required();
  import_cmd->add_option("--in-passphrase-file", import->options.in_passphrase_file,
                         "passphrase of an encrypted --in");
  import_cmd->add_option("--out", import->options.out, "key file to create (never overwritten)")
      ->required();
  add_key_kdf_option(import_cmd, import->kdf);
  registry.on(import_cmd, [import](CommandRun& run) -> CommandResult {
    import->options.kdf = parse_key_kdf(import->kdf).value();
    return run_key_import(run.ctx, import->options);
  });

  auto export_options = std::make_shared<KeyExportOptions>();
  auto* export_cmd = key->add_subcommand("export", "a key file's key out as PKCS#8");
  export_cmd->add_option("--key", export_options->key, "key file")->required();
  export_cmd->add_option("--out", export_options->out, "PKCS#8 file to create (mode 0600)")
      ->required();
  export_cmd->add_option("--out-passphrase-file", export_options->out_passphrase_file,
                         "encrypt the PKCS#8 under this passphrase");
  export_cmd->add_flag("--unencrypted", export_options->unencrypted, "write the key in clear");
  export_cmd->add_flag("--der", export_options->der, "DER instead of PEM (clear only)");
  registry.on(export_cmd, [export_options](CommandRun& run) -> CommandResult {
    return run_key_export(run.ctx, *export_options);
  });
}

}  // namespace silk::tools
