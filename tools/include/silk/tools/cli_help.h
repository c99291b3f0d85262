// How `silk` talks about its own commands: help without the parser's type noise, an unknown
// command named with a suggestion, `silk help [COMMAND...]`.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

namespace silk::tools {

// CLI11's formatter with option values shown as a person reads them: "--port N", "--consensus
// {solo,raft,tbft}", "(required)" — not "UINT:UINT in [1 - 65535]". Set on the app before
// commands are added (subcommands copy their parent's formatter).
class PlainFormatter : public CLI::Formatter {
 public:
  std::string make_option_opts(const CLI::Option* opt) const override;
};

// Checks the command words of `args` (args[0] is the program) against the app's commands before
// parsing: "unknown command 'nosuchcmd'; did you mean 'silk notary'? (see 'silk --help')", or
// "'silk doc' needs a command: issue, verify, ..." for a group given without one. nullopt when
// the words name a command (or --help/--version was asked). `words` gets the command path found.
std::optional<std::string> check_command_words(CLI::App& app, const std::vector<std::string>& args,
                                               std::vector<std::string>* words);

// The help text of the command `words` names (the whole app for none), or nullopt with `*error`
// saying which word is unknown.
std::optional<std::string> help_for(CLI::App& app, const std::vector<std::string>& words,
                                    std::string* error);

}  // namespace silk::tools
