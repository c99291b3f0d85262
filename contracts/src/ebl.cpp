// The `ebl` contract (ebl.h): electronic transferable records (DCSA eBL 3.x, UNCITRAL MLETR).
//
// Methods (args are a JSON object; unknown fields are refused):
//   issue              {doc_id, holder (org), owner? (org), to_order? (bool)}
//                      by a member of the carrier (the issuer organisation of the documents
//                      record, which must be ACTIVE and of a transferable type). owner and
//                      to_order exclude each other; with neither, the holder is also the owner.
//                      -> ISSUED, chain [ISSUE].
//   endorse            {doc_id, to (org)} by the holder, who must be entitled (see below): names
//                      `to` the new owner (endorsee) and delivers control to it: owner and holder
//                      become `to`. -> ENDORSE.
//   endorse_to_order   {doc_id} by the entitled holder: the record runs "to order" (owner "");
//                      the holder keeps control and passes title by a later endorse or transfer.
//                      -> ENDORSE_TO_ORDER.
//   blank_endorse      {doc_id} by the entitled holder: a bearer record (owner ""); whoever holds
//                      it is entitled, so a transfer passes title. -> BLANK_ENDORSE.
//   transfer           {doc_id, to (org)} by the holder: control (possession) passes to `to`; the
//                      owner is unchanged (a named owner stays the owner, e.g. while a bank holds
//                      the record as pledgee). -> TRANSFER.
//   request_surrender  {doc_id, purpose: "delivery" | "amendment"} by the entitled holder:
//                      control passes to the carrier pending its answer.
//                      -> PENDING_SURRENDER_FOR_DELIVERY / _FOR_AMENDMENT,
//                      chain SURRENDER_FOR_DELIVERY / SURRENDER_FOR_AMENDMENT.
//   accept_surrender   {doc_id, reason?} by the carrier -> SURRENDERED_FOR_*, chain SURRENDERED.
//   reject_surrender   {doc_id, reason?} by the carrier: control returns to the organisation that
//                      requested the surrender -> ISSUED, chain SURRENDER_REJECTED.
//   void               {doc_id, reason} by the carrier while it controls the record
//                      (SURRENDERED_FOR_AMENDMENT, or ISSUED and held by the carrier).
//                      -> VOIDED, chain VOIDED. An amendment surrenders and voids the old eBL and
//                      issues a new one (a new documents record that supersedes the old).
// Queries:
//   record {doc_id}    the record (ebl.h), plus "held": the trade hold or null.
//   chain  {doc_id}    {"doc_id", "status", "holder", "owner", "chain": [link...]}: every link,
//                      oldest first, each {"action", "actor" (org), "recipient" (org: who controls
//                      the record after the link), "owner" (after the link), "at_ms", "height",
//                      "tx_id", "member" (the sender's fingerprint or key), "reason"?}.
//
// Entitlement: the holder is entitled (may endorse or surrender) when it is the named owner, or
// when the record names no owner (to order or blank-endorsed). Only the holder acts, apart from
// the carrier's answers and void; exactly one organisation controls the record at any time.
// A hold by the trade contract (trade/hold/<doc_id>) refuses every action, naming the deal and
// the dispute. A change of control to an organisation in another jurisdiction (issue, endorse,
// transfer) must pass dataflow's may_cross_border for the document's type and effective label
// (dataflow.classify may raise it); an allowed one is logged with log_cross_border at
// ebl/share/<doc_id>/<seq> (kind "transfer", purpose "eBL issue|endorse|transfer"), which
// dataflow's `shares` query lists.
// Errors: kInvalid (bad args), kNotFound (no document / no eBL), kUnauthorized (wrong actor,
// cross-border refusal), kConflict (duplicate issue, wrong status, held).
#include "silk/contracts/ebl.h"

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rules.h"
#include "silk/contracts/args.h"
#include "silk/contracts/chain_config.h"
#include "silk/contracts/dataflow.h"
#include "silk/contracts/documents.h"
#include "silk/contracts/trade.h"
#include "silk/core/x509.h"

