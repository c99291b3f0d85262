#include "silk/tools/cli_registry.h"

#include <unistd.h>

#include <iostream>

namespace silk::tools {

std::ostream* CommandRun::terminal_err() const {
  if (env.err == &std::cerr && ::isatty(STDERR_FILENO) == 1) return env.err;
  return nullptr;
}

CommandResult CommandResult::usage_error(std::string message) {
  CommandResult r(core::Status::invalid(message));
  r.usage_error_ = std::move(message);
  return r;
}

CommandResult CommandResult::printed(int exit_code) {
  CommandResult r(core::Status::internal("the command printed its own output"));
  r.printed_ = exit_code;
  return r;
}

CLI::App* CommandRegistry::group(CLI::App& parent, const std::string& name,
                                 const std::string& help) {
  std::vector<CLI::App*> found =
      parent.get_subcommands([&name](CLI::App* c) { return c->get_name() == name; });
  if (!found.empty()) return found.front();
  CLI::App* g = parent.add_subcommand(name, help);
  g->require_subcommand(1);
  return g;
}

void CommandRegistry::on(CLI::App* cmd, CommandAction action) {
  actions_.emplace_back(cmd, std::move(action));
}

const CommandAction* CommandRegistry::parsed() const {
  for (const auto& [cmd, action] : actions_) {
    if (cmd->parsed()) return &action;
  }
  return nullptr;
}

bool CommandRegistry::handles(const CLI::App* cmd) const {
  for (const auto& entry : actions_) {
    if (entry.first == cmd) return true;
  }
  return false;
}

const std::vector<CommandGroup>& command_groups() {
  static const std::vector<CommandGroup> kGroups = {
      {"wallet", add_wallet_commands},
      {"tx", add_tx_commands},
      {"notary", add_notary_commands},
      {"query", add_query_commands},
      {"init_solo", add_init_solo_command},
      {"bench", add_bench_commands},
      {"audit", add_audit_commands},
      {"ca", add_ca_commands},
      {"cert", add_cert_commands},
      {"gov", add_gov_commands},
      {"network", add_network_commands},
      {"trust", add_trust_commands},
      {"doc", add_doc_commands},
      {"ebl", add_ebl_commands},
      {"data", add_data_commands},
      {"deal", add_deal_commands},
      {"call", add_call_commands},
      {"events", add_events_command},
      {"node", add_node_commands},
      {"completion", add_completion_command},
  };
  return kGroups;
}

}  // namespace silk::tools
