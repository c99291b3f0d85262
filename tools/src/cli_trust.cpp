// trust: jurisdictions, trust lists and mutual-recognition arrangements (trade_commands.h).
#include <string>

#include "silk/tools/cli_trade.h"

namespace silk::tools {

using core::Result;
using nlohmann::json;

namespace {

constexpr const char* kRegulatorKey = "the key file of a regulator of the jurisdiction";

// register-jurisdiction, add-authority, withdraw-authority, regrant, authorities.
void add_trust_lists(CLI::App* g, CommandRegistry& registry) {
  const std::string reg = kRegulatorKey;

  Cmd c(g, "register-jurisdiction", "register a jurisdiction (by one of its regulators)");
  c.opt("--code", "ISO 3166-1 alpha-2 code, e.g. CN", true).opt("--name", "its name", true);
  c.signer(reg);
  on_call(registry, c, [](Fields& f) -> Result<TradeCall> {
    SILK_RETURN_IF_ERROR(check_jurisdiction_option("--code", f["code"]));
    return TradeCall{"trust",
                     "register_jurisdiction",
                     {{"code", f["code"]}, {"name", f["name"]}},
                     says("registered jurisdiction " + f["code"])};
  });

  Cmd add(g, "add-authority",
          "list an authority (its CA certificate or key) on a jurisdiction's trust list");
  add.opt("--jurisdiction", "the trust list's jurisdiction", true)
      .opt("--id", "the entry's id, e.g. ccpit-ca", true)
      .opt("--name", "the authority's name", true)
      .opt("--authority-cert", "the authority's (CA) certificate, PEM or DER")
      .opt("--public-key", "or: the authority's Ed25519 public key (hex)")
      .multi("--service-type",
             "coo_issuer, phyto_authority, customs, esign_ca, carrier, chamber, bank, insurer "
             "(repeat or comma-separate)",
             true)
      .signer(reg);
  on_call(registry, add, [](Fields& f) -> Result<TradeCall> {
    TrustAuthorityOptions o{f["jurisdiction"],   f["id"],         f["name"],
                            f["authority-cert"], f["public-key"], f.v["service-type"]};
    SILK_ASSIGN_OR_RETURN(json args, trust_add_authority_args(o));
    return TradeCall{"trust", "add_authority", args,
                     says("listed " + f["id"] + " on the trust list of " + f["jurisdiction"])};
  });

  Cmd wd(g, "withdraw-authority", "withdraw a trust-list entry (granted -> withdrawn)");
  wd.opt("--jurisdiction", "CC", true).opt("--id", "entry id", true).opt("--reason", "why", true);
  wd.signer(reg);
  on_call(registry, wd, [](Fields& f) -> Result<TradeCall> {
    SILK_RETURN_IF_ERROR(check_jurisdiction_option("--jurisdiction", f["jurisdiction"]));
    return TradeCall{
        "trust",
        "withdraw_authority",
        {{"jurisdiction", f["jurisdiction"]}, {"id", f["id"]}, {"reason", f["reason"]}},
        says("withdrew " + f["id"] + " from the trust list of " + f["jurisdiction"])};
  });

  Cmd rg(g, "regrant", "grant a withdrawn trust-list entry again");
  rg.opt("--jurisdiction", "CC", true).opt("--id", "entry id", true).opt("--reason", "why");
  rg.signer(reg);
  on_call(registry, rg, [](Fields& f) -> Result<TradeCall> {
    SILK_RETURN_IF_ERROR(check_jurisdiction_option("--jurisdiction", f["jurisdiction"]));
    json args = {{"jurisdiction", f["jurisdiction"]}, {"id", f["id"]}};
    if (f.has("reason")) args["reason"] = f["reason"];
    return TradeCall{
        "trust", "regrant", args,
        says("granted " + f["id"] + " again on the trust list of " + f["jurisdiction"])};
  });

  Cmd au(g, "authorities", "a jurisdiction's trust list, as of a time");
  au.opt("--jurisdiction", "CC", true).opt("--at", kAtHelp);
  on_query(
      registry, au, "trust", "authorities",
      [](Fields& f) -> Result<json> {
        SILK_RETURN_IF_ERROR(check_jurisdiction_option("--jurisdiction", f["jurisdiction"]));
        json args = {{"jurisdiction", f["jurisdiction"]}};
        SILK_RETURN_IF_ERROR(add_time_arg(args, "at_ms", "--at", f["at"]));
        return args;
      },
      format_authorities);
}

// propose-mra, approve-mra, suspend-mra, reinstate-mra, repeal-mra, mra, mras, recognises.
void add_mras(CLI::App* g, CommandRegistry& registry) {
  const std::string reg = kRegulatorKey;

  Cmd pm(g, "propose-mra", "propose a mutual-recognition arrangement (your approval counts)");
  pm.opt("--id", "MRA id, e.g. CN-SG-COO", true)
      .multi("--parties", "the two jurisdictions, A,B", true)
      .opt("--direction", "mutual | a_recognises_b | b_recognises_a", true)
      .multi("--doc-type", "a document type covered (repeat)", true)
      .multi("--service-type", "a trust-list service type covered (repeat)", true)
      .opt("--valid-from", "ISO 8601 UTC or Unix ms (default: open)")
      .opt("--valid-until", "ISO 8601 UTC or Unix ms (default: open)")
      .signer(reg);
  on_call(registry, pm, [](Fields& f) -> Result<TradeCall> {
    TrustMraOptions o{f["id"],         f.v["parties"],      f["direction"],
                      f.v["doc-type"], f.v["service-type"], f["valid-from"],
                      f["valid-until"]};
    SILK_ASSIGN_OR_RETURN(json args, trust_propose_mra_args(o));
    return TradeCall{"trust", "propose_mra", args, says("proposed MRA " + f["id"])};
  });

  struct MraChange {
    const char* name;
    const char* method;
    const char* help;
    const char* done;
    int reason;  // 0 none, 1 optional, 2 required
  };
  for (const MraChange& m :
       {MraChange{"approve-mra", "approve_mra", "approve a draft MRA (the other party): enacted",
                  "approved MRA ", 0},
        MraChange{"suspend-mra", "suspend_mra", "suspend an enacted MRA", "suspended MRA ", 2},
        MraChange{"reinstate-mra", "reinstate_mra", "reinstate a suspended MRA", "reinstated MRA ",
                  1},
        MraChange{"repeal-mra", "repeal_mra", "repeal an MRA (final)", "repealed MRA ", 2}}) {
    Cmd mc(g, m.name, m.help);
    mc.pos("id", "MRA id");
    if (m.reason > 0) mc.opt("--reason", "why", m.reason == 2);
    mc.signer(reg);
    const std::string method = m.method;
    const std::string done = m.done;
    on_call(registry, mc, [method, done](Fields& f) -> Result<TradeCall> {
      json args = {{"id", f["id"]}};
      if (f.has("reason")) args["reason"] = f["reason"];
      return TradeCall{"trust", method, args, says(done + f["id"])};
    });
  }

  Cmd mra(g, "mra", "an MRA, its approvals and history");
  mra.pos("id", "MRA id").opt("--at", kAtHelp);
  on_query(
      registry, mra, "trust", "mra",
      [](Fields& f) -> Result<json> {
        json args = {{"id", f["id"]}};
        SILK_RETURN_IF_ERROR(add_time_arg(args, "at_ms", "--at", f["at"]));
        return args;
      },
      format_mra);

  Cmd mras(g, "mras", "every MRA (a jurisdiction's only, with --jurisdiction)");
  mras.opt("--jurisdiction", "a party");
  on_query(
      registry, mras, "trust", "mras",
      [](Fields& f) -> Result<json> {
        json args = json::object();
        if (f.has("jurisdiction")) {
          SILK_RETURN_IF_ERROR(check_jurisdiction_option("--jurisdiction", f["jurisdiction"]));
          args["jurisdiction"] = f["jurisdiction"];
        }
        return args;
      },
      [](const json& r) {
        std::string t;
        auto list = r.find("mras");
        if (list == r.end() || !list->is_array() || list->empty()) return std::string("no MRAs\n");
        for (const json& m : *list) t += format_mra(m);
        return t;
      });

  Cmd rec(g, "recognises",
          "whether the verifying jurisdiction recognises a document type issued in another");
  rec.opt("--issuing", "CC", true)
      .opt("--verifying", "CC", true)
      .opt("--doc-type", "document type", true)
      .opt("--service-type", "trust-list service type")
      .opt("--at", kAtHelp);
  on_query(
      registry, rec, "trust", "recognises",
      [](Fields& f) -> Result<json> {
        return trust_recognises_args(
            {f["issuing"], f["verifying"], f["doc-type"], f["service-type"], f["at"]});
      },
      format_recognises, "recognised");
}

}  // namespace

void add_trust_commands(CLI::App& app, CommandRegistry& registry) {
  auto* g = CommandRegistry::group(app, "trust",
                                   "jurisdictions, trust lists and mutual recognition (MRAs)");
  add_trust_lists(g, registry);
  add_mras(g, registry);
}

}  // namespace silk::tools
