// doc: trade documents: issue, status, disclosure, verification (trade_commands.h).
#include <string>

#include "silk/tools/cli_trade.h"
#include "silk/tools/identity_commands.h"

namespace silk::tools {

using core::Result;
using core::Status;
using nlohmann::json;

namespace {

// The issuer's commands: issue, bulk-issue, revoke, suspend, reinstate, amend.
void add_issuer_commands(CLI::App* g, CommandRegistry& registry) {
  const std::string issuer = "the issuing member's key file (e.g. orgs/org1/users/issuer.key)";

  Cmd is(g, "issue", "anchor a document's hash with an e-signature over it");
  is.pos("file", "the document (any file; a JSON object of fields with --disclosable)");
  is.opt("--doc-id", "the document's id, e.g. CO-2026-0001", true);
  add_issue_flags(is, true);
  is.signer(issuer);
  {
    auto f = is.fields();
    registry.on(is.app(), [f](CommandRun& run) -> CommandResult {
      return run_doc_issue(run.ctx, f->signed_call(), issue_options(*f));
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
    registry.on(bulk.app(), [f](CommandRun& run) -> CommandResult {
      DocIssueOptions common = issue_options(*f);
      return run_doc_bulk_issue(run.ctx, f->signed_call(), common, (*f)["manifest"]);
    });
  }

  Cmd rv(g, "revoke", "revoke a document (final)");
  rv.pos("id", "doc id")
      .opt("--reason",
           "RFC 5280 reason: unspecified, keyCompromise, cACompromise, affiliationChanged, "
           "superseded, cessationOfOperation, privilegeWithdrawn, aACompromise",
           true)
      .signer(issuer);
  on_call(registry, rv, [](Fields& f) -> Result<TradeCall> {
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
  on_call(registry, sp, [](Fields& f) -> Result<TradeCall> {
    json args = {{"doc_id", f["id"]}};
    if (f.has("reason")) args["reason"] = f["reason"];
    return TradeCall{"documents", "suspend", args, says("suspended " + f["id"])};
  });

  Cmd rs(g, "reinstate", "reinstate a suspended document");
  rs.pos("id", "doc id").opt("--reason", "why").signer(issuer);
  on_call(registry, rs, [](Fields& f) -> Result<TradeCall> {
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
    registry.on(am.app(), [f](CommandRun& run) -> CommandResult {
      return run_doc_amend(run.ctx, f->signed_call(), (*f)["old_id"], issue_options(*f));
    });
  }
}

// utilise (the importing customs), show, history, disclose, verify.
void add_use_commands(CLI::App* g, CommandRegistry& registry) {
  Cmd ut(g, "utilise",
         "claim tariff preference on a certificate of origin (once; the importing customs)");
  ut.pos("id", "doc id")
      .opt("--reference", "the customs declaration's reference", true)
      .opt("--claimant-org", "the claiming organisation (default: yours)")
      .opt("--jurisdiction", "where it is claimed (default: your certificate's C)")
      .signer("the customs member's key file");
  on_call(registry, ut, [](Fields& f) -> Result<TradeCall> {
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
  sh.pos("id", "doc id").opt("--at", kAtHelp);
  on_query(
      registry, sh, "documents", "document",
      [](Fields& f) -> Result<json> {
        json args = {{"doc_id", f["id"]}};
        SILK_RETURN_IF_ERROR(add_time_arg(args, "at_ms", "--at", f["at"]));
        return args;
      },
      format_document);

  Cmd hi(g, "history", "a document's status history and utilisation");
  hi.pos("id", "doc id");
  on_query(
      registry, hi, "documents", "history",
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
    registry.on(di.app(), [f](CommandRun&) -> CommandResult {
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
    registry.on(ve.app(), [f](CommandRun& run) -> CommandResult {
      return run_doc_verify(run.ctx,
                            {(*f)["file"], (*f)["doc-id"], (*f)["as"], (*f)["org"], (*f)["at"]});
    });
  }

  Cmd ln(g, "link", "the document's verification link: the explorer's verify page on this node");
  ln.pos("id", "doc id").opt("--as", "the verifying jurisdiction the page opens with, e.g. SG");
  {
    auto f = ln.fields();
    registry.on(ln.app(), [f](CommandRun& run) -> CommandResult {
      return run_doc_link(run.ctx, {(*f)["id"], (*f)["as"], ""});
    });
  }

  Cmd qr(g, "qr", "the verification link as a QR code (PNG or SVG) to print on the paper copy");
  qr.pos("id", "doc id")
      .opt("--out", "the image to write: FILE.png or FILE.svg (never overwritten)", true)
      .opt("--as", "the verifying jurisdiction the page opens with, e.g. SG");
  {
    auto f = qr.fields();
    registry.on(qr.app(), [f](CommandRun& run) -> CommandResult {
      return run_doc_qr(run.ctx, {(*f)["id"], (*f)["as"], (*f)["out"]});
    });
  }
}

}  // namespace

void add_doc_commands(CLI::App& app, CommandRegistry& registry) {
  auto* g = CommandRegistry::group(app, "doc",
                                   "trade documents: issue, status, disclosure, verification");
  add_issuer_commands(g, registry);
  add_use_commands(g, registry);
}

}  // namespace silk::tools
