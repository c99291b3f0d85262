// cert issue | show (ca_commands.h); cert revoke | freeze | unfreeze | status, on chain
// (identity_commands.h).
#include <memory>

#include "silk/tools/ca_commands.h"
#include "silk/tools/cli_options.h"
#include "silk/tools/cli_registry.h"
#include "silk/tools/identity_commands.h"

namespace silk::tools {

namespace {

void add_issue(CLI::App* cert, CommandRegistry& registry) {
  struct Issue {
    CertIssueOptions options;
    std::string kdf = "interactive";
  };
  auto o = std::make_shared<Issue>();
  auto* cmd = cert->add_subcommand(
      "issue",
      "create a member key (OUT/NAME.key) and a certificate signed by the org's CA "
      "(OUT/NAME.pem); the new key's passphrase from --passphrase-file / $SILK_PASSPHRASE / "
      "prompt, the CA key's from --ca-passphrase-file / $SILK_CA_PASSPHRASE / prompt");
  cmd->add_option("--ca-dir", o->options.ca_dir, "the CA folder (ca.key, ca.pem)")->required();
  cmd->add_option("--org", o->options.org, "organisation id (the CA's O)")->required();
  cmd->add_option("--role", o->options.role,
                  "admin, client, node, issuer, regulator, auditor or arbitrator")
      ->required();
  cmd->add_option("--name", o->options.name, "common name and file stem")->required();
  cmd->add_option("--out-dir", o->options.out_dir, "folder for NAME.key, NAME.pem")->required();
  cmd->add_option("--days", o->options.days, "validity in days (default 365)")
      ->check(kDecimal)
      ->check(CLI::Range(uint32_t{1}, kMaxCertificateDays));
  cmd->add_option("--valid-from", o->options.valid_from,
                  "start of validity, ISO 8601 UTC (2026-01-01T00:00:00Z) or Unix "
                  "ms (default: now); must lie inside the CA's validity");
  cmd->add_option("--valid-until", o->options.valid_until,
                  "end of validity, ISO 8601 UTC or Unix ms (default: start + "
                  "--days); may be in the past (an expired certificate)");
  cmd->add_option("--jurisdiction", o->options.jurisdiction,
                  "ISO 3166 alpha-2 (default: the CA's)");
  add_key_kdf_option(cmd, o->kdf);
  cmd->add_option("--ca-passphrase-file", o->options.ca_passphrase_file,
                  "read the CA key's passphrase from the first line of this file "
                  "(else $SILK_CA_PASSPHRASE, else a terminal prompt)");
  registry.on(cmd, [o](CommandRun& run) -> CommandResult {
    o->options.kdf = parse_key_kdf(o->kdf).value();
    o->options.ca_passphrase_env =
        run.env.getenv ? run.env.getenv("SILK_CA_PASSPHRASE") : std::nullopt;
    o->options.prompt = run.env.prompt;
    return run_cert_issue(run.ctx, o->options);
  });
}

void add_show(CLI::App* cert, CommandRegistry& registry) {
  auto file = std::make_shared<std::string>();
  auto* cmd = cert->add_subcommand(
      "show", "print a certificate: subject, issuer, validity, fingerprint, role");
  cmd->add_option("file", *file, "certificate file (PEM or DER)")->required();
  registry.on(cmd,
              [file](CommandRun& run) -> CommandResult { return run_cert_show(run.ctx, *file); });
}

// --target | --fingerprint (| --serial with --org): the certificate a command acts on.
void add_target(CLI::App* cmd, CertTarget& target, bool with_serial) {
  cmd->add_option("--target", target.file,
                  "the certificate acted on, PEM or DER (sent whole: it need not be "
                  "registered yet)");
  cmd->add_option("--fingerprint", target.fingerprint,
                  "the certificate acted on, by its SHA-256 fingerprint (a registered one)");
  if (with_serial) {
    cmd->add_option("--serial", target.serial,
                    "the certificate's serial (hex, as `silk cert show` prints it), with --org");
    cmd->add_option("--org", target.org, "the organisation that issued --serial");
  }
}

void add_revoke(CLI::App* cert, CommandRegistry& registry) {
  struct Revoke {
    CertRevokeOptions options;
    SignerFlags signer;
  };
  auto o = std::make_shared<Revoke>();
  auto* cmd = cert->add_subcommand(
      "revoke",
      "revoke a certificate on chain (final; an admin of its organisation signs): "
      "--target FILE | --fingerprint HEX | --serial S --org ORG");
  add_target(cmd, o->options.target, true);
  cmd->add_option("--reason", o->options.reason,
                  "RFC 5280 reason: unspecified (default), keyCompromise, "
                  "cACompromise, affiliationChanged, superseded, "
                  "cessationOfOperation, privilegeWithdrawn, aACompromise");
  cmd->add_option("--invalidity-date", o->options.invalidity_date,
                  "with keyCompromise or cACompromise: since when the key is not "
                  "to be trusted, ISO 8601 UTC or Unix ms (RFC 5280 "
                  "invalidityDate; not later than the block time). Otherwise a "
                  "revocation counts from the block that records it");
  o->signer.add_to(cmd, "the signing admin's key file");
  registry.on(cmd, [o](CommandRun& run) -> CommandResult {
    o->options.signer = o->signer.get();
    return run_cert_revoke(run.ctx, o->options);
  });
}

void add_freeze(CLI::App* cert, CommandRegistry& registry, bool freeze) {
  struct Freeze {
    CertFreezeOptions options;
    SignerFlags signer;
  };
  auto o = std::make_shared<Freeze>();
  CLI::App* cmd = nullptr;
  if (freeze) {
    cmd = cert->add_subcommand(
        "freeze",
        "suspend a certificate on chain until unfrozen (an admin of its organisation signs): "
        "--target FILE | --fingerprint HEX");
    add_target(cmd, o->options.target, false);
    cmd->add_option("--reason", o->options.reason, "why, recorded on chain");
  } else {
    cmd = cert->add_subcommand("unfreeze",
                               "lift a freeze on chain: --target FILE | --fingerprint HEX");
    add_target(cmd, o->options.target, false);
  }
  o->signer.add_to(cmd, "the signing admin's key file");
  registry.on(cmd, [o, freeze](CommandRun& run) -> CommandResult {
    o->options.signer = o->signer.get();
    return run_cert_freeze(run.ctx, o->options, freeze);
  });
}

void add_status(CLI::App* cert, CommandRegistry& registry) {
  auto o = std::make_shared<CertStatusOptions>();
  auto* cmd = cert->add_subcommand(
      "status",
      "a certificate's status on chain (valid, revoked, frozen, expired, ...): "
      "--target FILE | --fingerprint HEX");
  add_target(cmd, o->target, false);
  cmd->add_option("--at", o->at, "as of this time, ISO 8601 UTC or Unix ms (default: the tip's)");
  registry.on(cmd, [o](CommandRun& run) -> CommandResult { return run_cert_status(run.ctx, *o); });
}

}  // namespace

void add_cert_commands(CLI::App& app, CommandRegistry& registry) {
  auto* cert = CommandRegistry::group(app, "cert", "member keys and X.509 certificates");
  add_issue(cert, registry);
  add_show(cert, registry);
  add_revoke(cert, registry);
  add_freeze(cert, registry, /*freeze=*/true);
  add_freeze(cert, registry, /*freeze=*/false);
  add_status(cert, registry);
}

}  // namespace silk::tools
