// The five-fragment verdict (verdict.h): integrity, status (with an eBL's title), issuer and
// recognition at the proof of existence, data at the verification time.
#include "silk/contracts/verdict.h"

#include <optional>
#include <string>
#include <utility>

#include "documents_internal.h"
#include "silk/contracts/chain_config.h"
#include "silk/contracts/dataflow.h"
#include "silk/contracts/disclosure.h"
#include "silk/contracts/document_record.h"
#include "silk/contracts/ebl.h"
#include "silk/contracts/identity.h"
#include "silk/contracts/trust.h"
#include "silk/core/x509.h"

namespace silk::contracts {

using core::Result;
using core::Status;
using nlohmann::json;
using namespace docs;  // NOLINT: the documents files' shared helpers

namespace docs {

// The standing, at poe_ms, of a seal's certificate and of the consortium CA that issued it (when a
// consortium CA did): validity windows, revocation and freezing (identity.h's
// certificate_standing). The first that fails, or "valid".
Result<CertStanding> seal_standing(ReadContext& ctx, const core::Certificate& cert, uint64_t poe_ms,
                                   uint64_t known_at_ms) {
  SILK_ASSIGN_OR_RETURN(CertStanding own, certificate_standing(ctx, cert, poe_ms, known_at_ms));
  if (!own.ok() || cert.is_ca()) return own;
  if (const OrgConfig* org = ctx.config().find_org(cert.subject().organization); org != nullptr) {
    for (const core::Certificate& ca : org->cas) {
      if (!core::verify_issued_by(cert, ca).is_ok()) continue;
      SILK_ASSIGN_OR_RETURN(CertStanding issuer,
                            certificate_standing(ctx, ca, poe_ms, known_at_ms));
      if (!issuer.ok()) issuer.reason = "the issuing CA of its certificate: " + issuer.reason;
      return issuer;
    }
  }
  return own;
}

}  // namespace docs

namespace {

Fragment fragment(std::string name, std::string result, std::string reason) {
  return Fragment{std::move(name), std::move(result), std::move(reason)};
}
Fragment error_fragment(std::string name, const Status& st) {
  return fragment(std::move(name), "error", st.to_string());
}

}  // namespace

// ---- the verdict ----

json Verdict::to_json() const {
  json frags = json::array();
  for (const Fragment& f : fragments) {
    frags.push_back(json{{"name", f.name}, {"result", f.result}, {"reason", f.reason}});
  }
  return json{{"doc_id", doc_id},
              {"verifying_jurisdiction", verifying_jurisdiction},
              {"verifying_org", verifying_org},
              {"at_ms", at_ms},
              {"poe_ms", poe_ms},
              {"claimed_signing_ms", claimed_signing_ms},
              {"title", title},
              {"fragments", std::move(frags)},
              {"overall", overall}};
}

namespace {

bool signature_ok(const DocumentRecord& r) {
  const std::string statement = signing_statement(r.doc_id, r.type, r.doc_hash, r.issued_at_ms);
  return core::verify(r.signer_key, core::as_span(statement), r.signature);
}

Fragment integrity_fragment(const DocumentRecord& r, const std::optional<core::Hash>& presented) {
  if (presented) {
    if (*presented == r.doc_hash) {
      return fragment(
          "integrity", "valid",
          "the presented content hashes to the anchored doc_hash " + core::to_hex(r.doc_hash));
    }
    return fragment("integrity", "invalid",
                    "the presented content hashes to " + core::to_hex(*presented) +
                        ", not the anchored doc_hash " + core::to_hex(r.doc_hash));
  }
  if (!signature_ok(r)) {
    return fragment("integrity", "invalid",
                    "no content presented, and the record's signature does not cover its own "
                    "doc_hash");
  }
  if (!r.field_hashes.empty() && field_hashes_root(r.field_hashes) != r.doc_hash) {
    return fragment("integrity", "invalid",
                    "no content presented, and the record's field hashes do not root to its "
                    "doc_hash");
  }
  return fragment("integrity", "valid",
                  "no content presented; the record's own hash is consistent");
}

Fragment status_fragment(const DocumentRecord& r, uint64_t at_ms, bool transferable,
                         const std::optional<EblTitle>& title) {
  const std::string at = core::format_time_ms(at_ms);
  const std::string s = r.status_at(at_ms);
  if (s == "NOT_ISSUED") {
    return fragment("status", "invalid",
                    "not on the ledger as of " + at + ": anchored at " +
                        core::format_time_ms(r.anchored_at_ms) + " (height " +
                        std::to_string(r.height) + "; claimed signing time " +
                        core::format_time_ms(r.issued_at_ms) + ")");
  }
  const json* e = nullptr;
  for (const json& h : r.history) {
    if (u64_field(h, "at_ms") <= at_ms && changes_status(h)) e = &h;
  }
  std::string reason = describe_state(r, s, e) + " as of " + at;
  if (s != "ACTIVE") return fragment("status", "invalid", reason);
  if (r.type == kCertificateOfOrigin && r.utilisation.is_object() &&
      u64_field(r.utilisation, "at_ms") <= at_ms) {
    reason += "; tariff preference already claimed: " + describe_utilisation(r.utilisation);
  }
  if (transferable) {
    if (!title) {
      reason += "; no eBL issued for it as of " + at;
    } else if (!title->live()) {
      const std::string why = title->status == "SURRENDERED_FOR_DELIVERY"
                                  ? "surrendered for delivery: evidence of delivery, not a live "
                                    "title"
                              : title->status == "VOIDED" ? "void: it carries no title"
                                                          : "surrendered for amendment: no live "
                                                            "title until it is reissued";
      return fragment("status", "invalid",
                      reason + "; " + title->describe() + " since " +
                          core::format_time_ms(title->since_ms) + " (height " +
                          std::to_string(title->height) + "): " + why);
    } else {
      reason += "; " + title->describe();
    }
  }
  return fragment("status", "valid", reason);
}

}  // namespace

Result<Verdict> verify_document(ReadContext& ctx, std::string_view doc_id,
                                const std::optional<core::Hash>& presented_hash,
                                std::string_view verifying_jurisdiction,
                                std::string_view verifying_org, uint64_t at_ms) {
  SILK_ASSIGN_OR_RETURN(DocumentRecord r, require_document(ctx, doc_id));
  Verdict v;
  v.doc_id = r.doc_id;
  v.verifying_jurisdiction = std::string(verifying_jurisdiction);
  v.verifying_org = std::string(verifying_org);
  v.at_ms = at_ms;
  v.poe_ms = r.anchored_at_ms;
  v.claimed_signing_ms = r.issued_at_ms;
  v.fragments.push_back(integrity_fragment(r, presented_hash));

  Result<DocumentType> type = require_type(ctx, r.type);
  std::optional<EblTitle> title;
  if (type.is_ok() && type->transferable) {
    Result<std::optional<EblTitle>> t = ebl_title_at(ctx, r.doc_id, at_ms);
    if (!t.is_ok()) {
      v.fragments.push_back(error_fragment("status", t.status()));
    } else {
      title = *t;
      if (title) v.title = title->to_json();
    }
  }
  if (v.fragments.size() == 1) {
    v.fragments.push_back(status_fragment(r, at_ms, type.is_ok() && type->transferable, title));
  }

  // Issuer and recognition are judged at the proof of existence, never at the claimed time.
  const uint64_t poe = r.anchored_at_ms;
  const std::string at_poe = "at the proof of existence " + core::format_time_ms(poe) + " (block " +
                             std::to_string(r.height) + "; claimed signing time " +
                             core::format_time_ms(r.issued_at_ms) + ")";

  // issuer
  if (!type.is_ok()) {
    v.fragments.push_back(error_fragment("issuer", type.status()));
  } else if (!signature_ok(r)) {
    v.fragments.push_back(fragment("issuer", "invalid",
                                   "the e-signature does not verify over the signing statement"));
  } else {
    std::optional<core::Certificate> cert;
    Status cert_status;
    if (!r.signer_cert_pem.empty()) {
      Result<core::Certificate> parsed = core::parse_certificate(r.signer_cert_pem);
      if (!parsed.is_ok()) {
        cert_status = Status::corruption("stored signer certificate: " + parsed.status().message());
      } else {
        cert = *parsed;
      }
    }
    Result<CertStanding> standing = CertStanding{};
    if (cert_status.is_ok() && cert) standing = seal_standing(ctx, *cert, poe, at_ms);
    if (!cert_status.is_ok()) {
      v.fragments.push_back(error_fragment("issuer", cert_status));
    } else if (!standing.is_ok()) {
      v.fragments.push_back(error_fragment("issuer", standing.status()));
    } else if (!standing->ok()) {
      v.fragments.push_back(
          fragment("issuer", "invalid", "signer " + standing->reason + " " + at_poe));
    } else {
      Result<AuthorityCheck> check =
          authority_granted_at(ctx, r.jurisdiction, cert, r.signer_key, type->service_type, poe);
      if (!check.is_ok()) {
        v.fragments.push_back(error_fragment("issuer", check.status()));
      } else if (check->granted) {
        v.fragments.push_back(
            fragment("issuer", "valid",
                     "the e-signature verifies; " +
                         (check->reason.empty() ? "the signer is on " + r.jurisdiction +
                                                      "'s trust list for " + type->service_type
                                                : check->reason) +
                         "; judged " + at_poe));
      } else {
        v.fragments.push_back(fragment("issuer", "invalid",
                                       "not on " + r.jurisdiction + "'s trust list for " +
                                           type->service_type + " " + at_poe +
                                           (check->reason.empty() ? "" : ": " + check->reason)));
      }
    }
  }

  // recognition
  if (!type.is_ok()) {
    v.fragments.push_back(error_fragment("recognition", type.status()));
  } else {
    Result<RecognitionCheck> rec =
        recognises(ctx, r.jurisdiction, verifying_jurisdiction, r.type, type->service_type, poe);
    if (!rec.is_ok()) {
      v.fragments.push_back(error_fragment("recognition", rec.status()));
    } else {
      std::string reason = rec->reason;
      if (reason.empty()) {
        reason = rec->recognised ? std::string("recognised") : std::string("not recognised");
      }
      v.fragments.push_back(
          fragment("recognition", rec->recognised ? "valid" : "invalid", std::move(reason)));
    }
  }

  // data
  // The label is the effective one: the record's, raised by a dataflow.classify override.
  if (Result<EffectiveLabel> label = effective_label(ctx, r.doc_id, r.label, r.personal_data);
      !label.is_ok()) {
    v.fragments.push_back(error_fragment("data", label.status()));
  } else {
    Result<DataDecision> d =
        may_cross_border(ctx, r.issuer_org, r.jurisdiction, verifying_jurisdiction, verifying_org,
                         r.type, label->label, label->personal_data, at_ms);
    if (!d.is_ok()) {
      v.fragments.push_back(error_fragment("data", d.status()));
    } else {
      std::string reason = d->reason;
      if (reason.empty()) reason = d->allowed ? "allowed" : "not allowed";
      v.fragments.push_back(fragment("data", d->allowed ? "valid" : "invalid", std::move(reason)));
    }
  }

  bool any_error = false, all_valid = true;
  for (const Fragment& f : v.fragments) {
    if (f.result == "error") any_error = true;
    if (f.result != "valid") all_valid = false;
  }
  v.overall = any_error ? "error" : (all_valid ? "valid" : "invalid");
  return v;
}

}  // namespace silk::contracts
