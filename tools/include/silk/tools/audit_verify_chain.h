// `silk audit verify-chain`: re-verifies a whole chain, from genesis to the
// tip, from a stopped node's data folder or a running node's RPC, with
// chain::verify_chain (chain/include/silk/chain/verify_chain.h: every block
// passes the validators' chain::check_block on the replayed chain, and the
// source agrees with the replay). docs/audit.md.
#pragma once

#include "silk/client/http_client.h"

#include <string>

#include "silk/chain/verify_chain.h"
#include "silk/core/status.h"
#include "silk/tools/command.h"

namespace silk::tools {

struct AuditVerifyChainOptions {
  std::string data_dir;      // the node's RocksDB folder (silkd's data_dir), or:
  std::string node_url;      // a running node's RPC (--rpc): blocks and receipts over HTTP
  std::shared_ptr<client::TlsClient> node_tls;  // for an https node_url
  std::string genesis_file;  // genesis.json
  bool keep_going = false;
  // The checker's clock (Unix ms) for blocks too far ahead of it; nullopt: the system clock.
  std::optional<uint64_t> now_ms;
};

// The command: loads the genesis file, opens the data folder (never creating
// it) or reads the node (make_rpc_block_source; then without the state
// comparison), and runs chain::verify_chain. Failures: kInvalid/kNotFound for a
// bad genesis file, kNotFound for a missing data folder, kUnavailable "data
// folder ... is locked by a running silkd; ..." when a node holds it, kIOError
// for other open failures. On any difference the output has exit_code 1 and
// `error` holds the first difference.
// Text: a summary (chain, blocks, txs, state keys, duration with blocks/s
// and txs/s, OK or the differences). JSON: {"ok", "complete", "chain_id",
// "genesis_hash", "tip_height", "blocks_checked", "txs_checked",
// "state_keys_checked", "history_versions_checked", "duration_ms",
// "txs_per_s" (txs_checked / duration), "signature_threads", "differences":
// [{"height" (null after the replay), "message"}], "truncated"}.
core::Result<CommandOutput> run_audit_verify_chain(
    const AuditVerifyChainOptions& options, const chain::VerifyChainProgressFn& progress = {});

}  // namespace silk::tools
