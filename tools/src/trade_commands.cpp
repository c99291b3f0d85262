// The shared parts of the trade commands, and trust, ebl, data, deal (trade_commands.h). The doc
// commands are in doc_commands.cpp.
#include "silk/tools/trade_commands.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include "silk/core/genesis.h"
#include "silk/core/x509.h"
#include "silk/tools/signer.h"

namespace silk::tools {

using core::Result;
using core::Status;
using nlohmann::json;

namespace {

constexpr std::array<const char*, 8> kServiceTypes = {"coo_issuer", "phyto_authority", "customs",
                                                      "esign_ca",   "carrier",         "chamber",
                                                      "bank",       "insurer"};
constexpr std::array<const char*, 3> kDirections = {"mutual", "a_recognises_b", "b_recognises_a"};
constexpr std::array<const char*, 5> kRoutes = {"security_assessment", "standard_contract",
                                                "certification", "exemption", "ftz_negative_list"};
constexpr std::array<const char*, 11> kIncoterms = {"EXW", "FCA", "CPT", "CIP", "DAP", "DPU",
                                                    "DDP", "FAS", "FOB", "CFR", "CIF"};

template <size_t N>
bool one_of(const std::array<const char*, N>& list, const std::string& v) {
  return std::find_if(list.begin(), list.end(), [&](const char* s) { return v == s; }) !=
         list.end();
}

template <size_t N>
std::string join(const std::array<const char*, N>& list) {
  std::string out;
  for (const char* s : list) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

std::string str(const json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

std::string time_of(const json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_unsigned()) return "";
  return core::format_time_ms(it->get<uint64_t>());
}

std::string list_of(const json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return str(j, key);
  std::string out;
  for (const json& v : *it) {
    if (!out.empty()) out += ", ";
    out += v.is_string() ? v.get<std::string>() : v.dump();
  }
  return out;
}

bool is_id(const std::string& s, size_t max) {
  if (s.empty() || s.size() > max || !std::isalnum(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

Status check_id_option(const std::string& option, const std::string& id) {
  SILK_RETURN_IF_ERROR(check_required(option, id));
  if (!is_id(id, 64)) {
    return Status::invalid(option + " \"" + id +
                           "\" is not an id (1-64 of A-Z a-z 0-9 . _ -, starting with a letter "
                           "or digit)");
  }
  return Status::ok();
}

// "  status      suspended since 2026-...": a history list, oldest first.
void print_history(std::ostringstream& t, const json& history, const std::string& indent) {
  if (!history.is_array() || history.empty()) return;
  t << indent << "history\n";
  for (const json& h : history) {
    t << indent << "  " << time_of(h, "at_ms") << "  ";
    const std::string what = !str(h, "event").empty() ? str(h, "event") : str(h, "status");
    t << what;
    if (!str(h, "event").empty() && !str(h, "status").empty()) t << " -> " << str(h, "status");
    if (!str(h, "reason").empty()) t << " (" << str(h, "reason") << ")";
    if (!str(h, "height").empty()) t << "  height " << str(h, "height");
    t << "\n";
  }
}

std::string scalar_text(const std::string& key, const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_unsigned() && key.size() > 3 && key.ends_with("_ms") && v.get<uint64_t>() > 0) {
    return core::format_time_ms(v.get<uint64_t>());
  }
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_null()) return "-";
  return v.dump();
}

void fields_into(std::ostringstream& t, const json& value, int indent) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  if (!value.is_object()) {
    t << pad << scalar_text("", value) << "\n";
    return;
  }
  size_t width = 0;
  for (auto it = value.begin(); it != value.end(); ++it) width = std::max(width, it.key().size());
  for (auto it = value.begin(); it != value.end(); ++it) {
    const json& v = it.value();
    std::string key = it.key();
    key.resize(width, ' ');
    if (v.is_object() && !v.empty()) {
      t << pad << it.key() << "\n";
      fields_into(t, v, indent + 2);
    } else if (v.is_array() && !v.empty() && !v.front().is_object()) {
      std::string items;
      for (const json& e : v) {
        if (!items.empty()) items += ", ";
        items += scalar_text("", e);
      }
      t << pad << key << "  " << items << "\n";
    } else if (v.is_array() && !v.empty()) {
      t << pad << it.key() << " (" << v.size() << ")\n";
      for (const json& e : v) {
        std::ostringstream sub;
        fields_into(sub, e, indent + 4);
        std::string s = sub.str();
        if (s.size() > static_cast<size_t>(indent) + 4) {
          s.replace(static_cast<size_t>(indent) + 2, 2, "- ");
        }
        t << s;
      }
    } else if (v.is_array() || v.is_object()) {
      t << pad << key << "  (none)\n";
    } else {
      t << pad << key << "  " << scalar_text(it.key(), v) << "\n";
    }
  }
}

}  // namespace

std::string format_json_fields(const json& value, int indent) {
  std::ostringstream t;
  fields_into(t, value, indent);
  return t.str();
}

Result<CommandOutput> run_trade_call(CommandContext& ctx, const SignedCallOptions& signer,
                                     const TradeCall& call) {
  auto headline = call.headline ? call.headline : [&call](const json&) {
    return call.contract + "." + call.method + ": done\n";
  };
  return run_signed_call(ctx, signer, call.contract, call.method, call.args, headline);
}

Result<CommandOutput> run_trade_query(CommandContext& ctx, const std::string& contract,
                                      const std::string& method, const json& args,
                                      const std::function<std::string(const json&)>& format,
                                      const std::string& predicate) {
  SILK_ASSIGN_OR_RETURN(NodeClient * node, ctx.node());
  SILK_ASSIGN_OR_RETURN(json result, node->query(contract, method, args));
  if (result.is_string()) {
    json parsed = json::parse(result.get<std::string>(), nullptr, false);
    if (!parsed.is_discarded()) result = std::move(parsed);
  }
  CommandOutput out;
  out.text = format ? format(result) : format_json_fields(result, 0);
  if (!predicate.empty() && !(result.is_object() && result.value(predicate, false))) {
    out.exit_code = 1;
    out.error = out.text.substr(0, out.text.find('\n'));
  }
  out.json = std::move(result);
  return out;
}

Status check_jurisdiction_option(const std::string& option, const std::string& code) {
  SILK_RETURN_IF_ERROR(check_required(option, code));
  if (!core::is_valid_jurisdiction(code)) {
    return Status::invalid(option + " \"" + code +
                           "\" is not an ISO 3166-1 alpha-2 code in upper case (e.g. SG)");
  }
  return Status::ok();
}

Status check_org_option(const std::string& option, const std::string& org) {
  SILK_RETURN_IF_ERROR(check_required(option, org));
  if (!core::is_valid_org_id(org)) {
    return Status::invalid(option + " \"" + org +
                           "\" is not a valid organisation id (1-60 of A-Z a-z 0-9 . _ -, "
                           "starting with a letter or digit)");
  }
  return Status::ok();
}

Status check_required(const std::string& option, const std::string& value) {
  if (value.empty()) return Status::invalid(option + " is required");
  return Status::ok();
}

Status add_time_arg(json& args, const char* key, const std::string& option,
                    const std::string& text) {
  if (text.empty()) return Status::ok();
  SILK_ASSIGN_OR_RETURN(uint64_t ms, parse_time_option(option, text));
  args[key] = ms;
  return Status::ok();
}

std::vector<std::string> split_list(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const std::string& v : values) {
    std::stringstream in(v);
    std::string item;
    while (std::getline(in, item, ',')) {
      const size_t b = item.find_first_not_of(" \t");
      if (b == std::string::npos) continue;
      const size_t e = item.find_last_not_of(" \t");
      out.push_back(item.substr(b, e - b + 1));
    }
  }
  return out;
}

// ---- trust ----

Result<json> trust_add_authority_args(const TrustAuthorityOptions& o) {
  SILK_RETURN_IF_ERROR(check_jurisdiction_option("--jurisdiction", o.jurisdiction));
  SILK_RETURN_IF_ERROR(check_id_option("--id", o.id));
  SILK_RETURN_IF_ERROR(check_required("--name", o.name));
  json args = {{"jurisdiction", o.jurisdiction}, {"id", o.id}, {"name", o.name}};
  if (o.authority_cert.empty() == o.public_key.empty()) {
    return Status::invalid("give exactly one of --authority-cert PEM_FILE or --public-key HEX");
  }
  if (!o.authority_cert.empty()) {
    SILK_ASSIGN_OR_RETURN(core::Certificate cert, load_certificate_file(o.authority_cert));
    args["cert"] = cert.pem();
  } else {
    auto pk = core::public_key_from_hex(o.public_key);
    if (!pk.is_ok()) {
      return Status::invalid("--public-key \"" + o.public_key +
                             "\" is not a 64-hex Ed25519 public key");
    }
    args["public_key"] = core::to_hex(*pk);
  }
  const std::vector<std::string> services = split_list(o.service_types);
  if (services.empty()) {
    return Status::invalid("--service-type is required (one of " + join(kServiceTypes) + ")");
  }
  for (const std::string& s : services) {
    if (!one_of(kServiceTypes, s)) {
      return Status::invalid("--service-type \"" + s + "\" is not one of " + join(kServiceTypes));
    }
  }
  args["service_types"] = services;
  return args;
}

Result<json> trust_propose_mra_args(const TrustMraOptions& o) {
  SILK_RETURN_IF_ERROR(check_id_option("--id", o.id));
  const std::vector<std::string> parties = split_list(o.parties);
  if (parties.size() != 2) {
    return Status::invalid("--parties needs exactly two jurisdictions, e.g. CN,SG");
  }
  for (const std::string& p : parties) {
    SILK_RETURN_IF_ERROR(check_jurisdiction_option("--parties", p));
  }
  if (parties[0] == parties[1]) return Status::invalid("--parties names " + parties[0] + " twice");
  if (!one_of(kDirections, o.direction)) {
    return Status::invalid("--direction \"" + o.direction + "\" is not one of " +
                           join(kDirections));
  }
  const std::vector<std::string> doc_types = split_list(o.doc_types);
  if (doc_types.empty()) return Status::invalid("--doc-type is required (repeat it for more)");
  const std::vector<std::string> services = split_list(o.service_types);
  if (services.empty()) return Status::invalid("--service-type is required (repeat it for more)");
  for (const std::string& s : services) {
    if (!one_of(kServiceTypes, s)) {
      return Status::invalid("--service-type \"" + s + "\" is not one of " + join(kServiceTypes));
    }
  }
  json args = {{"id", o.id},
               {"parties", parties},
               {"direction", o.direction},
               {"doc_types", doc_types},
               {"service_types", services}};
  SILK_RETURN_IF_ERROR(add_time_arg(args, "valid_from_ms", "--valid-from", o.valid_from));
  SILK_RETURN_IF_ERROR(add_time_arg(args, "valid_until_ms", "--valid-until", o.valid_until));
  if (args.contains("valid_from_ms") && args.contains("valid_until_ms") &&
      args["valid_until_ms"].get<uint64_t>() <= args["valid_from_ms"].get<uint64_t>()) {
    return Status::invalid("--valid-until must be later than --valid-from");
  }
  return args;
}

Result<json> trust_recognises_args(const TrustRecognisesOptions& o) {
  SILK_RETURN_IF_ERROR(check_jurisdiction_option("--issuing", o.issuing));
  SILK_RETURN_IF_ERROR(check_jurisdiction_option("--verifying", o.verifying));
  SILK_RETURN_IF_ERROR(check_required("--doc-type", o.doc_type));
  json args = {{"issuing", o.issuing}, {"verifying", o.verifying}, {"doc_type", o.doc_type}};
  if (!o.service_type.empty()) args["service_type"] = o.service_type;
  SILK_RETURN_IF_ERROR(add_time_arg(args, "at_ms", "--at", o.at));
  return args;
}

std::string format_authorities(const json& r) {
  std::ostringstream t;
  t << "trust list of " << str(r, "jurisdiction") << " at " << time_of(r, "at_ms") << "\n";
  auto list = r.find("authorities");
  if (list == r.end() || !list->is_array() || list->empty()) {
    t << "  (no authorities listed)\n";
    return t.str();
  }
  for (const json& a : *list) {
    t << "  " << str(a, "id") << "  " << str(a, "status_at");
    if (!time_of(a, "since_ms").empty()) t << " since " << time_of(a, "since_ms");
    t << "\n";
    t << "    name           " << str(a, "name") << "\n";
    t << "    service types  " << list_of(a, "service_types") << "\n";
    if (!str(a, "cert").empty()) {
      auto cert = core::parse_certificate(str(a, "cert"));
      if (cert.is_ok()) {
        t << "    certificate    " << core::format_dn(cert->subject())
          << " (sha256:" << core::to_hex(cert->fingerprint()) << ", until "
          << core::format_time_ms(cert->not_after_ms()) << ")\n";
      }
    }
    if (!str(a, "public_key").empty()) t << "    public key     " << str(a, "public_key") << "\n";
  }
  return t.str();
}

std::string format_mra(const json& m) {
  std::ostringstream t;
  t << "MRA " << str(m, "id") << "  " << str(m, "status");
  if (!str(m, "status_at").empty() && str(m, "status_at") != str(m, "status")) {
    t << " (at " << time_of(m, "at_ms") << ": " << str(m, "status_at") << ")";
  }
  t << "\n";
  t << "  parties        " << list_of(m, "parties") << "  (" << str(m, "direction") << ")\n";
  t << "  doc types      " << list_of(m, "doc_types") << "\n";
  t << "  service types  " << list_of(m, "service_types") << "\n";
  const std::string from = time_of(m, "valid_from_ms");
  const std::string until = time_of(m, "valid_until_ms");
  t << "  valid          " << (str(m, "valid_from_ms") == "0" || from.empty() ? "-" : from)
    << " .. " << (str(m, "valid_until_ms") == "0" || until.empty() ? "(open)" : until) << "\n";
  if (auto ap = m.find("approvals"); ap != m.end() && ap->is_object()) {
    for (auto it = ap->begin(); it != ap->end(); ++it) {
      t << "  approved by    " << it.key() << " at " << time_of(it.value(), "at_ms") << " (height "
        << str(it.value(), "height") << ")\n";
    }
  }
  print_history(t, m.value("history", json::array()), "  ");
  return t.str();
}

std::string format_recognises(const json& r) {
  std::ostringstream t;
  t << (r.value("recognised", false) ? "recognised" : "not recognised") << ": "
    << str(r, "verifying") << " recognising " << str(r, "doc_type") << " issued in "
    << str(r, "issuing");
  if (!str(r, "service_type").empty()) t << " (" << str(r, "service_type") << ")";
  t << " at " << time_of(r, "at_ms") << "\n";
  if (!str(r, "mra_id").empty()) t << "  MRA     " << str(r, "mra_id") << "\n";
  t << "  reason  " << str(r, "reason") << "\n";
  return t.str();
}

// ---- ebl ----

std::string format_ebl(const json& r) {
  std::ostringstream t;
  t << "eBL " << str(r, "doc_id") << "  " << str(r, "status") << "\n";
  t << "  carrier   " << str(r, "carrier_org") << "\n";
  t << "  holder    " << str(r, "holder") << "  (controls the record)\n";
  const std::string owner = str(r, "owner");
  t << "  owner     "
    << (!owner.empty()                     ? owner
        : r.value("blank_endorsed", false) ? std::string("(blank endorsed: the holder)")
                                           : std::string("(to order)"))
    << "\n";
  if (auto s = r.find("surrender"); s != r.end() && s->is_object()) {
    t << "  surrender " << (str(r, "status").starts_with("PENDING") ? "pending, " : "") << "for "
      << str(*s, "purpose") << ", requested by " << str(*s, "requested_by") << " at "
      << time_of(*s, "at_ms") << "\n";
  }
  if (auto h = r.find("held"); h != r.end() && h->is_object()) {
    t << "  HELD by deal " << str(*h, "deal_id") << " since " << time_of(*h, "since_ms") << ": "
      << str(*h, "reason") << "\n";
  }
  if (auto c = r.find("chain"); c != r.end() && c->is_array()) {
    t << "  chain     " << c->size() << " link" << (c->size() == 1 ? "" : "s")
      << " (silk ebl chain " << str(r, "doc_id") << ")\n";
  }
  return t.str();
}

std::string format_ebl_chain(const json& r) {
  std::ostringstream t;
  t << "eBL " << str(r, "doc_id") << "  " << str(r, "status") << "  holder " << str(r, "holder");
  t << "  owner " << (str(r, "owner").empty() ? std::string("(none)") : str(r, "owner")) << "\n";
  auto chain = r.find("chain");
  if (chain == r.end() || !chain->is_array()) return t.str();
  size_t width = 0;
  for (const json& l : *chain) width = std::max(width, str(l, "action").size());
  for (const json& l : *chain) {
    std::string action = str(l, "action");
    action.resize(width, ' ');
    t << "  " << action << "  " << str(l, "actor") << " -> " << str(l, "recipient") << "  "
      << time_of(l, "at_ms");
    if (!str(l, "reason").empty()) t << "  (" << str(l, "reason") << ")";
    t << "  height " << str(l, "height") << "\n";
  }
  return t.str();
}

// ---- data ----

Result<json> data_file_approval_args(const DataApprovalOptions& o) {
  SILK_RETURN_IF_ERROR(check_id_option("--id", o.id));
  if (!one_of(kRoutes, o.route)) {
    return Status::invalid("--route \"" + o.route + "\" is not one of " + join(kRoutes));
  }
  const std::vector<std::string> doc_types = split_list(o.doc_types);
  const std::vector<std::string> labels = split_list(o.labels);
  const std::vector<std::string> destinations = split_list(o.destinations);
  const std::vector<std::string> recipients = split_list(o.recipients);
  if (doc_types.empty()) return Status::invalid("--doc-type is required (repeat it for more)");
  if (labels.empty()) return Status::invalid("--label is required (general, important, personal)");
  for (const std::string& l : labels) {
    if (l == "core") {
      return Status::invalid("--label core: core data never leaves its jurisdiction");
    }
    if (l != "general" && l != "important" && l != "personal") {
      return Status::invalid("--label \"" + l + "\" is not one of general, important, personal");
    }
  }
  if (std::find(labels.begin(), labels.end(), "important") != labels.end() &&
      o.route != "security_assessment") {
    return Status::invalid(
        "--label important needs --route security_assessment (CAC Measures 2022)");
  }
  if (destinations.empty()) return Status::invalid("--destination is required (e.g. SG)");
  for (const std::string& d : destinations) {
    SILK_RETURN_IF_ERROR(check_jurisdiction_option("--destination", d));
  }
  for (const std::string& r : recipients) SILK_RETURN_IF_ERROR(check_org_option("--recipient", r));
  SILK_RETURN_IF_ERROR(check_required("--authority", o.authority));
  json scope = {{"doc_types", doc_types}, {"data_labels", labels}, {"destinations", destinations}};
  if (!recipients.empty()) scope["recipients"] = recipients;
  json args = {{"id", o.id}, {"route", o.route}, {"scope", scope}, {"authority", o.authority}};
  if (!o.reference.empty()) args["reference"] = o.reference;
  SILK_RETURN_IF_ERROR(add_time_arg(args, "valid_from_ms", "--valid-from", o.valid_from));
  SILK_RETURN_IF_ERROR(add_time_arg(args, "valid_until_ms", "--valid-until", o.valid_until));
  return args;
}

std::string format_may_share(const json& r) {
  std::ostringstream t;
  t << (r.value("allowed", false) ? "allowed" : "refused") << ": " << str(r, "exporter_org") << " ("
    << str(r, "from_jurisdiction") << ") -> " << str(r, "to_org") << " ("
    << str(r, "to_jurisdiction") << ") at " << time_of(r, "at_ms") << "\n";
  t << "  label     " << str(r, "label")
    << (r.value("personal_data", false) ? ", personal data" : "") << "\n";
  if (!str(r, "approval_id").empty()) t << "  approval  " << str(r, "approval_id") << "\n";
  t << "  reason    " << str(r, "reason") << "\n";
  return t.str();
}

std::string format_shares(const json& r) {
  std::ostringstream t;
  auto list = r.find("shares");
  if (list == r.end() || !list->is_array() || list->empty()) {
    return "no shares or transfers of " + str(r, "doc_id") + " logged\n";
  }
  t << "cross-border log of " << str(r, "doc_id") << "\n";
  for (const json& e : *list) {
    t << "  " << time_of(e, "at_ms") << "  " << str(e, "contract") << " " << str(e, "kind") << "  "
      << str(e, "exporter_org") << " (" << str(e, "from_jurisdiction") << ") -> "
      << str(e, "recipient_org") << " (" << str(e, "to_jurisdiction") << ")  height "
      << str(e, "height") << "\n";
    t << "    label " << str(e, "label")
      << (e.value("personal_data", false) ? ", personal data" : "");
    if (!str(e, "approval_id").empty()) t << "; approval " << str(e, "approval_id");
    if (!str(e, "purpose").empty()) t << "; purpose: " << str(e, "purpose");
    t << "\n";
  }
  return t.str();
}

std::string format_approvals(const json& r) {
  std::ostringstream t;
  auto list = r.find("approvals");
  if (list == r.end() || !list->is_array() || list->empty()) return "no export approvals\n";
  for (const json& a : *list) {
    t << "approval " << str(a, "id") << "  " << str(a, "status") << "\n";
    t << "  exporter     " << str(a, "exporter_org") << " (" << str(a, "from_jurisdiction")
      << ")\n";
    t << "  route        " << str(a, "route") << ", " << str(a, "authority");
    if (!str(a, "reference").empty()) t << " " << str(a, "reference");
    t << "\n";
    const json scope = a.value("scope", json::object());
    t << "  covers       " << list_of(scope, "doc_types") << "; labels "
      << list_of(scope, "data_labels") << "; to " << list_of(scope, "destinations");
    if (!list_of(scope, "recipients").empty()) t << " (" << list_of(scope, "recipients") << ")";
    t << "\n";
    const std::string from = str(a, "valid_from_ms") == "0" ? "" : time_of(a, "valid_from_ms");
    const std::string until = str(a, "valid_until_ms") == "0" ? "" : time_of(a, "valid_until_ms");
    t << "  valid        " << (from.empty() ? "-" : from) << " .. "
      << (until.empty() ? "(open)" : until) << "\n";
    print_history(t, a.value("history", json::array()), "  ");
  }
  return t.str();
}

// ---- deal ----

Result<json> deal_open_args(const DealOpenOptions& o) {
  SILK_RETURN_IF_ERROR(check_id_option("--id", o.id));
  SILK_RETURN_IF_ERROR(check_org_option("--buyer", o.buyer));
  SILK_RETURN_IF_ERROR(check_required("--goods", o.goods));
  if (o.goods.size() > 1024) return Status::invalid("--goods is longer than 1024 bytes");
  if (!one_of(kIncoterms, o.incoterms)) {
    return Status::invalid("--incoterms \"" + o.incoterms + "\" is not an Incoterms 2020 rule (" +
                           join(kIncoterms) + ")");
  }
  const std::string& a = o.amount;
  const size_t dot = a.find('.');
  const bool digits_ok = !a.empty() && a.find_first_not_of("0123456789.") == std::string::npos &&
                         a[0] != '.' &&
                         (dot == std::string::npos ||
                          (a.find('.', dot + 1) == std::string::npos && dot + 1 < a.size()));
  if (!digits_ok) {
    return Status::invalid("--amount \"" + a + "\" is not a decimal amount like 84000.00");
  }
  if (o.currency.size() != 3 || !std::all_of(o.currency.begin(), o.currency.end(),
                                             [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return Status::invalid("--currency \"" + o.currency +
                           "\" is not an ISO 4217 code (three capital letters, e.g. USD)");
  }
  return json{{"id", o.id},
              {"buyer", o.buyer},
              {"goods", o.goods},
              {"incoterms", o.incoterms},
              {"amount", {{"value", o.amount}, {"currency", o.currency}}}};
}

std::string format_deal(const json& d) {
  std::ostringstream t;
  t << "deal " << str(d, "id") << "  " << str(d, "state") << "\n";
  t << "  seller     " << str(d, "seller") << " (" << str(d, "seller_jurisdiction") << ")\n";
  t << "  buyer      " << str(d, "buyer") << " (" << str(d, "buyer_jurisdiction") << ")\n";
  t << "  goods      " << str(d, "goods") << "\n";
  const json amount = d.value("amount", json::object());
  t << "  terms      " << str(d, "incoterms") << ", " << str(amount, "value") << " "
    << str(amount, "currency") << "\n";
  t << "  documents  " << (list_of(d, "documents").empty() ? "-" : list_of(d, "documents")) << "\n";
  if (!str(d, "bill_of_lading").empty()) {
    t << "  B/L        " << str(d, "bill_of_lading") << "\n";
  }
  if (auto s = d.find("settlement"); s != d.end() && s->is_object()) {
    t << "  settled    reference " << str(*s, "reference") << " at " << time_of(*s, "at_ms")
      << "\n";
  }
  if (auto x = d.find("dispute"); x != d.end() && x->is_object()) {
    t << "  dispute    " << str(*x, "reason") << " (opened by " << str(*x, "opened_by") << " at "
      << time_of(*x, "opened_at_ms") << ")\n";
    if (!list_of(*x, "holds").empty()) t << "    holds    " << list_of(*x, "holds") << "\n";
    if (!str(*x, "ruling").empty()) {
      t << "    ruling   " << str(*x, "ruling") << " (arbitrator of " << str(*x, "decided_by")
        << ", at " << time_of(*x, "decided_at_ms") << ")\n";
      if (!list_of(*x, "released").empty()) {
        t << "    released " << list_of(*x, "released") << "\n";
      } else if (!list_of(*x, "holds").empty()) {
        t << "    holds kept until `silk deal release " << str(d, "id") << "`\n";
      }
    }
  }
  if (auto h = d.find("history"); h != d.end() && h->is_array()) {
    t << "  history\n";
    for (const json& e : *h) {
      t << "    " << time_of(e, "at_ms") << "  " << str(e, "state") << "  height "
        << str(e, "height") << "\n";
    }
  }
  return t.str();
}

}  // namespace silk::tools
