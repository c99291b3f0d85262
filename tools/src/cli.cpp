#include "silk/tools/cli.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <sstream>

#include "silk/tools/audit_verify_chain.h"
#include "silk/tools/bench.h"
#include "silk/tools/ca_commands.h"
#include "silk/tools/command.h"
#include "silk/tools/init_solo.h"
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

// Parses JSON text given on the command line, naming the option on failure.
Result<json> parse_json_option(const std::string& option, const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::invalid(option + " is not valid JSON: " + text);
  return j;
}

// Plain decimal unsigned integers only: CLI11 2.1 would also take "-1"
// (wrapping around), "0x10" and octal "010".
const CLI::Validator kDecimal(
    [](std::string& text) -> std::string {
      uint64_t v = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
          (text.size() > 1 && text[0] == '0')) {
        return "expected a decimal number from 0 to 18446744073709551615, got \"" + text + "\"";
      }
      return std::string();
    },
    "UINT");

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
    keygen_cmd->add_option("--key-kdf", keygen_kdf, "interactive (default) or fast")
        ->check(CLI::IsMember({"interactive", "fast"}));

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
    build_cmd->add_option("--key", build.key_file, "the sender's key file (public part only)")
        ->required();
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
    init_cmd->add_option("--key-kdf", init_kdf, "interactive (default) or fast")
        ->check(CLI::IsMember({"interactive", "fast"}));

    // bench verify | load
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

    // audit verify-chain (the "audit" group may already exist: other audit commands share it)
    std::vector<CLI::App*> audit_found =
        app.get_subcommands([](CLI::App* c) { return c->get_name() == "audit"; });
    CLI::App* audit_cmd = audit_found.empty() ? nullptr : audit_found.front();
    if (audit_cmd == nullptr) {
      audit_cmd = app.add_subcommand("audit", "verify what the ledger says, offline");
      audit_cmd->require_subcommand(1);
    }
    AuditVerifyChainOptions verify_chain_options;
    auto* verify_chain_cmd = audit_cmd->add_subcommand(
        "verify-chain", "re-verify and re-execute a whole chain from a stopped node's data folder");
    verify_chain_cmd
        ->add_option("--data-dir", verify_chain_options.data_dir, "the node's data_dir (RocksDB)")
        ->required();
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
    ca_init_cmd->add_option("--key-kdf", ca_init_kdf, "interactive (default) or fast")
        ->check(CLI::IsMember({"interactive", "fast"}));

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
    cert_issue_cmd->add_option("--jurisdiction", cert_issue.jurisdiction,
                               "ISO 3166 alpha-2 (default: the CA's)");
    cert_issue_cmd->add_option("--key-kdf", cert_issue_kdf, "interactive (default) or fast")
        ->check(CLI::IsMember({"interactive", "fast"}));
    cert_issue_cmd->add_option("--ca-passphrase-file", cert_issue.ca_passphrase_file,
                               "read the CA key's passphrase from the first line of this file "
                               "(else $SILK_CA_PASSPHRASE, else a terminal prompt)");
    std::string cert_show_file;
    auto* cert_show_cmd = cert_cmd->add_subcommand(
        "show", "print a certificate: subject, issuer, validity, fingerprint, role");
    cert_show_cmd->add_option("file", cert_show_file, "certificate file (PEM or DER)")->required();

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
    if (auto url = parse_url(node_url); !url.is_ok()) {
      return printer.usage(url.status().message());
    }
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
        auto meta = parse_json_option("--meta", anchor_meta);
        if (!meta.is_ok()) return printer.usage(meta.status().message());
        if (!meta->is_object()) return printer.usage("--meta must be a JSON object");
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
    }

    if (verify_chain_cmd->parsed()) {
      VerifyChainProgressFn progress;
      bool progress_line_open = false;
      if (env.err == &std::cerr && ::isatty(STDERR_FILENO) == 1) {
        progress = [&env, &progress_line_open, last = std::chrono::steady_clock::time_point()](
                       const VerifyChainProgress& p) mutable {
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
    }

    if (!result.is_ok()) return printer.status(result.status());
    return printer.output(result.value());
  } catch (const std::exception& e) {
    return printer.fail("internal", std::string("unexpected failure: ") + e.what(), kExitFailure);
  }
}

}  // namespace silk::tools
