// The `documents` contract (documents.h): document types, documents and their status events,
// amendments, utilisations, and the five-fragment verification verdict.
//
// Seeded types (code: issuer_roles / service_type / UN 1001 code; only bill_of_lading is
// transferable): bill_of_lading issuer/carrier/705, certificate_of_origin issuer/coo_issuer/861,
// commercial_invoice issuer+client/esign_ca/380, customs_declaration issuer+regulator/customs/-,
// insurance_certificate issuer/insurer/847, letter_of_credit issuer/bank/-, packing_list
// issuer+client/esign_ca/271, phytosanitary_certificate issuer+regulator/phyto_authority/851,
// sea_waybill issuer/carrier/710. (Roles are consortium roles, DESIGN.md §3; service types are
// trust-list service types, trust.h.)
//
// Methods (txs; args are JSON objects; an unknown field is refused, naming it):
//   register_type {"code", "name", "transferable"?, "issuer_roles": [role...], "service_type",
//                  "un_code"?}
//       Sender: any admin. code is 1-64 of [a-z0-9_]; issuer_roles are known roles
//       (admin, client, node, issuer, regulator, auditor, arbitrator), at least one;
//       service_type is 1-64 of [a-z0-9_]. kConflict when the code is taken (by a seeded type or
//       an earlier registration, naming it). Result: the type. Event "type_registered".
//   issue {"doc_id", "type", "doc_hash" (64 hex), "issued_at_ms",
//          "signature" (128 hex: Ed25519 over signing_statement(doc_id, type, doc_hash,
//          issued_at_ms)), "signer_cert" (PEM) | "signer_key" (64 hex) — exactly one,
//          "jurisdiction"? (default: the sender's certificate C), "parties"? ({role: org}),
//          "label"? ("general" | "important" | "core", default "general"),
//          "personal_data"? (bool, default false), "field_hashes"? ([64 hex...])}
//       Sender: a role in the type's issuer_roles. doc_id is 1-128 of [A-Za-z0-9._:/-]. The
//       signature must verify now ("signature does not verify over the signing statement");
//       the signer certificate is parsed but NOT chained to a consortium CA (it may come from a
//       trust-list authority; the verdict's issuer fragment judges it). issued_at_ms may not be
//       later than the block time plus genesis tx_window_ms. With field_hashes (no duplicates),
//       doc_hash must equal field_hashes_root(field_hashes). kConflict for a doc_id already
//       issued or a doc_hash anchoring another document, naming the first.
//       Result {"doc_id", "doc_hash", "height"}. Event "issued".
//   bulk_issue {"documents": [issue args...]}   1-1000 documents, all or nothing: the first
//       refusal fails the tx, prefixed "documents[i] (doc_id X): ". Result {"issued": N}.
//   revoke {"doc_id", "reason"}   reason: an RFC 5280 CRLReason name (unspecified,
//       keyCompromise, cACompromise, affiliationChanged, superseded, cessationOfOperation,
//       privilegeWithdrawn, aACompromise; certificateHold is refused: use suspend;
//       removeFromCRL is refused: use reinstate). From ACTIVE or SUSPENDED; final.
//   suspend {"doc_id", "reason"?}   reason: free text (at most 512 bytes, default
//       "certificateHold"). From ACTIVE only.
//   reinstate {"doc_id", "reason"?}  From SUSPENDED only.
//       revoke / suspend / reinstate: a member of the issuing organisation with one of the
//       type's issuer_roles, or its admin (kUnauthorized otherwise). A wrong state is kConflict
//       naming the state and since when. Events "revoked", "suspended", "reinstated".
//   amend {"doc_id" (the old one), "new": {issue args}}
//       The sender may act on the old document (as revoke) and issue the new one (as issue); the
//       new one has the same type and supersedes the old; the old must be ACTIVE and becomes
//       SUPERSEDED (superseded_by = the new doc_id). Result {"doc_id": new, "supersedes": old}.
//       Events "issued" (the new) and "amended" ({"doc_id": old, "superseded_by": new}).
//   utilise {"doc_id", "reference", "claimant_org"? (default: the sender's org),
//            "jurisdiction"? (default: the sender's certificate C)}
//       Any member (the importing customs). Only certificate_of_origin documents claim tariff
//       preference (kInvalid for other types); only ACTIVE ones (kConflict). A second claim is
//       kConflict naming the first (its reference, claimant, height, tx_id). The claim is stored
//       as the record's "utilisation" {"reference", "claimant_org", "jurisdiction", "at_ms",
//       "height", "tx_id", "by"} and appended to its history (event "utilised", status
//       unchanged). Event "utilised".
// Every change appends to the record's history {"event", "status", "at_ms", "height", "tx_id",
// "by" (the sender's id: certificate fingerprint or key, hex), "reason"}; the issue entry's at_ms
// is issued_at_ms (the signing time), later ones the block time (never earlier than the entry
// before). Events carry {"doc_id", ...}.
//
// Queries:
//   type      {"code"}                     the type (seeded or registered), or kNotFound.
//   types     {}                           {"types": [type...]} sorted by code.
//   document  {"doc_id", "at_ms"?}         the record (DocumentRecord::to_json) plus
//                                          "at_ms" (default: the tip's time) and "status_at".
//   history   {"doc_id"}                   {"doc_id", "status", "history": [...],
//                                          "utilisation": claim|null, "endorsements": [the eBL
//                                          chain, if any], "shares": [cross-border log],
//                                          "hold": a dispute's hold|null, "timeline": [{"source",
//                                          "event", "at_ms", "height", "tx_id", "detail"}] — all of
//                                          them merged in chain order}
//   verify    {"doc_id", "jurisdiction", "presented_hash"? (64 hex), "org"?, "at_ms"?}
//                                          Verdict::to_json(); kNotFound for an unknown doc_id.
//
// Verdict fragments (verify_document):
//   integrity    with presented_hash: valid iff it equals doc_hash. Without: valid iff the
//                record is self-consistent — its signature verifies over its own signing
//                statement and (with field_hashes) their root is doc_hash — with the reason
//                "no content presented; the record's own hash is consistent".
//   status       valid iff ACTIVE at at_ms; otherwise names the status, since when, and why
//                (revocation reason, superseding doc_id). A certificate_of_origin already
//                utilised at at_ms stays valid (the document itself is sound), but the reason
//                names the claim so a second claimant sees it: "ACTIVE ...; tariff preference
//                already claimed: reference R by org at <time> (height H, tx T)".
//   issuer       the signature verifies; the signer certificate (when there is one) was valid
//                at the signing time; and authority_granted_at(jurisdiction, cert, key,
//                service_type, issued_at_ms) grants it.
//   recognition  recognises(issuing, verifying, type, service_type, issued_at_ms).
//   data         may_cross_border(issuer_org, issuing, verifying, org, type, label, personal,
//                at_ms), with the effective label (dataflow's effective_label: the record's
//                label raised by a dataflow.classify override).
//   A state read failure or a record that does not parse makes a fragment "error".
#include "silk/contracts/documents.h"

#include <algorithm>
#include <array>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "rules.h"
#include "silk/contracts/chain_config.h"
#include "silk/contracts/dataflow.h"
#include "silk/contracts/ebl.h"
#include "silk/contracts/identity.h"
#include "silk/contracts/trade.h"
#include "silk/contracts/trust.h"
#include "silk/core/merkle.h"
#include "silk/core/x509.h"

