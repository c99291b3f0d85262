// ca init (ca_commands.h).
#include <memory>

#include "silk/tools/ca_commands.h"
#include "silk/tools/cli_options.h"
#include "silk/tools/cli_registry.h"

namespace silk::tools {

void add_ca_commands(CLI::App& app, CommandRegistry& registry) {
  auto* ca = CommandRegistry::group(app, "ca", "an organisation's certificate authority");
  struct Init {
    CaInitOptions options;
    std::string kdf = "interactive";
  };
  auto o = std::make_shared<Init>();
  auto* cmd = ca->add_subcommand(
      "init", "create a CA key (DIR/ca.key) and self-signed certificate (DIR/ca.pem)");
  cmd->add_option("--org", o->options.org, "organisation id, e.g. org1")->required();
  cmd->add_option("--jurisdiction", o->options.jurisdiction, "ISO 3166 alpha-2, e.g. SG")
      ->required();
  cmd->add_option("--out-dir", o->options.out_dir, "folder for ca.key, ca.pem, ca.json")
      ->required();
  cmd->add_option("--name", o->options.name, "the organisation's display name");
  cmd->add_option("--days", o->options.days, "validity in days (default 3650)")
      ->check(kDecimal)
      ->check(CLI::Range(uint32_t{1}, kMaxCertificateDays));
  add_key_kdf_option(cmd, o->kdf);
  registry.on(cmd, [o](CommandRun& run) -> CommandResult {
    o->options.kdf = parse_key_kdf(o->kdf).value();
    return run_ca_init(run.ctx, o->options);
  });
}

}  // namespace silk::tools
