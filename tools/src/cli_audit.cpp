// audit prove | verify-proof (audit_proof.h), txs | history (audit_query.h), verify-chain
// (audit_verify_chain.h).
#include <chrono>
#include <memory>
#include <ostream>

#include "silk/tools/audit_proof.h"
#include "silk/tools/audit_query.h"
#include "silk/tools/audit_verify_chain.h"
#include "silk/tools/cli_options.h"
#include "silk/tools/cli_registry.h"

namespace silk::tools {

namespace {

void add_proof_commands(CLI::App* audit, CommandRegistry& registry) {
  auto prove = std::make_shared<AuditProveOptions>();
  auto* prove_cmd = audit->add_subcommand(
      "prove", "write an offline proof that a tx (or a document's issuing tx) is on chain");
  prove_cmd->add_option("id", prove->id, "a tx id (64 hex) or a doc_id")->required();
  prove_cmd->add_option("--out", prove->out_file, "the bundle file to write (JSON)")->required();
  registry.on(prove_cmd, [prove](CommandRun& run) -> CommandResult {
    return run_audit_prove(run.ctx, *prove);
  });

  auto verify = std::make_shared<AuditVerifyProofOptions>();
  auto* verify_cmd = audit->add_subcommand(
      "verify-proof", "check a proof bundle offline against the genesis file (no node)");
  verify_cmd->add_option("bundle", verify->bundle_file, "the bundle file")->required();
  verify_cmd->add_option("--genesis", verify->genesis_file, "genesis.json")->required();
  registry.on(verify_cmd,
              [verify](CommandRun&) -> CommandResult { return run_audit_verify_proof(*verify); });
}

constexpr const char* kFormats = "table (default), json, jsonl (JSON Lines) or csv (RFC 4180)";

void add_txs(CLI::App* audit, CommandRegistry& registry) {
  struct Txs {
    AuditTxsOptions options;
    std::string from;
    std::string to;
    std::string order = "asc";
    std::string format = "table";
  };
  auto o = std::make_shared<Txs>();
  auto* cmd = audit->add_subcommand(
      "txs", "search committed txs by sender, contract and block time (GET /v1/txs)");
  cmd->add_option("--sender", o->options.sender,
                  "the sender: 64 hex (a public key, or a certificate fingerprint)");
  cmd->add_option("--sender-cert", o->options.sender_cert_file,
                  "the sender's certificate (PEM or DER): its fingerprint is the sender");
  cmd->add_option("--contract", o->options.contract, "the contract called, e.g. notary");
  cmd->add_option("--from", o->from,
                  "block time from (inclusive): Unix ms or ISO 8601 UTC, "
                  "e.g. 2026-01-01T00:00:00Z");
  cmd->add_option("--to", o->to, "block time to (inclusive): Unix ms or ISO 8601 UTC");
  cmd->add_option("--after", o->options.after, "resume after this cursor (HEIGHT:INDEX)");
  cmd->add_option("--limit", o->options.limit, "txs per page (1..1000, default 100)")
      ->check(CLI::Range(uint32_t{1}, uint32_t{1000}));
  cmd->add_flag("--all", o->options.all, "follow the pages to the end (for exports)");
  cmd->add_option("--order", o->order, "asc (oldest first, default) or desc")
      ->check(CLI::IsMember({"asc", "desc"}));
  cmd->add_option("--format", o->format, kFormats)
      ->check(CLI::IsMember({"table", "json", "jsonl", "csv"}));
  cmd->add_option("--out", o->options.out_file, "write to this new file instead of stdout");
  registry.on(cmd, [o](CommandRun& run) -> CommandResult {
    SILK_ASSIGN_OR_RETURN(o->options.format, parse_export_format(o->format));
    o->options.descending = o->order == "desc";
    if (!o->from.empty()) {
      SILK_ASSIGN_OR_RETURN(uint64_t from, parse_time_option("--from", o->from));
      o->options.from_ms = from;
    }
    if (!o->to.empty()) {
      SILK_ASSIGN_OR_RETURN(uint64_t to, parse_time_option("--to", o->to));
      o->options.to_ms = to;
    }
    return run_audit_txs(run.ctx, o->options);
  });
}

void add_history(CLI::App* audit, CommandRegistry& registry) {
  struct History {
    AuditHistoryOptions options;
    std::string format = "table";
  };
  auto o = std::make_shared<History>();
  auto* cmd = audit->add_subcommand("history",
                                    "every version of a state key, for export (GET /v1/history)");
  cmd->add_option("key", o->options.key, "state key, e.g. notary/<digest>")->required();
  cmd->add_option("--offset", o->options.offset, "skip this many versions (default 0)");
  cmd->add_option("--limit", o->options.limit, "versions per page (1..1000, default 100)")
      ->check(CLI::Range(uint32_t{1}, uint32_t{1000}));
  cmd->add_flag("--all", o->options.all, "follow the pages to the end (for exports)");
  cmd->add_option("--format", o->format, kFormats)
      ->check(CLI::IsMember({"table", "json", "jsonl", "csv"}));
  cmd->add_option("--out", o->options.out_file, "write to this new file instead of stdout");
  registry.on(cmd, [o](CommandRun& run) -> CommandResult {
    SILK_ASSIGN_OR_RETURN(o->options.format, parse_export_format(o->format));
    return run_audit_history(run.ctx, o->options);
  });
}

// The live progress line of verify-chain on a terminal, at most five times a second; `open` is
// set once a line was written (it then needs a final newline).
chain::VerifyChainProgressFn progress_line(std::ostream& err, bool& open) {
  return [&err, &open, last = std::chrono::steady_clock::time_point()](
             const chain::VerifyChainProgress& p) mutable {
    const auto now = std::chrono::steady_clock::now();
    if (p.height != p.tip_height && now - last < std::chrono::milliseconds(200)) return;
    last = now;
    const double rate = p.elapsed_ms > 0 ? (p.height + 1) * 1000.0 / p.elapsed_ms : 0;
    err << "\rverify-chain: height " << p.height << "/" << p.tip_height << ", " << p.txs << " txs, "
        << static_cast<uint64_t>(rate) << " blocks/s\x1b[K";
    open = true;
    err.flush();
  };
}

void add_verify_chain(CLI::App* audit, CommandRegistry& registry) {
  struct VerifyChain {
    AuditVerifyChainOptions options;
    bool rpc = false;
  };
  auto o = std::make_shared<VerifyChain>();
  auto* cmd = audit->add_subcommand(
      "verify-chain",
      "re-verify and re-execute a whole chain from a stopped node's data folder or a node's RPC");
  auto* data_dir =
      cmd->add_option("--data-dir", o->options.data_dir, "the node's data_dir (RocksDB), stopped");
  cmd->add_flag("--rpc", o->rpc,
                "verify the chain the running node at --node serves (blocks and receipts over "
                "its RPC) instead of a data folder")
      ->excludes(data_dir);
  cmd->add_option("--genesis", o->options.genesis_file, "genesis.json")->required();
  cmd->add_flag("--keep-going", o->options.keep_going,
                "list every difference instead of stopping at the first");
  registry.on(cmd, [o](CommandRun& run) -> CommandResult {
    chain::VerifyChainProgressFn progress;
    bool progress_line_open = false;
    if (std::ostream* tty = run.terminal_err()) progress = progress_line(*tty, progress_line_open);
    if (o->rpc) {
      o->options.node_url = run.ctx.node_url();
      core::Result<client::Url> endpoint = run.ctx.node_endpoint();
      if (!endpoint.is_ok()) return endpoint.status();
      o->options.node_tls = endpoint->tls;
    }
    if (o->options.data_dir.empty() && !o->rpc) {
      return CommandResult::usage_error(
          "audit verify-chain needs --data-dir DIR or --rpc (with --node)");
    }
    o->options.now_ms = run.ctx.clock().now_ms();
    core::Result<CommandOutput> result = run_audit_verify_chain(o->options, progress);
    if (progress_line_open) *run.env.err << "\n";
    return result;
  });
}

}  // namespace

void add_audit_commands(CLI::App& app, CommandRegistry& registry) {
  auto* audit = CommandRegistry::group(app, "audit", "verify what the ledger says, offline");
  add_proof_commands(audit, registry);
  add_txs(audit, registry);
  add_history(audit, registry);
  add_verify_chain(audit, registry);
}

}  // namespace silk::tools
