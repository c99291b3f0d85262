// The `trade` contract (trade.h): deals, their documents, disputes and holds.
//
// Methods (args are a JSON object; unknown fields are refused):
//   open              {id, buyer (org), goods, incoterms, amount: {value, currency}}
//                     by a member of the seller organisation (seller = the sender's org; the
//                     buyer is another consortium organisation). id: 1-64 of [A-Za-z0-9._-];
//                     goods: 1-1024 bytes; incoterms: an Incoterms 2020 rule (EXW FCA CPT CIP DAP
//                     DPU DDP FAS FOB CFR CIF); amount.value: a decimal string ("1250.00"),
//                     amount.currency: ISO 4217 (three capital letters). -> proposed.
//   accept            {id} by the buyer: proposed -> accepted.
//   attach            {id, doc_id} by the seller or the buyer: links a documents record (it
//                     must exist) while the deal is proposed, accepted, shipped or delivered.
//   ship              {id} by the seller: accepted -> shipped; needs an attached ACTIVE
//                     bill_of_lading.
//   confirm_delivery  {id} by the buyer: shipped -> delivered.
//   settle            {id, reference} by the seller or the buyer: delivered -> settled
//                     (reference: the payment's reference, 1-256 bytes).
//   dispute           {id, reason} by the seller or the buyer, while accepted, shipped or
//                     delivered: -> disputed, and writes trade/hold/<doc_id> for every attached
//                     document of a transferable type not already held, which freezes the eBL.
//   decide            {id, ruling, release (bool)} by a member with role arbitrator of neither
//                     party's organisation: disputed -> decided. release true lifts the holds
//                     this dispute placed; false keeps them (the ruling keeps the records frozen)
//                     until release.
//   release           {id} by an arbitrator of neither party: lifts the holds a decided deal
//                     still keeps.
// Queries:
//   deal  {id}         the deal (trade.h).
//   deals {org?}       {"deals": [deal...]} sorted by id: all deals, or those where org is the
//                      seller or the buyer.
//   holds {doc_id}     {"doc_id", "hold": {"deal_id", "since_ms", "reason", "height", "tx_id"}
//                      | null}.
// State refusals are kConflict naming the deal's state and what the method needs; the wrong
// party is kUnauthorized naming who may act.
#include "silk/contracts/trade.h"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rules.h"
#include "silk/contracts/args.h"
#include "silk/contracts/chain_config.h"
#include "silk/contracts/documents.h"
#include "silk/contracts/ebl.h"

