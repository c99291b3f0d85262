// The records of the documents contract (document_record.h): types, the document record and its
// codec, the signing statement; and the status descriptions the contract and the verdict share
// (documents_internal.h).
#include "silk/contracts/document_record.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "documents_internal.h"
#include "silk/contracts/args.h"

namespace silk::contracts {

using core::Result;
using core::Status;
using nlohmann::json;

namespace {

constexpr size_t kMaxCodeChars = 64;
constexpr size_t kMaxNameChars = 256;

bool valid_code(std::string_view code) {
  if (code.empty() || code.size() > kMaxCodeChars) return false;
  return std::all_of(code.begin(), code.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

// ---- types ----

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
  SILK_ASSIGN_OR_RETURN(Args a, Args::record(j, ""));
  DocumentType t;
  SILK_ASSIGN_OR_RETURN(t.code, a.string("code", 4096, 0));
  if (!valid_code(t.code)) {
    return Status::invalid("code: " + in_quotes(t.code) + " is not a type code (1-" +
                           std::to_string(kMaxCodeChars) + " of a-z 0-9 _)");
  }
  SILK_ASSIGN_OR_RETURN(t.name, a.string("name", kMaxNameChars));
  SILK_ASSIGN_OR_RETURN(std::optional<bool> transferable, a.opt_bool("transferable"));
  t.transferable = transferable.value_or(false);
  SILK_ASSIGN_OR_RETURN(std::vector<std::string> roles, a.strings("issuer_roles", 16, 64));
  for (const std::string& role : roles) {
    if (!core::is_known_role(role)) {
      return Status::invalid("issuer_roles: " + in_quotes(role) +
                             " is not a role (admin, client, node, issuer, regulator, auditor, "
                             "arbitrator)");
    }
    if (std::find(t.issuer_roles.begin(), t.issuer_roles.end(), role) != t.issuer_roles.end()) {
      return Status::invalid("issuer_roles: " + role + " appears twice");
    }
    t.issuer_roles.push_back(role);
  }
  SILK_ASSIGN_OR_RETURN(t.service_type, a.string("service_type", 4096, 0));
  if (!valid_code(t.service_type)) {
    return Status::invalid("service_type: " + in_quotes(t.service_type) +
                           " is not a service type (1-64 of a-z 0-9 _, e.g. coo_issuer)");
  }
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> un_code, a.opt_string("un_code", 64));
  t.un_code = un_code.value_or("");
  if (t.un_code.size() > 3 || !std::all_of(t.un_code.begin(), t.un_code.end(),
                                           [](char c) { return c >= '0' && c <= '9'; })) {
    return Status::invalid("un_code: " + in_quotes(t.un_code) +
                           " is not a UN/EDIFACT 1001 code (up to 3 digits)");
  }
  return t;
}

Result<std::optional<DocumentType>> find_document_type(ReadContext& ctx, std::string_view code) {
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                        ctx.get_from(docs::kContract, docs::type_key(code)));
  if (stored) {
    const std::string where = "documents/type/" + std::string(code);
    SILK_ASSIGN_OR_RETURN(json j, parse_stored_object(where, *stored));
    Result<DocumentType> t = DocumentType::from_json(j);
    if (!t.is_ok()) return Status::corruption(where + ": " + t.status().message());
    return std::optional<DocumentType>(std::move(t).value());
  }
  for (const DocumentType& t : seed_document_types()) {
    if (t.code == code) return std::optional<DocumentType>(t);
  }
  return std::optional<DocumentType>();
}

std::string signing_statement(std::string_view doc_id, std::string_view type,
                              const core::Hash& doc_hash, uint64_t issued_at_ms) {
  // Keys in the documented order (not nlohmann's sorted order, although here they coincide).
  return "{\"doc_hash\":" + json(core::to_hex(doc_hash)).dump() + ",\"doc_id\":" +
         json(std::string(doc_id)).dump(-1, ' ', false, json::error_handler_t::replace) +
         ",\"issued_at_ms\":" + std::to_string(issued_at_ms) + ",\"type\":" +
         json(std::string(type)).dump(-1, ' ', false, json::error_handler_t::replace) + "}";
}

// ---- the record ----

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
  SILK_ASSIGN_OR_RETURN(Args a, Args::record(j, "document record"));
  constexpr size_t kAny = 1u << 20;
  DocumentRecord r;
  SILK_ASSIGN_OR_RETURN(r.doc_id, a.string("doc_id", kAny));
  SILK_ASSIGN_OR_RETURN(r.type, a.string("type", kAny));
  SILK_ASSIGN_OR_RETURN(r.doc_hash, a.hash("doc_hash"));
  SILK_ASSIGN_OR_RETURN(r.issued_at_ms, a.u64("issued_at_ms"));
  // Records written before the proof-of-existence rule have no anchored_at_ms: their claim was
  // all there was.
  SILK_ASSIGN_OR_RETURN(std::optional<uint64_t> anchored, a.opt_u64("anchored_at_ms"));
  r.anchored_at_ms = anchored.value_or(r.issued_at_ms);
  SILK_ASSIGN_OR_RETURN(r.issuer_org, a.string("issuer_org", kAny, 0));
  SILK_ASSIGN_OR_RETURN(r.jurisdiction, a.string("jurisdiction", kAny, 0));
  SILK_ASSIGN_OR_RETURN(r.signer_cert_pem, a.string("signer_cert", kAny, 0));
  SILK_ASSIGN_OR_RETURN(core::Bytes key, a.hex("signer_key", r.signer_key.size()));
  std::copy(key.begin(), key.end(), r.signer_key.begin());
  SILK_ASSIGN_OR_RETURN(core::Bytes sig, a.hex("signature", r.signature.size()));
  std::copy(sig.begin(), sig.end(), r.signature.begin());
  SILK_ASSIGN_OR_RETURN(r.label, a.string("label", kAny));
  SILK_ASSIGN_OR_RETURN(r.personal_data, a.boolean("personal_data"));
  SILK_ASSIGN_OR_RETURN(r.status, a.string("status", kAny));
  SILK_ASSIGN_OR_RETURN(r.revocation_reason, a.string("revocation_reason", kAny, 0));
  SILK_ASSIGN_OR_RETURN(r.superseded_by, a.string("superseded_by", kAny, 0));
  SILK_ASSIGN_OR_RETURN(r.supersedes, a.string("supersedes", kAny, 0));
  SILK_ASSIGN_OR_RETURN(const json* parties, a.object("parties"));
  r.parties = *parties;
  SILK_ASSIGN_OR_RETURN(const json* hashes, a.array("field_hashes"));
  for (const json& h : *hashes) {
    if (!h.is_string()) return Status::invalid("field_hashes: a non-string entry");
    SILK_ASSIGN_OR_RETURN(core::Hash fh, core::hash_from_hex(h.get<std::string>()));
    r.field_hashes.push_back(fh);
  }
  const json& util = a.raw("utilisation");
  if (!(util.is_null() || util.is_object())) {
    return Status::invalid("utilisation: expected null or an object");
  }
  r.utilisation = util;
  SILK_ASSIGN_OR_RETURN(const json* history, a.array("history"));
  for (const json& e : *history) {
    if (!e.is_object() || !e.contains("status") || !e["status"].is_string() ||
        !e.contains("at_ms") || !e["at_ms"].is_number_unsigned()) {
      return Status::invalid("history: an entry without status and at_ms");
    }
  }
  r.history = *history;
  SILK_ASSIGN_OR_RETURN(r.height, a.u64("height"));
  SILK_ASSIGN_OR_RETURN(r.tx_id, a.string("tx_id", kAny, 0));
  return r;
}

