// tx build | sign | submit (tx_commands.h).
#include <memory>

#include "silk/tools/cli_options.h"
#include "silk/tools/cli_registry.h"
#include "silk/tools/tx_commands.h"

namespace silk::tools {

namespace {

void add_build(CLI::App* tx, CommandRegistry& registry) {
  struct Build {
    TxBuildOptions options;
    std::string args;
    std::string chain_id;
    uint64_t nonce = 0;
    uint64_t timestamp = 0;
    CLI::Option* chain_id_opt = nullptr;
    CLI::Option* nonce_opt = nullptr;
    CLI::Option* timestamp_opt = nullptr;
  };
  auto b = std::make_shared<Build>();
  auto* cmd = tx->add_subcommand("build", "write an unsigned tx file");
  cmd->add_option("--key", b->options.key_file,
                  "the sender's key file (public part only; optional with --cert)");
  cmd->add_option("--cert", b->options.cert_file, kCertHelp);
  cmd->add_option("--contract", b->options.contract, "contract name, e.g. notary")->required();
  cmd->add_option("--method", b->options.method, "method name, e.g. anchor")->required();
  cmd->add_option("--args", b->args, "the method's arguments as JSON")->required();
  b->chain_id_opt =
      cmd->add_option("--chain-id", b->chain_id, "chain id (default: asked from the node)");
  b->nonce_opt = cmd->add_option("--nonce", b->nonce, "nonce (default: random)")->check(kDecimal);
  b->timestamp_opt =
      cmd->add_option("--timestamp-ms", b->timestamp, "tx time in Unix ms (default: now)")
          ->check(kDecimal);
  cmd->add_option("--out", b->options.out, "tx file to write")->required();
  registry.on(cmd, [b](CommandRun& run) -> CommandResult {
    auto args_json = parse_json_option("--args", b->args);
    if (!args_json.is_ok()) return CommandResult::usage_error(args_json.status().message());
    b->options.args = std::move(args_json).value();
    if (b->chain_id_opt->count() > 0) b->options.chain_id = b->chain_id;
    if (b->nonce_opt->count() > 0) b->options.nonce = b->nonce;
    if (b->timestamp_opt->count() > 0) b->options.timestamp_ms = b->timestamp;
    return run_tx_build(run.ctx, b->options);
  });
}

}  // namespace

void add_tx_commands(CLI::App& app, CommandRegistry& registry) {
  auto* tx = CommandRegistry::group(app, "tx", "build, sign and submit transactions");
  add_build(tx, registry);

  auto sign = std::make_shared<TxSignOptions>();
  auto* sign_cmd = tx->add_subcommand("sign", "sign a tx file offline");
  sign_cmd->add_option("--key", sign->key_file, "the sender's key file")->required();
  sign_cmd->add_option("--cert", sign->cert_file,
                       "the signer's certificate, for a certificate sender whose tx does not "
                       "carry it (default: the key file's .pem sibling)");
  sign_cmd->add_option("--in", sign->in, "unsigned tx file")->required();
  sign_cmd->add_option("--out", sign->out, "signed tx file to write")->required();
  registry.on(sign_cmd,
              [sign](CommandRun& run) -> CommandResult { return run_tx_sign(run.ctx, *sign); });

  auto submit = std::make_shared<TxSubmitOptions>();
  auto* submit_cmd = tx->add_subcommand("submit", "submit a signed tx file to the node");
  submit_cmd->add_option("--in", submit->in, "signed tx file")->required();
  submit_cmd->add_flag("--wait", submit->wait, "wait until the tx is committed");
  submit_cmd->add_option("--timeout-ms", submit->timeout_ms, "how long to wait (default 10000)")
      ->check(kDecimal)
      ->check(CLI::Range(uint64_t{1}, uint64_t{60000}));
  registry.on(submit_cmd, [submit](CommandRun& run) -> CommandResult {
    return run_tx_submit(run.ctx, *submit);
  });
}

}  // namespace silk::tools
