#include "silk/tools/audit_verify_chain.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>
#include <system_error>

#include "silk/client/node_client.h"
#include "silk/storage/store.h"
#include "silk/tools/rpc_sources.h"

namespace silk::tools {

using core::Result;
using core::Status;
using nlohmann::json;

namespace {

bool mentions_lock(const std::string& message) {
  std::string lower = message;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.find("lock") != std::string::npos;
}

std::string format_seconds(double ms) {
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(2);
  s << ms / 1000.0 << " s";
  return s.str();
}

}  // namespace

Result<CommandOutput> run_audit_verify_chain(const AuditVerifyChainOptions& options,
                                             const chain::VerifyChainProgressFn& progress) {
  namespace fs = std::filesystem;
  Result<core::Genesis> genesis = core::load_genesis_file(options.genesis_file);
  if (!genesis.is_ok()) return genesis.status();

  chain::VerifyChainOptions verify_options;
  verify_options.keep_going = options.keep_going;
  verify_options.now_ms = options.now_ms;
  std::unique_ptr<storage::Store> store;  // a data folder's
  std::optional<client::NodeClient> node;
  std::unique_ptr<chain::BlockSource> source;
  if (!options.node_url.empty()) {
    Result<client::Url> url = client::parse_url(options.node_url);
    if (!url.is_ok()) return url.status();
    url->tls = options.node_tls;
    node.emplace(*url);
    source = make_rpc_block_source(*node, *genesis);
    verify_options.check_state = false;
    verify_options.concurrent_store_reads = false;  // one HTTP client
  } else {
    std::error_code ec;
    if (!fs::is_directory(options.data_dir, ec)) {
      return Status::not_found("data folder " + options.data_dir +
                               " does not exist or is not a folder");
    }
    storage::RocksDbOptions open_options;
    open_options.create_if_missing = false;
    open_options.sync_writes = false;  // the audit never writes a block
    Result<std::unique_ptr<storage::Store>> opened =
        storage::open_rocksdb_store(options.data_dir, open_options);
    if (!opened.is_ok()) {
      const std::string& m = opened.status().message();
      if (mentions_lock(m)) {
        return Status::unavailable("data folder " + options.data_dir +
                                   " is locked by a running silkd; stop it, or verify a copy of "
                                   "the folder (cp -a) instead (" +
                                   m + ")");
      }
      return Status(opened.status().code(),
                    "cannot open data folder " + options.data_dir + ": " + m);
    }
    store = std::move(opened).value();
    source = chain::make_store_source(*store);
  }
  SILK_ASSIGN_OR_RETURN(chain::VerifyChainReport report,
                        chain::verify_chain(*source, *genesis, verify_options, progress));

  const double blocks_per_s = report.duration_ms > 0 ? static_cast<double>(report.blocks_checked) *
                                                           1000.0 / report.duration_ms
                                                     : 0.0;
  const double txs_per_s =
      report.duration_ms > 0 ? static_cast<double>(report.txs_checked) * 1000.0 / report.duration_ms
                             : 0.0;
  CommandOutput out;
  json differences = json::array();
  for (const chain::ChainDifference& d : report.differences) {
    differences.push_back(
        {{"height", d.height ? json(*d.height) : json(nullptr)}, {"message", d.message}});
  }
  out.json = {{"ok", report.ok()},
              {"complete", report.complete},
              {"chain_id", report.chain_id},
              {"genesis_hash", core::to_hex(report.genesis_hash)},
              {"tip_height", report.tip_height},
              {"blocks_checked", report.blocks_checked},
              {"txs_checked", report.txs_checked},
              {"state_keys_checked", report.state_keys_checked},
              {"history_versions_checked", report.history_versions_checked},
              {"duration_ms", report.duration_ms},
              {"txs_per_s", txs_per_s},
              {"signature_threads", report.signature_threads},
              {"differences", differences},
              {"truncated", report.truncated}};

  std::ostringstream t;
  t << "chain:       " << report.chain_id << " (genesis " << core::to_hex(report.genesis_hash)
    << ")\n";
  t << "blocks:      " << report.blocks_checked << " of " << report.tip_height + 1
    << " (heights 0.." << report.tip_height << ")\n";
  t << "txs:         " << report.txs_checked << "\n";
  t << "state keys:  " << report.state_keys_checked << " (" << report.history_versions_checked
    << " history versions)\n";
  t << "duration:    " << format_seconds(report.duration_ms) << " ("
    << static_cast<uint64_t>(blocks_per_s) << " blocks/s, " << static_cast<uint64_t>(txs_per_s)
    << " txs/s; signatures on " << report.signature_threads << " threads)\n";
  if (report.ok() && options.node_url.empty()) {
    t << "result:      OK: every hash link, signature, commit certificate, receipt, state root "
         "and replayed state value matches\n";
  } else if (report.ok()) {
    t << "result:      OK: every hash link, signature, commit certificate, receipt and state root "
         "the node serves matches the replay (state values are checked from a data folder)\n";
  } else {
    t << "result:      DIFFERS";
    if (!report.complete) t << " (verification stopped early)";
    t << "\n";
    for (const chain::ChainDifference& d : report.differences) t << "  " << d.message << "\n";
    if (report.truncated) t << "  (more differences not listed)\n";
    out.exit_code = 1;
    out.error = report.differences.empty() ? "chain verification did not complete"
                                           : "chain differs: " + report.differences.front().message;
  }
  out.text = t.str();
  return out;
}

}  // namespace silk::tools
