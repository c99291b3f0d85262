// init-solo (init_solo.h).
#include <memory>

#include "silk/tools/cli_options.h"
#include "silk/tools/cli_registry.h"
#include "silk/tools/init_solo.h"

namespace silk::tools {

void add_init_solo_command(CLI::App& app, CommandRegistry& registry) {
  struct InitSolo {
    InitSoloOptions options;
    std::string kdf = "interactive";
  };
  auto init = std::make_shared<InitSolo>();
  auto* cmd =
      app.add_subcommand("init-solo", "create genesis, config and keys for a one-node chain");
  cmd->add_option("--dir", init->options.dir, "folder to create (must be empty or absent)")
      ->required();
  cmd->add_option("--chain-id", init->options.chain_id, "chain id (default silk-local)");
  cmd->add_option("--port", init->options.port, "RPC port (default 8645)")
      ->check(kDecimal)
      ->check(CLI::Range(uint16_t{1}, uint16_t{65535}));
  cmd->add_option("--block-interval-ms", init->options.block_interval_ms,
                  "block interval (default 100)")
      ->check(kDecimal)
      ->check(CLI::Range(uint64_t{1}, uint64_t{3600000}));
  add_key_kdf_option(cmd, init->kdf);
  registry.on(cmd, [init](CommandRun& run) -> CommandResult {
    init->options.kdf = parse_key_kdf(init->kdf).value();
    return run_init_solo(run.ctx, init->options);
  });
}

}  // namespace silk::tools
