// Shell completion for `silk`, generated from the app the command registry built, so that it
// knows exactly the commands and options `silk --help` lists.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "silk/core/status.h"

namespace silk::tools {

// The completion script for `shell` ("bash" or "zsh"): command words after `silk` complete to the
// subcommands of the command named so far (`silk do` -> doc, `silk doc ` -> issue, verify, ...),
// words starting with '-' to that command's options and the global ones, and anything else (a
// leaf command's arguments) to file names. `silk help ` completes like `silk `. zsh gets native
// code (compadd, _files), not bashcompinit. Invalid for any other shell.
core::Result<std::string> completion_script(const CLI::App& app, const std::string& shell);

}  // namespace silk::tools
