// The trade domain's part of the `silk` command line (cli.cpp calls it): the groups trust, doc,
// ebl, data, deal, the signed `call` and `query contract`. The command functions are in
// trade_commands.h; this only declares the options and maps them onto those functions.
#pragma once

#include <memory>

#include "silk/core/status.h"
#include "silk/tools/command.h"

namespace CLI {
class App;
}

namespace silk::tools {

class TradeCli {
 public:
  // Adds the subcommands to `app`. `app` must already have the "query" group (for
  // `query contract`). The options are bound to storage this object owns: keep it alive until
  // run() returns.
  explicit TradeCli(CLI::App& app);
  ~TradeCli();
  TradeCli(const TradeCli&) = delete;
  TradeCli& operator=(const TradeCli&) = delete;

  // True when one of its commands was on the command line (after parsing).
  bool parsed() const;
  // Runs that command.
  core::Result<CommandOutput> run(CommandContext& ctx) const;

  struct Impl;  // the commands and their option storage (cli_trade.cpp)

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace silk::tools
