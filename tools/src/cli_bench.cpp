// bench verify | load | etcd | history (bench.h).
#include <memory>

#include "silk/tools/bench.h"
#include "silk/tools/cli_options.h"
#include "silk/tools/cli_registry.h"

namespace silk::tools {

namespace {

void add_verify(CLI::App* bench, CommandRegistry& registry) {
  auto o = std::make_shared<BenchVerifyOptions>();
  auto* cmd =
      bench->add_subcommand("verify", "verifies/s per core and verify_bound of a suite (offline)");
  cmd->add_option("--seconds", o->seconds, "seconds per phase (default 3)")
      ->check(CLI::Range(0.01, 3600.0));
  cmd->add_option("--nodes", o->nodes, "nodes sharing the cores (default 1)")
      ->check(kDecimal)
      ->check(CLI::Range(1u, 1000u));
  cmd->add_option("--suite", o->suite, "signature suite (default ed25519; docs/formats.md)");
  registry.on(cmd, [o](CommandRun& run) -> CommandResult { return run_bench_verify(run.ctx, *o); });
}

void add_load(CLI::App* bench, CommandRegistry& registry) {
  struct Load {
    BenchLoadOptions options;
    double rate = 0;
    CLI::Option* rate_opt = nullptr;
  };
  auto o = std::make_shared<Load>();
  auto* cmd =
      bench->add_subcommand("load", "sign N anchors, submit them in batches, measure commits");
  cmd->add_option("--key", o->options.key_file, "the signer's key file")->required();
  cmd->add_option("--cert", o->options.cert_file, kCertHelp);
  cmd->add_option("--txs", o->options.txs, "txs to send (default 20000)")
      ->check(kDecimal)
      ->check(CLI::Range(size_t{1}, size_t{10000000}));
  cmd->add_option("--concurrency", o->options.concurrency, "client connections (default 8)")
      ->check(kDecimal)
      ->check(CLI::Range(size_t{1}, size_t{1024}));
  cmd->add_option("--batch", o->options.batch, "txs per POST /v1/txs (default 200)")
      ->check(kDecimal)
      ->check(CLI::Range(size_t{1}, size_t{10000}));
  o->rate_opt =
      cmd->add_option("--rate", o->rate, "open loop at this many txs/s (default: closed loop)")
          ->check(CLI::PositiveNumber);
  cmd->add_option("--timeout-ms", o->options.timeout_ms, "wait per batch (default 60000)")
      ->check(kDecimal)
      ->check(CLI::Range(uint64_t{1}, uint64_t{60000}));
  registry.on(cmd, [o](CommandRun& run) -> CommandResult {
    if (o->rate_opt->count() > 0) o->options.rate = o->rate;
    if (std::ostream* tty = run.terminal_err()) o->options.progress = tty;
    return run_bench_load(run.ctx, o->options);
  });
}

void add_etcd(CLI::App* bench, CommandRegistry& registry) {
  struct Etcd {
    BenchEtcdOptions options;
    double rate = 0;
    CLI::Option* rate_opt = nullptr;
  };
  auto o = std::make_shared<Etcd>();
  auto* cmd = bench->add_subcommand(
      "etcd", "the bench load loop against etcd's JSON gateway (for comparison)");
  cmd->add_option("--endpoint", o->options.endpoint,
                  "an etcd client URL (default http://127.0.0.1:2379)");
  cmd->add_option("--puts", o->options.puts, "puts to send (default 20000)")
      ->check(kDecimal)
      ->check(CLI::Range(size_t{1}, size_t{10000000}));
  cmd->add_option("--concurrency", o->options.concurrency, "client connections (default 8)")
      ->check(kDecimal)
      ->check(CLI::Range(size_t{1}, size_t{1024}));
  cmd->add_option("--batch", o->options.batch,
                  "1: POST /v3/kv/put per key (default); N: N puts per POST /v3/kv/txn")
      ->check(kDecimal)
      ->check(CLI::Range(size_t{1}, size_t{128}));
  cmd->add_option("--value-bytes", o->options.value_bytes,
                  "value size (default: a notary anchor tx's size)")
      ->check(kDecimal)
      ->check(CLI::Range(size_t{0}, size_t{1} << 20));
  o->rate_opt =
      cmd->add_option("--rate", o->rate, "open loop at this many puts/s (default: closed loop)")
          ->check(CLI::PositiveNumber);
  cmd->add_option("--timeout-ms", o->options.timeout_ms, "per request (default 60000)")
      ->check(kDecimal)
      ->check(CLI::Range(uint64_t{1}, uint64_t{60000}));
  registry.on(cmd, [o](CommandRun& run) -> CommandResult {
    if (o->rate_opt->count() > 0) o->options.rate = o->rate;
    if (std::ostream* tty = run.terminal_err()) o->options.progress = tty;
    return run_bench_etcd(run.ctx, o->options);
  });
}

void add_history(CLI::App* bench, CommandRegistry& registry) {
  auto o = std::make_shared<BenchHistoryOptions>();
  auto* cmd =
      bench->add_subcommand("history", "write N versions of one key, time GET /v1/history pages");
  cmd->add_option("--key", o->key_file, "an admin's key file")->required();
  cmd->add_option("--cert", o->cert_file, kCertHelp);
  cmd->add_option("--versions", o->versions, "versions to write (default 1000)")
      ->check(kDecimal)
      ->check(CLI::Range(size_t{1}, size_t{100000}));
  cmd->add_option("--batch", o->batch, "txs per POST /v1/txs (default 100)")
      ->check(kDecimal)
      ->check(CLI::Range(size_t{1}, size_t{10000}));
  cmd->add_option("--page", o->page, "versions per GET (default 100)")
      ->check(kDecimal)
      ->check(CLI::Range(size_t{1}, size_t{1000}));
  cmd->add_option("--reads", o->reads, "timed GETs (default 500)")
      ->check(kDecimal)
      ->check(CLI::Range(size_t{1}, size_t{1000000}));
  registry.on(cmd,
              [o](CommandRun& run) -> CommandResult { return run_bench_history(run.ctx, *o); });
}

}  // namespace

void add_bench_commands(CLI::App& app, CommandRegistry& registry) {
  auto* bench =
      CommandRegistry::group(app, "bench", "measure the verify bound and a node's throughput");
  add_verify(bench, registry);
  add_load(bench, registry);
  add_etcd(bench, registry);
  add_history(bench, registry);
}

}  // namespace silk::tools