namespace silk::contracts {
namespace {

using core::Result;
using core::Status;
using nlohmann::json;

constexpr std::string_view kContract = "trade";
constexpr size_t kMaxIdChars = 64;
constexpr size_t kMaxGoodsChars = 1024;
constexpr size_t kMaxTextChars = 512;
constexpr size_t kMaxReferenceChars = 256;
constexpr size_t kMaxAmountChars = 32;
constexpr size_t kMaxDocuments = 256;
constexpr std::array<std::string_view, 11> kIncoterms = {"EXW", "FCA", "CPT", "CIP", "DAP", "DPU",
                                                         "DDP", "FAS", "FOB", "CFR", "CIF"};
constexpr std::array<std::string_view, 2> kAmountFields = {"value", "currency"};
constexpr std::string_view kFlow = "proposed -> accepted -> shipped -> delivered -> settled";

std::string deal_key(std::string_view id) { return "deal/" + std::string(id); }
std::string hold_key(std::string_view doc_id) { return "hold/" + std::string(doc_id); }
constexpr std::string_view kAllIndexKey = "deal_index";
std::string org_index_key(std::string_view org) { return "deal_index/" + std::string(org); }

bool is_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

Result<std::string> parse_id(const Args& a) {
  SILK_ASSIGN_OR_RETURN(std::string id, a.string("id", kMaxIdChars));
  for (char c : id) {
    if (!is_id_char(c)) {
      return Status::invalid("id: '" + id + "' holds a character outside [A-Za-z0-9._-]");
    }
  }
  return id;
}

// "1250", "1250.00": digits with an optional fraction.
bool is_decimal(const std::string& s) {
  const auto digits_from = [&s](size_t i) {
    size_t j = i;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
    return j;
  };
  const size_t int_end = digits_from(0);
  if (int_end == 0) return false;
  if (int_end == s.size()) return true;
  if (s[int_end] != '.') return false;
  const size_t frac_end = digits_from(int_end + 1);
  return frac_end > int_end + 1 && frac_end == s.size();
}

Result<json> parse_amount(const Args& a) {
  SILK_ASSIGN_OR_RETURN(Args amount, a.nested("amount", "amount", kAmountFields));
  Result<std::string> value = amount.string("value", kMaxAmountChars);
  if (!value.is_ok() || !is_decimal(*value)) {
    return Status::invalid(
        "amount.value: " +
        (value.is_ok() ? "'" + value->substr(0, 40) + "' is not" : std::string("expected")) +
        " a decimal string such as \"1250.00\"");
  }
  Result<std::string> currency = amount.string("currency", 16);
  if (!currency.is_ok() || currency->size() != 3 ||
      !std::all_of(currency->begin(), currency->end(),
                   [](char x) { return x >= 'A' && x <= 'Z'; })) {
    return Status::invalid(
        "amount.currency: " +
        (currency.is_ok() ? "'" + *currency + "' is not" : std::string("expected")) +
        " an ISO 4217 code such as \"USD\" (three capital letters)");
  }
  return json{{"value", *value}, {"currency", *currency}};
}

std::string jurisdiction_of(ReadContext& ctx, std::string_view org) {
  const OrgConfig* o = ctx.config().find_org(org);
  return o != nullptr ? o->jurisdiction : std::string();
}

Result<bool> is_transferable(ReadContext& ctx, const std::string& code) {
  SILK_ASSIGN_OR_RETURN(std::optional<DocumentType> type, find_document_type(ctx, code));
  return type.has_value() && type->transferable;
}

std::string doc_events_key(std::string_view doc_id) { return "doc_events/" + std::string(doc_id); }

// Appends a deal event to the document's log (trade.h, deal_events_of).
Status log_doc_event(TxContext& ctx, const std::string& doc_id, std::string_view event,
                     const std::string& deal_id, const std::string& reason) {
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> value, ctx.get(doc_events_key(doc_id)));
  json events = json::array();
  if (value) {
    events = json::parse(*value, nullptr, /*allow_exceptions=*/false);
    if (!events.is_array()) {
      return Status::corruption("trade/" + doc_events_key(doc_id) + ": not a JSON array");
    }
  }
  json e = {{"event", event},
            {"deal_id", deal_id},
            {"at_ms", ctx.block_time_ms()},
            {"height", ctx.height()},
            {"tx_id", core::to_hex(ctx.tx_id())},
            {"by", ctx.sender().org},
            {"member", ctx.sender().id_hex()}};
  if (!reason.empty()) e["reason"] = reason;
  events.push_back(std::move(e));
  ctx.put(doc_events_key(doc_id), events.dump());
  return Status::ok();
}

// Who has the document in hand: its issuing organisation, the holder and owner of its eBL, and
// the organisations its issuer named as parties.
struct DocRelation {
  std::string issuer;
  std::string holder;              // of the eBL, when there is one
  std::string owner;               // of the eBL
  std::vector<std::string> named;  // parties named in the record

  bool related(const std::string& org) const {
    return org == issuer || org == holder || org == owner ||
           std::find(named.begin(), named.end(), org) != named.end();
  }
  std::string describe() const {
    std::string out = "issued by " + issuer;
    if (!holder.empty()) out += ", eBL held by " + holder;
    if (!owner.empty() && owner != holder) out += " and owned by " + owner;
    if (!named.empty()) {
      std::string list;
      for (const std::string& n : named) list += (list.empty() ? "" : ", ") + n;
      out += ", naming " + list;
    }
    return out;
  }
};

Result<DocRelation> relation_of(ReadContext& ctx, const DocumentRecord& doc) {
  DocRelation r;
  r.issuer = doc.issuer_org;
  SILK_ASSIGN_OR_RETURN(std::optional<EblTitle> title,
                        ebl_title_at(ctx, doc.doc_id, std::numeric_limits<uint64_t>::max()));
  if (title) {
    r.holder = title->holder;
    r.owner = title->owner;
  }
  if (doc.parties.is_object()) {
    for (const auto& p : doc.parties.items()) {
      if (p.value().is_string()) r.named.push_back(p.value().get<std::string>());
    }
  }
  return r;
}

// Who controls a transferable record now: its eBL's holder and owner, or its issuer before an eBL
// exists. A dispute's hold reaches it only when one of them is a party to the deal.
Result<std::vector<std::string>> controllers_of(ReadContext& ctx, const DocumentRecord& doc) {
  SILK_ASSIGN_OR_RETURN(std::optional<EblTitle> title,
                        ebl_title_at(ctx, doc.doc_id, std::numeric_limits<uint64_t>::max()));
  if (!title) return std::vector<std::string>{doc.issuer_org};
  std::vector<std::string> out{title->holder};
  if (!title->owner.empty() && title->owner != title->holder) out.push_back(title->owner);
  return out;
}

Result<json> parse_stored(const std::string& key, const std::string& value) {
  json j = json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Status::corruption("trade/" + key + ": stored value is not an object");
  return j;
}

Result<std::vector<std::string>> load_index(ReadContext& ctx, const std::string& key) {
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> value, ctx.get(key));
  std::vector<std::string> ids;
  if (!value) return ids;
  const json index = json::parse(*value, nullptr, /*allow_exceptions=*/false);
  if (!index.is_array())
    return Status::corruption("trade/" + key + ": stored value is not an array");
  for (const json& id : index) {
    if (!id.is_string()) return Status::corruption("trade/" + key + ": holds a non-string id");
    ids.push_back(id.get<std::string>());
  }
  return ids;
}

