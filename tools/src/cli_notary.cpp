// notary anchor | verify (notary_commands.h).
#include <memory>

#include "silk/tools/cli_options.h"
#include "silk/tools/cli_registry.h"
#include "silk/tools/notary_commands.h"

namespace silk::tools {

void add_notary_commands(CLI::App& app, CommandRegistry& registry) {
  auto* notary = CommandRegistry::group(app, "notary", "anchor and verify file digests");

  struct Anchor {
    NotaryAnchorOptions options;
    std::string meta;
    std::string chain_id;
    CLI::Option* meta_opt = nullptr;
    CLI::Option* chain_id_opt = nullptr;
  };
  auto a = std::make_shared<Anchor>();
  auto* anchor_cmd =
      notary->add_subcommand("anchor", "record the SHA-256 of files on chain (one tx each)");
  anchor_cmd->add_option("files", a->options.files, "files to anchor")->required();
  anchor_cmd->add_option("--key", a->options.key_file, "the signer's key file")->required();
  anchor_cmd->add_option("--cert", a->options.cert_file, kCertHelp);
  a->meta_opt = anchor_cmd->add_option(
      "--meta", a->meta, "metadata JSON object (default {\"file\": name, \"size\": n})");
  a->chain_id_opt =
      anchor_cmd->add_option("--chain-id", a->chain_id, "chain id (default: asked from the node)");
  anchor_cmd->add_option("--timeout-ms", a->options.timeout_ms, "how long to wait (default 10000)")
      ->check(kDecimal)
      ->check(CLI::Range(uint64_t{1}, uint64_t{60000}));
  registry.on(anchor_cmd, [a](CommandRun& run) -> CommandResult {
    if (a->meta_opt->count() > 0) {
      auto meta = parse_json_object_option("--meta", a->meta);
      if (!meta.is_ok()) return CommandResult::usage_error(meta.status().message());
      a->options.meta = std::move(meta).value();
    }
    if (a->chain_id_opt->count() > 0) a->options.chain_id = a->chain_id;
    return run_notary_anchor(run.ctx, a->options);
  });

  auto verify_files = std::make_shared<std::vector<std::string>>();
  auto* verify_cmd = notary->add_subcommand("verify", "check whether files are anchored");
  verify_cmd->add_option("files", *verify_files, "files to check")->required();
  registry.on(verify_cmd, [verify_files](CommandRun& run) -> CommandResult {
    return run_notary_verify(run.ctx, *verify_files);
  });
}

}  // namespace silk::tools
