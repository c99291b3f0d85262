// The `dataflow` contract (dataflow.h): data labels, export approvals and the transfer log.
//
// Methods (args are a JSON object; an unknown field is refused; every error names the field):
//   classify {doc_id, label: "general" | "important" | "core", personal_data?: bool, reason?}
//       by a member of the document's issuer organisation or a regulator of its jurisdiction.
//       Raise only: the label may not go below the effective one, personal_data not from true
//       to false (kInvalid); a call that raises nothing is kConflict. Stored at label/<doc_id>
//       {"doc_id", "label", "personal_data", "history": [{"label", "personal_data", "at_ms",
//       "height", "tx_id", "by", "reason"}]}. The document is read from documents/doc/<doc_id>.
//   file_approval {id, route, scope: {doc_types: [..], data_labels: [..], destinations: [CC..],
//                  recipients?: [org..]}, authority, reference?, valid_from_ms?: 0,
//                  valid_until_ms?: 0 (open)}
//       by any member with a jurisdiction: exporter_org = its organisation, from_jurisdiction =
//       its certificate's C. route: security_assessment | standard_contract | certification |
//       exemption | ftz_negative_list. data_labels: general | important | personal ("personal"
//       admits personal data; "core" is refused: core data never leaves). Important data needs
//       route security_assessment (CAC Measures 2022). Status "filed".
//   approve_approval {id, reason?}    filed -> approved
//   reject_approval {id, reason}      filed -> rejected
//   revoke_approval {id, reason}      approved -> revoked
//       by a regulator of the approval's from_jurisdiction.
//   share {doc_id, to_org, to_jurisdiction?, purpose}
//       by a member of the document's issuer organisation or of its eBL holder organisation
//       (ebl/record/<doc_id> "holder"). to_jurisdiction defaults to to_org's when to_org is a
//       consortium organisation (and must agree with it); it is required otherwise. Refused
//       with kUnauthorized unless may_cross_border allows it at the block time (the message names
//       the label and the approval missing). Logged at share/<doc_id>/<seq> (log_cross_border),
//       with events "shared" and, across a border, "cross_border".
//
// Queries (at_ms defaults to the tip's block time):
//   label {doc_id}                          {"doc_id", "label", "personal_data", "record_label",
//                                            "record_personal_data", "override": record | null}
//   approval {id, at_ms?}                   the record + "at_ms", "status_at", "since_ms",
//                                           "in_force" (approved and within validity at at_ms)
//   approvals {exporter_org?}               {"approvals": [record...]} by id
//   shares {doc_id}                         {"doc_id", "shares": [entry...]}: the logs of every
//                                           contract in kCrossBorderLogContracts, in chain order
//   may_share {doc_id, to_org, to_jurisdiction?, at_ms?, exporter_org?}
//       {"allowed", "approval_id", "reason", "label", "personal_data", "exporter_org",
//        "from_jurisdiction", "to_org", "to_jurisdiction", "at_ms"}; exporter_org defaults to
//       the document's issuer organisation, from_jurisdiction is that organisation's.
//
// Index keys (sorted JSON arrays): index/approvals, index/approvals/<org>.
#include "silk/contracts/dataflow.h"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "silk/contracts/args.h"
#include "silk/contracts/chain_config.h"
#include "silk/contracts/document_record.h"
#include "silk/contracts/ebl.h"
#include "silk/core/genesis.h"
#include "silk/core/x509.h"

namespace silk::contracts {
namespace {

using core::Result;
using core::Status;
using nlohmann::json;

constexpr std::string_view kContract = "dataflow";
constexpr size_t kMaxIdChars = 64;
constexpr size_t kMaxDocIdChars = 128;
constexpr size_t kMaxTextChars = 512;
constexpr size_t kMaxListItems = 64;

constexpr std::array<std::string_view, 3> kLabels = {"general", "important", "core"};
constexpr std::array<std::string_view, 5> kRoutes = {
    "security_assessment", "standard_contract", "certification", "exemption", "ftz_negative_list"};
constexpr std::array<std::string_view, 3> kScopeLabels = {"general", "important", "personal"};

template <typename C>
std::string join(const C& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ", ") + std::string(i);
  return s;
}
template <typename C>
bool contains(const C& v, std::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

int label_rank(std::string_view label) {
  for (size_t i = 0; i < kLabels.size(); ++i) {
    if (kLabels[i] == label) return static_cast<int>(i);
  }
  return -1;
}

bool is_valid_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdChars) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) return false;
  }
  return true;
}

bool is_valid_code(std::string_view code) {
  if (code.empty() || code.size() > kMaxIdChars) return false;
  for (char c : code) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

Result<std::string> req_doc_id(const json& args) {
  SILK_ASSIGN_OR_RETURN(std::string id,
                        req_string_arg(args, "doc_id", kMaxDocIdChars, "the document's id"));
  for (char c : id) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Status::invalid("doc_id: contains a control character");
    }
  }
  return id;
}

Result<std::string> req_id(const json& args, std::string_view name) {
  SILK_ASSIGN_OR_RETURN(std::string id, req_string_arg(args, name, kMaxIdChars, "an identifier"));
  if (!is_valid_id(id)) {
    return Status::invalid(std::string(name) + ": '" + id +
                           "' is not 1-64 of [A-Za-z0-9._-] starting with a letter or digit");
  }
  return id;
}

