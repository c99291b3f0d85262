#include "silk/tools/cli_trade.h"

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "silk/tools/cli_options.h"
#include "silk/tools/identity_commands.h"
#include "silk/tools/trade_commands.h"

namespace silk::tools {

using core::Result;
using core::Status;
using nlohmann::json;

namespace {

using Action = std::function<Result<CommandOutput>(CommandContext&)>;

// "done" headline with the new status when the result has one.
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

}  // namespace

struct TradeCli::Impl {
  std::vector<std::pair<CLI::App*, Action>> entries;

  void on(const Cmd& c, Action a) { entries.emplace_back(c.app(), std::move(a)); }

  // A signed call whose args the builder makes from the fields.
  void on_call(const Cmd& c, std::function<Result<TradeCall>(Fields&)> build) {
    auto f = c.fields();
    on(c, [f, build](CommandContext& ctx) -> Result<CommandOutput> {
      SILK_ASSIGN_OR_RETURN(TradeCall call, build(*f));
      return run_trade_call(ctx, f->signed_call(), call);
    });
  }
  // A query whose args the builder makes from the fields.
  // A query; with `predicate` (a boolean field of the result) a yes/no question: exit 1 on no.
  void on_query(const Cmd& c, const std::string& contract, const std::string& method,
                std::function<Result<json>(Fields&)> build,
                std::function<std::string(const json&)> format, std::string predicate = "") {
    auto f = c.fields();
    on(c,
       [f, contract, method, build, format,
        predicate](CommandContext& ctx) -> Result<CommandOutput> {
         SILK_ASSIGN_OR_RETURN(json args, build(*f));
         return run_trade_query(ctx, contract, method, args, format, predicate);
       });
  }
};

namespace {

constexpr const char* kAt = "as of this time, ISO 8601 UTC or Unix ms (default: the tip's)";

void add_trust(TradeCli::Impl& impl, CLI::App& app) {
  auto* g = app.add_subcommand("trust", "jurisdictions, trust lists and mutual recognition (MRAs)");
  g->require_subcommand(1);
  const std::string reg = "the key file of a regulator of the jurisdiction";

  Cmd c(g, "register-jurisdiction", "register a jurisdiction (by one of its regulators)");
  c.opt("--code", "ISO 3166-1 alpha-2 code, e.g. CN", true).opt("--name", "its name", true);
  c.signer(reg);
  impl.on_call(c, [](Fields& f) -> Result<TradeCall> {
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
  impl.on_call(add, [](Fields& f) -> Result<TradeCall> {
    TrustAuthorityOptions o{f["jurisdiction"],   f["id"],         f["name"],
                            f["authority-cert"], f["public-key"], f.v["service-type"]};
    SILK_ASSIGN_OR_RETURN(json args, trust_add_authority_args(o));
    return TradeCall{"trust", "add_authority", args,
                     says("listed " + f["id"] + " on the trust list of " + f["jurisdiction"])};
  });

  Cmd wd(g, "withdraw-authority", "withdraw a trust-list entry (granted -> withdrawn)");
  wd.opt("--jurisdiction", "CC", true).opt("--id", "entry id", true).opt("--reason", "why", true);
  wd.signer(reg);
  impl.on_call(wd, [](Fields& f) -> Result<TradeCall> {
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
  impl.on_call(rg, [](Fields& f) -> Result<TradeCall> {
    SILK_RETURN_IF_ERROR(check_jurisdiction_option("--jurisdiction", f["jurisdiction"]));
    json args = {{"jurisdiction", f["jurisdiction"]}, {"id", f["id"]}};
    if (f.has("reason")) args["reason"] = f["reason"];
    return TradeCall{
        "trust", "regrant", args,
        says("granted " + f["id"] + " again on the trust list of " + f["jurisdiction"])};
  });

  Cmd au(g, "authorities", "a jurisdiction's trust list, as of a time");
  au.opt("--jurisdiction", "CC", true).opt("--at", kAt);
  impl.on_query(
      au, "trust", "authorities",
      [](Fields& f) -> Result<json> {
        SILK_RETURN_IF_ERROR(check_jurisdiction_option("--jurisdiction", f["jurisdiction"]));
        json args = {{"jurisdiction", f["jurisdiction"]}};
        SILK_RETURN_IF_ERROR(add_time_arg(args, "at_ms", "--at", f["at"]));
        return args;
      },
      format_authorities);

  Cmd pm(g, "propose-mra", "propose a mutual-recognition arrangement (your approval counts)");
  pm.opt("--id", "MRA id, e.g. CN-SG-COO", true)
      .multi("--parties", "the two jurisdictions, A,B", true)
      .opt("--direction", "mutual | a_recognises_b | b_recognises_a", true)
      .multi("--doc-type", "a document type covered (repeat)", true)
      .multi("--service-type", "a trust-list service type covered (repeat)", true)
      .opt("--valid-from", "ISO 8601 UTC or Unix ms (default: open)")
      .opt("--valid-until", "ISO 8601 UTC or Unix ms (default: open)")
      .signer(reg);
  impl.on_call(pm, [](Fields& f) -> Result<TradeCall> {
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
    impl.on_call(mc, [method, done](Fields& f) -> Result<TradeCall> {
      json args = {{"id", f["id"]}};
      if (f.has("reason")) args["reason"] = f["reason"];
      return TradeCall{"trust", method, args, says(done + f["id"])};
    });
  }

  Cmd mra(g, "mra", "an MRA, its approvals and history");
  mra.pos("id", "MRA id").opt("--at", kAt);
  impl.on_query(
      mra, "trust", "mra",
      [](Fields& f) -> Result<json> {
        json args = {{"id", f["id"]}};
        SILK_RETURN_IF_ERROR(add_time_arg(args, "at_ms", "--at", f["at"]));
        return args;
      },
      format_mra);

  Cmd mras(g, "mras", "every MRA (a jurisdiction's only, with --jurisdiction)");
  mras.opt("--jurisdiction", "a party");
  impl.on_query(
      mras, "trust", "mras",
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
      .opt("--at", kAt);
  impl.on_query(
      rec, "trust", "recognises",
      [](Fields& f) -> Result<json> {
        return trust_recognises_args(
            {f["issuing"], f["verifying"], f["doc-type"], f["service-type"], f["at"]});
      },
      format_recognises, "recognised");
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

void add_doc(TradeCli::Impl& impl, CLI::App& app) {
  auto* g = app.add_subcommand("doc", "trade documents: issue, status, disclosure, verification");
  g->require_subcommand(1);
  const std::string issuer = "the issuing member's key file (e.g. orgs/org1/users/issuer.key)";

  Cmd is(g, "issue", "anchor a document's hash with an e-signature over it");
  is.pos("file", "the document (any file; a JSON object of fields with --disclosable)");
  is.opt("--doc-id", "the document's id, e.g. CO-2026-0001", true);
  add_issue_flags(is, true);
  is.signer(issuer);
  {
    auto f = is.fields();
    impl.on(is, [f](CommandContext& ctx) {
      return run_doc_issue(ctx, f->signed_call(), issue_options(*f));
    });
  }

  Cmd bulk(g, "bulk-issue", "issue many documents in one tx (all or nothing)");
  bulk.opt("--manifest", "JSON array of {file, type, doc_id, label?}", true)
      .opt("--seal-key", "sign with this key, not --key")
      .opt("--seal-cert", "the seal key's certificate")
      .opt("--seal-passphrase-file", "the seal key's passphrase file")
      .opt("--jurisdiction", "issuing jurisdiction")
      .signer(issuer);
  {
    auto f = bulk.fields();
    impl.on(bulk, [f](CommandContext& ctx) {
      DocIssueOptions common = issue_options(*f);
      return run_doc_bulk_issue(ctx, f->signed_call(), common, (*f)["manifest"]);
    });
  }

  Cmd rv(g, "revoke", "revoke a document (final)");
  rv.pos("id", "doc id")
      .opt("--reason",
           "RFC 5280 reason: unspecified, keyCompromise, cACompromise, affiliationChanged, "
           "superseded, cessationOfOperation, privilegeWithdrawn, aACompromise",
           true)
      .signer(issuer);
  impl.on_call(rv, [](Fields& f) -> Result<TradeCall> {
    if (f["reason"] == "certificateHold") {
      return Status::invalid("--reason certificateHold is a suspension: use `silk doc suspend`");
    }
    if (f["reason"] == "removeFromCRL") {
      return Status::invalid("--reason removeFromCRL: use `silk doc reinstate` (after suspend)");
    }
    if (!is_revocation_reason(f["reason"])) {
      return Status::invalid("--reason \"" + f["reason"] +
                             "\" is not an RFC 5280 revocation reason (unspecified, "
                             "keyCompromise, cACompromise, affiliationChanged, superseded, "
                             "cessationOfOperation, privilegeWithdrawn, aACompromise)");
    }
    return TradeCall{"documents",
                     "revoke",
                     {{"doc_id", f["id"]}, {"reason", f["reason"]}},
                     says("revoked " + f["id"] + " (" + f["reason"] + ")")};
  });

  Cmd sp(g, "suspend", "suspend a document (certificateHold; reversible)");
  sp.pos("id", "doc id").opt("--reason", "why (default certificateHold)").signer(issuer);
  impl.on_call(sp, [](Fields& f) -> Result<TradeCall> {
    json args = {{"doc_id", f["id"]}};
    if (f.has("reason")) args["reason"] = f["reason"];
    return TradeCall{"documents", "suspend", args, says("suspended " + f["id"])};
  });

  Cmd rs(g, "reinstate", "reinstate a suspended document");
  rs.pos("id", "doc id").opt("--reason", "why").signer(issuer);
  impl.on_call(rs, [](Fields& f) -> Result<TradeCall> {
    json args = {{"doc_id", f["id"]}};
    if (f.has("reason")) args["reason"] = f["reason"];
    return TradeCall{"documents", "reinstate", args, says("reinstated " + f["id"])};
  });

  Cmd am(g, "amend", "issue a new document that supersedes an active one");
  am.pos("old_id", "the document amended").pos("file", "the new document");
  am.opt("--doc-id", "the new document's id", true);
  add_issue_flags(am, false);
  am.signer(issuer);
  {
    auto f = am.fields();
    impl.on(am, [f](CommandContext& ctx) {
      return run_doc_amend(ctx, f->signed_call(), (*f)["old_id"], issue_options(*f));
    });
  }

  Cmd ut(g, "utilise",
         "claim tariff preference on a certificate of origin (once; the importing customs)");
  ut.pos("id", "doc id")
      .opt("--reference", "the customs declaration's reference", true)
      .opt("--claimant-org", "the claiming organisation (default: yours)")
      .opt("--jurisdiction", "where it is claimed (default: your certificate's C)")
      .signer("the customs member's key file");
  impl.on_call(ut, [](Fields& f) -> Result<TradeCall> {
    json args = {{"doc_id", f["id"]}, {"reference", f["reference"]}};
    if (f.has("claimant-org")) {
      SILK_RETURN_IF_ERROR(check_org_option("--claimant-org", f["claimant-org"]));
      args["claimant_org"] = f["claimant-org"];
    }
    if (f.has("jurisdiction")) {
      SILK_RETURN_IF_ERROR(check_jurisdiction_option("--jurisdiction", f["jurisdiction"]));
      args["jurisdiction"] = f["jurisdiction"];
    }
    return TradeCall{"documents", "utilise", args,
                     says("utilised " + f["id"] + " (reference " + f["reference"] + ")")};
  });

  Cmd sh(g, "show", "a document's record and status");
  sh.pos("id", "doc id").opt("--at", kAt);
  impl.on_query(
      sh, "documents", "document",
      [](Fields& f) -> Result<json> {
        json args = {{"doc_id", f["id"]}};
        SILK_RETURN_IF_ERROR(add_time_arg(args, "at_ms", "--at", f["at"]));
        return args;
      },
      format_document);

  Cmd hi(g, "history", "a document's status history and utilisation");
  hi.pos("id", "doc id");
  impl.on_query(
      hi, "documents", "history",
      [](Fields& f) -> Result<json> {
        return json{{"doc_id", f["id"]}};
      },
      format_history);

  Cmd di(g, "disclose", "offline: a copy of a disclosable document with fields hidden");
  di.pos("in", "the disclosable JSON (FILE.disclosable.json)")
      .multi("--hide", "FIELD[,FIELD...] to hide (their hashes are kept)", true)
      .opt("--out", "the redacted copy to write (never overwritten)", true);
  {
    auto f = di.fields();
    impl.on(di, [f](CommandContext&) {
      return run_doc_disclose({(*f)["in"], f->v["hide"], (*f)["out"]});
    });
  }

  Cmd ve(g, "verify",
         "the five-fragment verdict (integrity, status, issuer, recognition, data) for a "
         "jurisdiction; exit 0 only when valid");
  ve.app()->add_option("file", ve.fields()->s["file"],
                       "the document, or its disclosable JSON (full or redacted)");
  ve.opt("--doc-id", "the document's id (default: looked up by the file's hash)")
      .opt("--as", "the verifying jurisdiction, e.g. SG", true)
      .opt("--org", "the receiving organisation (for the data fragment)")
      .opt("--at", "verification time (default: the tip's)");
  {
    auto f = ve.fields();
    impl.on(ve, [f](CommandContext& ctx) {
      return run_doc_verify(ctx,
                            {(*f)["file"], (*f)["doc-id"], (*f)["as"], (*f)["org"], (*f)["at"]});
    });
  }
}

void add_ebl(TradeCli::Impl& impl, CLI::App& app) {
  auto* g = app.add_subcommand("ebl", "electronic bills of lading (DCSA eBL, MLETR)");
  g->require_subcommand(1);
  auto simple = [&](const char* name, const char* help, const char* method, const char* key_help,
                    std::function<Result<json>(Fields&)> extra, std::string done,
                    std::function<void(Cmd&)> options) {
    Cmd c(g, name, help);
    c.pos("doc_id", "the bill of lading's doc id");
    if (options) options(c);
    c.signer(key_help);
    const std::string m = method;
    impl.on_call(c, [m, extra, done](Fields& f) -> Result<TradeCall> {
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
    impl.on(am, [f](CommandContext& ctx) {
      return run_ebl_amend(ctx, f->signed_call(), (*f)["old_id"], issue_options(*f),
                           (*f)["reason"]);
    });
  }

  Cmd sh(g, "show", "the eBL record: status, holder, owner, hold");
  sh.pos("doc_id", "doc id");
  impl.on_query(
      sh, "ebl", "record",
      [](Fields& f) -> Result<json> {
        return json{{"doc_id", f["doc_id"]}};
      },
      format_ebl);
  Cmd ch(g, "chain", "the endorsement chain, one line per link");
  ch.pos("doc_id", "doc id");
  impl.on_query(
      ch, "ebl", "chain",
      [](Fields& f) -> Result<json> {
        return json{{"doc_id", f["doc_id"]}};
      },
      format_ebl_chain);
}

void add_data(TradeCli::Impl& impl, CLI::App& app) {
  auto* g = app.add_subcommand("data", "data labels, export approvals and cross-border sharing");
  g->require_subcommand(1);

  Cmd cl(g, "classify", "raise a document's data label (never lowers)");
  cl.pos("doc_id", "doc id")
      .opt("--label", "general | important | core", true)
      .flag("--personal-data", "it holds personal information")
      .opt("--reason", "why")
      .signer("the key file of an issuer-organisation member or a regulator");
  impl.on_call(cl, [](Fields& f) -> Result<TradeCall> {
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
  impl.on_call(fa, [](Fields& f) -> Result<TradeCall> {
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
    impl.on_call(c, [method, done](Fields& f) -> Result<TradeCall> {
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
  impl.on_call(sh, [](Fields& f) -> Result<TradeCall> {
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
  impl.on_query(
      ap, "dataflow", "approvals",
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
  impl.on_query(
      ss, "dataflow", "shares",
      [](Fields& f) -> Result<json> {
        return json{{"doc_id", f["doc_id"]}};
      },
      format_shares);

  Cmd ms(g, "may-share", "whether a document may be shared with an organisation now");
  ms.pos("doc_id", "doc id")
      .opt("--to", "the recipient organisation", true)
      .opt("--to-jurisdiction", "its jurisdiction")
      .opt("--at", kAt);
  impl.on_query(
      ms, "dataflow", "may_share",
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

void add_deal(TradeCli::Impl& impl, CLI::App& app) {
  auto* g = app.add_subcommand("deal", "deals between a seller and a buyer, and disputes");
  g->require_subcommand(1);
  const char* party = "the key file of a member of the seller or the buyer";

  Cmd op(g, "open", "propose a deal as the seller");
  op.opt("--id", "deal id", true)
      .opt("--buyer", "the buyer organisation", true)
      .opt("--goods", "what is sold", true)
      .opt("--incoterms", "Incoterms 2020 rule, e.g. FOB", true)
      .opt("--amount", "decimal amount, e.g. 84000.00", true)
      .opt("--currency", "ISO 4217, e.g. USD", true)
      .signer("the seller member's key file");
  impl.on_call(op, [](Fields& f) -> Result<TradeCall> {
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
    impl.on_call(c, [method, done, option, arg](Fields& f) -> Result<TradeCall> {
      json args = {{"id", f["id"]}};
      if (!option.empty()) args[arg] = f[option];
      return TradeCall{"trade", method, args, says(done + " deal " + f["id"])};
    });
  }

  Cmd at(g, "attach", "link a document to the deal");
  at.pos("id", "deal id").pos("doc_id", "doc id").signer(party);
  impl.on_call(at, [](Fields& f) -> Result<TradeCall> {
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
  impl.on_call(ho, [](Fields& f) -> Result<TradeCall> {
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
  impl.on_call(de, [](Fields& f) -> Result<TradeCall> {
    return TradeCall{"trade",
                     "decide",
                     {{"id", f["id"]}, {"ruling", f["ruling"]}, {"release", f.b["release"]}},
                     says("decided deal " + f["id"])};
  });

  Cmd sh(g, "show", "a deal, its documents, dispute and history");
  sh.pos("id", "deal id");
  impl.on_query(
      sh, "trade", "deal",
      [](Fields& f) -> Result<json> {
        return json{{"id", f["id"]}};
      },
      format_deal);
  Cmd li(g, "list", "deals (an organisation's only, with --org)");
  li.opt("--org", "seller or buyer");
  impl.on_query(
      li, "trade", "deals",
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

void add_generic(TradeCli::Impl& impl, CLI::App& app) {
  Cmd call(&app, "call", "sign and submit any contract method, wait for the commit");
  call.pos("contract", "contract name, e.g. documents")
      .pos("method", "method name, e.g. issue")
      .opt("--args", "the method's args as a JSON object", true)
      .signer("the signer's key file");
  impl.on_call(call, [](Fields& f) -> Result<TradeCall> {
    SILK_ASSIGN_OR_RETURN(json args, parse_json_object_option("--args", f["args"]));
    return TradeCall{f["contract"], f["method"], args,
                     [c = f["contract"], m = f["method"]](const json& r) {
                       return c + "." + m + ": ok\n" + format_json_fields(r, 2);
                     }};
  });

  std::vector<CLI::App*> found =
      app.get_subcommands([](CLI::App* c) { return c->get_name() == "query"; });
  CLI::App* query = found.empty() ? app.add_subcommand("query", "read the ledger") : found.front();
  Cmd qc(query, "contract", "run a contract's read-only query");
  qc.pos("contract", "contract name, e.g. trust")
      .pos("method", "query name, e.g. mras")
      .opt("--args", "the query's args as a JSON object (default {})");
  auto f = qc.fields();
  impl.on(qc, [f](CommandContext& ctx) -> Result<CommandOutput> {
    json args = json::object();
    if (f->has("args")) {
      SILK_ASSIGN_OR_RETURN(args, parse_json_object_option("--args", (*f)["args"]));
    }
    return run_trade_query(ctx, (*f)["contract"], (*f)["method"], args, nullptr);
  });
}

}  // namespace

TradeCli::TradeCli(CLI::App& app) : impl_(std::make_unique<Impl>()) {
  add_trust(*impl_, app);
  add_doc(*impl_, app);
  add_ebl(*impl_, app);
  add_data(*impl_, app);
  add_deal(*impl_, app);
  add_generic(*impl_, app);
}

TradeCli::~TradeCli() = default;

bool TradeCli::parsed() const {
  for (const auto& [cmd, action] : impl_->entries) {
    if (cmd->parsed()) return true;
  }
  return false;
}

Result<CommandOutput> TradeCli::run(CommandContext& ctx) const {
  for (const auto& [cmd, action] : impl_->entries) {
    if (cmd->parsed()) return action(ctx);
  }
  return Status::internal("no trade command was parsed");
}

}  // namespace silk::tools