namespace silk::contracts {
namespace {

using core::Result;
using core::Status;
using nlohmann::json;

constexpr std::string_view kContract = "ebl";
constexpr size_t kMaxReasonChars = 512;

constexpr std::string_view kIssued = "ISSUED";
constexpr std::string_view kPendingDelivery = "PENDING_SURRENDER_FOR_DELIVERY";
constexpr std::string_view kPendingAmendment = "PENDING_SURRENDER_FOR_AMENDMENT";
constexpr std::string_view kSurrenderedDelivery = "SURRENDERED_FOR_DELIVERY";
constexpr std::string_view kSurrenderedAmendment = "SURRENDERED_FOR_AMENDMENT";
constexpr std::string_view kVoided = "VOIDED";

std::string record_key(std::string_view doc_id) { return "record/" + std::string(doc_id); }

Result<std::string> opt_reason(const Args& a, bool required) {
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> reason, a.opt_string("reason", kMaxReasonChars));
  if (!reason || reason->empty()) {
    if (required) return Status::invalid("reason: missing");
    return std::string();
  }
  return *reason;
}

// An organisation of the consortium named by field `name`.
Result<std::string> parse_org(const Args& a, std::string_view name, ReadContext& ctx) {
  SILK_ASSIGN_OR_RETURN(std::string org, read_org_id(a, name));
  const std::vector<std::string> ids = ctx.config().org_ids();
  if (!std::binary_search(ids.begin(), ids.end(), org)) {
    return Status::invalid(a.path(name) + ": '" + org +
                           "' is not an organisation of the consortium");
  }
  return org;
}

// An organisation's jurisdiction: the configuration's, else (with-key) "".
std::string jurisdiction_of(ReadContext& ctx, std::string_view org) {
  const OrgConfig* o = ctx.config().find_org(org);
  return o != nullptr ? o->jurisdiction : std::string();
}

// Whether documents type `code` is transferable (an unknown type is not).
Result<bool> is_transferable(ReadContext& ctx, const std::string& code) {
  SILK_ASSIGN_OR_RETURN(std::optional<DocumentType> type, find_document_type(ctx, code));
  return type.has_value() && type->transferable;
}

std::string transferable_codes() {
  std::string list;
  for (const DocumentType& t : seed_document_types()) {
    if (t.transferable) list += (list.empty() ? "" : ", ") + t.code;
  }
  return list;
}

Result<DocumentRecord> load_doc(ReadContext& ctx, const std::string& doc_id) {
  SILK_ASSIGN_OR_RETURN(std::optional<DocumentRecord> doc, load_document(ctx, doc_id));
  if (!doc) {
    return Status::not_found("document " + doc_id +
                             " is not recorded in documents; the carrier issues it there first");
  }
  return std::move(*doc);
}

// The trade contract's hold on the record, refused as a conflict naming the deal and dispute.
Status check_not_held(ReadContext& ctx, const std::string& doc_id, std::string_view action) {
  SILK_ASSIGN_OR_RETURN(json hold, hold_of(ctx, doc_id));
  if (hold.is_null()) return Status::ok();
  const std::string deal = hold.value("deal_id", std::string("?"));
  const std::string reason = hold.value("reason", std::string());
  const uint64_t since_ms = hold.value("since_ms", uint64_t{0});
  return Status::conflict("eBL " + doc_id + " is held by deal " + deal + " under dispute" +
                          (since_ms == 0 ? "" : " since " + core::format_time_ms(since_ms)) +
                          (reason.empty() ? "" : " (" + reason + ")") + "; " + std::string(action) +
                          " waits for the arbitrator's decision");
}

struct Ebl {
  json rec;

  std::string str(const char* name) const {
    auto it = rec.find(name);
    return it != rec.end() && it->is_string() ? it->get<std::string>() : std::string();
  }
  std::string doc_id() const { return str("doc_id"); }
  std::string holder() const { return str("holder"); }
  std::string owner() const { return str("owner"); }
  std::string carrier() const { return str("carrier_org"); }
  std::string status() const { return str("status"); }
  bool entitled() const { return owner().empty() || owner() == holder(); }
};

Result<std::optional<Ebl>> load_ebl(ReadContext& ctx, const std::string& doc_id) {
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> value, ctx.get(record_key(doc_id)));
  if (!value) return std::optional<Ebl>();
  json rec = json::parse(*value, nullptr, /*allow_exceptions=*/false);
  if (!rec.is_object() || !rec.contains("chain") || !rec["chain"].is_array()) {
    return Status::corruption("ebl/" + record_key(doc_id) + ": stored value is not an eBL record");
  }
  return std::optional<Ebl>(Ebl{std::move(rec)});
}

Result<Ebl> require_ebl(ReadContext& ctx, const std::string& doc_id) {
  SILK_ASSIGN_OR_RETURN(std::optional<Ebl> e, load_ebl(ctx, doc_id));
  if (!e) {
    return Status::not_found("no eBL for document " + doc_id +
                             "; its carrier issues one with ebl.issue");
  }
  return std::move(*e);
}

Status need_status(const Ebl& e, std::string_view action,
                   std::initializer_list<std::string_view> allowed) {
  const std::string s = e.status();
  if (std::find(allowed.begin(), allowed.end(), s) != allowed.end()) return Status::ok();
  std::string list;
  for (std::string_view a : allowed) list += (list.empty() ? "" : " or ") + std::string(a);
  return Status::conflict("eBL " + e.doc_id() + " is " + s + "; " + std::string(action) +
                          " needs " + list);
}

std::string describe_member(const core::Member& m) {
  std::string roles;
  for (const std::string& r : m.roles) roles += (roles.empty() ? "" : ",") + r;
  return "role " + (roles.empty() ? std::string("(none)") : roles) + " of " + m.org;
}