Status add_to_index(TxContext& ctx, const std::string& key, const std::string& id) {
  SILK_ASSIGN_OR_RETURN(std::vector<std::string> ids, load_index(ctx, key));
  auto pos = std::lower_bound(ids.begin(), ids.end(), id);
  if (pos != ids.end() && *pos == id) return Status::ok();
  ids.insert(pos, id);
  ctx.put(key, json(ids).dump());
  return Status::ok();
}

struct Deal {
  json rec;

  std::string str(const char* name) const {
    auto it = rec.find(name);
    return it != rec.end() && it->is_string() ? it->get<std::string>() : std::string();
  }
  std::string id() const { return str("id"); }
  std::string seller() const { return str("seller"); }
  std::string buyer() const { return str("buyer"); }
  std::string state() const { return str("state"); }
  bool is_party(std::string_view org) const { return org == seller() || org == buyer(); }
};

Result<std::optional<Deal>> load_deal(ReadContext& ctx, const std::string& id) {
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> value, ctx.get(deal_key(id)));
  if (!value) return std::optional<Deal>();
  SILK_ASSIGN_OR_RETURN(json rec, parse_stored(deal_key(id), *value));
  if (!rec.contains("documents") || !rec["documents"].is_array() || !rec.contains("history") ||
      !rec["history"].is_array()) {
    return Status::corruption("trade/" + deal_key(id) + ": stored value is not a deal");
  }
  return std::optional<Deal>(Deal{std::move(rec)});
}

Result<Deal> require_deal(ReadContext& ctx, const std::string& id) {
  SILK_ASSIGN_OR_RETURN(std::optional<Deal> d, load_deal(ctx, id));
  if (!d) return Status::not_found("no deal " + id + "; the seller opens it with trade.open");
  return std::move(*d);
}

Status need_state(const Deal& d, std::string_view method,
                  std::initializer_list<std::string_view> allowed) {
  const std::string s = d.state();
  if (std::find(allowed.begin(), allowed.end(), s) != allowed.end()) return Status::ok();
  std::string list;
  for (std::string_view a : allowed) list += (list.empty() ? "" : " or ") + std::string(a);
  return Status::conflict("deal " + d.id() + " is " + s + "; " + std::string(method) + " needs " +
                          list + " (" + std::string(kFlow) + ")");
}

Status need_seller(const Deal& d, TxContext& ctx, std::string_view method) {
  if (ctx.sender().org == d.seller()) return Status::ok();
  return refuse(Status::Code::kUnauthorized, "deal.seller",
                "only the seller " + d.seller() + " may " + std::string(method) + " deal " +
                    d.id() + "; " + ctx.sender().org + " is not the seller");
}

Status need_buyer(const Deal& d, TxContext& ctx, std::string_view method) {
  if (ctx.sender().org == d.buyer()) return Status::ok();
  return refuse(Status::Code::kUnauthorized, "deal.buyer",
                "only the buyer " + d.buyer() + " may " + std::string(method) + " deal " + d.id() +
                    "; " + ctx.sender().org + " is not the buyer");
}

Status need_party(const Deal& d, TxContext& ctx, std::string_view method) {
  if (d.is_party(ctx.sender().org)) return Status::ok();
  return refuse(Status::Code::kUnauthorized, "deal.party",
                "only the seller " + d.seller() + " or the buyer " + d.buyer() + " may " +
                    std::string(method) + " deal " + d.id() + "; " + ctx.sender().org +
                    " is neither");
}

Status need_arbitrator(const Deal& d, TxContext& ctx, std::string_view method) {
  const core::Member& s = ctx.sender();
  if (!s.has_role("arbitrator")) {
    return refuse(Status::Code::kUnauthorized, "deal.arbitrator",
                  std::string(method) + " deal " + d.id() +
                      " needs a member with role arbitrator; " + s.name + " of " + s.org +
                      " is not one");
  }
  if (d.is_party(s.org)) {
    return refuse(Status::Code::kUnauthorized, "deal.arbitrator",
                  "an arbitrator of " + s.org + " is a party to deal " + d.id() + " and may not " +
                      std::string(method) + " it");
  }
  return Status::ok();
}