Result<std::string> req_org(const json& args, std::string_view name) {
  SILK_ASSIGN_OR_RETURN(std::string org,
                        req_string_arg(args, name, kMaxIdChars, "an organisation id"));
  if (!core::is_valid_org_id(org)) {
    return Status::invalid(std::string(name) + ": '" + org + "' is not an organisation id");
  }
  return org;
}

Result<std::optional<std::string>> opt_jurisdiction(const json& args, std::string_view name) {
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> cc, opt_string_arg(args, name, kMaxIdChars));
  if (cc && !core::is_valid_jurisdiction(*cc)) {
    return Status::invalid(std::string(name) + ": '" + *cc +
                           "' is not an ISO 3166-1 alpha-2 code (two upper-case letters)");
  }
  return cc;
}

// An array of distinct strings under scope.<name>, each passing `check`; sorted.
template <typename Check>
Result<std::vector<std::string>> string_list(const json& obj, std::string_view name, bool required,
                                             Check check) {
  const std::string field = "scope." + std::string(name);
  auto it = obj.find(name);
  std::vector<std::string> out;
  if (it == obj.end() || it->is_null()) {
    if (required) return Status::invalid(field + ": missing (a non-empty array of strings)");
    return out;
  }
  if (!it->is_array()) {
    return Status::invalid(field + ": expected an array of strings, got " + json_kind(*it));
  }
  if (required && it->empty()) return Status::invalid(field + ": must not be empty");
  if (it->size() > kMaxListItems) {
    return Status::invalid(field + ": " + std::to_string(it->size()) + " items, at most " +
                           std::to_string(kMaxListItems));
  }
  for (size_t i = 0; i < it->size(); ++i) {
    const json& v = (*it)[i];
    const std::string at = field + "[" + std::to_string(i) + "]";
    if (!v.is_string()) return Status::invalid(at + ": expected a string, got " + json_kind(v));
    std::string s = v.get<std::string>();
    SILK_RETURN_IF_ERROR(check(at, s));
    if (contains(out, s)) return Status::invalid(at + ": '" + s + "' is repeated");
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end());
  return out;
}

uint64_t uint_of(const json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
}
std::string string_of(const json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
std::vector<std::string> strings_of(const json& j) {
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const json& s : j) {
    if (s.is_string()) out.push_back(s.get<std::string>());
  }
  return out;
}

// ---- storage ----

std::string label_key(std::string_view doc_id) { return "label/" + std::string(doc_id); }
std::string approval_key(std::string_view id) { return "approval/" + std::string(id); }
constexpr std::string_view kApprovalIndex = "index/approvals";
std::string approval_index(std::string_view org) { return "index/approvals/" + std::string(org); }
std::string share_key(std::string_view doc_id, uint64_t seq) {
  return "share/" + std::string(doc_id) + "/" + std::to_string(seq);
}
std::string share_count_key(std::string_view doc_id) {
  return "share_count/" + std::string(doc_id);
}

Result<std::optional<json>> load_object(ReadContext& ctx, std::string_view contract,
                                        std::string_view key) {
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> value, ctx.get_from(contract, key));
  if (!value) return std::optional<json>();
  json j = json::parse(*value, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) {
    return Status::corruption(std::string(contract) + "/" + std::string(key) +
                              ": stored value is not a JSON object");
  }
  return std::optional<json>(std::move(j));
}

Result<std::vector<std::string>> load_index(ReadContext& ctx, std::string_view key) {
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> value, ctx.get_from(kContract, key));
  std::vector<std::string> out;
  if (!value) return out;
  json j = json::parse(*value, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array()) return Status::corruption("dataflow/" + std::string(key) + ": not an array");
  for (const json& s : j) {
    if (!s.is_string()) {
      return Status::corruption("dataflow/" + std::string(key) + ": non-string item");
    }
    out.push_back(s.get<std::string>());
  }
  return out;
}

Status add_to_index(TxContext& ctx, std::string_view key, const std::string& item) {
  SILK_ASSIGN_OR_RETURN(std::vector<std::string> items, load_index(ctx, key));
  auto pos = std::lower_bound(items.begin(), items.end(), item);
  if (pos != items.end() && *pos == item) return Status::ok();
  items.insert(pos, item);
  ctx.put(key, json(items).dump());
  return Status::ok();
}

Result<json> load_approval(ReadContext& ctx, const std::string& id) {
  SILK_ASSIGN_OR_RETURN(std::optional<json> a, load_object(ctx, kContract, approval_key(id)));
  if (!a) return Status::not_found("export approval " + id + " does not exist");
  if (!(*a)["history"].is_array() || !(*a)["scope"].is_object()) {
    return Status::corruption("dataflow/" + approval_key(id) + ": not an approval record");
  }
  return *a;
}

json history_entry(TxContext& ctx, std::string_view status, const std::string& reason) {
  json e = {{"status", status},
            {"at_ms", ctx.block_time_ms()},
            {"height", ctx.height()},
            {"tx_id", core::to_hex(ctx.tx_id())},
            {"by", ctx.sender().id_hex()}};
  if (!reason.empty()) e["reason"] = reason;
  return e;
}

const json* entry_at(const json& record, uint64_t at_ms) {
  const json* last = nullptr;
  for (const json& e : record["history"]) {
    if (uint_of(e, "at_ms") > at_ms) break;
    last = &e;
  }
  return last;
}

// ---- the document, as this contract needs it ----

