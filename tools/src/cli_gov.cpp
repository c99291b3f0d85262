// gov propose | approve | withdraw | show | list | config (gov_commands.h).
#include <memory>

#include "silk/tools/cli_options.h"
#include "silk/tools/cli_registry.h"
#include "silk/tools/gov_commands.h"

namespace silk::tools {

namespace {

// The options of `gov propose` that are optional values, and whether each was given.
struct Propose {
  GovProposeOptions options;
  SignerFlags signer;
  std::string policy;
  std::string params;
  uint64_t effective = 0;
  uint64_t interval = 0;
  uint64_t max_txs = 0;
  uint64_t max_bytes = 0;
  CLI::Option* effective_opt = nullptr;
  CLI::Option* policy_opt = nullptr;
  CLI::Option* interval_opt = nullptr;
  CLI::Option* max_txs_opt = nullptr;
  CLI::Option* max_bytes_opt = nullptr;
  CLI::Option* params_opt = nullptr;

  const GovProposeOptions& get() {
    options.signer = signer.get();
    if (effective_opt->count() > 0) options.effective_height = effective;
    if (policy_opt->count() > 0) options.policy = policy;
    if (params_opt->count() > 0) options.params = params;
    if (interval_opt->count() > 0) options.block_interval_ms = interval;
    if (max_txs_opt->count() > 0) options.max_block_txs = max_txs;
    if (max_bytes_opt->count() > 0) options.max_block_bytes = max_bytes;
    return options;
  }
};

void add_propose(CLI::App* gov, CommandRegistry& registry) {
  auto p = std::make_shared<Propose>();
  GovProposeOptions& o = p->options;
  auto* cmd =
      gov->add_subcommand("propose",
                          "propose a configuration change: KIND is add-org, remove-org, rotate-ca, "
                          "set-validators, set-policy or set-block-params");
  cmd->add_option("kind", o.kind, "the proposal kind")->required();
  cmd->add_option("--description", o.description, "why, for the record");
  p->effective_opt = cmd->add_option("--effective-height", p->effective,
                                     "take effect at this height (default: the block after "
                                     "approval)")
                         ->check(kDecimal);
  cmd->add_option("--org", o.org, "add-org, remove-org, rotate-ca: the organisation id");
  cmd->add_option("--name", o.name,
                  "add-org: display name; set-policy: contract.method or proposal.<kind>");
  cmd->add_option("--jurisdiction", o.jurisdiction, "add-org: ISO 3166 alpha-2, e.g. SG");
  cmd->add_option("--ca-cert", o.ca_cert_file,
                  "add-org, rotate-ca: the organisation's CA certificate (PEM/DER)");
  cmd->add_flag("--drop-old", o.drop_old,
                "rotate-ca: stop trusting the old CA (default: keep both)");
  cmd->add_option("--validator", o.validators,
                  "set-validators: a validator public key (hex); repeat");
  p->policy_opt = cmd->add_option(
      "--policy", p->policy,
      "set-policy: the policy JSON, e.g. '{\"rule\":\"MAJORITY\",\"roles\":[\"admin\"]}'");
  cmd->add_flag("--clear", o.clear, "set-policy: remove the explicit policy (the default applies)");
  p->interval_opt =
      cmd->add_option("--block-interval-ms", p->interval, "set-block-params: block interval")
          ->check(kDecimal);
  p->max_txs_opt =
      cmd->add_option("--max-block-txs", p->max_txs, "set-block-params: most txs per block")
          ->check(kDecimal);
  p->max_bytes_opt =
      cmd->add_option("--max-block-bytes", p->max_bytes, "set-block-params: most bytes per block")
          ->check(kDecimal);
  p->params_opt = cmd->add_option(
      "--params", p->params,
      "params JSON object, merged over what the flags give (then the flags are optional)");
  p->signer.add_to(cmd, "the proposing admin's key file", /*cert_alias=*/true);
  registry.on(cmd,
              [p](CommandRun& run) -> CommandResult { return run_gov_propose(run.ctx, p->get()); });
}

// approve, withdraw: a proposal id and the signer.
void add_decision(CLI::App* gov, CommandRegistry& registry, const std::string& name,
                  const std::string& help, const std::string& key_help,
                  core::Result<CommandOutput> (*run_fn)(CommandContext&, uint64_t,
                                                        const SignedCallOptions&)) {
  struct Decision {
    uint64_t id = 0;
    SignerFlags signer;
  };
  auto d = std::make_shared<Decision>();
  auto* cmd = gov->add_subcommand(name, help);
  cmd->add_option("id", d->id, "proposal id")->required()->check(kDecimal);
  d->signer.add_to(cmd, key_help, /*cert_alias=*/true);
  registry.on(cmd, [d, run_fn](CommandRun& run) -> CommandResult {
    return run_fn(run.ctx, d->id, d->signer.get());
  });
}

void add_views(CLI::App* gov, CommandRegistry& registry) {
  auto id = std::make_shared<uint64_t>(0);
  auto* show_cmd = gov->add_subcommand("show", "a proposal and its approvals");
  show_cmd->add_option("id", *id, "proposal id")->required()->check(kDecimal);
  registry.on(show_cmd,
              [id](CommandRun& run) -> CommandResult { return run_gov_show(run.ctx, *id); });

  auto* list_cmd = gov->add_subcommand("list", "the open proposals");
  registry.on(list_cmd, [](CommandRun& run) -> CommandResult { return run_gov_list(run.ctx); });

  struct Config {
    uint64_t height = 0;
    CLI::Option* height_opt = nullptr;
  };
  auto c = std::make_shared<Config>();
  auto* config_cmd = gov->add_subcommand(
      "config",
      "the configuration in force (orgs, CAs, policies, validators, block params) and "
      "pending versions");
  c->height_opt =
      config_cmd->add_option("--height", c->height, "at this height (default: the next block)")
          ->check(kDecimal);
  registry.on(config_cmd, [c](CommandRun& run) -> CommandResult {
    std::optional<uint64_t> height;
    if (c->height_opt->count() > 0) height = c->height;
    return run_gov_config(run.ctx, height);
  });
}

}  // namespace

void add_gov_commands(CLI::App& app, CommandRegistry& registry) {
  auto* gov =
      CommandRegistry::group(app, "gov", "governance proposals and the chain configuration");
  add_propose(gov, registry);
  add_decision(gov, registry, "approve", "approve an open proposal (one approval per signer)",
               "the approving admin's key file", run_gov_approve);
  add_decision(gov, registry, "withdraw", "withdraw your own open proposal",
               "the proposer's key file", run_gov_withdraw);
  add_views(gov, registry);
}

}  // namespace silk::tools