std::string DocumentRecord::status_at(uint64_t at_ms) const {
  if (at_ms < anchored_at_ms) return "NOT_ISSUED";
  if (history.empty()) return status;
  std::string s = "NOT_ISSUED";
  for (const json& e : history) {
    if (docs::u64_field(e, "at_ms") <= at_ms) s = docs::str_field(e, "status");
  }
  return s;
}

Result<std::optional<DocumentRecord>> load_document(ReadContext& ctx, std::string_view doc_id) {
  if (!is_doc_id(doc_id)) return std::optional<DocumentRecord>();
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                        ctx.get_from(docs::kContract, docs::doc_key(doc_id)));
  if (!stored) return std::optional<DocumentRecord>();
  const std::string where = "documents/doc/" + std::string(doc_id);
  SILK_ASSIGN_OR_RETURN(json j, parse_stored_object(where, *stored));
  Result<DocumentRecord> r = DocumentRecord::from_json(j);
  if (!r.is_ok()) return Status::corruption(where + ": " + r.status().message());
  return std::optional<DocumentRecord>(std::move(r).value());
}

// ---- shared descriptions (documents_internal.h) ----

namespace docs {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

bool has_any_role(const core::Member& m, const std::vector<std::string>& roles) {
  return std::any_of(roles.begin(), roles.end(),
                     [&m](const std::string& r) { return m.has_role(r); });
}

std::string describe_sender(const core::Member& m) {
  return "role " + (m.roles.empty() ? std::string("(none)") : join(m.roles)) + " of " +
         (m.org.empty() ? std::string("(no organisation)") : m.org);
}

std::string str_field(const json& e, std::string_view name) {
  auto it = e.find(name);
  return (it != e.end() && it->is_string()) ? it->get<std::string>() : std::string();
}

uint64_t u64_field(const json& e, std::string_view name) {
  auto it = e.find(name);
  return (it != e.end() && it->is_number_unsigned()) ? it->get<uint64_t>() : 0;
}

bool changes_status(const json& e) {
  const std::string event = str_field(e, "event");
  return event != "utilised" && event != "utilisation_inherited";
}

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

Result<DocumentType> require_type(ReadContext& ctx, std::string_view code) {
  SILK_ASSIGN_OR_RETURN(std::optional<DocumentType> t, find_document_type(ctx, code));
  if (!t) {
    return Status::not_found("type: unknown document type " + in_quotes(code) +
                             " (see the types query; admins add one with register_type)");
  }
  return std::move(*t);
}

Result<DocumentRecord> require_document(ReadContext& ctx, std::string_view doc_id) {
  SILK_ASSIGN_OR_RETURN(std::optional<DocumentRecord> r, load_document(ctx, doc_id));
  if (!r) return Status::not_found("doc_id: no document " + in_quotes(doc_id) + " on the ledger");
  return std::move(*r);
}

}  // namespace docs
}  // namespace silk::contracts
