#include "silk/tools/cli.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "silk/tools/audit_proof.h"
#include "silk/tools/audit_query.h"
#include "silk/tools/audit_verify_chain.h"
#include "silk/tools/bench.h"
#include "silk/tools/ca_commands.h"
#include "silk/tools/cli_options.h"
#include "silk/tools/cli_registry.h"
#include "silk/tools/command.h"
#include "silk/tools/events_command.h"
#include "silk/tools/gov_commands.h"
#include "silk/tools/identity_commands.h"
#include "silk/tools/init_solo.h"
#include "silk/tools/network_init.h"
#include "silk/tools/notary_commands.h"
#include "silk/tools/query_commands.h"
#include "silk/tools/tx_commands.h"
#include "silk/tools/wallet_commands.h"

namespace silk::tools {

using core::Result;
using core::Status;
using nlohmann::json;

namespace {

std::string dump_json(const json& j) {
  return j.dump(2, ' ', false, json::error_handler_t::replace);
}

// A usage problem found after CLI11 parsed the line (bad JSON, bad URL, ...).
struct UsageError {
  std::string message;
};

class Printer {
 public:
  Printer(const CliEnv& env, bool json_mode) : env_(env), json_mode_(json_mode) {}

  int fail(const std::string& code, const std::string& message, int exit_code) const {
    *env_.err << "silk: error: " << message << "\n";
    if (json_mode_) {
      *env_.out << dump_json(json{{"error", {{"code", code}, {"message", message}}}}) << "\n";
    }
    env_.err->flush();
    env_.out->flush();
    return exit_code;
  }
  int usage(const std::string& message) const { return fail("usage", message, kExitUsage); }
  int status(const Status& st) const {
    return fail(core::code_name(st.code()), st.message(), kExitFailure);
  }
  int output(const CommandOutput& o) const {
    if (json_mode_) {
      *env_.out << dump_json(o.json) << "\n";
    } else {
      *env_.out << o.text;
    }
    env_.out->flush();
    if (o.exit_code != 0) {
      *env_.err << "silk: error: " << (o.error.empty() ? "the command failed" : o.error) << "\n";
      env_.err->flush();
      return o.exit_code;
    }
    return kExitOk;
  }

