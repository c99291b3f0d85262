// events (events_command.h).
#include <memory>

#include "silk/tools/cli_registry.h"
#include "silk/tools/events_command.h"

namespace silk::tools {

void add_events_command(CLI::App& app, CommandRegistry& registry) {
  auto o = std::make_shared<EventsOptions>();
  auto* cmd = app.add_subcommand(
      "events", "print the node's blocks, txs and contract events as JSON lines (GET /v1/events)");
  cmd->add_option("--from-height", o->from_height,
                  "replay committed blocks from this height (default 0; with --follow: live only)");
  cmd->add_option("--to-height", o->to_height,
                  "stop after this height (default: the tip, unless --follow)");
  cmd->add_option("--contract", o->contract, "only this contract's txs and events");
  cmd->add_option("--types", o->types, "comma-separated subset of block,tx,event");
  cmd->add_flag("--follow", o->follow, "keep printing live blocks until interrupted");
  // It streams to the output itself (never --json's one document).
  registry.on(cmd, [o](CommandRun& run) -> CommandResult {
    return CommandResult::printed(run_events(run.ctx.node_endpoint(), *o, *run.env.out, *run.env.err));
  });
}

}  // namespace silk::tools
