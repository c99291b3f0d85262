// node status: GET /v1/health and /v1/ready with the node's peers and sync state
// (docs/api.md "Chain").
#include <sstream>
#include <string>

#include "silk/client/node_client.h"
#include "silk/tools/cli_registry.h"

namespace silk::tools {

namespace {

using nlohmann::json;

std::string text_of(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return "-";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

core::Result<CommandOutput> run_node_status(CommandContext& ctx) {
  SILK_ASSIGN_OR_RETURN(client::NodeClient * node, ctx.node());
  SILK_ASSIGN_OR_RETURN(json health, node->get("/v1/health"));
  SILK_ASSIGN_OR_RETURN(auto ready, node->get_any_status("/v1/ready"));
  const json& verdict = ready.second;
  const bool is_ready = ready.first == 200 && verdict.value("ready", false);
  CommandOutput out;
  out.json = {{"node", node->url().to_string()}, {"health", health}, {"ready", verdict}};
  std::ostringstream t;
  t << "node        " << node->url().to_string() << "\n"
    << "live        " << text_of(health, "status") << " (height " << text_of(health, "height")
    << ")\n"
    << "ready       " << (is_ready ? "yes" : "no") << "\n";
  std::string why;
  if (auto checks = verdict.find("checks"); checks != verdict.end() && checks->is_object()) {
    for (const auto& [name, check] : checks->items()) {
      const bool ok = check.value("ok", false);
      t << "  " << name << std::string(name.size() < 10 ? 10 - name.size() : 1, ' ')
        << (ok ? "ok    " : "NOT OK") << "  " << text_of(check, "detail") << "\n";
      if (!ok && why.empty()) why = name + ": " + text_of(check, "detail");
    }
    if (auto sync = checks->find("sync"); sync != checks->end() && sync->contains("peers_connected")) {
      t << "peers       " << text_of(*sync, "peers_connected") << " connected, "
        << text_of(*sync, "lag_blocks") << " blocks behind\n";
    }
  }
  out.text = t.str();
  if (!is_ready) {
    out.exit_code = 1;
    out.error = "node is not ready: " + (why.empty() ? "it answered " +
                                                           std::to_string(ready.first)
                                                     : why);
  }
  return out;
}

}  // namespace

void add_node_commands(CLI::App& app, CommandRegistry& registry) {
  auto* node = CommandRegistry::group(app, "node", "a running node: health and readiness");
  auto* status = node->add_subcommand(
      "status", "liveness, readiness (store, consensus, sync lag) and peers; exit 1 when not ready");
  registry.on(status, [](CommandRun& run) -> CommandResult { return run_node_status(run.ctx); });
}

}  // namespace silk::tools