namespace silk::contracts {
namespace {

using core::Result;
using core::Status;
using nlohmann::json;

constexpr std::string_view kContract = "documents";
constexpr size_t kMaxDocIdChars = 128;
constexpr size_t kMaxCodeChars = 64;
constexpr size_t kMaxNameChars = 256;
constexpr size_t kMaxReasonChars = 512;
constexpr size_t kMaxFieldHashes = 10000;
constexpr size_t kMaxPartiesBytes = 4096;
constexpr size_t kMinSaltChars = 32;
constexpr size_t kMaxSaltChars = 128;
constexpr std::string_view kCertificateOfOrigin = "certificate_of_origin";

constexpr std::array<std::string_view, 8> kRevocationReasons = {
    "unspecified", "keyCompromise",        "cACompromise",       "affiliationChanged",
    "superseded",  "cessationOfOperation", "privilegeWithdrawn", "aACompromise"};

std::string describe_type(const json& v) { return std::string("a JSON ") + v.type_name(); }

std::string quote(std::string_view s) {
  std::string out(1, '\'');
  out.append(s.substr(0, 128));
  out.push_back('\'');
  return out;
}

std::string doc_key(std::string_view doc_id) { return "doc/" + std::string(doc_id); }
std::string type_key(std::string_view code) { return "type/" + std::string(code); }
std::string hash_key(const core::Hash& h) { return "hash/" + core::to_hex(h); }
constexpr std::string_view kTypeIndexKey = "type_index";

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

Status check_fields(const json& args, std::string_view method,
                    std::initializer_list<std::string_view> allowed) {
  if (!args.is_object()) {
    return Status::invalid("args: expected a JSON object, got " + describe_type(args));
  }
  for (const auto& item : args.items()) {
    if (std::find(allowed.begin(), allowed.end(), item.key()) == allowed.end()) {
      std::string list;
      for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return Status::invalid("args: unknown field '" + item.key() + "' (" + std::string(method) +
                             " takes " + list + ")");
    }
  }
  return Status::ok();
}

Result<std::optional<std::string>> opt_string(const json& args, std::string_view name) {
  auto it = args.find(name);
  if (it == args.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) {
    return Status::invalid(std::string(name) + ": expected a string, got " + describe_type(*it));
  }
  return std::optional<std::string>(it->get<std::string>());
}

Result<std::string> req_string(const json& args, std::string_view name) {
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> v, opt_string(args, name));
  if (!v) return Status::invalid(std::string(name) + ": required");
  return *v;
}

Result<std::optional<uint64_t>> opt_uint(const json& args, std::string_view name) {
  auto it = args.find(name);
  if (it == args.end() || it->is_null()) return std::optional<uint64_t>();
  if (!it->is_number_unsigned()) {
    return Status::invalid(std::string(name) + ": expected a non-negative integer, got " +
                           describe_type(*it));
  }
  return std::optional<uint64_t>(it->get<uint64_t>());
}

Result<std::optional<bool>> opt_bool(const json& args, std::string_view name) {
  auto it = args.find(name);
  if (it == args.end() || it->is_null()) return std::optional<bool>();
  if (!it->is_boolean()) {
    return Status::invalid(std::string(name) + ": expected true or false, got " +
                           describe_type(*it));
  }
  return std::optional<bool>(it->get<bool>());
}

Result<core::Hash> parse_hash(std::string_view name, const std::string& text) {
  Result<core::Hash> h = core::hash_from_hex(text);
  if (!h.is_ok()) {
    return Status::invalid(std::string(name) + ": expected 64 hex characters (SHA-256), " +
                           h.status().message());
  }
  return h;
}

bool valid_doc_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxDocIdChars) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '/' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool valid_code(std::string_view code) {
  if (code.empty() || code.size() > kMaxCodeChars) return false;
  for (char c : code) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

bool is_lower_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Result<std::string> parse_doc_id(const json& args, std::string_view field = "doc_id") {
  SILK_ASSIGN_OR_RETURN(std::string id, req_string(args, field));
  if (!valid_doc_id(id)) {
    return Status::invalid(std::string(field) + ": " + quote(id) + " is not a document id (1-" +
                           std::to_string(kMaxDocIdChars) + " of A-Z a-z 0-9 . _ : / -)");
  }
  return id;
}

// ---- stored JSON helpers ----

Result<uint64_t> get_u64(const json& j, std::string_view name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_number_unsigned()) {
    return Status::invalid(std::string(name) + ": expected a non-negative integer");
  }
  return it->get<uint64_t>();
}
Result<std::string> get_str(const json& j, std::string_view name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) {
    return Status::invalid(std::string(name) + ": expected a string");
  }
  return it->get<std::string>();
}
Result<bool> get_bool(const json& j, std::string_view name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_boolean()) {
    return Status::invalid(std::string(name) + ": expected true or false");
  }
  return it->get<bool>();
}
template <size_t N>
Result<std::array<uint8_t, N>> get_hex_array(const json& j, std::string_view name) {
  SILK_ASSIGN_OR_RETURN(std::string text, get_str(j, name));
  SILK_ASSIGN_OR_RETURN(core::Bytes b, core::from_hex(text));
  if (b.size() != N) {
    return Status::invalid(std::string(name) + ": expected " + std::to_string(N) + " bytes, got " +
                           std::to_string(b.size()));
  }
  std::array<uint8_t, N> out{};
  std::copy(b.begin(), b.end(), out.begin());
  return out;
}

// ---- types ----

Result<std::optional<DocumentType>> load_type(ReadContext& ctx, std::string_view code) {
  return find_document_type(ctx, code);
}

}  // namespace

Result<std::optional<DocumentType>> find_document_type(ReadContext& ctx, std::string_view code) {
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> stored, ctx.get_from(kContract, type_key(code)));
  if (stored) {
    json j = json::parse(*stored, nullptr, /*allow_exceptions=*/false);
    Result<DocumentType> t = DocumentType::from_json(j);
    if (!t.is_ok()) {
      return Status::corruption("documents/type/" + std::string(code) + ": " +
                                t.status().message());
    }
    return std::optional<DocumentType>(std::move(t).value());
  }
  for (const DocumentType& t : seed_document_types()) {
    if (t.code == code) return std::optional<DocumentType>(t);
  }
  return std::optional<DocumentType>();
}

namespace {

Result<DocumentType> require_type(ReadContext& ctx, std::string_view code) {
  SILK_ASSIGN_OR_RETURN(std::optional<DocumentType> t, load_type(ctx, code));
  if (!t) {
    return Status::not_found("type: unknown document type " + quote(code) +
                             " (see the types query; admins add one with register_type)");
  }
  return *t;
}

Result<std::vector<std::string>> load_type_index(ReadContext& ctx) {
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> stored, ctx.get_from(kContract, kTypeIndexKey));
  std::vector<std::string> codes;
  if (!stored) return codes;
  json j = json::parse(*stored, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array()) return Status::corruption("documents/type_index: not a JSON array");
  for (const json& c : j) {
    if (!c.is_string()) return Status::corruption("documents/type_index: a non-string entry");
    codes.push_back(c.get<std::string>());
  }
  return codes;
}

bool has_any_role(const core::Member& m, const std::vector<std::string>& roles) {
  for (const std::string& r : roles) {
    if (m.has_role(r)) return true;
  }
  return false;
}

std::string describe_sender(const core::Member& m) {
  return "role " + (m.roles.empty() ? std::string("(none)") : join(m.roles)) + " of " +
         (m.org.empty() ? std::string("(no organisation)") : m.org);
}

// ---- status descriptions ----

std::string str_field(const json& e, std::string_view name) {
  auto it = e.find(name);
  return (it != e.end() && it->is_string()) ? it->get<std::string>() : std::string();
}
uint64_t u64_field(const json& e, std::string_view name) {
  auto it = e.find(name);
  return (it != e.end() && it->is_number_unsigned()) ? it->get<uint64_t>() : 0;
}

// Whether a history entry changes the status (utilisation entries do not).
bool changes_status(const json& e) {
  const std::string event = str_field(e, "event");
  return event != "utilised" && event != "utilisation_inherited";
}

// "REVOKED since 2026-...Z (keyCompromise)", "SUPERSEDED since ... by doc-2", "ACTIVE since ...".
std::string describe_state(const DocumentRecord& r, const std::string& status, const json* e) {
  std::string out = status;
  if (e != nullptr) out += " since " + core::format_time_ms(u64_field(*e, "at_ms"));
  if (status == "SUPERSEDED") {
    if (!r.superseded_by.empty()) out += " by " + r.superseded_by;
  } else if (e != nullptr && status != "ACTIVE") {
    const std::string reason = str_field(*e, "reason");
    if (!reason.empty()) out += " (" + reason + ")";
  }
  return out;
}

std::string describe_now(const DocumentRecord& r) {
  const json* last = r.history.empty() ? nullptr : &r.history.back();
  // The last status-changing entry (a utilisation does not change the status).
  for (auto it = r.history.rbegin(); it != r.history.rend(); ++it) {
    if (changes_status(*it)) {
      last = &*it;
      break;
    }
  }
  return "document " + r.doc_id + " is " + describe_state(r, r.status, last);
}

std::string describe_utilisation(const json& u) {
  const std::string inherited = str_field(u, "inherited_from");
  return "reference " + str_field(u, "reference") + " by " + str_field(u, "claimant_org") + " in " +
         str_field(u, "jurisdiction") + " at " + core::format_time_ms(u64_field(u, "at_ms")) +
         " (height " + std::to_string(u64_field(u, "height")) + ", tx " + str_field(u, "tx_id") +
         (inherited.empty() ? std::string() : "; claimed on " + inherited + ", which it amends") +
         ")";
}

// ---- writing ----

void append_event(DocumentRecord& r, TxContext& ctx, std::string_view event,
                  std::string_view status, std::string_view reason) {
  uint64_t at = ctx.block_time_ms();
  if (!r.history.empty()) at = std::max(at, u64_field(r.history.back(), "at_ms"));
  r.history.push_back(json{{"event", event},
                           {"status", status},
                           {"at_ms", at},
                           {"height", ctx.height()},
                           {"tx_id", core::to_hex(ctx.tx_id())},
                           {"by", ctx.sender().id_hex()},
                           {"reason", reason}});
  r.status = std::string(status);
}