// The holder's actions are signed by the holder's authorised signers: a member of the holder
// organisation with role client or issuer (not its arbitrator, auditor, regulator or node).
Status need_holder(const Ebl& e, TxContext& ctx, std::string_view action) {
  const core::Member& m = ctx.sender();
  // A surrendered or void bill is spent: nobody acts on it any more, whoever asks.
  if (e.status() == kSurrenderedDelivery || e.status() == kSurrenderedAmendment ||
      e.status() == kVoided) {
    return Status::conflict("eBL " + e.doc_id() + " is " + e.status() +
                            ": it is no live title any more (" +
                            (e.status() == kSurrenderedDelivery ? "evidence of delivery"
                             : e.status() == kVoided            ? "void"
                                                                : "awaiting its amendment") +
                            "); " + std::string(action) + " needs ISSUED");
  }
  if (m.org != e.holder()) {
    return refuse(Status::Code::kUnauthorized, "ebl.holder",
                  "only the holder " + e.holder() + " controls eBL " + e.doc_id() + "; " +
                      describe_member(m) + " may not " + std::string(action) + " it");
  }
  if (!m.has_role("client") && !m.has_role("issuer")) {
    return refuse(Status::Code::kUnauthorized, "ebl.holder",
                  describe_member(m) + " may not " + std::string(action) + " eBL " + e.doc_id() +
                      ": the holder's authorised signers are its client and issuer roles");
  }
  return Status::ok();
}

Status need_entitled(const Ebl& e, std::string_view action) {
  if (e.entitled()) return Status::ok();
  return Status::unauthorized(e.holder() + " holds eBL " + e.doc_id() + " but " + e.owner() +
                              " owns it; " + std::string(action) +
                              " needs the owner to hold it (or a to-order or blank endorsement)");
}

// The carrier's steps are signed by the carrier organisation's members with one of the bill's
// document type's issuer roles (bill_of_lading: issuer).
Status need_carrier_signer(ReadContext& ctx, const core::Member& m, const std::string& carrier,
                           const std::string& doc_id, const std::string& doc_type,
                           std::string_view action) {
  if (m.org != carrier) {
    return refuse(Status::Code::kUnauthorized, "ebl.carrier",
                  "only the carrier " + carrier + " may " + std::string(action) + " eBL " + doc_id +
                      "; " + describe_member(m) + " is not the carrier");
  }
  SILK_ASSIGN_OR_RETURN(std::optional<DocumentType> type, find_document_type(ctx, doc_type));
  const std::vector<std::string> roles =
      type ? type->issuer_roles : std::vector<std::string>{"issuer"};
  for (const std::string& r : roles) {
    if (m.has_role(r)) return Status::ok();
  }
  std::string list;
  for (const std::string& r : roles) list += (list.empty() ? "" : " or ") + r;
  return refuse(Status::Code::kUnauthorized, "ebl.carrier",
                describe_member(m) + " may not " + std::string(action) + " eBL " + doc_id +
                    ": the carrier acts through its " + list + " role (who issues " + doc_type +
                    ")");
}

Status need_carrier(const Ebl& e, TxContext& ctx, std::string_view action) {
  return need_carrier_signer(ctx, ctx.sender(), e.carrier(), e.doc_id(),
                             e.str("doc_type").empty() ? "bill_of_lading" : e.str("doc_type"),
                             action);
}

// The holder's actions need the documents record to be ACTIVE.
Status need_active_document(const DocumentRecord& doc, std::string_view action) {
  if (doc.status == "ACTIVE") return Status::ok();
  return Status::conflict("document " + doc.doc_id + " is " + doc.status + "; " +
                          std::string(action) + " needs it ACTIVE");
}

// A change of control from `from_org` to `to_org` across jurisdictions passes dataflow's rules
// for the document's effective label, and is logged (ebl/share/<doc_id>/<seq>) when it does.
Status check_cross_border(TxContext& ctx, const DocumentRecord& doc, const std::string& from_org,
                          const std::string& to_org, std::string_view action) {
  const std::string from_j = jurisdiction_of(ctx, from_org);
  const std::string to_j = jurisdiction_of(ctx, to_org);
  if (from_j == to_j) return Status::ok();
  SILK_ASSIGN_OR_RETURN(EffectiveLabel label,
                        effective_label(ctx, doc.doc_id, doc.label, doc.personal_data));
  SILK_ASSIGN_OR_RETURN(DataDecision decision,
                        may_cross_border(ctx, from_org, from_j, to_j, to_org, doc.type, label.label,
                                         label.personal_data, ctx.block_time_ms()));
  if (!decision.allowed) {
    return Status::unauthorized(std::string(action) + " of eBL " + doc.doc_id + " from " +
                                from_org + " (" + from_j + ") to " + to_org + " (" + to_j +
                                ") refused by dataflow: " + decision.reason);
  }
  CrossBorderTransfer t;
  t.doc_id = doc.doc_id;
  t.doc_type = doc.type;
  t.kind = "transfer";
  t.exporter_org = from_org;
  t.from_jurisdiction = from_j;
  t.recipient_org = to_org;
  t.to_jurisdiction = to_j;
  t.purpose = "eBL " + std::string(action);
  t.label = label.label;
  t.personal_data = label.personal_data;
  t.approval_id = decision.approval_id;
  t.reason = decision.reason;
  return log_cross_border(ctx, t);
}