json history_entry(TxContext& ctx, std::string_view state) {
  return json{{"state", state},         {"at_ms", ctx.block_time_ms()},
              {"height", ctx.height()}, {"tx_id", core::to_hex(ctx.tx_id())},
              {"by", ctx.sender().org}, {"member", ctx.sender().id_hex()}};
}

// Moves the deal to `state` (when not empty), stores it and emits `event`.
std::string commit(TxContext& ctx, Deal& d, std::string_view state, std::string_view event) {
  if (!state.empty()) {
    d.rec["state"] = state;
    d.rec["history"].push_back(history_entry(ctx, state));
  }
  ctx.put(deal_key(d.id()), d.rec.dump());
  ctx.emit(event, json{{"id", d.id()},
                       {"state", d.state()},
                       {"by", ctx.sender().org},
                       {"tx_id", core::to_hex(ctx.tx_id())}}
                      .dump());
  return json{{"id", d.id()}, {"state", d.state()}}.dump();
}

// Lifts the holds the deal's dispute placed and still keeps; returns the released doc ids.
Result<json> release_holds(TxContext& ctx, Deal& d) {
  json released = json::array();
  json& dispute = d.rec["dispute"];
  if (!dispute.is_object() || !dispute.contains("holds") || !dispute["holds"].is_array()) {
    return released;
  }
  for (const json& doc : dispute["holds"]) {
    if (!doc.is_string()) continue;
    const std::string doc_id = doc.get<std::string>();
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> value, ctx.get(hold_key(doc_id)));
    if (!value) continue;
    SILK_ASSIGN_OR_RETURN(json hold, parse_stored(hold_key(doc_id), *value));
    if (hold.value("deal_id", std::string()) != d.id()) continue;
    ctx.del(hold_key(doc_id));
    released.push_back(doc_id);
    SILK_RETURN_IF_ERROR(log_doc_event(ctx, doc_id, "released", d.id(), ""));
  }
  dispute["holds"] = json::array();
  return released;
}

class TradeContract final : public Contract {
 public:
  std::string_view name() const override { return kContract; }

  Result<std::string> call(std::string_view method, const json& args, TxContext& ctx) override {
    if (method == "open") return open(args, ctx);
    if (method == "accept") return accept(args, ctx);
    if (method == "attach") return attach(args, ctx);
    if (method == "ship") return ship(args, ctx);
    if (method == "confirm_delivery") return confirm_delivery(args, ctx);
    if (method == "settle") return settle(args, ctx);
    if (method == "dispute") return dispute(args, ctx);
    if (method == "decide") return decide(args, ctx);
    if (method == "release") return release(args, ctx);
    if (method == "hold") return hold(args, ctx);
    return Status::not_found("trade has no method '" + std::string(method) + "'");
  }

  Result<std::string> query(std::string_view method, const json& args,
                            ReadContext& ctx) const override {
    if (method == "deal") return deal(args, ctx);
    if (method == "deals") return deals(args, ctx);
    if (method == "holds") return holds(args, ctx);
    return Contract::query(method, args, ctx);
  }

 private:
  static Result<std::string> open(const json& args, TxContext& ctx) {
    SILK_ASSIGN_OR_RETURN(Args a,
                          Args::of(args, "open", {"id", "buyer", "goods", "incoterms", "amount"}));
    SILK_ASSIGN_OR_RETURN(std::string id, parse_id(a));
    SILK_ASSIGN_OR_RETURN(std::string buyer, a.string("buyer", 64));
    if (!core::is_valid_org_id(buyer)) {
      return Status::invalid("buyer: '" + buyer + "' is not an organisation id");
    }
    const std::vector<std::string> orgs = ctx.config().org_ids();
    if (!std::binary_search(orgs.begin(), orgs.end(), buyer)) {
      return Status::invalid("buyer: '" + buyer + "' is not an organisation of the consortium");
    }
    const std::string seller = ctx.sender().org;
    if (buyer == seller) {
      return Status::invalid("buyer: " + buyer + " is the seller (the sender's organisation)");
    }
    SILK_ASSIGN_OR_RETURN(std::string goods, a.string("goods", kMaxGoodsChars));
    SILK_ASSIGN_OR_RETURN(std::string incoterms, a.string("incoterms", 8));
    if (std::find(kIncoterms.begin(), kIncoterms.end(), incoterms) == kIncoterms.end()) {
      std::string list;
      for (std::string_view t : kIncoterms) list += (list.empty() ? "" : " ") + std::string(t);
      return Status::invalid("incoterms: '" + incoterms + "' is not an Incoterms 2020 rule (" +
                             list + ")");
    }
    SILK_ASSIGN_OR_RETURN(json amount, parse_amount(a));

    SILK_ASSIGN_OR_RETURN(std::optional<Deal> existing, load_deal(ctx, id));
    if (existing) {
      const json& first = existing->rec["history"].front();
      return Status::conflict("deal " + id + " already opened by " + existing->seller() +
                              " at height " + std::to_string(first.value("height", uint64_t{0})) +
                              " by tx " + first.value("tx_id", std::string("?")));
    }
    Deal d{json{{"id", id},
                {"seller", seller},
                {"buyer", buyer},
                {"seller_jurisdiction", jurisdiction_of(ctx, seller)},
                {"buyer_jurisdiction", jurisdiction_of(ctx, buyer)},
                {"goods", goods},
                {"incoterms", incoterms},
                {"amount", amount},
                {"documents", json::array()},
                {"state", ""},
                {"dispute", nullptr},
                {"settlement", nullptr},
                {"history", json::array()}}};
    SILK_RETURN_IF_ERROR(add_to_index(ctx, std::string(kAllIndexKey), id));
    SILK_RETURN_IF_ERROR(add_to_index(ctx, org_index_key(seller), id));
    SILK_RETURN_IF_ERROR(add_to_index(ctx, org_index_key(buyer), id));
    return commit(ctx, d, "proposed", "opened");
  }