 private:
  const CliEnv& env_;
  bool json_mode_;
};

}  // namespace

CliEnv CliEnv::process() {
  CliEnv env;
  env.out = &std::cout;
  env.err = &std::cerr;
  env.getenv = [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  if (::isatty(STDIN_FILENO) == 1) env.prompt = prompt_on_terminal;
  env.clock = &core::SystemClock::instance();
  return env;
}

int run_cli(const std::vector<std::string>& args, const CliEnv& env) {
  bool json_mode = false;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--json") json_mode = true;
  }
  Printer printer(env, json_mode);

  try {
    CLI::App app{"silk: the SilkLedger wallet and client", "silk"};
    app.require_subcommand(1);
    app.fallthrough();
    app.set_version_flag("--version", "silk 0.1.0");

    std::string node_url;
    std::string passphrase_file;
    bool json_flag = false;
    app.add_option("--node", node_url,
                   "node RPC URL (default: $SILK_NODE, else " + std::string(kDefaultNodeUrl) + ")");
    app.add_flag("--json", json_flag, "machine-readable output: one JSON document on stdout");
    app.add_option("--passphrase-file", passphrase_file,
                   "read the key passphrase from the first line of this file (else "
                   "$SILK_PASSPHRASE, else a terminal prompt)");

    // keygen
    KeygenOptions keygen;
    std::string keygen_kdf = "interactive";
    auto* keygen_cmd =
        app.add_subcommand("keygen", "create an Ed25519 key in an encrypted key file");
    keygen_cmd->add_option("--out", keygen.out, "key file to create (never overwritten)")
        ->required();
    keygen_cmd->add_option("--name", keygen.name, "a label for the key");
    add_key_kdf_option(keygen_cmd, keygen_kdf);

    // pubkey
    std::string pubkey_file;
    auto* pubkey_cmd =
        app.add_subcommand("pubkey", "print a key file's public key (no passphrase)");
    pubkey_cmd->add_option("--key", pubkey_file, "key file")->required();

    // tx build | sign | submit
    auto* tx_cmd = app.add_subcommand("tx", "build, sign and submit transactions");
    tx_cmd->require_subcommand(1);
    TxBuildOptions build;
    std::string build_args;
    std::string build_chain_id;
    uint64_t build_nonce = 0;
    uint64_t build_timestamp = 0;
    auto* build_cmd = tx_cmd->add_subcommand("build", "write an unsigned tx file");
    build_cmd->add_option("--key", build.key_file,
                          "the sender's key file (public part only; optional with --cert)");
    build_cmd->add_option("--cert", build.cert_file, kCertHelp);
    build_cmd->add_option("--contract", build.contract, "contract name, e.g. notary")->required();
    build_cmd->add_option("--method", build.method, "method name, e.g. anchor")->required();
    build_cmd->add_option("--args", build_args, "the method's arguments as JSON")->required();
    auto* build_chain_opt = build_cmd->add_option("--chain-id", build_chain_id,
                                                  "chain id (default: asked from the node)");
    auto* build_nonce_opt =
        build_cmd->add_option("--nonce", build_nonce, "nonce (default: random)")->check(kDecimal);
    auto* build_ts_opt =
        build_cmd
            ->add_option("--timestamp-ms", build_timestamp, "tx time in Unix ms (default: now)")
            ->check(kDecimal);
    build_cmd->add_option("--out", build.out, "tx file to write")->required();

    TxSignOptions sign;
    auto* sign_cmd = tx_cmd->add_subcommand("sign", "sign a tx file offline");
    sign_cmd->add_option("--key", sign.key_file, "the sender's key file")->required();
    sign_cmd->add_option("--cert", sign.cert_file,
                         "the signer's certificate, for a certificate sender whose tx does not "
                         "carry it (default: the key file's .pem sibling)");
    sign_cmd->add_option("--in", sign.in, "unsigned tx file")->required();
    sign_cmd->add_option("--out", sign.out, "signed tx file to write")->required();

    TxSubmitOptions submit;
    auto* submit_cmd = tx_cmd->add_subcommand("submit", "submit a signed tx file to the node");
    submit_cmd->add_option("--in", submit.in, "signed tx file")->required();
    submit_cmd->add_flag("--wait", submit.wait, "wait until the tx is committed");
    submit_cmd->add_option("--timeout-ms", submit.timeout_ms, "how long to wait (default 10000)")
        ->check(kDecimal)
        ->check(CLI::Range(uint64_t{1}, uint64_t{60000}));

    // notary anchor | verify
    auto* notary_cmd = app.add_subcommand("notary", "anchor and verify file digests");
    notary_cmd->require_subcommand(1);
    NotaryAnchorOptions anchor;
    std::string anchor_meta;
    std::string anchor_chain_id;
    auto* anchor_cmd =
        notary_cmd->add_subcommand("anchor", "record the SHA-256 of files on chain (one tx each)");
    anchor_cmd->add_option("files", anchor.files, "files to anchor")->required();
    anchor_cmd->add_option("--key", anchor.key_file, "the signer's key file")->required();
    anchor_cmd->add_option("--cert", anchor.cert_file, kCertHelp);
    auto* anchor_meta_opt = anchor_cmd->add_option(
        "--meta", anchor_meta, "metadata JSON object (default {\"file\": name, \"size\": n})");
    auto* anchor_chain_opt = anchor_cmd->add_option("--chain-id", anchor_chain_id,
                                                    "chain id (default: asked from the node)");
    anchor_cmd->add_option("--timeout-ms", anchor.timeout_ms, "how long to wait (default 10000)")
        ->check(kDecimal)
        ->check(CLI::Range(uint64_t{1}, uint64_t{60000}));

    std::vector<std::string> verify_files;
    auto* verify_cmd = notary_cmd->add_subcommand("verify", "check whether files are anchored");
    verify_cmd->add_option("files", verify_files, "files to check")->required();

    // query tx | block | state | history | chain
    auto* query_cmd = app.add_subcommand("query", "read the ledger");
    query_cmd->require_subcommand(1);
    std::string query_arg;
    auto* qtx_cmd = query_cmd->add_subcommand("tx", "a tx and its receipt");
    qtx_cmd->add_option("id", query_arg, "tx id (hex)")->required();
    auto* qblock_cmd = query_cmd->add_subcommand("block", "a block by height, hash or latest");
    qblock_cmd->add_option("block", query_arg, "HEIGHT, HASH or latest")->required();
    auto* qstate_cmd = query_cmd->add_subcommand("state", "a state key's current value");
    qstate_cmd->add_option("key", query_arg, "state key, e.g. notary/<digest>")->required();
    uint64_t history_offset = 0;
    uint32_t history_limit = 100;
    auto* qhistory_cmd = query_cmd->add_subcommand("history", "every version of a state key");
    qhistory_cmd->add_option("key", query_arg, "state key")->required();
    qhistory_cmd->add_option("--offset", history_offset, "skip this many versions (default 0)")
        ->check(kDecimal);
    qhistory_cmd
        ->add_option("--limit", history_limit, "at most this many versions (1..1000, default 100)")
        ->check(kDecimal)
        ->check(CLI::Range(uint32_t{1}, uint32_t{1000}));
    auto* qchain_cmd = query_cmd->add_subcommand("chain", "chain summary");

    // init-solo
    InitSoloOptions init;
    std::string init_kdf = "interactive";
    auto* init_cmd =
        app.add_subcommand("init-solo", "create genesis, config and keys for a one-node chain");
    init_cmd->add_option("--dir", init.dir, "folder to create (must be empty or absent)")
        ->required();
    init_cmd->add_option("--chain-id", init.chain_id, "chain id (default silk-local)");
    init_cmd->add_option("--port", init.port, "RPC port (default 8645)")
        ->check(kDecimal)
        ->check(CLI::Range(uint16_t{1}, uint16_t{65535}));
    init_cmd
        ->add_option("--block-interval-ms", init.block_interval_ms, "block interval (default 100)")
        ->check(kDecimal)
        ->check(CLI::Range(uint64_t{1}, uint64_t{3600000}));
    add_key_kdf_option(init_cmd, init_kdf);

    // bench verify | load | etcd | history
    auto* bench_cmd =
        app.add_subcommand("bench", "measure the verify bound and a node's throughput");
    bench_cmd->require_subcommand(1);
    BenchVerifyOptions bench_verify;
    auto* bench_verify_cmd = bench_cmd->add_subcommand(
        "verify", "Ed25519 verifies/s per core and verify_bound (offline)");
    bench_verify_cmd->add_option("--seconds", bench_verify.seconds, "seconds per phase (default 3)")
        ->check(CLI::Range(0.01, 3600.0));
    bench_verify_cmd
        ->add_option("--nodes", bench_verify.nodes, "nodes sharing the cores (default 1)")
        ->check(kDecimal)
        ->check(CLI::Range(1u, 1000u));
    BenchLoadOptions bench_load;
    double bench_rate = 0;
    auto* bench_load_cmd = bench_cmd->add_subcommand(
        "load", "sign N anchors, submit them in batches, measure commits");
    bench_load_cmd->add_option("--key", bench_load.key_file, "the signer's key file")->required();
    bench_load_cmd->add_option("--cert", bench_load.cert_file, kCertHelp);
    bench_load_cmd->add_option("--txs", bench_load.txs, "txs to send (default 20000)")
        ->check(kDecimal)
        ->check(CLI::Range(size_t{1}, size_t{10000000}));
    bench_load_cmd
        ->add_option("--concurrency", bench_load.concurrency, "client connections (default 8)")
        ->check(kDecimal)
        ->check(CLI::Range(size_t{1}, size_t{1024}));
    bench_load_cmd->add_option("--batch", bench_load.batch, "txs per POST /v1/txs (default 200)")
        ->check(kDecimal)
        ->check(CLI::Range(size_t{1}, size_t{10000}));
    auto* bench_rate_opt = bench_load_cmd
                               ->add_option("--rate", bench_rate,
                                            "open loop at this many txs/s (default: closed loop)")
                               ->check(CLI::PositiveNumber);
    bench_load_cmd
        ->add_option("--timeout-ms", bench_load.timeout_ms, "wait per batch (default 60000)")
        ->check(kDecimal)
        ->check(CLI::Range(uint64_t{1}, uint64_t{60000}));
    BenchEtcdOptions bench_etcd;
    double bench_etcd_rate = 0;
    auto* bench_etcd_cmd = bench_cmd->add_subcommand(
        "etcd", "the bench load loop against etcd's JSON gateway (for comparison)");
    bench_etcd_cmd->add_option("--endpoint", bench_etcd.endpoint,
                               "an etcd client URL (default http://127.0.0.1:2379)");
    bench_etcd_cmd->add_option("--puts", bench_etcd.puts, "puts to send (default 20000)")
        ->check(kDecimal)
        ->check(CLI::Range(size_t{1}, size_t{10000000}));
    bench_etcd_cmd
        ->add_option("--concurrency", bench_etcd.concurrency, "client connections (default 8)")
        ->check(kDecimal)
        ->check(CLI::Range(size_t{1}, size_t{1024}));
    bench_etcd_cmd
        ->add_option("--batch", bench_etcd.batch,
                     "1: POST /v3/kv/put per key (default); N: N puts per POST /v3/kv/txn")
        ->check(kDecimal)
        ->check(CLI::Range(size_t{1}, size_t{128}));
    bench_etcd_cmd
        ->add_option("--value-bytes", bench_etcd.value_bytes,
                     "value size (default: a notary anchor tx's size)")
        ->check(kDecimal)
        ->check(CLI::Range(size_t{0}, size_t{1} << 20));
    auto* bench_etcd_rate_opt =
        bench_etcd_cmd
            ->add_option("--rate", bench_etcd_rate,
                         "open loop at this many puts/s (default: closed loop)")
            ->check(CLI::PositiveNumber);
    bench_etcd_cmd->add_option("--timeout-ms", bench_etcd.timeout_ms, "per request (default 60000)")
        ->check(kDecimal)
        ->check(CLI::Range(uint64_t{1}, uint64_t{60000}));
    BenchHistoryOptions bench_history;
    auto* bench_history_cmd = bench_cmd->add_subcommand(
        "history", "write N versions of one key, time GET /v1/history pages");
    bench_history_cmd->add_option("--key", bench_history.key_file, "an admin's key file")
        ->required();
    bench_history_cmd->add_option("--cert", bench_history.cert_file, kCertHelp);
    bench_history_cmd
        ->add_option("--versions", bench_history.versions, "versions to write (default 1000)")
        ->check(kDecimal)
        ->check(CLI::Range(size_t{1}, size_t{100000}));
    bench_history_cmd
        ->add_option("--batch", bench_history.batch, "txs per POST /v1/txs (default 100)")
        ->check(kDecimal)
        ->check(CLI::Range(size_t{1}, size_t{10000}));
    bench_history_cmd->add_option("--page", bench_history.page, "versions per GET (default 100)")
        ->check(kDecimal)
        ->check(CLI::Range(size_t{1}, size_t{1000}));
    bench_history_cmd->add_option("--reads", bench_history.reads, "timed GETs (default 500)")
        ->check(kDecimal)
        ->check(CLI::Range(size_t{1}, size_t{1000000}));

    // audit verify-chain (the "audit" group may already exist: other audit commands share it)
    std::vector<CLI::App*> audit_found =
        app.get_subcommands([](CLI::App* c) { return c->get_name() == "audit"; });
    CLI::App* audit_cmd = audit_found.empty() ? nullptr : audit_found.front();
    if (audit_cmd == nullptr) {
      audit_cmd = app.add_subcommand("audit", "verify what the ledger says, offline");
      audit_cmd->require_subcommand(1);
    }
    AuditProofCli audit_proof_cli(audit_cmd);  // audit prove | verify-proof
    AuditQueryCli audit_query_cli(audit_cmd);  // audit txs | history
    AuditVerifyChainOptions verify_chain_options;
    auto* verify_chain_cmd = audit_cmd->add_subcommand(
        "verify-chain",
        "re-verify and re-execute a whole chain from a stopped node's data folder or a node's RPC");
    bool verify_chain_rpc = false;
    auto* verify_chain_data_dir = verify_chain_cmd->add_option(
        "--data-dir", verify_chain_options.data_dir, "the node's data_dir (RocksDB), stopped");
    verify_chain_cmd
        ->add_flag("--rpc", verify_chain_rpc,
                   "verify the chain the running node at --node serves (blocks and receipts over "
                   "its RPC) instead of a data folder")
        ->excludes(verify_chain_data_dir);
    verify_chain_cmd->add_option("--genesis", verify_chain_options.genesis_file, "genesis.json")
        ->required();
    verify_chain_cmd->add_flag("--keep-going", verify_chain_options.keep_going,
                               "list every difference instead of stopping at the first");

    // ca init; cert issue | show (the "cert" group may already exist: revoke/freeze share it)
    auto* ca_cmd = app.add_subcommand("ca", "an organisation's certificate authority");
    ca_cmd->require_subcommand(1);
    CaInitOptions ca_init;
    std::string ca_init_kdf = "interactive";
    auto* ca_init_cmd = ca_cmd->add_subcommand(
        "init", "create a CA key (DIR/ca.key) and self-signed certificate (DIR/ca.pem)");
    ca_init_cmd->add_option("--org", ca_init.org, "organisation id, e.g. org1")->required();
    ca_init_cmd->add_option("--jurisdiction", ca_init.jurisdiction, "ISO 3166 alpha-2, e.g. SG")
        ->required();
    ca_init_cmd->add_option("--out-dir", ca_init.out_dir, "folder for ca.key, ca.pem, ca.json")
        ->required();
    ca_init_cmd->add_option("--name", ca_init.name, "the organisation's display name");
    ca_init_cmd->add_option("--days", ca_init.days, "validity in days (default 3650)")
        ->check(kDecimal)
        ->check(CLI::Range(uint32_t{1}, kMaxCertificateDays));
    add_key_kdf_option(ca_init_cmd, ca_init_kdf);

    std::vector<CLI::App*> cert_found =
        app.get_subcommands([](CLI::App* c) { return c->get_name() == "cert"; });
    CLI::App* cert_cmd = cert_found.empty() ? nullptr : cert_found.front();
    if (cert_cmd == nullptr) {
      cert_cmd = app.add_subcommand("cert", "member keys and X.509 certificates");
      cert_cmd->require_subcommand(1);
    }
    CertIssueOptions cert_issue;
    std::string cert_issue_kdf = "interactive";
    auto* cert_issue_cmd = cert_cmd->add_subcommand(
        "issue",
        "create a member key (OUT/NAME.key) and a certificate signed by the org's CA "
        "(OUT/NAME.pem); the new key's passphrase from --passphrase-file / $SILK_PASSPHRASE / "
        "prompt, the CA key's from --ca-passphrase-file / $SILK_CA_PASSPHRASE / prompt");
    cert_issue_cmd->add_option("--ca-dir", cert_issue.ca_dir, "the CA folder (ca.key, ca.pem)")
        ->required();
    cert_issue_cmd->add_option("--org", cert_issue.org, "organisation id (the CA's O)")->required();
    cert_issue_cmd
        ->add_option("--role", cert_issue.role,
                     "admin, client, node, issuer, regulator, auditor or arbitrator")
        ->required();
    cert_issue_cmd->add_option("--name", cert_issue.name, "common name and file stem")->required();
    cert_issue_cmd->add_option("--out-dir", cert_issue.out_dir, "folder for NAME.key, NAME.pem")
        ->required();
    cert_issue_cmd->add_option("--days", cert_issue.days, "validity in days (default 365)")
        ->check(kDecimal)
        ->check(CLI::Range(uint32_t{1}, kMaxCertificateDays));
    cert_issue_cmd->add_option("--valid-from", cert_issue.valid_from,
                               "start of validity, ISO 8601 UTC (2026-01-01T00:00:00Z) or Unix "
                               "ms (default: now); must lie inside the CA's validity");
    cert_issue_cmd->add_option("--valid-until", cert_issue.valid_until,
                               "end of validity, ISO 8601 UTC or Unix ms (default: start + "
                               "--days); may be in the past (an expired certificate)");
    cert_issue_cmd->add_option("--jurisdiction", cert_issue.jurisdiction,
                               "ISO 3166 alpha-2 (default: the CA's)");
    add_key_kdf_option(cert_issue_cmd, cert_issue_kdf);
    cert_issue_cmd->add_option("--ca-passphrase-file", cert_issue.ca_passphrase_file,
                               "read the CA key's passphrase from the first line of this file "
                               "(else $SILK_CA_PASSPHRASE, else a terminal prompt)");
    std::string cert_show_file;
    auto* cert_show_cmd = cert_cmd->add_subcommand(
        "show", "print a certificate: subject, issuer, validity, fingerprint, role");
    cert_show_cmd->add_option("file", cert_show_file, "certificate file (PEM or DER)")->required();

    // cert revoke | freeze | unfreeze | status (on chain, identity contract)
    auto add_target = [](CLI::App* cmd, CertTarget& target, bool with_serial) {
      cmd->add_option("--target", target.file,
                      "the certificate acted on, PEM or DER (sent whole: it need not be "
                      "registered yet)");
      cmd->add_option("--fingerprint", target.fingerprint,
                      "the certificate acted on, by its SHA-256 fingerprint (a registered one)");
      if (with_serial) {
        cmd->add_option(
            "--serial", target.serial,
            "the certificate's serial (hex, as `silk cert show` prints it), with --org");
        cmd->add_option("--org", target.org, "the organisation that issued --serial");
      }
    };
    CertRevokeOptions cert_revoke;
    SignerFlags cert_revoke_signer;
    auto* cert_revoke_cmd = cert_cmd->add_subcommand(
        "revoke",
        "revoke a certificate on chain (final; an admin of its organisation signs): "
        "--target FILE | --fingerprint HEX | --serial S --org ORG");
    add_target(cert_revoke_cmd, cert_revoke.target, true);
    cert_revoke_cmd->add_option("--reason", cert_revoke.reason,
                                "RFC 5280 reason: unspecified (default), keyCompromise, "
                                "cACompromise, affiliationChanged, superseded, "
                                "cessationOfOperation, privilegeWithdrawn, aACompromise");
    cert_revoke_cmd->add_option("--invalidity-date", cert_revoke.invalidity_date,
                                "with keyCompromise or cACompromise: since when the key is not "
                                "to be trusted, ISO 8601 UTC or Unix ms (RFC 5280 "
                                "invalidityDate; not later than the block time). Otherwise a "
                                "revocation counts from the block that records it");
    cert_revoke_signer.add_to(cert_revoke_cmd, "the signing admin's key file");

    CertFreezeOptions cert_freeze;
    SignerFlags cert_freeze_signer;
    auto* cert_freeze_cmd = cert_cmd->add_subcommand(
        "freeze",
        "suspend a certificate on chain until unfrozen (an admin of its organisation signs): "
        "--target FILE | --fingerprint HEX");
    add_target(cert_freeze_cmd, cert_freeze.target, false);
    cert_freeze_cmd->add_option("--reason", cert_freeze.reason, "why, recorded on chain");
    cert_freeze_signer.add_to(cert_freeze_cmd, "the signing admin's key file");

    CertFreezeOptions cert_unfreeze;
    SignerFlags cert_unfreeze_signer;
    auto* cert_unfreeze_cmd = cert_cmd->add_subcommand(
        "unfreeze", "lift a freeze on chain: --target FILE | --fingerprint HEX");
    add_target(cert_unfreeze_cmd, cert_unfreeze.target, false);
    cert_unfreeze_signer.add_to(cert_unfreeze_cmd, "the signing admin's key file");

    CertStatusOptions cert_status;
    auto* cert_status_cmd = cert_cmd->add_subcommand(
        "status",
        "a certificate's status on chain (valid, revoked, frozen, expired, ...): "
        "--target FILE | --fingerprint HEX");
    add_target(cert_status_cmd, cert_status.target, false);
    cert_status_cmd->add_option("--at", cert_status.at,
                                "as of this time, ISO 8601 UTC or Unix ms (default: the tip's)");

    // gov propose | approve | withdraw | show | list | config
    auto* gov_cmd = app.add_subcommand("gov", "governance proposals and the chain configuration");
    gov_cmd->require_subcommand(1);
    GovProposeOptions gov_propose;
    SignerFlags gov_propose_signer;
    std::string gov_policy;
    std::string gov_params;
    uint64_t gov_effective = 0;
    uint64_t gov_interval = 0;
    uint64_t gov_max_txs = 0;
    uint64_t gov_max_bytes = 0;
    auto* gov_propose_cmd = gov_cmd->add_subcommand(
        "propose",
        "propose a configuration change: KIND is add-org, remove-org, rotate-ca, "
        "set-validators, set-policy or set-block-params");
    gov_propose_cmd->add_option("kind", gov_propose.kind, "the proposal kind")->required();
    gov_propose_cmd->add_option("--description", gov_propose.description, "why, for the record");
    auto* gov_effective_opt =
        gov_propose_cmd
            ->add_option("--effective-height", gov_effective,
                         "take effect at this height (default: the block after approval)")
            ->check(kDecimal);
    gov_propose_cmd->add_option("--org", gov_propose.org,
                                "add-org, remove-org, rotate-ca: the organisation id");
    gov_propose_cmd->add_option("--name", gov_propose.name,
                                "add-org: display name; set-policy: contract.method or "
                                "proposal.<kind>");
    gov_propose_cmd->add_option("--jurisdiction", gov_propose.jurisdiction,
                                "add-org: ISO 3166 alpha-2, e.g. SG");
    gov_propose_cmd->add_option("--ca-cert", gov_propose.ca_cert_file,
                                "add-org, rotate-ca: the organisation's CA certificate (PEM/DER)");
    gov_propose_cmd->add_flag("--drop-old", gov_propose.drop_old,
                              "rotate-ca: stop trusting the old CA (default: keep both)");
    gov_propose_cmd->add_option("--validator", gov_propose.validators,
                                "set-validators: a validator public key (hex); repeat");
    auto* gov_policy_opt = gov_propose_cmd->add_option(
        "--policy", gov_policy,
        "set-policy: the policy JSON, e.g. '{\"rule\":\"MAJORITY\",\"roles\":[\"admin\"]}'");
    gov_propose_cmd->add_flag("--clear", gov_propose.clear,
                              "set-policy: remove the explicit policy (the default applies)");
    auto* gov_interval_opt =
        gov_propose_cmd
            ->add_option("--block-interval-ms", gov_interval, "set-block-params: block interval")
            ->check(kDecimal);
    auto* gov_max_txs_opt =
        gov_propose_cmd
            ->add_option("--max-block-txs", gov_max_txs, "set-block-params: most txs per block")
            ->check(kDecimal);
    auto* gov_max_bytes_opt = gov_propose_cmd
                                  ->add_option("--max-block-bytes", gov_max_bytes,
                                               "set-block-params: most bytes per block")
                                  ->check(kDecimal);
    auto* gov_params_opt = gov_propose_cmd->add_option(
        "--params", gov_params,
        "params JSON object, merged over what the flags give (then the flags are optional)");
    gov_propose_signer.add_to(gov_propose_cmd, "the proposing admin's key file", true);

    uint64_t gov_id = 0;
    SignerFlags gov_approve_signer;
    auto* gov_approve_cmd =
        gov_cmd->add_subcommand("approve", "approve an open proposal (one approval per signer)");
    gov_approve_cmd->add_option("id", gov_id, "proposal id")->required()->check(kDecimal);
    gov_approve_signer.add_to(gov_approve_cmd, "the approving admin's key file", true);
    SignerFlags gov_withdraw_signer;
    auto* gov_withdraw_cmd = gov_cmd->add_subcommand("withdraw", "withdraw your own open proposal");
    gov_withdraw_cmd->add_option("id", gov_id, "proposal id")->required()->check(kDecimal);
    gov_withdraw_signer.add_to(gov_withdraw_cmd, "the proposer's key file", true);
    auto* gov_show_cmd = gov_cmd->add_subcommand("show", "a proposal and its approvals");
    gov_show_cmd->add_option("id", gov_id, "proposal id")->required()->check(kDecimal);
    auto* gov_list_cmd = gov_cmd->add_subcommand("list", "the open proposals");
    uint64_t gov_config_height = 0;
    auto* gov_config_cmd = gov_cmd->add_subcommand(
        "config",
        "the configuration in force (orgs, CAs, policies, validators, block params) and "
        "pending versions");
    auto* gov_config_height_opt =
        gov_config_cmd
            ->add_option("--height", gov_config_height, "at this height (default: the next block)")
            ->check(kDecimal);

    // network init
    auto* network_cmd = app.add_subcommand("network", "local consortium networks");
    network_cmd->require_subcommand(1);
    NetworkInitOptions network_init;
    std::string network_kdf = "interactive";
    auto* network_init_cmd = network_cmd->add_subcommand(
        "init",
        "write a complete local with-cert consortium into a new folder: per organisation a CA "
        "and admin, client, issuer, regulator, auditor, arbitrator identities; the nodes; "
        "genesis.json and network.json");
    network_init_cmd->add_option("--dir", network_init.dir, "folder to create (empty or absent)")
        ->required();
    network_init_cmd->add_option("--chain-id", network_init.chain_id,
                                 "chain id (default silk-local)");
    network_init_cmd->add_option("--org", network_init.orgs,
                                 "ID:JURISDICTION, repeatable, 1-16 (default org1:CN org2:SG "
                                 "org3:DE org4:AE)");
    network_init_cmd
        ->add_option("--consensus", network_init.consensus,
                     "solo (default, one node), raft (crash faults) or tbft (Byzantine faults)")
        ->check(CLI::IsMember({"solo", "raft", "tbft"}));
    network_init_cmd
        ->add_option("--nodes", network_init.nodes, "number of nodes (solo: 1; tbft: 3f+1)")
        ->check(kDecimal);
    network_init_cmd
        ->add_option("--p2p-port", network_init.p2p_port,
                     "raft, tbft: p2p port of node1; node i uses p2p-port+i-1 (default 7645)")
        ->check(kDecimal)
        ->check(CLI::Range(uint16_t{1}, uint16_t{65535}));
    network_init_cmd
        ->add_option("--port", network_init.port,
                     "RPC port of node1; node i uses port+i-1 (default 8645)")
        ->check(kDecimal)
        ->check(CLI::Range(uint16_t{1}, uint16_t{65535}));
    add_key_kdf_option(network_init_cmd, network_kdf);
    network_init_cmd
        ->add_option("--days", network_init.days, "validity of CAs and certificates (default 3650)")
        ->check(kDecimal)
        ->check(CLI::Range(uint32_t{1}, kMaxCertificateDays));

    // trust | doc | ebl | data | deal | call | query contract: the registry (cli_registry.h)
    CommandRegistry registry;
    for (const CommandGroup& group : command_groups()) group.add_to(app, registry);
    EventsCli events_cli(app);  // events (events_command.cpp)

    std::vector<const char*> argv;
    argv.reserve(args.size());
    for (const std::string& a : args) argv.push_back(a.c_str());
    try {
      app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
        std::ostringstream help_out;
        std::ostringstream help_err;
        app.exit(e, help_out, help_err);
        *env.out << help_out.str();
        env.out->flush();
        return kExitOk;
      }
      return printer.usage(std::string(e.what()) + " (see --help)");
    }

    // Where the node is and where the passphrase comes from.
    if (app.count("--node") == 0) {
      auto from_env = env.getenv ? env.getenv("SILK_NODE") : std::nullopt;
      node_url = from_env && !from_env->empty() ? *from_env : kDefaultNodeUrl;
    }
    if (auto url = client::parse_url(node_url); !url.is_ok()) {
      return printer.usage(url.status().message());
    }
    if (events_cli.parsed()) return events_cli.run(node_url, *env.out, *env.err);
    std::optional<std::string> env_passphrase =
        env.getenv ? env.getenv("SILK_PASSPHRASE") : std::nullopt;
    const core::Clock& clock = env.clock ? *env.clock : core::SystemClock::instance();
    CommandContext ctx(node_url, PassphraseSource(passphrase_file, env_passphrase, env.prompt),
                       clock);

    Result<CommandOutput> result = Status::internal("no command ran");
    if (keygen_cmd->parsed()) {
      keygen.kdf = parse_key_kdf(keygen_kdf).value();
      result = run_keygen(ctx, keygen);
    } else if (pubkey_cmd->parsed()) {
      result = run_pubkey(ctx, pubkey_file);
    } else if (build_cmd->parsed()) {
      auto args_json = parse_json_option("--args", build_args);
      if (!args_json.is_ok()) return printer.usage(args_json.status().message());
      build.args = std::move(args_json).value();
      if (build_chain_opt->count() > 0) build.chain_id = build_chain_id;
      if (build_nonce_opt->count() > 0) build.nonce = build_nonce;
      if (build_ts_opt->count() > 0) build.timestamp_ms = build_timestamp;
      result = run_tx_build(ctx, build);
    } else if (sign_cmd->parsed()) {
      result = run_tx_sign(ctx, sign);
    } else if (submit_cmd->parsed()) {
      result = run_tx_submit(ctx, submit);
    } else if (anchor_cmd->parsed()) {
      if (anchor_meta_opt->count() > 0) {
        auto meta = parse_json_object_option("--meta", anchor_meta);
        if (!meta.is_ok()) return printer.usage(meta.status().message());
        anchor.meta = std::move(meta).value();
      }
      if (anchor_chain_opt->count() > 0) anchor.chain_id = anchor_chain_id;
      result = run_notary_anchor(ctx, anchor);
    } else if (verify_cmd->parsed()) {
      result = run_notary_verify(ctx, verify_files);
    } else if (qtx_cmd->parsed()) {
      if (!core::hash_from_hex(query_arg).is_ok()) {
        return printer.usage("tx id \"" + query_arg + "\" is not 64 hex characters");
      }
      result = run_query_tx(ctx, query_arg);
    } else if (qblock_cmd->parsed()) {
      if (auto target = block_target(query_arg); !target.is_ok()) {
        return printer.usage(target.status().message());
      }
      result = run_query_block(ctx, query_arg);
    } else if (qstate_cmd->parsed()) {
      result = run_query_state(ctx, query_arg);
    } else if (qhistory_cmd->parsed()) {
      result = run_query_history(ctx, query_arg, history_offset, history_limit);
    } else if (qchain_cmd->parsed()) {
      result = run_query_chain(ctx);
    } else if (init_cmd->parsed()) {
      init.kdf = parse_key_kdf(init_kdf).value();
      result = run_init_solo(ctx, init);
    }

    if (bench_verify_cmd->parsed()) {
      result = run_bench_verify(ctx, bench_verify);
    } else if (bench_load_cmd->parsed()) {
      if (bench_rate_opt->count() > 0) bench_load.rate = bench_rate;
      if (env.err == &std::cerr && ::isatty(STDERR_FILENO) == 1) bench_load.progress = env.err;
      result = run_bench_load(ctx, bench_load);
    } else if (bench_etcd_cmd->parsed()) {
      if (bench_etcd_rate_opt->count() > 0) bench_etcd.rate = bench_etcd_rate;
      if (env.err == &std::cerr && ::isatty(STDERR_FILENO) == 1) bench_etcd.progress = env.err;
      result = run_bench_etcd(ctx, bench_etcd);
    } else if (bench_history_cmd->parsed()) {
      result = run_bench_history(ctx, bench_history);
    }

    if (verify_chain_cmd->parsed()) {
      chain::VerifyChainProgressFn progress;
      bool progress_line_open = false;
      if (env.err == &std::cerr && ::isatty(STDERR_FILENO) == 1) {
        progress = [&env, &progress_line_open, last = std::chrono::steady_clock::time_point()](
                       const chain::VerifyChainProgress& p) mutable {
          const auto now = std::chrono::steady_clock::now();
          if (p.height != p.tip_height && now - last < std::chrono::milliseconds(200)) return;
          last = now;
          const double rate = p.elapsed_ms > 0 ? (p.height + 1) * 1000.0 / p.elapsed_ms : 0;
          *env.err << "\rverify-chain: height " << p.height << "/" << p.tip_height << ", " << p.txs
                   << " txs, " << static_cast<uint64_t>(rate) << " blocks/s\x1b[K";
          progress_line_open = true;
          env.err->flush();
        };
      }
      if (verify_chain_rpc) verify_chain_options.node_url = node_url;
      if (verify_chain_options.data_dir.empty() && !verify_chain_rpc) {
        return printer.usage("audit verify-chain needs --data-dir DIR or --rpc (with --node)");
      }
      verify_chain_options.now_ms = ctx.clock().now_ms();
      result = run_audit_verify_chain(verify_chain_options, progress);
      if (progress_line_open) *env.err << "\n";
    }

    if (ca_init_cmd->parsed()) {
      ca_init.kdf = parse_key_kdf(ca_init_kdf).value();
      result = run_ca_init(ctx, ca_init);
    } else if (cert_issue_cmd->parsed()) {
      cert_issue.kdf = parse_key_kdf(cert_issue_kdf).value();
      cert_issue.ca_passphrase_env = env.getenv ? env.getenv("SILK_CA_PASSPHRASE") : std::nullopt;
      cert_issue.prompt = env.prompt;
      result = run_cert_issue(ctx, cert_issue);
    } else if (cert_show_cmd->parsed()) {
      result = run_cert_show(ctx, cert_show_file);
    } else if (cert_revoke_cmd->parsed()) {
      cert_revoke.signer = cert_revoke_signer.get();
      result = run_cert_revoke(ctx, cert_revoke);
    } else if (cert_freeze_cmd->parsed()) {
      cert_freeze.signer = cert_freeze_signer.get();
      result = run_cert_freeze(ctx, cert_freeze, /*freeze=*/true);
    } else if (cert_unfreeze_cmd->parsed()) {
      cert_unfreeze.signer = cert_unfreeze_signer.get();
      result = run_cert_freeze(ctx, cert_unfreeze, /*freeze=*/false);
    } else if (cert_status_cmd->parsed()) {
      result = run_cert_status(ctx, cert_status);
    }

    if (gov_propose_cmd->parsed()) {
      gov_propose.signer = gov_propose_signer.get();
      if (gov_effective_opt->count() > 0) gov_propose.effective_height = gov_effective;
      if (gov_policy_opt->count() > 0) gov_propose.policy = gov_policy;
      if (gov_params_opt->count() > 0) gov_propose.params = gov_params;
      if (gov_interval_opt->count() > 0) gov_propose.block_interval_ms = gov_interval;
      if (gov_max_txs_opt->count() > 0) gov_propose.max_block_txs = gov_max_txs;
      if (gov_max_bytes_opt->count() > 0) gov_propose.max_block_bytes = gov_max_bytes;
      result = run_gov_propose(ctx, gov_propose);
    } else if (gov_approve_cmd->parsed()) {
      result = run_gov_approve(ctx, gov_id, gov_approve_signer.get());
    } else if (gov_withdraw_cmd->parsed()) {
      result = run_gov_withdraw(ctx, gov_id, gov_withdraw_signer.get());
    } else if (gov_show_cmd->parsed()) {
      result = run_gov_show(ctx, gov_id);
    } else if (gov_list_cmd->parsed()) {
      result = run_gov_list(ctx);
    } else if (gov_config_cmd->parsed()) {
      std::optional<uint64_t> height;
      if (gov_config_height_opt->count() > 0) height = gov_config_height;
      result = run_gov_config(ctx, height);
    }

    if (network_init_cmd->parsed()) {
      network_init.kdf = parse_key_kdf(network_kdf).value();
      result = run_network_init(ctx, network_init);
    }

    if (const CommandAction* action = registry.parsed()) {
      CommandRun run{ctx, env};
      result = (*action)(run).result();
    }
    if (audit_proof_cli.parsed()) result = audit_proof_cli.run(ctx);
    if (audit_query_cli.parsed()) result = audit_query_cli.run(ctx);

    if (!result.is_ok()) return printer.status(result.status());
    return printer.output(result.value());
  } catch (const std::exception& e) {
    return printer.fail("internal", std::string("unexpected failure: ") + e.what(), kExitFailure);
  }
}

}  // namespace silk::tools