void store(const DocumentRecord& r, TxContext& ctx) {
  ctx.put(doc_key(r.doc_id), r.to_json().dump());
}

Result<DocumentRecord> require_document(ReadContext& ctx, std::string_view doc_id) {
  SILK_ASSIGN_OR_RETURN(std::optional<DocumentRecord> r, load_document(ctx, doc_id));
  if (!r) return Status::not_found("doc_id: no document " + quote(doc_id) + " on the ledger");
  return std::move(*r);
}

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

// The sender may change the status of `r`: a member of its issuing organisation with one of the
// type's issuer roles, or that organisation's admin.
Status check_issuer_action(const DocumentRecord& r, const DocumentType& type, TxContext& ctx,
                           std::string_view verb) {
  const core::Member& m = ctx.sender();
  if (m.org == r.issuer_org && (m.has_role("admin") || has_any_role(m, type.issuer_roles))) {
    return Status::ok();
  }
  return refuse(Status::Code::kUnauthorized, "doc.issuer",
                describe_sender(m) + " may not " + std::string(verb) + " document " + r.doc_id +
                    "; needs " + join(type.issuer_roles) + " or admin of " + r.issuer_org);
}

// A bill of lading whose eBL another party holds (or has surrendered for amendment, or is about
// to surrender) keeps its status: the holder's title stands until the holder gives it up. The
// carrier may revoke or suspend only a bill it still holds itself, one surrendered for delivery,
// or one whose eBL is void.
Status check_title_not_elsewhere(ReadContext& ctx, const DocumentRecord& r, std::string_view verb) {
  SILK_ASSIGN_OR_RETURN(std::optional<EblTitle> title,
                        ebl_title_at(ctx, r.doc_id, std::numeric_limits<uint64_t>::max()));
  if (!title) return Status::ok();
  const bool carrier_holds = title->status == "ISSUED" && title->holder == title->carrier;
  if (carrier_holds || title->status == "VOIDED" || title->status == "SURRENDERED_FOR_DELIVERY") {
    return Status::ok();
  }
  return refuse(Status::Code::kConflict, "doc.status_of_held_ebl",
                "document " + r.doc_id + " is an electronic bill of lading, now " +
                    title->describe() + "; its carrier may not " + std::string(verb) +
                    " a bill another party holds or has surrendered for amendment (the "
                    "holder's title stands until the holder surrenders it)");
}

// Parses and checks issue args (everything but duplicates) into a record.
Result<DocumentRecord> parse_issue(const json& args, TxContext& ctx) {
  SILK_RETURN_IF_ERROR(check_fields(
      args, "issue",
      {"doc_id", "type", "doc_hash", "issued_at_ms", "signature", "signer_cert", "signer_key",
       "jurisdiction", "parties", "label", "personal_data", "field_hashes"}));
  DocumentRecord r;
  SILK_ASSIGN_OR_RETURN(r.doc_id, parse_doc_id(args));
  SILK_ASSIGN_OR_RETURN(r.type, req_string(args, "type"));
  SILK_ASSIGN_OR_RETURN(DocumentType type, require_type(ctx, r.type));
  const core::Member& sender = ctx.sender();
  if (!has_any_role(sender, type.issuer_roles)) {
    return refuse(Status::Code::kUnauthorized, "issue.role",
                  describe_sender(sender) + " may not issue " + type.code + "; needs role " +
                      join(type.issuer_roles));
  }
  SILK_ASSIGN_OR_RETURN(std::string hash_text, req_string(args, "doc_hash"));
  SILK_ASSIGN_OR_RETURN(r.doc_hash, parse_hash("doc_hash", hash_text));

  SILK_ASSIGN_OR_RETURN(std::optional<uint64_t> issued_at, opt_uint(args, "issued_at_ms"));
  if (!issued_at) return Status::invalid("issued_at_ms: required (the signing time)");
  r.issued_at_ms = *issued_at;
  // The claimed signing time is a claim; the block that anchors the signature is its proof of
  // existence, and the claim must lie within the chain's admission window of it.
  r.anchored_at_ms = ctx.block_time_ms();
  const uint64_t window = ctx.genesis().tx_window_ms;
  const uint64_t poe = r.anchored_at_ms;
  const uint64_t gap = r.issued_at_ms > poe ? r.issued_at_ms - poe : poe - r.issued_at_ms;
  if (gap > window) {
    return refuse(Status::Code::kInvalid, "issue.signing_time",
                  "issued_at_ms: the claimed signing time " + core::format_time_ms(r.issued_at_ms) +
                      " is " + std::to_string(gap) + " ms " +
                      (r.issued_at_ms > poe ? "after" : "before") + " the block that anchors it (" +
                      core::format_time_ms(poe) +
                      ", its proof of existence); a claim must lie within tx_window_ms (" +
                      std::to_string(window) + " ms) of it");
  }

  SILK_ASSIGN_OR_RETURN(std::optional<std::string> cert_pem, opt_string(args, "signer_cert"));
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> key_hex, opt_string(args, "signer_key"));
  if (cert_pem.has_value() == key_hex.has_value()) {
    return Status::invalid(std::string("signer: expected exactly one of signer_cert (PEM) or ") +
                           "signer_key (hex), got " + (cert_pem ? "both" : "neither"));
  }
  std::optional<core::Certificate> seal_cert;
  if (cert_pem) {
    Result<core::Certificate> cert = core::parse_certificate(*cert_pem);
    if (!cert.is_ok()) return cert.status().with_context("signer_cert");
    r.signer_cert_pem = cert->pem();
    r.signer_key = cert->public_key();
    seal_cert = *cert;
  } else {
    Result<core::PublicKey> key = core::public_key_from_hex(*key_hex);
    if (!key.is_ok()) return key.status().with_context("signer_key");
    r.signer_key = *key;
  }
  SILK_ASSIGN_OR_RETURN(std::string sig_text, req_string(args, "signature"));
  Result<core::Bytes> sig = core::from_hex(sig_text);
  if (!sig.is_ok()) return sig.status().with_context("signature");
  if (sig->size() != r.signature.size()) {
    return Status::invalid("signature: expected 64 bytes (Ed25519), got " +
                           std::to_string(sig->size()));
  }
  std::copy(sig->begin(), sig->end(), r.signature.begin());
  const std::string statement = signing_statement(r.doc_id, r.type, r.doc_hash, r.issued_at_ms);
  if (!core::verify(r.signer_key, core::as_span(statement), r.signature)) {
    return Status::invalid("signature does not verify over the signing statement " + statement +
                           " with signer key " + core::to_hex(core::ByteSpan(r.signer_key)));
  }
  // A revoked, frozen, expired or not-yet-valid certificate seals nothing.
  if (seal_cert) {
    SILK_ASSIGN_OR_RETURN(CertStanding standing, seal_standing(ctx, *seal_cert, poe, poe));
    if (!standing.ok()) {
      return refuse(Status::Code::kUnauthorized, "issue.seal_standing",
                    "signer_cert: " + standing.reason + " at the proof of existence " +
                        core::format_time_ms(poe) + "; a " + standing.state +
                        " certificate seals nothing");
    }
  }

  SILK_ASSIGN_OR_RETURN(std::optional<std::string> jurisdiction, opt_string(args, "jurisdiction"));
  r.jurisdiction = jurisdiction ? *jurisdiction : sender.jurisdiction;
  if (!jurisdiction && r.jurisdiction.empty()) {
    return Status::invalid("jurisdiction: required (the sender has no certificate jurisdiction)");
  }
  if (!core::is_valid_jurisdiction(r.jurisdiction)) {
    return Status::invalid("jurisdiction: " + quote(r.jurisdiction) +
                           " is not an ISO 3166-1 alpha-2 code");
  }
  r.issuer_org = sender.org;

  if (auto it = args.find("parties"); it != args.end() && !it->is_null()) {
    if (!it->is_object()) {
      return Status::invalid("parties: expected a JSON object {role: org}, got " +
                             describe_type(*it));
    }
    for (const auto& p : it->items()) {
      if (!p.value().is_string()) {
        return Status::invalid("parties." + p.key() + ": expected a string, got " +
                               describe_type(p.value()));
      }
    }
    if (it->dump().size() > kMaxPartiesBytes) {
      return Status::invalid("parties: more than " + std::to_string(kMaxPartiesBytes) +
                             " bytes serialised");
    }
    r.parties = *it;
  }
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> label, opt_string(args, "label"));
  if (label) {
    if (*label != "general" && *label != "important" && *label != "core") {
      return Status::invalid("label: " + quote(*label) +
                             " is not a data label (general, important, core)");
    }
    r.label = *label;
  }
  SILK_ASSIGN_OR_RETURN(std::optional<bool> personal, opt_bool(args, "personal_data"));
  r.personal_data = personal.value_or(false);

  if (auto it = args.find("field_hashes"); it != args.end() && !it->is_null()) {
    if (!it->is_array()) {
      return Status::invalid("field_hashes: expected an array of hex hashes, got " +
                             describe_type(*it));
    }
    if (it->size() > kMaxFieldHashes) {
      return Status::invalid("field_hashes: " + std::to_string(it->size()) + " entries, at most " +
                             std::to_string(kMaxFieldHashes));
    }
    std::set<core::Hash> seen;
    for (size_t i = 0; i < it->size(); ++i) {
      const json& h = (*it)[i];
      const std::string name = "field_hashes[" + std::to_string(i) + "]";
      if (!h.is_string()) {
        return Status::invalid(name + ": expected a hex string, got " + describe_type(h));
      }
      SILK_ASSIGN_OR_RETURN(core::Hash fh, parse_hash(name, h.get<std::string>()));
      if (!seen.insert(fh).second) {
        return Status::invalid(name + ": " + core::to_hex(fh) + " appears twice");
      }
      r.field_hashes.push_back(fh);
    }
    std::sort(r.field_hashes.begin(), r.field_hashes.end());
    const core::Hash root = field_hashes_root(r.field_hashes);
    if (root != r.doc_hash) {
      return Status::invalid("doc_hash: " + core::to_hex(r.doc_hash) +
                             " is not the RFC 6962 root of field_hashes (their root is " +
                             core::to_hex(root) + ")");
    }
  }
  r.height = ctx.height();
  r.tx_id = core::to_hex(ctx.tx_id());
  r.history = json::array({json{{"event", "issued"},
                                {"status", "ACTIVE"},
                                {"at_ms", r.anchored_at_ms},
                                {"height", ctx.height()},
                                {"tx_id", r.tx_id},
                                {"by", sender.id_hex()},
                                {"reason", ""}}});
  return r;
}

