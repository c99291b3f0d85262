// network init (network_init.h).
#include <memory>
#include <string>
#include <vector>

#include "silk/consensus/engine.h"
#include "silk/tools/ca_commands.h"
#include "silk/tools/cli_options.h"
#include "silk/tools/cli_registry.h"
#include "silk/tools/network_init.h"

namespace silk::tools {
namespace {

// The engines this build has, for --consensus.
std::vector<std::string> engine_name_list() {
  std::vector<std::string> names;
  for (const consensus::EngineKind* kind : consensus::engine_kinds()) {
    names.emplace_back(kind->name());
  }
  return names;
}

}  // namespace

void add_network_commands(CLI::App& app, CommandRegistry& registry) {
  auto* network = CommandRegistry::group(app, "network", "local consortium networks");
  struct Init {
    NetworkInitOptions options;
    std::string kdf = "interactive";
  };
  auto o = std::make_shared<Init>();
  auto* cmd = network->add_subcommand(
      "init",
      "write a complete local with-cert consortium into a new folder: per organisation a CA "
      "and admin, client, issuer, regulator, auditor, arbitrator identities; the nodes; "
      "genesis.json and network.json");
  cmd->add_option("--dir", o->options.dir, "folder to create (empty or absent)")->required();
  cmd->add_option("--chain-id", o->options.chain_id, "chain id (default silk-local)");
  cmd->add_option("--org", o->options.orgs,
                  "ID:JURISDICTION, repeatable, 1-16 (default org1:CN org2:SG "
                  "org3:DE org4:AE)");
  cmd->add_option("--consensus", o->options.consensus,
                  "solo (default, one node), raft (crash faults) or tbft (Byzantine faults)")
      ->check(CLI::IsMember(engine_name_list()));
  cmd->add_option("--nodes", o->options.nodes, "number of nodes (solo: 1; tbft: 3f+1)")
      ->check(kDecimal);
  cmd->add_option("--p2p-port", o->options.p2p_port,
                  "raft, tbft: p2p port of node1; node i uses p2p-port+i-1 (default 7645)")
      ->check(kDecimal)
      ->check(CLI::Range(uint16_t{1}, uint16_t{65535}));
  cmd->add_option("--port", o->options.port,
                  "RPC port of node1; node i uses port+i-1 (default 8645)")
      ->check(kDecimal)
      ->check(CLI::Range(uint16_t{1}, uint16_t{65535}));
  add_key_kdf_option(cmd, o->kdf);
  cmd->add_option("--public-port", o->options.public_port,
                  "node i's public verification listener (HTTPS, no client certificate) on this "
                  "port + i - 1 (default: --port + 100)")
      ->check(CLI::Range(0, 65535));
  cmd->add_flag("--no-public", o->options.no_public, "no public verification listener");
  cmd->add_flag("--plain-rpc", o->options.plain_rpc,
                "the RPC in plain HTTP on loopback, for development (default: HTTPS with "
                "consortium client certificates)");
  cmd->add_option("--days", o->options.days, "validity of CAs and certificates (default 3650)")
      ->check(kDecimal)
      ->check(CLI::Range(uint32_t{1}, kMaxCertificateDays));
  registry.on(cmd, [o](CommandRun& run) -> CommandResult {
    o->options.kdf = parse_key_kdf(o->kdf).value();
    return run_network_init(run.ctx, o->options);
  });

  auto e = std::make_shared<NetworkEnvOptions>();
  auto* env_cmd = network->add_subcommand(
      "env",
      "print the shell exports that point silk at a network init folder's node: SILK_NODE, "
      "SILK_CA and a member's TLS certificate and key (exported once, in clear, mode 0600): "
      "eval \"$(silk network env --dir net)\"");
  env_cmd->add_option("--dir", e->dir, "the network init folder")->required();
  env_cmd->add_option("--node", e->node, "which node (default 1)")
      ->check(kDecimal)
      ->check(CLI::Range(uint32_t{1}, uint32_t{1000}));
  env_cmd->add_option("--org", e->org, "whose member reads (default: the first organisation)");
  env_cmd->add_option("--role", e->role, "which identity of it (default auditor)");
  registry.on(env_cmd, [e](CommandRun& run) -> CommandResult {
    return run_network_env(run.ctx, *e);
  });
}

}  // namespace silk::tools