json make_link(TxContext& ctx, std::string_view action, const std::string& recipient,
               const std::string& owner, const std::string& reason) {
  json link = {{"action", action},
               {"actor", ctx.sender().org},
               {"recipient", recipient},
               {"owner", owner},
               {"at_ms", ctx.block_time_ms()},
               {"height", ctx.height()},
               {"tx_id", core::to_hex(ctx.tx_id())},
               {"member", ctx.sender().id_hex()}};
  if (!reason.empty()) link["reason"] = reason;
  return link;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Appends `link`, stores the record and emits the event named after the action.
std::string commit(TxContext& ctx, Ebl& e, json link) {
  const std::string action = link["action"].get<std::string>();
  e.rec["chain"].push_back(link);
  ctx.put(record_key(e.doc_id()), e.rec.dump());
  json event = std::move(link);
  event["doc_id"] = e.doc_id();
  event["status"] = e.status();
  event["holder"] = e.holder();
  ctx.emit(lower(action), event.dump());
  return json{{"doc_id", e.doc_id()},
              {"status", e.status()},
              {"holder", e.holder()},
              {"owner", e.owner()},
              {"links", e.rec["chain"].size()}}
      .dump();
}

class EblContract final : public Contract {
 public:
  std::string_view name() const override { return kContract; }

  Result<std::string> call(std::string_view method, const json& args, TxContext& ctx) override {
    if (method == "issue") return issue(args, ctx);
    if (method == "endorse") return endorse(args, ctx);
    if (method == "endorse_to_order") return endorse_form(args, ctx, /*to_order=*/true);
    if (method == "blank_endorse") return endorse_form(args, ctx, /*to_order=*/false);
    if (method == "transfer") return transfer(args, ctx);
    if (method == "request_surrender") return request_surrender(args, ctx);
    if (method == "accept_surrender") return answer_surrender(args, ctx, /*accept=*/true);
    if (method == "reject_surrender") return answer_surrender(args, ctx, /*accept=*/false);
    if (method == "void") return void_ebl(args, ctx);
    if (method == "amend") return amend(args, ctx);
    return Status::not_found("ebl has no method '" + std::string(method) + "'");
  }

  Result<std::string> query(std::string_view method, const json& args,
                            ReadContext& ctx) const override {
    if (method == "record") return record(args, ctx);
    if (method == "chain") return chain(args, ctx);
    if (method == "title") return title(args, ctx);
    return Contract::query(method, args, ctx);
  }

 private:
  static Result<std::string> issue(const json& args, TxContext& ctx) {
    SILK_ASSIGN_OR_RETURN(Args a,
                          Args::of(args, "issue", {"doc_id", "holder", "owner", "to_order"}));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, read_doc_id(a));
    SILK_ASSIGN_OR_RETURN(std::string holder, parse_org(a, "holder", ctx));
    std::string owner = holder;
    if (a.has("owner")) {
      SILK_ASSIGN_OR_RETURN(owner, parse_org(a, "owner", ctx));
    }
    SILK_ASSIGN_OR_RETURN(std::optional<bool> to_order_arg, a.opt_bool("to_order"));
    const bool to_order = to_order_arg.value_or(false);
    if (to_order) {
      if (a.has("owner")) {
        return Status::invalid("args: owner and to_order exclude each other");
      }
      owner.clear();
    }

    SILK_ASSIGN_OR_RETURN(std::optional<Ebl> existing, load_ebl(ctx, doc_id));
    if (existing) {
      const json& first = existing->rec["chain"].front();
      return Status::conflict("eBL " + doc_id + " already issued at height " +
                              std::to_string(first.value("height", uint64_t{0})) + " by tx " +
                              first.value("tx_id", std::string("?")) + " (now " +
                              existing->status() + ")");
    }
    SILK_RETURN_IF_ERROR(check_not_held(ctx, doc_id, "issue"));
    SILK_ASSIGN_OR_RETURN(DocumentRecord doc, load_doc(ctx, doc_id));
    SILK_ASSIGN_OR_RETURN(bool transferable, is_transferable(ctx, doc.type));
    if (!transferable) {
      return Status::invalid("document " + doc_id + " is a " + doc.type +
                             ", not a transferable type (" + transferable_codes() + ")");
    }
    SILK_RETURN_IF_ERROR(
        need_carrier_signer(ctx, ctx.sender(), doc.issuer_org, doc_id, doc.type, "issue"));
    SILK_RETURN_IF_ERROR(need_active_document(doc, "issue"));
    SILK_RETURN_IF_ERROR(check_cross_border(ctx, doc, doc.issuer_org, holder, "issue"));

    Ebl e{json{{"doc_id", doc_id},
               {"doc_type", doc.type},
               {"carrier_org", doc.issuer_org},
               {"owner", owner},
               {"holder", holder},
               {"status", kIssued},
               {"to_order", to_order},
               {"blank_endorsed", false},
               {"surrender", nullptr},
               {"issued_at_ms", ctx.block_time_ms()},
               {"chain", json::array()}}};
    return commit(ctx, e, make_link(ctx, "ISSUE", holder, owner, ""));
  }

  static Result<std::string> endorse(const json& args, TxContext& ctx) {
    SILK_ASSIGN_OR_RETURN(Args a, Args::of(args, "endorse", {"doc_id", "to"}));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, read_doc_id(a));
    SILK_ASSIGN_OR_RETURN(std::string to, parse_org(a, "to", ctx));
    SILK_ASSIGN_OR_RETURN(Ebl e, require_ebl(ctx, doc_id));
    SILK_RETURN_IF_ERROR(check_not_held(ctx, doc_id, "endorse"));
    SILK_RETURN_IF_ERROR(need_holder(e, ctx, "endorse"));
    SILK_RETURN_IF_ERROR(need_status(e, "endorse", {kIssued}));
    SILK_RETURN_IF_ERROR(need_entitled(e, "endorse"));
    if (to == e.holder()) {
      return Status::invalid("to: " + to + " already holds eBL " + doc_id +
                             "; endorse names another organisation");
    }
    SILK_ASSIGN_OR_RETURN(DocumentRecord doc, load_doc(ctx, doc_id));
    SILK_RETURN_IF_ERROR(need_active_document(doc, "endorse"));
    SILK_RETURN_IF_ERROR(check_cross_border(ctx, doc, e.holder(), to, "endorse"));
    e.rec["owner"] = to;
    e.rec["holder"] = to;
    e.rec["to_order"] = false;
    e.rec["blank_endorsed"] = false;
    return commit(ctx, e, make_link(ctx, "ENDORSE", to, to, ""));
  }

  // endorse_to_order (to_order) and blank_endorse: the holder keeps control, the owner goes.
  static Result<std::string> endorse_form(const json& args, TxContext& ctx, bool to_order) {
    const std::string_view method = to_order ? "endorse_to_order" : "blank_endorse";
    SILK_ASSIGN_OR_RETURN(Args a, Args::of(args, method, {"doc_id"}));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, read_doc_id(a));
    SILK_ASSIGN_OR_RETURN(Ebl e, require_ebl(ctx, doc_id));
    SILK_RETURN_IF_ERROR(check_not_held(ctx, doc_id, method));
    SILK_RETURN_IF_ERROR(need_holder(e, ctx, method));
    SILK_RETURN_IF_ERROR(need_status(e, method, {kIssued}));
    SILK_RETURN_IF_ERROR(need_entitled(e, method));
    const char* flag = to_order ? "to_order" : "blank_endorsed";
    if (e.rec.value(flag, false)) {
      return Status::conflict("eBL " + doc_id + " is already " +
                              (to_order ? "to order" : "blank-endorsed"));
    }
    SILK_ASSIGN_OR_RETURN(DocumentRecord doc, load_doc(ctx, doc_id));
    SILK_RETURN_IF_ERROR(need_active_document(doc, method));
    e.rec["owner"] = "";
    e.rec["to_order"] = to_order;
    e.rec["blank_endorsed"] = !to_order;
    return commit(
        ctx, e,
        make_link(ctx, to_order ? "ENDORSE_TO_ORDER" : "BLANK_ENDORSE", e.holder(), "", ""));
  }

  static Result<std::string> transfer(const json& args, TxContext& ctx) {
    SILK_ASSIGN_OR_RETURN(Args a, Args::of(args, "transfer", {"doc_id", "to"}));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, read_doc_id(a));
    SILK_ASSIGN_OR_RETURN(std::string to, parse_org(a, "to", ctx));
    SILK_ASSIGN_OR_RETURN(Ebl e, require_ebl(ctx, doc_id));
    SILK_RETURN_IF_ERROR(check_not_held(ctx, doc_id, "transfer"));
    SILK_RETURN_IF_ERROR(need_holder(e, ctx, "transfer"));
    SILK_RETURN_IF_ERROR(need_status(e, "transfer", {kIssued}));
    if (to == e.holder()) {
      return Status::invalid("to: " + to + " already holds eBL " + doc_id);
    }
    SILK_ASSIGN_OR_RETURN(DocumentRecord doc, load_doc(ctx, doc_id));
    SILK_RETURN_IF_ERROR(need_active_document(doc, "transfer"));
    SILK_RETURN_IF_ERROR(check_cross_border(ctx, doc, e.holder(), to, "transfer"));
    e.rec["holder"] = to;
    return commit(ctx, e, make_link(ctx, "TRANSFER", to, e.owner(), ""));
  }

  static Result<std::string> request_surrender(const json& args, TxContext& ctx) {
    SILK_ASSIGN_OR_RETURN(Args a, Args::of(args, "request_surrender", {"doc_id", "purpose"}));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, read_doc_id(a));
    SILK_ASSIGN_OR_RETURN(std::string purpose, a.string("purpose", 16));
    if (purpose != "delivery" && purpose != "amendment") {
      return Status::invalid("purpose: expected delivery or amendment, got '" + purpose + "'");
    }
    SILK_ASSIGN_OR_RETURN(Ebl e, require_ebl(ctx, doc_id));
    SILK_RETURN_IF_ERROR(check_not_held(ctx, doc_id, "request_surrender"));
    SILK_RETURN_IF_ERROR(need_holder(e, ctx, "surrender"));
    SILK_RETURN_IF_ERROR(need_status(e, "request_surrender", {kIssued}));
    SILK_RETURN_IF_ERROR(need_entitled(e, "surrender"));
    SILK_ASSIGN_OR_RETURN(DocumentRecord doc, load_doc(ctx, doc_id));
    SILK_RETURN_IF_ERROR(need_active_document(doc, "request_surrender"));
    const bool delivery = purpose == "delivery";
    const std::string requester = e.holder();
    e.rec["status"] = delivery ? kPendingDelivery : kPendingAmendment;
    e.rec["holder"] = e.carrier();
    e.rec["surrender"] = {
        {"requested_by", requester}, {"purpose", purpose}, {"at_ms", ctx.block_time_ms()}};
    return commit(ctx, e,
                  make_link(ctx, delivery ? "SURRENDER_FOR_DELIVERY" : "SURRENDER_FOR_AMENDMENT",
                            e.carrier(), e.owner(), ""));
  }

  static Result<std::string> answer_surrender(const json& args, TxContext& ctx, bool accept) {
    const std::string_view method = accept ? "accept_surrender" : "reject_surrender";
    SILK_ASSIGN_OR_RETURN(Args a, Args::of(args, method, {"doc_id", "reason"}));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, read_doc_id(a));
    SILK_ASSIGN_OR_RETURN(std::string reason, opt_reason(a, /*required=*/false));
    SILK_ASSIGN_OR_RETURN(Ebl e, require_ebl(ctx, doc_id));
    SILK_RETURN_IF_ERROR(check_not_held(ctx, doc_id, method));
    SILK_RETURN_IF_ERROR(need_carrier(e, ctx, method));
    SILK_RETURN_IF_ERROR(need_status(e, method, {kPendingDelivery, kPendingAmendment}));
    const bool delivery = e.status() == kPendingDelivery;
    const json& surrender = e.rec["surrender"];
    const std::string requester = surrender.is_object() && surrender.contains("requested_by") &&
                                          surrender["requested_by"].is_string()
                                      ? surrender["requested_by"].get<std::string>()
                                      : std::string();
    if (requester.empty()) {
      return Status::corruption("ebl/" + record_key(doc_id) +
                                ": pending surrender has no requester");
    }
    if (accept) {
      e.rec["status"] = delivery ? kSurrenderedDelivery : kSurrenderedAmendment;
      return commit(ctx, e, make_link(ctx, "SURRENDERED", e.carrier(), e.owner(), reason));
    }
    e.rec["status"] = kIssued;
    e.rec["holder"] = requester;
    e.rec["surrender"] = nullptr;
    return commit(ctx, e, make_link(ctx, "SURRENDER_REJECTED", requester, e.owner(), reason));
  }

  static Result<std::string> void_ebl(const json& args, TxContext& ctx) {
    SILK_ASSIGN_OR_RETURN(Args a, Args::of(args, "void", {"doc_id", "reason"}));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, read_doc_id(a));
    SILK_ASSIGN_OR_RETURN(std::string reason, opt_reason(a, /*required=*/true));
    SILK_ASSIGN_OR_RETURN(Ebl e, require_ebl(ctx, doc_id));
    SILK_RETURN_IF_ERROR(check_not_held(ctx, doc_id, "void"));
    SILK_RETURN_IF_ERROR(need_carrier(e, ctx, "void"));
    const bool carrier_holds_issued = e.status() == kIssued && e.holder() == e.carrier();
    if (e.status() != kSurrenderedAmendment && !carrier_holds_issued) {
      return Status::conflict("eBL " + doc_id + " is " + e.status() + " and held by " + e.holder() +
                              "; void needs " + std::string(kSurrenderedAmendment) +
                              ", or ISSUED and held by the carrier " + e.carrier());
    }
    e.rec["status"] = kVoided;
    e.rec["surrender"] = nullptr;
    return commit(ctx, e, make_link(ctx, "VOIDED", e.carrier(), e.owner(), reason));
  }

  // The carrier's one step after the holder's surrender for amendment (DCSA
  // SURRENDER_FOR_AMENDMENT): accepts the surrender if it is pending, amends the document
  // (documents.amend: the old SUPERSEDED, the new issued), voids the old eBL and issues the new
  // one to the organisation that surrendered it, with the same owner and form and the old
  // endorsement chain carried over.
  static Result<std::string> amend(const json& args, TxContext& ctx) {
    SILK_ASSIGN_OR_RETURN(Args a, Args::of(args, "amend", {"doc_id", "new", "reason"}));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, read_doc_id(a));
    SILK_ASSIGN_OR_RETURN(std::string reason, opt_reason(a, /*required=*/false));
    SILK_ASSIGN_OR_RETURN(const json* fresh_args, a.object("new"));
    SILK_ASSIGN_OR_RETURN(Ebl e, require_ebl(ctx, doc_id));
    SILK_RETURN_IF_ERROR(check_not_held(ctx, doc_id, "amend"));
    SILK_RETURN_IF_ERROR(need_carrier(e, ctx, "amend"));
    if (e.status() != kPendingAmendment && e.status() != kSurrenderedAmendment) {
      return refuse(Status::Code::kConflict, "ebl.amend",
                    "eBL " + doc_id + " is " + e.status() + " and held by " + e.holder() +
                        "; the carrier amends a bill only after its holder surrenders it for "
                        "amendment (silk ebl surrender --for amendment)");
    }
    const json& surrender = e.rec["surrender"];
    const std::string requester = surrender.is_object() ? surrender.value("requested_by", "") : "";
    if (requester.empty()) {
      return Status::corruption("ebl/" + record_key(doc_id) + ": surrender has no requester");
    }
    if (e.status() == kPendingAmendment) {
      e.rec["status"] = kSurrenderedAmendment;
      e.rec["chain"].push_back(make_link(ctx, "SURRENDERED", e.carrier(), e.owner(), reason));
    }
    SILK_ASSIGN_OR_RETURN(
        std::string amended,
        ctx.invoke("documents", "amend", json{{"doc_id", doc_id}, {"new", *fresh_args}}));
    const json result = json::parse(amended, nullptr, /*allow_exceptions=*/false);
    const std::string new_id =
        result.is_object() ? result.value("doc_id", std::string()) : std::string();
    if (new_id.empty()) return Status::internal("documents.amend returned no doc_id");

    e.rec["status"] = kVoided;
    e.rec["surrender"] = nullptr;
    e.rec["superseded_by"] = new_id;
    commit(ctx, e,
           make_link(ctx, "VOIDED", e.carrier(), e.owner(), "amended: reissued as " + new_id));

    SILK_ASSIGN_OR_RETURN(DocumentRecord fresh, load_doc(ctx, new_id));
    SILK_RETURN_IF_ERROR(check_cross_border(ctx, fresh, e.carrier(), requester, "amend"));
    json chain = e.rec["chain"];
    const size_t inherited = chain.size();
    Ebl n{json{{"doc_id", new_id},
               {"doc_type", fresh.type},
               {"carrier_org", e.carrier()},
               {"owner", e.owner()},
               {"holder", requester},
               {"status", kIssued},
               {"to_order", e.rec.value("to_order", false)},
               {"blank_endorsed", e.rec.value("blank_endorsed", false)},
               {"surrender", nullptr},
               {"issued_at_ms", ctx.block_time_ms()},
               {"amends", doc_id},
               {"inherited_links", inherited},
               {"chain", std::move(chain)}}};
    return commit(
        ctx, n,
        make_link(ctx, "ISSUE", requester, e.owner(), "reissued after the amendment of " + doc_id));
  }

  // ---- queries ----

  static Result<std::string> title(const json& args, ReadContext& ctx) {
    SILK_ASSIGN_OR_RETURN(Args a, Args::of(args, "title", {"doc_id", "at_ms"}));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, read_doc_id(a));
    SILK_ASSIGN_OR_RETURN(std::optional<uint64_t> at_arg, a.opt_u64("at_ms"));
    const uint64_t at_ms = at_arg.value_or(ctx.block_time_ms());
    SILK_ASSIGN_OR_RETURN(std::optional<EblTitle> t, ebl_title_at(ctx, doc_id, at_ms));
    return json{{"doc_id", doc_id}, {"at_ms", at_ms}, {"title", t ? t->to_json() : json(nullptr)}}
        .dump();
  }

  static Result<std::string> record(const json& args, ReadContext& ctx) {
    SILK_ASSIGN_OR_RETURN(Args a, Args::of(args, "record", {"doc_id"}));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, read_doc_id(a));
    SILK_ASSIGN_OR_RETURN(Ebl e, require_ebl(ctx, doc_id));
    SILK_ASSIGN_OR_RETURN(json hold, hold_of(ctx, doc_id));
    e.rec["held"] = std::move(hold);
    return e.rec.dump();
  }

  static Result<std::string> chain(const json& args, ReadContext& ctx) {
    SILK_ASSIGN_OR_RETURN(Args a, Args::of(args, "chain", {"doc_id"}));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, read_doc_id(a));
    SILK_ASSIGN_OR_RETURN(Ebl e, require_ebl(ctx, doc_id));
    return json{{"doc_id", doc_id},
                {"status", e.status()},
                {"holder", e.holder()},
                {"owner", e.owner()},
                {"chain", e.rec["chain"]}}
        .dump();
  }
};

}  // namespace

