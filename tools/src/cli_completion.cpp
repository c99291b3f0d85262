// completion (completion.h).
#include <memory>

#include "silk/tools/cli_registry.h"
#include "silk/tools/completion.h"

namespace silk::tools {

void add_completion_command(CLI::App& app, CommandRegistry& registry) {
  auto shell = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand(
      "completion",
      "print a shell completion script for bash or zsh: source <(silk completion bash)");
  cmd->add_option("shell", *shell, "bash or zsh")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh"}));
  // The app outlives every action run_cli runs, and holds every command by then.
  registry.on(cmd, [shell, &app](CommandRun&) -> CommandResult {
    core::Result<std::string> script = completion_script(app, *shell);
    if (!script.is_ok()) return script.status();
    CommandOutput out;
    out.text = *script;
    out.json = {{"shell", *shell}, {"script", *script}};
    return out;
  });
}

}  // namespace silk::tools