// Refuses duplicates, then writes a new record and its hash index entry.
Status store_new(const DocumentRecord& r, TxContext& ctx) {
  SILK_ASSIGN_OR_RETURN(std::optional<DocumentRecord> existing, load_document(ctx, r.doc_id));
  if (existing) {
    return Status::conflict("doc_id: document " + r.doc_id + " already issued at height " +
                            std::to_string(existing->height) + " by tx " + existing->tx_id + " (" +
                            existing->type + " of " + existing->issuer_org + ")");
  }
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> other, ctx.get(hash_key(r.doc_hash)));
  if (other) {
    return Status::conflict("doc_hash: " + core::to_hex(r.doc_hash) + " already anchors document " +
                            *other);
  }
  store(r, ctx);
  ctx.put(hash_key(r.doc_hash), r.doc_id);
  ctx.emit("issued", json{{"doc_id", r.doc_id},
                          {"type", r.type},
                          {"doc_hash", core::to_hex(r.doc_hash)},
                          {"issuer_org", r.issuer_org},
                          {"jurisdiction", r.jurisdiction},
                          {"supersedes", r.supersedes}}
                         .dump());
  return Status::ok();
}

json result_of(const DocumentRecord& r) {
  return json{{"doc_id", r.doc_id}, {"doc_hash", core::to_hex(r.doc_hash)}, {"height", r.height}};
}

Fragment fragment(std::string name, std::string result, std::string reason) {
  return Fragment{std::move(name), std::move(result), std::move(reason)};
}
Fragment error_fragment(std::string name, const Status& st) {
  return fragment(std::move(name), "error", st.to_string());
}

class Documents final : public Contract {
 public:
  std::string_view name() const override { return kContract; }

  Result<std::string> call(std::string_view method, const json& args, TxContext& ctx) override {
    if (method == "register_type") return register_type(args, ctx);
    if (method == "issue") return issue(args, ctx);
    if (method == "bulk_issue") return bulk_issue(args, ctx);
    if (method == "revoke") return revoke(args, ctx);
    if (method == "suspend") return suspend(args, ctx);
    if (method == "reinstate") return reinstate(args, ctx);
    if (method == "amend") return amend(args, ctx);
    if (method == "utilise") return utilise(args, ctx);
    return Status::not_found("documents has no method '" + std::string(method) + "'");
  }

  Result<std::string> query(std::string_view method, const json& args,
                            ReadContext& ctx) const override {
    if (method == "type") return query_type(args, ctx);
    if (method == "types") return query_types(args, ctx);
    if (method == "document") return query_document(args, ctx);
    if (method == "history") return query_history(args, ctx);
    if (method == "verify") return query_verify(args, ctx);
    return Status::not_found("contract 'documents' has no query '" + std::string(method) + "'");
  }