struct DocInfo {
  std::string doc_id;
  std::string type;
  std::string issuer_org;
  std::string jurisdiction;
  std::string label;
  bool personal_data = false;
  std::string holder_org;  // the eBL holder, when the document is a transferable record
};

// What dataflow needs of a document, through the documents and ebl contracts' own readers.
Result<DocInfo> load_doc(ReadContext& ctx, const std::string& doc_id) {
  SILK_ASSIGN_OR_RETURN(std::optional<DocumentRecord> doc, load_document(ctx, doc_id));
  if (!doc) return Status::not_found("document " + doc_id + " is not on chain");
  DocInfo d;
  d.doc_id = doc_id;
  d.type = doc->type;
  d.issuer_org = doc->issuer_org;
  d.jurisdiction = doc->jurisdiction;
  d.label = doc->label;
  d.personal_data = doc->personal_data;
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> holder, ebl_holder_of(ctx, doc_id));
  if (holder) d.holder_org = *holder;
  return d;
}

std::string describe_sender(const core::Member& s) {
  std::string roles = join(s.roles);
  return "sender " + s.name + " (org " + s.org + ", roles " + (roles.empty() ? "none" : roles) +
         (s.jurisdiction.empty() ? std::string() : ", jurisdiction " + s.jurisdiction) + ")";
}

bool is_regulator_of(const core::Member& s, std::string_view cc) {
  return s.has_role("regulator") && !s.jurisdiction.empty() && s.jurisdiction == cc;
}

Status require_regulator(const core::Member& s, const std::string& cc, std::string_view action) {
  if (is_regulator_of(s, cc)) return Status::ok();
  std::string why;
  if (s.jurisdiction.empty()) {
    why = "has no jurisdiction (with-key members have none: the trade contracts need with-cert)";
  } else if (!s.has_role("regulator")) {
    why = "is not a regulator";
  } else {
    why = "is a regulator of " + s.jurisdiction;
  }
  return Status::unauthorized("only a regulator of " + cc + " may " + std::string(action) + ": " +
                              describe_sender(s) + " " + why + " [rule data.regulator]");
}

std::string describe_label(std::string_view label, bool personal) {
  return "label " + std::string(label) + (personal ? " with personal data" : "");
}

// Whether an approval's scope covers a transfer; "" when it does, else why not, with `stage`
// set to how far the scope got (destination 0, doc type 1, label 2, personal data 3,
// recipient 4), so the closest approval can be named.
std::string scope_gap(int* stage, const json& approval, std::string_view to_jurisdiction,
                      std::string_view recipient_org, std::string_view doc_type,
                      std::string_view label, bool personal_data) {
  const json& scope = approval["scope"];
  const std::string id = string_of(approval, "id");
  const std::vector<std::string> dests = strings_of(scope["destinations"]);
  const std::vector<std::string> docs = strings_of(scope["doc_types"]);
  const std::vector<std::string> labels = strings_of(scope["data_labels"]);
  const std::vector<std::string> recipients = strings_of(scope["recipients"]);
  *stage = 0;
  if (!contains(dests, to_jurisdiction)) {
    return "approval " + id + " does not cover destination " + std::string(to_jurisdiction) +
           " (covers: " + join(dests) + ")";
  }
  *stage = 1;
  if (!contains(docs, doc_type)) {
    return "approval " + id + " does not cover document type " + std::string(doc_type) +
           " (covers: " + join(docs) + ")";
  }
  *stage = 2;
  // General data leaves freely by itself: with personal information in it, the approval's
  // "personal" label is what it needs (an approval labelled personal covers personal data of any
  // label it lists, and of general data without listing it).
  const bool general_personal = label == "general" && personal_data;
  if (!general_personal && !contains(labels, label)) {
    return "approval " + id + " does not cover label " + std::string(label) +
           " (covers: " + join(labels) + ")";
  }
  *stage = 3;
  if (personal_data && !contains(labels, "personal")) {
    return "approval " + id + " does not cover personal data (covers: " + join(labels) + ")";
  }
  *stage = 4;
  if (!recipients.empty() && !contains(recipients, recipient_org)) {
    if (recipient_org.empty()) {
      return "approval " + id + " covers named recipients only (" + join(recipients) +
             "); no recipient was given";
    }
    return "approval " + id + " does not cover recipient " + std::string(recipient_org) +
           " (covers: " + join(recipients) + ")";
  }
  return "";
}

// Whether the approval is approved and within its validity at at_ms; "" when it is, else why not.
std::string force_gap(const json& approval, uint64_t at_ms) {
  const std::string id = string_of(approval, "id");
  const std::string when = core::format_time_ms(at_ms);
  const json* e = entry_at(approval, at_ms);
  if (e == nullptr) return "approval " + id + " was not yet filed at " + when;
  const std::string st = string_of(*e, "status");
  if (st != "approved") {
    const std::string reason = string_of(*e, "reason");
    return "approval " + id + " was " + st + (st == "filed" ? ", not yet approved," : "") + " at " +
           when + " (since " + core::format_time_ms(uint_of(*e, "at_ms")) +
           (reason.empty() ? std::string() : ": " + reason) + ")";
  }
  const uint64_t from = uint_of(approval, "valid_from_ms");
  const uint64_t until = uint_of(approval, "valid_until_ms");
  if (at_ms < from || (until != 0 && at_ms > until)) {
    return "approval " + id + " is valid from " + core::format_time_ms(from) + " until " +
           (until == 0 ? std::string("open") : core::format_time_ms(until)) + "; " + when +
           " is outside";
  }
  return "";
}

