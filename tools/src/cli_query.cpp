// query tx | block | state | history | chain (query_commands.h); `query contract` is in
// cli_call.cpp.
#include <memory>

#include "silk/core/bytes.h"
#include "silk/tools/cli_options.h"
#include "silk/tools/cli_registry.h"
#include "silk/tools/query_commands.h"

namespace silk::tools {

void add_query_commands(CLI::App& app, CommandRegistry& registry) {
  auto* query = CommandRegistry::group(app, "query", "read the ledger");

  auto tx_id = std::make_shared<std::string>();
  auto* tx_cmd = query->add_subcommand("tx", "a tx and its receipt");
  tx_cmd->add_option("id", *tx_id, "tx id (hex)")->required();
  registry.on(tx_cmd, [tx_id](CommandRun& run) -> CommandResult {
    if (!core::hash_from_hex(*tx_id).is_ok()) {
      return CommandResult::usage_error("tx id \"" + *tx_id + "\" is not 64 hex characters");
    }
    return run_query_tx(run.ctx, *tx_id);
  });

  auto block = std::make_shared<std::string>();
  auto* block_cmd = query->add_subcommand("block", "a block by height, hash or latest");
  block_cmd->add_option("block", *block, "HEIGHT, HASH or latest")->required();
  registry.on(block_cmd, [block](CommandRun& run) -> CommandResult {
    if (auto target = block_target(*block); !target.is_ok()) {
      return CommandResult::usage_error(target.status().message());
    }
    return run_query_block(run.ctx, *block);
  });

  auto state_key = std::make_shared<std::string>();
  auto* state_cmd = query->add_subcommand("state", "a state key's current value");
  state_cmd->add_option("key", *state_key, "state key, e.g. notary/<digest>")->required();
  registry.on(state_cmd, [state_key](CommandRun& run) -> CommandResult {
    return run_query_state(run.ctx, *state_key);
  });

  struct History {
    std::string key;
    uint64_t offset = 0;
    uint32_t limit = 100;
  };
  auto h = std::make_shared<History>();
  auto* history_cmd = query->add_subcommand("history", "every version of a state key");
  history_cmd->add_option("key", h->key, "state key")->required();
  history_cmd->add_option("--offset", h->offset, "skip this many versions (default 0)")
      ->check(kDecimal);
  history_cmd->add_option("--limit", h->limit, "at most this many versions (1..1000, default 100)")
      ->check(kDecimal)
      ->check(CLI::Range(uint32_t{1}, uint32_t{1000}));
  registry.on(history_cmd, [h](CommandRun& run) -> CommandResult {
    return run_query_history(run.ctx, h->key, h->offset, h->limit);
  });

  auto* chain_cmd = query->add_subcommand("chain", "chain summary");
  registry.on(chain_cmd, [](CommandRun& run) -> CommandResult { return run_query_chain(run.ctx); });
}

}  // namespace silk::tools