 private:
  static Result<std::string> register_type(const json& args, TxContext& ctx) {
    SILK_RETURN_IF_ERROR(
        check_fields(args, "register_type",
                     {"code", "name", "transferable", "issuer_roles", "service_type", "un_code"}));
    if (!ctx.sender().has_role("admin")) {
      return Status::unauthorized(describe_sender(ctx.sender()) +
                                  " may not register a document type; needs admin");
    }
    Result<DocumentType> parsed = DocumentType::from_json(args);
    if (!parsed.is_ok()) return parsed.status();
    DocumentType t = std::move(parsed).value();
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> stored, ctx.get(type_key(t.code)));
    if (stored) {
      json first = json::parse(*stored, nullptr, false);
      return Status::conflict(
          "code: document type " + t.code + " already registered" +
          (first.is_object() && first.contains("height")
               ? " at height " + first["height"].dump() + " by tx " + str_field(first, "tx_id")
               : std::string()));
    }
    for (const DocumentType& s : seed_document_types()) {
      if (s.code == t.code) {
        return Status::conflict("code: " + t.code + " is a seeded document type (" + s.name + ")");
      }
    }
    json j = t.to_json();
    json stored_j = j;
    stored_j["height"] = ctx.height();
    stored_j["tx_id"] = core::to_hex(ctx.tx_id());
    ctx.put(type_key(t.code), stored_j.dump());
    SILK_ASSIGN_OR_RETURN(std::vector<std::string> codes, load_type_index(ctx));
    codes.insert(std::lower_bound(codes.begin(), codes.end(), t.code), t.code);
    ctx.put(kTypeIndexKey, json(codes).dump());
    ctx.emit("type_registered", j.dump());
    return j.dump();
  }

  static Result<std::string> issue(const json& args, TxContext& ctx) {
    SILK_ASSIGN_OR_RETURN(DocumentRecord r, parse_issue(args, ctx));
    SILK_RETURN_IF_ERROR(store_new(r, ctx));
    return result_of(r).dump();
  }

  static Result<std::string> bulk_issue(const json& args, TxContext& ctx) {
    SILK_RETURN_IF_ERROR(check_fields(args, "bulk_issue", {"documents"}));
    auto it = args.find("documents");
    if (it == args.end() || !it->is_array()) {
      return Status::invalid("documents: expected an array of issue args, got " +
                             (it == args.end() ? std::string("nothing") : describe_type(*it)));
    }
    if (it->empty() || it->size() > kMaxBulkDocuments) {
      return Status::invalid("documents: " + std::to_string(it->size()) + " entries; 1-" +
                             std::to_string(kMaxBulkDocuments) + " allowed");
    }
    for (size_t i = 0; i < it->size(); ++i) {
      const json& item = (*it)[i];
      std::string context = "documents[" + std::to_string(i) + "]";
      if (item.is_object()) {
        if (auto id = item.find("doc_id"); id != item.end() && id->is_string()) {
          context += " (doc_id " + id->get<std::string>().substr(0, kMaxDocIdChars) + ")";
        }
      }
      Result<DocumentRecord> r = parse_issue(item, ctx);
      if (!r.is_ok()) return r.status().with_context(context);
      Status st = store_new(*r, ctx);
      if (!st.is_ok()) return st.with_context(context);
    }
    return json{{"issued", it->size()}}.dump();
  }

  static Result<std::string> revoke(const json& args, TxContext& ctx) {
    SILK_RETURN_IF_ERROR(check_fields(args, "revoke", {"doc_id", "reason"}));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, parse_doc_id(args));
    SILK_ASSIGN_OR_RETURN(std::string reason, req_string(args, "reason"));
    if (reason == "certificateHold") {
      return Status::invalid("reason: certificateHold is a suspension; use suspend");
    }
    if (reason == "removeFromCRL") {
      return Status::invalid("reason: removeFromCRL undoes a suspension; use reinstate");
    }
    if (std::find(kRevocationReasons.begin(), kRevocationReasons.end(), reason) ==
        kRevocationReasons.end()) {
      std::vector<std::string> names(kRevocationReasons.begin(), kRevocationReasons.end());
      return Status::invalid("reason: " + quote(reason) + " is not an RFC 5280 CRLReason name (" +
                             join(names) + ")");
    }
    SILK_ASSIGN_OR_RETURN(DocumentRecord r, require_document(ctx, doc_id));
    SILK_ASSIGN_OR_RETURN(DocumentType type, require_type(ctx, r.type));
    SILK_RETURN_IF_ERROR(check_issuer_action(r, type, ctx, "revoke"));
    SILK_RETURN_IF_ERROR(check_title_not_elsewhere(ctx, r, "revoke"));
    if (r.status != "ACTIVE" && r.status != "SUSPENDED") {
      return Status::conflict(describe_now(r) + "; only ACTIVE or SUSPENDED documents are revoked");
    }
    append_event(r, ctx, "revoked", "REVOKED", reason);
    r.revocation_reason = reason;
    store(r, ctx);
    ctx.emit("revoked", json{{"doc_id", r.doc_id}, {"reason", reason}}.dump());
    return json{{"doc_id", r.doc_id}, {"status", r.status}}.dump();
  }

  static Result<std::string> suspend(const json& args, TxContext& ctx) {
    SILK_RETURN_IF_ERROR(check_fields(args, "suspend", {"doc_id", "reason"}));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, parse_doc_id(args));
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> reason, opt_string(args, "reason"));
    if (reason && reason->size() > kMaxReasonChars) {
      return Status::invalid("reason: " + std::to_string(reason->size()) + " bytes, at most " +
                             std::to_string(kMaxReasonChars));
    }
    SILK_ASSIGN_OR_RETURN(DocumentRecord r, require_document(ctx, doc_id));
    SILK_ASSIGN_OR_RETURN(DocumentType type, require_type(ctx, r.type));
    SILK_RETURN_IF_ERROR(check_issuer_action(r, type, ctx, "suspend"));
    SILK_RETURN_IF_ERROR(check_title_not_elsewhere(ctx, r, "suspend"));
    if (r.status != "ACTIVE") {
      return Status::conflict(describe_now(r) + "; only ACTIVE documents are suspended");
    }
    const std::string why = reason && !reason->empty() ? *reason : "certificateHold";
    append_event(r, ctx, "suspended", "SUSPENDED", why);
    store(r, ctx);
    ctx.emit("suspended", json{{"doc_id", r.doc_id}, {"reason", why}}.dump());
    return json{{"doc_id", r.doc_id}, {"status", r.status}}.dump();
  }

  static Result<std::string> reinstate(const json& args, TxContext& ctx) {
    SILK_RETURN_IF_ERROR(check_fields(args, "reinstate", {"doc_id", "reason"}));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, parse_doc_id(args));
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> reason, opt_string(args, "reason"));
    if (reason && reason->size() > kMaxReasonChars) {
      return Status::invalid("reason: " + std::to_string(reason->size()) + " bytes, at most " +
                             std::to_string(kMaxReasonChars));
    }
    SILK_ASSIGN_OR_RETURN(DocumentRecord r, require_document(ctx, doc_id));
    SILK_ASSIGN_OR_RETURN(DocumentType type, require_type(ctx, r.type));
    SILK_RETURN_IF_ERROR(check_issuer_action(r, type, ctx, "reinstate"));
    if (r.status != "SUSPENDED") {
      return Status::conflict(describe_now(r) + "; only SUSPENDED documents are reinstated");
    }
    append_event(r, ctx, "reinstated", "ACTIVE", reason.value_or(""));
    store(r, ctx);
    ctx.emit("reinstated", json{{"doc_id", r.doc_id}}.dump());
    return json{{"doc_id", r.doc_id}, {"status", r.status}}.dump();
  }

  static Result<std::string> amend(const json& args, TxContext& ctx) {
    SILK_RETURN_IF_ERROR(check_fields(args, "amend", {"doc_id", "new"}));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, parse_doc_id(args));
    auto nit = args.find("new");
    if (nit == args.end() || !nit->is_object()) {
      return Status::invalid("new: expected the new version's issue args (a JSON object), got " +
                             (nit == args.end() ? std::string("nothing") : describe_type(*nit)));
    }
    SILK_ASSIGN_OR_RETURN(DocumentRecord old, require_document(ctx, doc_id));
    SILK_ASSIGN_OR_RETURN(DocumentType type, require_type(ctx, old.type));
    SILK_RETURN_IF_ERROR(check_issuer_action(old, type, ctx, "amend"));
    // A bill in circulation is amended only through its eBL: the holder surrenders it for
    // amendment, and ebl.amend (which calls this) amends and reissues it to the same holder.
    SILK_ASSIGN_OR_RETURN(std::optional<EblTitle> title,
                          ebl_title_at(ctx, old.doc_id, std::numeric_limits<uint64_t>::max()));
    if (title && title->status != "VOIDED" && ctx.caller() != "ebl") {
      return refuse(Status::Code::kConflict, "ebl.amend",
                    "document " + old.doc_id + " is an electronic bill of lading, now " +
                        title->describe() +
                        "; its carrier amends it only with ebl.amend (silk ebl amend), after "
                        "the holder's surrender for amendment");
    }
    if (old.status != "ACTIVE") {
      return Status::conflict(describe_now(old) + "; only ACTIVE documents are amended");
    }
    Result<DocumentRecord> parsed = parse_issue(*nit, ctx);
    if (!parsed.is_ok()) return parsed.status().with_context("new");
    DocumentRecord fresh = std::move(parsed).value();
    if (fresh.type != old.type) {
      return Status::invalid("new.type: " + fresh.type + " differs from the amended document's " +
                             old.type);
    }
    // An amendment may not lower the data label (or drop the personal-data
    // flag) the old version carries, classification included: otherwise
    // amending would launder data past the export rules.
    SILK_ASSIGN_OR_RETURN(EffectiveLabel was,
                          effective_label(ctx, old.doc_id, old.label, old.personal_data));
    auto rank = [](const std::string& l) { return l == "core" ? 2 : l == "important" ? 1 : 0; };
    if (rank(fresh.label) < rank(was.label)) {
      return Status::invalid("new.label: " + fresh.label + " is lower than " + old.doc_id +
                             "'s label " + was.label + "; an amendment cannot lower it");
    }
    if (was.personal_data && !fresh.personal_data) {
      return Status::invalid("new.personal_data: " + old.doc_id +
                             " holds personal data; an amendment cannot clear the flag");
    }
    fresh.supersedes = old.doc_id;
    // A second tariff preference does not come from amending a utilised certificate: the
    // replacement inherits the claim.
    if (old.utilisation.is_object()) {
      fresh.utilisation = old.utilisation;
      if (str_field(fresh.utilisation, "inherited_from").empty()) {
        fresh.utilisation["inherited_from"] = old.doc_id;
      }
      fresh.history.push_back(json{{"event", "utilisation_inherited"},
                                   {"status", "ACTIVE"},
                                   {"at_ms", fresh.anchored_at_ms},
                                   {"height", ctx.height()},
                                   {"tx_id", core::to_hex(ctx.tx_id())},
                                   {"by", ctx.sender().id_hex()},
                                   {"reason", "tariff preference already claimed: " +
                                                  describe_utilisation(fresh.utilisation)}});
    }
    Status st = store_new(fresh, ctx);
    if (!st.is_ok()) return st.with_context("new");
    append_event(old, ctx, "amended", "SUPERSEDED", "superseded by " + fresh.doc_id);
    old.superseded_by = fresh.doc_id;
    store(old, ctx);
    ctx.emit("amended", json{{"doc_id", old.doc_id}, {"superseded_by", fresh.doc_id}}.dump());
    return json{{"doc_id", fresh.doc_id},
                {"supersedes", old.doc_id},
                {"doc_hash", core::to_hex(fresh.doc_hash)},
                {"height", fresh.height}}
        .dump();
  }

  static Result<std::string> utilise(const json& args, TxContext& ctx) {
    SILK_RETURN_IF_ERROR(
        check_fields(args, "utilise", {"doc_id", "reference", "claimant_org", "jurisdiction"}));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, parse_doc_id(args));
    SILK_ASSIGN_OR_RETURN(std::string reference, req_string(args, "reference"));
    if (reference.empty() || reference.size() > kMaxNameChars) {
      return Status::invalid("reference: expected 1-" + std::to_string(kMaxNameChars) +
                             " bytes (e.g. the customs declaration number), got " +
                             std::to_string(reference.size()));
    }
    const core::Member& sender = ctx.sender();
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> claimant, opt_string(args, "claimant_org"));
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> juris, opt_string(args, "jurisdiction"));
    if (juris && !core::is_valid_jurisdiction(*juris)) {
      return Status::invalid("jurisdiction: " + quote(*juris) +
                             " is not an ISO 3166-1 alpha-2 code");
    }
    if (claimant && !core::is_valid_org_id(*claimant)) {
      return Status::invalid("claimant_org: " + quote(*claimant) + " is not an organisation id");
    }
    // Who may claim: the customs authority (a regulator) of the jurisdiction it claims in, for
    // its own organisation.
    if (!sender.has_role("regulator") || sender.jurisdiction.empty()) {
      return refuse(Status::Code::kUnauthorized, "utilise.customs",
                    describe_sender(sender) +
                        " may not utilise a certificate of origin: only a regulator (the "
                        "customs authority) of the jurisdiction that grants the tariff "
                        "preference claims it");
    }
    if (juris && *juris != sender.jurisdiction) {
      return refuse(Status::Code::kUnauthorized, "utilise.customs",
                    "jurisdiction " + *juris + ": a regulator of " + sender.jurisdiction + " (" +
                        sender.org + ") claims tariff preference in " + sender.jurisdiction +
                        " only");
    }
    if (claimant && *claimant != sender.org) {
      return refuse(Status::Code::kUnauthorized, "utilise.customs",
                    "claimant_org " + *claimant +
                        ": the claimant is the sender's own "
                        "organisation (" +
                        sender.org +
                        "); a customs authority may not claim "
                        "for another");
    }
    const std::string claimant_org = sender.org;
    const std::string jurisdiction = sender.jurisdiction;
    SILK_ASSIGN_OR_RETURN(DocumentRecord r, require_document(ctx, doc_id));
    if (r.type != kCertificateOfOrigin) {
      return Status::invalid("doc_id: document " + r.doc_id + " is a " + r.type +
                             "; only a certificate_of_origin claims tariff preference");
    }
    if (r.jurisdiction == jurisdiction) {
      return refuse(Status::Code::kUnauthorized, "utilise.customs",
                    "certificate of origin " + r.doc_id + " was issued in " + r.jurisdiction +
                        ": it grants tariff preference on import into another jurisdiction, so " +
                        jurisdiction + "'s customs may not claim it");
    }
    if (!r.utilisation.is_null()) {
      return Status::conflict("document " + r.doc_id +
                              " already utilised: " + describe_utilisation(r.utilisation));
    }
    if (r.status != "ACTIVE") {
      return Status::conflict(describe_now(r) + "; only ACTIVE documents are utilised");
    }
    // Only a certificate the claiming jurisdiction would accept now: recognised there, its
    // issuer valid, ACTIVE, and its data allowed to reach the claimant (integrity aside: no
    // content is presented).
    SILK_ASSIGN_OR_RETURN(Verdict verdict, verify_document(ctx, doc_id, std::nullopt, jurisdiction,
                                                           claimant_org, ctx.block_time_ms()));
    std::string failing;
    for (const Fragment& f : verdict.fragments) {
      if (f.name == "integrity" || f.result == "valid") continue;
      failing += (failing.empty() ? "" : "; ") + f.name + " " + f.result + ": " + f.reason;
    }
    if (!failing.empty()) {
      return refuse(Status::Code::kConflict, "utilise.valid_verdict",
                    "document " + r.doc_id + " is not valid for " + jurisdiction +
                        " at this block, so it grants no tariff preference there: " + failing);
    }
    append_event(r, ctx, "utilised", "ACTIVE",
                 "reference " + reference + " by " + claimant_org + " in " + jurisdiction);
    r.utilisation =
        json{{"reference", reference},       {"claimant_org", claimant_org},
             {"jurisdiction", jurisdiction}, {"at_ms", u64_field(r.history.back(), "at_ms")},
             {"height", ctx.height()},       {"tx_id", core::to_hex(ctx.tx_id())},
             {"by", sender.id_hex()}};
    store(r, ctx);
    json event = r.utilisation;
    event["doc_id"] = r.doc_id;
    ctx.emit("utilised", event.dump());
    return event.dump();
  }

  // ---- queries ----

  static Result<std::string> query_type(const json& args, ReadContext& ctx) {
    SILK_RETURN_IF_ERROR(check_fields(args, "type", {"code"}));
    SILK_ASSIGN_OR_RETURN(std::string code, req_string(args, "code"));
    SILK_ASSIGN_OR_RETURN(DocumentType t, require_type(ctx, code));
    return t.to_json().dump();
  }

  static Result<std::string> query_types(const json& args, ReadContext& ctx) {
    SILK_RETURN_IF_ERROR(check_fields(args, "types", {}));
    std::map<std::string, json> all;
    for (const DocumentType& t : seed_document_types()) all[t.code] = t.to_json();
    SILK_ASSIGN_OR_RETURN(std::vector<std::string> codes, load_type_index(ctx));
    for (const std::string& c : codes) {
      SILK_ASSIGN_OR_RETURN(DocumentType t, require_type(ctx, c));
      all[c] = t.to_json();
    }
    json out = json::array();
    for (auto& [code, t] : all) out.push_back(std::move(t));
    return json{{"types", std::move(out)}}.dump();
  }

  static Result<std::string> query_document(const json& args, ReadContext& ctx) {
    SILK_RETURN_IF_ERROR(check_fields(args, "document", {"doc_id", "at_ms"}));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, parse_doc_id(args));
    SILK_ASSIGN_OR_RETURN(std::optional<uint64_t> at_ms, opt_uint(args, "at_ms"));
    SILK_ASSIGN_OR_RETURN(DocumentRecord r, require_document(ctx, doc_id));
    const uint64_t at = at_ms.value_or(ctx.block_time_ms());
    json j = r.to_json();
    j["at_ms"] = at;
    j["status_at"] = r.status_at(at);
    return j.dump();
  }

  static Result<std::string> query_history(const json& args, ReadContext& ctx) {
    SILK_RETURN_IF_ERROR(check_fields(args, "history", {"doc_id"}));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, parse_doc_id(args));
    SILK_ASSIGN_OR_RETURN(DocumentRecord r, require_document(ctx, doc_id));
    // Everything that happened to the document, wherever it is recorded: its status events
    // here, the endorsement chain of its transferable record, its cross-border shares and
    // transfers, and its deals (attach, dispute holds, release).
    SILK_ASSIGN_OR_RETURN(json endorsements, ebl_chain_of(ctx, doc_id));
    SILK_ASSIGN_OR_RETURN(json shares, cross_border_log(ctx, doc_id));
    SILK_ASSIGN_OR_RETURN(json deals, deal_events_of(ctx, doc_id));
    SILK_ASSIGN_OR_RETURN(json hold, hold_of(ctx, doc_id));

    // One timeline in chain order; ties keep this source order. Each entry names its signer as
    // a person reads it (the certificate subject).
    std::map<std::string, std::string> names;
    auto signer_of = [&](const json& e, const char* field) -> Result<std::string> {
      const std::string id = e.value(field, std::string());
      if (id.empty()) return std::string();
      auto it = names.find(id);
      if (it != names.end()) return it->second;
      SILK_ASSIGN_OR_RETURN(std::string name, signer_name(ctx, id));
      names.emplace(id, name);
      return name;
    };
    std::vector<std::pair<uint64_t, json>> timeline;
    auto add = [&](const json& events, const char* source, const char* kind_field,
                   const char* signer_field) -> Status {
      for (const json& e : events) {
        if (!e.is_object()) continue;
        SILK_ASSIGN_OR_RETURN(std::string signer, signer_of(e, signer_field));
        json item = {{"source", source},
                     {"event", e.value(kind_field, std::string())},
                     {"at_ms", e.value("at_ms", uint64_t{0})},
                     {"height", e.value("height", uint64_t{0})},
                     {"tx_id", e.value("tx_id", std::string())},
                     {"signer", signer},
                     {"detail", e}};
        timeline.emplace_back(item["height"].get<uint64_t>(), std::move(item));
      }
      return Status::ok();
    };
    SILK_RETURN_IF_ERROR(add(r.history, "documents", "event", "by"));
    SILK_RETURN_IF_ERROR(add(endorsements, "ebl", "action", "member"));
    SILK_RETURN_IF_ERROR(add(shares, "dataflow", "kind", "by"));
    SILK_RETURN_IF_ERROR(add(deals, "trade", "event", "member"));
    std::stable_sort(timeline.begin(), timeline.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    json merged = json::array();
    for (auto& [h, item] : timeline) merged.push_back(std::move(item));
    return json{{"doc_id", r.doc_id},
                {"status", r.status},
                {"history", r.history},
                {"utilisation", r.utilisation},
                {"endorsements", endorsements},
                {"shares", shares},
                {"deals", deals},
                {"hold", hold},
                {"timeline", merged}}
        .dump();
  }

  static Result<std::string> query_verify(const json& args, ReadContext& ctx) {
    SILK_RETURN_IF_ERROR(
        check_fields(args, "verify", {"doc_id", "presented_hash", "jurisdiction", "org", "at_ms"}));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, parse_doc_id(args));
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> presented, opt_string(args, "presented_hash"));
    std::optional<core::Hash> presented_hash;
    if (presented) {
      SILK_ASSIGN_OR_RETURN(core::Hash h, parse_hash("presented_hash", *presented));
      presented_hash = h;
    }
    SILK_ASSIGN_OR_RETURN(std::string jurisdiction, req_string(args, "jurisdiction"));
    if (!core::is_valid_jurisdiction(jurisdiction)) {
      return Status::invalid("jurisdiction: " + quote(jurisdiction) +
                             " is not an ISO 3166-1 alpha-2 code (the verifying jurisdiction)");
    }
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> org, opt_string(args, "org"));
    SILK_ASSIGN_OR_RETURN(std::optional<uint64_t> at_ms, opt_uint(args, "at_ms"));
    SILK_ASSIGN_OR_RETURN(
        Verdict v, verify_document(ctx, doc_id, presented_hash, jurisdiction, org.value_or(""),
                                   at_ms.value_or(ctx.block_time_ms())));
    return v.to_json().dump();
  }
};

}  // namespace