// The log entry of `t` as stored, without the seq.
json log_entry(TxContext& ctx, const CrossBorderTransfer& t) {
  return json{{"doc_id", t.doc_id},
              {"doc_type", t.doc_type},
              {"kind", t.kind},
              {"exporter_org", t.exporter_org},
              {"from_jurisdiction", t.from_jurisdiction},
              {"recipient_org", t.recipient_org},
              {"to_jurisdiction", t.to_jurisdiction},
              {"purpose", t.purpose},
              {"label", t.label},
              {"personal_data", t.personal_data},
              {"approval_id", t.approval_id},
              {"reason", t.reason},
              {"at_ms", ctx.block_time_ms()},
              {"height", ctx.height()},
              {"tx_index", ctx.tx_index()},
              {"tx_id", core::to_hex(ctx.tx_id())},
              {"by", ctx.sender().id_hex()}};
}

// Appends to the calling contract's log; returns the entry with its seq and contract.
Result<json> append_log(TxContext& ctx, const CrossBorderTransfer& t, bool emit_cross_border) {
  if (t.doc_id.empty()) return Status::invalid("cross-border log: doc_id must not be empty");
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> count_text, ctx.get(share_count_key(t.doc_id)));
  uint64_t count = 0;
  if (count_text) {
    json c = json::parse(*count_text, nullptr, /*allow_exceptions=*/false);
    if (!c.is_number_unsigned()) {
      return Status::corruption(share_count_key(t.doc_id) + ": not a count");
    }
    count = c.get<uint64_t>();
  }
  const uint64_t seq = count + 1;
  json entry = log_entry(ctx, t);
  entry["seq"] = seq;
  entry["contract"] = ctx.tx().contract;
  ctx.put(share_key(t.doc_id, seq), entry.dump());
  ctx.put(share_count_key(t.doc_id), json(seq).dump());
  if (emit_cross_border) ctx.emit("cross_border", entry.dump());
  return entry;
}

// The recipient's jurisdiction: a consortium organisation's own, else the one given.
Result<std::string> resolve_destination(ReadContext& ctx, const std::string& to_org,
                                        const std::optional<std::string>& given) {
  const OrgConfig* org = ctx.config().find_org(to_org);
  if (org != nullptr && !org->jurisdiction.empty()) {
    if (given && *given != org->jurisdiction) {
      return Status::invalid("to_jurisdiction: " + *given + " is not " + to_org +
                             "'s jurisdiction " + org->jurisdiction);
    }
    return org->jurisdiction;
  }
  if (!given) {
    return Status::invalid("to_jurisdiction: missing (" + to_org +
                           " is not a consortium organisation with a jurisdiction)");
  }
  return *given;
}

class Dataflow final : public Contract {
 public:
  std::string_view name() const override { return kContract; }

  Result<std::string> call(std::string_view method, const json& args, TxContext& ctx) override {
    if (method == "classify") return classify(args, ctx);
    if (method == "file_approval") return file_approval(args, ctx);
    if (method == "approve_approval") return decide(args, ctx, method, "filed", "approved");
    if (method == "reject_approval") return decide(args, ctx, method, "filed", "rejected");
    if (method == "revoke_approval") return decide(args, ctx, method, "approved", "revoked");
    if (method == "share") return share(args, ctx);
    return Status::not_found("dataflow has no method '" + std::string(method) + "'");
  }

  Result<std::string> query(std::string_view method, const json& args,
                            ReadContext& ctx) const override {
    if (method == "label") return q_label(args, ctx);
    if (method == "approval") return q_approval(args, ctx);
    if (method == "approvals") return q_approvals(args, ctx);
    if (method == "shares") return q_shares(args, ctx);
    if (method == "may_share") return q_may_share(args, ctx);
    return Contract::query(method, args, ctx);
  }