std::unique_ptr<Contract> make_ebl_contract() { return std::make_unique<EblContract>(); }

bool EblTitle::live() const {
  return status == kIssued || status == kPendingDelivery || status == kPendingAmendment;
}

std::string EblTitle::describe() const {
  return "eBL " + status + ": holder " + holder + ", owner " +
         (owner.empty() ? std::string("none named (to order or blank-endorsed)") : owner) +
         ", carrier " + carrier;
}

json EblTitle::to_json() const {
  return json{{"status", status},   {"holder", holder},     {"owner", owner},
              {"carrier", carrier}, {"since_ms", since_ms}, {"height", height}};
}

Result<std::optional<EblTitle>> ebl_title_at(ReadContext& ctx, std::string_view doc_id,
                                             uint64_t at_ms) {
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> value,
                        ctx.get_from(kContract, record_key(doc_id)));
  if (!value) return std::optional<EblTitle>();
  const json rec = json::parse(*value, nullptr, /*allow_exceptions=*/false);
  if (!rec.is_object() || !rec.contains("chain") || !rec["chain"].is_array()) {
    return Status::corruption("ebl/" + record_key(doc_id) + ": stored value is not an eBL record");
  }
  const json& chain = rec["chain"];
  const uint64_t first = rec.value("inherited_links", uint64_t{0});
  EblTitle t;
  t.carrier = rec.value("carrier_org", std::string());
  bool any = false;
  std::string status;
  for (size_t i = first; i < chain.size(); ++i) {
    const json& link = chain[i];
    if (!link.is_object()) continue;
    const uint64_t link_at = link.value("at_ms", uint64_t{0});
    if (link_at > at_ms) break;
    const std::string action = link.value("action", std::string());
    if (action == "ISSUE" || action == "ENDORSE" || action == "ENDORSE_TO_ORDER" ||
        action == "BLANK_ENDORSE" || action == "TRANSFER" || action == "SURRENDER_REJECTED") {
      status = kIssued;
    } else if (action == "SURRENDER_FOR_DELIVERY") {
      status = kPendingDelivery;
    } else if (action == "SURRENDER_FOR_AMENDMENT") {
      status = kPendingAmendment;
    } else if (action == "SURRENDERED") {
      status = status == kPendingAmendment ? kSurrenderedAmendment : kSurrenderedDelivery;
    } else if (action == "VOIDED") {
      status = kVoided;
    } else {
      return Status::corruption("ebl/" + record_key(doc_id) + ": a link with action '" +
                                action.substr(0, 40) + "'");
    }
    any = true;
    t.status = status;
    t.holder = link.value("recipient", std::string());
    t.owner = link.value("owner", std::string());
    t.since_ms = link_at;
    t.height = link.value("height", uint64_t{0});
  }
  if (!any) return std::optional<EblTitle>();
  return std::optional<EblTitle>(std::move(t));
}

Result<std::optional<std::string>> ebl_holder_of(ReadContext& ctx, std::string_view doc_id) {
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> value,
                        ctx.get_from(kContract, record_key(doc_id)));
  if (!value) return std::optional<std::string>();
  const json rec = json::parse(*value, nullptr, /*allow_exceptions=*/false);
  if (!rec.is_object()) {
    return Status::corruption("ebl/" + record_key(doc_id) + ": stored value is not an eBL record");
  }
  auto holder = rec.find("holder");
  return std::optional<std::string>(
      holder != rec.end() && holder->is_string() ? holder->get<std::string>() : std::string());
}

Result<json> ebl_chain_of(ReadContext& ctx, std::string_view doc_id) {
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> value,
                        ctx.get_from(kContract, record_key(doc_id)));
  if (!value) return json::array();
  const json rec = json::parse(*value, nullptr, /*allow_exceptions=*/false);
  if (!rec.is_object() || !rec.contains("chain") || !rec["chain"].is_array()) {
    return Status::corruption("ebl/" + record_key(doc_id) + ": stored value is not an eBL record");
  }
  return rec["chain"];
}

}  // namespace silk::contracts
