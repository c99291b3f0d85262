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
// The verdict (verify query) is verify_document in verdict.cpp; the record codec is in
// document_record.cpp and selective disclosure in disclosure.cpp. Every argument is read through
// the shared reader (args.h), so a refusal's words are ours.
#include "silk/contracts/documents.h"

#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "documents_internal.h"
#include "rules.h"
#include "silk/contracts/args.h"
#include "silk/contracts/dataflow.h"
#include "silk/contracts/ebl.h"
#include "silk/contracts/identity.h"
#include "silk/contracts/trade.h"
#include "silk/core/x509.h"

namespace silk::contracts {
namespace {

using core::Result;
using core::Status;
using nlohmann::json;
using namespace docs;  // NOLINT: the documents files' shared helpers

constexpr size_t kMaxNameChars = 256;
constexpr size_t kMaxReasonChars = 512;
constexpr size_t kMaxFieldHashes = 10000;
constexpr size_t kMaxPartiesBytes = 4096;
constexpr size_t kMaxPemChars = 65536;

constexpr std::array<std::string_view, 8> kRevocationReasons = {
    "unspecified", "keyCompromise",        "cACompromise",       "affiliationChanged",
    "superseded",  "cessationOfOperation", "privilegeWithdrawn", "aACompromise"};

// The codes of the types registered by tx, sorted.
Result<std::vector<std::string>> load_type_index(ReadContext& ctx) {
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> stored, ctx.get_from(kContract, kTypeIndexKey));
  std::vector<std::string> codes;
  if (!stored) return codes;
  SILK_ASSIGN_OR_RETURN(json j, parse_stored_array("documents/type_index", *stored));
  for (const json& c : j) {
    if (!c.is_string()) return Status::corruption("documents/type_index: a non-string entry");
    codes.push_back(c.get<std::string>());
  }
  return codes;
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

// An issue request as the issuer sends it (documents.issue, and each of bulk_issue's and the
// "new" of amend), its fields read and typed; parse_issue then checks what needs the chain.
struct IssueRequest {
  std::string doc_id;
  std::string type;
  core::Hash doc_hash{};
  uint64_t issued_at_ms = 0;
  core::Bytes signature;
  std::optional<std::string> signer_cert;
  std::optional<core::PublicKey> signer_key;
  std::optional<std::string> jurisdiction;
  json parties = json::object();
  std::string label = "general";
  bool personal_data = false;
  std::vector<core::Hash> field_hashes;  // sorted, no duplicates

