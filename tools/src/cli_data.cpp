// data: data labels, export approvals and cross-border sharing (trade_commands.h).
#include <string>

#include "silk/tools/cli_trade.h"

namespace silk::tools {

using core::Result;
using core::Status;
using nlohmann::json;

void add_data_commands(CLI::App& app, CommandRegistry& registry) {
  auto* g =
      CommandRegistry::group(app, "data", "data labels, export approvals and cross-border sharing");

  Cmd cl(g, "classify", "raise a document's data label (never lowers)");
  cl.pos("doc_id", "doc id")
      .opt("--label", "general | important | core", true)
      .flag("--personal-data", "it holds personal information")
      .opt("--reason", "why")
      .signer("the key file of an issuer-organisation member or a regulator");
  on_call(registry, cl, [](Fields& f) -> Result<TradeCall> {
    const std::string& l = f["label"];
    if (l != "general" && l != "important" && l != "core") {
      return Status::invalid("--label \"" + l + "\" is not one of general, important, core");
    }
    json args = {{"doc_id", f["doc_id"]}, {"label", l}};
    if (f.b["personal-data"]) args["personal_data"] = true;
    if (f.has("reason")) args["reason"] = f["reason"];
    return TradeCall{"dataflow", "classify", args, says("classified " + f["doc_id"] + " as " + l)};
  });

  Cmd fa(g, "file-approval", "file an export approval for your organisation");
  fa.opt("--id", "approval id", true)
      .opt("--route",
           "security_assessment | standard_contract | certification | exemption | "
           "ftz_negative_list",
           true)
      .multi("--doc-type", "document type covered (repeat)", true)
      .multi("--label", "general | important | personal (repeat)", true)
      .multi("--destination", "destination jurisdiction (repeat)", true)
      .multi("--recipient", "recipient organisation (repeat; default: any)")
      .opt("--authority", "the approving authority, e.g. CAC", true)
      .opt("--reference", "the authority's reference")
      .opt("--valid-from", "ISO 8601 UTC or Unix ms")
      .opt("--valid-until", "ISO 8601 UTC or Unix ms")
      .signer("the exporter member's key file");
  on_call(registry, fa, [](Fields& f) -> Result<TradeCall> {
    DataApprovalOptions o{
        f["id"],          f["route"],     f.v["doc-type"], f.v["label"],    f.v["destination"],
        f.v["recipient"], f["authority"], f["reference"],  f["valid-from"], f["valid-until"]};
    SILK_ASSIGN_OR_RETURN(json args, data_file_approval_args(o));
    return TradeCall{"dataflow", "file_approval", args, says("filed export approval " + f["id"])};
  });

  struct Change {
    const char* name;
    const char* method;
    const char* help;
    bool reason_required;
    const char* done;
  };
  for (const Change& ch :
       {Change{"approve", "approve_approval", "approve a filed export approval (regulator)", false,
               "approved "},
        Change{"reject", "reject_approval", "reject a filed export approval (regulator)", true,
               "rejected "},
        Change{"revoke", "revoke_approval", "revoke an approved export approval (regulator)", true,
               "revoked "}}) {
    Cmd c(g, ch.name, ch.help);
    c.pos("id", "approval id").opt("--reason", "why", ch.reason_required);
    c.signer("the key file of a regulator of the exporter's jurisdiction");
    const std::string method = ch.method;
    const std::string done = ch.done;
    on_call(registry, c, [method, done](Fields& f) -> Result<TradeCall> {
      json args = {{"id", f["id"]}};
      if (f.has("reason")) args["reason"] = f["reason"];
      return TradeCall{"dataflow", method, args, says(done + "export approval " + f["id"])};
    });
  }

  Cmd sh(g, "share", "share a document with an organisation (checked and logged)");
  sh.pos("doc_id", "doc id")
      .opt("--to", "the recipient organisation", true)
      .opt("--to-jurisdiction", "its jurisdiction (default: the consortium's record)")
      .opt("--purpose", "why it is shared", true)
      .signer("the key file of an issuer-organisation or eBL-holder member");
  on_call(registry, sh, [](Fields& f) -> Result<TradeCall> {
    SILK_RETURN_IF_ERROR(check_org_option("--to", f["to"]));
    json args = {{"doc_id", f["doc_id"]}, {"to_org", f["to"]}, {"purpose", f["purpose"]}};
    if (f.has("to-jurisdiction")) {
      SILK_RETURN_IF_ERROR(check_jurisdiction_option("--to-jurisdiction", f["to-jurisdiction"]));
      args["to_jurisdiction"] = f["to-jurisdiction"];
    }
    return TradeCall{"dataflow", "share", args, says("shared " + f["doc_id"] + " with " + f["to"])};
  });

  Cmd ap(g, "approvals", "export approvals (an exporter's only, with --exporter-org)");
  ap.opt("--exporter-org", "organisation");
  on_query(
      registry, ap, "dataflow", "approvals",
      [](Fields& f) -> Result<json> {
        json args = json::object();
        if (f.has("exporter-org")) {
          SILK_RETURN_IF_ERROR(check_org_option("--exporter-org", f["exporter-org"]));
          args["exporter_org"] = f["exporter-org"];
        }
        return args;
      },
      format_approvals);

  Cmd ss(g, "shares", "the cross-border log of a document (shares and eBL transfers)");
  ss.pos("doc_id", "doc id");
  on_query(
      registry, ss, "dataflow", "shares",
      [](Fields& f) -> Result<json> {
        return json{{"doc_id", f["doc_id"]}};
      },
      format_shares);

  Cmd ms(g, "may-share", "whether a document may be shared with an organisation now");
  ms.pos("doc_id", "doc id")
      .opt("--to", "the recipient organisation", true)
      .opt("--to-jurisdiction", "its jurisdiction")
      .opt("--at", kAtHelp);
  on_query(
      registry, ms, "dataflow", "may_share",
      [](Fields& f) -> Result<json> {
        SILK_RETURN_IF_ERROR(check_org_option("--to", f["to"]));
        json args = {{"doc_id", f["doc_id"]}, {"to_org", f["to"]}};
        if (f.has("to-jurisdiction")) {
          SILK_RETURN_IF_ERROR(
              check_jurisdiction_option("--to-jurisdiction", f["to-jurisdiction"]));
          args["to_jurisdiction"] = f["to-jurisdiction"];
        }
        SILK_RETURN_IF_ERROR(add_time_arg(args, "at_ms", "--at", f["at"]));
        return args;
      },
      format_may_share, "allowed");
}

}  // namespace silk::tools
