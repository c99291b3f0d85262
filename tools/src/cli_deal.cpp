// deal: deals between a seller and a buyer, and disputes (trade_commands.h).
#include <string>

#include "silk/tools/cli_trade.h"

namespace silk::tools {

using core::Result;
using nlohmann::json;

void add_deal_commands(CLI::App& app, CommandRegistry& registry) {
  auto* g = CommandRegistry::group(app, "deal", "deals between a seller and a buyer, and disputes");
  const char* party = "the key file of a member of the seller or the buyer";

  Cmd op(g, "open", "propose a deal as the seller");
  op.opt("--id", "deal id", true)
      .opt("--buyer", "the buyer organisation", true)
      .opt("--goods", "what is sold", true)
      .opt("--incoterms", "Incoterms 2020 rule, e.g. FOB", true)
      .opt("--amount", "decimal amount, e.g. 84000.00", true)
      .opt("--currency", "ISO 4217, e.g. USD", true)
      .signer("the seller member's key file");
  on_call(registry, op, [](Fields& f) -> Result<TradeCall> {
    SILK_ASSIGN_OR_RETURN(json args, deal_open_args({f["id"], f["buyer"], f["goods"],
                                                     f["incoterms"], f["amount"], f["currency"]}));
    return TradeCall{"trade", "open", args, says("opened deal " + f["id"])};
  });

  struct Step {
    const char* name;
    const char* method;
    const char* help;
    const char* option;  // a required option, or nullptr
    const char* arg;     // its arg name
    const char* done;
  };
  for (const Step& s :
       {Step{"accept", "accept", "accept a proposed deal (buyer)", nullptr, nullptr, "accepted"},
        Step{"ship", "ship", "mark shipped (seller; needs an attached active bill of lading)",
             nullptr, nullptr, "shipped"},
        Step{"deliver", "confirm_delivery", "confirm delivery (buyer)", nullptr, nullptr,
             "confirmed delivery of"},
        Step{"settle", "settle", "record the payment", "--reference", "reference", "settled"},
        Step{"dispute", "dispute", "open a dispute: holds the deal's transferable records",
             "--reason", "reason", "disputed"},
        Step{"release", "release", "lift the holds a decided deal keeps (arbitrator)", nullptr,
             nullptr, "released the holds of"}}) {
    Cmd c(g, s.name, s.help);
    c.pos("id", "deal id");
    if (s.option != nullptr) c.opt(s.option, s.arg, true);
    c.signer(std::string(s.name) == "release" ? "an arbitrator's key file" : party);
    const std::string method = s.method;
    const std::string done = s.done;
    const std::string option = s.option == nullptr ? "" : key_of(s.option);
    const std::string arg = s.arg == nullptr ? "" : s.arg;
    on_call(registry, c, [method, done, option, arg](Fields& f) -> Result<TradeCall> {
      json args = {{"id", f["id"]}};
      if (!option.empty()) args[arg] = f[option];
      return TradeCall{"trade", method, args, says(done + " deal " + f["id"])};
    });
  }

  Cmd at(g, "attach", "link a document to the deal");
  at.pos("id", "deal id").pos("doc_id", "doc id").signer(party);
  on_call(registry, at, [](Fields& f) -> Result<TradeCall> {
    return TradeCall{"trade",
                     "attach",
                     {{"id", f["id"]}, {"doc_id", f["doc_id"]}},
                     says("attached " + f["doc_id"] + " to deal " + f["id"])};
  });

  Cmd ho(g, "hold",
         "order a hold on an attached eBL that neither party controls (an arbitrator of "
         "neither party, while disputed)");
  ho.pos("id", "deal id")
      .pos("doc_id", "the attached bill of lading")
      .opt("--order", "the order's reference or text", true)
      .signer("an arbitrator's key file");
  on_call(registry, ho, [](Fields& f) -> Result<TradeCall> {
    return TradeCall{"trade",
                     "hold",
                     {{"id", f["id"]}, {"doc_id", f["doc_id"]}, {"order", f["order"]}},
                     says("ordered a hold on " + f["doc_id"] + " in deal " + f["id"])};
  });

  Cmd de(g, "decide", "decide a dispute (an arbitrator of neither party)");
  de.pos("id", "deal id")
      .opt("--ruling", "the ruling", true)
      .flag("--release", "lift the holds now (default: keep them until `deal release`)")
      .signer("an arbitrator's key file");
  on_call(registry, de, [](Fields& f) -> Result<TradeCall> {
    return TradeCall{"trade",
                     "decide",
                     {{"id", f["id"]}, {"ruling", f["ruling"]}, {"release", f.b["release"]}},
                     says("decided deal " + f["id"])};
  });

  Cmd sh(g, "show", "a deal, its documents, dispute and history");
  sh.pos("id", "deal id");
  on_query(
      registry, sh, "trade", "deal",
      [](Fields& f) -> Result<json> {
        return json{{"id", f["id"]}};
      },
      format_deal);
  Cmd li(g, "list", "deals (an organisation's only, with --org)");
  li.opt("--org", "seller or buyer");
  on_query(
      registry, li, "trade", "deals",
      [](Fields& f) -> Result<json> {
        json args = json::object();
        if (f.has("org")) {
          SILK_RETURN_IF_ERROR(check_org_option("--org", f["org"]));
          args["org"] = f["org"];
        }
        return args;
      },
      [](const json& r) {
        auto list = r.find("deals");
        if (list == r.end() || !list->is_array() || list->empty()) return std::string("no deals\n");
        std::string t;
        for (const json& d : *list) {
          const json amount = d.value("amount", json::object());
          t += d.value("id", std::string()) + "  " + d.value("state", std::string()) + "  " +
               d.value("seller", std::string()) + " -> " + d.value("buyer", std::string()) + "  " +
               d.value("incoterms", std::string()) + " " + amount.value("value", std::string()) +
               " " + amount.value("currency", std::string()) + "  " +
               d.value("goods", std::string()) + "\n";
        }
        return t;
      });
}

}  // namespace silk::tools