// ---- public functions ----

std::unique_ptr<Contract> make_documents_contract() { return std::make_unique<Documents>(); }

const std::vector<DocumentType>& seed_document_types() {
  static const std::vector<DocumentType> kSeeds = {
      {"bill_of_lading", "Bill of lading", true, {"issuer"}, "carrier", "705"},
      {"certificate_of_origin", "Certificate of origin", false, {"issuer"}, "coo_issuer", "861"},
      {"commercial_invoice", "Commercial invoice", false, {"issuer", "client"}, "esign_ca", "380"},
      {"customs_declaration", "Customs declaration", false, {"issuer", "regulator"}, "customs", ""},
      {"insurance_certificate", "Insurance certificate", false, {"issuer"}, "insurer", "847"},
      {"letter_of_credit", "Letter of credit", false, {"issuer"}, "bank", ""},
      {"packing_list", "Packing list", false, {"issuer", "client"}, "esign_ca", "271"},
      {"phytosanitary_certificate",
       "Phytosanitary certificate",
       false,
       {"issuer", "regulator"},
       "phyto_authority",
       "851"},
      {"sea_waybill", "Sea waybill", false, {"issuer"}, "carrier", "710"},
  };
  return kSeeds;
}

json DocumentType::to_json() const {
  return json{{"code", code},
              {"name", name},
              {"transferable", transferable},
              {"issuer_roles", issuer_roles},
              {"service_type", service_type},
              {"un_code", un_code}};
}

