// `silk audit prove` and `silk audit verify-proof`: the commands over chain's
// proof bundles (chain/include/silk/chain/proof.h, docs/audit.md#proofs).
#pragma once

#include <string>

#include "silk/core/status.h"
#include "silk/tools/command.h"

namespace silk::tools {

struct AuditProveOptions {
  std::string id;        // tx id (64 hex) or doc_id
  std::string out_file;  // where the bundle is written
};

// `silk audit prove`: builds the bundle from the node and writes it to
// out_file. Text: what was proven and where it was written; JSON: {"out",
// "tx_id", "height", "index", "block_hash", "doc_id" (or null)}.
core::Result<CommandOutput> run_audit_prove(CommandContext& ctx, const AuditProveOptions& options);

struct AuditVerifyProofOptions {
  std::string bundle_file;
  std::string genesis_file;
};

// `silk audit verify-proof`: offline. Failures to run at all (unreadable
// bundle or genesis file) are a Status; a failed check is exit_code 1 with
// `error` naming the first one. Text: one line per check, then the summary.
// JSON: {"ok", "checks": [{"name", "ok", "warning", "detail"}], "summary"}.
core::Result<CommandOutput> run_audit_verify_proof(const AuditVerifyProofOptions& options);

}  // namespace silk::tools
