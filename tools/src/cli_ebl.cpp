// ebl: electronic bills of lading (trade_commands.h).
#include <string>

#include "silk/tools/cli_trade.h"

namespace silk::tools {

using core::Result;
using core::Status;
using nlohmann::json;

void add_ebl_commands(CLI::App& app, CommandRegistry& registry) {
  auto* g = CommandRegistry::group(app, "ebl", "electronic bills of lading (DCSA eBL, MLETR)");
  auto simple = [&](const char* name, const char* help, const char* method, const char* key_help,
                    std::function<Result<json>(Fields&)> extra, std::string done,
                    std::function<void(Cmd&)> options) {
    Cmd c(g, name, help);
    c.pos("doc_id", "the bill of lading's doc id");
    if (options) options(c);
    c.signer(key_help);
    const std::string m = method;
    on_call(registry, c, [m, extra, done](Fields& f) -> Result<TradeCall> {
      json args = {{"doc_id", f["doc_id"]}};
      if (extra) {
        SILK_ASSIGN_OR_RETURN(json more, extra(f));
        args.update(more);
      }
      return TradeCall{"ebl", m, args, says(done + " " + f["doc_id"])};
    });
  };
  auto to_org = [](Fields& f) -> Result<json> {
    SILK_RETURN_IF_ERROR(check_org_option("--to", f["to"]));
    return json{{"to", f["to"]}};
  };
  auto reason_opt = [](Fields& f) -> Result<json> {
    json j = json::object();
    if (f.has("reason")) j["reason"] = f["reason"];
    return j;
  };
  const char* holder = "the key file of a member of the holder organisation";
  const char* carrier = "the key file of a member of the carrier";

  simple(
      "issue", "issue the eBL for an anchored bill of lading (by the carrier)", "issue", carrier,
      [](Fields& f) -> Result<json> {
        SILK_RETURN_IF_ERROR(check_org_option("--holder", f["holder"]));
        json j = {{"holder", f["holder"]}};
        if (f.has("owner") && f.b["to-order"]) {
          return Status::invalid("give --owner or --to-order, not both");
        }
        if (f.has("owner")) {
          SILK_RETURN_IF_ERROR(check_org_option("--owner", f["owner"]));
          j["owner"] = f["owner"];
        }
        if (f.b["to-order"]) j["to_order"] = true;
        return j;
      },
      "issued eBL",
      [](Cmd& c) {
        c.opt("--holder", "the organisation given control (the shipper)", true)
            .opt("--owner", "the named owner (default: the holder)")
            .flag("--to-order", "a to-order bill (no named owner)");
      });
  simple("endorse", "endorse to a new owner and deliver control to it", "endorse", holder, to_org,
         "endorsed", [](Cmd& c) { c.opt("--to", "the endorsee organisation", true); });
  simple("endorse-to-order", "make the bill run to order (no named owner)", "endorse_to_order",
         holder, nullptr, "endorsed to order", nullptr);
  simple("blank-endorse", "blank-endorse: a bearer bill", "blank_endorse", holder, nullptr,
         "blank-endorsed", nullptr);
  simple("transfer", "pass control (possession) without changing the owner", "transfer", holder,
         to_org, "transferred", [](Cmd& c) { c.opt("--to", "the new holder organisation", true); });
  simple(
      "surrender", "surrender to the carrier for delivery or amendment", "request_surrender",
      holder,
      [](Fields& f) -> Result<json> {
        if (f["for"] != "delivery" && f["for"] != "amendment") {
          return Status::invalid("--for \"" + f["for"] + "\" is not delivery or amendment");
        }
        return json{{"purpose", f["for"]}};
      },
      "requested surrender of", [](Cmd& c) { c.opt("--for", "delivery | amendment", true); });
  simple("accept-surrender", "accept a pending surrender (carrier)", "accept_surrender", carrier,
         reason_opt, "accepted the surrender of",
         [](Cmd& c) { c.opt("--reason", "a note for the chain"); });
  simple("reject-surrender", "reject a pending surrender: control returns (carrier)",
         "reject_surrender", carrier, reason_opt, "rejected the surrender of",
         [](Cmd& c) { c.opt("--reason", "why"); });
  simple("void", "void the eBL while the carrier controls it", "void", carrier, reason_opt,
         "voided", [](Cmd& c) { c.opt("--reason", "why", true); });

  Cmd am(g, "amend",
         "after the holder's surrender for amendment: amend the bill, void the old eBL and "
         "reissue the new one to the same holder (carrier)");
  am.pos("old_id", "the bill of lading surrendered for amendment").pos("file", "the amended bill");
  am.opt("--doc-id", "the amended bill's doc id", true).opt("--reason", "a note for the chain");
  add_issue_flags(am, false);
  am.signer(carrier);
  {
    auto f = am.fields();
    registry.on(am.app(), [f](CommandRun& run) -> CommandResult {
      return run_ebl_amend(run.ctx, f->signed_call(), (*f)["old_id"], issue_options(*f),
                           (*f)["reason"]);
    });
  }

  Cmd sh(g, "show", "the eBL record: status, holder, owner, hold");
  sh.pos("doc_id", "doc id");
  on_query(
      registry, sh, "ebl", "record",
      [](Fields& f) -> Result<json> {
        return json{{"doc_id", f["doc_id"]}};
      },
      format_ebl);
  Cmd ch(g, "chain", "the endorsement chain, one line per link");
  ch.pos("doc_id", "doc id");
  on_query(
      registry, ch, "ebl", "chain",
      [](Fields& f) -> Result<json> {
        return json{{"doc_id", f["doc_id"]}};
      },
      format_ebl_chain);
}

}  // namespace silk::tools