Result<DocumentType> DocumentType::from_json(const json& j) {
  if (!j.is_object()) return Status::invalid("type: expected a JSON object");
  DocumentType t;
  SILK_ASSIGN_OR_RETURN(t.code, req_string(j, "code"));
  if (!valid_code(t.code)) {
    return Status::invalid("code: " + quote(t.code) + " is not a type code (1-" +
                           std::to_string(kMaxCodeChars) + " of a-z 0-9 _)");
  }
  SILK_ASSIGN_OR_RETURN(t.name, req_string(j, "name"));
  if (t.name.empty() || t.name.size() > kMaxNameChars) {
    return Status::invalid("name: expected 1-" + std::to_string(kMaxNameChars) + " bytes, got " +
                           std::to_string(t.name.size()));
  }
  SILK_ASSIGN_OR_RETURN(std::optional<bool> transferable, opt_bool(j, "transferable"));
  t.transferable = transferable.value_or(false);
  auto roles = j.find("issuer_roles");
  if (roles == j.end() || !roles->is_array() || roles->empty()) {
    return Status::invalid("issuer_roles: expected a non-empty array of roles");
  }
  for (const json& r : *roles) {
    if (!r.is_string() || !core::is_known_role(r.get<std::string>())) {
      return Status::invalid("issuer_roles: " + r.dump() +
                             " is not a role (admin, client, node, issuer, regulator, auditor, "
                             "arbitrator)");
    }
    const std::string role = r.get<std::string>();
    if (std::find(t.issuer_roles.begin(), t.issuer_roles.end(), role) != t.issuer_roles.end()) {
      return Status::invalid("issuer_roles: " + role + " appears twice");
    }
    t.issuer_roles.push_back(role);
  }
  SILK_ASSIGN_OR_RETURN(t.service_type, req_string(j, "service_type"));
  if (!valid_code(t.service_type)) {
    return Status::invalid("service_type: " + quote(t.service_type) +
                           " is not a service type (1-64 of a-z 0-9 _, e.g. coo_issuer)");
  }
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> un_code, opt_string(j, "un_code"));
  t.un_code = un_code.value_or("");
  if (t.un_code.size() > 3 || !std::all_of(t.un_code.begin(), t.un_code.end(),
                                           [](char c) { return c >= '0' && c <= '9'; })) {
    return Status::invalid("un_code: " + quote(t.un_code) +
                           " is not a UN/EDIFACT 1001 code (up to 3 digits)");
  }
  return t;
}

std::string signing_statement(std::string_view doc_id, std::string_view type,
                              const core::Hash& doc_hash, uint64_t issued_at_ms) {
  // Keys in the documented order (not nlohmann's sorted order, although here they coincide).
  return "{\"doc_hash\":" + json(core::to_hex(doc_hash)).dump() + ",\"doc_id\":" +
         json(std::string(doc_id)).dump(-1, ' ', false, json::error_handler_t::replace) +
         ",\"issued_at_ms\":" + std::to_string(issued_at_ms) + ",\"type\":" +
         json(std::string(type)).dump(-1, ' ', false, json::error_handler_t::replace) + "}";
}

json DocumentRecord::to_json() const {
  json hashes = json::array();
  for (const core::Hash& h : field_hashes) hashes.push_back(core::to_hex(h));
  return json{{"doc_id", doc_id},
              {"type", type},
              {"doc_hash", core::to_hex(doc_hash)},
              {"issued_at_ms", issued_at_ms},
              {"anchored_at_ms", anchored_at_ms},
              {"issuer_org", issuer_org},
              {"jurisdiction", jurisdiction},
              {"signer_cert", signer_cert_pem},
              {"signer_key", core::to_hex(core::ByteSpan(signer_key))},
              {"signature", core::to_hex(core::ByteSpan(signature))},
              {"label", label},
              {"personal_data", personal_data},
              {"status", status},
              {"revocation_reason", revocation_reason},
              {"superseded_by", superseded_by},
              {"supersedes", supersedes},
              {"parties", parties},
              {"field_hashes", std::move(hashes)},
              {"utilisation", utilisation},
              {"history", history},
              {"height", height},
              {"tx_id", tx_id}};
}

Result<DocumentRecord> DocumentRecord::from_json(const json& j) {
  if (!j.is_object()) return Status::invalid("document record: not a JSON object");
  DocumentRecord r;
  SILK_ASSIGN_OR_RETURN(r.doc_id, get_str(j, "doc_id"));
  SILK_ASSIGN_OR_RETURN(r.type, get_str(j, "type"));
  SILK_ASSIGN_OR_RETURN(r.doc_hash, get_hex_array<32>(j, "doc_hash"));
  SILK_ASSIGN_OR_RETURN(r.issued_at_ms, get_u64(j, "issued_at_ms"));
  // Records written before the proof-of-existence rule have no anchored_at_ms: their claim was
  // all there was.
  r.anchored_at_ms = j.contains("anchored_at_ms") ? u64_field(j, "anchored_at_ms") : r.issued_at_ms;
  SILK_ASSIGN_OR_RETURN(r.issuer_org, get_str(j, "issuer_org"));
  SILK_ASSIGN_OR_RETURN(r.jurisdiction, get_str(j, "jurisdiction"));
  SILK_ASSIGN_OR_RETURN(r.signer_cert_pem, get_str(j, "signer_cert"));
  SILK_ASSIGN_OR_RETURN(r.signer_key, get_hex_array<32>(j, "signer_key"));
  SILK_ASSIGN_OR_RETURN(r.signature, get_hex_array<64>(j, "signature"));
  SILK_ASSIGN_OR_RETURN(r.label, get_str(j, "label"));
  SILK_ASSIGN_OR_RETURN(r.personal_data, get_bool(j, "personal_data"));
  SILK_ASSIGN_OR_RETURN(r.status, get_str(j, "status"));
  SILK_ASSIGN_OR_RETURN(r.revocation_reason, get_str(j, "revocation_reason"));
  SILK_ASSIGN_OR_RETURN(r.superseded_by, get_str(j, "superseded_by"));
  SILK_ASSIGN_OR_RETURN(r.supersedes, get_str(j, "supersedes"));
  auto parties = j.find("parties");
  if (parties == j.end() || !parties->is_object()) {
    return Status::invalid("parties: expected a JSON object");
  }
  r.parties = *parties;
  auto hashes = j.find("field_hashes");
  if (hashes == j.end() || !hashes->is_array()) {
    return Status::invalid("field_hashes: expected an array");
  }
  for (const json& h : *hashes) {
    if (!h.is_string()) return Status::invalid("field_hashes: a non-string entry");
    SILK_ASSIGN_OR_RETURN(core::Hash fh, core::hash_from_hex(h.get<std::string>()));
    r.field_hashes.push_back(fh);
  }
  auto util = j.find("utilisation");
  if (util == j.end() || !(util->is_null() || util->is_object())) {
    return Status::invalid("utilisation: expected null or an object");
  }
  r.utilisation = *util;
  auto history = j.find("history");
  if (history == j.end() || !history->is_array()) {
    return Status::invalid("history: expected an array");
  }
  for (const json& e : *history) {
    if (!e.is_object() || !e.contains("status") || !e["status"].is_string() ||
        !e.contains("at_ms") || !e["at_ms"].is_number_unsigned()) {
      return Status::invalid("history: an entry without status and at_ms");
    }
  }
  r.history = *history;
  SILK_ASSIGN_OR_RETURN(r.height, get_u64(j, "height"));
  SILK_ASSIGN_OR_RETURN(r.tx_id, get_str(j, "tx_id"));
  return r;
}

