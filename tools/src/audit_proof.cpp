#include "silk/tools/audit_proof.h"

#include <fstream>
#include <sstream>

#include "silk/chain/proof.h"
#include "silk/tools/rpc_sources.h"

namespace silk::tools {

using core::Result;
using core::Status;
using nlohmann::json;

Result<CommandOutput> run_audit_prove(CommandContext& ctx, const AuditProveOptions& options) {
  if (options.out_file.empty()) return Status::invalid("--out is required");
  SILK_ASSIGN_OR_RETURN(NodeClient * node, ctx.node());
  std::unique_ptr<chain::ProofSource> source = make_node_proof_source(*node);
  SILK_ASSIGN_OR_RETURN(json bundle, chain::build_proof_bundle(*source, options.id));
  {
    std::ofstream f(options.out_file, std::ios::binary | std::ios::trunc);
    f << bundle.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
    f.close();
    if (!f) return Status::io_error("cannot write " + options.out_file);
  }
  CommandOutput out;
  out.json = {{"out", options.out_file},
              {"tx_id", bundle["tx_id"]},
              {"height", bundle["height"]},
              {"index", bundle["index"]},
              {"block_hash", bundle["block_hash"]},
              {"doc_id", bundle["doc_id"]}};
  std::ostringstream t;
  if (bundle["doc_id"].is_string()) {
    t << "doc_id     " << bundle["doc_id"].get<std::string>() << " (issued by the tx below)\n";
  }
  t << "tx_id      " << bundle["tx_id"].get<std::string>() << "\n"
    << "block      " << bundle["height"] << " (index " << bundle["index"] << "), hash "
    << bundle["block_hash"].get<std::string>() << "\n"
    << "receipt    code " << bundle["receipt_decoded"]["code"] << " ("
    << bundle["receipt_decoded"]["code_name"].get<std::string>() << ")\n"
    << "wrote      " << options.out_file << " (check it offline: silk audit verify-proof "
    << options.out_file << " --genesis genesis.json)\n";
  out.text = t.str();
  return out;
}

Result<CommandOutput> run_audit_verify_proof(const AuditVerifyProofOptions& options) {
  SILK_ASSIGN_OR_RETURN(core::Genesis genesis, core::load_genesis_file(options.genesis_file));
  std::ifstream f(options.bundle_file, std::ios::binary);
  if (!f) return Status::not_found("cannot open bundle file " + options.bundle_file);
  std::stringstream buf;
  buf << f.rdbuf();
  json bundle = json::parse(buf.str(), nullptr, /*allow_exceptions=*/false);
  if (bundle.is_discarded()) {
    return Status::invalid("bundle file " + options.bundle_file + " is not JSON");
  }
  const chain::ProofReport report = chain::verify_proof_bundle(bundle, genesis);

  CommandOutput out;
  json checks = json::array();
  std::ostringstream t;
  for (const chain::ProofCheck& c : report.checks) {
    checks.push_back(
        {{"name", c.name}, {"ok", c.ok}, {"warning", c.warning}, {"detail", c.detail}});
    const char* mark = c.ok ? "ok  " : (c.warning ? "WARN" : "FAIL");
    t << mark << "  " << c.name << ": " << c.detail << "\n";
  }
  out.json = {{"ok", report.ok()}, {"checks", std::move(checks)}, {"summary", report.summary}};
  if (report.ok()) {
    t << "result: OK: " << report.summary << "\n";
  } else {
    const chain::ProofCheck* first = report.first_failure();
    t << "result: NOT PROVEN";
    if (!report.summary.empty()) t << " (" << report.summary << ")";
    t << "\n";
    out.exit_code = 1;
    out.error = first ? (first->warning ? "proof incomplete: " : "proof fails: ") + first->name +
                            ": " + first->detail
                      : "the bundle proves nothing";
  }
  out.text = t.str();
  return out;
}

}  // namespace silk::tools
