// `silk query tx | block | state | history | chain`: human-readable views of
// the node's answers; with --json the node's JSON as it came.
#pragma once

#include <cstdint>
#include <string>

#include "silk/core/status.h"
#include "silk/tools/command.h"

namespace silk::tools {

// GET /v1/tx/{id}.
core::Result<CommandOutput> run_query_tx(CommandContext& ctx, const std::string& tx_id_hex);

// `spec` is a height, a 64-hex block hash, or "latest"; anything else is kInvalid.
core::Result<std::string> block_target(const std::string& spec);
core::Result<CommandOutput> run_query_block(CommandContext& ctx, const std::string& spec);

core::Result<CommandOutput> run_query_state(CommandContext& ctx, const std::string& key);

core::Result<CommandOutput> run_query_history(CommandContext& ctx, const std::string& key,
                                              uint64_t offset, uint32_t limit);

core::Result<CommandOutput> run_query_chain(CommandContext& ctx);

}  // namespace silk::tools