  static Result<std::string> accept(const json& args, TxContext& ctx) {
    SILK_ASSIGN_OR_RETURN(Args a, Args::of(args, "accept", {"id"}));
    SILK_ASSIGN_OR_RETURN(std::string id, parse_id(a));
    SILK_ASSIGN_OR_RETURN(Deal d, require_deal(ctx, id));
    SILK_RETURN_IF_ERROR(need_buyer(d, ctx, "accept"));
    SILK_RETURN_IF_ERROR(need_state(d, "accept", {"proposed"}));
    return commit(ctx, d, "accepted", "accepted");
  }

  static Result<std::string> attach(const json& args, TxContext& ctx) {
    SILK_ASSIGN_OR_RETURN(Args a, Args::of(args, "attach", {"id", "doc_id"}));
    SILK_ASSIGN_OR_RETURN(std::string id, parse_id(a));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, read_doc_id(a));
    SILK_ASSIGN_OR_RETURN(Deal d, require_deal(ctx, id));
    SILK_RETURN_IF_ERROR(need_party(d, ctx, "attach a document to"));
    SILK_RETURN_IF_ERROR(need_state(d, "attach", {"proposed", "accepted", "shipped", "delivered"}));
    json& docs = d.rec["documents"];
    if (std::find(docs.begin(), docs.end(), json(doc_id)) != docs.end()) {
      return Status::conflict("document " + doc_id + " is already attached to deal " + id);
    }
    if (docs.size() >= kMaxDocuments) {
      return Status::exhausted("deal " + id + " already has " + std::to_string(docs.size()) +
                               " documents, at most " + std::to_string(kMaxDocuments));
    }
    SILK_ASSIGN_OR_RETURN(std::optional<DocumentRecord> doc, load_document(ctx, doc_id));
    if (!doc) {
      return Status::not_found("doc_id: document " + doc_id + " is not recorded in documents");
    }
    // A party attaches only a document it has in hand: one it issued, holds or owns (its eBL),
    // or one whose issuer named it as a party.
    SILK_ASSIGN_OR_RETURN(DocRelation relation, relation_of(ctx, *doc));
    if (!relation.related(ctx.sender().org)) {
      return refuse(Status::Code::kUnauthorized, "deal.attach",
                    ctx.sender().org + " may not attach document " + doc_id + " to deal " + id +
                        ": it neither issued, holds nor owns it, nor is it named in it (" +
                        relation.describe() + ")");
    }
    docs.push_back(doc_id);
    SILK_RETURN_IF_ERROR(log_doc_event(ctx, doc_id, "attached", id, ""));
    return commit(ctx, d, "", "attached");
  }

  static Result<std::string> ship(const json& args, TxContext& ctx) {
    SILK_ASSIGN_OR_RETURN(Args a, Args::of(args, "ship", {"id"}));
    SILK_ASSIGN_OR_RETURN(std::string id, parse_id(a));
    SILK_ASSIGN_OR_RETURN(Deal d, require_deal(ctx, id));
    SILK_RETURN_IF_ERROR(need_seller(d, ctx, "ship"));
    SILK_RETURN_IF_ERROR(need_state(d, "ship", {"accepted"}));
    std::string seen;
    for (const json& doc_id : d.rec["documents"]) {
      if (!doc_id.is_string()) continue;
      SILK_ASSIGN_OR_RETURN(std::optional<DocumentRecord> doc,
                            load_document(ctx, doc_id.get<std::string>()));
      if (!doc) continue;
      std::string state = doc->status;
      if (doc->type == "bill_of_lading" && doc->status == "ACTIVE") {
        // A bill whose eBL was surrendered, voided or is being surrendered is no shipping title.
        SILK_ASSIGN_OR_RETURN(std::optional<EblTitle> title,
                              ebl_title_at(ctx, doc->doc_id, std::numeric_limits<uint64_t>::max()));
        if (!title || title->status == "ISSUED") {
          d.rec["bill_of_lading"] = doc->doc_id;
          return commit(ctx, d, "shipped", "shipped");
        }
        state += ", " + title->describe();
      }
      seen += (seen.empty() ? "" : ", ") + doc->doc_id + " (" + doc->type + ", " + state + ")";
    }
    return refuse(
        Status::Code::kConflict, "deal.ship",
        "deal " + id +
            ": ship needs an attached ACTIVE bill_of_lading whose eBL (if any) is "
            "ISSUED, not surrendered or void; " +
            (seen.empty() ? std::string("no documents are attached") : "attached: " + seen));
  }

  static Result<std::string> confirm_delivery(const json& args, TxContext& ctx) {
    SILK_ASSIGN_OR_RETURN(Args a, Args::of(args, "confirm_delivery", {"id"}));
    SILK_ASSIGN_OR_RETURN(std::string id, parse_id(a));
    SILK_ASSIGN_OR_RETURN(Deal d, require_deal(ctx, id));
    SILK_RETURN_IF_ERROR(need_buyer(d, ctx, "confirm_delivery"));
    SILK_RETURN_IF_ERROR(need_state(d, "confirm_delivery", {"shipped"}));
    return commit(ctx, d, "delivered", "delivered");
  }

  static Result<std::string> settle(const json& args, TxContext& ctx) {
    SILK_ASSIGN_OR_RETURN(Args a, Args::of(args, "settle", {"id", "reference"}));
    SILK_ASSIGN_OR_RETURN(std::string id, parse_id(a));
    SILK_ASSIGN_OR_RETURN(std::string reference, a.string("reference", kMaxReferenceChars));
    SILK_ASSIGN_OR_RETURN(Deal d, require_deal(ctx, id));
    SILK_RETURN_IF_ERROR(need_party(d, ctx, "settle"));
    SILK_RETURN_IF_ERROR(need_state(d, "settle", {"delivered"}));
    d.rec["settlement"] = {{"reference", reference},
                           {"recorded_by", ctx.sender().org},
                           {"at_ms", ctx.block_time_ms()}};
    return commit(ctx, d, "settled", "settled");
  }

  static Result<std::string> dispute(const json& args, TxContext& ctx) {
    SILK_ASSIGN_OR_RETURN(Args a, Args::of(args, "dispute", {"id", "reason"}));
    SILK_ASSIGN_OR_RETURN(std::string id, parse_id(a));
    SILK_ASSIGN_OR_RETURN(std::string reason, a.string("reason", kMaxTextChars));
    SILK_ASSIGN_OR_RETURN(Deal d, require_deal(ctx, id));
    SILK_RETURN_IF_ERROR(need_party(d, ctx, "dispute"));
    SILK_RETURN_IF_ERROR(need_state(d, "dispute", {"accepted", "shipped", "delivered"}));
    json holds = json::array();
    json already_held = json::array();
    json not_held = json::array();
    for (const json& doc_id : d.rec["documents"]) {
      if (!doc_id.is_string()) continue;
      const std::string doc = doc_id.get<std::string>();
      SILK_ASSIGN_OR_RETURN(std::optional<DocumentRecord> record, load_document(ctx, doc));
      if (!record) continue;
      SILK_ASSIGN_OR_RETURN(bool transferable, is_transferable(ctx, record->type));
      if (!transferable) continue;
      SILK_ASSIGN_OR_RETURN(std::optional<std::string> existing, ctx.get(hold_key(doc)));
      if (existing) {  // another deal's dispute holds it already; that hold stays its own
        already_held.push_back(doc);
        continue;
      }
      // A party's dispute freezes only what the parties control; a record in another's hands
      // needs an arbitrator's order (hold).
      SILK_ASSIGN_OR_RETURN(std::vector<std::string> controllers, controllers_of(ctx, *record));
      const bool party_controls = std::any_of(controllers.begin(), controllers.end(),
                                              [&d](const std::string& o) { return d.is_party(o); });
      if (!party_controls) {
        std::string list;
        for (const std::string& c : controllers) list += (list.empty() ? "" : ", ") + c;
        const std::string why = "controlled by " + list +
                                ", not a party to the deal; holding it needs an arbitrator's "
                                "order [rule deal.hold]";
        not_held.push_back(json{{"doc_id", doc}, {"reason", why}});
        SILK_RETURN_IF_ERROR(log_doc_event(ctx, doc, "not_held", id, why));
        continue;
      }
      ctx.put(hold_key(doc), json{{"deal_id", id},
                                  {"since_ms", ctx.block_time_ms()},
                                  {"reason", reason},
                                  {"height", ctx.height()},
                                  {"tx_id", core::to_hex(ctx.tx_id())}}
                                 .dump());
      holds.push_back(doc);
      SILK_RETURN_IF_ERROR(log_doc_event(ctx, doc, "held", id, reason));
    }
    d.rec["dispute"] = {{"reason", reason},
                        {"opened_by", ctx.sender().org},
                        {"opened_at_ms", ctx.block_time_ms()},
                        {"previous_state", d.state()},
                        {"holds", holds},
                        {"already_held", already_held},
                        {"not_held", not_held},
                        {"ruling", nullptr},
                        {"release", nullptr},
                        {"decided_by", nullptr},
                        {"decided_at_ms", nullptr}};
    return commit(ctx, d, "disputed", "disputed");
  }

  static Result<std::string> decide(const json& args, TxContext& ctx) {
    SILK_ASSIGN_OR_RETURN(Args a, Args::of(args, "decide", {"id", "ruling", "release"}));
    SILK_ASSIGN_OR_RETURN(std::string id, parse_id(a));
    SILK_ASSIGN_OR_RETURN(std::string ruling, a.string("ruling", kMaxTextChars));
    SILK_ASSIGN_OR_RETURN(const bool release, a.boolean("release"));
    SILK_ASSIGN_OR_RETURN(Deal d, require_deal(ctx, id));
    SILK_RETURN_IF_ERROR(need_arbitrator(d, ctx, "decide"));
    SILK_RETURN_IF_ERROR(need_state(d, "decide", {"disputed"}));
    json& dispute = d.rec["dispute"];
    if (!dispute.is_object()) {
      return Status::corruption("trade/" + deal_key(id) + ": disputed without a dispute");
    }
    dispute["ruling"] = ruling;
    dispute["release"] = release;
    dispute["decided_by"] = ctx.sender().org;
    dispute["arbitrator"] = ctx.sender().id_hex();
    dispute["decided_at_ms"] = ctx.block_time_ms();
    json released = json::array();
    if (release) {
      SILK_ASSIGN_OR_RETURN(released, release_holds(ctx, d));
    }
    d.rec["dispute"]["released"] = released;
    return commit(ctx, d, "decided", "decided");
  }

  static Result<std::string> release(const json& args, TxContext& ctx) {
    SILK_ASSIGN_OR_RETURN(Args a, Args::of(args, "release", {"id"}));
    SILK_ASSIGN_OR_RETURN(std::string id, parse_id(a));
    SILK_ASSIGN_OR_RETURN(Deal d, require_deal(ctx, id));
    SILK_RETURN_IF_ERROR(need_arbitrator(d, ctx, "release"));
    SILK_RETURN_IF_ERROR(need_state(d, "release", {"decided"}));
    SILK_ASSIGN_OR_RETURN(json released, release_holds(ctx, d));
    if (released.empty()) return Status::conflict("deal " + id + " holds no documents");
    json& all = d.rec["dispute"]["released"];
    if (!all.is_array()) all = json::array();
    for (const json& doc : released) all.push_back(doc);
    return commit(ctx, d, "", "released");
  }

  // An arbitrator's order to hold an attached transferable record that the dispute could not
  // hold by itself (its holder or owner is not a party).
  static Result<std::string> hold(const json& args, TxContext& ctx) {
    SILK_ASSIGN_OR_RETURN(Args a, Args::of(args, "hold", {"id", "doc_id", "order"}));
    SILK_ASSIGN_OR_RETURN(std::string id, parse_id(a));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, read_doc_id(a));
    SILK_ASSIGN_OR_RETURN(std::string order, a.string("order", kMaxTextChars));
    SILK_ASSIGN_OR_RETURN(Deal d, require_deal(ctx, id));
    SILK_RETURN_IF_ERROR(need_arbitrator(d, ctx, "order a hold in"));
    SILK_RETURN_IF_ERROR(need_state(d, "hold", {"disputed"}));
    const json& docs = d.rec["documents"];
    if (std::find(docs.begin(), docs.end(), json(doc_id)) == docs.end()) {
      return Status::invalid("doc_id: document " + doc_id + " is not attached to deal " + id);
    }
    SILK_ASSIGN_OR_RETURN(std::optional<DocumentRecord> record, load_document(ctx, doc_id));
    if (!record) return Status::not_found("doc_id: document " + doc_id + " is not recorded");
    SILK_ASSIGN_OR_RETURN(bool transferable, is_transferable(ctx, record->type));
    if (!transferable) {
      return Status::invalid("doc_id: document " + doc_id + " is a " + record->type +
                             ", not a transferable record; only those are held");
    }
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> existing, ctx.get(hold_key(doc_id)));
    if (existing) {
      SILK_ASSIGN_OR_RETURN(json h, parse_stored(hold_key(doc_id), *existing));
      return Status::conflict("document " + doc_id + " is already held by deal " +
                              h.value("deal_id", std::string("?")));
    }
    ctx.put(hold_key(doc_id), json{{"deal_id", id},
                                   {"since_ms", ctx.block_time_ms()},
                                   {"reason", "arbitrator's order: " + order},
                                   {"ordered_by", ctx.sender().org},
                                   {"height", ctx.height()},
                                   {"tx_id", core::to_hex(ctx.tx_id())}}
                                  .dump());
    json& dispute = d.rec["dispute"];
    if (!dispute.is_object()) {
      return Status::corruption("trade/" + deal_key(id) + ": disputed without a dispute");
    }
    if (!dispute.contains("holds") || !dispute["holds"].is_array())
      dispute["holds"] = json::array();
    dispute["holds"].push_back(doc_id);
    SILK_RETURN_IF_ERROR(log_doc_event(ctx, doc_id, "hold_ordered", id, order));
    return commit(ctx, d, "", "hold_ordered");
  }

  // ---- queries ----

  static Result<std::string> deal(const json& args, ReadContext& ctx) {
    SILK_ASSIGN_OR_RETURN(Args a, Args::of(args, "deal", {"id"}));
    SILK_ASSIGN_OR_RETURN(std::string id, parse_id(a));
    SILK_ASSIGN_OR_RETURN(Deal d, require_deal(ctx, id));
    return d.rec.dump();
  }

  static Result<std::string> deals(const json& args, ReadContext& ctx) {
    SILK_ASSIGN_OR_RETURN(Args a, Args::of(args, "deals", {"org"}));
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> org, a.opt_string("org", 4096));
    if (org && !core::is_valid_org_id(*org)) {
      return Status::invalid("org: '" + org->substr(0, 64) + "' is not an organisation id");
    }
    const std::string key = org ? org_index_key(*org) : std::string(kAllIndexKey);
    SILK_ASSIGN_OR_RETURN(std::vector<std::string> ids, load_index(ctx, key));
    json out = json::array();
    for (const std::string& id : ids) {
      SILK_ASSIGN_OR_RETURN(std::optional<Deal> d, load_deal(ctx, id));
      if (!d)
        return Status::corruption("trade/" + key + ": indexes deal " + id + ", which is missing");
      out.push_back(std::move(d->rec));
    }
    return json{{"deals", std::move(out)}}.dump();
  }

  static Result<std::string> holds(const json& args, ReadContext& ctx) {
    SILK_ASSIGN_OR_RETURN(Args a, Args::of(args, "holds", {"doc_id"}));
    SILK_ASSIGN_OR_RETURN(std::string doc_id, read_doc_id(a));
    SILK_ASSIGN_OR_RETURN(std::optional<std::string> value, ctx.get(hold_key(doc_id)));
    json hold = nullptr;
    if (value) {
      SILK_ASSIGN_OR_RETURN(hold, parse_stored(hold_key(doc_id), *value));
    }
    return json{{"doc_id", doc_id}, {"hold", std::move(hold)}}.dump();
  }
};

}  // namespace

std::unique_ptr<Contract> make_trade_contract() { return std::make_unique<TradeContract>(); }

Result<json> deal_events_of(ReadContext& ctx, std::string_view doc_id) {
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> value,
                        ctx.get_from(kContract, doc_events_key(doc_id)));
  if (!value) return json::array();
  json events = json::parse(*value, nullptr, /*allow_exceptions=*/false);
  if (!events.is_array()) {
    return Status::corruption("trade/" + doc_events_key(doc_id) + ": not a JSON array");
  }
  return events;
}

Result<json> hold_of(ReadContext& ctx, std::string_view doc_id) {
  SILK_ASSIGN_OR_RETURN(std::optional<std::string> value,
                        ctx.get_from(kContract, hold_key(doc_id)));
  if (!value) return json(nullptr);
  return parse_stored(hold_key(doc_id), *value);
}

}  // namespace silk::contracts