std::string DocumentRecord::status_at(uint64_t at_ms) const {
  if (at_ms < anchored_at_ms) return "NOT_ISSUED";
  if (history.empty()) return status;
  std::string s = "NOT_ISSUED";
  for (const json& e : history) {
    if (u64_field(e, "at_ms") <= at_ms) s = str_field(e, "status");
  }
  return s;
}

Result<std::optional<DocumentRecord>> load_document(ReadContext& ctx, std::string_view doc_id) {
  if (!valid_doc_id(doc_id)) return std::optional<DocumentRecord>();
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                        ctx.get_from(kContract, doc_key(doc_id)));
  if (!stored) return std::optional<DocumentRecord>();
  json j = json::parse(*stored, nullptr, /*allow_exceptions=*/false);
  Result<DocumentRecord> r = DocumentRecord::from_json(j);
  if (!r.is_ok()) {
    return Status::corruption("documents/doc/" + std::string(doc_id) + ": " + r.status().message());
  }
  return std::optional<DocumentRecord>(std::move(r).value());
}

core::Hash value_commitment(std::string_view salt_hex, const json& value) {
  core::Sha256 h;
  h.update(core::as_span(salt_hex));
  h.update(core::as_span(":"));
  const std::string canonical = value.dump(-1, ' ', false, json::error_handler_t::replace);
  h.update(core::as_span(canonical));
  return h.finish();
}

core::Hash field_hash(std::string_view name, const core::Hash& commitment) {
  static constexpr std::string_view kTag = "silk.field.v2";
  core::Sha256 h;
  h.update(core::as_span(kTag));
  const uint8_t zero = 0;
  h.update(core::ByteSpan(&zero, 1));
  const uint32_t n = static_cast<uint32_t>(name.size());
  const uint8_t len[4] = {static_cast<uint8_t>(n >> 24), static_cast<uint8_t>(n >> 16),
                          static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
  h.update(core::ByteSpan(len, 4));
  h.update(core::as_span(name));
  h.update(core::ByteSpan(commitment.data(), commitment.size()));
  return h.finish();
}

core::Hash field_hash(std::string_view salt_hex, std::string_view name, const json& value) {
  return field_hash(name, value_commitment(salt_hex, value));
}

core::Hash field_hashes_root(std::vector<core::Hash> field_hashes) {
  std::sort(field_hashes.begin(), field_hashes.end());
  std::vector<core::Hash> leaves;
  leaves.reserve(field_hashes.size());
  for (const core::Hash& h : field_hashes) {
    leaves.push_back(core::merkle_leaf_hash(core::ByteSpan(h.data(), h.size())));
  }
  return core::merkle_root(leaves);
}

// ---- DisclosableDocument ----

namespace {

Status check_field_name(std::string_view where, const std::string& name) {
  if (name.empty() || name.size() > kMaxNameChars) {
    return Status::invalid(std::string(where) + ": field name " + quote(name) + " must be 1-" +
                           std::to_string(kMaxNameChars) + " bytes");
  }
  return Status::ok();
}

Status check_salt(const std::string& where, const std::string& salt) {
  if (salt.size() < kMinSaltChars || salt.size() > kMaxSaltChars || salt.size() % 2 != 0 ||
      !is_lower_hex(salt)) {
    return Status::invalid(where + ": expected " + std::to_string(kMinSaltChars) + "-" +
                           std::to_string(kMaxSaltChars) +
                           " lower-case hex characters (an even number), got " +
                           std::to_string(salt.size()) + " characters" +
                           (is_lower_hex(salt) ? "" : " that are not all lower-case hex"));
  }
  return Status::ok();
}

}  // namespace

Result<DisclosableDocument> DisclosableDocument::make(
    const json& fields, const std::map<std::string, std::string>& salts) {
  if (!fields.is_object()) {
    return Status::invalid("fields: expected a JSON object {name: value}, got " +
                           describe_type(fields));
  }
  DisclosableDocument d;
  for (const auto& item : fields.items()) {
    SILK_RETURN_IF_ERROR(check_field_name("fields", item.key()));
    auto salt = salts.find(item.key());
    if (salt == salts.end()) return Status::invalid("salts: no salt for field " + item.key());
    SILK_RETURN_IF_ERROR(check_salt("salts." + item.key(), salt->second));
    d.fields[item.key()] = Field{salt->second, item.value()};
  }
  for (const auto& [name, salt] : salts) {
    if (!fields.contains(name)) return Status::invalid("salts: " + name + " names no field");
  }
  return d;
}

Result<DisclosableDocument> DisclosableDocument::from_json(const json& j) {
  if (!j.is_object()) {
    return Status::invalid("disclosable document: expected a JSON object, got " + describe_type(j));
  }
  for (const auto& item : j.items()) {
    if (item.key() != "fields" && item.key() != "hidden") {
      return Status::invalid("disclosable document: unknown field '" + item.key() +
                             "' (fields, hidden)");
    }
  }
  DisclosableDocument d;
  auto fields = j.find("fields");
  if (fields == j.end() || !fields->is_object()) {
    return Status::invalid("fields: expected a JSON object {name: {salt, value}}");
  }
  for (const auto& item : fields->items()) {
    const std::string where = "fields." + item.key();
    SILK_RETURN_IF_ERROR(check_field_name("fields", item.key()));
    const json& f = item.value();
    if (!f.is_object() || f.size() != 2 || !f.contains("salt") || !f.contains("value")) {
      return Status::invalid(where + ": expected {\"salt\": hex, \"value\": any}");
    }
    if (!f["salt"].is_string()) return Status::invalid(where + ".salt: expected a hex string");
    const std::string salt = f["salt"].get<std::string>();
    SILK_RETURN_IF_ERROR(check_salt(where + ".salt", salt));
    d.fields[item.key()] = Field{salt, f["value"]};
  }
  if (auto hidden = j.find("hidden"); hidden != j.end() && !hidden->is_null()) {
    if (!hidden->is_object()) {
      return Status::invalid("hidden: expected a JSON object {name: field_hash hex}");
    }
    for (const auto& item : hidden->items()) {
      const std::string where = "hidden." + item.key();
      SILK_RETURN_IF_ERROR(check_field_name("hidden", item.key()));
      if (d.fields.count(item.key()) != 0) {
        return Status::invalid(where + ": the field is also disclosed");
      }
      if (!item.value().is_string()) {
        return Status::invalid(where + ": expected the hidden value's commitment (64 hex)");
      }
      SILK_ASSIGN_OR_RETURN(core::Hash h, parse_hash(where, item.value().get<std::string>()));
      d.hidden[item.key()] = h;
    }
  }
  return d;
}

json DisclosableDocument::to_json() const {
  json f = json::object();
  for (const auto& [name, field] : fields) {
    f[name] = json{{"salt", field.salt_hex}, {"value", field.value}};
  }
  json h = json::object();
  for (const auto& [name, hash] : hidden) h[name] = core::to_hex(hash);
  return json{{"fields", std::move(f)}, {"hidden", std::move(h)}};
}

Result<DisclosableDocument> DisclosableDocument::redact(
    const std::vector<std::string>& names) const {
  DisclosableDocument out = *this;
  for (const std::string& name : names) {
    auto it = out.fields.find(name);
    if (it == out.fields.end()) {
      return Status::invalid("redact: " + quote(name) +
                             (hidden.count(name) ? " is already hidden" : " is not a field"));
    }
    out.hidden[name] = value_commitment(it->second.salt_hex, it->second.value);
    out.fields.erase(it);
  }
  return out;
}

std::vector<core::Hash> DisclosableDocument::field_hashes() const {
  std::vector<core::Hash> out;
  out.reserve(fields.size() + hidden.size());
  for (const auto& [name, f] : fields) out.push_back(field_hash(f.salt_hex, name, f.value));
  for (const auto& [name, c] : hidden) out.push_back(field_hash(name, c));
  std::sort(out.begin(), out.end());
  return out;
}

core::Hash DisclosableDocument::root() const { return field_hashes_root(field_hashes()); }

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