 private:
  static Result<std::string> classify(const json& args, TxContext& ctx) {
    SILK_RETURN_IF_ERROR(
        check_arg_fields(args, "classify", {"doc_id", "label", "personal_data", "reason"}));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, req_doc_id(args));
    SILK_ASSIGN_OR_RETURN(std::string label,
                          req_string_arg(args, "label", kMaxIdChars, join(kLabels)));
    if (label_rank(label) < 0) {
      return Status::invalid("label: '" + label + "' is not one of " + join(kLabels));
    }
    SILK_ASSIGN_OR_RETURN(std::optional<bool> personal, opt_bool_arg(args, "personal_data"));
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> reason,
                          opt_string_arg(args, "reason", kMaxTextChars));
    SILK_ASSIGN_OR_RETURN(DocInfo doc, load_doc(ctx, doc_id));
    const core::Member& s = ctx.sender();
    if (s.org != doc.issuer_org && !is_regulator_of(s, doc.jurisdiction)) {
      return Status::unauthorized("only a member of the issuer " + doc.issuer_org +
                                  " or a regulator of " + doc.jurisdiction +
                                  " may classify document " + doc_id + ": " + describe_sender(s) +
                                  " is neither [rule data.classify]");
    }
    SILK_ASSIGN_OR_RETURN(EffectiveLabel now,
                          effective_label(ctx, doc_id, doc.label, doc.personal_data));
    if (label_rank(label) < label_rank(now.label)) {
      return Status::invalid("label: document " + doc_id + " is " + now.label +
                             "; a label may only be raised, not lowered to " + label);
    }
    if (personal && !*personal && now.personal_data) {
      return Status::invalid("personal_data: document " + doc_id +
                             " contains personal data; the flag may not be cleared");
    }
    const bool new_personal = now.personal_data || personal.value_or(false);
    if (label == now.label && new_personal == now.personal_data) {
      return Status::conflict("document " + doc_id + " is already " +
                              describe_label(now.label, now.personal_data));
    }
    SILK_ASSIGN_OR_RETURN(std::optional<json> record,
                          load_object(ctx, kContract, label_key(doc_id)));
    if (!record) record = json{{"doc_id", doc_id}, {"history", json::array()}};
    (*record)["label"] = label;
    (*record)["personal_data"] = new_personal;
    json e = {{"label", label},
              {"personal_data", new_personal},
              {"at_ms", ctx.block_time_ms()},
              {"height", ctx.height()},
              {"tx_id", core::to_hex(ctx.tx_id())},
              {"by", s.id_hex()},
              {"reason", reason.value_or("")}};
    (*record)["history"].push_back(e);
    ctx.put(label_key(doc_id), record->dump());
    e["doc_id"] = doc_id;
    e["from_label"] = now.label;
    ctx.emit("classified", e.dump());
    return record->dump();
  }

  static Result<std::string> file_approval(const json& args, TxContext& ctx) {
    SILK_RETURN_IF_ERROR(check_arg_fields(
        args, "file_approval",
        {"id", "route", "scope", "authority", "reference", "valid_from_ms", "valid_until_ms"}));
    SILK_ASSIGN_OR_RETURN(std::string id, req_id(args, "id"));
    SILK_ASSIGN_OR_RETURN(std::string route,
                          req_string_arg(args, "route", kMaxIdChars, join(kRoutes)));
    if (!contains(kRoutes, route)) {
      return Status::invalid("route: '" + route + "' is not one of " + join(kRoutes));
    }
    auto sit = args.find("scope");
    if (sit == args.end() || !sit->is_object()) {
      return Status::invalid(
          "scope: expected an object {doc_types, data_labels, destinations, "
          "recipients}, got " +
          (sit == args.end() ? std::string("nothing") : json_kind(*sit)));
    }
    for (const auto& item : sit->items()) {
      if (item.key() != "doc_types" && item.key() != "data_labels" &&
          item.key() != "destinations" && item.key() != "recipients") {
        return Status::invalid("scope: unknown field '" + item.key() +
                               "' (scope takes doc_types, data_labels, destinations, recipients)");
      }
    }
    SILK_ASSIGN_OR_RETURN(
        std::vector<std::string> doc_types,
        string_list(*sit, "doc_types", true, [](const std::string& at, const std::string& s) {
          return is_valid_code(s) ? Status::ok()
                                  : Status::invalid(at + ": '" + s.substr(0, 64) +
                                                    "' is not a document type code");
        }));
    SILK_ASSIGN_OR_RETURN(
        std::vector<std::string> labels,
        string_list(*sit, "data_labels", true, [](const std::string& at, const std::string& s) {
          if (s == "core") {
            return Status::invalid(at + ": core data never leaves; no approval can cover it");
          }
          return contains(kScopeLabels, s)
                     ? Status::ok()
                     : Status::invalid(at + ": '" + s.substr(0, 64) + "' is not one of " +
                                       join(kScopeLabels));
        }));
    SILK_ASSIGN_OR_RETURN(
        std::vector<std::string> dests,
        string_list(*sit, "destinations", true, [](const std::string& at, const std::string& s) {
          return core::is_valid_jurisdiction(s)
                     ? Status::ok()
                     : Status::invalid(at + ": '" + s.substr(0, 64) +
                                       "' is not an ISO 3166-1 alpha-2 code");
        }));
    SILK_ASSIGN_OR_RETURN(
        std::vector<std::string> recipients,
        string_list(*sit, "recipients", false, [](const std::string& at, const std::string& s) {
          return core::is_valid_org_id(s) ? Status::ok()
                                          : Status::invalid(at + ": '" + s.substr(0, 64) +
                                                            "' is not an organisation id");
        }));
    if (contains(labels, "important") && route != "security_assessment") {
      return Status::invalid(
          "route: important data leaves only after a security_assessment "
          "(CAC Measures 2022), not " +
          route);
    }
    SILK_ASSIGN_OR_RETURN(
        std::string authority,
        req_string_arg(args, "authority", kMaxTextChars, "the approving authority, e.g. CAC"));
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> reference,
                          opt_string_arg(args, "reference", kMaxTextChars));
    SILK_ASSIGN_OR_RETURN(std::optional<uint64_t> from, opt_u64_arg(args, "valid_from_ms"));
    SILK_ASSIGN_OR_RETURN(std::optional<uint64_t> until, opt_u64_arg(args, "valid_until_ms"));
    const uint64_t valid_from = from.value_or(0);
    const uint64_t valid_until = until.value_or(0);
    if (valid_until != 0 && valid_until < valid_from) {
      return Status::invalid("valid_until_ms " + core::format_time_ms(valid_until) +
                             " is before valid_from_ms " + core::format_time_ms(valid_from));
    }
    const core::Member& s = ctx.sender();
    if (s.jurisdiction.empty()) {
      return Status::unauthorized("file_approval: " + describe_sender(s) +
                                  " has no jurisdiction to export from (with-key members have "
                                  "none: the trade contracts need with-cert)");
    }
    SILK_ASSIGN_OR_RETURN(std::optional<json> existing,
                          load_object(ctx, kContract, approval_key(id)));
    if (existing) {
      return Status::conflict("export approval " + id + " already exists (" +
                              string_of(*existing, "status") + ", filed by " +
                              string_of(*existing, "exporter_org") + ")");
    }
    json record = {{"id", id},
                   {"exporter_org", s.org},
                   {"from_jurisdiction", s.jurisdiction},
                   {"route", route},
                   {"scope",
                    {{"doc_types", doc_types},
                     {"data_labels", labels},
                     {"destinations", dests},
                     {"recipients", recipients}}},
                   {"authority", authority},
                   {"reference", reference.value_or("")},
                   {"valid_from_ms", valid_from},
                   {"valid_until_ms", valid_until},
                   {"status", "filed"},
                   {"history", json::array({history_entry(ctx, "filed", "")})}};
    ctx.put(approval_key(id), record.dump());
    SILK_RETURN_IF_ERROR(add_to_index(ctx, kApprovalIndex, id));
    SILK_RETURN_IF_ERROR(add_to_index(ctx, approval_index(s.org), id));
    ctx.emit("approval_filed", json{{"id", id}, {"exporter_org", s.org}, {"route", route}}.dump());
    return record.dump();
  }

  // approve_approval, reject_approval, revoke_approval.
  static Result<std::string> decide(const json& args, TxContext& ctx, std::string_view method,
                                    std::string_view from, std::string_view to) {
    SILK_RETURN_IF_ERROR(check_arg_fields(args, method, {"id", "reason"}));
    SILK_ASSIGN_OR_RETURN(std::string id, req_id(args, "id"));
    std::string reason;
    if (to == "approved") {
      SILK_ASSIGN_OR_RETURN(std::optional<std::string> r,
                            opt_string_arg(args, "reason", kMaxTextChars));
      reason = r.value_or("");
    } else {
      SILK_ASSIGN_OR_RETURN(reason, req_string_arg(args, "reason", kMaxTextChars,
                                                   "why the approval is " + std::string(to)));
    }
    SILK_ASSIGN_OR_RETURN(json record, load_approval(ctx, id));
    const std::string verb(method.substr(0, method.find('_')));  // approve, reject, revoke
    SILK_RETURN_IF_ERROR(require_regulator(ctx.sender(), string_of(record, "from_jurisdiction"),
                                           verb + " export approval " + id));
    const std::string status = string_of(record, "status");
    if (status != from) {
      return Status::conflict("export approval " + id + " is " + status + ", not " +
                              std::string(from));
    }
    record["status"] = to;
    record["history"].push_back(history_entry(ctx, to, reason));
    ctx.put(approval_key(id), record.dump());
    ctx.emit(
        "approval_" + std::string(to),
        json{{"id", id}, {"exporter_org", string_of(record, "exporter_org")}, {"reason", reason}}
            .dump());
    return record.dump();
  }

  static Result<std::string> share(const json& args, TxContext& ctx) {
    SILK_RETURN_IF_ERROR(
        check_arg_fields(args, "share", {"doc_id", "to_org", "to_jurisdiction", "purpose"}));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, req_doc_id(args));
    SILK_ASSIGN_OR_RETURN(std::string to_org, req_org(args, "to_org"));
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> to_given,
                          opt_jurisdiction(args, "to_jurisdiction"));
    SILK_ASSIGN_OR_RETURN(std::string purpose,
                          req_string_arg(args, "purpose", kMaxTextChars, "why it is shared"));
    SILK_ASSIGN_OR_RETURN(std::string to_jurisdiction, resolve_destination(ctx, to_org, to_given));
    SILK_ASSIGN_OR_RETURN(DocInfo doc, load_doc(ctx, doc_id));
    const core::Member& s = ctx.sender();
    if (s.org != doc.issuer_org && (doc.holder_org.empty() || s.org != doc.holder_org)) {
      return Status::unauthorized(
          "only a member of the issuer " + doc.issuer_org +
          (doc.holder_org.empty() ? std::string() : " or of the holder " + doc.holder_org) +
          " may share document " + doc_id + ": " + describe_sender(s) +
          " is not [rule data.share]");
    }
    if (s.jurisdiction.empty()) {
      return Status::unauthorized("share: " + describe_sender(s) +
                                  " has no jurisdiction (the trade contracts need with-cert)");
    }
    SILK_ASSIGN_OR_RETURN(EffectiveLabel label,
                          effective_label(ctx, doc_id, doc.label, doc.personal_data));
    SILK_ASSIGN_OR_RETURN(
        DataDecision decision,
        may_cross_border(ctx, s.org, s.jurisdiction, to_jurisdiction, to_org, doc.type, label.label,
                         label.personal_data, ctx.block_time_ms()));
    if (!decision.allowed) {
      return Status::unauthorized("document " + doc_id + " may not be shared with " + to_org +
                                  " in " + to_jurisdiction + ": " + decision.reason +
                                  " [rule data.export]");
    }
    CrossBorderTransfer t{doc_id,
                          doc.type,
                          "share",
                          s.org,
                          s.jurisdiction,
                          to_org,
                          to_jurisdiction,
                          purpose,
                          label.label,
                          label.personal_data,
                          decision.approval_id,
                          decision.reason};
    SILK_ASSIGN_OR_RETURN(
        json entry, append_log(ctx, t, /*emit_cross_border=*/s.jurisdiction != to_jurisdiction));
    ctx.emit("shared", entry.dump());
    return entry.dump();
  }

  // ---- queries ----

  static Result<std::string> q_label(const json& args, ReadContext& ctx) {
    SILK_RETURN_IF_ERROR(check_arg_fields(args, "label", {"doc_id"}));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, req_doc_id(args));
    SILK_ASSIGN_OR_RETURN(DocInfo doc, load_doc(ctx, doc_id));
    SILK_ASSIGN_OR_RETURN(EffectiveLabel label,
                          effective_label(ctx, doc_id, doc.label, doc.personal_data));
    SILK_ASSIGN_OR_RETURN(std::optional<json> override_record,
                          load_object(ctx, kContract, label_key(doc_id)));
    return json{{"doc_id", doc_id},
                {"label", label.label},
                {"personal_data", label.personal_data},
                {"record_label", doc.label},
                {"record_personal_data", doc.personal_data},
                {"override", override_record ? *override_record : json(nullptr)}}
        .dump();
  }

  static Result<std::string> q_approval(const json& args, ReadContext& ctx) {
    SILK_RETURN_IF_ERROR(check_arg_fields(args, "approval", {"id", "at_ms"}));
    SILK_ASSIGN_OR_RETURN(std::string id, req_id(args, "id"));
    SILK_ASSIGN_OR_RETURN(std::optional<uint64_t> at, opt_u64_arg(args, "at_ms"));
    const uint64_t at_ms = at.value_or(ctx.block_time_ms());
    SILK_ASSIGN_OR_RETURN(json record, load_approval(ctx, id));
    const json* e = entry_at(record, at_ms);
    record["at_ms"] = at_ms;
    record["status_at"] = e ? string_of(*e, "status") : std::string("not_filed");
    record["since_ms"] = e ? uint_of(*e, "at_ms") : 0;
    record["in_force"] = force_gap(record, at_ms).empty();
    return record.dump();
  }

  static Result<std::string> q_approvals(const json& args, ReadContext& ctx) {
    SILK_RETURN_IF_ERROR(check_arg_fields(args, "approvals", {"exporter_org"}));
    std::string index(kApprovalIndex);
    if (args.contains("exporter_org") && !args["exporter_org"].is_null()) {
      SILK_ASSIGN_OR_RETURN(std::string org, req_org(args, "exporter_org"));
      index = approval_index(org);
    }
    SILK_ASSIGN_OR_RETURN(std::vector<std::string> ids, load_index(ctx, index));
    json out = json::array();
    for (const std::string& id : ids) {
      SILK_ASSIGN_OR_RETURN(json record, load_approval(ctx, id));
      out.push_back(std::move(record));
    }
    return json{{"approvals", out}}.dump();
  }

  static Result<std::string> q_shares(const json& args, ReadContext& ctx) {
    SILK_RETURN_IF_ERROR(check_arg_fields(args, "shares", {"doc_id"}));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, req_doc_id(args));
    SILK_ASSIGN_OR_RETURN(json out, cross_border_log(ctx, doc_id));
    return json{{"doc_id", doc_id}, {"shares", out}}.dump();
  }

  static Result<std::string> q_may_share(const json& args, ReadContext& ctx) {
    SILK_RETURN_IF_ERROR(check_arg_fields(
        args, "may_share", {"doc_id", "to_org", "to_jurisdiction", "at_ms", "exporter_org"}));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, req_doc_id(args));
    SILK_ASSIGN_OR_RETURN(std::string to_org, req_org(args, "to_org"));
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> to_given,
                          opt_jurisdiction(args, "to_jurisdiction"));
    SILK_ASSIGN_OR_RETURN(std::optional<uint64_t> at, opt_u64_arg(args, "at_ms"));
    const uint64_t at_ms = at.value_or(ctx.block_time_ms());
    SILK_ASSIGN_OR_RETURN(std::string to_jurisdiction, resolve_destination(ctx, to_org, to_given));
    SILK_ASSIGN_OR_RETURN(DocInfo doc, load_doc(ctx, doc_id));
    std::string exporter = doc.issuer_org;
    if (args.contains("exporter_org") && !args["exporter_org"].is_null()) {
      SILK_ASSIGN_OR_RETURN(exporter, req_org(args, "exporter_org"));
    }
    const OrgConfig* org = ctx.config().find_org(exporter);
    const std::string from_jurisdiction =
        org != nullptr && !org->jurisdiction.empty() ? org->jurisdiction : doc.jurisdiction;
    SILK_ASSIGN_OR_RETURN(EffectiveLabel label,
                          effective_label(ctx, doc_id, doc.label, doc.personal_data));
    SILK_ASSIGN_OR_RETURN(
        DataDecision decision,
        may_cross_border(ctx, exporter, from_jurisdiction, to_jurisdiction, to_org, doc.type,
                         label.label, label.personal_data, at_ms));
    return json{{"allowed", decision.allowed},
                {"approval_id", decision.approval_id},
                {"reason", decision.reason},
                {"doc_id", doc_id},
                {"label", label.label},
                {"personal_data", label.personal_data},
                {"exporter_org", exporter},
                {"from_jurisdiction", from_jurisdiction},
                {"to_org", to_org},
                {"to_jurisdiction", to_jurisdiction},
                {"at_ms", at_ms}}
        .dump();
  }
};

}  // namespace

