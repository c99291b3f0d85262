#include "silk/tools/cli_trade.h"

namespace silk::tools {

using core::Result;
using nlohmann::json;

std::function<std::string(const json&)> says(std::string text) {
  return [text](const json& r) {
    std::string line = text;
    if (r.is_object()) {
      for (const char* k : {"status", "state"}) {
        if (auto it = r.find(k); it != r.end() && it->is_string()) {
          line += ": now " + it->get<std::string>();
          break;
        }
      }
    }
    return line + "\n";
  };
}

void on_call(CommandRegistry& registry, const Cmd& c,
             std::function<Result<TradeCall>(Fields&)> build) {
  auto f = c.fields();
  registry.on(c.app(), [f, build](CommandRun& run) -> CommandResult {
    SILK_ASSIGN_OR_RETURN(TradeCall call, build(*f));
    return run_trade_call(run.ctx, f->signed_call(), call);
  });
}

void on_query(CommandRegistry& registry, const Cmd& c, const std::string& contract,
              const std::string& method, std::function<Result<json>(Fields&)> build,
              std::function<std::string(const json&)> format, std::string predicate) {
  auto f = c.fields();
  registry.on(c.app(),
              [f, contract, method, build, format, predicate](CommandRun& run) -> CommandResult {
                SILK_ASSIGN_OR_RETURN(json args, build(*f));
                return run_trade_query(run.ctx, contract, method, args, format, predicate);
              });
}

void add_issue_flags(Cmd& c, bool type_required) {
  c.opt("--type",
        type_required ? "document type, e.g. certificate_of_origin"
                      : "document type (default: the old document's)",
        type_required)
      .opt("--seal-key", "sign the document with this key (e.g. a CA-issued seal), not --key")
      .opt("--seal-cert", "the seal key's certificate (default: its .pem sibling)")
      .opt("--seal-passphrase-file", "the seal key's passphrase file (default: as --key's)")
      .opt("--label", "data label: general (default) | important | core")
      .flag("--personal-data", "the document holds personal information")
      .multi("--party", "ROLE=ORG, e.g. seller=org1 (repeat)")
      .opt("--jurisdiction", "issuing jurisdiction (default: the signer certificate's C)")
      .opt("--signed-at",
           "the claimed signing time (default: now); the chain accepts it only within its "
           "tx window of the anchoring block, whose time is what counts")
      .flag("--disclosable",
            "FILE is a JSON object of fields: salt each, write FILE.disclosable.json, anchor "
            "the root");
}

DocIssueOptions issue_options(Fields& f) {
  DocIssueOptions o;
  o.file = f["file"];
  o.type = f["type"];
  o.doc_id = f["doc-id"];
  o.seal_key = f["seal-key"];
  o.seal_cert = f["seal-cert"];
  o.seal_passphrase_file = f["seal-passphrase-file"];
  o.label = f["label"];
  o.personal_data = f.b["personal-data"];
  o.parties = f.v["party"];
  o.jurisdiction = f["jurisdiction"];
  o.disclosable = f.b["disclosable"];
  o.signed_at = f["signed-at"];
  return o;
}

}  // namespace silk::tools
