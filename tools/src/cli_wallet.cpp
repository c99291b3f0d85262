// keygen, pubkey (wallet_commands.h).
#include <memory>

#include "silk/tools/cli_options.h"
#include "silk/tools/cli_registry.h"
#include "silk/tools/wallet_commands.h"

namespace silk::tools {

void add_wallet_commands(CLI::App& app, CommandRegistry& registry) {
  struct Keygen {
    KeygenOptions options;
    std::string kdf = "interactive";
  };
  auto keygen = std::make_shared<Keygen>();
  auto* keygen_cmd = app.add_subcommand("keygen", "create an Ed25519 key in an encrypted key file");
  keygen_cmd->add_option("--out", keygen->options.out, "key file to create (never overwritten)")
      ->required();
  keygen_cmd->add_option("--name", keygen->options.name, "a label for the key");
  add_key_kdf_option(keygen_cmd, keygen->kdf);
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
}

}  // namespace silk::tools
