// The `silk` command line: parses arguments (CLI11), runs one command,
// prints its output. tools/silk_main.cpp calls run_cli with the real process
// environment; tests call it with their own. The commands come from the
// command groups, one file each (cli_registry.h).
//
// Output: the command's text on `out`, or with --json one JSON document on
// `out` (on failure {"error": {"code", "message"}}). Failures print one line
// "silk: error: <what failed and why>" on `err`.
// Exit status: 0 success, 1 failure, 2 usage error.
#pragma once

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "silk/core/clock.h"
#include "silk/tools/passphrase.h"

namespace silk::tools {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr const char* kDefaultNodeUrl = "http://127.0.0.1:8645";

struct CliEnv {
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  // Environment lookup (SILK_NODE, SILK_PASSPHRASE).
  std::function<std::optional<std::string>(const char* name)> getenv;
  // The interactive prompt; empty when stdin is not a terminal.
  PassphrasePrompt prompt;
  const core::Clock* clock = nullptr;

  // The real process: std::cout, std::cerr, ::getenv, a terminal prompt if
  // stdin is a TTY, the system clock.
  static CliEnv process();
};

// args[0] is the program name.
int run_cli(const std::vector<std::string>& args, const CliEnv& env);

}  // namespace silk::tools
