// The `silk` command groups, and how run_cli (cli.h) finds the command to run.
//
// Each group lives in its own file, tools/src/cli_<group>.cpp, as one function that adds its
// subcommands to the app (with their options, cli_options.h) and gives the CommandRegistry an
// action for each. command_groups() lists the groups in the order `silk --help` shows them;
// run_cli adds them all, parses the command line, and runs the action of the one command parsed.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "silk/core/status.h"
#include "silk/tools/cli.h"
#include "silk/tools/command.h"

namespace silk::tools {

// What an action gets when its command runs.
struct CommandRun {
  CommandContext& ctx;  // the node (--node), the passphrase source, the clock
  const CliEnv& env;    // the streams, the environment, the terminal prompt

  // env.err when it is the process's stderr and a terminal (for live progress lines), else
  // nullptr.
  std::ostream* terminal_err() const;
};

// What an action gives back to run_cli, which prints it:
//   - the command's output, or the Status it failed with (text or --json; exit 0 or 1);
//   - a usage error found after parsing, e.g. bad JSON in an option (one line; exit 2);
//   - the exit status of a command that printed for itself (`events` streams its output).
class CommandResult {
 public:
  CommandResult(core::Result<CommandOutput> result)  // NOLINT: implicit by design
      : result_(std::move(result)) {}
  CommandResult(core::Status status) : result_(std::move(status)) {}   // NOLINT: must not be OK
  CommandResult(CommandOutput output) : result_(std::move(output)) {}  // NOLINT
  static CommandResult usage_error(std::string message);
  static CommandResult printed(int exit_code);

  // Set for usage_error() and printed() results; result() is what the command gave otherwise.
  const std::optional<std::string>& usage_message() const { return usage_error_; }
  const std::optional<int>& printed_exit_code() const { return printed_; }
  const core::Result<CommandOutput>& result() const { return result_; }

 private:
  core::Result<CommandOutput> result_;
  std::optional<std::string> usage_error_;
  std::optional<int> printed_;
};

using CommandAction = std::function<CommandResult(CommandRun&)>;

// The actions of the commands on one app. Not thread-safe.
class CommandRegistry {
 public:
  // `parent`'s subcommand `name`, created with `help` (and requiring one subcommand of its own)
  // when it is not there yet, so that several files can add to one group (query: cli_query.cpp
  // and cli_call.cpp).
  static CLI::App* group(CLI::App& parent, const std::string& name, const std::string& help);

  // `action` runs when `cmd` is the command parsed. `cmd` belongs to the app and must outlive
  // this registry's use; `action` owns the storage of `cmd`'s options.
  void on(CLI::App* cmd, CommandAction action);

  // After parsing: the action of the command parsed, or nullptr when none was.
  const CommandAction* parsed() const;

  // Whether `cmd` has an action (every command without subcommands of its own must have one).
  bool handles(const CLI::App* cmd) const;

 private:
  std::vector<std::pair<CLI::App*, CommandAction>> actions_;
};

// One group of commands: add_to adds them to the app and their actions to the registry.
struct CommandGroup {
  const char* name;  // the group lives in tools/src/cli_<name>.cpp
  void (*add_to)(CLI::App& app, CommandRegistry& registry);
};

// Every group, in the order `silk --help` lists their commands.
const std::vector<CommandGroup>& command_groups();

// The groups, one file each.
void add_wallet_commands(CLI::App& app, CommandRegistry& registry);    // keygen, pubkey, key
void add_tx_commands(CLI::App& app, CommandRegistry& registry);        // tx
void add_notary_commands(CLI::App& app, CommandRegistry& registry);    // notary
void add_query_commands(CLI::App& app, CommandRegistry& registry);     // query (all but contract)
void add_init_solo_command(CLI::App& app, CommandRegistry& registry);  // init-solo
void add_bench_commands(CLI::App& app, CommandRegistry& registry);     // bench
void add_audit_commands(CLI::App& app, CommandRegistry& registry);     // audit
void add_ca_commands(CLI::App& app, CommandRegistry& registry);        // ca
void add_cert_commands(CLI::App& app, CommandRegistry& registry);      // cert
void add_gov_commands(CLI::App& app, CommandRegistry& registry);       // gov
void add_network_commands(CLI::App& app, CommandRegistry& registry);   // network
void add_trust_commands(CLI::App& app, CommandRegistry& registry);     // trust
void add_doc_commands(CLI::App& app, CommandRegistry& registry);       // doc
void add_ebl_commands(CLI::App& app, CommandRegistry& registry);       // ebl
void add_data_commands(CLI::App& app, CommandRegistry& registry);      // data
void add_deal_commands(CLI::App& app, CommandRegistry& registry);      // deal
void add_call_commands(CLI::App& app, CommandRegistry& registry);      // call, query contract
void add_events_command(CLI::App& app, CommandRegistry& registry);     // events
void add_node_commands(CLI::App& app, CommandRegistry& registry);      // cli_node.cpp
// completion
void add_completion_command(CLI::App& app, CommandRegistry& registry);

}  // namespace silk::tools