std::unique_ptr<Contract> make_dataflow_contract() { return std::make_unique<Dataflow>(); }

Result<EffectiveLabel> effective_label(ReadContext& ctx, std::string_view doc_id,
                                       std::string_view record_label, bool record_personal) {
  if (label_rank(record_label) < 0) {
    return Status::invalid("document " + std::string(doc_id) + ": label '" +
                           std::string(record_label).substr(0, 64) + "' is not one of " +
                           join(kLabels));
  }
  EffectiveLabel out{std::string(record_label), record_personal};
  SILK_ASSIGN_OR_RETURN(std::optional<json> o, load_object(ctx, kContract, label_key(doc_id)));
  if (!o) return out;
  const std::string label = string_of(*o, "label");
  if (label_rank(label) < 0) {
    return Status::corruption("dataflow/" + label_key(doc_id) + ": label '" + label +
                              "' is not one of " + join(kLabels));
  }
  if (label_rank(label) > label_rank(out.label)) out.label = label;
  auto pd = o->find("personal_data");
  if (pd != o->end() && pd->is_boolean() && pd->get<bool>()) out.personal_data = true;
  return out;
}

Result<DataDecision> may_cross_border(ReadContext& ctx, std::string_view exporter_org,
                                      std::string_view from_jurisdiction,
                                      std::string_view to_jurisdiction,
                                      std::string_view recipient_org, std::string_view doc_type,
                                      std::string_view label, bool personal_data, uint64_t at_ms) {
  DataDecision out;
  if (label_rank(label) < 0) {
    return Status::invalid("label: '" + std::string(label).substr(0, 64) + "' is not one of " +
                           join(kLabels));
  }
  const std::string from(from_jurisdiction), to(to_jurisdiction);
  const std::string what = describe_label(label, personal_data);
  if (from == to) {
    out.allowed = true;
    out.reason = "same jurisdiction " + from + ": no cross-border transfer";
    return out;
  }
  if (label == "core") {
    out.reason = what + ": core data never leaves " + from + " (Data Security Law art. 21)";
    return out;
  }
  if (label == "general" && !personal_data) {
    out.allowed = true;
    out.reason = what + " leaves " + from + " freely";
    return out;
  }
  const std::string need =
      what + " leaves " + from + " for " + to +
      " only under an export approval in force covering " + std::string(doc_type) + " to " +
      (recipient_org.empty() ? "any recipient in " + to : std::string(recipient_org));
  std::vector<std::string> ids;
  if (core::is_valid_org_id(exporter_org)) {
    SILK_ASSIGN_OR_RETURN(ids, load_index(ctx, approval_index(exporter_org)));
  }
  int best_stage = -1;
  std::string best_why;
  for (const std::string& id : ids) {
    SILK_ASSIGN_OR_RETURN(json a, load_approval(ctx, id));
    if (string_of(a, "from_jurisdiction") != from) continue;
    int scope_stage = 0;
    const std::string scope =
        scope_gap(&scope_stage, a, to, recipient_org, doc_type, label, personal_data);
    const std::string force = scope.empty() ? force_gap(a, at_ms) : std::string();
    if (scope.empty() && force.empty()) {
      out.allowed = true;
      out.approval_id = id;
      out.reason =
          what + " leaves " + from + " for " + to + " under export approval " + id + " (" +
          string_of(a, "route") + ", " + string_of(a, "authority") +
          (string_of(a, "reference").empty() ? std::string() : " " + string_of(a, "reference")) +
          ")";
      return out;
    }
    const int stage = scope.empty() ? 5 : scope_stage;
    if (stage > best_stage) {
      best_stage = stage;
      best_why = scope.empty() ? force : scope;
    }
  }
  if (best_stage < 0) {
    out.reason = need + "; " + std::string(exporter_org) + " has filed none from " + from;
  } else {
    out.reason = need + "; " + best_why;
  }
  return out;
}