  static Result<IssueRequest> read(const Args& a) {
    IssueRequest q;
    SILK_ASSIGN_OR_RETURN(q.doc_id, read_doc_id(a));
    SILK_ASSIGN_OR_RETURN(q.type, a.string("type", 4096, 0));
    SILK_ASSIGN_OR_RETURN(q.doc_hash, a.hash("doc_hash"));
    if (!a.has("issued_at_ms")) {
      return Status::invalid(a.path("issued_at_ms") + ": missing (the claimed signing time)");
    }
    SILK_ASSIGN_OR_RETURN(q.issued_at_ms, a.u64("issued_at_ms"));
    SILK_ASSIGN_OR_RETURN(q.signer_cert, a.opt_string("signer_cert", kMaxPemChars, 1));
    if (q.signer_cert.has_value() == a.has("signer_key")) {
      return Status::invalid(
          std::string("signer: expected exactly one of signer_cert (PEM) or signer_key (hex), ") +
          "got " + (q.signer_cert ? "both" : "neither"));
    }
    if (a.has("signer_key")) {
      SILK_ASSIGN_OR_RETURN(core::Bytes key, a.hex("signer_key", 32));
      core::PublicKey pk{};
      std::copy(key.begin(), key.end(), pk.begin());
      q.signer_key = pk;
    }
    SILK_ASSIGN_OR_RETURN(q.signature, a.hex("signature", 64));
    SILK_ASSIGN_OR_RETURN(q.jurisdiction, read_opt_jurisdiction(a, "jurisdiction"));
    if (a.has("parties")) {
      SILK_ASSIGN_OR_RETURN(const json* parties, a.object("parties"));
      for (auto it = parties->begin(); it != parties->end(); ++it) {
        if (!it->is_string()) {
          return Status::invalid(a.path("parties") + "." + it.key() + ": expected a string, got " +
                                 json_kind(*it));
        }
      }
      if (parties->dump().size() > kMaxPartiesBytes) {
        return Status::invalid(a.path("parties") + ": more than " +
                               std::to_string(kMaxPartiesBytes) + " bytes serialised");
      }
      q.parties = *parties;
    }
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> label, a.opt_string("label", 64));
    if (label) {
      if (*label != "general" && *label != "important" && *label != "core") {
        return Status::invalid(a.path("label") + ": " + in_quotes(*label) +
                               " is not a data label (general, important, core)");
      }
      q.label = *label;
    }
    SILK_ASSIGN_OR_RETURN(std::optional<bool> personal, a.opt_bool("personal_data"));
    q.personal_data = personal.value_or(false);
    if (a.has("field_hashes")) {
      SILK_ASSIGN_OR_RETURN(const json* hashes, a.array("field_hashes"));
      if (hashes->size() > kMaxFieldHashes) {
        return Status::invalid(a.path("field_hashes") + ": " + std::to_string(hashes->size()) +
                               " entries, at most " + std::to_string(kMaxFieldHashes));
      }
      std::set<core::Hash> seen;
      for (size_t i = 0; i < hashes->size(); ++i) {
        const std::string name = a.path("field_hashes") + "[" + std::to_string(i) + "]";
        SILK_ASSIGN_OR_RETURN(core::Hash fh, hash_value((*hashes)[i], name));
        if (!seen.insert(fh).second) {
          return Status::invalid(name + ": " + core::to_hex(fh) + " appears twice");
        }
        q.field_hashes.push_back(fh);
      }
      std::sort(q.field_hashes.begin(), q.field_hashes.end());
    }
    return q;
  }
};

constexpr std::array<std::string_view, 12> kIssueFields = {
    "doc_id",     "type",         "doc_hash", "issued_at_ms", "signature",     "signer_cert",
    "signer_key", "jurisdiction", "parties",  "label",        "personal_data", "field_hashes"};

// Checks an issue request against the chain (everything but duplicates) into a record.
Result<DocumentRecord> parse_issue(const Args& a, TxContext& ctx) {
  SILK_ASSIGN_OR_RETURN(IssueRequest q, IssueRequest::read(a));
  DocumentRecord r;
  r.doc_id = q.doc_id;
  r.type = q.type;
  SILK_ASSIGN_OR_RETURN(DocumentType type, require_type(ctx, r.type));
  const core::Member& sender = ctx.sender();
  if (!has_any_role(sender, type.issuer_roles)) {
    return refuse(Status::Code::kUnauthorized, "issue.role",
                  describe_sender(sender) + " may not issue " + type.code + "; needs role " +
                      join(type.issuer_roles));
  }
  r.doc_hash = q.doc_hash;
  r.issued_at_ms = q.issued_at_ms;
  // The claimed signing time is a claim; the block that anchors the signature is its proof of
  // existence, and the claim must lie within the chain's admission window of it.
  r.anchored_at_ms = ctx.block_time_ms();
  const uint64_t window = ctx.genesis().tx_window_ms;
  const uint64_t poe = r.anchored_at_ms;
  const uint64_t gap = r.issued_at_ms > poe ? r.issued_at_ms - poe : poe - r.issued_at_ms;
  if (gap > window) {
    return refuse(Status::Code::kInvalid, "issue.signing_time",
                  a.path("issued_at_ms") + ": the claimed signing time " +
                      core::format_time_ms(r.issued_at_ms) + " is " + std::to_string(gap) + " ms " +
                      (r.issued_at_ms > poe ? "after" : "before") + " the block that anchors it (" +
                      core::format_time_ms(poe) +
                      ", its proof of existence); a claim must lie within tx_window_ms (" +
                      std::to_string(window) + " ms) of it");
  }

  std::optional<core::Certificate> seal_cert;
  if (q.signer_cert) {
    Result<core::Certificate> cert = core::parse_certificate(*q.signer_cert);
    if (!cert.is_ok()) return cert.status().with_context(a.path("signer_cert"));
    r.signer_cert_pem = cert->pem();
    r.signer_key = cert->public_key();
    seal_cert = *cert;
  } else {
    r.signer_key = *q.signer_key;
  }
  std::copy(q.signature.begin(), q.signature.end(), r.signature.begin());
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
                    a.path("signer_cert") + ": " + standing.reason + " at the proof of existence " +
                        core::format_time_ms(poe) + "; a " + standing.state +
                        " certificate seals nothing");
    }
  }

  r.jurisdiction = q.jurisdiction ? *q.jurisdiction : sender.jurisdiction;
  if (r.jurisdiction.empty()) {
    return Status::invalid(a.path("jurisdiction") +
                           ": missing (the sender has no certificate jurisdiction)");
  }
  r.issuer_org = sender.org;
  r.parties = std::move(q.parties);
  r.label = q.label;
  r.personal_data = q.personal_data;
  if (!q.field_hashes.empty()) {
    r.field_hashes = std::move(q.field_hashes);
    const core::Hash root = field_hashes_root(r.field_hashes);
    if (root != r.doc_hash) {
      return Status::invalid(a.path("doc_hash") + ": " + core::to_hex(r.doc_hash) +
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
        Args::of(args, "register_type",
                 {"code", "name", "transferable", "issuer_roles", "service_type", "un_code"})
            .status());
    if (!ctx.sender().has_role("admin")) {
      return Status::unauthorized(describe_sender(ctx.sender()) +
                                  " may not register a document type; needs admin");
    }
    Result<DocumentType> parsed = DocumentType::from_json(args);
    if (!parsed.is_ok()) return parsed.status();
    DocumentType t = std::move(parsed).value();
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> stored, ctx.get(type_key(t.code)));
    if (stored) {
      json first = json::parse(*stored, nullptr, /*allow_exceptions=*/false);
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
    SILK_ASSIGN_OR_RETURN(Args a, Args::of(args, "issue", kIssueFields));
    SILK_ASSIGN_OR_RETURN(DocumentRecord r, parse_issue(a, ctx));
    SILK_RETURN_IF_ERROR(store_new(r, ctx));
    return result_of(r).dump();
  }

  static Result<std::string> bulk_issue(const json& args, TxContext& ctx) {
    SILK_ASSIGN_OR_RETURN(Args a, Args::of(args, "bulk_issue", {"documents"}));
    SILK_ASSIGN_OR_RETURN(const json* docs, a.array("documents"));
    if (docs->empty() || docs->size() > kMaxBulkDocuments) {
      return Status::invalid("documents: " + std::to_string(docs->size()) + " entries; 1-" +
                             std::to_string(kMaxBulkDocuments) + " allowed");
    }
    for (size_t i = 0; i < docs->size(); ++i) {
      const json& item = (*docs)[i];
      std::string context = "documents[" + std::to_string(i) + "]";
      if (item.is_object()) {
        if (auto id = item.find("doc_id"); id != item.end() && id->is_string()) {
          context += " (doc_id " + id->get<std::string>().substr(0, 128) + ")";
        }
      }
      Result<Args> one = Args::of(item, "issue", kIssueFields);
      if (!one.is_ok()) return one.status().with_context(context);
      Result<DocumentRecord> r = parse_issue(*one, ctx);
      if (!r.is_ok()) return r.status().with_context(context);
      Status st = store_new(*r, ctx);
      if (!st.is_ok()) return st.with_context(context);
    }
    return json{{"issued", docs->size()}}.dump();
  }

  static Result<std::string> revoke(const json& args, TxContext& ctx) {
    SILK_ASSIGN_OR_RETURN(Args a, Args::of(args, "revoke", {"doc_id", "reason"}));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, read_doc_id(a));
    SILK_ASSIGN_OR_RETURN(std::string reason, a.string("reason", 64));
    if (reason == "certificateHold") {
      return Status::invalid("reason: certificateHold is a suspension; use suspend");
    }
    if (reason == "removeFromCRL") {
      return Status::invalid("reason: removeFromCRL undoes a suspension; use reinstate");
    }
    if (std::find(kRevocationReasons.begin(), kRevocationReasons.end(), reason) ==
        kRevocationReasons.end()) {
      std::vector<std::string> names(kRevocationReasons.begin(), kRevocationReasons.end());
      return Status::invalid("reason: " + in_quotes(reason) +
                             " is not an RFC 5280 CRLReason name (" + join(names) + ")");
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
    SILK_ASSIGN_OR_RETURN(Args a, Args::of(args, "suspend", {"doc_id", "reason"}));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, read_doc_id(a));
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> reason,
                          a.opt_string("reason", kMaxReasonChars));
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
    SILK_ASSIGN_OR_RETURN(Args a, Args::of(args, "reinstate", {"doc_id", "reason"}));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, read_doc_id(a));
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> reason,
                          a.opt_string("reason", kMaxReasonChars));
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
    SILK_ASSIGN_OR_RETURN(Args a, Args::of(args, "amend", {"doc_id", "new"}));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, read_doc_id(a));
    SILK_ASSIGN_OR_RETURN(Args fresh_args, a.nested("new", "issue", kIssueFields));
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
    Result<DocumentRecord> parsed = parse_issue(fresh_args, ctx);
    if (!parsed.is_ok()) return parsed.status();
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
    SILK_ASSIGN_OR_RETURN(
        Args a, Args::of(args, "utilise", {"doc_id", "reference", "claimant_org", "jurisdiction"}));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, read_doc_id(a));
    // The reference: e.g. the customs declaration number.
    SILK_ASSIGN_OR_RETURN(std::string reference, a.string("reference", kMaxNameChars));
    const core::Member& sender = ctx.sender();
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> claimant, read_opt_org_id(a, "claimant_org"));
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> juris,
                          read_opt_jurisdiction(a, "jurisdiction"));
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
    SILK_ASSIGN_OR_RETURN(Args a, Args::of(args, "type", {"code"}));
    SILK_ASSIGN_OR_RETURN(std::string code, a.string("code", 64));
    SILK_ASSIGN_OR_RETURN(DocumentType t, require_type(ctx, code));
    return t.to_json().dump();
  }

  static Result<std::string> query_types(const json& args, ReadContext& ctx) {
    SILK_RETURN_IF_ERROR(Args::of(args, "types", {}).status());
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
    SILK_ASSIGN_OR_RETURN(Args a, Args::of(args, "document", {"doc_id", "at_ms"}));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, read_doc_id(a));
    SILK_ASSIGN_OR_RETURN(std::optional<uint64_t> at_ms, a.opt_u64("at_ms"));
    SILK_ASSIGN_OR_RETURN(DocumentRecord r, require_document(ctx, doc_id));
    const uint64_t at = at_ms.value_or(ctx.block_time_ms());
    json j = r.to_json();
    j["at_ms"] = at;
    j["status_at"] = r.status_at(at);
    return j.dump();
  }

  static Result<std::string> query_history(const json& args, ReadContext& ctx) {
    SILK_ASSIGN_OR_RETURN(Args a, Args::of(args, "history", {"doc_id"}));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, read_doc_id(a));
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
    SILK_ASSIGN_OR_RETURN(
        Args a,
        Args::of(args, "verify", {"doc_id", "presented_hash", "jurisdiction", "org", "at_ms"}));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, read_doc_id(a));
    SILK_ASSIGN_OR_RETURN(std::optional<core::Hash> presented_hash, a.opt_hash("presented_hash"));
    if (!a.has("jurisdiction")) {
      return Status::invalid("jurisdiction: missing (the verifying jurisdiction)");
    }
    SILK_ASSIGN_OR_RETURN(std::string jurisdiction, read_jurisdiction(a, "jurisdiction"));
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> org, a.opt_string("org", 64));
    SILK_ASSIGN_OR_RETURN(std::optional<uint64_t> at_ms, a.opt_u64("at_ms"));
    SILK_ASSIGN_OR_RETURN(
        Verdict v, verify_document(ctx, doc_id, presented_hash, jurisdiction, org.value_or(""),
                                   at_ms.value_or(ctx.block_time_ms())));
    return v.to_json().dump();
  }
};

}  // namespace

std::unique_ptr<Contract> make_documents_contract() { return std::make_unique<Documents>(); }

}  // namespace silk::contracts