Status log_cross_border(TxContext& ctx, const CrossBorderTransfer& t) {
  return append_log(ctx, t, /*emit_cross_border=*/true).status();
}

Result<json> cross_border_log(ReadContext& ctx, std::string_view doc_id_view) {
  const std::string doc_id(doc_id_view);
  std::vector<std::tuple<uint64_t, uint64_t, std::string, uint64_t, json>> all;
  for (std::string_view contract : kCrossBorderLogContracts) {
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> count_text,
                          ctx.get_from(contract, share_count_key(doc_id)));
    if (!count_text) continue;
    json c = json::parse(*count_text, nullptr, /*allow_exceptions=*/false);
    if (!c.is_number_unsigned()) {
      return Status::corruption(std::string(contract) + "/" + share_count_key(doc_id) +
                                ": not a count");
    }
    for (uint64_t seq = 1; seq <= c.get<uint64_t>(); ++seq) {
      SILK_ASSIGN_OR_RETURN(std::optional<json> entry,
                            load_object(ctx, contract, share_key(doc_id, seq)));
      if (!entry) {
        return Status::corruption(std::string(contract) + "/" + share_key(doc_id, seq) +
                                  ": missing from the log");
      }
      all.emplace_back(uint_of(*entry, "height"), uint_of(*entry, "tx_index"),
                       std::string(contract), seq, std::move(*entry));
    }
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return std::tie(std::get<0>(a), std::get<1>(a), std::get<2>(a), std::get<3>(a)) <
           std::tie(std::get<0>(b), std::get<1>(b), std::get<2>(b), std::get<3>(b));
  });
  json out = json::array();
  for (auto& e : all) out.push_back(std::move(std::get<4>(e)));
  return out;
}

}  // namespace silk::contracts
